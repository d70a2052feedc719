"""The journey as people live it (issue 14): walked as a rep, a Secretary, a partner rep and the
national union would, in Slack (signed HTTP into the bolt app, the Web API played by the
stand-in). Each test is one thing a real person tripped over."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of
from tests.test_slack import PROPOSAL, employer_stage

PRIVATE = "The head is on a capability plan and staff morale is very low."
FOR_THE_EMPLOYER = "Your staff told us they value the wellbeing work you have started, and we would like to build on it."


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


async def agreed(world: SlackWorld, **proposal: str) -> tuple[str, dict[str, Any]]:
    """Proposed, approved twice and agreed by the three partner unions: (channel, its root post)."""
    await world.command("U0REP1", "propose")
    sub = await world.submit("U0REP1", **{**PROPOSAL, **proposal})
    assert sub.status == 200 and not sub.body, sub.body
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    [root] = [m for m in world.slack.messages_in(channel) if m.get("bot_id")]
    for rep in ("U0GMB1", "U0UNS1", "U0UTE1"):
        await world.click(rep, world.slack.messages_in(channel)[0], "Agree", channel=channel)
    assert await employer_stage(world) is Stage.PARTNERS_AGREED
    return channel, root


def in_channel(world: SlackWorld, channel: str) -> list[dict[str, Any]]:
    """What a person sees in the channel itself, without opening a thread."""
    return [m for m in world.slack.messages_in(channel) if m.get("bot_id")]


# --------------------------------------------------------------------------- where things are


async def test_the_route_buttons_the_draft_and_the_plan_request_are_in_the_channel_not_only_the_thread(
    world: SlackWorld,
) -> None:
    channel, _ = await agreed(world, to_employer=FOR_THE_EMPLOYER)
    route = next((m for m in in_channel(world, channel) if buttons(m) == ["JCC agenda item", "Joint letter"]), None)
    assert route is not None, "the route buttons are only inside the thread"
    assert "in the shared channel" in text_of(world.last_dm("U0REP1"))  # where the rep was told to look
    await world.click("U0GMB1", route, "Joint letter", channel=channel)
    draft = next((m for m in in_channel(world, channel) if "Draft joint letter" in text_of(m)), None)
    assert draft is not None, "the draft is only inside the thread"
    step = next(m for m in in_channel(world, channel) if buttons(m) == ["Introduced to the employer"])
    await world.click("U0REP1", step, "Introduced to the employer", channel=channel)
    assert await employer_stage(world) is Stage.EMPLOYER_INTRODUCED
    # The draft is still there to copy, word for word, after the next step.
    still = next(m for m in world.slack.messages_in(channel, include_replies=True) if m["ts"] == draft["ts"])
    assert "We write jointly, as NASUWT, GMB, UNISON and Unite" in text_of(still)
    assert any(buttons(m) == ["Record the action plan"] for m in in_channel(world, channel))


async def test_agree_typed_in_the_channel_rather_than_the_thread_is_answered(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    await world.slack.message_event("U0GMB1", channel, "agree")  # in the channel, not in the thread
    await world.settle()
    [told] = world.slack.ephemerals("U0GMB1", channel)
    assert "not recorded" in text_of(told) and "thread" in text_of(told)
    assert buttons(told) == ["Agree", "Disagree"]  # or confirm it here, for GMB
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION  # nothing was recorded for GMB


async def test_chatter_in_the_channel_is_left_alone(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    await world.slack.message_event("U0GMB1", channel, "Shall we meet on Thursday about this?")
    await world.settle()
    assert world.slack.ephemerals("U0GMB1", channel) == []


# --------------------------------------------------------------------------- what the employer reads


async def test_the_joint_letter_says_what_the_unions_chose_to_tell_the_employer_never_the_case_notes(
    world: SlackWorld,
) -> None:
    from docx import Document

    channel, _ = await agreed(world, case_for=PRIVATE, to_employer=FOR_THE_EMPLOYER)
    route = next(m for m in in_channel(world, channel) if buttons(m) == ["JCC agenda item", "Joint letter"])
    await world.click("U0GMB1", route, "Joint letter", channel=channel)
    everything = world.slack.messages_in(channel, include_replies=True)
    draft = next(m for m in everything if "Draft joint letter" in text_of(m))
    assert FOR_THE_EMPLOYER in text_of(draft)
    assert "capability plan" not in text_of(draft)
    # The letter can be downloaded as a Word document, as well as copied.
    [upload] = [m for m in everything if m.get("files")]
    [file] = upload["files"]
    assert file["name"].endswith(".docx")
    doc = Document(io.BytesIO(world.slack.uploaded(file["id"]) or b""))
    words = "\n".join(p.text for p in doc.paragraphs)
    assert FOR_THE_EMPLOYER in words and "capability plan" not in words and "Dear colleague" in words


async def test_with_nothing_for_the_employer_the_draft_says_what_to_add(world: SlackWorld) -> None:
    channel, _ = await agreed(world, case_for=PRIVATE)
    route = next(m for m in in_channel(world, channel) if buttons(m) == ["JCC agenda item", "Joint letter"])
    await world.click("U0GMB1", route, "JCC agenda item", channel=channel)
    draft = next(m for m in world.slack.messages_in(channel, include_replies=True) if "Draft JCC agenda item" in text_of(m))
    assert "capability plan" not in text_of(draft)
    assert "[Add why the unions invite" in text_of(draft)


async def test_a_direct_message_the_bot_does_not_understand_gets_a_short_help_reply(world: SlackWorld) -> None:
    await world.slack.message_event("U0REP1", "U0REP1", "hello")  # in the rep's direct messages with the bot
    await world.settle()
    reply = world.last_dm("U0REP1")
    assert "I didn't understand \u201chello\u201d" in text_of(reply) and "/vws help" in text_of(reply)
