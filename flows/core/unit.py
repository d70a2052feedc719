"""The unit of work every use case runs in: load, check the row, move with a conditional update,
append the audit event, and return what to say to whom.

A use case is ``async def use_case(core, ...) -> Outcome``. It runs its body with :func:`run`
(one transaction: a :class:`Refusal` rolls it back and becomes the person's answer) and takes its
steps with a process's :class:`Steps`:

    case = await steps.load(s, who, employer_id)            # the case and the person's roles on it
    got = await steps.check(s, row, case, rev=rev, inputs=inputs)  # who, stage, guards, needs, checks
    await steps.move(s, row, case, reasons=got.get("reasons"))      # WHERE stage = :seen, + audit
    return Outcome(ok=True, reply=..., notices=[...])

The move is ``UPDATE … WHERE id = :id AND stage = :seen AND revision = :rev``: the same click
twice, or two people at once on two processes, decide exactly once; the late one is told who
decided, what and when (:meth:`Steps.already`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Insert

from flows.core.outbox import HANDED, enqueue, reply_notice, reply_place
from flows.core.reach import joined, reach_lines
from flows.core.roles import Role
from flows.core.table import CaseLike, Need, Table, Transition
from flows.notices import Notice, Outcome, Place, Text, text
from flows.wording import say, say_str
from models.db import reading
from models.tables import Person

log = logging.getLogger(__name__)
T = TypeVar("T")
C = TypeVar("C", bound=CaseLike)


class Refusal(Exception):
    """Raised inside a use case to stop it: the transaction is rolled back, the person is told why."""

    def __init__(
        self, reply: Text | str, errors: dict[str, str] | None = None, employer_id: int | None = None
    ):
        self.outcome = Outcome(
            ok=False,
            reply=(reply,) if isinstance(reply, str) else reply,
            errors=errors or {},
            employer_id=employer_id,
        )
        super().__init__(self.outcome.reply_text)


def nothing_changed() -> str:
    return say_str("nothing_changed")


class Core(Protocol):
    """What use cases need of the engine: the database, the clock and the time zone."""

    sessions: async_sessionmaker[AsyncSession]
    tz: ZoneInfo

    def now(self) -> datetime: ...

    def today(self) -> date: ...

    def when(self, at: datetime) -> str: ...


async def run(core: Core, fn: Callable[[AsyncSession], Awaitable[Outcome]]) -> Outcome:
    """Run one use case in one transaction, and write its notices to the outbox in the same one
    (first the answer to the person who acted, when an adapter said where with
    :func:`flows.core.outbox.replying_in`). A Refusal rolls the change back; its answer is then
    written on its own, unless it is field errors, which the adapter shows on the form."""
    place = reply_place()
    people: list[Person] = []
    try:
        async with core.sessions() as s, s.begin():
            out = await fn(s)
            if out.ok and out.notices:
                for readdress in ADDRESSING:  # e.g. someone away: what needs them goes to who acts for them
                    out.notices, said = await readdress(s, core, list(out.notices))
                    if said:
                        out.reply = text(*out.reply, *said)
            await _to_outbox(core, s, out, place)
            if HANDED in s.info:  # the people read, to go with the notices handed over (as committed)
                people = [o for o in s.identity_map.values()
                          if isinstance(o, Person) and not sa_inspect(o).unloaded & _PERSON_COLUMNS]  # fmt: skip
            await _committing()
    except Refusal as r:
        out = r.outcome
        if place is None or out.errors or not getattr(core, "outbox", False):
            return out  # field errors are shown on the form itself, not sent
        async with core.sessions() as s, s.begin():
            await _to_outbox(core, s, out, place)
    handed = s.info.pop(HANDED, None)
    if handed:  # committed: they go now, with the people the use case read (their addresses)
        core.hand_off.take(handed, people)  # type: ignore[attr-defined]
    if out.queued or out.notices:
        committed = getattr(core, "after_commit", None)
        if committed is not None:
            committed()  # wake the delivery worker: the notices can go now
    return out


_PERSON_COLUMNS = frozenset(a.key for a in sa_inspect(Person).column_attrs)
"""A directory entry handed on with a use case's notices must have all of these loaded."""

Readdress = Callable[[AsyncSession, Any, list[Notice]], Awaitable[tuple[list[Notice], Text]]]
ADDRESSING: list[Readdress] = []
"""What every use case's notices pass through before the outbox, in its transaction: each may
send a notice elsewhere or add copies, and returns what to add to the answer to the person who
acted (``flows.away`` registers the one that sends what needs someone away to whoever acts for
them)."""


def readdress_with(fn: Readdress) -> None:
    """Add a pass over every use case's notices (again is fine: it is added once)."""
    if fn not in ADDRESSING:
        ADDRESSING.append(fn)


#: The adapter's deadline for deciding (see :func:`deciding_within`), while one runs.
_DEADLINE: ContextVar[asyncio.Timeout | None] = ContextVar("vws_deadline", default=None)


@asynccontextmanager
async def deciding_within(seconds: float) -> AsyncIterator[None]:
    """Bound how long a request waits for its records (a platform waits 3 s for its answer): a
    database that does not answer in time raises ``TimeoutError`` and nothing is recorded. Once a
    use case has decided and its transaction is being committed, the bound is lifted, so a slow
    commit finishes and is answered, never cut off halfway and reported as not recorded."""
    async with asyncio.timeout(seconds) as bound:
        token = _DEADLINE.set(bound)
        try:
            yield
        finally:
            _DEADLINE.reset(token)


def decided() -> None:
    """The decision is made: lift the deadline (if any) for the commit and what follows it."""
    bound = _DEADLINE.get()
    if bound is not None:
        bound.reschedule(None)


async def _committing() -> None:
    decided()


async def _to_outbox(core: Core, s: AsyncSession, out: Outcome, place: Place | None) -> None:
    """The notices, and first the answer to the person who acted. The answer names who of the
    notices' recipients the bot already knows it cannot reach (the platforms' ``reach``, read in
    this transaction), so that note is kept or lost with the decision itself."""
    reach = getattr(core, "reach", None)
    if reach is not None and out.ok and out.notices:
        out.missed, out.unsure = await reach(s, out.notices)
    if not getattr(core, "outbox", False):
        return
    notices = list(out.notices)
    if place is not None:
        reply = joined([out.reply, *reach_lines(out.missed)]) if out.missed else out.reply
        notices.insert(0, reply_notice(reply, place, out.employer_id, out.reply_buttons))
        out.queued = True
    await enqueue(s, notices, hand_off=getattr(core, "hand_off", None))


_SHARED: ContextVar[AsyncSession | None] = ContextVar("vws_shared_read", default=None)

MEMO = "vws_memo"
"""``session.info`` key of what one shared read has already looked up (see :func:`memo`)."""


async def read(core: Core, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run a read (takes no write lock on SQLite); inside :func:`one_read`, on its session."""
    shared = _SHARED.get()
    if shared is not None:
        return await fn(shared)
    async with reading(core.sessions) as s:
        return await fn(s)


@asynccontextmanager
async def one_read(core: Core) -> AsyncIterator[AsyncSession]:
    """One read session for several reads in turn (every process's part of a person's status):
    the reads inside run on it, and what they look up about the person is looked up once."""
    if _SHARED.get() is not None:
        yield _SHARED.get()  # type: ignore[misc]
        return
    async with reading(core.sessions) as s:
        s.info[MEMO] = {}
        token = _SHARED.set(s)
        try:
            yield s
        finally:
            _SHARED.reset(token)


async def memo(s: AsyncSession, key: Any, fn: Callable[[], Awaitable[T]]) -> T:
    """``fn()``, looked up once per :func:`one_read` (other sessions always call it: a session
    that writes must see its own writes)."""
    cache = s.info.get(MEMO)
    if cache is None:
        return await fn()
    if key not in cache:
        cache[key] = await fn()
    return cache[key]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Check(Generic[C]):
    """A condition on what was supplied, declared on a row: checked after the needs are read.

    ``field`` is the form field the problem is shown on; ``message`` says what is wrong."""

    name: str
    holds: Callable[[C, Mapping[str, Any]], bool]
    field: str
    message: Callable[[C, Mapping[str, Any]], str]


NeedReader = Callable[[Mapping[str, Any], Any], Any]
"""Reads one Need from a form's answers (and the case): the clean value, or raises Refusal."""


class Steps(Generic[C]):
    """The shared steps of one process: load a case, check a row of its table, move it, audit it.

    A process supplies its table, its case loader, its audit event and the readers of its
    needs; every use case of the process then takes the same steps in the same order.
    """

    table: Table
    needs: Mapping[Need, NeedReader] = {}
    checks: Mapping[str, tuple[Check[Any], ...]] = {}
    model: Any  # the mapped class of the process's cases (id, stage, revision, version, ...)

    def __init__(self, core: Core) -> None:
        self.core = core

    # -------------------------------------------------------------- to be supplied by a process

    async def load(self, s: AsyncSession, who: Any, subject: int) -> C:
        raise NotImplementedError

    async def already(self, s: AsyncSession, case: C, t: Transition, revision: int | None) -> Text:
        """Why ``t`` can't be taken now: usually who already decided, what and when."""
        raise NotImplementedError

    def stale_cycle(self, case: C, cycle: int) -> Text:
        """A click from a card about an earlier (or later) cycle: which one, and what stands now."""
        raise NotImplementedError

    def who_may(self, t: Transition, case: C) -> Text:
        """Who may take ``t`` on ``case``, for a refusal."""
        raise NotImplementedError

    def event(
        self, case: C, t: Transition, seen: str, target: str, reasons: str | None, payload: dict[str, Any]
    ) -> Any:
        raise NotImplementedError

    # -------------------------------------------------------------- the steps

    async def check(
        self,
        s: AsyncSession,
        t: Transition,
        case: C,
        *,
        rev: int | None = None,
        cycle: int | None = None,
        inputs: Mapping[str, Any] | None = None,
        guards: bool = True,
        needs: bool = True,
    ) -> dict[str, Any]:
        """Enforce the row: who, stage (and the version the click was made for), guards, then
        read what must be supplied and run the row's checks. Returns the needs, read.

        ``guards=False`` leaves the guards to :meth:`check_guards`, for a step that must take
        the case's lock before it can see whether they hold (one voice per union); ``needs=False``
        only asks whether the person may take the row now (before a form is opened)."""
        if not (case.roles & t.who):
            raise Refusal(text(*self.who_may(t, case), " ", nothing_changed()), employer_id=case.id)
        if cycle is not None and cycle != case.cycle:  # a button made for another cycle of the case
            raise Refusal(self.stale_cycle(case, cycle), employer_id=case.id)
        if not t.allows(case.stage) or (rev is not None and rev != case.revision):
            raise Refusal(await self.already(s, case, t, rev), employer_id=case.id)
        if guards:
            await self.check_guards(s, t, case)
        got: dict[str, Any] = {}
        if not needs:
            return got
        answers = inputs or {}
        for need in Need:
            if need in t.needs and need in self.needs:
                got[need.value] = self.needs[need](answers, case)
        for c in self.checks.get(t.action, ()):
            if not c.holds(case, got):
                msg = c.message(case, got)
                raise Refusal(f"{msg} {nothing_changed()}", {c.field: msg}, case.id)
        return got

    async def check_guards(self, s: AsyncSession, t: Transition, case: C) -> None:
        for g in t.guards:
            if not g.holds(case):
                why = g.refusal(case) if g.refusal else await self.already(s, case, t, None)
                raise Refusal(why, employer_id=case.id)

    async def move(
        self,
        s: AsyncSession,
        t: Transition,
        case: C,
        *,
        reasons: str | None = None,
        payload: dict[str, Any] | None = None,
        dest: str | None = None,
        values: dict[str, Any] | None = None,
        extra_where: Any = None,
    ) -> tuple[str, str]:
        """Apply ``t`` with a conditional UPDATE and append its audit event. Returns (from, to).
        ``values`` are further columns to set (plain values, bound as parameters).

        Raises Refusal saying who decided, what and when if the case is no longer where the
        person saw it (someone else, or the same click, got there first)."""
        m = self.model
        row = case_row(case)
        seen = str(case.stage)
        target = dest or t.dest or seen
        now = self.core.now()
        statement, changed = _move(m, target != seen, tuple(sorted(values or ())))
        if extra_where is not None:  # (a guard of its own: this once, the statement is built on)
            statement = statement.where(extra_where)
        params = {"m_id": case.id, "m_seen": seen, "m_revision": case.revision, "m_target": target, "m_now": now,
                  **{f"v_{k}": v for k, v in (values or {}).items()}}  # fmt: skip
        result = await s.execute(statement, params)  # what the move changed comes back with it (no second look)
        moved = result.first()
        if moved is None:
            await s.refresh(row)
            raise Refusal(await self.already(s, case, t, None), employer_id=case.id)
        for attr, value in zip(changed, moved, strict=True):
            set_committed_value(row, attr.key, value)
        event = self.event(case, t, seen, target, reasons.strip() if reasons else None, dict(payload or {}))
        await s.execute(_append(event.__class__), _set_on(event))  # appended now, as one row, not at a flush
        log.info("%s %s: %s (%s -> %s)", self.table.name, case.id, t.action, seen, target)
        return seen, target

    async def lock(self, s: AsyncSession, case: C, t: Transition, rev: int | None = None) -> None:
        """Take the case's row lock (an UPDATE guarded by stage and revision) without moving it,
        so that steps which read and then decide (one voice per union) are serialised."""
        m = self.model
        if not t.allows(case.stage) or (rev is not None and rev != case.revision):
            raise Refusal(await self.already(s, case, t, rev), employer_id=case.id)
        locked = await s.execute(
            update(m)
            .where(m.id == case.id, m.stage == str(case.stage), m.revision == case.revision)
            .values(version=m.version + 1)
            .execution_options(synchronize_session=False)
        )
        if locked.rowcount != 1:  # type: ignore[attr-defined]
            await s.refresh(case_row(case))
            raise Refusal(await self.already(s, case, t, rev), employer_id=case.id)


@functools.cache
def _move(model: Any, to_another_stage: bool, value_keys: tuple[str, ...]) -> tuple[Any, list[Any]]:
    """The conditional UPDATE of a move (guarded by stage and revision), setting also the columns
    ``value_keys`` names (each from its parameter ``v_<key>``), with what it changed coming back:
    built once per table and set of columns (building it, and its cache key, costs more than
    running it)."""
    vals: dict[str, Any] = {"stage": bindparam("m_target"), "version": model.version + 1, "updated_at": bindparam("m_now")}
    if to_another_stage:
        vals["stage_since"] = bindparam("m_now")
    vals.update({k: bindparam(f"v_{k}") for k in value_keys})
    changed = [a for a in sa_inspect(model).column_attrs if a.key in vals]
    statement = (
        update(model)
        .where(model.id == bindparam("m_id"), model.stage == bindparam("m_seen"), model.revision == bindparam("m_revision"))
        .values(**vals)
        .returning(*(a.class_attribute for a in changed))
        .execution_options(synchronize_session=False)
    )
    return statement, changed


@functools.cache
def _append(event_class: Any) -> Insert:
    """The audit trail's INSERT for one event (its table's, without the ORM's unit of work)."""
    return insert(sa_inspect(event_class).local_table)


def _set_on(event: Any) -> dict[str, Any]:
    """The columns set on a new event object (the rest take their defaults)."""
    given = vars(event)
    return {a.columns[0].key: given[a.key] for a in sa_inspect(type(event)).column_attrs if a.key in given}


def case_row(case: Any) -> Any:
    """The mapped row behind a loaded case (``case.row``)."""
    return case.row


def roles_named(names: dict[Role, str], who: frozenset[Role], **kw: Any) -> str:
    """"a or b" of the role names in ``who``, in the enum's order."""
    return " or ".join(names[r].format(**kw) for r in Role if r in who and r in names)


__all__ = [
    "Check",
    "Core",
    "NeedReader",
    "Refusal",
    "Steps",
    "nothing_changed",
    "read",
    "roles_named",
    "run",
    "say",
]
