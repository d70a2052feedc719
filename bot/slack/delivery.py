"""Sends the flows' notices to Slack: direct messages, the partner channel and its thread, the
national channel, and in-place updates of earlier messages (an approval request that becomes
"Approved by … on …").

Message ids are kept in ``posted_messages`` under each notice's key, so an update finds the
message whichever process posted it. The Web API client retries 429s after ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.slack.render import People, cut, notice_blocks, notice_text, to_dicts
from flows.core import keys
from flows.notices import Notice, Outcome, PersonRef, Space, ToNational, ToPartnerSpace, ToPerson, ToSpace
from models.store import Store
from models.tables import PostedMessage

log = logging.getLogger(__name__)

PLATFORM = "slack"


def channel_name(hint: str, attempt: int) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", hint.lower()).strip("-")[:70] or "vws-employer"
    return base if attempt == 0 else f"{base}-{attempt + 1}"


class Pacer:
    """At most one message per ``interval`` seconds in each channel (Slack's limit for
    chat.postMessage is about one a second per channel), without holding up other channels:
    each post reserves the channel's next free slot, then waits for it."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self.next_free: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        if self.interval <= 0:
            return
        now = self.clock()
        slot = max(now, self.next_free.get(channel, now))
        self.next_free[channel] = slot + self.interval
        if len(self.next_free) > 10_000:  # forget channels that have been quiet
            self.next_free = {c: t for c, t in self.next_free.items() if t > now}
        if slot > now:
            await self.sleep(slot - now)


def _lane(notice: Notice) -> str:
    """Notices to the same place keep their order; different places go in parallel."""
    to = notice.to
    if isinstance(to, ToPerson):
        return f"person:{to.person.id}"
    if isinstance(to, ToPartnerSpace | ToSpace):
        return keys.space_keys(to)[0]
    return "national"


class SlackDeliverer:
    """The Slack side of :class:`bot.delivery.Deliverer`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], client: AsyncWebClient,
                 pacer: Pacer | None = None) -> None:
        self.sessions = sessions
        self.store = Store(sessions)
        self.client = client
        self.pacer = pacer or Pacer()

    async def deliver(self, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        people = await self._people(notices)
        lanes: dict[str, list[Notice]] = {}
        for notice in notices:
            lanes.setdefault(_lane(notice), []).append(notice)
        await asyncio.gather(*(self._in_order(lane, people) for lane in lanes.values()))

    async def _in_order(self, notices: list[Notice], people: People) -> None:
        for notice in notices:
            try:
                await self._one(notice, people)
            except SlackApiError as exc:
                # One unreachable recipient must not stop the others; say which kind, never who.
                log.warning("slack: %s for a %s notice failed: %s", type(notice.to).__name__, notice.kind.value,
                            exc.response.get("error"))

    async def _post(self, channel: str, **kwargs: Any) -> Any:
        await self.pacer.wait(channel)
        return await self.client.chat_postMessage(channel=channel, **kwargs)

    async def reply_text(self, outcome: Outcome) -> str:
        """The reply to the person who acted, as Slack text (user text escaped, people mentioned)."""
        people = await self._people([], extra={p.id for p in outcome.reply if isinstance(p, PersonRef)})
        return cut(people.text(outcome.reply), 3000)

    async def _people(self, notices: Sequence[Notice], extra: set[int] | None = None) -> People:
        ids: set[int] = set(extra or ())
        for n in notices:
            parts = [p for t in (*n.body, n.next_step) for p in t]
            ids |= {p.id for p in parts if isinstance(p, PersonRef)}
            if isinstance(n.to, ToPerson):
                ids.add(n.to.person.id)
            if isinstance(n.to, ToPartnerSpace | ToSpace):
                ids |= {m.id for m in n.to.members}
        return People(await self.store.chat_ids(ids, "slack_id"))

    # ------------------------------------------------------------------ the message store

    async def _find(self, key: str) -> list[PostedMessage]:
        return await self.store.posts(PLATFORM, key)

    async def _remember(self, key: str, channel: str, ts: str, employer_id: int | None, thread: str | None = None) -> None:
        await self.store.remember_post(PLATFORM, key, channel, ts, employer_id, thread)

    # ------------------------------------------------------------------ sending

    async def _one(self, notice: Notice, people: People) -> None:
        blocks = to_dicts(notice_blocks(notice, people))
        text = notice_text(notice, people)
        if notice.replaces:
            earlier = await self._find(notice.replaces)
            if earlier:
                for m in earlier:
                    await self.client.chat_update(channel=m.channel, ts=m.message_id, text=text, blocks=blocks)
                return
        to = notice.to
        if isinstance(to, ToPerson):
            sid = people.slack_ids.get(to.person.id)
            if not sid:
                log.info("slack: a %s notice has a recipient with no Slack ID; left to other platforms", notice.kind.value)
                return
            resp = await self._post(sid, text=text, blocks=blocks)
            await self._posted(notice, resp)
        elif isinstance(to, ToNational):
            national = await self.store.national_channel()
            if not national:
                log.warning("slack: no national channel in the directory; a %s notice was not sent", notice.kind.value)
                return
            resp = await self._post(national, text=text, blocks=blocks)
            await self._posted(notice, resp)
        elif isinstance(to, ToPartnerSpace | ToSpace):
            await self._to_space(notice, to, people, text, blocks)

    async def _posted(self, notice: Notice, resp: Any, thread: str | None = None) -> None:
        if notice.key:
            await self._remember(notice.key, resp["channel"], resp["ts"], notice.employer_id, thread)

    async def _to_space(self, notice: Notice, to: Space, people: People, text: str,
                        blocks: list[dict[str, Any]]) -> None:
        space_key = keys.space_keys(to)[0]
        spaces = await self._find(space_key)
        channel = spaces[0].channel if spaces else None
        if to.open_space:
            if channel is None:
                channel = await self._create_channel(to.name_hint or space_key.replace(":", "-"))
            await self._invite(channel, to, people)
            resp = await self._post(channel, text=text, blocks=blocks)
            await self._remember(space_key, channel, resp["ts"], notice.employer_id)
            await self._posted(notice, resp)
            return
        if channel is None:
            log.warning("slack: a shared space was not opened yet; a %s notice was not sent", notice.kind.value)
            return
        root = spaces[0].message_id
        if isinstance(to, ToSpace) and to.thread:  # the thread of an earlier post in this space
            found = [m for m in await self._find(to.thread) if m.channel == channel]
            if found:
                root = found[0].thread_id or found[0].message_id
        resp = await self._post(channel, thread_ts=root, text=text, blocks=blocks)
        await self._posted(notice, resp, thread=root)

    async def _create_channel(self, hint: str) -> str:
        """A private channel with a readable name; a taken name gets -2, -3, …"""
        for attempt in range(20):
            try:
                resp = await self.client.conversations_create(name=channel_name(hint, attempt), is_private=True)
                return str(resp["channel"]["id"])
            except SlackApiError as exc:
                if exc.response.get("error") != "name_taken":
                    raise
        raise RuntimeError("no free channel name")

    async def _invite(self, channel: str, to: Space, people: People) -> None:
        members = [sid for m in to.members if (sid := people.slack_ids.get(m.id))]
        if members:
            try:
                await self.client.conversations_invite(channel=channel, users=",".join(members))
            except SlackApiError as exc:
                if exc.response.get("error") != "already_in_channel":
                    # Invite one by one, so one person from another organisation doesn't block the rest.
                    for sid in members:
                        try:
                            await self.client.conversations_invite(channel=channel, users=sid)
                        except SlackApiError as one:
                            if one.response.get("error") != "already_in_channel":  # a space posted to again
                                log.info("slack: one invitation failed: %s", one.response.get("error"))
        for email in to.invite_emails:  # reps in another Slack organisation: Slack Connect
            try:
                await self.client.conversations_inviteShared(channel=channel, emails=[email])
            except SlackApiError as exc:
                log.warning("slack: a Slack Connect invitation failed: %s", exc.response.get("error"))
