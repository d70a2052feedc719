"""Decisions recorded for someone (issue 14, part 8), walked in Slack: the NEM approves by phone
and the Secretary records it for her, with how it was taken; the audit shows both; the NEM is told
at once and can undo it for 5 working days, after which the Undo says it is too late and what to
do instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of
from tests.test_slack import PROPOSAL, employer_stage

HOW = "By phone on 23 Nov, Nia said yes"


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


async def waiting_for_nem(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    assert await employer_stage(world) is Stage.AWAITING_NEM


def options(view: dict[str, Any], block_id: str) -> dict[str, str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return {o["text"]["text"]: o["value"] for o in block["element"]["options"]}


async def recorded_nem_approval(world: SlackWorld) -> dict[str, Any]:
    """The Secretary records the NEM's approval; returns what the NEM was told."""
    await waiting_for_nem(world)
    await world.command("U0SEC1", "record oakfield")
    view = world.top_view("U0SEC1")
    choices = options(view, "decision")
    assert list(choices) == ["Nia NEM approves (as National Executive Member)", "Nia NEM rejects (as National Executive Member)"]
    sub = await world.submit("U0SEC1", decision=choices["Nia NEM approves (as National Executive Member)"], how_taken=HOW)
    assert sub.status == 200 and not sub.body, sub.body
    return world.last_dm("U0NEM1")


async def test_the_secretary_records_the_nems_approval_taken_by_phone_and_the_audit_shows_both(world: SlackWorld) -> None:
    await waiting_for_nem(world)
    await world.command("U0SEC1", "record")
    view = world.top_view("U0SEC1")
    approve = options(view, "decision")["Nia NEM approves (as National Executive Member)"]
    missing = await world.submit("U0SEC1", decision=approve, how_taken=None)
    assert list(missing.json()["errors"]) == ["how_taken"]  # how it was taken is required
    assert await employer_stage(world) is Stage.AWAITING_NEM
    done = await world.submit("U0SEC1", decision=approve, how_taken=HOW)
    assert done.status == 200 and not done.body, done.body
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION
    [line] = [a for a in await world.services.engine.audit(1) if a.action == "nem_approve"]
    assert line.actor == f"recorded by Sam Secretary for Nia NEM: {HOW}"
    told = world.last_dm("U0NEM1")  # the NEM is told at once, with Undo
    assert "Sam Secretary recorded your decision on Oakfield Primary School: Approved" in text_of(told)
    assert HOW in text_of(told) and "Undo it by 30 Nov 2026" in text_of(told)
    assert buttons(told) == ["Undo"]


async def test_undo_within_five_working_days_puts_it_back_and_tells_everyone(world: SlackWorld, clock: Clock) -> None:
    told = await recorded_nem_approval(world)
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # the fifth working day, before the hour it was recorded
    await world.click("U0NEM1", told, "Undo")
    assert await employer_stage(world) is Stage.AWAITING_NEM
    assert "Undone: approved as National Executive Member" in text_of(world.slack.ephemerals("U0NEM1")[-1])
    assert "Undone" in text_of(world.last_dm("U0SEC1")) and "Undone" in text_of(world.last_dm("U0REP1"))
    assert any("Undone" in text_of(m) for m in world.slack.messages_in(channel, include_replies=True))
    assert buttons(world.last_dm("U0NEM1")) == ["Approve", "Reject"]  # the decision is hers again
    assert [a.action for a in await world.services.engine.audit(1)][-2:] == ["nem_approve", "undo_recorded"]


async def test_after_the_window_undo_says_it_is_too_late_and_what_to_do_instead(world: SlackWorld, clock: Clock) -> None:
    told = await recorded_nem_approval(world)
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await world.click("U0NEM1", told, "Undo")
    said = text_of(world.slack.ephemerals("U0NEM1")[-1])
    assert "too late to undo" in said and "could be undone until 30 Nov 2026" in said
    assert "a partner union can disagree, or the Secretary or proposer can withdraw it" in said
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION


async def test_once_the_case_moved_on_undo_changes_nothing(world: SlackWorld) -> None:
    told = await recorded_nem_approval(world)
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    await world.click("U0GMB1", world.slack.messages_in(channel)[0], "Agree", channel=channel)
    await world.click("U0NEM1", told, "Undo")
    assert "the case has moved on since it was recorded" in text_of(world.slack.ephemerals("U0NEM1")[-1])
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION


async def test_someone_else_cannot_undo_it(world: SlackWorld) -> None:
    told = await recorded_nem_approval(world)
    await world.click("U0GMB1", told, "Undo")
    assert "Only the person it was recorded for" in text_of(world.slack.ephemerals("U0GMB1")[-1])
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION


async def test_the_nem_records_the_secretarys_rejection_with_reasons(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.command("U0NEM1", "record")
    view = world.top_view("U0NEM1")
    reject = options(view, "decision")["Sam Secretary rejects (as Local Association Secretary)"]
    no_reasons = await world.submit("U0NEM1", decision=reject, how_taken="At the association meeting on 20 Nov")
    assert "reasons" in no_reasons.json()["errors"]
    done = await world.submit("U0NEM1", decision=reject, how_taken="At the association meeting on 20 Nov",
                              reasons="Not this term")  # fmt: skip
    assert done.status == 200 and not done.body, done.body
    assert await employer_stage(world) is Stage.REJECTED
    assert "Not this term" in text_of(world.last_dm("U0REP1"))  # the proposer hears the reasons, as ever
    assert buttons(world.last_dm("U0SEC1")) == ["Undo"]


async def test_a_rep_cannot_record_a_decision_for_someone(world: SlackWorld) -> None:
    await waiting_for_nem(world)
    await world.command("U0REP1", "record")
    assert world.slack.open_views("U0REP1") == []
    assert "no decision waiting that you can record" in text_of(world.slack.ephemerals("U0REP1")[-1])


async def test_the_secretary_records_a_partner_unions_agreement_and_it_can_be_undone(world: SlackWorld) -> None:
    await waiting_for_nem(world)
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    await world.command("U0SEC1", "record")
    view = world.top_view("U0SEC1")
    choices = options(view, "decision")
    assert "GMB agrees (U0GMB1, for the union)" in choices and "Unite disagrees (U0UTE1, for the union)" in choices
    done = await world.submit("U0SEC1", decision=choices["GMB agrees (U0GMB1, for the union)"],
                              how_taken="Gary agreed at the branch meeting on 20 Nov")  # fmt: skip
    assert done.status == 200 and not done.body, done.body
    [line] = [a for a in await world.services.engine.audit(1) if a.action == "partner_agree"]
    assert line.actor == "recorded by Sam Secretary for U0GMB1: Gary agreed at the branch meeting on 20 Nov"
    assert line.payload["union"] == "GMB"
    told = world.last_dm("U0GMB1")
    assert "GMB agrees" in text_of(told) and buttons(told) == ["Undo"]
    said = [text_of(m) for m in world.slack.messages_in(channel, include_replies=True) if "GMB" in text_of(m)]
    assert any("Recorded by <@U0SEC1> for <@U0GMB1>: Gary agreed at the branch meeting on 20 Nov." in t for t in said)
    # GMB has spoken: its rep's own click is refused, one voice per union.
    await world.click("U0GMB1", world.slack.messages_in(channel)[0], "Agree", channel=channel)
    assert "GMB" in world.slack.ephemerals("U0GMB1", channel)[-1]["text"]
    # Undone: GMB may speak again, and is asked to in the channel.
    await world.click("U0GMB1", told, "Undo")
    assert "Undone: agreed for their union (GMB)" in text_of(world.slack.ephemerals("U0GMB1")[-1])
    again = [m for m in world.slack.messages_in(channel, include_replies=True) if "Undone" in text_of(m)]
    assert again and buttons(again[-1]) == ["Agree", "Disagree"]
    await world.click("U0GMB1", again[-1], "Agree", channel=channel)
    audit = [(a.action, a.payload.get("union")) for a in await world.services.engine.audit(1)]
    assert audit[-3:] == [("partner_agree", "GMB"), ("undo_recorded", None), ("partner_agree", "GMB")]


async def test_the_last_unions_agreement_recorded_moves_the_case_on_and_undo_brings_it_back(world: SlackWorld) -> None:
    await waiting_for_nem(world)
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    for rep in ("U0GMB1", "U0UNS1"):
        await world.click(rep, world.slack.messages_in(channel)[0], "Agree", channel=channel)
    await world.command("U0SEC1", "record oakfield")
    choices = options(world.top_view("U0SEC1"), "decision")
    assert [c for c in choices if "GMB" in c or "UNISON" in c] == []  # they spoke for themselves
    await world.submit("U0SEC1", decision=choices["Unite agrees (U0UTE1, for the union)"], how_taken="By phone on 23 Nov")
    assert await employer_stage(world) is Stage.PARTNERS_AGREED
    await world.click("U0UTE1", world.last_dm("U0UTE1"), "Undo")
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION
