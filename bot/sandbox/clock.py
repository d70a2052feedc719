"""The sandbox's clock: real time plus an offset that only grows.

The engine, the stand-in's message timestamps and the reminder sweep all read it, so moving it
moves "now" for everything except request signing (bolt checks signatures against real time).

Every move (a day, a week, a month or to a date) lands at 09:00 local time on a working day:
weekends and the nation's bank holidays are skipped by ``flows.calendar``'s rules, so reminders,
which only go out in working hours, are not held back by a move made in the evening.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

import holidays

from flows.calendar import Nation, WorkingHours
from flows.wording import day as say_day

LANDING = clock_time(9, 0)
"""Where every move of the clock lands, local time: inside working hours (08:00 to 18:00)."""


class ClockError(ValueError):
    """A move the sandbox clock refuses (backwards, or too far)."""


def add_months(when: datetime, months: int) -> datetime:
    """The same day and time ``months`` later (the last day of the month when it is shorter)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    for day in (when.day, 30, 29, 28):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def label(when: datetime) -> str:
    """A moment as the page shows it: ``Monday 30 November 2026, 09:00``."""
    return f"{when:%A} {when.day} {when:%B %Y}, {when:%H:%M}"


def _day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


class Landing(NamedTuple):
    """Where a move lands (09:00 local on a working day) and, when that is not the day asked for, why."""

    at: datetime
    why: str | None


class SandboxClock:
    """Real time shifted by ``offset`` seconds; ``timestamp`` for the stand-in, ``now`` for the engine.

    ``nation`` decides which bank holidays a move skips (the directory's local association's).
    """

    def __init__(self, offset: float = 0.0, *, tz: ZoneInfo | None = None,
                 real: Callable[[], float] = time.time, nation: Nation = Nation.ENGLAND) -> None:
        self.offset = max(0.0, float(offset))
        self.tz = tz or ZoneInfo("Europe/London")
        self.nation = nation
        self._real = real

    @property
    def hours(self) -> WorkingHours:
        return WorkingHours(tz=self.tz)

    def timestamp(self) -> float:
        return self._real() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def local(self) -> datetime:
        return self.now().astimezone(self.tz)

    def move_to(self, when: datetime) -> None:
        """Jump forward to ``when`` (an aware datetime). Time never goes back."""
        delta = when.timestamp() - self.timestamp()
        if delta < 0:
            raise ClockError("The sandbox clock only moves forward.")
        self.offset += delta

    def target(self, *, step: str | None = None, to: date | None = None) -> datetime:
        """Where a move lands: see :meth:`landing`."""
        return self.landing(step=step, to=to).at

    def landing(self, *, step: str | None = None, to: date | None = None) -> Landing:
        """Where a move lands: ``step`` is day, week or month from today's date, ``to`` is a date;
        at 09:00 local time that day or, when it is not a working day, on the next working day."""
        here = self.local()
        if step == "day":
            asked = here.date() + timedelta(days=1)
        elif step == "week":
            asked = here.date() + timedelta(days=7)
        elif step == "month":
            asked = add_months(here, 1).date()
        elif to is not None:
            asked = to
        else:
            raise ClockError("Say how far to move the clock: a day, a week, a month or a date.")
        day = asked if self._working(asked) else self.hours.next_working_day(asked, self.nation)
        skipped = [asked + timedelta(days=n) for n in range((day - asked).days)]
        when = datetime.combine(day, LANDING, self.tz)
        if asked < here.date() or when <= here:
            raise ClockError(f"{say_day(asked)} is not in the sandbox's future; the clock only moves forward.")
        if when - here > timedelta(days=3 * 366):
            raise ClockError("Move the clock at most three years at a time.")
        return Landing(when, self._why(skipped) if skipped else None)

    def sweep_moments(self, target: datetime, limit: int) -> list[datetime]:
        """When the reminder sweep runs on the way to ``target``: 09:00 local on each day crossed, then
        ``target`` itself; at most ``limit`` moments."""
        here = self.local()
        d = here.date() if datetime.combine(here.date(), LANDING, self.tz) > here else here.date() + timedelta(days=1)
        moments: list[datetime] = []
        while (at := datetime.combine(d, LANDING, self.tz)) < target and len(moments) < limit - 1:
            moments.append(at)
            d += timedelta(days=1)
        moments.append(target)
        return moments

    def _working(self, d: date) -> bool:
        return self.hours.is_working_day(d, self.nation)

    def _why(self, skipped: Sequence[date]) -> str:
        names = holidays.country_holidays("GB", subdiv=self.nation.subdivision,
                                          years=sorted({d.year for d in skipped}))

        def reason(d: date) -> str:
            if d.weekday() >= 5:
                return "the weekend"
            name = str(names.get(d) or "")
            if name.endswith(" (observed)"):
                return f"a bank holiday in {self.nation} for {name.removesuffix(' (observed)')}"
            return f"{name}, a bank holiday in {self.nation}" if name else f"a bank holiday in {self.nation}"

        if len(skipped) == 1:
            d = skipped[0]
            return f"{_day(d)} is not a working day ({reason(d)}), so the clock went on to the next working day."
        days = [f"{_day(d)} ({reason(d)})" for d in skipped]
        listed = ", ".join(days[:-1]) + " and " + days[-1]
        return f"{listed} are not working days, so the clock went on to the next working day."


class _Report(Protocol):
    """What the sandbox reads from a sweep's report (``bot.clock.SweepReport``)."""

    found: int
    skipped: int
    deferred: int
    failed: int

    @property
    def sent(self) -> Sequence[object]: ...


@dataclass(frozen=True)
class SweepTotals:
    """What the sweeps of one move did: reminders sent, found due, no longer needed, still waiting."""

    sent: int = 0
    found: int = 0
    skipped: int = 0
    waiting: int = 0
    failed: int = 0

    @classmethod
    def of(cls, reports: Sequence[_Report]) -> SweepTotals:
        return cls(
            sent=sum(len(r.sent) for r in reports),
            found=sum(r.found for r in reports),
            skipped=sum(r.skipped for r in reports),
            waiting=reports[-1].deferred if reports else 0,  # put back by the last sweep: still to go
            failed=sum(r.failed for r in reports),
        )


def _reminders(n: int) -> str:
    return f"{n} reminder" if n == 1 else f"{n} reminders"


def _waits(n: int) -> str:
    if n == 1:
        return "waits for its local association's next working morning"
    return "wait for their local associations' next working morning"


def describe_move(before: datetime, after: datetime, why: str | None, totals: SweepTotals | None,
                  note: str | None) -> str:
    """The answer to a move, in plain English: where time is now, why it landed there, and what the
    reminder sweep sent or, when it sent nothing, why not. ``totals`` is None when no sweep ran
    (``note`` says why)."""
    parts = [f"The sandbox clock is now {label(after)}."]
    if why:
        parts.append(why)
    if totals is None:
        parts.append(note or "The reminder sweep did not run, so no reminders were sent.")
    elif totals.sent:
        sent = f"{_reminders(totals.sent)} {'was' if totals.sent == 1 else 'were'} sent"
        parts.append(f"{sent}; {totals.waiting} {_waits(totals.waiting)}." if totals.waiting else f"{sent}.")
    elif totals.waiting:
        parts.append(f"{_reminders(totals.waiting)} fell due but {_waits(totals.waiting)}"
                     " (it is outside working hours or a bank holiday there).")
    elif totals.failed:
        parts.append(f"{_reminders(totals.failed)} fell due but could not be delivered; "
                     "the sweep tries again at the next move of the clock.")
    elif totals.skipped:
        parts.append(f"{_reminders(totals.skipped)} fell due but {'was' if totals.skipped == 1 else 'were'} "
                     "no longer needed, so nothing was sent.")
    elif totals.found:
        parts.append(f"{_reminders(totals.found)} fell due; not sent yet.")
    else:
        parts.append(f"Nothing fell due between {label(before)} and {label(after)}, so no reminders were sent.")
    return " ".join(parts)
