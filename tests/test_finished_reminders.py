"""Finished reminder cards lose their buttons everywhere (issue 14, part 6), walked in Slack
(signed HTTP into the bolt app, the Web API played by the stand-in) and in Teams: Rita marks
workplan action 2 done from her reminder, and that card, the copy in the partner channel and any
other copy of the same reminder now say who marked it done and when, with no buttons; a snooze
turns the snoozer's own card into "Snoozed until ...", and leaves the channel's copy live for the
others. The updates go through the outbox, in the transaction that records the decision."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import sweep
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of
from tests.test_slack import test_the_whole_journey_in_slack
from tests.test_teams import standin, teams_services  # noqa: F401 - the Teams fixtures

CHANNEL = "vws-oakfield-primary-school"


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


async def reminded(world: SlackWorld, clock: Clock) -> tuple[dict[str, Any], dict[str, Any]]:
    """The journey to a joined employer, then the sweep a week before action 2's by-date: Rita's
    reminder and the partner channel's copy of it."""
    await test_the_whole_journey_in_slack(world)
    clock.set(datetime(2027, 3, 24, 9, 0, tzinfo=UTC))  # a Wednesday, 7 days before action 2's by-date
    await sweep(world.services, world.bot.outbound, clock())
    await world.settle()
    mine = world.last_dm("U0REP1")
    assert "Workplan action 2 for Oakfield Primary School" in text_of(mine)
    assert buttons(mine) == ["Mark done", "Snooze a week"]
    channel = world.slack.channel_id(CHANNEL)
    [shared] = [m for m in world.slack.messages_in(channel, include_replies=True) if "Workplan action 2" in text_of(m)]
    assert "Mark done" in buttons(shared)
    return mine, shared


def now_(world: SlackWorld, message: dict[str, Any], channel: str = "U0REP1") -> dict[str, Any]:
    """The message as it stands now (found by its ts) in ``channel`` (Rita's DM by default)."""
    channel = world.slack.channel_id(CHANNEL) if channel == CHANNEL else channel
    found = [m for m in world.slack.messages_in(channel, include_replies=True) if m["ts"] == message["ts"]]
    assert found, "the message is gone"
    return found[0]


async def test_marked_done_from_the_reminder_the_card_and_the_channel_copy_say_so_with_no_buttons(
    world: SlackWorld, clock: Clock
) -> None:
    mine, shared = await reminded(world, clock)
    await world.click("U0REP1", mine, "Mark done")
    await world.settle()
    for card in (now_(world, mine), now_(world, shared, CHANNEL)):
        assert buttons(card) == [], text_of(card)
        assert "Marked done by <@U0REP1> on 24 Mar 2027" in text_of(card)
        assert "Action 2: Train the first aiders" in text_of(card)  # still says which action it was


async def test_a_click_on_a_copy_that_was_still_live_is_refused_plainly(world: SlackWorld, clock: Clock) -> None:
    mine, shared = await reminded(world, clock)
    await world.click("U0REP1", mine, "Mark done")
    await world.click("U0SEC1", shared, "Mark done")  # the card as the Secretary saw it before it was updated
    assert "Action 2 was already marked done" in world.slack.ephemerals("U0SEC1")[-1]["text"]


async def test_snoozed_from_a_direct_message_that_card_says_until_when_and_the_channel_copy_stays_live(
    world: SlackWorld, clock: Clock
) -> None:
    mine, shared = await reminded(world, clock)
    await world.click("U0REP1", mine, "Snooze a week")
    assert "Snoozed for a week" in world.slack.ephemerals("U0REP1")[-1]["text"]
    card = now_(world, mine)
    assert buttons(card) == []
    assert "Snoozed for a week by <@U0REP1>, until Wednesday 31 March at 10:00" in text_of(card)
    assert buttons(now_(world, shared, CHANNEL)) == ["Mark done", "Snooze a week"]  # the others may still act on it


async def test_snoozed_in_the_partner_channel_the_channel_copy_stays_live_for_the_others(
    world: SlackWorld, clock: Clock
) -> None:
    mine, shared = await reminded(world, clock)
    await world.click("U0GMB1", shared, "Snooze a week")
    assert "still go there, for the others" in world.slack.ephemerals("U0GMB1")[-1]["text"]
    assert buttons(now_(world, shared, CHANNEL)) == ["Mark done", "Snooze a week"]
    assert buttons(now_(world, mine)) == ["Mark done", "Snooze a week"]


# --------------------------------------------------------------------------- the same in Teams


async def test_in_teams_marked_done_updates_every_copy_of_the_reminder(
    monkeypatch: pytest.MonkeyPatch, teams_services: Any, standin: Any, clock: Clock,  # noqa: F811
) -> None:
    from tests import test_teams
    from tests.test_teams import AAD, card_text
    from tests.test_teams import buttons as card_buttons
    from tests.test_teams_partner import teams_app
    from tests.test_teams_reminders import london

    workplan = f"Action Number | Action Detail | Action Owner | Action By date\n1 | Agree the provider | {AAD['rep']} | 05/02/2027\n"
    monkeypatch.setattr(test_teams, "PLAN", {**test_teams.PLAN, "workplan": workplan})  # Rita owns action 1
    stand, key = standin
    async with teams_app(teams_services, stand, key) as (t, app):
        await test_teams.test_the_whole_journey_in_teams(t)
        at = london(2027, 1, 29, 9, 0)  # a Friday, 7 days before the by-date
        clock.set(at)
        await sweep(teams_services, app.router, at)
        live = [c for conv, c in stand.cards() if "Mark done" in card_buttons(c)]
        assert len(live) >= 2  # Rita's own and the partner space's (each member's copy, in a fan-out)
        mine = [c for c in stand.cards_to(AAD["rep"]) if "Mark done" in card_buttons(c)][0]
        card = await t.click("rep", card_buttons(mine)["Mark done"]["data"])
        assert "Marked done by Rita Rep on 29 Jan 2027" in card_text(card) and "actions" not in card
        await teams_services.drain()
        updated = [c for conv, c in stand.cards("update")]
        assert len(updated) >= len(live), [card_text(c)[:200] for c in updated]
        for c in updated[-len(live):]:
            assert "Marked done by <at>Rita Rep</at> on 29 Jan 2027" in card_text(c) and not card_buttons(c)
