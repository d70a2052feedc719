"""The reminder clock: each nudge once, across repeated sweeps, outages, restarts and several clocks."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.clock import JOB_ID, LEASE, MAX_ATTEMPTS, remind_command, run_clock, sweep
from bot.delivery import Recorder
from bot.services import Services
from flows.engine import Engine
from flows.notices import Notice, ToPerson
from flows.signup.journey import Stage
from models.tables import Employer, LocalAssociation, Nudge, Person
from tests.conftest import PG_URL, REP, Clock
from tests.test_journey import PROPOSAL
from tests.test_reminders import joined_with, london, sweep_at, who

MONDAY = london(2026, 11, 23, 10, 0)  # the fixture clock's start: proposals are made then
TWO_WORKING_DAYS = london(2026, 11, 25, 10, 0)


async def propose_many(engine: Engine, n: int, first: int = 0) -> list[int]:
    ids = []
    for i in range(first, first + n):
        out = await engine.propose(REP, {**PROPOSAL, "employer_name": f"School {i}"})
        assert out.ok
        ids.append(out.employer_id or 0)
    return ids


def chased(notices: Sequence[Notice]) -> Counter[int]:
    """How many approval chases each employer's Secretary got."""
    return Counter(n.employer_id or 0 for n in notices if isinstance(n.to, ToPerson))


async def ledger(services: Services) -> Counter[str]:
    async with services.sessions() as s:
        return Counter(dict((await s.execute(select(Nudge.state, func.count()).group_by(Nudge.state))).all()))


class Dies(BaseException):
    """The process is killed: nothing after this point runs."""


class DiesAfter(Recorder):
    """A Deliverer on a process that is killed after delivering ``n`` nudges."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left = n

    async def deliver(self, notices: Sequence[Notice]) -> None:
        if self.left == 0:
            raise Dies
        self.left -= 1
        await super().deliver(notices)


class Broken(Recorder):
    """A Deliverer whose platform is down: every send fails."""

    async def deliver(self, notices: Sequence[Notice]) -> None:
        raise ConnectionError("platform unavailable")


def another_process(services: Services) -> Services:
    """A second process on the same database: its own engine and connection pool."""
    return Services.build(services.settings, clock=services.engine.clock)


# --------------------------------------------------------------------------- once, and only once


async def test_a_second_sweep_at_the_same_moment_sends_nothing(
    services: Services, engine: Engine, clock: Clock
) -> None:
    emps = await propose_many(engine, 3)
    clock.set(TWO_WORKING_DAYS)
    first, second = Recorder(), Recorder()
    await sweep(services, first, TWO_WORKING_DAYS)
    await sweep(services, second, TWO_WORKING_DAYS)
    await sweep(services, second, TWO_WORKING_DAYS + timedelta(hours=2))
    assert chased(first.notices) == {e: 1 for e in emps}
    assert second.notices == []
    assert await ledger(services) == {"sent": 3}


async def test_remind_command_prints_what_it_sends_and_a_second_run_sends_nothing(
    services: Services, engine: Engine, clock: Clock
) -> None:
    [emp] = await propose_many(engine, 1)
    clock.set(TWO_WORKING_DAYS + timedelta(minutes=5))  # the real clock has moved on a little
    dry = Recorder()
    lines = await remind_command(services, dry, TWO_WORKING_DAYS, dry_run=True)
    assert lines == [
        f"Would send approval reminder for employer:{emp}:r1:secretary (due Wed 25 Nov 2026 10:00):",
        "  to Sam Secretary: Still waiting for your decision: School 0",
    ]
    assert dry.notices == [] and await ledger(services) == {}
    rec = Recorder()
    lines = await remind_command(services, rec, TWO_WORKING_DAYS, dry_run=False)
    assert lines[0].startswith("Sent approval reminder") and chased(rec.notices) == {emp: 1}
    assert await remind_command(services, rec, TWO_WORKING_DAYS, dry_run=False) == [
        "Nothing to send at Wed 25 Nov 2026 10:00 (GMT)."
    ]
    assert await remind_command(services, rec, TWO_WORKING_DAYS, dry_run=True) == [
        "Nothing to send at Wed 25 Nov 2026 10:00 (GMT)."
    ]
    assert chased(rec.notices) == {emp: 1}


async def test_a_nudge_due_while_the_clock_was_down_goes_once_not_once_per_missed_week(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await joined_with(engine, "1 | Train the first aiders | <@U0REP1> | 31/03/2027\n")
    assert await sweep_at(services, clock, london(2027, 4, 6, 17)) != []  # 7 days before and due day
    # Down from the evening of 6 April (before the first overdue nudge) until 23 April: three
    # weekly nudges fell due meanwhile. Only the latest goes, once, when the clock is back.
    back = await sweep_at(services, clock, london(2027, 4, 23, 11, 30))
    assert sorted(who(n) for n in back) == ["Partner channel", "Rita Rep", "Sam Secretary"]
    assert {n.headline for n in back} >= {"Workplan action 1 for Oakfield Primary School: 3 weeks overdue"}
    assert await sweep_at(services, clock, london(2027, 4, 23, 11, 31)) == []
    assert sorted(who(n) for n in await sweep_at(services, clock, london(2027, 4, 28, 8))) == [
        "Partner channel",
        "Rita Rep",
        "Sam Secretary",
    ]


async def test_the_very_first_sweep_sends_only_the_latest_nudge_of_each_subject(
    services: Services, engine: Engine, clock: Clock
) -> None:
    [emp] = await propose_many(engine, 1)
    # The clock first starts eight working days after the proposal: the 2-day chase is long
    # past and superseded by the 5-day one, which goes alone.
    sent = await sweep_at(services, clock, london(2026, 12, 3, 10))
    assert sorted(who(n) for n in sent) == ["Rita Rep", "Sam Secretary", "U0DEP1"]
    assert {n.employer_id for n in sent} == {emp}


# --------------------------------------------------------------------------- crashes and failures


async def test_a_restart_in_the_middle_of_a_sweep_loses_nothing_and_repeats_nothing(
    services: Services, engine: Engine, clock: Clock
) -> None:
    emps = await propose_many(engine, 5)
    clock.set(TWO_WORKING_DAYS)
    dying = DiesAfter(2)
    with pytest.raises(Dies):  # claimed all five, delivered two, killed before sending the third
        await sweep(services, dying, TWO_WORKING_DAYS)
    assert await ledger(services) == {"sent": 2, "claimed": 3}

    restarted = another_process(services)
    try:
        rec = Recorder()
        clock.advance(minutes=1)  # the dead process's lease still runs: nothing is taken over yet
        await sweep(restarted, rec, clock())
        assert rec.notices == []
        clock.advance(seconds=LEASE.total_seconds())  # the lease has run out
        await sweep(restarted, rec, clock())
        await sweep(restarted, rec, clock() + timedelta(minutes=1))
    finally:
        await restarted.close()
    assert chased(dying.notices) + chased(rec.notices) == {e: 1 for e in emps}
    assert len(chased(rec.notices)) == 3
    assert await ledger(services) == {"sent": 5}


async def test_a_process_killed_straight_after_claiming_loses_nothing(
    services: Services, engine: Engine, clock: Clock
) -> None:
    emps = await propose_many(engine, 2)
    clock.set(TWO_WORKING_DAYS)
    with pytest.raises(Dies):
        await sweep(services, DiesAfter(0), TWO_WORKING_DAYS)
    clock.advance(minutes=30)
    rec = Recorder()
    await sweep(services, rec, clock())
    assert chased(rec.notices) == {e: 1 for e in emps}


async def test_a_failed_delivery_is_tried_again_after_the_lease_then_given_up(
    services: Services, engine: Engine, clock: Clock
) -> None:
    [emp] = await propose_many(engine, 1)
    clock.set(TWO_WORKING_DAYS)
    report = await sweep(services, Broken(), clock())
    assert report.failed == 1 and report.sent == []
    rec = Recorder()
    clock.advance(minutes=1)
    await sweep(services, rec, clock())
    assert rec.notices == []  # not before the lease runs out
    clock.advance(seconds=LEASE.total_seconds())
    await sweep(services, rec, clock())
    assert chased(rec.notices) == {emp: 1}

    await propose_many(engine, 1, first=1)  # a second one that never gets through
    clock.set(london(2026, 11, 27, 10, 30))
    for _ in range(MAX_ATTEMPTS + 2):
        await sweep(services, Broken(), clock())
        clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await ledger(services) == {"sent": 1, "failed": 1}


# --------------------------------------------------------------------------- the scheduler


class Notified(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.got = asyncio.Event()

    async def deliver(self, notices: Sequence[Notice]) -> None:
        await super().deliver(notices)
        self.got.set()


async def test_the_clock_runs_one_dispatcher_job_that_sweeps_at_once(
    services: Services, engine: Engine, clock: Clock
) -> None:
    [emp] = await propose_many(engine, 1)
    clock.set(TWO_WORKING_DAYS)
    rec = Notified()
    scheduler = await run_clock(services, rec, interval=3600)
    try:
        [job] = scheduler.get_jobs()
        assert (job.id, job.coalesce, job.max_instances) == (JOB_ID, True, 1)
        await asyncio.wait_for(rec.got.wait(), timeout=30)  # the first sweep runs when the clock starts
    finally:
        await scheduler.stop()
    assert not scheduler.running
    assert chased(rec.notices) == {emp: 1}


# --------------------------------------------------------------------------- several clocks


async def waiting_for_the_secretary(services: Services, n: int, since: datetime) -> list[int]:
    """``n`` proposals waiting for the Leeds Secretary since ``since``, written in bulk."""
    async with services.sessions() as s, s.begin():
        leeds = (
            await s.execute(select(LocalAssociation.id).where(LocalAssociation.name == "Leeds"))
        ).scalar_one()
        rep = (await s.execute(select(Person.id).where(Person.slack_id == "U0REP1"))).scalar_one()
        rows = [
            {
                "name": f"School {i}",
                "name_key": f"school {i}",
                "kind": "school",
                "association_id": leeds,
                "proposer_id": rep,
                "origin": "rep_identified",
                "case_for": "Staff wellbeing.",
                "stage": Stage.AWAITING_SECRETARY.value,
                "stage_since": since,
                "version": 1,
                "revision": 1,
                "cycle": 0,
                "created_at": since,
                "updated_at": since,
            }
            for i in range(n)
        ]
        await s.execute(insert(Employer), rows)
        return list((await s.execute(select(Employer.id))).scalars())


@pytest.mark.parametrize("n", [2000 if PG_URL else 300])
async def test_two_clocks_at_once_send_each_nudge_exactly_once(
    services: Services, clock: Clock, n: int
) -> None:
    """On PostgreSQL (VWS_TEST_DATABASE_URL) with 2,000 nudges; on SQLite, a smaller run of the same."""
    emps = await waiting_for_the_secretary(services, n, MONDAY)
    clock.set(TWO_WORKING_DAYS)
    other = another_process(services)
    try:
        a, b = Recorder(), Recorder()
        await asyncio.gather(sweep(services, a, clock()), sweep(other, b, clock()))
        await asyncio.gather(sweep(services, a, clock()), sweep(other, b, clock()))
    finally:
        await other.close()
    both = chased(a.notices) + chased(b.notices)
    assert both == {e: 1 for e in emps}
    assert await ledger(services) == {"sent": n}


async def test_a_dead_clocks_claim_superseded_by_a_later_nudge_is_not_sent(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await joined_with(engine, "1 | Train the first aiders | <@U0REP1> | 31/03/2027\n")
    await sweep_at(services, clock, london(2027, 3, 23, 17))
    clock.set(london(2027, 3, 24, 8))
    with pytest.raises(Dies):  # claims the 7-days-before nudge, then the whole system is down a week
        await sweep(services, DiesAfter(0), clock())
    back = await sweep_at(services, clock, london(2027, 3, 31, 9))
    assert sorted((who(n), n.headline) for n in back) == [
        ("Partner channel", "Workplan action 1 for Oakfield Primary School: due today"),
        ("Rita Rep", "Workplan action 1 for Oakfield Primary School: due today"),
    ]
    assert await ledger(services) == {"sent": 1, "skipped": 1}


async def test_a_claim_taken_over_after_hours_waits_for_the_morning(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await joined_with(engine, "1 | Train the first aiders | <@U0REP1> | 31/03/2027\n")
    await sweep_at(services, clock, london(2027, 3, 23, 17))
    clock.set(london(2027, 3, 24, 17, 58))  # back after a day's outage, and killed at once
    with pytest.raises(Dies):
        await sweep(services, DiesAfter(0), clock())
    assert await sweep_at(services, clock, london(2027, 3, 24, 18, 10)) == []  # lease gone, but after hours
    assert await sweep_at(services, clock, london(2027, 3, 25, 7, 59)) == []
    morning = await sweep_at(services, clock, london(2027, 3, 25, 8))
    assert sorted(who(n) for n in morning) == ["Partner channel", "Rita Rep"]
    assert await sweep_at(services, clock, london(2027, 3, 25, 9)) == []


# --------------------------------------------------------------------------- the command line


def vws(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``vws`` as a user runs it, with no chat platform configured (so nothing can reach a real one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "VWS_DIRECTORY"))}
    env |= {
        "DATABASE_URL": db_url,
        "VWS_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).parent.parent),
    }
    command = [sys.executable, "-m", "bot.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


async def test_vws_remind_sends_once_and_says_what_it_sent(
    services: Services, engine: Engine, tmp_path: Path
) -> None:
    [emp] = await propose_many(engine, 1)
    url = services.settings.database_url

    async def remind(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(vws, url, tmp_path, "remind", *args)

    dry = await remind("--now", "2026-11-25T10:00", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        f"Would send approval reminder for employer:{emp}:r1:secretary (due Wed 25 Nov 2026 10:00):",
        "  to Sam Secretary: Still waiting for your decision: School 0",
    ]
    sent = await remind("--now", "2026-11-25T10:00")
    assert sent.returncode == 0, sent.stderr
    assert f"Sent approval reminder for employer:{emp}:r1:secretary" in sent.stdout
    again = await remind("--now", "2026-11-25T10:00")
    assert again.stdout.strip() == "Nothing to send at Wed 25 Nov 2026 10:00 (GMT)."
    assert await ledger(services) == {"sent": 1}
    bad = await remind("--now", "next Tuesday")
    assert bad.returncode == 2 and "is not a date and time like 2027-03-16T08:00" in bad.stderr
