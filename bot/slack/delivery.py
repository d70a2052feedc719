"""Sends the flows' notices to Slack: direct messages, a case's shared channel and its thread,
the national channel, in-place updates of earlier messages (an approval request that becomes
"Approved by … on …"), and the answer to the person who acted (ephemeral, where they acted).

The outbox worker (``bot.outbox``) calls :meth:`SlackDeliverer.send` for one notice at a time;
it returns when Slack accepted it and otherwise raises what the worker should do (try later,
honouring Retry-After; check before trying again; give up). Every post carries its delivery's
ident in Slack's message metadata, so a try whose answer was lost is found, not posted twice.
Message ids are kept in ``posted_messages`` under each notice's key, so an update finds the
message whichever process posted it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import MaybeSent, Pacer, Refused, TryLater, Undelivered
from bot.slack.render import People, buttons_block, cut, notice_blocks, notice_text, to_dicts
from flows.core import keys
from flows.notices import (
    File,
    FileRef,
    Kind,
    Notice,
    Outcome,
    PersonRef,
    Space,
    ToNational,
    ToPartnerSpace,
    ToPerson,
    ToSpace,
)
from models.store import Store
from models.tables import PostedMessage

log = logging.getLogger(__name__)

PLATFORM = "slack"


def channel_name(hint: str, attempt: int) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", hint.lower()).strip("-")[:70] or "vws-employer"
    return base if attempt == 0 else f"{base}-{attempt + 1}"


#: Slack errors that will not go away by trying again: the notice is parked (``vws outbox``).
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "account_inactive",
    "invalid_auth", "not_authed", "token_revoked", "no_permission", "missing_scope", "restricted_action",
    "msg_too_long", "invalid_blocks", "invalid_arguments", "no_text", "cannot_dm_bot", "user_disabled",
    "team_access_not_granted", "ekm_access_denied", "cant_delete_message", "compliance_exports_prevent_deletion",
})  # fmt: skip
METADATA_TYPE = "vws_notice"  # a posted message's metadata carries its outbox delivery's ident


def classify(exc: BaseException) -> Undelivered:
    """What a failed Web API call means for the outbox: try later, check first, or give up."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        error = str(exc.response.get("error") or "error")
        if status == 429 or error == "ratelimited":
            after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            return TryLater("ratelimited", float(after) if after and str(after).isascii() and str(after).isdigit() and len(str(after)) < 7 else None)
        if status >= 500:
            return TryLater(f"http_{status}")
        if error in PERMANENT:
            return Refused(error)
        return TryLater(error)
    if isinstance(exc, aiohttp.ClientConnectorError):  # never reached Slack
        return TryLater("unreachable")
    if isinstance(exc, TimeoutError | aiohttp.ClientError | ConnectionError):  # sent, no answer
        return MaybeSent(type(exc).__name__)
    raise exc


class SlackDeliverer:
    """The Slack side of :class:`bot.delivery.Sender`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], client: AsyncWebClient,
                 pacer: Pacer | None = None,
                 files: Callable[[FileRef], Awaitable[File | None]] | None = None) -> None:
        self.sessions = sessions
        self.files = files  # makes the documents notices carry (the dispatcher's makers)
        self.store = Store(sessions)
        self.client = client
        self.pacer = pacer or Pacer()

    async def send(self, notice: Notice, *, ident: str, check: bool = False) -> None:
        """Deliver one notice; raises Undelivered (TryLater, MaybeSent, Refused) when Slack did not."""
        people = await self._people([notice])
        try:
            await self._one(notice, people, ident, check)
        except Undelivered:
            raise
        except Exception as exc:  # noqa: BLE001 - turned into what the outbox should do
            raise classify(exc) from None

    async def deliver(self, notices: Sequence[Notice]) -> None:
        """Deliver now, one by one (the CLI with Slack configured; the outbox worker calls send)."""
        for i, n in enumerate(notices):
            try:
                await self.send(n, ident=f"direct-{id(n)}-{i}")
            except Undelivered as exc:
                log.warning("slack: a %s notice was not delivered: %s", n.kind.value, exc.code)

    async def _post(self, channel: str, *, ident: str | None = None, paced: bool = False, **kwargs: Any) -> Any:
        if not paced:  # (else its slot was waited for already)
            await self.pacer.wait(channel, ident)  # a post handed back keeps its slot (by its ident)
        try:
            return await self.client.chat_postMessage(channel=channel, **kwargs)
        except SlackApiError as exc:
            problem = classify(exc)
            if isinstance(problem, TryLater) and problem.after:
                self.pacer.hold(channel, problem.after)  # only this channel waits
            raise problem from None

    async def delete(self, message: dict[str, Any]) -> None:
        """Delete one of the bot's own messages (erasure): ``chat.delete``. A message already gone
        is done; anything else is what the outbox should do (try later, or park it)."""
        channel, ts = str(message.get("channel") or ""), str(message.get("message") or "")
        if not channel or not ts:
            raise Refused("no_message_reference")
        await self.pacer.wait(channel)
        try:
            await self.client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as exc:
            if exc.response.get("error") == "message_not_found":
                return
            problem = classify(exc)
            if isinstance(problem, TryLater) and problem.after:
                self.pacer.hold(channel, problem.after)
            raise problem from None
        except Exception as exc:  # noqa: BLE001 - turned into what the outbox should do
            raise classify(exc) from None

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

    async def _remember(self, key: str, channel: str, ts: str, employer_id: int | None, thread: str | None = None,
                        *, at_once: bool = False) -> None:  # fmt: skip
        await self.store.remember_post(PLATFORM, key, channel, ts, employer_id, thread, at_once=at_once)

    # ------------------------------------------------------------------ sending

    async def _one(self, notice: Notice, people: People, ident: str, check: bool) -> None:
        if notice.kind is Kind.REPLY:
            await self._reply(notice, people)
            return
        to = notice.to
        paced = False
        if isinstance(to, ToPerson) and not notice.replaces and (sid := people.slack_ids.get(to.person.id)):
            # The channel's slot first: a post handed back to wait for it is not rendered for nothing.
            await self.pacer.wait(sid, ident)
            paced = True
        blocks = to_dicts(notice_blocks(notice, people))
        text = notice_text(notice, people)
        if notice.replaces:
            earlier = await self._find(notice.replaces)
            if earlier:
                for m in earlier:  # an update is the same however often it is made
                    await self.client.chat_update(channel=m.channel, ts=m.message_id, text=text, blocks=blocks)
                return
        meta = {"event_type": METADATA_TYPE, "event_payload": {"ident": ident}}
        if isinstance(to, ToPerson):
            sid = people.slack_ids.get(to.person.id)
            if not sid:
                log.info("slack: a %s notice has a recipient with no Slack ID; left to other platforms", notice.kind.value)
                return
            await self._post_once(notice, sid, ident, check, text=text, blocks=blocks, metadata=meta, paced=paced)
        elif isinstance(to, ToNational):
            national = await self.store.national_channel()
            if not national:
                raise Refused("no_national_channel")
            await self._post_once(notice, national, ident, check, text=text, blocks=blocks, metadata=meta)
        elif isinstance(to, ToPartnerSpace | ToSpace):
            await self._to_space(notice, to, people, ident, check, text=text, blocks=blocks, metadata=meta)

    async def _reply(self, notice: Notice, people: People) -> None:
        """The answer to the person who acted: only them, where they acted (else by direct message)."""
        place = notice.place
        assert place is not None
        text = cut(people.text(notice.body[0]) if notice.body else "", 3000)
        extra: dict[str, Any] = {}
        if notice.buttons:  # the answer offers a next step: the text, then its buttons
            extra["blocks"] = to_dicts([SectionBlock(text=MarkdownTextObject(text=text)), buttons_block(notice.buttons)])
        if place.handle:  # the click's response_url: only the clicker sees it (valid for 30 minutes)
            try:
                sent = await AsyncWebhookClient(place.handle, session=self.client.session).send(
                    text=text, response_type="ephemeral", replace_original=False, **extra
                )
                if sent.status_code == 200:
                    return
                if sent.status_code == 429 or sent.status_code >= 500:
                    raise TryLater(f"http_{sent.status_code}")
            except aiohttp.ClientConnectorError:
                raise TryLater("unreachable") from None
        if place.channel:
            try:
                await self.client.chat_postEphemeral(channel=place.channel, user=place.user, text=text,
                                                     thread_ts=place.thread, **extra)
                return
            except SlackApiError as exc:
                if exc.response.get("error") not in ("channel_not_found", "not_in_channel", "user_not_in_channel"):
                    raise
        resp = await self._post(place.user, text=text, **extra)  # (no channel to answer in: their DM)
        pid = await self.store.person_id_by_slack_id(place.user)
        if pid is not None:  # a direct message: erasure deletes it
            await self.store.remember_dm(pid, PLATFORM, str(resp["channel"]), str(resp["ts"]))

    async def _post_once(self, notice: Notice, channel: str, ident: str, check: bool, *, thread: str | None = None,
                         **kwargs: Any) -> None:
        """Post, unless an earlier try whose answer was lost is already there (found by metadata)."""
        found = await self._already_posted(channel, ident, thread) if check else None
        if found is not None:
            channel_id, ts = found
        else:
            resp = await self._post(channel, ident=ident, thread_ts=thread, **kwargs)
            channel_id, ts = resp["channel"], resp["ts"]
        if notice.key:
            await self._remember(notice.key, channel_id, ts, notice.employer_id, thread)
        if isinstance(notice.to, ToPerson) and notice.place is None:  # a direct message: erasure deletes it
            await self.store.remember_dm(notice.to.person.id, PLATFORM, str(channel_id), str(ts))
        if notice.files and found is None:
            await self._attach(notice, str(channel_id), thread)

    async def _attach(self, notice: Notice, channel: str, thread: str | None) -> None:
        """Upload the notice's documents beside it (files.getUploadURLExternal, then complete)."""
        if self.files is None:
            return
        for ref in notice.files:
            made = await self.files(ref)
            if made is None:
                continue
            try:
                await self.client.files_upload_v2(channel=channel, thread_ts=thread, content=made.content,
                                                  filename=made.name, title=made.name)
            except SlackApiError as exc:
                log.warning("slack: a file for a %s notice was not uploaded: %s", notice.kind.value, exc.response.get("error"))

    async def _already_posted(self, channel: str, ident: str, thread: str | None) -> tuple[str, str] | None:
        try:
            if channel.startswith(("U", "W")):  # a direct message: look in the bot's DM with them
                opened = await self.client.conversations_open(users=channel)
                channel = opened["channel"]["id"]
            if thread:
                page = await self.client.conversations_replies(channel=channel, ts=thread, include_all_metadata=True,
                                                              limit=200)
            else:
                page = await self.client.conversations_history(channel=channel, include_all_metadata=True, limit=100)
        except SlackApiError as exc:
            log.info("slack: could not check for an earlier post (%s); posting", exc.response.get("error"))
            return None
        for m in page.get("messages") or []:
            meta = m.get("metadata") or {}
            if meta.get("event_type") == METADATA_TYPE and (meta.get("event_payload") or {}).get("ident") == ident:
                return channel, str(m["ts"])
        return None

    async def _to_space(self, notice: Notice, to: Space, people: People, ident: str, check: bool,
                        **kwargs: Any) -> None:
        space_key = keys.space_keys(to)[0]
        spaces = await self._find(space_key)
        channel = spaces[0].channel if spaces else None
        if to.open_space:
            if channel is None:
                channel = await self._create_channel(to.name_hint or space_key.replace(":", "-"))
                # Kept before anything is posted, so a retry uses this channel, not a new one.
                await self._remember(space_key, channel, "", notice.employer_id, at_once=True)
            await self._invite(channel, to, people)
            found = await self._already_posted(channel, ident, None) if check else None
            if found is not None:
                ts = found[1]
            else:
                resp = await self._post(channel, ident=ident, **kwargs)
                ts = resp["ts"]
            await self._remember(space_key, channel, ts, notice.employer_id)
            if notice.key:
                await self._remember(notice.key, channel, ts, notice.employer_id)
            return
        if channel is None:
            raise TryLater("space_not_open")  # its opening post is still on its way
        root = spaces[0].message_id or None
        if isinstance(to, ToSpace) and to.thread:  # the thread of an earlier post in this space
            earlier = [m for m in await self._find(to.thread) if m.channel == channel]
            if earlier:
                root = earlier[0].thread_id or earlier[0].message_id or root
        if root and isinstance(to, ToPartnerSpace) and to.in_channel:
            kwargs["reply_broadcast"] = True  # a step's buttons or a draft: in the thread and in the channel
        await self._post_once(notice, channel, ident, check, thread=root, **kwargs)

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
