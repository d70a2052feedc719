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


# --------------------------------------------------------------------------- are you sure?


async def test_withdraw_asks_first_saying_what_will_happen_and_who_will_be_told(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Reject")
    await world.submit("U0SEC1", reasons="Not this term, please")
    rejected = world.last_dm("U0REP1")
    assert buttons(rejected) == ["Revise and resubmit", "Withdraw"]
    [withdraw] = [el for b in rejected["blocks"] if b["type"] == "actions" for el in b["elements"]
                  if el["text"]["text"] == "Withdraw"]  # fmt: skip
    confirm = withdraw["confirm"]  # Slack asks before it sends the click
    assert confirm["title"]["text"] == "Withdraw the proposal?"
    assert "Oakfield Primary School" in confirm["text"]["text"] and "Sam" in confirm["text"]["text"]
    assert confirm["confirm"]["text"] == "Withdraw it" and confirm["deny"]["text"] == "Cancel"
    assert confirm["style"] == "danger"
    # Resubmit changes nothing for good: no question asked.
    [resubmit] = [el for b in rejected["blocks"] if b["type"] == "actions" for el in b["elements"]
                  if el["text"]["text"] == "Revise and resubmit"]  # fmt: skip
    assert "confirm" not in resubmit


async def joined(world: SlackWorld) -> str:
    """Through to an action plan agreed: the employer is in the scheme. Returns its channel."""
    from tests.test_slack import WORKPLAN

    channel, _ = await agreed(world)
    route = next(m for m in in_channel(world, channel) if buttons(m) == ["JCC agenda item", "Joint letter"])
    await world.click("U0GMB1", route, "JCC agenda item", channel=channel)
    step = next(m for m in in_channel(world, channel) if buttons(m) == ["Introduced to the employer"])
    await world.click("U0REP1", step, "Introduced to the employer", channel=channel)
    await world.command("U0SEC1", "plan")
    sub = await world.submit("U0SEC1", principle="2", objectives="Introduce mental health first aiders",
                             activities="Train six staff", success_criteria="Six first aiders in post", workplan=WORKPLAN,
                             review_on="2027-11-30")  # fmt: skip
    assert sub.status == 200 and not sub.body, sub.body
    assert await employer_stage(world) is Stage.JOINED
    return channel


async def test_objective_met_before_the_review_is_due_is_asked_about_first(world: SlackWorld) -> None:
    await joined(world)
    await world.command("U0SEC1", "review")
    early = await world.submit("U0SEC1", outcome="objective_met")
    errors = early.json()["errors"]
    assert "not due until 30 Nov 2027" in errors["confirm_early"]
    assert await employer_stage(world) is Stage.JOINED  # nothing recorded yet
    done = await world.submit("U0SEC1", outcome="objective_met", confirm_early="yes")
    assert done.status == 200 and not done.body, done.body
    assert await employer_stage(world) is Stage.OBJECTIVE_MET


async def test_revoke_asks_to_confirm_what_will_happen_and_the_national_union_records_taking_it_off_the_list(
    world: SlackWorld,
) -> None:
    await joined(world)
    national = [m for m in world.slack.messages_in("C0NATIONAL") if m.get("bot_id")][-1]
    await world.click("U0NAT1", national, "Added to list", channel="C0NATIONAL")
    await world.command("U0NEM1", "revoke")
    view = world.top_view("U0NEM1")
    tick = next(b for b in view["blocks"] if b.get("block_id") == "confirm")
    assert "leaves the scheme and the national list" in text_of({"blocks": [tick]})
    unticked = await world.submit("U0NEM1", reasons="Made staff redundant without consultation", confirm=None)
    assert "confirm" in unticked.json()["errors"]
    assert await employer_stage(world) is Stage.JOINED
    done = await world.submit("U0NEM1", reasons="Made staff redundant without consultation", confirm="yes")
    assert done.status == 200 and not done.body, done.body
    assert await employer_stage(world) is Stage.REVOKED
    revoked = [m for m in world.slack.messages_in("C0NATIONAL") if "revoked" in text_of(m).lower()][-1]
    assert buttons(revoked) == ["Taken off the list"]
    await world.click("U0NAT1", revoked, "Taken off the list", channel="C0NATIONAL")
    after = next(m for m in world.slack.messages_in("C0NATIONAL") if m["ts"] == revoked["ts"])
    assert buttons(after) == [] and "Taken off the list by" in text_of(after)
    [row] = await world.services.engine.register(everyone=True)
    assert row.stage is Stage.REVOKED
