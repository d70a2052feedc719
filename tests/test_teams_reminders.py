"""Reminders through Teams: the reminder clock's chase reaches a Teams user as a card, and its
"Snooze a week" button, clicked in Teams, snoozes that reminder for them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services import Services
from flows.core.payload import Payload
from tests import test_teams
from tests.conftest import Clock
from tests.test_teams import AAD, PROPOSAL, StandIn, buttons, card_text
from tests.test_teams_partner import teams_app

# The reminder clock is another engineer's work in progress: run when it is in the tree.
sweep = pytest.importorskip("bot.clock", reason="the reminder clock is not in this tree yet").sweep
pytest.importorskip("flows.reminders", reason="the reminders are not in this tree yet")


def london(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)


standin = test_teams.standin
teams_services = test_teams.teams_services

CHASE = london(2026, 11, 25, 10, 0)  # two working days after the proposal
FIVE_DAYS = london(2026, 11, 30, 10, 0)  # five working days: the deputy and the proposer hear too


def reminders_to(stand: StandIn, who: str) -> list[dict]:
    return [c for c in stand.cards_to(AAD[who]) if "Snooze a week" in buttons(c)]


async def test_a_teams_user_gets_the_reminder_and_can_snooze_it(
    teams_services: Services, standin: tuple[StandIn, object], clock: Clock
) -> None:
    stand, key = standin
    async with teams_app(teams_services, stand, key) as (t, app):  # type: ignore[arg-type]
        await t.click("rep", {"op": "propose", **PROPOSAL})
        assert reminders_to(stand, "sec") == []

        clock.set(CHASE)
        await sweep(teams_services, app.router, CHASE)
        [chase] = reminders_to(stand, "sec")
        assert "Oakfield Primary School" in card_text(chase)
        assert {"Approve", "Reject", "Snooze a week"} <= set(buttons(chase))

        # Someone else cannot snooze it for the Secretary: a stranger is told they get no reminders.
        stranger = t.activity(
            "rep",
            type="invoke",
            name="adaptiveCard/action",
            value={
                "action": {
                    "type": "Action.Execute",
                    "verb": "vws",
                    "data": buttons(chase)["Snooze a week"]["data"],
                }
            },
        )
        stranger["from"] = {"id": "29:stranger", "aadObjectId": "99999999-0000-0000-0000-000000000000"}
        resp = await t.post(stranger)
        assert "not in the VWS directory" in card_text((await resp.json())["value"])

        snoozed = await t.click("sec", buttons(chase)["Snooze a week"]["data"])
        assert "Snoozed for a week" in card_text(snoozed)
        assert "Oakfield Primary School" in card_text(snoozed)

        # Five working days on, the deputy and the proposer are chased; the Secretary is not.
        clock.set(FIVE_DAYS)
        await sweep(teams_services, app.router, FIVE_DAYS)
        assert len(reminders_to(stand, "sec")) == 1
        assert reminders_to(stand, "dep") and reminders_to(stand, "rep")


async def test_a_snooze_for_a_reminder_that_no_longer_runs_changes_nothing(
    teams_services: Services, standin: tuple[StandIn, object]
) -> None:
    stand, key = standin
    async with teams_app(teams_services, stand, key) as (t, _):  # type: ignore[arg-type]
        data = {"op": "button", "p": Payload("snooze", 0, value="approval:employer:99:r1:secretary").pack()}
        card = await t.click("sec", data)
        assert "no longer running" in card_text(card) and "Attention" in card_text(card)
