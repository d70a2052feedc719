"""The Teams side of ``bot.delivery.Deliverer``: proactive cards from stored conversation references.

A notice that ``replaces`` an earlier one updates the card in place wherever the bot posted it;
otherwise a new card is posted and remembered under the notice's ``key``. The partner unions'
space is a Graph channel, else a Graph group chat, else each rep's 1:1 chat with the bot.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext
from microsoft_agents.hosting.core.authorization import AuthenticationConstants
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import MaybeSent, Pacer, Refused, TryLater, Undelivered, Unreachable
from bot.teams import cards
from bot.teams.auth import ServiceUrls
from bot.teams.clients import closing_clients
from bot.teams.graph import Graph, GraphRefused
from bot.teams.settings import TeamsSettings
from bot.teams.store import NATIONAL_KEY, TeamsStore, person_key, unreachable_key
from flows.core import keys
from flows.notices import (
    File,
    FileRef,
    Kind,
    Notice,
    PersonRef,
    Space,
    ToNational,
    ToPartnerSpace,
    ToPerson,
    ToSpace,
)
from flows.wording import say_str

log = logging.getLogger(__name__)

MEMBERS = "vws_members"  # in a space's stored reference: the people (directory ids) it was made for
RETRY_UNREACHABLE = timedelta(hours=12)  # how long a person who could not be reached is left alone
PREPARE_WITHIN = 8.0  # seconds a click waits to learn whether its recipients can be reached

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def classify(exc: BaseException) -> Undelivered:
    """What a failed Bot Connector call means for the outbox: try later, or give up."""
    if isinstance(exc, aiohttp.ClientResponseError):
        if exc.status == 429:
            after = exc.headers.get("Retry-After") if exc.headers else None
            return TryLater("http_429", float(after) if after and str(after).isascii() and str(after).isdigit() and len(str(after)) < 7 else None)
        if exc.status >= 500:
            return TryLater(f"http_{exc.status}")
        return Refused(f"http_{exc.status}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TryLater("unreachable")
    if isinstance(exc, TimeoutError | aiohttp.ClientError | ConnectionError):
        return MaybeSent(type(exc).__name__)
    raise exc


def _unreachable(code: str, why: str) -> Unreachable:
    """Teams will not let the bot reach a person: the outbox records why, in plain words."""
    return Unreachable(f"not reachable in Teams ({code}): {say_str(why)}", why)


class TeamsDeliverer:
    """Sends notices to people and spaces in Teams; one failed recipient never stops the rest."""

    def __init__(
        self,
        adapter: ChannelServiceAdapter,
        settings: TeamsSettings,
        store: TeamsStore,
        graph: Graph | None = None,
        pacer: Pacer | None = None,
        files: Callable[[FileRef], Awaitable[File | None]] | None = None,
    ) -> None:
        self.adapter = adapter
        self.files = files  # makes the documents notices carry (the dispatcher's makers), to offer them
        self.settings = settings
        self.store = store
        self.graph = graph
        self.pacer = pacer or Pacer(settings.conversation_interval)  # per conversation, like Slack's per channel
        self.service_urls = ServiceUrls(settings)

    def _allowed(self, service_url: object) -> None:
        """Refuse (for good) a post to a host that is not one of Microsoft's service URLs: a
        stored reference is only ever from a checked activity, but the bearer token must never
        leave for anywhere else whatever is stored."""
        if not self.service_urls.allowed(service_url):
            raise Refused("service_url_not_allowed")

    @property
    def app_id(self) -> str:
        return self.settings.app_id or ""

    async def send(self, notice: Notice, *, ident: str, check: bool = False) -> None:
        """Deliver one notice; raises Undelivered (TryLater, MaybeSent, Refused) when Teams did not.

        The Bot Connector has no way to look up a message by our ident, so a try whose answer was
        lost is made again (``check`` changes nothing here)."""
        if notice.kind is Kind.REPLY:
            return  # the answer to a Teams click is the card in the invoke's response
        try:
            await self._one(notice, ident)
        except Undelivered:
            raise
        except Exception as exc:  # noqa: BLE001 - turned into what the outbox should do
            raise classify(exc) from None

    async def deliver(self, notices: Sequence[Notice]) -> None:
        """Deliver now, one by one, logging failures (the CLI; the outbox worker calls send)."""
        for i, n in enumerate(notices):
            try:
                await self.send(n, ident=f"direct-{i}")
            except Undelivered as exc:
                log.warning("Teams delivery of a %s notice failed (%s)", n.kind.value, exc.code)

    # ------------------------------------------------------------------ one notice

    async def _one(self, n: Notice, ident: str | None = None) -> None:
        card = cards.notice_card(n, await self._mentions(n), await self._may_act(n))
        if n.replaces and await self._update(n.replaces, card):
            return
        for ref in await self._targets(n):
            await self._post(ref, card, n, ident)
            if n.files and isinstance(n.to, ToPerson):
                await self._offer_files(ref, n)

    async def _offer_files(self, ref: dict[str, Any], n: Notice) -> None:
        """Offer the notice's documents beside its card, in the person's 1:1 chat: Teams lets a
        bot send a file there only once the person allows it into their OneDrive (a file consent
        card; the upload follows in :meth:`VwsAgent.on_file_consent`). A document that cannot be
        offered is logged, never a reason to post the card again."""
        if self.files is None:
            return
        for f in n.files:
            try:
                made = await self.files(f)
                if made is None:
                    continue
                await self._send(ref, Attachment(content_type=cards.FILE_CONSENT, name=made.name,
                                                 content=cards.file_consent(f, made)))  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - the card itself was delivered
                log.warning("Teams: a document for a %s notice was not offered (%s)", n.kind.value, type(exc).__name__)

    async def _send(self, ref: dict[str, Any], attachment: Attachment) -> None:
        """Post one attachment in a stored conversation, at the conversation's pace."""
        reference = ConversationReference.model_validate(ref)
        self._allowed(reference.service_url)

        async def send(context: TurnContext) -> None:
            await context.send_activity(Activity(type=ActivityTypes.message, attachments=[attachment]))

        await self.pacer.wait(str(reference.conversation.id).split(";")[0])
        await self._continue(reference, send)

    async def _targets(self, n: Notice) -> list[dict[str, Any]]:
        to = n.to
        if isinstance(to, ToPerson):
            ref = await self.person_reference(to.person.id)
            return [ref] if ref else []
        if isinstance(to, ToNational):
            row = await self.store.conversation(NATIONAL_KEY)
            if row is None:
                log.info("no Teams channel registered for the national union")
            return [row.reference] if row else []
        if isinstance(to, ToPartnerSpace | ToSpace):
            if to.open_space:
                await self.open_partner_space(to, n.headline)
            row = await self.store.conversation(keys.space_keys(to)[1])
            if row is None:
                return []
            if row.kind == "fanout":
                refs = []
                for pid in row.reference.get("members", []):
                    try:
                        refs.append(await self.person_reference(pid))
                    except Unreachable:
                        log.info("a member of a shared space cannot be reached in Teams; skipped")
                return [r for r in refs if r]
            ref = dict(row.reference)
            root = ref.pop("root_id", None)
            ref.pop(MEMBERS, None)
            if row.kind == "channel" and isinstance(to, ToSpace) and to.thread:  # an earlier post's thread
                posts = [p for p in await self.store.posts(to.thread) if p.channel.split(";")[0] == row.conversation_id]
                if posts:  # the post itself, or the root of the thread it is in
                    root = posts[0].channel.partition(";messageid=")[2] or posts[0].message_id
            if row.kind == "channel" and root and not to.open_space:  # reply in the proposal's thread
                ref["conversation"] = {**ref["conversation"], "id": f"{row.conversation_id};messageid={root}"}
            return [ref]
        return []

    async def _post(self, ref: dict[str, Any], card: dict[str, Any], n: Notice, ident: str | None = None) -> None:
        reference = ConversationReference.model_validate(ref)
        self._allowed(reference.service_url)
        sent: dict[str, str] = {}

        async def send(context: TurnContext) -> None:
            activity = Activity(
                type=ActivityTypes.message,
                attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)],
                summary=n.headline[:200],
            )
            response = await context.send_activity(activity)
            if response and response.id:
                sent["id"] = response.id

        conversation = str(reference.conversation.id).split(";")[0]  # a channel's threads share its limit
        await self.pacer.wait(conversation, ident)  # a post handed back keeps its slot
        try:
            await self._continue(reference, send)
        except aiohttp.ClientResponseError as exc:
            if exc.status == 429:
                problem = classify(exc)
                if isinstance(problem, TryLater) and problem.after:
                    self.pacer.hold(conversation, problem.after)  # only this conversation waits
                raise problem from None
            if exc.status == 403 and isinstance(n.to, ToPerson):  # they removed the app
                await self._mark_unreachable(n.to.person.id, f"http_{exc.status}", "reach.removed")
                await self.store.forget(person_key(n.to.person.id))
                raise _unreachable("http_403", "reach.removed") from None
            raise
        if n.key and sent.get("id"):
            await self.store.remember_post(n.key, reference.conversation.id, sent["id"], n.employer_id)
        if sent.get("id") and reference.conversation.conversation_type == "personal":  # erasure deletes it
            await self._remember_dm(n, str(reference.conversation.id), sent["id"], str(reference.service_url))
        if isinstance(n.to, ToPartnerSpace | ToSpace) and n.to.open_space and sent.get("id"):
            row = await self.store.conversation(keys.space_keys(n.to)[1])
            if row is not None and row.kind == "channel":
                await self.store.remember(
                    row.key,
                    conversation_id=row.conversation_id,
                    service_url=row.service_url,
                    kind=row.kind,
                    reference={**row.reference, "root_id": sent["id"]},
                    tenant_id=row.tenant_id,
                    employer_id=row.employer_id,
                )

    async def _remember_dm(self, n: Notice, conversation_id: str, activity_id: str, service_url: str) -> None:
        """A message in a person's 1:1 chat (a notice to them, or a shared space sent to each
        member's chat): kept so that erasing them deletes it."""
        if isinstance(n.to, ToPerson):
            person_id: int | None = n.to.person.id
        else:
            row = await self.store.conversation_by_id(conversation_id)
            person_id = row.person_id if row is not None else None
        if not person_id:
            return
        try:
            await self.store.store.remember_dm(person_id, "teams", conversation_id, activity_id, service_url)
        except Exception as exc:  # noqa: BLE001 - it was delivered: a retry would post it twice (no lookup in Teams)
            log.warning("a delivered Teams message could not be recorded for erasure (%s)", type(exc).__name__)

    async def delete(self, message: dict[str, Any]) -> None:
        """Delete one of the bot's own messages in a 1:1 chat (erasure): the Bot Connector's
        ``DELETE /v3/conversations/{id}/activities/{activityId}``. One already gone (404) is done."""
        conversation, activity_id = str(message.get("channel") or ""), str(message.get("message") or "")
        if not conversation or not activity_id:
            raise Refused("no_message_reference")
        ref = self._reference(conversation, "personal", self.settings.tenant_id,
                              service_url=str(message.get("service_url") or "") or None)  # fmt: skip
        reference = ConversationReference.model_validate(ref)
        self._allowed(reference.service_url)

        async def remove(context: TurnContext) -> None:
            await context.delete_activity(activity_id)

        await self.pacer.wait(conversation)
        try:
            await self._continue(reference, remove)
        except aiohttp.ClientResponseError as exc:
            if exc.status == 404:
                return
            problem = classify(exc)
            if isinstance(problem, TryLater) and problem.after:
                self.pacer.hold(conversation, problem.after)
            raise problem from None
        except Undelivered:
            raise
        except Exception as exc:  # noqa: BLE001 - turned into what the outbox should do
            raise classify(exc) from None

    async def _continue(self, reference: ConversationReference, logic: Any) -> None:
        """Run ``logic`` in a stored conversation, raising what it raised. (The SDK hands a
        failure inside a proactive turn to the adapter's turn-error handler, which would count a
        refused post as delivered and post an apology in the conversation.)"""
        failed: list[Exception] = []

        async def run(context: TurnContext) -> None:
            try:
                await logic(context)
            except Exception as exc:  # noqa: BLE001 - raised again below, outside the SDK's pipeline
                failed.append(exc)

        await self.adapter.continue_conversation(self.app_id, reference.get_continuation_activity(), run)
        if failed:
            raise failed[0]

    async def _update(self, key: str, card: dict[str, Any]) -> bool:
        """Replace every card posted under ``key``; False when none was posted in Teams."""
        posts = await self.store.posts(key)
        done = False
        for post in posts:
            row = await self._reference_for_conversation(post.channel)
            if row is None:
                continue
            reference = ConversationReference.model_validate(row)
            self._allowed(reference.service_url)

            async def update(
                context: TurnContext, message_id: str = post.message_id, conv: Any = reference.conversation
            ) -> None:
                activity = Activity(
                    type=ActivityTypes.message,
                    id=message_id,
                    conversation=conv,
                    attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)],
                )
                await context.update_activity(activity)

            try:
                await self._continue(reference, update)
            except aiohttp.ClientResponseError as exc:
                if exc.status == 429 or exc.status >= 500:
                    raise
                log.info("a card could not be updated (http_%d); the others still are", exc.status)
                continue  # gone, or the app removed there: the rest of the copies are still updated
            done = True
        return done

    async def _reference_for_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        row = await self.store.conversation_by_id(conversation_id)
        if row is None:  # the reference was replaced since: the service URL is still the channel's
            return self._reference(conversation_id, "personal", self.settings.tenant_id)
        ref = dict(row.reference)
        ref.pop("root_id", None)
        ref.pop(MEMBERS, None)
        ref["conversation"] = {**ref["conversation"], "id": conversation_id}
        return ref

    async def _may_act(self, n: Notice) -> list[str]:
        """The Teams ids (``29:...``, as Teams gave them when the person wrote) of the people who
        may act on a notice's buttons: its recipient, or the members of the space it goes to."""
        if not n.buttons:
            return []
        to = n.to
        if isinstance(to, ToPerson):
            people = [to.person.id]
        elif isinstance(to, ToPartnerSpace | ToSpace):
            if to.open_space:
                people = [m.id for m in to.members]
            else:
                row = await self.store.conversation(keys.space_keys(to)[1])
                found = row.reference.get(MEMBERS if row.kind != "fanout" else "members") if row else None
                people = [int(p) for p in found or []]
        else:
            return []
        out = []
        for pid in people[: cards.MAX_REFRESH_USERS]:
            row = await self.store.conversation(person_key(pid))
            user = (row.reference.get("user") or {}).get("id") if row is not None else None
            if isinstance(user, str) and user.startswith("29:"):
                out.append(user)
        return out

    async def _mentions(self, n: Notice) -> dict[int, str]:
        ids = {p.id for t in (*n.body, n.next_step) for p in t if isinstance(p, PersonRef)}
        found = await self.store.store.chat_ids(ids, "teams_id")
        return {pid: tid for pid, tid in found.items() if tid}

    # ------------------------------------------------------------------ conversations

    async def person_reference(self, person_id: int) -> dict[str, Any] | None:
        """The person's 1:1 chat with the bot. For someone who never wrote to it, the app is first
        installed for them through Graph (Teams lets a bot message only people who have it), then
        the chat is created. Raises :class:`Unreachable` when Teams will not let the bot reach
        them (that is remembered for a while, so each notice does not try again)."""
        row = await self.store.conversation(person_key(person_id))
        if row is not None:
            return row.reference
        teams_id = (await self.store.store.chat_ids([person_id], "teams_id")).get(person_id)
        if not teams_id:
            return None
        marked = await self.store.conversation(unreachable_key(person_id))
        if marked is not None:
            at = marked.updated_at if marked.updated_at.tzinfo else marked.updated_at.replace(tzinfo=UTC)
            if datetime.now(UTC) - at < RETRY_UNREACHABLE:
                raise _unreachable(str(marked.reference.get("code", "?")),
                                   str(marked.reference.get("reason", "reach.not_installed")))  # fmt: skip
        reason = await self._install(teams_id)
        try:
            ref = await self._create_personal(person_id, teams_id)
        except aiohttp.ClientResponseError as exc:
            if exc.status not in (401, 403, 404):
                raise
            why = reason or "reach.not_installed"
            await self._mark_unreachable(person_id, f"http_{exc.status}", why)
            raise _unreachable(f"http_{exc.status}", why) from None
        await self.store.forget(unreachable_key(person_id))
        return ref

    async def known_reach(self, s: AsyncSession, person_id: int) -> tuple[bool, str | None]:
        """From the records alone, in the session ``s``: (True, None) for someone with a chat
        with the bot, (True, why) for someone it lately failed to reach, (False, None) when only
        trying can tell (they never used the bot: the app must be installed first)."""
        if await self.store.store.conversation(person_key(person_id), s) is not None:
            return True, None
        marked = await self.store.store.conversation(unreachable_key(person_id), s)
        if marked is not None:
            at = marked.updated_at if marked.updated_at.tzinfo else marked.updated_at.replace(tzinfo=UTC)
            if datetime.now(UTC) - at < RETRY_UNREACHABLE:
                return True, str(marked.reference.get("reason", "reach.not_installed"))
        return False, None

    async def prepare(self, person_id: int) -> str | None:
        """Make sure a person can be reached in Teams (install the app, create the chat) before
        the confirmation to whoever acted is shown; returns why not (a wording id), else None."""
        try:
            await asyncio.wait_for(self.person_reference(person_id), PREPARE_WITHIN)
        except Unreachable as exc:
            return exc.reason
        except Exception as exc:  # noqa: BLE001 - not known yet: the outbox will keep trying
            log.info("could not yet tell whether a person can be reached in Teams (%s)", type(exc).__name__)
        return None

    async def _install(self, teams_id: str) -> str | None:
        """Install the app for a person through Graph. Returns a reason (a wording id) when Graph
        said no; None when installed, already there, or not ours to install (no Graph, no
        catalogue id, or not an Entra object id: the tenant's app setup policy may have done it)."""
        if self.graph is None or not self.settings.catalog_app_id or not GUID.match(teams_id):
            return None
        try:
            await self.graph.install_for_user(teams_id, self.settings.catalog_app_id)
        except GraphRefused as exc:
            if exc.status in (429, 503):  # still throttled after waiting: not a refusal, try later
                raise TryLater(f"graph_{exc.status}") from None
            log.info("Graph did not install the app for a person (%s)", exc)
            return "reach.elsewhere" if exc.status == 404 else "reach.not_installed"
        return None

    async def _mark_unreachable(self, person_id: int, code: str, reason: str) -> None:
        await self.store.remember(
            unreachable_key(person_id),
            conversation_id="-",
            service_url="-",
            kind="unreachable",
            reference={"code": code, "reason": reason},
            person_id=person_id,
        )

    async def _create_personal(self, person_id: int, teams_id: str) -> dict[str, Any] | None:
        made: dict[str, Any] = {}
        tenant = self.settings.tenant_id
        params = ConversationParameters.model_validate(
            {
                "isGroup": False,
                "bot": {"id": f"28:{self.app_id}"},
                "members": [{"id": teams_id}],
                "tenantId": tenant,
                "channelData": {"tenant": {"id": tenant}} if tenant else None,
            }
        )

        async def created(context: TurnContext) -> None:
            made["conversation_id"] = context.activity.conversation.id

        self._allowed(self.settings.default_service_url)
        async with closing_clients():  # the SDK leaves this call's client (and its HTTP session) open
            await self.adapter.create_conversation(
                self.app_id,
                "msteams",
                self.settings.default_service_url,
                AuthenticationConstants.AGENTS_SDK_SCOPE,
                params,
                created,
            )
        if not made:
            return None
        ref = self._reference(made["conversation_id"], "personal", tenant, user_id=teams_id)
        await self.store.remember(
            person_key(person_id),
            conversation_id=made["conversation_id"],
            service_url=self.settings.default_service_url,
            kind="personal",
            reference=ref,
            tenant_id=tenant,
            person_id=person_id,
        )
        return ref

    def _reference(
        self,
        conversation_id: str,
        kind: str,
        tenant: str | None,
        user_id: str | None = None,
        service_url: str | None = None,
    ) -> dict[str, Any]:
        ref = ConversationReference(
            conversation=ConversationAccount(id=conversation_id, conversation_type=kind, tenant_id=tenant),
            agent=ChannelAccount(id=f"28:{self.app_id}"),
            user=ChannelAccount(id=user_id) if user_id else None,
            channel_id="msteams",  # type: ignore[arg-type]  # validated into a ChannelId
            service_url=service_url or self.settings.default_service_url,
        )
        return ref.model_dump(mode="json", by_alias=True, exclude_none=True)

    async def open_partner_space(self, to: Space, topic: str) -> None:
        """Create a case's shared space once: Graph channel, else group chat, else 1:1 fan-out."""
        key = keys.space_keys(to)[1]
        employer_id = to.employer_id if isinstance(to, ToPartnerSpace) else None
        if await self.store.has(key):
            return
        found = await self.store.store.chat_ids([m.id for m in to.members], "teams_id")
        in_teams = [(pid, tid) for pid, tid in found.items() if tid]
        tenant = self.settings.tenant_id
        object_ids = [tid for _, tid in in_teams if GUID.match(tid)]
        made = await self._graph_space(to, topic, object_ids) if self.graph is not None else None
        if made is not None:
            conversation_id, kind = made
            await self._remember_space(key, employer_id, conversation_id, kind, tenant, [m.id for m in to.members])
            return
        await self.store.remember(
            key,
            conversation_id=f"fanout:{key}",
            service_url=self.settings.default_service_url,
            kind="fanout",
            reference={"members": [pid for pid, _ in in_teams]},
            tenant_id=tenant,
            employer_id=employer_id,
        )

    async def _graph_space(
        self, to: Space, topic: str, object_ids: list[str]
    ) -> tuple[str, str] | None:
        """A private channel in the partner team whose members are the space's people (each
        employer's reps see only their own employers), else a group chat with the bot installed;
        None when Graph allows neither (the caller then uses 1:1 chats). Never a standard
        channel: every member of the team would read it."""
        graph = self.graph
        assert graph is not None
        team = self.settings.partner_team_id
        if team and object_ids:
            ident = str(to.employer_id) if isinstance(to, ToPartnerSpace) else to.key.replace(":", "-")
            name = to.name_hint or f"vws-{ident}"
            members = []  # a private channel's members must be in the team first
            for oid in object_ids:
                try:
                    await graph.add_team_member(team, oid)
                    members.append(oid)
                except GraphRefused:
                    pass
            if len(members) < len(object_ids):
                log.warning("%d people could not be added to the partner team; add them by hand (or as guests)",
                            len(object_ids) - len(members))  # fmt: skip
            owners = members[-1:]  # the flows list the NASUWT officers (proposer, Secretary) last
            try:
                try:
                    channel_id = await graph.create_channel(team, name, topic, private=True, owners=owners, members=members)
                except GraphRefused as exc:
                    if exc.status not in (400, 409) or not members:  # 400/409: a channel of that name exists already
                        raise
                    channel_id = await graph.create_channel(
                        team, f"{name[:40]}-{ident}", topic, private=True, owners=owners, members=members
                    )
            except GraphRefused as exc:
                log.info("Graph did not make a partner channel (%s); trying a group chat", exc)
            else:
                return channel_id, "channel"
        if not self.settings.catalog_app_id:
            log.info("no VWS_TEAMS_CATALOG_APP_ID: no partner group chat; using 1:1 chats")
            return None
        if len(object_ids) < 2:
            log.info("too few partner reps with Teams accounts for a group chat; using 1:1 chats")
            return None
        try:
            chat_id = await graph.create_group_chat(topic, object_ids, self.settings.catalog_app_id)
        except GraphRefused as exc:
            log.info("Graph did not make a partner group chat (%s); using 1:1 chats", exc)
            return None
        return chat_id, "groupChat"

    async def _remember_space(
        self,
        key: str,
        employer_id: int | None,
        conversation_id: str,
        kind: str,
        tenant: str | None,
        members: list[int],
    ) -> None:
        await self.store.remember(
            key,
            conversation_id=conversation_id,
            service_url=self.settings.default_service_url,
            kind=kind,
            reference={**self._reference(conversation_id, kind, tenant), MEMBERS: members},
            tenant_id=tenant,
            employer_id=employer_id,
        )
