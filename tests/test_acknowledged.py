"""Acknowledged means done: what Slack was told happened is recorded, and every notice it caused
arrives, exactly once, through the outbox, whatever the platform or the database does meanwhile.

Signed HTTP into the real bolt app; the Slack Web API is the stand-in, made to fail as Slack does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.clock import sweep
from flows.signup.journey import Stage
from models.db import make_engine, make_sessionmaker
from models.tables import Nudge, OutboxItem
from tests.conftest import PG_URL, Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of
from tests.test_slack import PROPOSAL, WORKPLAN, employer_stage, propose

DOWN = "VWS Bot can't reach its records just now. Nothing was recorded."


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock, VWS_OUTBOX_MAX_DELAY=2.0)  # retries every two seconds at most
    yield w
    await stop_world(w)


async def outbox_states(world: SlackWorld) -> dict[str, int]:
    async with world.services.sessions() as s:
        return dict((await s.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))).all())  # type: ignore[arg-type]


def approval_requests(world: SlackWorld) -> list[dict]:
    return [m for m in world.slack.dms_to("U0SEC1") if "Approval needed" in text_of(m)]


# --------------------------------------------------------------------------- the platform fails


@pytest.mark.skipif(bool(PG_URL), reason="waits out a 25 s outage; what is tested does not depend on the database")
async def test_slack_down_for_25_seconds_then_back_delivers_everything_once(world: SlackWorld) -> None:
    world.slack.outage(25, status=500, method="chat.postMessage")
    started = time.monotonic()
    await world.command("U0REP1", "propose")
    sub = await world.slack.view_submission("U0REP1", world.top_view("U0REP1")["id"], _answers(world))
    assert sub.status == 200 and not sub.body  # decided and answered while Slack could not post
    assert await employer_stage(world) is Stage.AWAITING_SECRETARY
    await world.settle()  # the worker keeps trying until Slack takes the posts
    assert time.monotonic() - started >= 25
    failed = [c for c in world.slack.calls("chat.postMessage") if c.status == 500]
    assert len(failed) >= 3  # tried again and again
    assert len(approval_requests(world)) == 1  # and delivered once
    assert len([m for m in world.slack.dms_to("U0REP1") if "gone to your Local Association Secretary" in text_of(m)]) == 1
    assert await outbox_states(world) == {"sent": 2}


async def test_rate_limits_are_waited_out_for_the_throttled_channel_only(world: SlackWorld) -> None:
    world.slack.fail_next("chat.postMessage", status=429, retry_after=2, channel="U0REP1")
    await propose(world)
    posts = world.slack.calls("chat.postMessage")
    rep = [c for c in posts if c.args["channel"] == "U0REP1"]
    sec = [c for c in posts if c.args["channel"] == "U0SEC1"]
    assert [c.status for c in rep] == [429, 200] and [c.status for c in sec] == [200]
    assert sec[0].at < rep[1].at  # the Secretary's request is not held behind the rep's throttled confirmation
    waited = rep[1].at - rep[0].at
    assert waited >= 1.9  # Retry-After honoured
    assert len(approval_requests(world)) == 1


async def test_an_answer_lost_after_slack_posted_does_not_post_twice(world: SlackWorld) -> None:
    await propose(world)
    request = world.last_dm("U0SEC1")
    world.slack.lose_answer("chat.postMessage")  # the NEM's request is posted, but the answer never comes back
    await world.click("U0SEC1", request, "Approve")
    await world.settle()
    nem_requests = [m for m in world.slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]
    assert len(nem_requests) == 1
    # The lost one was found by its metadata, not posted again.
    assert any(c.method == "conversations.history" and c.args.get("include_all_metadata") for c in world.slack.calls())
    assert buttons(nem_requests[0]) == ["Approve", "Reject"]
    assert await outbox_states(world) == {"sent": 6}


async def test_a_refused_post_is_parked_not_dropped_and_can_be_sent_again(world: SlackWorld) -> None:
    from bot.outbox import parked, retry_parked

    world.slack.fail_next("chat.postMessage", error="channel_not_found")
    await propose(world)
    [row] = await parked(world.services.sessions)
    assert row[3] == "channel_not_found"
    assert await retry_parked(world.services.sessions) == 1
    await world.settle()
    assert await parked(world.services.sessions) == []
    assert len(approval_requests(world)) == 1


async def test_a_reminder_counts_as_sent_only_once_delivered(world: SlackWorld, clock: Clock) -> None:
    await propose(world)
    at = datetime(2026, 11, 25, 10, tzinfo=UTC)  # two working days on: the Secretary is chased
    clock.set(at)
    world.slack.fail_next("chat.postMessage", status=503, retry_after=None)
    await sweep(world.services, world.bot.outbound, at)
    async with world.services.sessions() as s:
        assert (await s.execute(select(Nudge.state))).scalars().all() == ["queued"]
    await world.settle()
    async with world.services.sessions() as s:
        assert (await s.execute(select(Nudge.state))).scalars().all() == ["sent"]
    chases = [m for m in world.slack.dms_to("U0SEC1") if "Still waiting for your decision" in text_of(m)]
    assert len(chases) == 1


# --------------------------------------------------------------------------- what the click acts on


async def test_an_app_home_button_works_and_the_home_view_refreshes(world: SlackWorld) -> None:
    await propose(world)
    await world.slack.app_home_opened("U0SEC1")
    await world.settle()
    home = world.slack.home_view("U0SEC1")
    assert home is not None and buttons({"blocks": home["blocks"]}) == ["Approve", "Reject"]
    approve = next(
        el for b in home["blocks"] if b.get("type") == "actions" for el in b["elements"] if el["text"]["text"] == "Approve"
    )
    d = await world.slack.block_action("U0SEC1", approve["action_id"], approve["value"], view=home)
    await world.settle()
    assert d.status == 200
    assert await employer_stage(world) is Stage.AWAITING_NEM
    assert any("You approved Oakfield Primary School" in text_of(m) for m in world.slack.dms_to("U0SEC1"))
    assert [m for m in world.slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]
    refreshed = world.slack.home_view("U0SEC1")
    assert refreshed is not None and "Approve" not in buttons({"blocks": refreshed["blocks"]})


async def test_a_review_button_from_an_earlier_cycle_changes_nothing(world: SlackWorld, clock: Clock) -> None:
    from tests.test_slack import test_the_whole_journey_in_slack

    await test_the_whole_journey_in_slack(world)
    clock.advance(days=366)
    assert (await world.services.engine.review_falls_due(1)).ok
    await world.settle()
    old_card = world.last_dm("U0REP1")
    assert buttons(old_card) == ["Objective met", "Not met"]
    await world.click("U0REP1", old_card, "Objective met")
    await world.command("U0SEC1", "plan")
    sub = await world.submit("U0SEC1", principle="5", objectives="Set up a JCC", activities="Meet each half term",
                             success_criteria="Three meetings held", workplan="")  # fmt: skip
    assert sub.status == 200 and not sub.body
    assert await employer_stage(world) is Stage.JOINED
    # The cycle-1 card is clicked again, now that cycle 2 has begun.
    await world.click("U0REP1", old_card, "Objective met")
    late = world.slack.ephemerals("U0REP1")[-1]["text"]
    assert "cycle 1" in late and "now on cycle 2" in late and "Nothing has changed" in late
    assert await employer_stage(world) is Stage.JOINED


# --------------------------------------------------------------------------- the database fails


async def test_with_the_database_unreachable_people_are_told_plainly_within_three_seconds(world: SlackWorld) -> None:
    await propose(world)
    request = world.last_dm("U0SEC1")
    dead = make_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    world.services.engine.sessions = make_sessionmaker(dead)
    try:
        started = time.monotonic()
        d = await world.slack.slash_command("U0SEC1", "status")
        assert d.status == 200 and DOWN in d.body
        d = await world.slack.slash_command("U0REP1", "propose")
        assert d.status == 200 and DOWN in d.body
        before = len(world.slack.ephemerals("U0SEC1"))
        d = await world.click("U0SEC1", request, "Approve")
        assert d.status == 200
        assert DOWN in world.slack.ephemerals("U0SEC1")[before]["text"]
        assert time.monotonic() - started < 3 * 3
    finally:
        await dead.dispose()
    world.services.engine.sessions = world.services.sessions
    assert await employer_stage(world) is Stage.AWAITING_SECRETARY  # nothing was recorded


async def test_healthz_is_503_when_the_database_cannot_be_written(tmp_path: object, db_url: str) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.services import Services
    from bot.settings import Settings
    from bot.web import create_app

    if not db_url.startswith("sqlite"):
        pytest.skip("a read-only file is SQLite's way of not being writable")
    path = db_url.split("///", 1)[1]
    read_only = Services.build(Settings(DATABASE_URL=f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"))
    async with TestClient(TestServer(create_app(read_only))) as client:
        resp = await client.get("/healthz")
        assert resp.status == 503 and (await resp.json())["database"] == "unreachable"
    await read_only.close()


def _answers(world: SlackWorld) -> dict:
    view = world.top_view("U0REP1")
    values = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        bid, el = block["block_id"], block["element"]
        answer = {**PROPOSAL, "association": "Leeds"}.get(bid)
        if el["type"] == "plain_text_input":
            values[bid] = {"value": {"type": el["type"], "value": answer}}
        elif el["type"] in ("static_select", "radio_buttons"):
            values[bid] = {"value": {"type": el["type"], "selected_option": {"value": answer} if answer else el.get("initial_option")}}
    return values


_ = WORKPLAN  # the journey's workplan, used through test_the_whole_journey_in_slack


# --------------------------------------------------------------------------- at the platform's pace


async def _many(world: SlackWorld, to_national: int, dms: list[str]) -> None:
    """``to_national`` notices to the national channel (each about its own case, so nothing orders
    them) and one direct message to each of ``dms``, written to the outbox at once."""
    from flows.core.outbox import enqueue
    from flows.notices import Kind, Notice, PersonRef, ToNational, ToPerson
    from models.tables import Person

    async with world.services.sessions() as s, s.begin():
        ids = dict((await s.execute(select(Person.slack_id, Person.id).where(Person.slack_id.in_(dms)))).all())
        notices = [Notice(Kind.NATIONAL, ToNational(), f"National {n}", employer_id=1000 + n) for n in range(to_national)]
        notices += [Notice(Kind.REMINDER, ToPerson(PersonRef(ids[u])), f"For {u}") for u in dms]
        await enqueue(s, notices)
    world.services.outbox.wake()


DMS = ["U0REP1", "U0SEC1", "U0NEM1", "U0GMB1", "U0UNS1", "U0UTE1", "U0NAT1", "U0ADM1"]


async def test_a_busy_channel_is_paced_and_holds_up_no_other(db_url: str, clock: Clock) -> None:
    """Ten posts for one channel, paced at one every half second (Slack enforces about one a
    second per channel), and then, while they go, direct messages to eight people: none is
    refused, the direct messages go at once rather than behind the channel's queue, and a post
    handed back to wait for its channel's turn does not count as a failed try."""
    world = await start_world(db_url, clock, VWS_SLACK_CHANNEL_INTERVAL=0.5)
    try:
        world.slack.limit_posts(per_second=2.0, burst=3)  # the bot's pace, with room for a busy machine's jitter
        await _many(world, 10, [])
        await world.slack.wait_for("chat.postMessage", 1)
        await _many(world, 0, DMS)
        await world.slack.wait_for("chat.postMessage", 18, within=15.0)
        await world.settle()
        posts = world.slack.calls("chat.postMessage")
        assert [c.status for c in posts if c.status != 200] == []  # the bot kept to the channel's pace
        national = [c for c in posts if c.args["channel"] == "C0NATIONAL"]
        direct = [c for c in posts if c.args["channel"] in DMS]
        assert sorted(c.args["text"] for c in national) == sorted(f"National {n}" for n in range(10))  # each once
        assert sorted(c.args["channel"] for c in direct) == sorted(DMS)
        assert max(c.at for c in direct) < national[-2].at  # not behind the channel's queue
        assert await outbox_states(world) == {"sent": 18}
        async with world.services.sessions() as s:  # handed back for later, not counted as failures
            assert (await s.execute(select(func.max(OutboxItem.attempts)))).scalar_one() == 1
    finally:
        await stop_world(world)


async def test_what_a_burst_of_requests_causes_is_marked_sent_in_one_write_not_one_per_request(
    db_url: str, clock: Clock
) -> None:
    """A SQLite database has one writer at a time, so each write the delivery worker makes to
    record what was delivered is one that the next person's click may wait behind. Six people's
    requests a few milliseconds apart, each followed by a direct message: all six messages are
    posted as they come, and recorded as sent together, in one or two writes, not one per
    request. Once requests stop, what is delivered is recorded at once."""
    from dataclasses import replace

    from sqlalchemy import event

    world = await start_world(db_url, clock)
    worker = world.services.outbox
    assert worker is not None
    worker.policy = replace(worker.policy, mark_within=3.0, mark_when_quiet=0.3)  # room for a busy machine
    marks: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        flat = " ".join(statement.split())
        if flat.startswith("UPDATE outbox SET") and "sent_at=" in flat:
            marks.append(flat)

    await world.slack.slash_command("U0REP1", "help")  # (bolt's first request does its own set-up)
    event.listen(world.services.db.sync_engine, "before_cursor_execute", count)
    try:
        for user in DMS[:6]:
            answered = await world.slack.slash_command(user, "help")  # through the signed request path
            assert answered.status == 200
            await _many(world, 0, [user])
            await asyncio.sleep(0.005)
        await world.slack.wait_for("chat.postMessage", 6, within=10.0)
        await world.settle()
        assert sorted(c.args["channel"] for c in world.slack.calls("chat.postMessage")) == sorted(DMS[:6])
        assert await outbox_states(world) == {"sent": 6}
        assert len(marks) == 1, len(marks)
        marks.clear()
        await _many(world, 0, [DMS[6]])  # no request about: recorded as soon as it is delivered
        await world.slack.wait_for("chat.postMessage", 7, within=10.0)
        started = time.monotonic()
        for _ in range(400):  # looked at every 5 ms
            if await outbox_states(world) == {"sent": 7}:
                break
            await asyncio.sleep(0.005)
        assert time.monotonic() - started < 1.5 and len(marks) == 1  # not 3 s later
    finally:
        event.remove(world.services.db.sync_engine, "before_cursor_execute", count)
        await stop_world(world)


async def test_what_was_delivered_while_a_request_was_decided_is_recorded_soon_after_it_ends(
    db_url: str, clock: Clock
) -> None:
    """A direct message delivered while someone's request is still being decided waits to be
    recorded (a lane's next notice waits with it), but only until that request ends: it is
    recorded a moment after, not at the end of the longest wait."""
    from dataclasses import replace

    world = await start_world(db_url, clock)
    worker = world.services.outbox
    assert worker is not None
    worker.policy = replace(worker.policy, mark_within=5.0, mark_when_quiet=0.05, poll=3.0)  # (the next look: 3 s on)
    dispatch = world.services.engine.dispatch
    status = dispatch.commands["status"]

    async def slow(core: object, who: object, rest: str) -> object:
        await asyncio.sleep(0.4)  # a request still being decided while the message goes
        return await status.run(core, who, rest)  # type: ignore[arg-type]

    try:
        await world.slack.slash_command("U0REP1", "help")  # (bolt's first request does its own set-up)
        dispatch.commands["status"] = replace(status, run=slow)  # type: ignore[arg-type]
        deciding = asyncio.create_task(world.slack.slash_command("U0SEC1", "status"))
        await asyncio.sleep(0.05)
        await _many(world, 0, ["U0NEM1"])
        await world.slack.wait_for("chat.postMessage", 1, within=10.0)
        assert (await deciding).status == 200
        ended = time.monotonic()
        for _ in range(400):  # looked at every 5 ms
            if await outbox_states(world) == {"sent": 1}:
                break
            await asyncio.sleep(0.005)
        assert time.monotonic() - ended < 1.0  # soon after the request ended, not at the next look 3 s on
    finally:
        dispatch.commands["status"] = status
        await stop_world(world)


async def test_a_second_post_to_one_channel_goes_at_once_as_slack_allows_short_bursts(db_url: str, clock: Clock) -> None:
    """Slack allows about one post a second in a channel, with short bursts of more: two notices
    for one channel written in the same moment (a NEM asked about two employers, two cases listed
    nationally) both go at once, not the second a second later. A third waits for the channel's
    pace, and the platform refuses none."""
    world = await start_world(db_url, clock, VWS_SLACK_CHANNEL_INTERVAL=1.0)
    try:
        world.slack.limit_posts(per_second=1.0, burst=3)  # Slack's pace, with a short burst allowed
        await _many(world, 3, [])
        await world.slack.wait_for("chat.postMessage", 3, within=10.0)
        await world.settle()
        posts = sorted(world.slack.calls("chat.postMessage"), key=lambda c: c.at)
        assert [c.status for c in posts] == [200, 200, 200]  # none refused
        assert posts[1].at - posts[0].at < 0.5  # the second at once
        assert posts[2].at - posts[0].at >= 0.9  # the third at the channel's pace
    finally:
        await stop_world(world)


async def test_slack_refusing_a_burst_to_one_channel_delays_that_channel_only(db_url: str, clock: Clock) -> None:
    """With the bot's own pacing off, the stand-in answers 429 with Retry-After as Slack does:
    the throttled channel's posts wait and all arrive once; the direct messages are not delayed."""
    world = await start_world(db_url, clock, VWS_OUTBOX_MAX_DELAY=2.0)
    try:
        world.slack.limit_posts(per_second=1.0, burst=2)
        await _many(world, 4, DMS)
        await world.services.drain()
        posts = world.slack.calls("chat.postMessage")
        refused = [c for c in posts if c.status == 429]
        assert refused and {c.args["channel"] for c in refused} == {"C0NATIONAL"}
        delivered = [c for c in posts if c.status == 200]
        assert sorted(c.args["text"] for c in delivered if c.args["channel"] == "C0NATIONAL") == [f"National {n}" for n in range(4)]
        first_refusal = min(c.at for c in refused)
        assert all(c.at <= first_refusal + 0.5 for c in delivered if c.args["channel"] in DMS)
        assert await outbox_states(world) == {"sent": 12}
    finally:
        await stop_world(world)


async def test_a_decision_made_in_time_is_committed_and_answered_even_when_the_commit_is_slow(
    world: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack's 3 s bound how long the bot waits for its records (a database that does not answer
    gets the plain "nothing was recorded"), but once a decision is made and being committed it
    finishes: a slow commit under load is never cut off halfway and reported as not recorded."""
    import asyncio

    import bot.slack.app as slack_app
    from flows.core import unit

    await propose(world)
    request = world.last_dm("U0SEC1")
    monkeypatch.setattr(slack_app, "DATABASE_DEADLINE", 0.3)
    decided = unit.decided

    async def slow_commit() -> None:
        decided()
        await asyncio.sleep(0.6)  # the commit waits its turn for the database

    monkeypatch.setattr(unit, "_committing", slow_commit)
    before = len(world.slack.ephemerals("U0SEC1"))
    d = await world.click("U0SEC1", request, "Approve")
    assert d.status == 200
    assert await employer_stage(world) is Stage.AWAITING_NEM
    told = [e["text"] for e in world.slack.ephemerals("U0SEC1")[before:]]
    assert not any(DOWN in t for t in told)
    assert any("You approved Oakfield Primary School" in t for t in told)
    assert [m for m in world.slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]


async def test_a_notice_failing_for_one_person_holds_up_no_one_else_about_the_same_case(world: SlackWorld) -> None:
    """Slack failing to post the rep's confirmation (tried again later) must not keep the
    Secretary waiting for the approval request: only notices to the same place keep their order."""
    world.slack.fail_next("chat.postMessage", status=500, channel="U0REP1")
    await propose(world)
    posts = world.slack.calls("chat.postMessage")
    rep = [c for c in posts if c.args["channel"] == "U0REP1"]
    sec = [c for c in posts if c.args["channel"] == "U0SEC1"]
    assert [c.status for c in rep] == [500, 200] and [c.status for c in sec] == [200]
    assert sec[0].at < rep[1].at  # posted while the rep's confirmation waited to be tried again
    assert len(approval_requests(world)) == 1


@pytest.mark.parametrize("where", ["deciding", "reading"])
async def test_a_request_cut_off_by_the_deadline_leaves_the_next_ones_working(
    world: SlackWorld, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A database too slow for Slack's 3 s cuts a request off in the middle of its transaction
    (the person is told nothing was recorded); the clicks and commands after it, by the same
    person or anyone else, find the records as usual, never an error left behind by the one cut
    off."""
    import asyncio

    import bot.slack.app as slack_app
    from flows.core import unit

    await propose(world)
    request = world.last_dm("U0SEC1")
    monkeypatch.setattr(slack_app, "DATABASE_DEADLINE", 0.3)
    if where == "deciding":  # the conditional update has run; the transaction is still open
        to_outbox = unit._to_outbox

        async def stuck(*args: object, **kwargs: object) -> None:
            await asyncio.sleep(1.0)
            await to_outbox(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(unit, "_to_outbox", stuck)
        d = await world.click("U0SEC1", request, "Approve")
    else:  # a read session, shared by every part of a status, is open
        memo = unit.memo  # looked up by every read of who the person is

        async def slow(*args: object, **kwargs: object) -> object:
            await asyncio.sleep(1.0)
            return await memo(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(unit, "memo", slow)
        d = await world.slack.slash_command("U0SEC1", "status")
        assert DOWN in d.body
    assert d.status == 200
    assert await employer_stage(world) is Stage.AWAITING_SECRETARY  # nothing was recorded
    monkeypatch.undo()
    for _ in range(3):
        d = await world.slack.slash_command("U0SEC1", "status")
        assert d.status == 200 and DOWN not in d.body
        assert "Oakfield Primary School" in d.body
    before = len(world.slack.ephemerals("U0SEC1"))
    d = await world.click("U0SEC1", request, "Approve")
    assert d.status == 200
    told = [e["text"] for e in world.slack.ephemerals("U0SEC1")[before:]]
    assert not any(DOWN in t for t in told)
    assert await employer_stage(world) is Stage.AWAITING_NEM
    assert [m for m in world.slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]


async def test_notices_wait_while_people_s_requests_are_being_decided(world: SlackWorld) -> None:
    """A burst of clicks is decided and answered first: while any request is being decided, the
    delivery worker holds what was caused back (up to a bound), then sends it all."""
    import asyncio

    await propose(world)
    request = world.last_dm("U0SEC1")
    worker = world.services.outbox
    assert worker is not None
    from dataclasses import replace

    worker.policy = replace(worker.policy, requests_first=30.0)
    worker.requests.started()  # someone else's click, still being decided
    try:
        d = await world.slack.block_action(
            "U0SEC1", *next((el["action_id"], el["value"]) for b in request["blocks"] if b.get("type") == "actions"
                            for el in b["elements"] if el["text"]["text"] == "Approve"),
            message=request, channel=request.get("channel"))  # fmt: skip
        assert d.status == 200
        assert await employer_stage(world) is Stage.AWAITING_NEM  # decided and answered at once
        await asyncio.sleep(0.5)
        assert not [m for m in world.slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]
    finally:
        worker.requests.finished()
    await world.settle()
    for _ in range(100):
        if [m for m in world.slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]:
            break
        await asyncio.sleep(0.05)
    assert [m for m in world.slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]


async def test_what_people_wait_on_goes_before_the_news_of_the_same_click(world: SlackWorld) -> None:
    """The Secretary's Approve causes the NEM's request (someone must act), the answer to the
    Secretary, and news: the rep's progress DM and the Secretary's card updated. Under a burst of
    clicks the first two go first; the news waits until they are sent (up to a bound)."""
    from dataclasses import replace

    await propose(world)
    request = world.last_dm("U0SEC1")
    worker = world.services.outbox
    assert worker is not None
    worker.policy = replace(worker.policy, waited_on_first=30.0)
    rep_dms = len(world.slack.dms_to("U0REP1"))
    since = len(world.slack.calls())
    world.slack.slow_next("chat.postMessage", 0.5, channel="U0NEM1")  # Slack takes its time over the NEM's
    d = await world.slack.block_action(
        "U0SEC1", *next((el["action_id"], el["value"]) for b in request["blocks"] if b.get("type") == "actions"
                        for el in b["elements"] if el["text"]["text"] == "Approve"),
        message=request, channel=request.get("channel"))  # fmt: skip
    assert d.status == 200
    await world.settle()
    assert len(world.slack.dms_to("U0REP1")) == rep_dms + 1  # the news came, after
    calls = world.slack.calls()[since:]

    def first(match: object) -> int:
        return next(i for i, c in enumerate(calls) if match(c))  # type: ignore[operator]

    nem_request = first(lambda c: c.method == "chat.postMessage" and "Approval needed" in str(c.args)
                        and c.args.get("channel") in ("U0NEM1", "DU0NEM1"))  # fmt: skip
    card_updated = first(lambda c: c.method == "chat.update")
    rep_news = first(lambda c: c.method == "chat.postMessage" and c.args.get("channel") in ("U0REP1", "DU0REP1"))
    assert nem_request < card_updated and nem_request < rep_news, [c.method for c in calls]


async def test_a_form_slack_will_not_open_any_more_is_answered_plainly(world: SlackWorld) -> None:
    """A burst can keep a form waiting past the trigger's 3 s: Slack then refuses ``views.open``
    (expired_trigger_id). The person is told plainly to run the command again; nothing was
    recorded, and the bot does not fail the request (no 500 from bolt)."""
    world.slack.fail_next("views.open", error="expired_trigger_id")
    before = len(world.slack.ephemerals("U0REP1"))
    d = await world.slack.slash_command("U0REP1", "propose")
    assert d.status == 200, d.problems
    await world.settle()
    # (by the command's response_url: an expired trigger means Slack's 3 s for the answer are over)
    said = world.slack.ephemerals("U0REP1")[before]["text"]
    assert "Slack would not let VWS Bot open the form in time" in said and "/vws propose" in said, said
    await propose(world)  # the next try opens it
    request = world.last_dm("U0SEC1")
    world.slack.fail_next("views.open", error="expired_trigger_id")
    before = len(world.slack.ephemerals("U0SEC1"))
    d = await world.click("U0SEC1", request, "Reject")  # a button that opens a form (the reasons)
    assert d.status == 200
    await world.settle()
    assert "open the form in time" in world.slack.ephemerals("U0SEC1")[before]["text"]
    assert await employer_stage(world) is Stage.AWAITING_SECRETARY  # nothing was recorded


async def test_a_clicks_notices_go_out_without_looking_up_again_who_the_click_just_read(world: SlackWorld) -> None:
    """The decision read the people its notices are to (the NEM, the rep, the Secretary); the
    worker sends them with those addresses, not a lookup of each recipient again per notice."""
    from sqlalchemy import event

    await propose(world)
    request = world.last_dm("U0SEC1")
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(" ".join(statement.split()))

    engine = world.services.db.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        d = await world.click("U0SEC1", request, "Approve")
        assert d.status == 200
        await world.settle()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [m for m in world.slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]
    assert [m for m in world.slack.dms_to("U0REP1") if "approved" in text_of(m).lower()]
    by_id = [s for s in statements if s.startswith("SELECT people.") and "WHERE people.id IN" in s]
    assert by_id == [], by_id
