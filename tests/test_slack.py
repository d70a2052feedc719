"""The whole journey in Slack: signed HTTP requests into the bolt app, the Web API played by a
local stand-in that records every call."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of

PROPOSAL = {
    "employer_name": "Oakfield Primary School",
    "employer_kind": "school",
    "case_for": "The head has asked the unions how to improve staff wellbeing.",
    "origin": "employer_approached",
}
WORKPLAN = (
    "Action Number\tAction Detail\tAction Owner\tAction By date\n"
    "1\tAgree the training provider\tHead teacher\tEnd January 2027\n"
    "2\tTrain the first aiders\tU0REP1\t31/03/2027\n"
)


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


async def propose(world: SlackWorld, **changes: str) -> None:
    d = await world.command("U0REP1", "propose")
    assert d.status == 200
    view = world.top_view("U0REP1")
    assert view["callback_id"] == "vws:propose"
    sub = await world.submit("U0REP1", **{**PROPOSAL, **changes})
    assert sub.status == 200 and not sub.body, sub.body


async def employer_stage(world: SlackWorld) -> Stage:
    [e] = await world.services.engine.register(everyone=True)
    return e.stage


async def test_propose_opens_the_form_with_the_reps_association_preset(world: SlackWorld) -> None:
    d = await world.command("U0REP1", "propose")
    assert d.status == 200
    [opened] = world.slack.calls("views.open")
    assert opened.ok
    view = world.top_view("U0REP1")
    association = next(b for b in view["blocks"] if b.get("block_id") == "association")
    assert association["element"]["initial_option"]["value"] == "Leeds"
    assert {o["value"] for o in association["element"]["options"]} == {"Leeds", "Bradford"}


async def test_the_whole_journey_in_slack(world: SlackWorld) -> None:
    slack = world.slack
    await propose(world)
    assert "gone to your Local Association Secretary, <@U0SEC1>" in text_of(world.last_dm("U0REP1"))

    # The Secretary approves from the direct message.
    request = world.last_dm("U0SEC1")
    assert buttons(request) == ["Approve", "Reject"]
    assert "Approval needed: Oakfield Primary School" in text_of(request)
    await world.click("U0SEC1", request, "Approve")
    updated = world.slack.dms_to("U0SEC1")[-1]
    assert updated["ts"] == request["ts"] and buttons(updated) == []  # the same message, updated in place
    assert "Approved by <@U0SEC1> on 23 Nov 2026 at 10:00" in text_of(updated)
    assert "now with the National Executive Member, <@U0NEM1>" in text_of(world.last_dm("U0REP1"))

    # The NEM approves; the partner channel opens.
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    [created] = slack.calls("conversations.create")
    assert created.args["name"] == "vws-oakfield-primary-school"
    channel = slack.channel_id("vws-oakfield-primary-school")
    assert set(slack.members(channel)) >= {"U0GMB1", "U0UNS1", "U0UTE1", "U0REP1", "U0SEC1"}
    assert [i.emails for i in slack.invitations(channel)] == [["rep@unite.example.org"]]
    [root] = [m for m in slack.messages_in(channel) if m.get("bot_id")]
    assert buttons(root) == ["Agree", "Disagree"]
    assert "Is Oakfield Primary School suitable for the Valued Worker Scheme?" in text_of(root)

    # Two unions click Agree; Unite replies "agree" in the thread.
    await world.click("U0GMB1", root, "Agree", channel=channel)
    await world.click("U0UNS1", root, "Agree", channel=channel)
    thread = slack.thread(channel, root["ts"])
    assert "Still waiting for: Unite." in text_of(thread[-1])
    await slack.message_event("U0UTE1", channel, "Agreed.", thread_ts=root["ts"])
    await world.settle()
    thread = slack.thread(channel, root["ts"])
    assert any("All three partner unions agree" in text_of(m) for m in thread)
    route = next(m for m in thread if buttons(m) == ["JCC agenda item", "Joint letter"])
    assert await employer_stage(world) is Stage.PARTNERS_AGREED
    root_now = slack.messages_in(channel)[0]
    assert buttons(root_now) == [] and "GMB, UNISON and Unite all agreed" in text_of(root_now)

    # The route, the draft, the introduction.
    await world.click("U0GMB1", route, "Joint letter", channel=channel)
    draft = next(m for m in slack.thread(channel, root["ts"]) if "Draft joint letter" in text_of(m))
    assert "We write jointly, as NASUWT, GMB, UNISON and Unite" in text_of(draft)
    step = next(m for m in slack.thread(channel, root["ts"]) if buttons(m) == ["Introduced to the employer"])
    await world.click("U0REP1", step, "Introduced to the employer", channel=channel)
    assert await employer_stage(world) is Stage.EMPLOYER_INTRODUCED

    # The action plan, with a workplan pasted from Word.
    await world.command("U0SEC1", "plan")
    view = world.top_view("U0SEC1")
    assert view["callback_id"] == "vws:plan"
    sub = await world.submit("U0SEC1", principle="2", objectives="Introduce mental health first aiders",
                             activities="Train six staff", success_criteria="Six first aiders in post", workplan=WORKPLAN)
    assert sub.status == 200 and not sub.body, sub.body
    assert await employer_stage(world) is Stage.JOINED
    assert "has joined the Valued Worker Scheme" in text_of(world.last_dm("U0NEM1"))
    [national] = [m for m in slack.messages_in("C0NATIONAL") if m.get("bot_id")]
    assert buttons(national) == ["Added to list", "Logo sent"]

    # The national officer records the list and the logo.
    await world.click("U0NAT1", national, "Added to list", channel="C0NATIONAL")
    national = slack.messages_in("C0NATIONAL")[-1]
    assert buttons(national) == ["Logo sent"]
    await world.click("U0NAT1", national, "Logo sent", channel="C0NATIONAL")
    national = slack.messages_in("C0NATIONAL")[-1]
    assert buttons(national) == [] and "Logo sent: 23 Nov 2026" in text_of(national)
    assert len([m for m in slack.messages_in("C0NATIONAL") if m.get("bot_id")]) == 1


async def test_reject_needs_reasons_which_reach_the_proposer_who_can_resubmit(world: SlackWorld) -> None:
    await propose(world)
    request = world.last_dm("U0SEC1")
    await world.click("U0SEC1", request, "Reject")
    assert world.top_view("U0SEC1")["callback_id"] == "vws:reasons"
    empty = await world.submit("U0SEC1", reasons=None)
    assert empty.json() == {"response_action": "errors", "errors": {"reasons": "Give your reasons."}}
    assert await employer_stage(world) is Stage.AWAITING_SECRETARY
    done = await world.submit("U0SEC1", reasons="Ofsted are in <this> term & next")
    assert done.status == 200 and not done.body
    rejected = world.last_dm("U0REP1")
    assert "rejected your proposal" in text_of(rejected)
    assert "Ofsted are in &lt;this&gt; term &amp; next" in text_of(rejected)
    assert buttons(rejected) == ["Revise and resubmit", "Withdraw"]
    assert buttons(world.slack.dms_to("U0SEC1")[0]) == []  # the request no longer has live buttons

    await world.click("U0REP1", rejected, "Revise and resubmit")
    form = world.top_view("U0REP1")
    name = next(b for b in form["blocks"] if b.get("block_id") == "employer_name")
    assert name["element"]["initial_value"] == "Oakfield Primary School"
    await world.submit("U0REP1", case_for=PROPOSAL["case_for"] + " Ofsted leave in March.")
    again = world.last_dm("U0SEC1")
    assert "Why it was rejected" in text_of(again) and "Changed: Why this employer" in text_of(again)
    assert buttons(again) == ["Approve", "Reject"]


async def test_the_same_click_twice_changes_state_once_and_posts_once(world: SlackWorld) -> None:
    await propose(world)
    request = world.last_dm("U0SEC1")
    await world.click("U0SEC1", request, "Approve")
    posts, updates = len(world.slack.calls("chat.postMessage")), len(world.slack.calls("chat.update"))
    await world.click("U0SEC1", request, "Approve")
    assert len(world.slack.calls("chat.postMessage")) == posts
    assert len(world.slack.calls("chat.update")) == updates
    [late] = world.slack.ephemerals("U0SEC1")[-1:]
    assert "Already decided: You approved as Local Association Secretary on 23 Nov 2026 at 10:00" in late["text"]
    assert await employer_stage(world) is Stage.AWAITING_NEM


async def test_someone_else_clicking_is_refused_and_nothing_changes(world: SlackWorld) -> None:
    await propose(world)
    request = world.last_dm("U0SEC1")
    await world.click("U0GMB1", request, "Approve")
    [refusal] = world.slack.ephemerals("U0GMB1")
    assert "Only the Local Association Secretary for Leeds (or their deputy)" in refusal["text"]
    assert await employer_stage(world) is Stage.AWAITING_SECRETARY
    assert world.slack.dms_to("U0NEM1") == []


async def test_a_retried_thread_reply_counts_once(world: SlackWorld) -> None:
    await propose(world)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    root = world.slack.messages_in(channel)[0]
    first = await world.slack.message_event("U0GMB1", channel, "agree", thread_ts=root["ts"])
    await world.settle()
    retry = await world.slack.redeliver(first, retry_num=1)
    await world.settle()
    assert retry.status == 200
    thread = world.slack.thread(channel, root["ts"])
    assert len([m for m in thread if "GMB agrees" in text_of(m)]) == 1
    audit = await world.services.engine.audit(1)
    assert [a.payload.get("union") for a in audit if a.action == "partner_agree"] == ["GMB"]


async def test_a_thread_reply_from_someone_who_is_not_a_partner_rep_is_refused(world: SlackWorld) -> None:
    await propose(world)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    root = world.slack.messages_in(channel)[0]
    await world.slack.message_event("U0REP1", channel, "agree", thread_ts=root["ts"])
    await world.settle()
    [refusal] = world.slack.ephemerals("U0REP1", channel)
    assert "Only a GMB, UNISON or Unite rep in Leeds" in refusal["text"]
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION


async def test_typed_mentions_are_escaped_and_ping_nobody(world: SlackWorld) -> None:
    await propose(world, employer_name="<!channel> Academy <@U0ADM1>", case_for="Ask <!here> & <https://evil.example|click>")
    request = world.last_dm("U0SEC1")
    raw = text_of(request)
    assert "&lt;!channel&gt; Academy &lt;@U0ADM1&gt;" in raw
    assert "Ask &lt;!here&gt; &amp; &lt;https://evil.example|click&gt;" in raw
    for call in world.slack.calls("chat.postMessage"):
        blob = str(call.args)
        assert "<!channel>" not in blob and "<!here>" not in blob and "<@U0ADM1>" not in blob, blob


async def test_bad_form_input_comes_back_as_field_errors_and_nothing_is_created(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    d = await world.submit("U0REP1", employer_name="X", employer_kind="school", case_for="short")
    body = d.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"employer_name", "case_for"}
    assert await world.services.engine.register(everyone=True) == []
    assert world.slack.dms_to("U0SEC1") == []
    assert world.slack.dms_to("U0REP1") == []  # the errors are on the form; no second message


@pytest.mark.parametrize("problem", ["bad signature", "stale timestamp", "malformed timestamp", "no signature"])
async def test_unsigned_or_stale_requests_get_401_and_touch_nothing(world: SlackWorld, problem: str) -> None:
    import time
    from urllib.parse import urlencode

    body = urlencode({"command": "/vws", "text": "propose", "user_id": "U0REP1", "trigger_id": "x",
                      "team_id": "T0LOCAL", "response_url": "http://127.0.0.1:9/x"}).encode()
    headers = world.slack.signed_headers(body)
    if problem == "bad signature":
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    elif problem == "stale timestamp":
        headers = world.slack.signed_headers(body, timestamp=int(time.time()) - 60 * 6)
    elif problem == "malformed timestamp":
        headers["X-Slack-Request-Timestamp"] = "yesterday"
    else:
        del headers["X-Slack-Signature"]
    d = await world.slack.deliver_raw(body, headers)
    await world.settle()
    assert d.status == 401
    assert world.slack.calls() == []


async def test_a_rate_limited_post_is_retried_after_retry_after(world: SlackWorld) -> None:
    world.slack.fail_next("chat.postMessage", status=429, retry_after=1, channel="U0REP1")
    await propose(world)
    attempts = world.slack.calls("chat.postMessage")
    rep = [c.status for c in attempts if c.args["channel"] == "U0REP1"]
    sec = [c.status for c in attempts if c.args["channel"] == "U0SEC1"]
    assert rep == [429, 200] and sec == [200]  # the Secretary's request does not wait with the rep's
    assert len(world.slack.dms_to("U0REP1")) == 1  # the retry posted once
    assert buttons(world.last_dm("U0SEC1")) == ["Approve", "Reject"]


async def test_a_taken_channel_name_gets_a_number(world: SlackWorld) -> None:
    world.slack.add_channel("vws-oakfield-primary-school", members=["U0ADM1"], bot_is_member=False)
    await propose(world)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    names = [c.args["name"] for c in world.slack.calls("conversations.create")]
    assert names == ["vws-oakfield-primary-school", "vws-oakfield-primary-school-2"]
    assert "U0GMB1" in world.slack.members(world.slack.channel_id("vws-oakfield-primary-school-2"))


async def test_help_status_and_unknown_words(world: SlackWorld) -> None:
    d = await world.command("U0REP1", "frobnicate <!channel>")
    assert "I don't know `frobnicate`" in d.body and "/vws propose" in d.body
    d = await world.command("U0REP1", "")
    assert "/vws status" in d.body
    await propose(world)
    await world.command("U0SEC1", "status")
    [status] = world.slack.ephemerals("U0SEC1")
    assert "Oakfield Primary School" in text_of(status) and buttons(status) == ["Approve", "Reject"]
    await world.command("U0GMB1", "plan")
    assert "can record an action plan for Oakfield Primary School" in world.slack.ephemerals("U0GMB1")[-1]["text"]


async def test_app_home_shows_waiting_decisions(world: SlackWorld) -> None:
    await propose(world)
    await world.slack.app_home_opened("U0SEC1")
    await world.settle()
    home = world.slack.home_view("U0SEC1")
    assert home is not None and "Oakfield Primary School" in text_of(home)
    assert buttons({"blocks": home["blocks"]}) == ["Approve", "Reject"]
    await world.slack.app_home_opened("U0REP1")
    await world.settle()
    rep_home = world.slack.home_view("U0REP1")
    assert rep_home is not None and "Your proposals" in text_of(rep_home)


async def test_review_and_revocation_in_slack(world: SlackWorld, clock: Clock) -> None:
    await test_the_whole_journey_in_slack(world)
    clock.advance(days=366)
    outcome = await world.services.engine.review_falls_due(1)
    assert outcome.ok
    await world.settle()  # its notices leave from the outbox
    due = world.last_dm("U0REP1")
    assert buttons(due) == ["Objective met", "Not met"]
    await world.click("U0REP1", due, "Not met")
    assert world.top_view("U0REP1")["callback_id"] == "vws:review"
    missing = await world.submit("U0REP1", outcome="not_met_extend", reasons="Training slipped")
    assert missing.json()["errors"] == {"review_on": "Give the new review date."}
    ok = await world.submit("U0REP1", outcome="not_met_extend", reasons="Training slipped", review_on="2028-03-31")
    assert not ok.body
    assert "moves to 31 Mar 2028" in text_of(world.last_dm("U0REP1"))

    await world.command("U0NEM1", "revoke oakfield")
    form = world.top_view("U0NEM1")
    assert form["callback_id"] == "vws:revoke"
    await world.submit("U0NEM1", reasons="Acted outwith the agreed policy", confirm="yes")  # it asks first
    assert await employer_stage(world) is Stage.REVOKED
    assert any("Revoked: Oakfield Primary School" in text_of(m) for m in world.slack.messages_in("C0NATIONAL"))


async def test_healthz_says_whether_the_database_answers(world: SlackWorld) -> None:
    import aiohttp
    from aiohttp.test_utils import TestClient, TestServer

    from bot.services import Services
    from bot.settings import Settings
    from bot.web import create_app

    async with aiohttp.ClientSession() as http:
        async with http.get(world.url.replace("/slack/events", "/healthz")) as resp:
            assert resp.status == 200
            assert await resp.json() == {"ok": True, "database": "ok", "slack": True}
    down = Services.build(Settings(DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:9/none"))
    async with TestClient(TestServer(create_app(down))) as client:
        resp = await client.get("/healthz")
        assert resp.status == 503 and (await resp.json())["database"] == "unreachable"
        assert (await client.post("/slack/events", data=b"x")).status == 503  # Slack not configured here
    await down.close()


async def test_logs_hold_no_names_ids_tokens_or_request_bodies(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    await propose(world, case_for="A very particular case text that must stay out of the logs.")
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Reject")
    await world.submit("U0SEC1", reasons="Secret reasons for the proposer only")
    logged = caplog.text
    assert caplog.records  # the bot did log (ids and stages), so the test can see a leak
    for secret in ("U0REP1", "U0SEC1", "Rita Rep", "Sam Secretary", "very particular case text",
                   "Secret reasons", "Oakfield", "xoxb-test-token", "test-signing-secret", "payload="):
        assert secret not in logged, secret


async def test_a_workplan_reminder_can_be_marked_done_from_slack(world: SlackWorld, clock: Clock) -> None:
    from datetime import UTC, datetime

    from bot.clock import sweep

    await test_the_whole_journey_in_slack(world)
    clock.set(datetime(2027, 3, 24, 9, 0, tzinfo=UTC))  # a Wednesday, 7 days before action 2's by-date
    await sweep(world.services, world.bot.outbound, clock())
    await world.settle()  # the nudges went into the outbox: let the worker deliver them
    reminder = world.last_dm("U0REP1")  # U0REP1 owns action 2
    assert "Workplan action 2 for Oakfield Primary School" in text_of(reminder)
    assert buttons(reminder) == ["Mark done", "Snooze a week"]
    await world.click("U0REP1", reminder, "Mark done")
    assert "Action 2 marked done" in world.slack.ephemerals("U0REP1")[-1]["text"]
    plan = await world.services.engine.plan_of(1)
    assert plan is not None and [a.status for a in plan[1]] == ["open", "done"]
    clock.set(datetime(2027, 3, 31, 9, 0, tzinfo=UTC))  # its by-date: no reminder now it is done
    before = len(world.slack.dms_to("U0REP1"))
    await sweep(world.services, world.bot.outbound, clock())
    await world.settle()
    assert all("Workplan action 2" not in text_of(m) for m in world.slack.dms_to("U0REP1")[before:])
