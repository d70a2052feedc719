"""Data protection requests: the ICO's due date, extension within the first month, and the
admins nudged 7 days before and on the due date through the reminder clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.clock import sweep
from flows.privacy import requests
from flows.privacy.requests import RequestError, due_date
from models.tables import Person
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, start_world, stop_world, text_of
from tests.test_cli import vws


def test_due_one_calendar_month_later_or_the_months_last_day_then_the_next_working_day() -> None:
    assert due_date(date(2027, 1, 31)) == date(2027, 3, 1)  # no 31 February; 28 February 2027 is a Sunday
    assert date(2027, 3, 1).weekday() == 0
    assert due_date(date(2027, 9, 3)) == date(2027, 10, 4)  # Friday 3 Sep; 3 Oct is a Sunday
    assert due_date(date(2027, 10, 4)) == date(2027, 11, 4)  # the corresponding date, a Thursday
    assert due_date(date(2028, 1, 31)) == date(2028, 2, 29)  # a leap year's last day, a Tuesday
    assert due_date(date(2027, 11, 25)) == date(2027, 12, 29)  # 25 Dec Sat, 27/28 Dec substitute bank holidays


async def test_extension_by_two_months_only_within_the_first_month_and_with_a_reason(services) -> None:  # type: ignore[no-untyped-def]
    async with services.sessions() as s, s.begin():
        r = await requests.add(s, "access", None, date(2027, 1, 31))
        with pytest.raises(RequestError, match="--reason"):
            await requests.extend(s, r.id, "  ", date(2027, 2, 10))
        with pytest.raises(RequestError, match=r"within the first month \(by 2027-03-01\)"):
            await requests.extend(s, r.id, "several requests", date(2027, 3, 2))
        await requests.extend(s, r.id, "several requests", date(2027, 2, 10))
        assert r.extended_to == date(2027, 4, 30)  # 31 January + 3 months: 30 April 2027, a Friday
        with pytest.raises(RequestError, match="KIND"):
            await requests.add(s, "complaint", None, date(2027, 1, 31))
        await requests.close(s, r.id, date(2027, 4, 1))
        with pytest.raises(RequestError, match="already done"):
            await requests.close(s, r.id, date(2027, 4, 2))


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


def _nudges(world: SlackWorld) -> list[str]:
    return [text_of(m) for m in world.slack.dms_to("U0ADM1") if "Data protection request" in text_of(m)]


async def test_admins_are_nudged_seven_days_before_and_on_the_due_date(world: SlackWorld, clock: Clock) -> None:
    async with world.services.sessions() as s, s.begin():
        rita = (await s.execute(select(Person.id).where(Person.slack_id == "U0REP1"))).scalar_one()
        r = await requests.add(s, "access", rita, date(2027, 9, 3))  # due Monday 4 October 2027
    for at, expected in (
        (datetime(2027, 9, 26, 9, 0, tzinfo=UTC), 0),  # Sunday 26 Sep: 8 days before, nothing yet
        (datetime(2027, 9, 27, 9, 0, tzinfo=UTC), 1),  # Monday 27 Sep: 7 days before
        (datetime(2027, 9, 28, 9, 0, tzinfo=UTC), 1),  # once
        (datetime(2027, 10, 4, 9, 0, tzinfo=UTC), 2),  # on the day
        (datetime(2027, 10, 5, 9, 0, tzinfo=UTC), 2),
    ):
        clock.set(at)
        await sweep(world.services, world.bot.outbound, clock())
        await world.settle()
        assert len(_nudges(world)) == expected, at
    first, second = _nudges(world)
    assert f"Data protection request #{r.id} (access) is due in 7 days" in first
    assert "must be answered by 4 Oct 2027" in first
    assert f"Data protection request #{r.id} (access) is due today" in second
    assert "Rita" not in first + second and "U0REP1" not in first + second
    assert all("Data protection" not in text_of(m) for m in world.slack.dms_to("U0SEC1"))  # only the admins


async def test_a_closed_request_is_not_nudged(world: SlackWorld, clock: Clock) -> None:
    async with world.services.sessions() as s, s.begin():
        r = await requests.add(s, "erasure", None, date(2027, 9, 3))
        await requests.close(s, r.id, date(2027, 9, 10))
    clock.set(datetime(2027, 9, 27, 9, 0, tzinfo=UTC))
    await sweep(world.services, world.bot.outbound, clock())
    await world.settle()
    assert _nudges(world) == []


async def test_vws_requests_add_list_extend_close(db_url: str, services) -> None:  # type: ignore[no-untyped-def]
    added = vws(db_url, "requests", "add", "access", "U0REP1", "--received", "2027-01-31")
    assert added.returncode == 0, added.stderr
    assert "Recorded request #1 (access) from person #" in added.stdout and "due 1 Mar 2027" in added.stdout
    listed = vws(db_url, "requests")
    assert "#1" in listed.stdout and "access" in listed.stdout and "due 1 Mar 2027" in listed.stdout
    bad = vws(db_url, "requests", "add", "access", "U0REP1", "--received", "31/01/2027")
    assert bad.returncode != 0 and "--received: '31/01/2027' is not a date like 2027-01-31" in bad.stderr
    closed = vws(db_url, "requests", "close", "1")
    assert closed.returncode == 0 and "Request #1 closed (done)" in closed.stdout
    assert "No open data protection requests." in vws(db_url, "requests", "list").stdout
    again = vws(db_url, "requests", "extend", "1", "--reason", "complex")
    assert again.returncode == 1 and "ID: request #1 is already done" in again.stderr
