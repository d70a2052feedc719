"""While someone is away, everything that would need them goes to whoever acts for them, not only
approval requests (issue 14, part 7), walked in Slack (signed HTTP into the bolt app, the stand-in
Web API). What a Secretary away for a fortnight expects:

- a step they could take that is posted in the partner channel (the route, the introduction, the
  action plan) reaches their delegate directly, saying for whom, and whoever took the step before
  is told "Sam is away until ...; sent to Dee";
- what they are told for information still reaches them, to read when back, and a copy reaches
  the delegate, saying it is for the person away, so the delegate knows where the case stands;
- what the delegate then does is recorded as "Dee for Sam".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of
from tests.test_away import DIRECTORY, away, propose, requests_in
from tests.test_slack import WORKPLAN, employer_stage

CHANNEL = "vws-oakfield-primary-school"
SHARED = DIRECTORY.replace("national:", """sharing:
  NASUWT: {agreement: VWS four-union data sharing agreement (test)}
  GMB: {agreement: VWS four-union data sharing agreement (test)}
  UNISON: {agreement: VWS four-union data sharing agreement (test)}
  Unite: {agreement: VWS four-union data sharing agreement (test)}
national:""", 1)  # the four unions share their reps' names, so the partner channel opens


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock, directory=SHARED)
    w.slack.add_user("U0NEM9", "ned", email="ned@example.org")
    yield w
    await stop_world(w)


def with_button(messages: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    return [m for m in messages if label in buttons(m)]


async def to_route_agreed(world: SlackWorld) -> str:
    """Sam away to Dee; proposed, approved by Dee and Nia, agreed by the three unions, route chosen."""
    await away(world, "U0SEC1", "Dee Deputy", until="2026-12-04")
    await propose(world)
    await world.click("U0DEP1", requests_in(world, "U0DEP1")[-1], "Approve")
    await world.click("U0NEM1", requests_in(world, "U0NEM1")[-1], "Approve")
    channel = world.slack.channel_id(CHANNEL)
    root = [m for m in world.slack.messages_in(channel) if m.get("bot_id")][0]
    for rep in ("U0GMB1", "U0UNS1", "U0UTE1"):
        await world.click(rep, root, "Agree", channel=channel)
    route = next(m for m in world.slack.thread(channel, root["ts"]) if buttons(m) == ["JCC agenda item", "Joint letter"])
    await world.click("U0REP1", route, "Joint letter", channel=channel)
    assert await employer_stage(world) is Stage.ROUTE_AGREED
    return channel


async def test_the_plan_request_reaches_the_deputy_directly_while_the_secretary_is_away_and_the_rep_is_told(
    world: SlackWorld,
) -> None:
    channel = await to_route_agreed(world)
    step = with_button(world.slack.messages_in(channel, include_replies=True), "Introduced to the employer")[-1]
    assert with_button(world.slack.dms_to("U0DEP1"), "Introduced to the employer")  # the introduction step too
    await world.click("U0REP1", step, "Introduced to the employer", channel=channel)
    assert await employer_stage(world) is Stage.EMPLOYER_INTRODUCED
    [asked] = with_button(world.slack.dms_to("U0DEP1"), "Record the action plan")
    assert "Action plan needed: Oakfield Primary School" in text_of(asked)
    assert "You're acting for <@U0SEC1>, who is away until 4 Dec 2026" in text_of(asked)
    assert with_button(world.slack.dms_to("U0SEC1"), "Record the action plan") == []  # nothing waits for Sam
    said = world.slack.ephemerals("U0REP1")[-1]["text"]
    assert "<@U0SEC1> is away until 4 Dec 2026; sent to <@U0DEP1>." in said

    await world.click("U0DEP1", asked, "Record the action plan")
    sub = await world.submit("U0DEP1", principle="2", objectives="Introduce mental health first aiders",
                             activities="Train six staff", success_criteria="Six first aiders in post", workplan=WORKPLAN)
    assert sub.status == 200 and not sub.body, sub.body
    assert await employer_stage(world) is Stage.JOINED
    [line] = [a for a in await world.services.engine.audit(1) if a.action == "agree_plan"]
    assert line.actor == "Dee Deputy for Sam Secretary"
    done = [m for m in world.slack.dms_to("U0DEP1") if m["ts"] == asked["ts"]][0]
    assert buttons(done) == []  # the delegate's copy of the request is finished with the channel's


async def test_progress_for_the_absent_secretary_stays_for_her_return_and_a_copy_tells_the_deputy(
    world: SlackWorld,
) -> None:
    await away(world, "U0SEC1", "Dee Deputy", until="2026-12-04")
    await propose(world)
    await world.click("U0DEP1", requests_in(world, "U0DEP1")[-1], "Approve")
    await world.click("U0NEM1", requests_in(world, "U0NEM1")[-1], "Reject")
    await world.submit("U0NEM1", reasons="Not a good fit this year")
    theirs = [m for m in world.slack.dms_to("U0SEC1") if "NEM rejected: Oakfield Primary School" in text_of(m)]
    assert theirs and "acting for" not in text_of(theirs[-1])  # hers, to read when she is back
    [copy] = [m for m in world.slack.dms_to("U0DEP1") if "NEM rejected: Oakfield Primary School" in text_of(m)]
    assert "For <@U0SEC1>, who is away until 4 Dec 2026 and has asked you to act for them" in text_of(copy)
    assert "Not a good fit this year" in text_of(copy) and buttons(copy) == []

