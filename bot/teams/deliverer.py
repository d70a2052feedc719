"""The Teams side of ``bot.delivery.Deliverer``: proactive cards from stored conversation references.

A notice that ``replaces`` an earlier one updates the card in place wherever the bot posted it;
otherwise a new card is posted and remembered under the notice's ``key``. The partner unions'
space is a Graph channel, else a Graph group chat, else each rep's 1:1 chat with the bot.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
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

from bot.delivery import MaybeSent, Refused, TryLater, Undelivered
from bot.teams import cards
from bot.teams.auth import ServiceUrls
from bot.teams.graph import Graph, GraphRefused
from bot.teams.settings import TeamsSettings
from bot.teams.store import NATIONAL_KEY, TeamsStore, person_key
from flows.core import keys
from flows.notices import Kind, Notice, PersonRef, Space, ToNational, ToPartnerSpace, ToPerson, ToSpace

log = logging.getLogger(__name__)

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


class TeamsDeliverer:
    """Sends notices to people and spaces in Teams; one failed recipient never stops the rest."""

    def __init__(
        self,
        adapter: ChannelServiceAdapter,
        settings: TeamsSettings,
        store: TeamsStore,
        graph: Graph | None = None,
    ) -> None:
        self.adapter = adapter
        self.settings = settings
        self.store = store
        self.graph = graph
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
            await self._one(notice)
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

    async def _one(self, n: Notice) -> None:
        card = cards.notice_card(n, await self._mentions(n))
        if n.replaces and await self._update(n.replaces, card):
            return
        for ref in await self._targets(n):
            await self._post(ref, card, n)

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
                refs = [await self.person_reference(pid) for pid in row.reference.get("members", [])]
                return [r for r in refs if r]
            ref = dict(row.reference)
            root = ref.pop("root_id", None)
            if row.kind == "channel" and isinstance(to, ToSpace) and to.thread:  # an earlier post's thread
                posts = [p for p in await self.store.posts(to.thread) if p.channel.split(";")[0] == row.conversation_id]
                if posts:  # the post itself, or the root of the thread it is in
                    root = posts[0].channel.partition(";messageid=")[2] or posts[0].message_id
            if row.kind == "channel" and root and not to.open_space:  # reply in the proposal's thread
                ref["conversation"] = {**ref["conversation"], "id": f"{row.conversation_id};messageid={root}"}
            return [ref]
        return []

    async def _post(self, ref: dict[str, Any], card: dict[str, Any], n: Notice) -> None:
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

        await self.adapter.continue_conversation(self.app_id, reference.get_continuation_activity(), send)
        if n.key and sent.get("id"):
            await self.store.remember_post(n.key, reference.conversation.id, sent["id"], n.employer_id)
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

            await self.adapter.continue_conversation(
                self.app_id, reference.get_continuation_activity(), update
            )
            done = True
        return done

    async def _reference_for_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        row = await self.store.conversation_by_id(conversation_id)
        if row is None:  # the reference was replaced since: the service URL is still the channel's
            return self._reference(conversation_id, "personal", self.settings.tenant_id)
        ref = dict(row.reference)
        ref.pop("root_id", None)
        ref["conversation"] = {**ref["conversation"], "id": conversation_id}
        return ref

    async def _mentions(self, n: Notice) -> dict[int, str]:
        ids = {p.id for t in (*n.body, n.next_step) for p in t if isinstance(p, PersonRef)}
        found = await self.store.store.chat_ids(ids, "teams_id")
        return {pid: tid for pid, tid in found.items() if tid}

    # ------------------------------------------------------------------ conversations

    async def person_reference(self, person_id: int) -> dict[str, Any] | None:
        """The person's 1:1 chat with the bot; created proactively if they have a Teams id but no chat yet."""
        row = await self.store.conversation(person_key(person_id))
        if row is not None:
            return row.reference
        teams_id = (await self.store.store.chat_ids([person_id], "teams_id")).get(person_id)
        if not teams_id:
            return None
        return await self._create_personal(person_id, teams_id)

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
            await self._remember_space(key, employer_id, conversation_id, kind, tenant)
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
        """A channel in the partner team with the people added to the team, else a group chat with
        the bot installed; None when Graph allows neither (the caller then uses 1:1 chats)."""
        graph = self.graph
        assert graph is not None
        team = self.settings.partner_team_id
        if team:
            ident = str(to.employer_id) if isinstance(to, ToPartnerSpace) else to.key.replace(":", "-")
            name = to.name_hint or f"vws-{ident}"
            try:
                try:
                    channel_id = await graph.create_channel(team, name, topic)
                except GraphRefused as exc:
                    if exc.status not in (400, 409):  # 400/409: a channel of that name exists already
                        raise
                    channel_id = await graph.create_channel(team, f"{name[:40]}-{ident}", topic)
            except GraphRefused as exc:
                log.info("Graph did not make a partner channel (%s); trying a group chat", exc)
            else:
                missed = 0
                for oid in object_ids:
                    try:
                        await graph.add_team_member(team, oid)
                    except GraphRefused:
                        missed += 1
                if missed:
                    log.warning("%d people could not be added to the partner team; add them by hand", missed)
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
        self, key: str, employer_id: int | None, conversation_id: str, kind: str, tenant: str | None
    ) -> None:
        await self.store.remember(
            key,
            conversation_id=conversation_id,
            service_url=self.settings.default_service_url,
            kind=kind,
            reference=self._reference(conversation_id, kind, tenant),
            tenant_id=tenant,
            employer_id=employer_id,
        )
