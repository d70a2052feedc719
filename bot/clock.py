"""The reminder clock: finds the nudges that fell due, claims each once, and hands them to a Deliverer.

A sweep runs in three steps, each its own short transaction, and never sends from inside one:

1. **Discover.** Under the ``sweep_marks`` row's lock, ask :func:`flows.reminders.find.find_due` for the
   nudges that fell due since the last sweep and write them to the ``nudges`` ledger as ``due``
   (``INSERT … ON CONFLICT DO NOTHING``: the ledger is unique per (kind, subject, due moment)).
2. **Claim** a batch: ``due`` rows whose ``send_at`` has come, and ``claimed`` rows whose lease ran
   out (their clock died). On PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED``, so clocks running
   at once split the work; on SQLite the write lock taken at BEGIN does the same. The UPDATE that
   claims re-checks the row's state: a compare-and-set.
3. **Send.** After the claim commits: build the notices (:func:`flows.reminders.prepare.prepare`), hand
   them to the Deliverer, then mark the row ``sent`` if it is still ours.

A process that dies after claiming leaves ``claimed`` rows whose lease runs out; the next sweep
takes them over, so nothing is lost. What was sent is marked straight after, so nothing is
repeated, except for one that died between the Deliverer returning and the mark.

Once a day the clock also applies the retention periods (:func:`daily_retention`, what
``vws retention`` does): the first tick of each day in the bot's time zone, once whatever the
number of clocks (a ``sweep_marks`` row, locked while it runs, says which day was done).

Logs carry row ids and counts only: never names, chat IDs or message text.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Table, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import Deliverer, describe_recipient
from bot.outbox import OutboxSink
from bot.services import Services
from flows import reminders
from flows.calendar import WorkingHours
from flows.core.outbox import enqueue_nudges
from flows.engine import Engine
from flows.notices import Notice
from models.db import reading
from models.tables import Nudge, OutboxItem, SweepMark

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
"""How long a claim lasts before another clock may take it over (renewed while sending)."""
BATCH = 100
"""Nudges claimed at a time: small enough that several clocks share the work."""
MAX_ATTEMPTS = 5
"""A nudge whose sending failed this many times is marked ``failed`` and left alone."""
JOB_ID = "vws-reminders"
_MARK = "reminders"
RETENTION_MARK = "retention"
_INSERT_CHUNK = 500


@dataclass(frozen=True)
class Sent:
    """One nudge that went out (or, in a dry run, would have)."""

    nudge_id: int | None
    kind: str
    subject: str
    due_at: datetime
    notices: tuple[Notice, ...]


@dataclass
class SweepReport:
    found: int = 0  # nudges newly found due and written to the ledger
    claimed: int = 0
    sent: list[Sent] = field(default_factory=list)
    skipped: int = 0  # no longer due, superseded by a later nudge, or nobody left to tell
    deferred: int = 0  # claimed outside the association's working time: back to wait for the morning
    failed: int = 0  # the Deliverer raised; tried again when the lease runs out


def new_owner() -> str:
    """A name for one sweep's claims: host, process and a random part (no personal data)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def _hours(services: Services) -> WorkingHours:
    return WorkingHours(tz=services.engine.tz)


def _is_postgres(s: AsyncSession) -> bool:
    return s.get_bind().dialect.name == "postgresql"


# --------------------------------------------------------------------------- 1. discover


async def _swept_until(s: AsyncSession, *, lock: bool) -> datetime | None:
    if lock:
        insert = reminders.dialect_insert(s)
        await s.execute(insert(SweepMark).values(name=_MARK, swept_until=None).on_conflict_do_nothing())
    q = select(SweepMark.swept_until).where(SweepMark.name == _MARK)
    if lock and _is_postgres(s):
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one_or_none()


async def discover(services: Services, now: datetime, hours: WorkingHours | None = None) -> int:
    """Step 1 of a sweep: write the nudges due since the last sweep to the ledger, and move the mark to
    ``now``. Returns how many it found. Safe to run on several clocks at once."""
    hours = hours or _hours(services)
    async with services.sessions() as s, s.begin():
        since = await _swept_until(s, lock=True)
        if since is not None and now <= since:
            return 0
        found = [n async for n in reminders.find_due(s, now, since, hours)]
        found.sort(key=lambda n: (n.kind, n.subject, n.due_at))  # one lock order for every clock
        insert = reminders.dialect_insert(s)
        for i in range(0, len(found), _INSERT_CHUNK):
            rows = [
                {
                    "kind": str(n.kind),
                    "subject": n.subject,
                    "due_at": n.due_at,
                    "send_at": n.send_at,
                    "state": "due",
                    "attempts": 0,
                }
                for n in found[i : i + _INSERT_CHUNK]
            ]
            await s.execute(
                insert(Nudge)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["kind", "subject", "due_at"])
            )
        await s.execute(update(SweepMark).where(SweepMark.name == _MARK).values(swept_until=now))
    if found:
        log.info("reminders: %d nudges fell due", len(found))
    return len(found)


# --------------------------------------------------------------------------- 2. claim


def _claimable(now: datetime, lease_now: datetime) -> Any:
    return or_(
        and_(Nudge.state == "due", Nudge.send_at <= now),
        and_(Nudge.state == "claimed", Nudge.lease_until < lease_now),
    )


@dataclass(frozen=True)
class _Claim:
    id: int
    kind: str
    subject: str
    due_at: datetime
    attempts: int


async def _claim(services: Services, owner: str, now: datetime, lease_now: datetime) -> list[_Claim]:
    async with services.sessions() as s, s.begin():
        pick = select(Nudge.id).where(_claimable(now, lease_now)).order_by(Nudge.id).limit(BATCH)
        if _is_postgres(s):
            pick = pick.with_for_update(skip_locked=True)
        ids = list((await s.execute(pick)).scalars())
        if not ids:
            return []
        rows = await s.execute(
            update(Nudge)
            .where(Nudge.id.in_(ids), _claimable(now, lease_now))
            .values(
                state="claimed", claimed_by=owner, lease_until=lease_now + LEASE, attempts=Nudge.attempts + 1
            )
            .returning(Nudge.id, Nudge.kind, Nudge.subject, Nudge.due_at, Nudge.attempts)
            .execution_options(synchronize_session=False)
        )
        return sorted((_Claim(*r) for r in rows), key=lambda c: c.id)


async def _renew(services: Services, owner: str, ids: Sequence[int], lease_now: datetime) -> set[int]:
    """Extend our lease on ``ids``; returns those still ours."""
    async with services.sessions() as s, s.begin():
        rows = await s.execute(
            update(Nudge)
            .where(Nudge.id.in_(ids), Nudge.claimed_by == owner, Nudge.state == "claimed")
            .values(lease_until=lease_now + LEASE)
            .returning(Nudge.id)
            .execution_options(synchronize_session=False)
        )
        return set(rows.scalars())


async def _finish(services: Services, owner: str, nudge_id: int, **values: Any) -> bool:
    """Record what became of a claimed nudge, if it is still ours (compare-and-set)."""
    nudges = Nudge.__table__
    assert isinstance(nudges, Table)
    async with services.db.begin() as conn:
        result = await conn.execute(
            update(nudges)
            .where(nudges.c.id == nudge_id, nudges.c.claimed_by == owner, nudges.c.state == "claimed")
            .values(**values)
        )
        return bool(result.rowcount)


# --------------------------------------------------------------------------- 3. send


async def _queue_batch(
    services: Services,
    sink: OutboxSink,
    engine: Engine,
    owner: str,
    claims: list[_Claim],
    prepared: list[reminders.Prepared],
    report: SweepReport,
) -> None:
    """The batch's notices into the outbox and the ledger rows moved on, in one transaction: a
    nudge is ``queued`` until the outbox delivered all it said, then ``sent`` (at once, when it
    had nothing to say)."""
    prepared = list(prepared)
    said_by_act: dict[int, tuple[Notice, ...]] = {}  # what each nudge's use case said (for the report)
    acting = None
    for i, p in enumerate(prepared):
        if p.defer_until is not None or p.skip is not None:
            continue
        if p.falls_due is not None:
            await engine.review_falls_due(p.falls_due)  # exactly once: the engine's conditional update
        if p.act is not None:  # a use case of a process (exactly once: its conditional update)
            if acting is None:  # its notices go into the outbox in its own transaction, with the change
                acting = Engine(services.sessions, clock=engine.clock, tz=engine.tz)
                acting.after_commit = sink.wake
            acted = await p.act(acting)
            said_by_act[claims[i].id] = tuple(acted.notices)
            prepared[i] = replace(p, act=None) if acted.ok else replace(p, skip="someone acted first", act=None)
    queued = [(c, p) for c, p in zip(claims, prepared, strict=True) if p.defer_until is None and p.skip is None]
    skipped = [(c, p) for c, p in zip(claims, prepared, strict=True) if p.defer_until is None and p.skip is not None]
    deferred = [(c, p) for c, p in zip(claims, prepared, strict=True) if p.defer_until is not None]
    ours = (Nudge.claimed_by == owner, Nudge.state == "claimed")

    async def moved(ids: list[int], **values: Any) -> set[int]:
        """Move those of ``ids`` still ours (one statement); the ids moved."""
        if not ids:
            return set()
        done = await s.execute(update(Nudge).where(Nudge.id.in_(ids), *ours).values(**values).returning(Nudge.id)
                               .execution_options(synchronize_session=False))  # fmt: skip
        return set(done.scalars())

    async with services.sessions() as s, s.begin():
        mine = await moved([c.id for c, _ in queued], state="queued", lease_until=None)
        mine |= await moved([c.id for c, _ in skipped], state="skipped", lease_until=None)
        for c, p in deferred:  # (few: each has its own moment)
            mine |= await moved([c.id], state="due", send_at=p.defer_until, lease_until=None)
        for claim in claims:
            if claim.id not in mine:
                log.warning("reminders: nudge %d was taken over by another clock; not sending", claim.id)
        report.deferred += sum(1 for c, _ in deferred if c.id in mine)
        for c, p in skipped:
            if c.id in mine:
                report.skipped += 1
                log.info("reminders: nudge %d skipped (%s)", c.id, p.skip)
        sending = [(c, p) for c, p in queued if c.id in mine]
        await enqueue_nudges(s, [(c.id, p.notices) for c, p in sending])  # one insert for the batch
        if sending:  # a nudge none of whose notices could go anywhere has nothing left to wait for
            said = exists().where(OutboxItem.nudge_id == Nudge.id)
            await s.execute(update(Nudge).where(Nudge.id.in_([c.id for c, _ in sending]), Nudge.state == "queued", ~said)
                            .values(state="sent", sent_at=services.engine.now()).execution_options(synchronize_session=False))  # fmt: skip
        report.sent += [Sent(c.id, c.kind, c.subject, c.due_at, (*p.notices, *said_by_act.get(c.id, ())))
                        for c, p in sending]  # fmt: skip
    sink.wake()


async def _send_batch(
    services: Services,
    deliverer: Deliverer,
    engine: Engine,
    hours: WorkingHours,
    owner: str,
    now: datetime,
    claims: list[_Claim],
    report: SweepReport,
) -> None:
    async with reading(services.sessions) as s:
        prepared = await reminders.prepare(
            s, engine, [(c.kind, c.subject, c.due_at) for c in claims], now, hours
        )
    if isinstance(deliverer, OutboxSink):
        await _queue_batch(services, deliverer, engine, owner, claims, prepared, report)
        return
    lease_deadline = services.engine.now() + LEASE
    pending = [c.id for c in claims]
    for claim, p in zip(claims, prepared, strict=True):
        pending.remove(claim.id)
        if p.defer_until is not None:
            await _finish(services, owner, claim.id, state="due", send_at=p.defer_until, lease_until=None)
            report.deferred += 1
            continue
        if p.skip is not None:
            await _finish(services, owner, claim.id, state="skipped", lease_until=None)
            log.info("reminders: nudge %d skipped (%s)", claim.id, p.skip)
            report.skipped += 1
            continue
        if services.engine.now() + LEASE / 2 > lease_deadline:  # sending is slow: keep the rest ours
            mine = await _renew(services, owner, [claim.id, *pending], services.engine.now())
            lease_deadline = services.engine.now() + LEASE
            if claim.id not in mine:
                log.warning("reminders: nudge %d was taken over by another clock; not sending", claim.id)
                continue
        if p.falls_due is not None:
            await engine.review_falls_due(p.falls_due)  # exactly once: the engine's conditional update
        notices = p.notices
        if p.act is not None:  # a use case of a process, through the engine (exactly once)
            acted = await p.act(engine)
            if not acted.ok:  # someone acted first: nothing to say
                await _finish(services, owner, claim.id, state="skipped", lease_until=None)
                report.skipped += 1
                continue
            notices = (*notices, *acted.notices)
        try:
            await deliverer.deliver(notices)
        except Exception as exc:  # the Deliverer should not raise; if it does, try again later
            report.failed += 1
            if claim.attempts >= MAX_ATTEMPTS:
                await _finish(services, owner, claim.id, state="failed", lease_until=None)
                log.error(
                    "reminders: nudge %d failed %d times (%s); giving up",
                    claim.id,
                    claim.attempts,
                    type(exc).__name__,
                )
            else:
                log.warning(
                    "reminders: nudge %d not delivered (%s); retried after its lease",
                    claim.id,
                    type(exc).__name__,
                )
            continue
        if not await _finish(
            services, owner, claim.id, state="sent", sent_at=services.engine.now(), lease_until=None
        ):
            log.warning("reminders: nudge %d was delivered after its lease ran out", claim.id)
        report.sent.append(Sent(claim.id, claim.kind, claim.subject, claim.due_at, notices))


# --------------------------------------------------------------------------- the sweep


async def sweep(
    services: Services,
    deliverer: Deliverer,
    now: datetime | None = None,
    *,
    owner: str | None = None,
) -> SweepReport:
    """One sweep, as if it were ``now`` (default: the services' clock): send every nudge due, once.

    Leases are timed by the services' clock, so a sweep "as if" another moment cannot take over a
    claim that a running clock still holds.
    """
    now = (now or services.engine.now()).astimezone(UTC)
    owner = owner or new_owner()
    hours = _hours(services)
    # The review transition and the notices' wording take "today" from the sweep's moment. Its
    # notices are the reminder's own, so the transition itself writes none to the outbox.
    engine = Engine(services.sessions, clock=lambda: now, tz=services.engine.tz, outbox=False)
    report = SweepReport(found=await discover(services, now, hours))
    seen: set[int] = set()
    while claims := [
        c for c in await _claim(services, owner, now, services.engine.now()) if c.id not in seen
    ]:
        seen.update(c.id for c in claims)  # a row put back this sweep (deferred) waits for the next
        report.claimed += len(claims)
        await _send_batch(services, deliverer, engine, hours, owner, now, claims, report)
    if report.claimed:
        log.info(
            "reminders: %d claimed, %d sent, %d skipped, %d deferred, %d failed",
            report.claimed,
            len(report.sent),
            report.skipped,
            report.deferred,
            report.failed,
        )
    return report


async def preview(services: Services, now: datetime | None = None) -> list[Sent]:
    """What a sweep at ``now`` would send, changing nothing (no ledger rows, no transitions)."""
    now = (now or services.engine.now()).astimezone(UTC)
    hours = _hours(services)
    engine = Engine(services.sessions, clock=lambda: now, tz=services.engine.tz)
    async with reading(services.sessions, snapshot=True) as s:  # (the first sweep ever streams its find)
        since = await _swept_until(s, lock=False)
        keys: dict[tuple[str, str, datetime], int | None] = {}
        if since is None or now > since:
            async for n in reminders.find_due(s, now, since, hours):
                if n.send_at <= now:
                    keys[(str(n.kind), n.subject, n.due_at)] = None
        waiting = await s.execute(
            select(Nudge.id, Nudge.kind, Nudge.subject, Nudge.due_at)
            .where(_claimable(now, services.engine.now()))
            .order_by(Nudge.id)
        )
        for nudge_id, kind, subject, due_at in waiting:
            keys[(kind, subject, due_at)] = nudge_id
        prepared = await reminders.prepare(s, engine, keys, now, hours)
    return [
        Sent(nudge_id, kind, subject, due_at, p.notices)
        for ((kind, subject, due_at), nudge_id), p in zip(keys.items(), prepared, strict=True)
        if p.notices
    ]


def describe(sent: Sequence[Sent], tz: Any, *, verb: str) -> list[str]:
    """Plain lines for the CLI: each nudge, then who gets which message."""
    lines: list[str] = []
    for n in sent:
        due = n.due_at.astimezone(tz)
        lines.append(f"{verb} {n.kind} reminder for {n.subject} (due {due:%a} {due.day} {due:%b %Y %H:%M}):")
        lines += [f"  {describe_recipient(x)}: {x.headline}" for x in n.notices]
    return lines


async def remind_command(
    services: Services, deliverer: Deliverer, now: datetime | None, dry_run: bool
) -> list[str]:
    """``vws remind [--now ISO-DATETIME] [--dry-run]``: one sweep as if it were ``now``; what it sent.

    A second run for the same moment sends nothing: the ledger already has every nudge it found.
    """
    at = (now or services.engine.now()).astimezone(UTC)
    local = at.astimezone(services.engine.tz)
    if dry_run:
        sent = await preview(services, at)
        verb = "Would send"
    else:
        sent = (await sweep(services, deliverer, at)).sent
        verb = "Sent"
    if not sent:
        return [f"Nothing to send at {local:%a} {local.day} {local:%b %Y %H:%M} ({local.tzname()})."]
    return describe(sent, services.engine.tz, verb=verb)


# --------------------------------------------------------------------------- retention, daily


async def daily_retention(services: Services, now: datetime | None = None) -> dict[str, int] | None:
    """Apply the retention periods (:func:`flows.privacy.retention.apply`) if nobody has today,
    as of ``now`` (default: the services' clock); returns what it changed, or None when today's
    was done already (or another process is doing it now).

    In one transaction, under the ``retention`` mark's row lock: the day is marked done with what
    it did, so two clocks never apply it twice, and a failure leaves the day to the next tick. On
    PostgreSQL a clock that finds the row locked skips (``SKIP LOCKED``); on SQLite the write lock
    taken at BEGIN serialises them."""
    from flows.privacy.retention import apply
    from models.privacy import PrivacyAction

    now = (now or services.engine.now()).astimezone(UTC)
    tz = services.engine.tz
    today = now.astimezone(tz).date()
    async with services.sessions() as s, s.begin():
        insert = reminders.dialect_insert(s)
        await s.execute(insert(SweepMark).values(name=RETENTION_MARK, swept_until=None).on_conflict_do_nothing())
        q = select(SweepMark.swept_until).where(SweepMark.name == RETENTION_MARK)
        if _is_postgres(s):
            q = q.with_for_update(skip_locked=True)
        found = (await s.execute(q)).first()
        if found is None:  # another clock holds it: it is applying today's
            return None
        last: datetime | None = found[0]
        if last is not None and (last if last.tzinfo else last.replace(tzinfo=UTC)).astimezone(tz).date() >= today:
            return None
        counts = await apply(s, services.settings, now)
        await s.execute(update(SweepMark).where(SweepMark.name == RETENTION_MARK).values(swept_until=now))
        s.add(PrivacyAction(at=now, action="retention", table_name="(daily sweep)", rows=sum(counts.values())))
    log.info("retention: the day's sweep changed %d rows", sum(counts.values()))
    return counts


# --------------------------------------------------------------------------- the scheduler


class ReminderScheduler(AsyncIOScheduler):
    """APScheduler's AsyncIOScheduler with one dispatcher job: a sweep every ``interval`` seconds
    (and, on the first tick of each day, the retention periods applied: :func:`daily_retention`).

    ``coalesce`` and ``max_instances=1``: a late or slow sweep is never run twice at once, and
    runs missed while the loop was busy collapse into one. Sweeps never raise into the scheduler.
    """

    def __init__(self, services: Services, deliverer: Deliverer, *, interval: float = 60) -> None:
        super().__init__(timezone=UTC)
        self.services = services
        self.deliverer = deliverer
        self._sweeping = asyncio.Lock()
        self.add_job(
            self.tick,
            "interval",
            seconds=interval,
            id=JOB_ID,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )

    async def tick(self) -> SweepReport | None:
        async with self._sweeping:
            report: SweepReport | None = None
            try:
                report = await sweep(self.services, self.deliverer)
            except Exception as exc:
                log.error("reminders: sweep failed (%s); the next one tries again", type(exc).__name__)
            try:
                if await daily_retention(self.services) is not None and isinstance(self.deliverer, OutboxSink):
                    self.deliverer.wake()  # an erasure's deletions of the bot's messages
            except Exception as exc:
                log.error("retention: the day's sweep failed (%s); the next tick tries again", type(exc).__name__)
            return report

    async def stop(self) -> None:
        """Stop after the sweep in progress, if any, has finished."""
        if not self.running:
            return
        self.pause()
        async with self._sweeping:
            self.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn


async def run_clock(services: Services, deliverer: Deliverer, *, interval: float = 60) -> ReminderScheduler:
    """Start the reminder clock in the running event loop (``vws clock``, ``vws serve --with-clock``).

    The first sweep runs at once. Stop it with ``await scheduler.stop()``.
    """
    # APScheduler logs every run at INFO: two lines a minute that say nothing. Keep its warnings.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler = ReminderScheduler(services, deliverer, interval=interval)
    scheduler.start()
    log.info("reminders: clock started, sweeping every %s seconds", interval)
    return scheduler


async def clock_forever(services: Services, deliverer: Deliverer, *, interval: float = 60) -> None:
    """``vws clock``: run the clock until SIGINT or SIGTERM, then stop after the sweep in progress."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    scheduler = await run_clock(services, deliverer, interval=interval)
    try:
        await stopping.wait()
    finally:
        await scheduler.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        log.info("reminders: clock stopped")
