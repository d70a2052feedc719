"""The kinds of nudge, and what each is about: the ``nudges`` ledger's (kind, subject) keys."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from flows.signup.journey import Stage

SNOOZE = "snooze"

WAITING: dict[Stage, str] = {Stage.AWAITING_SECRETARY: "secretary", Stage.AWAITING_NEM: "nem"}


class NudgeKind(StrEnum):
    REVIEW = "review"
    WORKPLAN = "workplan"
    APPROVAL = "approval"
    PARTNER = "partner"


# --------------------------------------------------------------------------- subjects

# What each kind of nudge is about, as stored in the ledger and in snoozes.
_SUBJECTS: dict[NudgeKind, re.Pattern[str]] = {
    NudgeKind.REVIEW: re.compile(r"plan:(\d+)"),
    NudgeKind.WORKPLAN: re.compile(r"action:(\d+)"),
    NudgeKind.APPROVAL: re.compile(r"employer:(\d+):r(\d+):(secretary|nem)"),
    NudgeKind.PARTNER: re.compile(r"employer:(\d+):r(\d+)"),
}


def review_subject(plan_id: int) -> str:
    return f"plan:{plan_id}"


def workplan_subject(action_id: int) -> str:
    return f"action:{action_id}"


def approval_subject(employer_id: int, revision: int, stage: Stage) -> str:
    return f"employer:{employer_id}:r{revision}:{WAITING[stage]}"


def partner_subject(employer_id: int, revision: int) -> str:
    return f"employer:{employer_id}:r{revision}"


def parts_of(kind: NudgeKind, subject: str) -> tuple[str, ...] | None:
    m = _SUBJECTS[kind].fullmatch(subject)
    return m.groups() if m else None


def parse(kind: str, subject: str) -> tuple[NudgeKind, tuple[str, ...]] | None:
    """(kind, the subject's ids) of a ledger row; None if either is not one of ours."""
    try:
        k = NudgeKind(kind)
    except ValueError:
        return None
    parts = parts_of(k, subject)
    return (k, parts) if parts is not None else None


def snooze_value(kind: NudgeKind, subject: str) -> str:
    """The value of a nudge's "Snooze a week" button: which reminder to snooze."""
    return f"{kind.value}:{subject}"


def parse_snooze_value(value: str) -> tuple[str, str]:
    """(kind, subject) from a "Snooze a week" button's value; :func:`snooze` checks them."""
    kind, _, subject = value.partition(":")
    return kind, subject



def dialect_insert(session: AsyncSession) -> Any:
    """``insert`` of the session's database, for ON CONFLICT clauses (PostgreSQL or SQLite)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
