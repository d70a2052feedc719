"""Where nudges come from: each process registers a source of them.

A :class:`Source` owns some kinds of nudge (the ``nudges`` ledger's ``kind``) and says, for
them: which fell due in (since, now] (``find``, reading only the rows that could have one), what
each says to whom now (``prepare``: still due? still the latest? who snoozed it?), and what a
snoozed one is about (``describe``). :func:`find_due` and :func:`prepare` go through every
source; the reminder clock (``bot.clock``) knows nothing of any process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import know_who_is_away
from flows.calendar import DEFAULT_HOURS, WorkingHours
from flows.core import keys as core_keys
from flows.core.unit import ADDRESSING
from flows.notices import Notice, Outcome
from models.tables import Snooze


@dataclass(frozen=True, slots=True)
class DueNudge:
    """A nudge that fell due: a ledger key, and when it may go out (``due_at``, or the next
    working morning when it was found outside working time)."""

    kind: str
    subject: str
    due_at: datetime
    send_at: datetime


@dataclass(frozen=True)
class Prepared:
    """What to do with one claimed nudge.

    ``notices`` to deliver; or nothing, with ``skip`` saying why (no longer due, superseded by a
    later one, everyone snoozed it); or ``defer_until`` when now is outside the association's
    working time. ``falls_due`` names an employer whose review date has come: the clock moves it
    to REVIEW_DUE (through the engine) before sending. ``act`` is any process's use case the
    clock runs first, through the engine (exactly once: its conditional update); what it returns
    is sent too, and when it is refused (someone acted in the meantime) nothing is sent.
    """

    notices: tuple[Notice, ...] = ()
    skip: str | None = None
    defer_until: datetime | None = None
    falls_due: int | None = None
    act: Callable[[Any], Awaitable[Outcome]] | None = None


Snoozes = set[tuple[int, str, str]]  # (person id, kind, subject) snoozed now
FindFn = Callable[[AsyncSession, datetime, "datetime | None", WorkingHours], AsyncIterator[DueNudge]]
PrepareFn = Callable[
    [AsyncSession, Sequence[tuple[str, str, datetime]], datetime, WorkingHours, Snoozes], Awaitable[list[Prepared]]
]
DescribeFn = Callable[[AsyncSession, str, str], Awaitable["tuple[str, int | None] | None"]]


@dataclass(frozen=True)
class Source:
    name: str
    kinds: frozenset[str]
    find: FindFn
    prepare: PrepareFn
    describe: DescribeFn  # (what it is about, in words; its case) for a snooze's answer
    shared_kinds: frozenset[str] = frozenset()  # kinds also posted in a shared space (a snooze leaves those)


SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    """Add a process's nudges (again is fine: the same name replaces itself)."""
    for other in SOURCES.values():
        if other.name != source.name and other.kinds & source.kinds:
            raise ValueError(f"nudge kinds {sorted(other.kinds & source.kinds)} belong to {other.name}")
    SOURCES[source.name] = source


def source_of(kind: str) -> Source | None:
    return next((s for s in SOURCES.values() if kind in s.kinds), None)


async def find_due(
    session: AsyncSession, now: datetime, since: datetime | None = None, hours: WorkingHours = DEFAULT_HOURS
) -> AsyncIterator[DueNudge]:
    """The nudges of every process that fell due after ``since`` and at or before ``now``."""
    for source in SOURCES.values():
        async for n in source.find(session, now, since, hours):
            yield n


async def prepare(
    session: AsyncSession,
    engine: Any,
    nudges: Iterable[tuple[str, str, datetime]],
    now: datetime,
    hours: WorkingHours = DEFAULT_HOURS,
) -> list[Prepared]:
    """What to send for each (kind, subject, due moment), in order: see :class:`Prepared`. Reads only.

    (``engine`` is kept for callers; each source builds its own notices.)"""
    keys = list(nudges)
    subjects = {subject for _, subject, _ in keys}
    snoozes: Snoozes = set()
    if subjects:
        snoozes = {
            (p, k, s)
            for p, k, s in (
                await session.execute(
                    select(Snooze.person_id, Snooze.kind, Snooze.subject).where(
                        Snooze.until > now, Snooze.subject.in_(subjects)
                    )
                )
            ).all()
        }
    out: list[Prepared | None] = [None] * len(keys)
    by_source: dict[str, list[int]] = {}
    for i, (kind, _, _) in enumerate(keys):
        source = source_of(kind)
        if source is None:
            out[i] = Prepared(skip="unknown kind or subject")
        else:
            by_source.setdefault(source.name, []).append(i)
    day = _Day(now.astimezone(hours.tz).date())
    await know_who_is_away(session, day.day)  # read once for the batch, not once per notice
    for name, positions in by_source.items():
        done = await SOURCES[name].prepare(session, [keys[i] for i in positions], now, hours, snoozes)
        for i, p in zip(positions, done, strict=True):
            if p.notices == () and p.skip is None and p.defer_until is None and p.act is None:
                p = Prepared(skip="nobody to tell: snoozed, or not in the directory")
            notices = list(p.notices)
            for readdress in ADDRESSING if notices else ():  # someone away: what needs them goes to who acts for them
                notices, _ = await readdress(session, day, notices)
            out[i] = replace(p, notices=tuple(_keyed(n, *keys[i]) for n in notices))
    return [p or Prepared(skip="unknown kind or subject") for p in out]


@dataclass(frozen=True)
class _Day:
    """The day a sweep runs on, as the notices' readdressing asks for it (``core.today()``)."""

    day: date

    def today(self) -> date:
        return self.day


def _keyed(n: Notice, kind: str, subject: str, due_at: datetime) -> Notice:
    """A reminder card with buttons is kept under its own key (the nudge, and where it went), so
    what finishes it can take them off (:mod:`flows.core.finished`)."""
    if not n.buttons or n.key is not None or n.replaces is not None or n.place is not None:
        return n
    return replace(n, key=core_keys.reminder(kind, subject, due_at, n.to, n.employer_id))
