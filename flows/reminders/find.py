"""The sign-up journey's nudges that fell due in (since, now]: derived from the rows, reading only those that could
have one (date ranges in SQL), so a sweep's cost follows what is due, not the table."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from flows.calendar import (
    APPROVAL_CHASE_WORKING_DAYS,
    DEFAULT_HOURS,
    OVERDUE_INTERVAL_DAYS,
    PARTNER_CHASE_WORKING_DAYS,
    REVIEW_DAYS_BEFORE,
    WORKPLAN_DAYS_BEFORE,
    DueWindow,
    Nation,
    WorkingHours,
    approval_waiting_moments,
    partner_waiting_moment,
    review_due_window,
    workplan_due_window,
)
from flows.reminders.sources import DueNudge
from flows.reminders.subjects import (
    WAITING,
    NudgeKind,
    approval_subject,
    partner_subject,
    review_subject,
    workplan_subject,
)
from flows.signup.journey import IN_SCHEME, REVIEWABLE, Stage
from models.tables import ActionPlan, Employer, LocalAssociation, WorkplanAction

_CHUNK = 2000  # rows handed on at a time

# Two and five working days never span more than a month, even over Christmas and New Year.
_CHASE_SPAN = timedelta(days=31)

@lru_cache(maxsize=4096)
def _morning(hours: WorkingHours, nation: Nation, d: date) -> datetime:
    """When a nudge dated ``d`` goes out: that working morning, or the next one."""
    return hours.next_sending_moment(hours.local_morning(d), nation)


def _dated_between(
    since: datetime | None, now: datetime, nation: Nation, hours: WorkingHours
) -> tuple[date, date] | None:
    """The calendar dates whose nudges fall due in (since, now]: one interval, or None.

    A nudge dated on a weekend or bank holiday goes out on the next working morning, so this is
    usually today's date (at the first sweep after 08:00) plus any non-working days before it.
    """
    hi = now.astimezone(hours.tz).date()
    while _morning(hours, nation, hi) > now:
        hi -= timedelta(days=1)
    if since is None:
        return date(1970, 1, 1), hi
    # Deferral only moves a nudge later, by less than a month: scan up from well before ``since``.
    lo = since.astimezone(hours.tz).date() - timedelta(days=40)
    while lo <= hi and _morning(hours, nation, lo) <= since:
        lo += timedelta(days=1)
    return (lo, hi) if lo <= hi else None


def _weekday_sql(dialect: str) -> Callable[[Any], ColumnElement[int]]:
    """The day of the week of a date column, Sunday = 0, as both databases count it."""
    if dialect == "postgresql":
        return lambda col: cast(func.extract("dow", col), Integer)
    return lambda col: cast(func.strftime("%w", col), Integer)


def _sunday_first(d: date) -> int:
    return (d.weekday() + 1) % 7


def _dated_in(
    col: Any, days_before: tuple[int, ...], lo: date, hi: date, weekday: Callable[[Any], ColumnElement[int]]
) -> ColumnElement[bool]:
    """Rows of a due-date column with a nudge dated in [lo, hi]: ``days_before`` it, on it, or weekly after.

    A superset is fine (the exact moment is worked out in Python); what matters is that rows with
    no nudge in the interval, which is most of them, are never read.
    """
    day = timedelta(days=1)
    hits = [col.between(lo + b * day, hi + b * day) for b in days_before]
    hits.append(col.between(lo, hi))
    last_weekly = hi - OVERDUE_INTERVAL_DAYS * day
    span = (hi - lo).days + 1
    if span >= OVERDUE_INTERVAL_DAYS:
        hits.append(col <= last_weekly)
    else:
        days = sorted({_sunday_first(lo + i * day) for i in range(span)})
        hits.append(and_(col <= last_weekly, weekday(col).in_(days)))
    return and_(col <= hi + max(days_before, default=0) * day, or_(*hits))


async def find_signup(
    session: AsyncSession,
    now: datetime,
    since: datetime | None = None,
    hours: WorkingHours = DEFAULT_HOURS,
) -> AsyncIterator[DueNudge]:
    """The nudges that fell due after ``since`` and at or before ``now``: only the latest per subject.

    With ``since`` None (the very first sweep), the latest nudge due by ``now`` of every subject.
    Rows are read a chunk at a time; only those that could have a nudge in the interval are read,
    by one query per kind for every nation (the dates of all nations' intervals: a superset, each
    row's exact moment is worked out by its own nation's calendar).
    """
    weekday = _weekday_sql(session.get_bind().dialect.name)
    stored_nations = (await session.execute(select(LocalAssociation.nation).distinct())).scalars().all()
    nations: dict[str, _InNation] = {}
    for stored in stored_nations:
        nation = Nation.parse(stored)
        # Found outside working time (after an outage): it goes at the next working morning.
        send_at = None if hours.is_working_moment(now, nation) else hours.next_sending_moment(now, nation)
        nations[stored] = _InNation(nation, send_at, _dated_between(since, now, nation, hours))
    dated = {stored: n.dates for stored, n in nations.items() if n.dates is not None}
    if dated:
        lo, hi = min(d[0] for d in dated.values()), max(d[1] for d in dated.values())
        in_nations = and_(LocalAssociation.id == Employer.association_id, LocalAssociation.nation.in_(list(dated)))
        reviews = (
            select(ActionPlan.id, ActionPlan.review_on, LocalAssociation.nation)
            .join(Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle))
            .join(LocalAssociation, in_nations)
            .where(
                Employer.stage.in_([s.value for s in REVIEWABLE]),
                ActionPlan.status == "active",
                _dated_in(ActionPlan.review_on, REVIEW_DAYS_BEFORE, lo, hi, weekday),
            )
        )
        async for rows in _chunks(session, reviews, streamed=since is None):
            for plan_id, review_on, stored in rows:
                n = nations[stored]
                at = _latest_at(review_due_window, review_on, now, n.nation, hours)
                if due := _new(NudgeKind.REVIEW, review_subject(plan_id), at, since, now, n.send_at):
                    yield due
        actions = (
            select(WorkplanAction.id, WorkplanAction.by_date, LocalAssociation.nation)
            .join(ActionPlan, ActionPlan.id == WorkplanAction.plan_id)
            .join(Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle))
            .join(LocalAssociation, in_nations)
            .where(
                WorkplanAction.status == "open",
                ActionPlan.status == "active",
                Employer.stage.in_([s.value for s in IN_SCHEME]),
                _dated_in(WorkplanAction.by_date, WORKPLAN_DAYS_BEFORE, lo, hi, weekday),
            )
        )
        async for rows in _chunks(session, actions, streamed=since is None):
            for action_id, by_date, stored in rows:
                n = nations[stored]
                at = _latest_at(workplan_due_window, by_date, now, n.nation, hours)
                if due := _new(NudgeKind.WORKPLAN, workplan_subject(action_id), at, since, now, n.send_at):
                    yield due

    for stored, n in nations.items():
        # Waiting for a decision: chased from ``stage_since``, in working days.
        in_nation = and_(LocalAssociation.id == Employer.association_id, LocalAssociation.nation == stored)
        first_chase = timedelta(days=min(APPROVAL_CHASE_WORKING_DAYS[0], PARTNER_CHASE_WORKING_DAYS))
        waiting = (
            select(Employer.id, Employer.revision, Employer.stage, Employer.stage_since)
            .join(LocalAssociation, in_nation)
            .where(
                Employer.stage.in_([s.value for s in (*WAITING, Stage.PARTNER_CONSULTATION)]),
                Employer.stage_since <= now - first_chase,
            )
        )
        if since is not None:
            waiting = waiting.where(Employer.stage_since > since - _CHASE_SPAN)
        for emp_id, revision, stage, stage_since in (await session.execute(waiting)).all():
            if stage == Stage.PARTNER_CONSULTATION:
                at = partner_waiting_moment(stage_since, n.nation, hours)
                due = _new(NudgeKind.PARTNER, partner_subject(emp_id, revision), at, since, now, n.send_at)
            else:
                moments = [m.at for m in approval_waiting_moments(stage_since, n.nation, hours) if m.at <= now]
                at = moments[-1] if moments else None
                subject = approval_subject(emp_id, revision, Stage(stage))
                due = _new(NudgeKind.APPROVAL, subject, at, since, now, n.send_at)
            if due:
                yield due


async def _chunks(session: AsyncSession, q: Any, *, streamed: bool) -> AsyncIterator[Sequence[Any]]:
    """The rows of ``q``, a chunk at a time. A sweep after an earlier one reads what could be due
    whole (a few tens of thousands of rows at national size, and none that are not), so that
    PostgreSQL may plan it in parallel, which it never does for a cursor; the very first sweep
    (everything open could be due) streams it through a server-side cursor, so its memory stays flat."""
    if streamed:
        async for rows in (await session.stream(q.execution_options(yield_per=_CHUNK))).partitions():
            yield rows
    else:
        for rows in (await session.execute(q)).partitions(_CHUNK):
            yield rows


@dataclass
class _InNation:
    """What a sweep works out once for each nation: its calendar, when a nudge found now goes
    (None: at once), and the dates whose nudges fall due."""

    nation: Nation
    send_at: datetime | None
    dates: tuple[date, date] | None


@lru_cache(maxsize=4096)
def _latest_at(window: Callable[[date, datetime, Nation, WorkingHours], DueWindow], d: date, now: datetime,
               nation: Nation, hours: WorkingHours) -> datetime | None:  # fmt: skip
    """The moment of the latest nudge due at or before ``now`` for a row dated ``d`` (None if
    none yet), by a schedule's window: many rows share a date, so each is worked out once."""
    latest = window(d, now, nation, hours).latest
    return latest.at if latest else None


def _new(
    kind: NudgeKind,
    subject: str,
    at: datetime | None,
    since: datetime | None,
    now: datetime,
    send_at: datetime | None,
) -> DueNudge | None:
    """The nudge due ``at``, if that is in (since, now]; it goes at ``send_at`` if given."""
    if at is None or at > now or (since is not None and at <= since):
        return None
    return DueNudge(kind, subject, at, send_at or at)
