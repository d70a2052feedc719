"""Retention on the clock: the reminder clock applies the retention periods once a day (the first
tick of each day in the association's time zone), however often it ticks and however many
processes run it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from bot.clock import ReminderScheduler, daily_retention
from bot.delivery import Recorder
from bot.services import Services
from models.privacy import PrivacyAction
from models.tables import InboundEvent
from tests.conftest import Clock


async def _event(services: Services, event_id: str, at: datetime) -> None:
    async with services.sessions() as s, s.begin():
        await s.execute(insert(InboundEvent).values(platform="slack", event_id=event_id, received_at=at))


async def _kept(services: Services) -> list[str]:
    async with services.sessions() as s:
        return sorted((await s.execute(select(InboundEvent.event_id))).scalars())


async def _daily_runs(services: Services) -> int:
    async with services.sessions() as s:
        q = select(func.count()).select_from(PrivacyAction).where(PrivacyAction.action == "retention",
                                                                   PrivacyAction.table_name == "(daily sweep)")  # fmt: skip
        return int((await s.execute(q)).scalar_one())


async def test_advancing_the_clock_over_a_day_boundary_applies_retention_exactly_once(
    services: Services, clock: Clock
) -> None:
    scheduler = ReminderScheduler(services, Recorder(), interval=60)  # (not started: each tick by hand)
    # Handled events are kept 7 days: this one is 6 days 22 hours old on Monday at 10:00.
    await _event(services, "recent", datetime(2026, 11, 16, 12, 0, tzinfo=UTC))
    await scheduler.tick()  # Monday 23 November, 10:00: the day's first tick applies retention
    assert await _kept(services) == ["recent"] and await _daily_runs(services) == 1

    await _event(services, "old", datetime(2026, 11, 10, 12, 0, tzinfo=UTC))
    for hour in (11, 15, 23):  # later ticks the same day leave it alone
        clock.set(datetime(2026, 11, 23, hour, 30, tzinfo=UTC))
        await scheduler.tick()
    assert await _kept(services) == ["old", "recent"] and await _daily_runs(services) == 1

    clock.set(datetime(2026, 11, 24, 0, 1, tzinfo=UTC))  # past midnight in London: a new day
    await scheduler.tick()
    assert await _kept(services) == [] and await _daily_runs(services) == 2
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    await scheduler.tick()
    assert await _daily_runs(services) == 2


async def test_several_processes_apply_a_days_retention_once(services: Services, clock: Clock) -> None:
    other = Services.build(services.settings, clock=services.engine.clock)  # a second process, its own pool
    try:
        first = await asyncio.gather(daily_retention(services), daily_retention(other), daily_retention(services))
        assert sum(r is not None for r in first) == 1
        clock.advance(days=1)
        second = await asyncio.gather(daily_retention(other), daily_retention(services))
        assert sum(r is not None for r in second) == 1
    finally:
        await other.close()
    assert await _daily_runs(services) == 2
