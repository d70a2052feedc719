"""The delivery worker: sends what the use cases wrote to the outbox, at the platforms' pace.

A notice is done only when a platform accepted it. A worker claims a batch of notices whose time
has come, each the oldest waiting one of its lane (so one case's notices keep their order, and
different cases go in parallel), holds them under a lease, and sends them concurrently:

- accepted: marked ``sent`` (and a reminder's ledger row ``sent`` once all of its notices are);
- rate limited, the platform's server failing, unreachable: tried again after a backoff (1, 2,
  4 … seconds, at most ``max_delay``), or after the platform's ``Retry-After`` when it gave one;
- sent with no answer (a dropped connection): tried again, looking first for the earlier try
  where the platform allows (Slack: the message's metadata), so it is not posted twice;
- refused for good (an unknown channel), or failing ``max_attempts`` times: parked as
  ``failed``, never dropped; ``vws outbox`` lists them and ``vws outbox retry`` sends them again.

Several workers may run at once on PostgreSQL: they claim with ``FOR UPDATE SKIP LOCKED`` and a
lease, and a claim whose worker died is taken over when its lease runs out. On SQLite the
server's own worker does it (the write lock taken at BEGIN serialises claims). A worker is woken
as soon as something is written (:meth:`OutboxWorker.wake`), so a click's notices leave at once.

Logs carry row ids, counts and error codes only: never names, ids or message text.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import logging
import os
import random
import secrets
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import MaybeSent, Refused, TryLater, Undelivered
from bot.routing import Router
from flows.core.outbox import WAITING, awaited, deletion_of, from_json, head_of_lane
from models.db import reading
from models.store import Kept, keep_posts, people_known, posts_kept_later
from models.tables import Nudge, OutboxItem, Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    batch: int = 200  # notices claimed at a time
    concurrency: int = 32  # notices being sent at once
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 20
    max_delay: float = 300.0  # the longest backoff between two tries, in seconds
    poll: float = 1.0  # when idle, look again this often (a wake comes sooner)
    gather: float = 0.05  # while sending, what finishes within this long is marked together
    mark_within: float = 0.1  # while requests keep coming, what was delivered is marked sent together within this long
    mark_when_quiet: float = 0.02  # else once no request has come or gone for this long
    requests_first: float = 0.25  # while people's requests are being decided, sending waits up to this long
    waited_on_first: float = 0.5  # while what people wait on is being sent, other notices wait up to this long


def backoff(attempts: int, policy: Policy) -> float:
    """Seconds before try number ``attempts + 1``: 1, 2, 4 … at most ``max_delay``, with jitter."""
    base = min(policy.max_delay, 2.0 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.0)


def _now() -> datetime:
    return datetime.now(UTC)


def new_owner() -> str:
    """A name for one worker's claims: host, process and a random part (no personal data)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


Delivered = tuple[list[str], list[Kept]]
"""A delivered notice: the platforms that took it, and where it was posted."""


@functools.cache
def _pick(postgres: bool) -> Select[Any]:
    """The ids a worker may claim at ``:now``, at most ``:limit``: each waiting one whose time has
    come and which heads its lane, and any claim whose lease ran out. Built once (its parts cost
    more to build than the query takes to run)."""
    now = bindparam("now", type_=OutboxItem.next_at.type)
    claimable = or_(
        and_(OutboxItem.state == "pending", OutboxItem.next_at <= now, head_of_lane()),
        and_(OutboxItem.state == "claimed", OutboxItem.lease_until < now),
    )
    pick = select(OutboxItem.id).where(claimable).order_by(OutboxItem.id).limit(bindparam("limit", type_=Integer))
    return pick.with_for_update(skip_locked=True, of=OutboxItem) if postgres else pick


_MARK_SENT = (  # a round's delivered notices, still this worker's: built once, as _pick
    update(OutboxItem)
    .where(OutboxItem.id.in_(bindparam("ids", expanding=True)), OutboxItem.claimed_by == bindparam("owner"),
           OutboxItem.state == "claimed")  # fmt: skip
    .values(state="sent", sent_at=bindparam("at"), lease_until=None, done=bindparam("done"), unknown=[], error=None,
            notice={})  # what it said is not kept once delivered
    .execution_options(synchronize_session=False)
)


class Requests:
    """How many of people's requests (a click, a command, a form) this process is deciding now.

    The web server counts them in and out; the worker lets them go first: a burst of clicks is
    decided and answered before the platform's deadline, and what they caused is sent just after
    (each notice waits at most :attr:`Policy.requests_first`)."""

    def __init__(self) -> None:
        self.count = 0
        self.changed_at = 0.0  # (the loop's clock) when one last came or went
        self.on_quiet: Callable[[], None] | None = None  # called when the last one being decided ends
        self._quiet = asyncio.Event()
        self._quiet.set()

    def started(self) -> None:
        self.count += 1
        self.changed_at = asyncio.get_running_loop().time()
        self._quiet.clear()

    def finished(self) -> None:
        self.count -= 1
        self.changed_at = asyncio.get_running_loop().time()
        if self.count <= 0:
            self.count = 0
            self._quiet.set()
            if self.on_quiet is not None:
                self.on_quiet()

    @contextlib.contextmanager
    def deciding(self) -> Iterator[None]:
        """Count one request in for this block (however it ends)."""
        self.started()
        try:
            yield
        finally:
            self.finished()

    async def quiet(self, within: float) -> None:
        """Return when no request is being decided, or after ``within`` seconds."""
        if self.count and within > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within):
                    await self._quiet.wait()


class OutboxWorker:
    """Delivers the outbox through a :class:`~bot.routing.Router` (see the module docstring)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        router: Router,
        *,
        owner: str,
        policy: Policy | None = None,
    ) -> None:
        self.sessions = sessions
        self.router = router
        self.owner = owner
        self.policy = policy or Policy()
        self.requests = Requests()  # counted by the web server (bot.web) and Slack's Socket Mode client
        self.requests.on_quiet = self._requests_ended
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[tuple[OutboxItem, Delivered | None]]] = set()
        self._waited_on = Requests()  # notices a person is waiting on, being sent (see _one)
        self._retries: list[datetime] = []  # when the notices this worker put back may go (a heap)
        self._handed_back: list[tuple[OutboxItem, list[Kept], dict[str, Any]]] = []  # to record next round
        self._unmarked: set[asyncio.Task[tuple[OutboxItem, Delivered | None]]] = set()  # done, not yet recorded
        self._unmarked_since = 0.0  # (the loop's clock) when the oldest of them finished

    # ------------------------------------------------------------------ running

    def wake(self) -> None:
        """Something was written to the outbox: look now, not at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="vws-outbox")

    async def stop(self) -> None:
        """Stop after the notices being sent now (what is left waits for the next worker)."""
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        """Keep up to ``concurrency`` notices in flight: claim more as soon as any finishes, so a
        slow channel holds only its own notices, never a round of everyone else's. What finished
        while people's requests keep coming is marked sent together, within ``mark_within``, in
        one transaction: on SQLite every write waits for the one before it, and a burst of
        clicks, each with its notices, would otherwise have a write to record each click's
        between the decisions. When requests stop, it is marked at once (a lane's next notice
        waits for it).
        Notices a use case handed over as it committed (:meth:`take`) join those in flight at
        once. Each notice finishing wakes the loop, as does anything written (:meth:`wake`)."""
        inflight = self._inflight
        loop = asyncio.get_running_loop()
        try:
            while not self._stop.is_set():
                self._wake.clear()  # what happens from here on wakes the wait below
                done = {t for t in inflight if t.done()}
                inflight -= done
                if done and not self._unmarked:
                    self._unmarked_since = loop.time()
                self._unmarked |= done
                if self._unmarked and self._mark_due(loop.time()) <= 0:
                    marking, self._unmarked = self._unmarked, set()
                    await self._mark(marking)
                elif self._handed_back:  # those waiting for their channel are put back at once
                    await self._record_handed_back()
                free = self.policy.concurrency - len(inflight)
                claimed: list[OutboxItem] = []
                if free > 0:
                    try:
                        claimed = await self._claim(min(self.policy.batch, free))
                    except Exception as exc:  # noqa: BLE001 - the database may be down: try again soon
                        log.warning("outbox: a claim failed (%s); trying again", type(exc).__name__)
                for item in claimed:  # (a reminder is not something a person is waiting on this minute)
                    self._start(item, waited_on=item.nudge_id is None and awaited(item.notice))
                if len(claimed) >= min(self.policy.batch, free) > 0 and len(inflight) < self.policy.concurrency:
                    continue  # a full claim: there may be more waiting
                # With notices in flight, one finishing (or a wake) is the next look; idle, the
                # earliest retry due is.
                delay = self.policy.poll if inflight else await self._next_due()
                if self._unmarked:  # the next look is when they are due to be marked, at the latest
                    delay = max(0.0, min(delay, self._mark_due(loop.time())))
                woken = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({woken}, timeout=delay)
                woken.cancel()
                if any(not t.done() for t in inflight) and not self._stop.is_set():
                    # Busy: let what finishes about now be marked (and the next look taken) in
                    # one round, not a write transaction and a look per notice, which on SQLite
                    # would queue every click's decision behind them.
                    await asyncio.sleep(self.policy.gather)
        finally:
            if inflight:  # stopping: let what is being sent finish
                await asyncio.gather(*inflight, return_exceptions=True)
            if inflight or self._unmarked:  # and record it, with what was not recorded yet
                marking, self._unmarked = self._unmarked | inflight, set()
                await self._mark(marking)
                inflight.clear()

    def _requests_ended(self) -> None:
        """No request is being decided now: what waits to be recorded soon may be (see _run)."""
        if self._unmarked:
            self._wake.set()

    def _mark_due(self, now: float) -> float:
        """Seconds until what was delivered and not yet recorded is due to be marked sent (0 or
        less: now): ``mark_within`` after the oldest of it at the latest, and as soon as no
        request has come or gone for ``mark_when_quiet``."""
        latest = self._unmarked_since + self.policy.mark_within
        if not self.requests.count:
            latest = min(latest, self.requests.changed_at + self.policy.mark_when_quiet)
        return latest - now

    def _start(self, item: OutboxItem, *, waited_on: bool = False, people: dict[int, Person] | None = None) -> None:
        task = asyncio.get_running_loop().create_task(self._one(item, waited_on, people))
        self._inflight.add(task)
        if waited_on:
            self._waited_on.started()
            task.add_done_callback(lambda _: self._waited_on.finished())
        task.add_done_callback(lambda _: self._wake.set())  # its outcome is marked at once

    def lease_until(self) -> datetime | None:
        """Until when a notice claimed now is this worker's (None: not running, take nothing)."""
        if self._task is None or self._stop.is_set():
            return None
        return _now() + self.policy.lease

    def take(self, items: Sequence[OutboxItem], people: Sequence[Person] = ()) -> None:
        """Send rows a use case claimed for this worker in its committed transaction, now (with
        the people that transaction read: their addresses are not looked up again)."""
        if self._task is None or self._stop.is_set():
            return  # stopping: the rows stay claimed until the lease runs out, then go
        known = {p.id: p for p in people}
        for item in items:
            self._start(item, waited_on=awaited(item.notice), people=known)

    async def _one(self, item: OutboxItem, waited_on: bool = False,
                   people: dict[int, Person] | None = None) -> tuple[OutboxItem, Delivered | None]:  # fmt: skip
        await self.requests.quiet(self.policy.requests_first)  # people waiting on an answer go first
        if not waited_on:
            # Then what people are waiting on (the answer to who acted, the next person's request):
            # news and updates of a burst of clicks go just after those of the whole burst.
            await self._waited_on.quiet(self.policy.waited_on_first)
        return item, await self._deliver(item, people)

    async def _mark(self, tasks: set[asyncio.Task[tuple[OutboxItem, Delivered | None]]]) -> None:
        delivered = []
        for t in tasks:
            if t.cancelled():
                continue
            if (exc := t.exception()) is not None:  # recording a failure failed: the lease runs out
                log.warning("outbox: a notice's outcome could not be recorded (%s)", type(exc).__name__)
                continue
            item, done = t.result()
            if done is not None:
                delivered.append((item, done))
        try:
            await self._sent(delivered)
        except Exception as exc:  # noqa: BLE001 - left claimed: tried again (checking first) after the lease
            log.warning("outbox: %d delivered notices could not be marked (%s)", len(delivered), type(exc).__name__)
        await self._record_handed_back()

    async def _record_handed_back(self) -> None:
        """Put back, in one transaction, the notices handed back to wait for their channel."""
        back, self._handed_back = self._handed_back, []
        if not back:
            return
        try:
            async with self.sessions() as s, s.begin():
                await keep_posts(s, [p for _, posts, _ in back for p in posts])
                for item, _, values in back:
                    await s.execute(
                        update(OutboxItem)
                        .where(OutboxItem.id == item.id, OutboxItem.claimed_by == self.owner, OutboxItem.state == "claimed")
                        .values(**values)
                        .execution_options(synchronize_session=False)
                    )
        except Exception as exc:  # noqa: BLE001 - left claimed: taken again after the lease
            log.warning("outbox: %d notices handed back could not be recorded (%s)", len(back), type(exc).__name__)

    async def _next_due(self) -> float:
        """Seconds until the earliest notice this worker put back for later may go (at most the
        poll interval, which also finds what other workers put back, and what was written
        without a wake). Known here, so an idle worker asks the database nothing."""
        now = _now()
        while self._retries and self._retries[0] <= now:
            heapq.heappop(self._retries)
        if not self._retries:
            return self.policy.poll
        return max(0.01, min(self.policy.poll, (self._retries[0] - now).total_seconds()))

    async def drain(self, within: float = 30.0) -> None:
        """Deliver until nothing is waiting (tests, ``vws outbox send``); gives up after ``within`` s."""
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            if await self.tick():
                continue
            if not await self._waiting():
                return
            await asyncio.sleep(min(0.05, max(0.0, await self._next_due())))
        raise TimeoutError("the outbox did not empty in time")

    async def _waiting(self) -> bool:
        async with reading(self.sessions) as s:
            found = await s.execute(select(OutboxItem.id).where(OutboxItem.state.in_(WAITING)).limit(1))
            return found.first() is not None

    # ------------------------------------------------------------------ one round

    async def tick(self) -> int:
        """Claim what may go now and send it; returns how many were claimed."""
        claimed = await self._claim()
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.policy.concurrency)
        delivered: list[tuple[OutboxItem, Delivered]] = []

        async def one(item: OutboxItem) -> None:
            async with gate:
                done = await self._deliver(item)
            if done is not None:
                delivered.append((item, done))

        await asyncio.gather(*(one(i) for i in claimed))
        await self._sent(delivered)
        await self._record_handed_back()
        return len(claimed)

    async def _claim(self, limit: int | None = None) -> list[OutboxItem]:
        now = _now()
        params = {"now": now, "limit": limit or self.policy.batch}
        if self.sessions.kw["bind"].dialect.name != "postgresql":
            # SQLite: look before taking the write lock, which a look that finds nothing (most,
            # now that use cases hand their notices over) would hold from every writer.
            async with reading(self.sessions) as r:
                if (await r.execute(_pick(False), params)).first() is None:
                    return []
        async with self.sessions() as s, s.begin():
            postgres = s.get_bind().dialect.name == "postgresql"
            ids = list((await s.execute(_pick(postgres), params)).scalars())
            if not ids:
                return []
            rows = await s.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(ids), or_(OutboxItem.state == "pending", OutboxItem.lease_until < now))
                .values(state="claimed", claimed_by=self.owner, lease_until=now + self.policy.lease,
                        attempts=OutboxItem.attempts + 1)  # fmt: skip
                .returning(OutboxItem)
                .execution_options(synchronize_session=False)
            )
            items = list(rows.scalars())
        # One notice of a lane at a time: a lane's next one is claimed when this one is done.
        firsts: dict[str, OutboxItem] = {}
        for item in sorted(items, key=lambda i: i.id):
            if item.lane in firsts:
                await self._release(item)
            else:
                firsts[item.lane] = item
        return list(firsts.values())

    async def _release(self, item: OutboxItem) -> None:
        await self._finish(item, state="pending", lease_until=None, attempts=item.attempts - 1)

    async def _deliver(self, item: OutboxItem, people: dict[int, Person] | None = None) -> Delivered | None:
        """Send one claimed notice to each of its platforms; returns the platforms done and where
        it was posted when all accepted it (to be marked sent with the rest of the round), else
        None (already recorded, with where it was posted so far). A deletion (erasure) deletes."""
        if (gone := deletion_of(item.notice)) is not None:
            deleted = await self._delete(item, gone)
            return (deleted, []) if deleted is not None else None
        with posts_kept_later() as posts, people_known(people):  # its routing's lookups serve its sending
            done = await self._send(item, posts)
        return (done, list(posts)) if done is not None else None

    async def _send(self, item: OutboxItem, posts: list[Kept]) -> list[str] | None:
        done = list(item.done or [])
        unknown = set(item.unknown or [])
        ident = f"vws-{item.id}"
        try:
            notice = from_json(item.notice)
            routes = await self.router.routes(notice)
        except Exception as exc:  # noqa: BLE001 - a row we cannot read is parked, not retried forever
            await self._park(item, f"unreadable:{type(exc).__name__}")
            return None
        try:
            for platform, routed in routes:
                if platform in done:
                    continue
                # An earlier try whose outcome is not known (no answer, or its worker died while
                # sending): look for it first, where the platform allows.
                check = platform in unknown or item.attempts > 1
                await self.router.send(platform, routed, ident=ident, check=check)
                done.append(platform)
                if len(routes) > 1:  # remember each platform as it goes, so a retry skips it
                    await self._finish(item, posts, state="claimed", done=done, unknown=sorted(unknown - {platform}))
        except Refused as exc:
            log.warning("outbox: notice %d refused by the platform (%s); parked", item.id, exc.code)
            await self._park(item, exc.code, done=done, posts=posts)
            return None
        except TryLater as exc:
            await self._again(item, exc, done, unknown, after=exc.after, posts=posts)
            return None
        except MaybeSent as exc:
            await self._again(item, exc, done, unknown | {p for p, _ in routes if p not in done}, after=None, posts=posts)
            return None
        except Undelivered as exc:
            await self._again(item, exc, done, unknown, after=None, posts=posts)
            return None
        except Exception as exc:  # noqa: BLE001 - an unexpected failure is retried like a platform's
            await self._again(item, Undelivered(type(exc).__name__), done, unknown, after=None, posts=posts)
            return None
        return done

    async def _delete(self, item: OutboxItem, message: dict[str, Any]) -> list[str] | None:
        """Delete one of the bot's own messages (erasure): done when the platform deleted it or
        it was gone already; retried, or parked, like a notice."""
        platform = str(message.get("platform") or "")
        try:
            await self.router.remove(platform, message)
        except Refused as exc:
            log.warning("outbox: deletion %d refused by the platform (%s); parked", item.id, exc.code)
            await self._park(item, exc.code)
            return None
        except Undelivered as exc:  # (TryLater, MaybeSent: a second try finds it gone, which is done)
            await self._again(item, exc, [], set(), after=exc.after if isinstance(exc, TryLater) else None)
            return None
        except Exception as exc:  # noqa: BLE001 - an unexpected failure is retried like a platform's
            await self._again(item, Undelivered(type(exc).__name__), [], set(), after=None)
            return None
        return [platform]

    async def _sent(self, delivered: Sequence[tuple[OutboxItem, Delivered]]) -> None:
        """Mark a round's delivered notices sent, those still ours, in one transaction, with where
        each was posted; and the reminders whose every notice is now done. (A worker that dies
        before this commits has its round tried again after the lease, each try looking first
        for the earlier post.)"""
        if not delivered:
            return
        at = _now()
        by_done: dict[tuple[str, ...], list[int]] = {}
        for item, (done, _) in delivered:
            by_done.setdefault(tuple(done), []).append(item.id)
        async with self.sessions() as s, s.begin():
            await keep_posts(s, [p for _, (_, posts) in delivered for p in posts])
            for platforms, ids in by_done.items():
                await s.execute(_MARK_SENT, {"ids": ids, "owner": self.owner, "at": at, "done": list(platforms)})
            nudges = sorted({i.nudge_id for i, _ in delivered if i.nudge_id is not None})
            if nudges:
                await self._nudges_done(s, nudges)

    async def _again(self, item: OutboxItem, exc: Undelivered, done: list[str], unknown: set[str],
                     after: float | None, posts: Sequence[Kept] = ()) -> None:  # fmt: skip
        if isinstance(exc, TryLater) and not exc.counts:  # handed back unsent: not a failed try
            # Recorded with the round's others (a busy channel hands back many at once), not in a
            # write transaction of its own each.
            next_at = _now() + timedelta(seconds=after or 0.0)
            heapq.heappush(self._retries, next_at)
            self._handed_back.append((item, list(posts), {
                "state": "pending", "next_at": next_at, "lease_until": None, "attempts": item.attempts - 1,
                "done": done, "unknown": sorted(unknown)}))  # fmt: skip
            if isinstance(posts, list):
                posts.clear()
            return
        if item.attempts >= self.policy.max_attempts:
            log.warning("outbox: notice %d failed %d times (%s); parked", item.id, item.attempts, exc.code)
            await self._park(item, exc.code, done=done, posts=posts)
            return
        delay = max(after or 0.0, backoff(item.attempts, self.policy) if after is None else after)
        log.info("outbox: notice %d not delivered (%s); again in %.1f s", item.id, exc.code, delay)
        await self._finish(item, posts, state="pending", next_at=_now() + timedelta(seconds=delay), lease_until=None,
                           done=done, unknown=sorted(unknown), error=exc.code)  # fmt: skip

    async def _park(self, item: OutboxItem, code: str, done: Sequence[str] = (), posts: Sequence[Kept] = ()) -> None:
        if await self._finish(item, posts, state="failed", lease_until=None, error=code[:80], done=list(done)):
            await self._nudge_done(item)

    async def _finish(self, item: OutboxItem, posts: list[Kept] | Sequence[Kept] = (), **values: Any) -> bool:
        """Record what became of a claimed notice, if it is still ours (compare-and-set), and
        where it was posted so far (then forgotten here, so it is written once)."""
        if values.get("next_at") is not None:
            heapq.heappush(self._retries, values["next_at"])
        async with self.sessions() as s, s.begin():
            await keep_posts(s, posts)
            if isinstance(posts, list):
                posts.clear()
            result = await s.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item.id, OutboxItem.claimed_by == self.owner, OutboxItem.state == "claimed")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _nudge_done(self, item: OutboxItem) -> None:
        """A reminder is sent once every notice it made is done (failed if any was parked)."""
        if item.nudge_id is None:
            return
        async with self.sessions() as s, s.begin():
            await self._nudges_done(s, [item.nudge_id])

    @staticmethod
    async def _nudges_done(s: AsyncSession, nudge_ids: Sequence[int]) -> None:
        waiting = exists().where(OutboxItem.nudge_id == Nudge.id, OutboxItem.state.in_(WAITING))
        failed = exists().where(OutboxItem.nudge_id == Nudge.id, OutboxItem.state == "failed")
        await s.execute(
            update(Nudge)
            .where(Nudge.id.in_(list(nudge_ids)), Nudge.state == "queued", ~waiting)
            .values(state=case((failed, "failed"), else_="sent"), sent_at=_now(), lease_until=None)
            .execution_options(synchronize_session=False)
        )


class OutboxSink:
    """Where the reminder clock hands its nudges in production: into the outbox, a batch in one
    transaction (``bot.clock`` does that when given a sink), and the worker woken to send them.
    As a plain Deliverer it writes a batch of notices in one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Any, wake: Any = None) -> None:
        self.sessions = sessions
        self.clock = clock
        self._wake = wake

    def wake(self) -> None:
        if self._wake is not None:
            self._wake()

    async def deliver(self, notices: Sequence[Any]) -> None:
        from flows.core.outbox import enqueue

        async with self.sessions() as s, s.begin():
            await enqueue(s, notices)
        self.wake()


# --------------------------------------------------------------------------- for the CLI


async def parked(sessions: async_sessionmaker[AsyncSession], limit: int = 200) -> list[tuple[int, datetime, str, str, int]]:
    """Failed notices: (id, when written, what kind to what, the platform's error, tries)."""
    async with reading(sessions) as s:
        rows = await s.execute(
            select(OutboxItem.id, OutboxItem.created_at, OutboxItem.notice, OutboxItem.error, OutboxItem.attempts)
            .where(OutboxItem.state == "failed")
            .order_by(OutboxItem.id)
            .limit(limit)
        )
        out = []
        for oid, at, notice, error, attempts in rows:
            if (gone := deletion_of(notice)) is not None:  # erasure's deletion of one of the bot's messages
                out.append((oid, at, f"deleting a {gone.get('platform', '?')} message", error or "", attempts))
                continue
            to = (notice or {}).get("to", {}).get("t", "?")
            out.append((oid, at, f"{(notice or {}).get('kind', '?')} to {to}", error or "", attempts))
        return out


async def retry_parked(sessions: async_sessionmaker[AsyncSession], ids: Sequence[int] | None = None) -> int:
    """Put failed notices back in line (all, or those ``ids``); returns how many."""
    async with sessions() as s, s.begin():
        q = update(OutboxItem).where(OutboxItem.state == "failed")
        if ids:
            q = q.where(OutboxItem.id.in_(list(ids)))
        result = await s.execute(
            q.values(state="pending", attempts=0, next_at=_now(), error=None).execution_options(synchronize_session=False)
        )
        await s.execute(
            update(Nudge)
            .where(Nudge.state == "failed", Nudge.id.in_(select(OutboxItem.nudge_id).where(OutboxItem.state == "pending")))
            .values(state="queued")
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with reading(sessions) as s:
        return dict((await s.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))).all())  # type: ignore[arg-type]
