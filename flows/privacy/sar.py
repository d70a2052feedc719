"""Subject access: every record about one person, with the register's purposes, recipients,
retention and sources for each kind; other people appear only by role.

Found from the schema (:mod:`flows.privacy.records`): every row of every table that refers to
the person, rows whose free text names them, the notices and reminders sent to them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.privacy.records import (
    outbox_about,
    person_columns,
    plain,
    privacy_of,
    rows_naming,
    rows_referring,
    tables_about_people,
    words_of,
)
from flows.privacy.register import Entry, register
from models.tables import Base, Nudge, Person

ANOTHER = "another person"


class _Masker:
    """Replaces other people's names, e-mails and chat ids in text with their role."""

    def __init__(self, others: list[str]) -> None:
        words = sorted({w for w in others if len(w) >= 3}, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(w) for w in words)) if words else None

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str) and self.pattern is not None:
            return self.pattern.sub(ANOTHER, value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def _role(column: str) -> str:
    return f"{ANOTHER} ({column.removesuffix('_id').replace('_', ' ')})"


def _row(row: dict[str, Any], person_cols: set[str], pid: int, mask: _Masker) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in person_cols and v is not None:
            out[k] = "you" if v == pid else _role(k)
        else:
            out[k] = mask(plain(v))
    return out


def _register_info(entry: Entry) -> dict[str, str]:
    p = entry.privacy
    return {"holds": p.holds, "purpose": p.purpose, "lawful_basis": p.basis, "article_9": p.article9,
            "recipients": p.recipients, "retention": entry.retention, "source": p.source}  # fmt: skip


async def subject_access(s: AsyncSession, person: Person, settings: Any, now: datetime) -> dict[str, Any]:
    """The export, as plain data (written as JSON; :func:`as_markdown` makes it readable)."""
    entries = {e.table: e for e in register(settings)}
    others: list[str] = []
    for p in (await s.execute(select(Person).where(Person.id != person.id))).scalars():
        others += words_of(p)
    mask = _Masker(others)
    pid = person.id
    people_table = Base.metadata.tables["people"]
    records: dict[str, Any] = {}
    own = {k: plain(v) for k, v in (await s.execute(select(people_table).where(people_table.c.id == pid))).one()._mapping.items()}
    records["people"] = {"register": _register_info(entries["people"]), "rows": [own]}
    for table, cols in tables_about_people():
        rows = await rows_referring(s, table, cols, pid)
        if rows:
            names = {c.name for c in cols}
            records[table.name] = {"register": _register_info(entries[table.name]),
                                   "rows": [_row(r, names, pid, mask) for r in rows]}  # fmt: skip
    named: dict[str, Any] = {}
    for table in Base.metadata.sorted_tables:
        privacy = privacy_of(table)
        if privacy is None or not privacy.free_text:
            continue
        seen = {r.get("id") for r in records.get(table.name, {}).get("rows", [])}
        rows = [r for r in await rows_naming(s, table, person) if r.get("id") not in seen]
        if rows:
            names = {c.name for c in person_columns(table)}
            named[table.name] = {"register": _register_info(entries[table.name]),
                                 "rows": [_row(r, names, pid, mask) for r in rows]}  # fmt: skip
    notices = []
    nudge_ids = set()
    for item in await outbox_about(s, person):
        n = item.notice or {}
        notices.append({"id": item.id, "kind": n.get("kind"), "headline": mask(n.get("headline")),
                        "to_you": (n.get("to") or {}).get("id") == pid, "written": plain(item.created_at),
                        "state": item.state, "sent": plain(item.sent_at)})  # fmt: skip
        if item.nudge_id:
            nudge_ids.add(item.nudge_id)
    nudges = []
    if nudge_ids:
        for nudge in (await s.execute(select(Nudge).where(Nudge.id.in_(nudge_ids)).order_by(Nudge.id))).scalars():
            nudges.append({"id": nudge.id, "kind": nudge.kind, "about": nudge.subject, "due": plain(nudge.due_at),
                           "state": nudge.state, "sent": plain(nudge.sent_at)})  # fmt: skip
    return {
        "subject_access_export": {"person": f"#{pid}", "made": plain(now)},
        "records": records,
        "named_in": named,
        "notices": {"register": _register_info(entries["outbox"]), "rows": notices},
        "nudges": {"register": _register_info(entries["nudges"]), "rows": nudges},
        "note": (
            "Other people appear only by their role. The register's purposes, lawful bases, recipients, "
            "retention periods and sources are given with each kind of record."
        ),
    }


def _section(title: str, part: dict[str, Any]) -> list[str]:
    info = part["register"]
    lines = [f"## {title}", ""]
    if info.get("holds"):
        lines.append(f"- **What it holds:** {info['holds']}")
    lines += [
        f"- **Why:** {info['purpose']}",
        f"- **Lawful basis:** {info['lawful_basis']}",
        f"- **Article 9 condition:** {info['article_9']}",
        f"- **Who sees it:** {info['recipients']}",
        f"- **How long it is kept:** {info['retention']}",
        f"- **Where it came from:** {info['source']}",
        "",
    ]
    for i, row in enumerate(part["rows"], 1):
        fields = "; ".join(f"{k}: {v}" for k, v in row.items() if v not in (None, "", [], {}))
        lines.append(f"{i}. {fields}")
    lines.append("")
    return lines


def as_markdown(data: dict[str, Any]) -> str:
    head = data["subject_access_export"]
    lines = [f"# Your data held by VWS Bot (person {head['person']})", "", f"Made {head['made']}.", "",
             data["note"], ""]  # fmt: skip
    for table, part in data["records"].items():
        lines += _section(f"Records: {table}", part)
    for table, part in data["named_in"].items():
        lines += _section(f"Where you are named: {table}", part)
    lines += _section("Notices the bot sent to you or about you", data["notices"])
    lines += _section("Reminders (the reminder ledger)", data["nudges"])
    return "\n".join(lines)
