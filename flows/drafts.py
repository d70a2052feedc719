"""Drafts the partner unions send to the employer: a JCC agenda item or a joint letter."""

from __future__ import annotations

from flows.principles import PREAMBLE, PRINCIPLES

SIGNATORIES = "NASUWT, GMB, UNISON and Unite"


def jcc_agenda_item(employer: str, kind_label: str, case_for: str) -> str:
    principles = "\n".join(f"{p.number}. {p.text[0].upper()}{p.text[1:]}" for p in PRINCIPLES)
    return (
        f"Agenda item: The Valued Worker Scheme ({employer})\n\n"
        f"Proposed by the trade unions ({SIGNATORIES}).\n\n"
        f"The unions invite {employer}, as a {kind_label}, to join the Valued Worker Scheme, which "
        "recognises employers who treat all employees fairly, equitably and with dignity.\n\n"
        f"Why the unions propose {employer}:\n{case_for}\n\n"
        f"{PREAMBLE}\n{principles}\n\n"
        "Full compliance is not expected at the start. To join, the employer agrees with the unions "
        "an action plan for one principle: the objective, the activities, the success criteria and a "
        "review date, usually a year on.\n\n"
        "The committee is asked to agree to work with the unions on an action plan."
    )


def joint_letter(employer: str, kind_label: str, case_for: str) -> str:
    principles = "\n".join(f"{p.number}. {p.text[0].upper()}{p.text[1:]}" for p in PRINCIPLES)
    return (
        f"To the Head / Chief Executive, {employer}\n\n"
        "Dear colleague,\n\n"
        f"The Valued Worker Scheme\n\n"
        f"We write jointly, as {SIGNATORIES}, to invite {employer} to join the Valued Worker Scheme. "
        "The scheme recognises employers who treat all employees fairly, equitably and with dignity, "
        "teaching and support staff alike.\n\n"
        f"{case_for}\n\n"
        f"{PREAMBLE}\n{principles}\n\n"
        "You would not be expected to meet every principle now. To join, you would agree with us an "
        "action plan for one principle, with an objective, activities, success criteria and a review "
        "date, usually a year on. We would welcome a meeting to discuss this.\n\n"
        f"Yours sincerely,\n{SIGNATORIES} representatives"
    )
