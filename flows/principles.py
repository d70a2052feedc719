"""The six principles of the Valued Worker Scheme, as the joint-union leaflet states them.

Each cycle's action plan works towards exactly one of them. The example objectives are the
leaflet's and the NASUWT advice's own examples (and, for the others, clauses of the Best Value
Code for Quality Employment), offered as hints when a plan is written.
"""

from __future__ import annotations

from dataclasses import dataclass

PREAMBLE = "Employers will commit to treat all employees fairly, equitably and consistently by:"


@dataclass(frozen=True)
class Principle:
    number: int
    text: str
    short: str
    example_objectives: tuple[str, ...]  # each fits a form option's description (75, with "e.g. ")

    @property
    def title(self) -> str:
        return f"Principle {self.number}: {self.short}"


PRINCIPLES: tuple[Principle, ...] = (
    Principle(
        1,
        "enabling all employees to have a safe, secure and enjoyable working environment",
        "a safe, secure and enjoyable working environment",
        ("Develop a meaningful wellbeing policy",),
    ),
    Principle(
        2,
        "ensuring the wellbeing and dignity at work of all employees",
        "wellbeing and dignity at work",
        ("Introduce mental health first aiders",),
    ),
    Principle(
        3,
        "providing high quality and relevant CPD for all employees",
        "high quality and relevant CPD",
        ("Prepare a training plan and budget for the development of all staff",),
    ),
    Principle(
        4,
        "negotiating good pay and conditions which include a commitment to the Foundation Living Wage "
        "and covers outsourced workers",
        "good pay and conditions, the Foundation Living Wage",
        ("Pay all staff, outsourced too, the Foundation Living Wage",),
    ),
    Principle(
        5,
        "having formal agreed mechanisms for consultation and negotiation, working in partnership with "
        "employees and trade unions",
        "consultation and negotiation with the trade unions",
        ("Agree mechanisms for consultation and negotiation with the unions",),
    ),
    Principle(
        6,
        "ensuring policy development and working practices are informed by the use of information and "
        "evidence",
        "policy informed by information and evidence",
        ("Equality impact assessments of new policies, shared with the unions",),
    ),
)

BY_NUMBER: dict[int, Principle] = {p.number: p for p in PRINCIPLES}


def principle(number: int) -> Principle:
    """The principle with this number; a clear error for any other number."""
    try:
        return BY_NUMBER[int(number)]
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"principle: {number!r} is not one of the six principles (1 to 6)") from None
