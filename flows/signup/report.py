"""The register and an employer's history as people read them (``vws register``, ``vws audit``):
stages, kinds and outcomes in words, never the stored codes; no next review for an employer
that has left the journey. The CSV keeps its column names, so spreadsheets built on it still
work, and its dates as ISO dates, so they sort."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flows.signup.journey import FINISHED, TABLE, Stage
from flows.signup.records import AuditLine, EmployerSummary
from flows.wording import say_str
from models.schemas import EmployerKind, Route

COLUMNS = ["employer", "kind", "local_association", "region", "status", "cycle", "principle", "next_review", "joined",
           "added_to_list", "logo_sent", "taken_off_list"]  # fmt: skip


def next_review(e: EmployerSummary) -> date | None:
    """When the employer is next reviewed: none once revoked or withdrawn."""
    return None if e.stage in FINISHED else e.review_on


def status_words(e: EmployerSummary) -> str:
    """The stage in words, with the national list's last word on a revoked employer."""
    said = e.stage.label
    if e.off_list_at is not None:
        said = say_str("register.off_list", status=said, when=e.off_list_at.date())
    return said


def register_lines(rows: list[EmployerSummary]) -> list[str]:
    """One line an employer: number, name, local association, status, principle, next review."""
    width = max((len(e.name) for e in rows), default=0)
    status = [status_words(e) for e in rows]
    swidth = max((len(s) for s in status), default=0)
    out = []
    for e, st in zip(rows, status, strict=True):
        p = say_str("register.principle", n=e.principle) if e.principle else ""
        review = next_review(e)
        r = say_str("register.review", when=review) if review else ""
        out.append(f"#{e.id:<4} {e.name:<{width}}  {e.association:<12} {st:<{swidth}}  {p:<12} {r}".rstrip())
    return out


def register_csv(rows: list[EmployerSummary]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)

    def iso(d: Any) -> str:
        return "" if d is None else (d.date() if hasattr(d, "date") else d).isoformat()

    for e in rows:
        w.writerow([e.name, EmployerKind(e.kind).label, e.association, e.region, e.stage.label, e.cycle, e.principle or "",
                    iso(next_review(e)), iso(e.joined_at), iso(e.added_to_list_at), iso(e.logo_sent_at),
                    iso(e.off_list_at)])  # fmt: skip
    return buf.getvalue()


# --------------------------------------------------------------------------- the audit trail


#: How each thing an event's payload records is said (unknown ones are left out: they are for the bot).
_DETAIL: dict[str, Callable[[Any], str]] = {
    "union": lambda v: say_str("audit.union", union=v),
    "new_revision": lambda v: say_str("audit.version", n=v),
    "changed": lambda v: say_str("audit.changed", fields=", ".join(say_str(f"fact.{k}").lower() for k in v)) if v else "",
    "cycle": lambda v: say_str("audit.cycle", n=v),
    "principle": lambda v: say_str("audit.principle", n=v),
    "old_review_on": lambda v: say_str("audit.old_review_on", when=date.fromisoformat(v)),
    "review_on": lambda v: say_str("audit.review_on", when=date.fromisoformat(v)),
    "workplan_actions": lambda v: say_str("audit.workplan_actions", n=int(v)),
    "number": lambda v: say_str("audit.number", n=v),
}


def _details(line: AuditLine) -> str:
    """What the event's payload adds, in words: ": the route" or " (cycle 1, principle 2, ...)"."""
    if line.payload.get("route") in {r.value for r in Route}:
        return ": " + Route(line.payload["route"]).label
    said = [_DETAIL[k](v) for k, v in line.payload.items() if k in _DETAIL and v not in (None, "", [])]
    said = [s for s in said if s]
    return " (" + ", ".join(said) + ")" if said else ""


def what_happened(line: AuditLine) -> str:
    """One event in words: who did what (the table's words for the row), the details that matter,
    the reasons given, and where that left the case."""
    what = TABLE.row(line.action).what if line.action in TABLE else say_str(f"audit.action.{line.action}")
    said = (say_str("audit.by", who=line.actor, what=what) if line.actor else what[:1].upper() + what[1:]) + _details(line)
    if line.reasons:
        said += say_str("audit.reasons", reasons=line.reasons)
    said += say_str("audit.end")
    if line.to_stage and line.to_stage != line.from_stage and line.to_stage in {s.value for s in Stage}:
        said += say_str("audit.now", stage=Stage(line.to_stage).label)
    return said


def audit_lines(lines: Iterable[AuditLine], when: Callable[[Any], str]) -> list[str]:
    out = []
    for line in lines:
        at = when(line.at)
        out.append(f"  {at:<22} {what_happened(line)}")
    return out


__all__ = ["COLUMNS", "audit_lines", "next_review", "register_csv", "register_lines", "status_words"]
