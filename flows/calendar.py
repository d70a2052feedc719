"""Working-time rules for the reminder clock: when a nudge may go out, and when each one falls due.

The bot must not nudge union reps and officers at weekends, on their nation's bank holidays, or
outside working hours (08:00 to 18:00 local time by default). Every due moment is defined as the
start of the working day (08:00 local) on a calendar date and, when that date is not a working day,
deferred to the next working morning. Moments are computed in local time and returned in UTC, so a
nudge due at 08:00 stays at 08:00 local on both sides of a clock change.

Everything here is pure (no I/O, no chat platform) and cheap: bank-holiday calendars are built once
per (nation, year), and the ``*_due_window`` functions answer "what is the latest moment due by now,
and what comes next" in constant time however long a review or action has been overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "APPROVAL_CHASE_WORKING_DAYS",
    "DEFAULT_HOURS",
    "DOCUMENT_REVIEW_DAYS_BEFORE",
    "ESCALATION_ACK_WORKING_DAYS",
    "ISSUE_IDLE_WORKING_DAYS",
    "MEETING_WORKING_DAYS_BEFORE",
    "OVERDUE_INTERVAL_DAYS",
    "PARTNER_CHASE_WORKING_DAYS",
    "RESOLUTION_CONFIRM_WORKING_DAYS",
    "REVIEW_DAYS_BEFORE",
    "WORKPLAN_DAYS_BEFORE",
    "WORKPLAN_SECRETARY_FROM_OVERDUE",
    "DueMoment",
    "DueWindow",
    "Nation",
    "WaitingMoment",
    "WorkingHours",
    "approval_waiting_moments",
    "copies_secretary",
    "document_review_moments",
    "escalation_waiting_moments",
    "idle_moment",
    "meeting_notice_moment",
    "partner_waiting_moment",
    "resolution_closes_at",
    "review_due_moments",
    "review_due_window",
    "waited_working_days",
    "workplan_due_moments",
    "workplan_due_window",
    "working_days_before",
]

REVIEW_DAYS_BEFORE: tuple[int, ...] = (30, 7)
"""Reviews are nudged this many days before the review date (then on the day, then weekly)."""

WORKPLAN_DAYS_BEFORE: tuple[int, ...] = (7,)
"""Workplan actions are nudged this many days before the by-date (then on the day, then weekly)."""

OVERDUE_INTERVAL_DAYS = 7
"""Gap between nudges once a review or workplan action is overdue."""

WORKPLAN_SECRETARY_FROM_OVERDUE = 3
"""From this overdue nudge on (the one after two overdue nudges have gone) the Secretary is copied."""

APPROVAL_CHASE_WORKING_DAYS: tuple[int, ...] = (2, 5)
"""An approval left waiting is chased after 2 working days (approver), then 5 (deputy; proposer told)."""

PARTNER_CHASE_WORKING_DAYS = 3
"""A partner union's agreement left waiting is chased after this many working days."""


class Nation(StrEnum):
    """The UK nation of a local association, which decides its bank holidays."""

    ENGLAND = "England"
    WALES = "Wales"
    SCOTLAND = "Scotland"
    NORTHERN_IRELAND = "Northern Ireland"

    @property
    def subdivision(self) -> str:
        """The ``holidays`` package's code for this nation's GB subdivision."""
        return _SUBDIVISIONS[self]

    @classmethod
    def parse(cls, value: str | Nation) -> Nation:
        """Read a nation from configuration or user input: any case, and common aliases.

        "England and Wales" reads as England (the two share a bank-holiday calendar); "NI",
        "N. Ireland", "Cymru", "Alba" and the ISO/``holidays`` codes (ENG, WLS, SCT, NIR) are accepted.
        """
        if isinstance(value, Nation):
            return value
        key = " ".join(value.lower().replace("&", " and ").replace(".", " ").replace("_", " ").split())
        try:
            return _ALIASES[key]
        except KeyError:
            known = ", ".join(n.value for n in cls)
            raise ValueError(f"unknown nation {value!r}: expected one of {known}") from None


_SUBDIVISIONS: dict[Nation, str] = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}

_ALIASES: dict[str, Nation] = {
    **{n.value.lower(): n for n in Nation},
    **{code.lower(): n for n, code in _SUBDIVISIONS.items()},
    **{f"gb-{code.lower()}": n for n, code in _SUBDIVISIONS.items()},
    "england and wales": Nation.ENGLAND,
    "e and w": Nation.ENGLAND,
    "eng": Nation.ENGLAND,
    "cymru": Nation.WALES,
    "sco": Nation.SCOTLAND,
    "alba": Nation.SCOTLAND,
    "ni": Nation.NORTHERN_IRELAND,
    "n ireland": Nation.NORTHERN_IRELAND,
    "n i": Nation.NORTHERN_IRELAND,
}


@lru_cache(maxsize=512)
def _bank_holidays(nation: Nation, year: int) -> frozenset[date]:
    """The nation's bank holidays (substitute days included) falling in ``year``; built once, then cached."""
    # Ask for the neighbouring years too, so a substitute day that crosses a year end is not missed.
    calendar = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[nation], years=(year - 1, year, year + 1))
    return frozenset(d for d in calendar if d.year == year)


def _require_aware(at: datetime, name: str = "at") -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {at.isoformat()})")


# A run of non-working days longer than this would mean a broken holiday calendar, not a real one.
_MAX_NON_WORKING_RUN = 31


@dataclass(frozen=True)
class WorkingHours:
    """When nudges may go out: working days between ``start`` (inclusive) and ``end`` (exclusive), local time.

    Datetimes passed in must be timezone-aware; datetimes returned are in UTC.
    """

    tz: ZoneInfo = ZoneInfo("Europe/London")
    start: time = time(8)
    end: time = time(18)

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"working hours must start before they end ({self.start} >= {self.end})")

    def is_working_day(self, d: date, nation: Nation) -> bool:
        """Whether ``d`` is a weekday that is not one of the nation's bank holidays."""
        return d.weekday() < 5 and d not in _bank_holidays(nation, d.year)

    def is_working_moment(self, at: datetime, nation: Nation) -> bool:
        """Whether a nudge may go out at ``at``: a working day, within working hours, local time."""
        _require_aware(at)
        local = at.astimezone(self.tz)
        return self.is_working_day(local.date(), nation) and self.start <= local.time() < self.end

    def next_working_day(self, d: date, nation: Nation) -> date:
        """The first working day strictly after ``d``."""
        for _ in range(_MAX_NON_WORKING_RUN):
            d += timedelta(days=1)
            if self.is_working_day(d, nation):
                return d
        raise RuntimeError(f"no working day within {_MAX_NON_WORKING_RUN} days after {d} for {nation}")

    def local_morning(self, d: date) -> datetime:
        """The start of working hours (08:00 by default) local time on ``d``, in UTC."""
        return datetime.combine(d, self.start, tzinfo=self.tz).astimezone(UTC)

    def next_sending_moment(self, at: datetime, nation: Nation) -> datetime:
        """``at`` itself if within working time, else the next working morning; in UTC.

        This is the one rule for deferring anything that falls due at a weekend, on a bank holiday,
        or out of hours.
        """
        _require_aware(at)
        local = at.astimezone(self.tz)
        d = local.date()
        if self.is_working_day(d, nation):
            if local.time() < self.start:
                return self.local_morning(d)
            if local.time() < self.end:
                return at.astimezone(UTC)
        return self.local_morning(self.next_working_day(d, nation))

    def add_working_days(self, at: datetime, n: int, nation: Nation) -> datetime:
        """The same local time of day, ``n`` working days later (weekends and bank holidays skipped); in UTC.

        Counting starts from ``at``'s local date whether or not that is a working day; use
        :func:`waited_working_days` to count only waiting that happens in working time.
        """
        _require_aware(at)
        if n < 0:
            raise ValueError(f"n must not be negative (got {n})")
        local = at.astimezone(self.tz)
        d = local.date()
        for _ in range(n):
            d = self.next_working_day(d, nation)
        return datetime.combine(d, local.time(), tzinfo=self.tz).astimezone(UTC)


DEFAULT_HOURS = WorkingHours()
"""Europe/London, 08:00 to 18:00."""


# --- Due moments: reviews and workplan actions -------------------------------------------------


class DueMoment(NamedTuple):
    """One nudge in a review's or workplan action's schedule.

    ``overdue`` is 0 for the nudges before and on the due date, then 1, 2, 3, ... for the weekly
    nudges while overdue. ``label`` is unique within a schedule, so it can record what was sent.
    """

    label: str
    at: datetime
    overdue: int


class DueWindow(NamedTuple):
    """The most recent nudge due at or before a moment (None if none yet) and the next one after it."""

    latest: DueMoment | None
    upcoming: DueMoment


def _overdue_label(k: int) -> str:
    return "1 week overdue" if k == 1 else f"{k} weeks overdue"


@dataclass(frozen=True, slots=True)
class _Schedule:
    """Nudges at ``days_before`` (descending), on ``due``, then every week after ``due``, for ever.

    Index ``i`` numbers the nudges in date order: the ones before, then on the day, then overdue.
    """

    due: date
    days_before: tuple[int, ...]

    def nominal(self, i: int) -> tuple[str, date, int]:
        """(label, calendar date before any deferral, overdue ordinal) of nudge ``i``."""
        m = len(self.days_before)
        if i < m:
            days = self.days_before[i]
            return f"{days} days before", self.due - timedelta(days=days), 0
        k = i - m
        if k == 0:
            return "on the day", self.due, 0
        return _overdue_label(k), self.due + timedelta(days=OVERDUE_INTERVAL_DAYS * k), k

    def last_index_on_or_before(self, d: date) -> int:
        """The last nudge whose calendar date is on or before ``d`` (-1 if none): O(1)."""
        m = len(self.days_before)
        if d >= self.due:
            return m + (d - self.due).days // OVERDUE_INTERVAL_DAYS
        i = -1
        for j, days in enumerate(self.days_before):
            if self.due - timedelta(days=days) <= d:
                i = j
        return i


@lru_cache(maxsize=8192)
def _deferred_morning(hours: WorkingHours, nation: Nation, d: date) -> datetime:
    """The working morning a nudge nominally due on ``d`` goes out at. Cached: a sweep shares dates."""
    return hours.next_sending_moment(hours.local_morning(d), nation)


def _moment(schedule: _Schedule, i: int, nation: Nation, hours: WorkingHours) -> DueMoment:
    label, d, overdue = schedule.nominal(i)
    return DueMoment(label, _deferred_morning(hours, nation, d), overdue)


def _moments_until(
    schedule: _Schedule, until: datetime, nation: Nation, hours: WorkingHours
) -> list[DueMoment]:
    _require_aware(until, "until")
    out: list[DueMoment] = []
    i = 0
    while (m := _moment(schedule, i, nation, hours)).at <= until:
        out.append(m)
        i += 1
    return out


def _window(schedule: _Schedule, now: datetime, nation: Nation, hours: WorkingHours) -> DueWindow:
    # Deferral only moves a nudge later and keeps the nudges in order, and any nudge dated after
    # today is still to come: so start from the last one dated on or before today and step back
    # past the few (usually none) that deferral has pushed beyond ``now``.
    _require_aware(now, "now")
    i = schedule.last_index_on_or_before(now.astimezone(hours.tz).date())
    upcoming = _moment(schedule, i + 1, nation, hours)
    while i >= 0:
        candidate = _moment(schedule, i, nation, hours)
        if candidate.at <= now:
            return DueWindow(candidate, upcoming)
        upcoming = candidate
        i -= 1
    return DueWindow(None, upcoming)


def review_due_moments(
    review_date: date, until: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> list[DueMoment]:
    """Every review nudge due at or before ``until``, in order.

    30 days before, 7 days before, on the review date, then weekly while overdue; each at the
    working morning of its date. For display and tests; a sweep wants :func:`review_due_window`.
    """
    return _moments_until(_Schedule(review_date, REVIEW_DAYS_BEFORE), until, nation, hours)


def review_due_window(
    review_date: date, now: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> DueWindow:
    """The latest review nudge due at or before ``now`` and the next one, in constant time."""
    return _window(_Schedule(review_date, REVIEW_DAYS_BEFORE), now, nation, hours)


def workplan_due_moments(
    by_date: date, until: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> list[DueMoment]:
    """Every nudge for a workplan action due at or before ``until``, in order.

    7 days before the by-date, on it, then weekly while the action is open; ``overdue`` numbers the
    weekly ones (see :func:`copies_secretary`). A sweep wants :func:`workplan_due_window`.
    """
    return _moments_until(_Schedule(by_date, WORKPLAN_DAYS_BEFORE), until, nation, hours)


def workplan_due_window(
    by_date: date, now: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> DueWindow:
    """The latest workplan-action nudge due at or before ``now`` and the next one, in constant time."""
    return _window(_Schedule(by_date, WORKPLAN_DAYS_BEFORE), now, nation, hours)


def copies_secretary(moment: DueMoment) -> bool:
    """Whether a workplan nudge also goes to the Local Association Secretary (3rd overdue nudge on)."""
    return moment.overdue >= WORKPLAN_SECRETARY_FROM_OVERDUE


# --- Waiting for someone: approvals and partner agreement --------------------------------------


class WaitingMoment(NamedTuple):
    """When something left waiting is chased: after ``working_days`` working days."""

    label: str
    at: datetime
    working_days: int


def waited_working_days(
    requested_at: datetime, n: int, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> datetime:
    """The moment something requested at ``requested_at`` has waited ``n`` working days; in UTC.

    The clock starts at the first working moment at or after the request, so a request made on a
    Saturday or at night waits as long as one made first thing on the next working morning.
    """
    start = hours.next_sending_moment(requested_at, nation)
    return hours.next_sending_moment(hours.add_working_days(start, n, nation), nation)


def approval_waiting_moments(
    requested_at: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> list[WaitingMoment]:
    """When an approval left waiting is chased: after 2 working days (approver), after 5 (deputy; proposer told)."""
    return [
        WaitingMoment(f"after {n} working days", waited_working_days(requested_at, n, nation, hours), n)
        for n in APPROVAL_CHASE_WORKING_DAYS
    ]


def partner_waiting_moment(
    requested_at: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> datetime:
    """When a partner union's agreement left waiting is chased: after 3 working days."""
    return waited_working_days(requested_at, PARTNER_CHASE_WORKING_DAYS, nation, hours)


# --- Local social partnerships: issues, escalations, meetings, remit and protocol reviews --------

ISSUE_IDLE_WORKING_DAYS = 10
"""An issue with nothing done at its level is nudged after this many working days, then weekly."""

ESCALATION_ACK_WORKING_DAYS: tuple[int, ...] = (3, 5)
"""An escalation not acknowledged is chased after 3 working days (the contacts), then 5 (the deputies)."""

RESOLUTION_CONFIRM_WORKING_DAYS = 10
"""A resolution agreed above local closes on its own when no local member confirms it in this time."""

MEETING_WORKING_DAYS_BEFORE = 5
"""The partnership's next meeting is announced (with the open local issues) this many working days before."""

DOCUMENT_REVIEW_DAYS_BEFORE: tuple[int, ...] = (30, 7, 0)
"""A remit or protocol review is nudged this many days before it is due (0: on the day)."""


def working_days_before(d: date, n: int, nation: Nation, hours: WorkingHours = DEFAULT_HOURS) -> date:
    """The working day ``n`` working days before ``d`` (weekends and the nation's bank holidays skipped)."""
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    for _ in range(n):
        for _ in range(_MAX_NON_WORKING_RUN):
            d -= timedelta(days=1)
            if hours.is_working_day(d, nation):
                break
        else:
            raise RuntimeError(f"no working day within {_MAX_NON_WORKING_RUN} days before {d} for {nation}")
    return d


def idle_moment(
    since: datetime, now: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> DueMoment | None:
    """The latest nudge due at or before ``now`` for something idle since ``since``: after
    :data:`ISSUE_IDLE_WORKING_DAYS` working days, then weekly (``overdue`` counts the weeks)."""
    _require_aware(now, "now")
    first = waited_working_days(since, ISSUE_IDLE_WORKING_DAYS, nation, hours)
    if first > now:
        return None
    local = first.astimezone(hours.tz)
    k = (now.astimezone(hours.tz).date() - local.date()).days // OVERDUE_INTERVAL_DAYS
    while k > 0:
        nominal = datetime.combine(local.date() + timedelta(days=OVERDUE_INTERVAL_DAYS * k), local.time(), tzinfo=hours.tz)
        at = hours.next_sending_moment(nominal.astimezone(UTC), nation)
        if at <= now:
            return DueMoment(_overdue_label(k), at, k)
        k -= 1
    return DueMoment(f"after {ISSUE_IDLE_WORKING_DAYS} working days", first, 0)


def escalation_waiting_moments(
    asked_at: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> list[WaitingMoment]:
    """When an escalation not acknowledged is chased: after 3 working days (the contacts), after 5 (deputies)."""
    return [
        WaitingMoment(f"after {n} working days", waited_working_days(asked_at, n, nation, hours), n)
        for n in ESCALATION_ACK_WORKING_DAYS
    ]


def resolution_closes_at(resolved_at: datetime, nation: Nation, hours: WorkingHours = DEFAULT_HOURS) -> datetime:
    """When a resolution agreed above local closes unconfirmed: 10 working days after it was posted down."""
    return waited_working_days(resolved_at, RESOLUTION_CONFIRM_WORKING_DAYS, nation, hours)


def meeting_notice_moment(meeting: date, nation: Nation, hours: WorkingHours = DEFAULT_HOURS) -> datetime:
    """The working morning, 5 working days before the meeting, when its agenda notice goes out."""
    return hours.local_morning(working_days_before(meeting, MEETING_WORKING_DAYS_BEFORE, nation, hours))


def document_review_moments(
    review_on: date, nation: Nation, hours: WorkingHours = DEFAULT_HOURS
) -> list[DueMoment]:
    """A remit or protocol review's nudges: 30 days before, 7 days before and on the day, each at the
    working morning of its date (or the next one)."""
    out = []
    for days in DOCUMENT_REVIEW_DAYS_BEFORE:
        label = "on the day" if days == 0 else f"{days} days before"
        out.append(DueMoment(label, _deferred_morning(hours, nation, review_on - timedelta(days=days)), 0))
    return out
