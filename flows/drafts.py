"""Drafts the partner unions send to the employer: a JCC agenda item or a joint letter.

They are written for the employer: the unions' words come from what the proposal chose to tell
the employer (``to_employer``), never from the internal case notes. Without those words the
draft marks, in square brackets, where to add them."""

from __future__ import annotations

import io
import re

from flows.principles import PREAMBLE, PRINCIPLES

SIGNATORIES = "NASUWT, GMB, UNISON and Unite"


def _why(employer: str, to_employer: str | None) -> str:
    return (to_employer or "").strip() or f"[Add why the unions invite {employer}: the words the employer will read.]"


def jcc_agenda_item(employer: str, kind_label: str, to_employer: str | None) -> str:
    principles = "\n".join(f"{p.number}. {p.text[0].upper()}{p.text[1:]}" for p in PRINCIPLES)
    return (
        f"Agenda item: The Valued Worker Scheme ({employer})\n\n"
        f"Proposed by the trade unions ({SIGNATORIES}).\n\n"
        f"The unions invite {employer}, as a {kind_label}, to join the Valued Worker Scheme, which "
        "recognises employers who treat all employees fairly, equitably and with dignity.\n\n"
        f"Why the unions propose {employer}:\n{_why(employer, to_employer)}\n\n"
        f"{PREAMBLE}\n{principles}\n\n"
        "Full compliance is not expected at the start. To join, the employer agrees with the unions "
        "an action plan for one principle: the objective, the activities, the success criteria and a "
        "review date, usually a year on.\n\n"
        "The committee is asked to agree to work with the unions on an action plan."
    )


def joint_letter(employer: str, kind_label: str, to_employer: str | None) -> str:
    principles = "\n".join(f"{p.number}. {p.text[0].upper()}{p.text[1:]}" for p in PRINCIPLES)
    return (
        f"To the Head / Chief Executive, {employer}\n\n"
        "Dear colleague,\n\n"
        f"The Valued Worker Scheme\n\n"
        f"We write jointly, as {SIGNATORIES}, to invite {employer} to join the Valued Worker Scheme. "
        "The scheme recognises employers who treat all employees fairly, equitably and with dignity, "
        "teaching and support staff alike.\n\n"
        f"{_why(employer, to_employer)}\n\n"
        f"{PREAMBLE}\n{principles}\n\n"
        "You would not be expected to meet every principle now. To join, you would agree with us an "
        "action plan for one principle, with an objective, activities, success criteria and a review "
        "date, usually a year on. We would welcome a meeting to discuss this.\n\n"
        f"Yours sincerely,\n{SIGNATORIES} representatives"
    )


def file_name(employer: str, route: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", employer.lower()).strip("-")[:60] or "employer"
    return f"{'jcc-agenda-item' if route == 'jcc' else 'joint-letter'}-{slug}.docx"


def document(title: str, draft: str) -> bytes:
    """A draft as a Word document: its first line as the heading, a paragraph per block."""
    from docx import Document  # python-docx, loaded only when a draft is downloaded

    doc = Document()
    doc.core_properties.title = title
    blocks = [b for b in draft.split("\n\n") if b.strip()]
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        if i == 0 and block.startswith("Agenda item:"):
            doc.add_heading(block, level=1)
            continue
        numbered = [ln for ln in lines[1:] if re.match(r"\d+\. ", ln)]
        if numbered and len(numbered) == len(lines) - 1:  # a lead-in line, then a numbered list
            doc.add_paragraph(lines[0])
            for ln in numbered:
                doc.add_paragraph(ln.split(". ", 1)[1], style="List Number")
            continue
        p = doc.add_paragraph()
        for j, ln in enumerate(lines):
            run = p.add_run(ln)
            if j < len(lines) - 1:
                run.add_break()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
