"""The partnerships' reminders on the reminder clock, in working time: an escalation not
acknowledged, an issue idle at its level, the meeting's agenda, remit reviews, and the
10-working-day close of a resolution nobody confirmed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import sweep
from bot.delivery import Recorder
from bot.outbox import OutboxSink
from bot.services import Services
from bot.settings import Settings
from flows.calendar import DEFAULT_HOURS, Nation
from flows.notices import Kind, Notice, ToPerson, ToSpace
from flows.partnership.journey import Stage
from models.partnership import PartnershipEvent
from models.tables import Nudge, OutboxItem
from tests.conftest import GMB, SEC, UNS, Clock
from tests.partnership_world import (
    ATTEMPT,
    PARTNERSHIP_DIRECTORY,
    REGIONAL,
    issue_row,
    raise_issue,
    to_regional,
)

LONDON = ZoneInfo("Europe/London")


def london(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
async def lsp(db_url: str, clock: Clock) -> AsyncIterator[Services]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    await svc.load_directory(PARTNERSHIP_DIRECTORY)
    yield svc
    await svc.close()


async def sweeps(svc: Services, clock: Clock, first: date, last: date, hours: range = range(8, 19)) -> list[tuple[datetime, Notice]]:
    """Sweep every hour of every day (weekends and holidays too); each notice with its moment."""
    out: list[tuple[datetime, Notice]] = []
    d = first
    while d <= last:
        for h in hours:
            at = datetime.combine(d, time(h), tzinfo=LONDON).astimezone(UTC)
            clock.set(at)
            rec = Recorder()
            await sweep(svc, rec, at)
            out += [(at, n) for n in rec.notices]
        d += timedelta(days=1)
    return out


def local_day(at: datetime) -> date:
    return at.astimezone(LONDON).date()


async def test_an_unacknowledged_escalation_nudges_once_at_3_and_once_at_5_working_days(lsp: Services, clock: Clock) -> None:
    clock.set(london(2026, 12, 23, 10))  # a Wednesday, just before Christmas
    issue = await to_regional(lsp.engine, GMB)
    sent = [(at, n) for at, n in await sweeps(lsp, clock, date(2026, 12, 23), date(2027, 1, 8))
            if "Waiting for the regional level to acknowledge" in n.headline]  # fmt: skip
    days = sorted({local_day(at) for at, _ in sent})
    # 3 working days: Thu 24, (Christmas, the Boxing Day holiday on Mon 28), Tue 29, Wed 30 December.
    # 5 working days: Thu 31 December, (New Year's Day, the weekend), Monday 4 January.
    assert days == [date(2026, 12, 30), date(2027, 1, 4)]
    for at, _ in sent:
        assert DEFAULT_HOURS.is_working_moment(at, Nation.ENGLAND)
    first = [n for at, n in sent if local_day(at) == date(2026, 12, 30)]
    assert [n.to.person.label for n in first if isinstance(n.to, ToPerson)] == ["Rowan Regional"]
    fifth = [n for at, n in sent if local_day(at) == date(2027, 1, 4)]
    assert sorted(n.to.person.label for n in fifth if isinstance(n.to, ToPerson)) == ["Rhys Deputy", "Rowan Regional"]
    assert any(isinstance(n.to, ToSpace) for n in fifth)  # the partnership hears it is still waiting
    assert all(n.kind is Kind.REMINDER for _, n in sent)
    labels = [b.label for b in first[0].buttons]
    assert labels == ["Acknowledge", "Refer back", "This is casework", "Snooze a week"]
    async with lsp.sessions() as s:
        ledger = list((await s.execute(select(Nudge).where(Nudge.kind == "lsp_ack"))).scalars())
    assert len(ledger) == 2 and {n.state for n in ledger} == {"sent"}
    assert (await issue_row(lsp.engine, issue)).stage == Stage.REGIONAL_ASKED


async def test_acknowledging_stops_the_acknowledgement_nudges(lsp: Services, clock: Clock) -> None:
    issue = await to_regional(lsp.engine, GMB)  # Monday 23 November
    assert (await lsp.engine.partnerships.acknowledge(REGIONAL, issue)).ok
    sent = await sweeps(lsp, clock, date(2026, 11, 23), date(2026, 12, 4), hours=range(12, 13))
    assert not [n for _, n in sent if "acknowledge" in n.headline]


async def test_an_issue_idle_at_its_level_is_nudged_after_10_working_days_then_weekly(lsp: Services, clock: Clock) -> None:
    issue = await raise_issue(lsp.engine, GMB)  # Monday 23 November 2026, 10:00
    sent = [(at, n) for at, n in await sweeps(lsp, clock, date(2026, 11, 23), date(2027, 1, 1), hours=range(12, 13))
            if "has had nothing done" in n.headline]  # fmt: skip
    assert [local_day(at) for at, _ in sent] == [date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21), date(2026, 12, 29)]
    assert all(isinstance(n.to, ToSpace) and n.to.thread == f"issue:{issue}" for _, n in sent)
    assert [b.label for b in sent[0][1].buttons] == ["Log attempt", "Resolved", "Escalate"]
    clock.set(london(2027, 1, 4, 11))
    assert (await lsp.engine.partnerships.log_attempt(UNS, issue, ATTEMPT)).ok  # activity: the clock starts again
    later = [at for at, n in await sweeps(lsp, clock, date(2027, 1, 4), date(2027, 1, 22), hours=range(12, 13))
             if "has had nothing done" in n.headline]  # fmt: skip
    assert [local_day(at) for at in later] == [date(2027, 1, 18)]


async def test_the_meeting_is_announced_5_working_days_before_with_the_open_local_issues(lsp: Services, clock: Clock) -> None:
    issue = await raise_issue(lsp.engine, GMB)
    sent = [(at, n) for at, n in await sweeps(lsp, clock, date(2026, 11, 24), date(2026, 12, 10), hours=range(9, 10))
            if "partnership meets on" in n.headline]  # fmt: skip
    [(at, notice)] = sent
    assert local_day(at) == date(2026, 12, 2)  # Wednesday 9 December, less 5 working days
    assert notice.headline == "Leeds partnership meets on Wednesday 9 Dec 2026"
    assert f"Issue #{issue}: Cover supervision beyond the agreed limit" in notice.as_plain()
    assert isinstance(notice.to, ToSpace) and notice.to.open_space


async def test_remit_reviews_are_nudged_30_and_7_days_before_and_on_the_day(lsp: Services, clock: Clock) -> None:
    out = await lsp.engine.partnerships.review(SEC, 1, "remit", {
        "remit": "Better communications\nFair play and rewards for support staff", "parties": ["NASUWT", "GMB"],
        "next_review": "2027-03-31",
    })  # fmt: skip
    assert out.ok, out.reply_text
    sent = [(at, n) for at, n in await sweeps(lsp, clock, date(2027, 2, 25), date(2027, 4, 10), hours=range(9, 10))
            if n.headline.startswith("Remit review")]  # fmt: skip
    assert [local_day(at) for at, _ in sent] == [date(2027, 3, 1), date(2027, 3, 24), date(2027, 3, 31)]
    assert [b.label for b in sent[0][1].buttons] == ["Record a remit review"]
    assert sent[-1][1].headline.endswith(": today")


async def test_a_resolution_nobody_confirms_closes_after_10_working_days_recorded_as_such(lsp: Services, clock: Clock) -> None:
    issue = await to_regional(lsp.engine, GMB)
    p = lsp.engine.partnerships
    assert (await p.acknowledge(REGIONAL, issue)).ok
    clock.set(london(2026, 12, 7, 10))
    assert (await p.resolve(REGIONAL, issue, "The LA will reissue its cover guidance.")).ok
    sent = await sweeps(lsp, clock, date(2026, 12, 7), date(2026, 12, 24), hours=range(12, 13))
    closed = [(at, n) for at, n in sent if "closed without a local confirmation" in n.headline]
    assert {local_day(at) for at, _ in closed} == {date(2026, 12, 21)}  # 10 working days after Monday 7 December
    row = await issue_row(lsp.engine, issue)
    assert row.stage == Stage.RESOLVED
    async with lsp.sessions() as s:
        last = (await s.execute(select(PartnershipEvent).where(PartnershipEvent.issue_id == issue)
                                .order_by(PartnershipEvent.id.desc()).limit(1))).scalar_one()  # fmt: skip
    assert (last.action, last.actor_id) == ("auto_close", None)


async def test_in_vws_serve_a_resolution_nobody_confirms_is_closed_and_said_through_the_outbox(
    lsp: Services, clock: Clock
) -> None:
    # As `vws serve`'s clock sweeps: into the outbox (a batch a transaction), not to a recorder.
    issue = await to_regional(lsp.engine, GMB)
    p = lsp.engine.partnerships
    assert (await p.acknowledge(REGIONAL, issue)).ok
    clock.set(london(2026, 12, 7, 10))
    assert (await p.resolve(REGIONAL, issue, "The LA will reissue its cover guidance.")).ok
    sink = OutboxSink(lsp.sessions, lsp.engine.now)
    d = date(2026, 12, 18)
    while d <= date(2026, 12, 22):
        at = datetime.combine(d, time(12), tzinfo=LONDON).astimezone(UTC)
        clock.set(at)
        await sweep(lsp, sink, at)
        d += timedelta(days=1)
    row = await issue_row(lsp.engine, issue)
    assert row.stage == Stage.RESOLVED  # closed on Monday 21 December, 10 working days on
    async with lsp.sessions() as s:
        last = (await s.execute(select(PartnershipEvent).where(PartnershipEvent.issue_id == issue)
                                .order_by(PartnershipEvent.id.desc()).limit(1))).scalar_one()  # fmt: skip
        assert (last.action, last.actor_id) == ("auto_close", None)
        nudge = (await s.execute(select(Nudge).where(Nudge.kind.like("%confirm%")))).scalar_one()
        said = (await s.execute(select(OutboxItem))).scalars().all()
    told = [i.notice["to"] for i in said if i.notice["headline"] == f"Issue #{issue} closed without a local confirmation"]
    assert [t.get("key") or t.get("l") for t in told] == ["partnership:1", "Rowan Regional"]  # the issue's thread, the level
    # What the close says went into the outbox with the close itself (kept even if the clock then
    # dies); the nudge had nothing else to say, so it is done.
    assert nudge.state == "sent"


async def test_a_protocol_review_is_due_a_year_on_and_nudged_30_and_7_days_before_and_on_the_day(lsp: Services, clock: Clock) -> None:
    clock.set(london(2027, 3, 10, 11))  # a Wednesday
    out = await lsp.engine.partnerships.review(SEC, 1, "protocol", {
        "focus_participation": "Every union and association in the area, the support staff unions included.",
        "ways_of_working": "Meet every six weeks; papers a week before.",
        "communication_dissemination": "A joint note to schools after each meeting.",
        "processes": "Issues go up the ladder only once options are exhausted.",
        "parties": ["NASUWT", "GMB", "UNISON", "local authority"],
    })  # fmt: skip
    assert out.ok, out.reply_text
    assert "10 Mar 2028" in out.notices[0].as_plain()  # yearly, as the partnership sets no other interval
    sent = [(at, n) for at, n in await sweeps(lsp, clock, date(2028, 2, 1), date(2028, 3, 20), hours=range(9, 10))
            if n.headline.startswith("Protocol review")]  # fmt: skip
    assert [local_day(at) for at, _ in sent] == [date(2028, 2, 9), date(2028, 3, 3), date(2028, 3, 10)]
    assert [b.label for b in sent[0][1].buttons] == ["Record a protocol review"]
    assert sent[-1][1].headline.endswith(": today")
