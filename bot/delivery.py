"""The ports through which notices leave the bot.

``Sender``: a chat platform's side (Slack, Teams): ``send`` one notice and return only when the
platform accepted it, or raise one of :class:`Undelivered`'s kinds so the outbox worker knows
what to do: try again later (:class:`TryLater`, with the platform's Retry-After when it gave
one), check before trying again because it may have arrived (:class:`MaybeSent`), or stop
(:class:`Refused`: the platform said no for good, e.g. an unknown channel; the notice is parked).

``Deliverer``: anything that takes a batch of notices: the reminder clock's test doubles, the CLI.
``Recorder`` keeps them in memory (tests, ``vws remind --dry-run``) and ``Printer`` writes them as
plain text (``vws demo``).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from flows.notices import Notice, ToNational, ToPartnerSpace, ToPerson, ToSpace


class Undelivered(Exception):
    """A notice the platform did not (knowingly) accept. ``code`` is the platform's error code
    (never anything the notice said), for the outbox's records."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code[:80]


class TryLater(Undelivered):
    """Rate limited, the platform's server failed, or it could not be reached: try again.

    ``counts`` is False when nothing failed: the notice was handed back unsent because its
    channel is busy (our own pacing), so the try does not count towards giving up."""

    def __init__(self, code: str, after: float | None = None, *, counts: bool = True) -> None:
        super().__init__(code)
        self.after = after
        self.counts = counts


class MaybeSent(Undelivered):
    """The request went out but no answer came back: the platform may have it. The next try
    checks first, where the platform allows (Slack: the message's metadata)."""


class Refused(Undelivered):
    """The platform will not take this notice, however often it is tried."""


class Unreachable(Refused):
    """The platform will not let the bot reach this person (the app is not installed for them,
    and could not be installed; they removed it). ``reason`` is a wording id
    (``reach.not_installed``...) saying why in plain words; ``code`` the platform's error."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code)
        self.reason = reason


class Sender(Protocol):
    async def send(self, notice: Notice, *, ident: str, check: bool = False) -> None:
        """Deliver one notice. ``ident`` names this delivery (an idempotency key); ``check`` says
        an earlier try may have arrived, so look before posting again."""
        ...


class Deliverer(Protocol):
    async def deliver(self, notices: Sequence[Notice]) -> None:
        """Take a batch of notices."""
        ...


@dataclass
class Recorder:
    """Keeps what it is given (as a Deliverer, or as a platform's Sender)."""

    notices: list[Notice] = field(default_factory=list)

    async def deliver(self, notices: Sequence[Notice]) -> None:
        self.notices.extend(notices)

    async def send(self, notice: Notice, *, ident: str, check: bool = False) -> None:
        self.notices.append(notice)


def describe_recipient(notice: Notice) -> str:
    to = notice.to
    if notice.place is not None:
        return "to the person who acted"
    if isinstance(to, ToPerson):
        return f"to {to.person.label or f'person {to.person.id}'}"
    if isinstance(to, ToPartnerSpace):
        return f"in the partner channel of employer #{to.employer_id}"
    if isinstance(to, ToSpace):
        return f"in the shared space {to.key}"
    if isinstance(to, ToNational):
        return "to the national union"
    return "to ?"


@dataclass
class Printer:
    out: TextIO = sys.stdout

    async def deliver(self, notices: Sequence[Notice]) -> None:
        for n in notices:
            body = n.as_plain().replace("\n", "\n    ")
            print(f"--- {describe_recipient(n)}\n    {body}", file=self.out)


class Pacer:
    """At most one message per ``interval`` seconds in each channel or conversation (Slack's
    limit for chat.postMessage is about one a second per channel; Teams allows a bot about 60
    messages per 30 s in one conversation), without holding up the others: each post reserves its
    channel's next free slot, then waits for it.

    ``burst`` posts may go at once in a quiet channel before the pace applies (Slack: "short
    bursts >1 allowed"): a token bucket of ``burst`` refilled one per ``interval``, kept as each
    channel's theoretical next slot (the generic cell rate algorithm), so it costs one number a
    channel. With ``burst=1`` posts are spaced by ``interval`` from the first.

    A post whose slot is more than ``patience`` seconds away is handed back to the outbox
    (:class:`TryLater` with ``after`` and ``counts=False``) instead of holding one of the
    worker's senders while it waits: a channel with a long queue never slows the others."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        patience: float = 2.0,
        burst: int = 1,
    ) -> None:
        self.interval = interval
        self.tolerance = max(0, burst - 1) * interval  # how far ahead of its pace a channel may run
        self.clock = clock
        self.sleep = sleep
        self.patience = patience
        self.next_free: dict[str, float] = {}
        self.kept: dict[tuple[str, str], float] = {}  # (channel, ident): the slot a handed-back post keeps

    async def wait(self, channel: str, ident: str | None = None) -> None:
        """Wait for the channel's next free slot. A post with an ``ident`` (its outbox delivery)
        that is handed back keeps the slot it was given: when it comes back then, it goes, so a
        long queue in one channel is handed back once per post, not once per look."""
        now = self.clock()
        if ident is not None and (kept := self.kept.pop((channel, ident), None)) is not None:
            if kept - now > self.patience:  # back too early: still its slot, later
                self.kept[(channel, ident)] = kept
                raise TryLater("paced", kept - now, counts=False)
            if kept > now:
                await self.sleep(kept - now)
            return
        held = self.next_free.get(channel, now)  # the channel's next slot at its pace
        if self.interval <= 0 and held <= now:
            return
        slot = max(now, held - self.tolerance)
        if slot - now > self.patience:
            if ident is not None:
                self.kept[(channel, ident)] = slot
                self.next_free[channel] = max(held, now) + self.interval
            raise TryLater("paced", slot - now, counts=False)
        self.next_free[channel] = max(held, now) + self.interval
        if len(self.next_free) > 10_000:  # forget channels that have been quiet
            self.next_free = {c: t for c, t in self.next_free.items() if t > now}
        if len(self.kept) > 50_000:  # slots kept for posts another worker took over
            self.kept = {k: t for k, t in self.kept.items() if t > now - 60}
        if slot > now:
            await self.sleep(slot - now)

    def hold(self, channel: str, seconds: float) -> None:
        """Slack said to wait (429 Retry-After): nothing more goes to this channel until then."""
        until = self.clock() + seconds + self.tolerance  # no burst straight after a refusal
        self.next_free[channel] = max(self.next_free.get(channel, until), until)
