"""The sandbox's clock: real time plus an offset that only grows.

The engine, the stand-in's message timestamps and the reminder sweep all read it, so moving it
moves "now" for everything except request signing (bolt checks signatures against real time).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo


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


class SandboxClock:
    """Real time shifted by ``offset`` seconds; ``timestamp`` for the stand-in, ``now`` for the engine."""

    def __init__(self, offset: float = 0.0, *, tz: ZoneInfo | None = None,
                 real: Callable[[], float] = time.time) -> None:
        self.offset = max(0.0, float(offset))
        self.tz = tz or ZoneInfo("Europe/London")
        self._real = real

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
        """Where a move lands: ``step`` is day, week or month; ``to`` is a date (09:00 local that day)."""
        here = self.local()
        if step == "day":
            return here + timedelta(days=1)
        if step == "week":
            return here + timedelta(days=7)
        if step == "month":
            return add_months(here, 1)
        if to is not None:
            when = datetime.combine(to, clock_time(9, 0), self.tz)
            if when <= here:
                raise ClockError(f"{to:%d %B %Y} is not in the sandbox's future; the clock only moves forward.")
            if when - here > timedelta(days=3 * 366):
                raise ClockError("Move the clock at most three years at a time.")
            return when
        raise ClockError("Say how far to move the clock: a day, a week, a month or a date.")
