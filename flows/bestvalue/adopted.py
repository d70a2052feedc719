"""The Code as adopted: in clause order, with local wording where a branch amended a clause, the
clauses not agreed with their reasons, and (once decided) each clause's committee outcome. As
plain paragraphs for chat and the CLI, and as a Word document (python-docx)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from flows.bestvalue.case import AdoptionCase
from flows.wording import say_str
from models.bestvalue import CodeClause


@dataclass(frozen=True)
class AdoptedClause:
    ref: str
    text: str  # the wording as it now stands
    status: str  # agreed | amended | not_agreed | open | and after committee: approved | varied | rejected
    notes: tuple[str, ...]  # local wording by branch, reasons, the committee's variation


def clause_as_adopted(case: AdoptionCase, c: CodeClause) -> AdoptedClause:
    notes: list[str] = []
    amended: list[tuple[str, str]] = []
    refused: list[tuple[str, str]] = []
    for union in case.branches:
        p = case.positions.get((c.id, union))
        if p is None or p.position == "park":
            continue
        if p.position == "amend" and p.local_text:
            amended.append((union, p.local_text))
            notes.append(say_str("code.adopted.amended_by", union=union, reason=p.reason or ""))
        elif p.position == "not_agreed":
            refused.append((union, p.reason or ""))
    text, status = c.text, "agreed" if case.settled(c.id) else "open"
    if amended:
        text, status = amended[0][1], "amended"
        for union, other in amended[1:]:
            notes.append(say_str("code.adopted.other_wording", union=union, text=other))
        notes.append(say_str("code.adopted.original", text=c.text))
    if refused:
        status = "not_agreed"
        notes += [say_str("code.adopted.not_agreed_by", union=u, reason=r) for u, r in refused]
    outcome = case.outcomes.get(c.id)
    if outcome is not None:
        if outcome.outcome == "varied" and outcome.text:
            notes.append(say_str("code.adopted.varied_from", text=text))
            text = outcome.text
        status = outcome.outcome
    return AdoptedClause(c.ref, text, status, tuple(notes))


def adopted(case: AdoptionCase) -> list[tuple[str, list[AdoptedClause]]]:
    """(section heading, its clauses as adopted), in order."""
    return [
        (f"{s.number}. {s.title}", [clause_as_adopted(case, c) for c in case.code.in_section(s.number)])
        for s in case.code.sections
    ]


def paragraphs(case: AdoptionCase) -> list[str]:
    """The Code as adopted as one paragraph per section (chat messages split them further)."""
    out = []
    for heading, clauses in adopted(case):
        lines = [heading]
        for a in clauses:
            mark = say_str(f"code.adopted.status.{a.status}")
            lines.append(f"{a.ref} {a.text}" + (f" [{mark}]" if mark else ""))
            lines += [f"    {n}" for n in a.notes]
        out.append("\n".join(lines))
    criteria = case.code.criteria
    if criteria:
        t = case.code.template
        lines = [t.criteria_heading or say_str("code.adopted.criteria"), t.criteria_intro]
        lines += [f"({i}) {c.text}" for i, c in enumerate(criteria, start=1)]
        out.append("\n".join(x for x in lines if x))
    return out


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "employer"


def file_name(case: AdoptionCase) -> str:
    return f"best-value-code-{slug(case.name)}.docx"


def document(case: AdoptionCase) -> bytes:
    """The Code as adopted as a Word document."""
    from docx import Document  # python-docx: imported here, so only the code's documents load it

    doc = Document()
    doc.add_heading(case.code.template.title, level=0)
    doc.add_paragraph(say_str("code.adopted.for", employer=case.name, version=case.code.template.version,
                              branches=", ".join(case.branches), stage=case.stage.label))  # fmt: skip
    for heading, clauses in adopted(case):
        doc.add_heading(heading, level=1)
        for a in clauses:
            p = doc.add_paragraph()
            p.add_run(f"{a.ref} ").bold = True
            p.add_run(a.text)
            mark = say_str(f"code.adopted.status.{a.status}")
            if mark:
                p.add_run(f" [{mark}]").italic = True
            for n in a.notes:
                doc.add_paragraph(n, style="List Bullet")
    if case.code.criteria:
        t = case.code.template
        doc.add_heading(t.criteria_heading or say_str("code.adopted.criteria"), level=1)
        if t.criteria_intro:
            doc.add_paragraph(t.criteria_intro)
        for c in case.code.criteria:
            doc.add_paragraph(c.text, style="List Number")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
