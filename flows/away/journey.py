"""Absence, declared as a table: saying one is away (with dates and who acts meanwhile), and
coming back early. An absence that reaches its last day simply stops counting: no row moves."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flows.core.roles import Role
from flows.core.table import Need, Table, row


class Stage(StrEnum):
    AWAY = "away"  # between its dates, requests go to the delegate
    BACK = "back"  # ended early (or replaced by a newer absence)


class Action(StrEnum):
    AWAY = "away"
    AWAY_OFF = "away_off"


R = Role
WHO = {R.SECRETARY, R.NEM, R.PARTNER_REP, R.BRANCH_REP, R.MEMBER, R.REGIONAL, R.NATIONAL_CONTACT}  # delegation.DELEGABLE

TABLE = Table("away", (
    # action            from           to           who   must supply      what happened
    row(Action.AWAY,     (),            Stage.AWAY,  WHO,  {Need.ABSENCE},  "said they are away and who acts for them", form="away"),
    row(Action.AWAY_OFF, {Stage.AWAY},  Stage.BACK,  WHO,  (),              "came back early"),
))  # fmt: skip


@dataclass(frozen=True)
class Person:
    """A person as the away table sees them: no case, only their roles anywhere (CaseLike)."""

    id: int
    stage: Stage | None
    roles: frozenset[Role]
    revision: int = 0
    cycle: int = 0
