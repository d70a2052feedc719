"""The sandbox's JSON API, clock, personas and saved state, without a browser."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli import build_parser
from bot.clock import Sent, SweepReport
from bot.sandbox import Sandbox, SandboxClock, personas
from bot.sandbox.clock import ClockError, SweepTotals, add_months, describe_move
from bot.sandbox.server import TOKEN, demo_directory
from flows.calendar import Nation

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
FRIDAY_EVENING = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 19:30 in London: after working hours
LONDON = ZoneInfo("Europe/London")
STATIC = Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "static"


class Page:
    """The page's side of the API, over HTTP."""

    def __init__(self, box: Sandbox, session: aiohttp.ClientSession) -> None:
        self.box, self.session = box, session

    async def get(self, path: str, **params: Any) -> tuple[int, Any]:
        async with self.session.get(self.box.url + path.lstrip("/"), params=params) as r:
            return r.status, await r.json()

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(self.box.url + path.lstrip("/"), json=body) as r:
            return r.status, await r.json()

    async def state(self, user: str) -> dict[str, Any]:
        status, body = await self.get("/api/state", user=user)
        assert status == 200, body
        return body


@pytest.fixture
async def alone(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """The page and the stand-in, without the bot: for the page's own behaviour."""
    box = Sandbox(tmp_path, with_bot=False, start_at=MONDAY)
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def page(alone: Sandbox) -> AsyncIterator[Page]:
    async with aiohttp.ClientSession() as session:
        yield Page(alone, session)


def client(box: Sandbox) -> AsyncWebClient:
    assert box.standin is not None
    return AsyncWebClient(token=TOKEN, base_url=box.standin.base_url)


# ---------------------------------------------------------------- personas and clock


def test_personas_come_from_the_demo_directory_with_roles_and_unions() -> None:
    people = {p.id: p for p in personas(demo_directory())}
    assert people["U0REP1"].roles == ["Workplace rep"] and people["U0REP1"].union == "NASUWT"
    assert people["U0SEC1"].roles == ["Local Association Secretary", "Bot admin"]
    assert people["U0NEM1"].roles == ["National Executive Member"]
    assert {people[u].union for u in ("U0GMB1", "U0UNS1", "U0UTE1")} == {"GMB", "UNISON", "Unite"}
    assert people["U0NAT1"].roles == ["National officer"]
    assert list(people)[0] == "U0REP1"  # the journey starts with the rep


def test_clock_moves_forward_only() -> None:
    clock = SandboxClock(real=lambda: MONDAY.timestamp())
    assert clock.now() == MONDAY
    assert clock.target(step="day").date() == date(2026, 11, 24)
    assert clock.target(step="week").date() == date(2026, 11, 30)
    assert clock.target(step="month").date() == date(2026, 12, 23)
    assert clock.target(to=date(2027, 1, 4)).hour == 9
    with pytest.raises(ClockError):
        clock.target(to=date(2026, 11, 1))
    with pytest.raises(ClockError):
        clock.target(to=date(2035, 1, 1))
    clock.move_to(datetime(2027, 1, 4, 9, tzinfo=UTC))
    assert clock.now() == datetime(2027, 1, 4, 9, tzinfo=UTC)
    with pytest.raises(ClockError):
        clock.move_to(MONDAY)
    assert add_months(datetime(2027, 1, 31, tzinfo=UTC), 1).date() == date(2027, 2, 28)


def test_clock_moves_land_at_nine_on_a_working_day_and_say_what_they_skipped() -> None:
    clock = SandboxClock(real=lambda: FRIDAY_EVENING.timestamp())
    day = clock.landing(step="day")
    assert day.at == datetime(2026, 11, 30, 9, tzinfo=LONDON)  # Monday morning, not Saturday evening
    assert day.why is not None and "Saturday 28 November" in day.why and "Sunday 29 November" in day.why
    assert clock.target(step="week") == datetime(2026, 12, 4, 9, tzinfo=LONDON)
    assert clock.landing(step="week").why is None
    month = clock.landing(step="month")  # Sunday 27 December, then Boxing Day's substitute
    assert month.at == datetime(2026, 12, 29, 9, tzinfo=LONDON)
    assert month.why is not None and "Boxing Day" in month.why and "bank holiday" in month.why
    christmas = clock.landing(to=date(2026, 12, 25))
    assert christmas.at == datetime(2026, 12, 29, 9, tzinfo=LONDON)
    assert christmas.why is not None and "Christmas Day" in christmas.why
    summer = clock.target(to=date(2027, 6, 1))  # British Summer Time: 09:00 in London is 08:00 UTC
    assert summer.utcoffset() == timedelta(hours=1) and summer.astimezone(UTC).hour == 8
    with pytest.raises(ClockError):
        clock.target(to=date(2026, 11, 27))  # 09:00 today has gone
    early = SandboxClock(real=lambda: datetime(2026, 11, 30, 7, tzinfo=UTC).timestamp())
    assert early.target(to=date(2026, 11, 30)) == datetime(2026, 11, 30, 9, tzinfo=LONDON)
    # Easter Monday is a bank holiday in England but not in Scotland.
    assert clock.target(to=date(2027, 3, 29)).date() == date(2027, 3, 30)
    scottish = SandboxClock(real=lambda: FRIDAY_EVENING.timestamp(), nation=Nation.SCOTLAND)
    assert scottish.target(to=date(2027, 3, 29)).date() == date(2027, 3, 29)


def test_a_clock_move_is_described_plainly() -> None:
    before = datetime(2026, 11, 27, 19, 30, tzinfo=LONDON)
    after = datetime(2026, 11, 30, 9, tzinfo=LONDON)
    nothing = describe_move(before, after, None, SweepTotals(), None)
    assert nothing == ("The sandbox clock is now Monday 30 November 2026, 09:00. Nothing fell due between "
                       "Friday 27 November 2026, 19:30 and Monday 30 November 2026, 09:00, so no reminders were sent.")
    assert describe_move(before, after, None, SweepTotals(sent=1, found=1), None).endswith("1 reminder was sent.")
    assert describe_move(before, after, None, SweepTotals(sent=2, found=3, waiting=1), None).endswith(
        "2 reminders were sent; 1 waits for its local association's next working morning.")
    waiting = describe_move(before, after, None, SweepTotals(found=1, waiting=1), None)
    assert "1 reminder fell due but waits for its local association's next working morning" in waiting
    assert "outside working hours" in waiting
    assert "no longer needed" in describe_move(before, after, None, SweepTotals(found=1, skipped=1), None)
    skipped_days = describe_move(before, after, "Saturday and Sunday are not working days.", SweepTotals(), None)
    assert "09:00. Saturday and Sunday are not working days. Nothing fell due" in skipped_days
    off = describe_move(before, after, None, None, "The bot is not running, so no reminders were sent.")
    assert off == "The sandbox clock is now Monday 30 November 2026, 09:00. The bot is not running, so no reminders were sent."


def test_cli_has_a_sandbox_command() -> None:
    args = build_parser().parse_args(["sandbox", "--reset", "--port", "8123"])
    assert args.reset is True and args.port == 8123 and args.sync_fn.__name__ == "cmd_sandbox"
    assert build_parser().parse_args(["sandbox"]).port == 8000


# ---------------------------------------------------------------- the page and its API


async def test_the_page_and_its_scripts_are_served(page: Page) -> None:
    async with page.session.get(page.box.url) as r:
        assert r.status == 200
        assert "VWS sandbox" in await r.text()
    for name in ("app.js", "blockkit.js", "style.css"):
        async with page.session.get(page.box.url + f"static/{name}") as r:
            assert r.status == 200, name


def test_the_scripts_never_parse_workspace_text_as_html() -> None:
    for name in ("app.js", "blockkit.js"):
        source = (STATIC / name).read_text(encoding="utf-8")
        for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert risky not in source, f"{name} uses {risky}"


async def test_state_lists_people_and_what_each_one_sees(page: Page) -> None:
    status, body = await page.get("/api/state")
    assert status == 200
    assert [p["id"] for p in body["personas"]][:2] == ["U0REP1", "U0SEC1"]
    assert body["clock"]["date"] == "2026-11-23"
    assert body["bot"] == {"running": False, "problem": "The sandbox is running without the bot."}

    rep = await page.state("U0REP1")
    assert rep["me"]["role"] == "Workplace rep"
    assert [c["kind"] for c in rep["conversations"]] == ["im"]  # the app's Messages tab
    assert rep["home"] is None and rep["modal"] is None
    national = await page.state("U0NAT1")
    assert "national-union" in [c["name"] for c in national["conversations"]]

    status, body = await page.get("/api/state", user="U0NOBODY")
    assert status == 400 and "Pick someone" in body["error"]


async def test_bot_messages_with_blocks_reach_the_page_and_wake_the_long_poll(page: Page) -> None:
    since = (await page.state("U0REP1"))["revision"]
    waiting = asyncio.ensure_future(page.get("/api/changes", since=since, timeout=5))
    await asyncio.sleep(0.05)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Approval needed"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Oakfield* &amp; <@U0SEC1>"}},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": "vws:approve", "style": "primary", "text": {"type": "plain_text", "text": "Approve"}},
        ]},
    ]
    await client(page.box).chat_postMessage(channel="U0REP1", text="Approval needed", blocks=blocks)
    status, body = await waiting
    assert status == 200 and body["revision"] > since
    dm = (await page.state("U0REP1"))["conversations"][0]
    assert dm["messages"][-1]["blocks"][1]["text"]["text"] == "*Oakfield* &amp; <@U0SEC1>"
    assert dm["messages"][-1]["bot_id"]


async def test_long_poll_answers_at_its_timeout_when_nothing_changes(page: Page) -> None:
    since = (await page.state("U0REP1"))["revision"]
    status, body = await page.get("/api/changes", since=since, timeout=0.1)
    assert status == 200 and body["revision"] == since


async def test_stopping_the_sandbox_answers_a_pending_long_poll_at_once(tmp_path: Path) -> None:
    box = Sandbox(tmp_path, with_bot=False, start_at=MONDAY)
    await box.start()
    async with aiohttp.ClientSession() as session:
        page = Page(box, session)
        since = (await page.state("U0REP1"))["revision"]
        waiting = asyncio.ensure_future(page.get("/api/changes", since=since, timeout=25))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await box.stop()
        took = loop.time() - started
        status, body = await waiting
    assert took < 2.0, f"stop() took {took:.1f}s: it waited for the long poll"
    assert status == 200 and body == {"revision": since}


async def test_people_post_and_reply_in_threads(page: Page) -> None:
    box = page.box
    assert box.standin is not None
    channel = box.standin.add_channel("vws-test", members=["U0GMB1", "U0UTE1"], bot_is_member=False)
    status, body = await page.post("/api/message", {"user": "U0GMB1", "channel": channel, "text": "Hello <b>all</b>"})
    assert status == 200 and body["ok"]
    root = (await page.state("U0GMB1"))["conversations"][-1]["messages"][0]
    status, _ = await page.post("/api/message", {"user": "U0UTE1", "channel": channel, "text": "agree",
                                                 "thread_ts": root["ts"]})
    assert status == 200
    seen = next(c for c in (await page.state("U0UTE1"))["conversations"] if c["id"] == channel)
    assert [m["text"] for m in seen["messages"]] == ["Hello <b>all</b>"]
    assert [r["text"] for r in seen["messages"][0]["replies"]] == ["agree"]

    status, body = await page.post("/api/message", {"user": "U0REP1", "channel": channel, "text": "hi"})
    assert status == 400 and "not in that conversation" in body["error"]
    status, body = await page.post("/api/message", {"user": "U0GMB1", "channel": channel, "text": "  "})
    assert status == 400


async def test_what_needs_the_bot_says_so_when_it_is_not_running(page: Page) -> None:
    status, body = await page.post("/api/command", {"user": "U0REP1", "text": "/vws propose"})
    assert status == 503 and "without the bot" in body["error"]
    status, body = await page.post("/api/command", {"user": "U0REP1", "text": "/other"})
    assert status == 400
    status, body = await page.post("/api/close", {"user": "U0REP1"})
    assert status == 400 and "not on the person's screen" in body["error"]


async def test_the_clock_moves_by_steps_and_to_a_date(page: Page) -> None:
    status, body = await page.post("/api/clock", {"step": "week"})
    assert status == 200 and body["clock"]["date"] == "2026-11-30"
    assert body["note"] == "The bot is not running, so no reminders were sent."
    status, body = await page.post("/api/clock", {"to": "2027-01-04"})
    assert status == 200 and body["clock"]["label"].startswith("Monday 4 January 2027, 09:00")
    status, body = await page.post("/api/clock", {"to": "2026-12-01"})
    assert status == 400 and "forward" in body["error"]
    status, body = await page.post("/api/clock", {"step": "year"})
    assert status == 400
    status, body = await page.post("/api/clock", {"to": "tomorrow"})
    assert status == 400 and "YYYY-MM-DD" in body["error"]


async def test_a_clock_move_sweeps_at_nine_each_day_and_says_what_was_sent(page: Page) -> None:
    box = page.box
    swept: list[datetime] = []

    async def sweep(now: datetime) -> SweepReport:
        swept.append(now)
        sent = [Sent(1, "review", "x", now, ())] if len(swept) == 3 else []
        return SweepReport(found=len(sent), claimed=len(sent), sent=sent)

    box._sweeper = lambda: sweep  # type: ignore[method-assign]
    status, body = await page.post("/api/clock", {"step": "week"})
    assert status == 200, body
    local = [m.astimezone(LONDON) for m in swept]
    assert [m.date() for m in local] == [date(2026, 11, d) for d in range(24, 31)]
    assert {(m.hour, m.minute) for m in local} == {(9, 0)}
    assert body["sweeps"] == 7 and body["sent"] == 1
    assert body["message"] == "The sandbox clock is now Monday 30 November 2026, 09:00. 1 reminder was sent."


async def test_without_the_bot_a_clock_move_says_where_time_is_and_why_nothing_was_sent(page: Page) -> None:
    status, body = await page.post("/api/clock", {"to": "2026-11-28"})
    assert status == 200 and body["clock"]["date"] == "2026-11-30"
    assert body["message"].startswith("The sandbox clock is now Monday 30 November 2026, 09:00. ")
    assert "Saturday 28 November" in body["message"] and "Sunday 29 November" in body["message"]
    assert body["message"].endswith("The bot is not running, so no reminders were sent.")


async def test_state_is_kept_between_runs_and_reset_starts_afresh(tmp_path: Path) -> None:
    first = Sandbox(tmp_path, with_bot=False, start_at=MONDAY)
    await first.start()
    await client(first).chat_postMessage(channel="U0REP1", text="kept")
    await first.move_clock(step="day")
    await first.stop()
    assert first.db_path.exists() and first.state_path.exists()

    again = Sandbox(tmp_path, with_bot=False, start_at=MONDAY)
    await again.start()
    try:
        assert again.standin is not None
        assert [m["text"] for m in again.standin.dms_to("U0REP1")] == ["kept"]
        assert again.clock.local().date() == date(2026, 11, 24)
        later = await client(again).chat_postMessage(channel="U0REP1", text="later")
        assert float(later["ts"]) > float(again.standin.dms_to("U0REP1")[0]["ts"])
    finally:
        await again.stop()

    fresh = Sandbox(tmp_path, with_bot=False, start_at=MONDAY, reset=True)
    await fresh.start()
    try:
        assert fresh.standin is not None and fresh.standin.dms_to("U0REP1") == []
        assert fresh.clock.local().date() == date(2026, 11, 23)
    finally:
        await fresh.stop()


# ---------------------------------------------------------------- with the real bot


@pytest.fixture
async def with_bot(tmp_path: Path) -> AsyncIterator[Page]:
    box = Sandbox(tmp_path, start_at=MONDAY)
    await box.start()
    try:
        if not box.bot_running:
            pytest.fail(f"the bot did not start in the sandbox: {box.bot_problem}")
        async with aiohttp.ClientSession() as session:
            yield Page(box, session)
    finally:
        await box.stop()


async def eventually(page: Page, user: str, check: Any, within: float = 5.0) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        state = await page.state(user)
        if check(state):
            return state
        if loop.time() > deadline:
            raise AssertionError(f"not seen within {within}s")
        await page.get("/api/changes", since=state["revision"], timeout=0.5)


async def test_with_the_bot_a_command_opens_a_modal_and_field_errors_come_back(with_bot: Page) -> None:
    page = with_bot
    status, body = await page.post("/api/command", {"user": "U0REP1", "text": "/vws propose"})
    assert status == 200 and body["ok"], body
    state = await eventually(page, "U0REP1", lambda s: s["modal"] is not None)
    modal = state["modal"]
    name_block = next(b for b in modal["blocks"] if b.get("block_id") == "employer_name")
    values = {"employer_name": {name_block["element"]["action_id"]: {"type": "plain_text_input", "value": "  "}}}
    status, body = await page.post("/api/submit", {"user": "U0REP1", "view_id": modal["id"], "values": values})
    assert status == 200 and not body["ok"] and body["errors"], body
    assert (await page.state("U0REP1"))["modal"]["id"] == modal["id"]  # still open, with errors to fix
    status, body = await page.post("/api/close", {"user": "U0REP1", "view_id": modal["id"]})
    assert status == 200
    assert (await page.state("U0REP1"))["modal"] is None


async def test_with_the_bot_the_home_tab_is_published(with_bot: Page) -> None:
    status, body = await with_bot.post("/api/home", {"user": "U0SEC1"})
    assert status == 200 and body["ok"], body
    state = await eventually(with_bot, "U0SEC1", lambda s: s["home"] is not None)
    assert state["home"]["type"] == "home" and state["home"]["blocks"]


async def test_with_the_bot_a_clock_move_says_when_nothing_fell_due(with_bot: Page) -> None:
    status, body = await with_bot.post("/api/clock", {"step": "day"})
    assert status == 200 and body["sent"] == 0, body["message"]
    assert body["message"] == (
        "The sandbox clock is now Tuesday 24 November 2026, 09:00. Nothing fell due between "
        "Monday 23 November 2026, 09:30 and Tuesday 24 November 2026, 09:00, so no reminders were sent.")
