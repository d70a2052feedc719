"""The Teams listeners: one Agents SDK ``Agent`` whose turns go through the engine's dispatcher.

One handler per kind of turn, nothing per action:

- a typed message in a person's 1:1 chat is a command (``propose``, ``plan``, ``review``,
  ``status``, ``help``: :meth:`Dispatcher.command`); in an employer's partner unions' channel or
  group chat, ``agree`` / ``disagree <reasons>`` is that union's answer (anything else is
  answered with a short hint when the bot is @mentioned, else left alone); in a channel,
  ``register national channel`` (national officers and admins only). Commands never run in a
  shared conversation: their cards show one person's items, which the others there must not see.
- a card action arrives as an ``Action.Submit`` message (every button and form is one, so that
  phones can press them) or, from a card's ``refresh`` and cards posted before that, as a
  Universal Action (``adaptiveCard/action`` invoke, answered with the card that replaces the one
  clicked), with the same data: ``op`` says what it is: ``button`` (a click: the shared payload in ``p``), a
  form's id (its answers, and the payload it acts on in ``p``), ``refresh`` or ``command``; the
  card that answers it keeps the buttons of the clicked card still the person's to press (``card``).
- a ``fileConsent/invoke`` is a person allowing (or declining) a document the bot offered in their
  1:1 chat (the Code as adopted): it is uploaded to their OneDrive and shown as a file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse
from microsoft_agents.hosting.core import TurnContext

from bot.delivery import Deliverer
from bot.teams import cards
from bot.teams.store import NATIONAL_KEY, TeamsStore, partner_key, person_key, unreachable_key
from flows.core.dispatch import Response, ShowHelp, ShowStatus
from flows.core.forms import Form
from flows.core.payload import BadPayload, Payload
from flows.core.reach import Missed, reach_lines
from flows.directory import Who
from flows.engine import Engine
from flows.notices import Kind, Notice, Outcome, ToPerson
from flows.wording import say_str
from models.tables import Person

log = logging.getLogger(__name__)

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
SEARCH = "application/search"  # a typeahead's choices, asked for as the person types
FILE_CONSENT = "fileConsent/invoke"  # the person allowed (or declined) a file the bot offered
#: OneDrive and SharePoint, where Teams has the bot upload a file the person allowed.
UPLOAD_HOSTS = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.cn", ".sharepoint.de")
CONTROL = ("verb", "op", "p", "with_inputs", "card")  # a card action's own keys: the rest are answers
REGISTER_NATIONAL = re.compile(r"^register\s+(the\s+)?national\s+channel\W*$", re.I)
STALE = "That card is out of date. Type 'status' for your current items."


def _card_activity(card: dict[str, Any]) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)],
    )


class VwsAgent:
    """Handles every Teams turn. ``deliver`` sends the engine's notices (the platform router)."""

    def __init__(
        self,
        engine: Engine,
        store: TeamsStore,
        deliver: Deliverer,
        unreached: Callable[[Sequence[Notice], Collection[int] | None], Awaitable[list[Missed]]] | None = None,
        uploads: frozenset[str] = frozenset(),
    ) -> None:
        self.engine = engine
        self.dispatch = engine.dispatch
        self.store = store
        self.deliver = deliver
        self.unreached = unreached  # who of a decision's recipients the bot cannot reach, and why
        self.uploads = uploads  # upload origins trusted besides OneDrive's (a stand-in's)

    # ------------------------------------------------------------------ the turn

    async def on_turn(self, context: TurnContext) -> None:
        a = context.activity
        person = await self._person(a)
        await self._remember(a, person)
        if a.id and a.type in (ActivityTypes.message, ActivityTypes.invoke):
            if not await self.store.first_time(f"{a.conversation.id}|{a.id}"):
                if a.type == ActivityTypes.invoke:
                    await self._invoke_reply(context, cards.text_card("That was already done."))
                return
        who = Who(person_id=person.id) if person else Who(teams=self._teams_id(a))
        if a.type == ActivityTypes.invoke and a.name == SEARCH:
            value = a.value if isinstance(a.value, dict) else {}
            found = await self.dispatch.options(who, str(value.get("dataset") or ""), str(value.get("queryText") or ""))
            await context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=cards.search_results(found)))
            )
        elif a.type == ActivityTypes.invoke and a.name == ADAPTIVE_CARD_ACTION:
            value = a.value if isinstance(a.value, dict) else {}
            data = (value.get("action") or {}).get("data") or {}
            reply = await self.handle(who, data if isinstance(data, dict) else {}, a)
            await self._invoke_reply(context, reply)
        elif a.type == ActivityTypes.invoke and a.name == FILE_CONSENT:
            await context.send_activity(await self.on_file_consent(who, a))
            await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200)))
        elif a.type == ActivityTypes.invoke:  # an invoke the bot does not offer: answered, never a 501
            await self._invoke_reply(context, cards.text_card(STALE, attention=True))
        elif a.type == ActivityTypes.message and isinstance(a.value, dict) and not (a.text or "").strip():
            await self.on_submit(context, who, a, person)
        elif a.type == ActivityTypes.message:
            answer = await self.on_text(who, a, person)
            if answer is not None:
                await self._send(context, _card_activity(answer), person)
        elif a.type in (ActivityTypes.conversation_update, ActivityTypes.installation_update):
            if (a.conversation.conversation_type or "personal") == "personal" and self._bot_added(a):
                await self._send(context, _card_activity(cards.help_card(self.dispatch.help())), person)

    async def _send(self, context: TurnContext, activity: Activity, person: Person | None) -> None:
        """Answer in the turn's conversation; an answer in a person's 1:1 chat is kept (where it
        is, not what it said) so that erasing them deletes it."""
        sent = await context.send_activity(activity)
        a = context.activity
        if person is not None and sent is not None and sent.id and (a.conversation.conversation_type or "personal") == "personal":
            try:
                await self.store.store.remember_dm(person.id, "teams", str(a.conversation.id), str(sent.id), str(a.service_url))
            except Exception as exc:  # noqa: BLE001 - the answer was sent: the turn still succeeds
                log.warning("an answer in Teams could not be recorded for erasure (%s)", type(exc).__name__)

    async def on_submit(self, context: TurnContext, who: Who, a: Activity, person: Person | None = None) -> None:
        """A button or form pressed: ``Action.Submit``, which every Teams client sends as a message
        whose ``value`` is the button's data, phones included. Decided by the same dispatcher as
        a Universal Action (the activity id was checked first, so a retry does nothing).

        In a 1:1 chat the pressed card becomes the answer, as a Universal Action's would. In a
        channel or group chat the card is everyone's: turning it into one person's answer would
        take the buttons from the others, so the answer is a reply there instead, and the card
        itself is brought up to date (through the outbox, with the decision) when the case moves.
        """
        assert isinstance(a.value, dict)
        reply = await self.handle(who, a.value, a)
        personal = (a.conversation.conversation_type or "personal") == "personal"
        if personal and a.reply_to_id:
            update = _card_activity(reply)
            update.id = a.reply_to_id
            update.conversation = a.conversation
            try:
                await context.update_activity(update)
                return
            except Exception:  # noqa: BLE001 - the card may be too old to update: the answer is a new card
                log.info("could not update a pressed card; replying instead")
        await self._send(context, _card_activity(reply), person)

    async def _invoke_reply(self, context: TurnContext, card: dict[str, Any]) -> None:
        body = {"statusCode": 200, "type": cards.CARD_CONTENT_TYPE, "value": card}
        await context.send_activity(
            Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
        )

    @staticmethod
    def _bot_added(a: Activity) -> bool:
        added = a.members_added or []
        return a.type == ActivityTypes.installation_update or any(
            m.id == (a.recipient.id if a.recipient else None) for m in added
        )

    @staticmethod
    def _teams_id(a: Activity) -> str | None:
        """Who is speaking: the Entra object id only. ``from.id`` is the channel's own id for the
        person, which an activity can name freely; the object id is what the directory holds."""
        return a.from_property.aad_object_id if a.from_property else None

    async def _person(self, a: Activity) -> Person | None:
        aad = self._teams_id(a)
        return await self.store.store.person_by_teams_id([aad]) if aad else None

    async def _remember(self, a: Activity, person: Person | None) -> None:
        """Keep the 1:1 conversation reference of a person in the directory, for proactive messages."""
        if person is None or not a.conversation or not a.service_url:
            return
        if (a.conversation.conversation_type or "personal") != "personal":
            return
        ref = a.get_conversation_reference()
        await self.store.remember(
            person_key(person.id),
            conversation_id=a.conversation.id,
            service_url=a.service_url,
            kind="personal",
            reference=ref.model_dump(mode="json", by_alias=True, exclude_none=True),
            tenant_id=a.conversation.tenant_id,
            person_id=person.id,
        )
        await self.store.forget(unreachable_key(person.id))  # they are here: reachable again

    # ------------------------------------------------------------------ documents

    async def on_file_consent(self, who: Who, a: Activity) -> Activity:
        """The person's answer to a document the bot offered in their 1:1 chat: allowed, it is made
        now and uploaded where Teams says (their OneDrive), then shown as a file. Made only for
        someone the document's process says may have it, whatever the answer's context claims."""
        value: dict[str, Any] = a.value if isinstance(a.value, dict) else {}
        ctx: dict[str, Any] = value["context"] if isinstance(value.get("context"), dict) else {}
        info: dict[str, Any] = value["uploadInfo"] if isinstance(value.get("uploadInfo"), dict) else {}
        source, subject = ctx.get("vws_file"), ctx.get("subject")
        if value.get("action") != "accept":
            return _card_activity(cards.text_card(say_str("teams.file.declined")))
        readable = isinstance(source, str) and isinstance(subject, int) and not isinstance(subject, bool)
        personal = (a.conversation.conversation_type or "personal") == "personal"
        made = await self.dispatch.file_for(who, source, subject) if readable and personal else None  # type: ignore[arg-type]
        if made is None:
            return _card_activity(cards.text_card(say_str("teams.file.not_yours"), attention=True))
        url, name = info.get("uploadUrl"), info.get("name")
        if not self._may_upload(url) or not isinstance(name, str):
            log.info("a file consent named an upload address the bot does not trust")
            return _card_activity(cards.text_card(say_str("teams.file.bad_address"), attention=True))
        try:
            await self._upload(str(url), made.content)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Teams: a document could not be uploaded (%s)", type(exc).__name__)
            return _card_activity(cards.text_card(say_str("teams.file.failed"), attention=True))
        unique, kind = info.get("uniqueId"), info.get("fileType")
        return Activity(type=ActivityTypes.message, attachments=[Attachment(
            content_type=cards.FILE_INFO, content_url=str(info.get("contentUrl") or ""), name=name,
            content={"uniqueId": str(unique or ""), "fileType": str(kind or "docx")})])  # fmt: skip

    def _may_upload(self, url: object) -> bool:
        """Only OneDrive's own https hosts (or a trusted stand-in) get the bytes of a document."""
        if not isinstance(url, str) or len(url) > 4000 or not url.isascii() or "\\" in url:
            return False
        parts = urlsplit(url)
        if "@" in parts.netloc:  # no user part that two URL parsers could read two ways
            return False
        host = (parts.hostname or "").lower()
        if parts.scheme == "https" and any(host.endswith(h) for h in UPLOAD_HOSTS):
            return True
        return f"{parts.scheme}://{parts.netloc}".lower() in self.uploads

    @staticmethod
    async def _upload(url: str, content: bytes) -> None:
        """One PUT of the whole file to the upload session Teams opened for it."""
        headers = {"Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}"}
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.put(url, data=content, headers=headers, allow_redirects=False) as resp:
                resp.raise_for_status()

    # ------------------------------------------------------------------ typed messages

    async def on_text(self, who: Who, a: Activity, person: Person | None = None) -> dict[str, Any] | None:
        """The answer to a typed message; None to stay quiet (a shared chat not talking to the bot)."""
        text = (a.remove_recipient_mention() if a.entities else a.text) or ""
        text = re.sub(r"<at>[^<]*</at>", " ", text)  # a mention the SDK did not strip
        words = text.strip().split(maxsplit=1)
        first = re.sub(r"[^a-z]", "", words[0].lower()) if words else ""
        rest = words[1].strip() if len(words) > 1 else ""
        shared = (a.conversation.conversation_type or "personal") != "personal"
        if REGISTER_NATIONAL.match(text.strip()):
            return await self.register_national(person, a)
        if shared:
            addressed = a.is_recipient_mentioned() if a.entities else False
            found = await self.store.conversation_by_id(a.conversation.id)
            space = found if found is not None and found.key != NATIONAL_KEY and found.kind != "personal" else None
            if space is not None:
                answered = await self.dispatch.reply_in_space(who, [space.key], text)
                if answered is not None:
                    return await self._after(answered)
            if not addressed:
                return None
            if space is None:
                return cards.text_card(self.shared_hint())
            hint = self.dispatch.space_hint(space.key)  # the chat's own process says what counts there
            return cards.text_card(say_str("plain", text=hint) if hint is not None else say_str("teams.partner_hint"))
        answered = await self.dispatch.reply_in_private(who, text)
        if answered is not None:
            return await self._after(answered)
        return await self.show(await self.dispatch.command(who, f"{first} {rest}" if first else "help"), who)

    def shared_hint(self) -> str:
        """Said in a shared chat that is no case's space: the commands, which run in a 1:1 chat."""
        words = [f"'{c.word}'" for c in self.dispatch.commands.values() if c.menu] + ["'help'"]
        return (f"I answer {', '.join(words[:-1])} and {words[-1]} in a 1:1 chat with me, "
                "so that your items stay private.")  # fmt: skip

    async def register_national(self, person: Person | None, a: Activity) -> dict[str, Any]:
        """Make this channel the national union's: national officers and admins only."""
        if person is None or not await self.store.store.may_register_national(person.id):
            return cards.text_card(
                "Only a national officer or an admin can register the national channel. Nothing was changed.",
                attention=True,
            )
        if (a.conversation.conversation_type or "personal") == "personal" or not a.service_url:
            return cards.text_card(
                "Type 'register national channel' in the national union's Teams channel, with the bot "
                "added to its team. Nothing was changed.",
                attention=True,
            )
        base = a.conversation.id.split(";", 1)[0]
        ref = a.get_conversation_reference().model_dump(mode="json", by_alias=True, exclude_none=True)
        ref.pop("activityId", None)  # post new messages, not replies to this one
        ref.pop("user", None)  # the channel's, not the officer's
        ref["conversation"] = {**ref["conversation"], "id": base}
        await self.store.remember(
            NATIONAL_KEY,
            conversation_id=base,
            service_url=a.service_url,
            kind=a.conversation.conversation_type or "channel",
            reference=ref,
            tenant_id=a.conversation.tenant_id,
        )
        log.info("a Teams conversation was registered as the national channel")
        return cards.text_card(
            "Done: this is now the national union's channel for the Valued Worker Scheme. The bot "
            "will post here when an employer joins or leaves the scheme, so you can add it to the "
            "list and send the logo."
        )

    # ------------------------------------------------------------------ card actions and forms

    async def handle(self, who: Who, data: Mapping[str, Any], a: Activity | None = None) -> dict[str, Any]:
        """One card action or form submission; returns the card that replaces the one clicked
        (which keeps the buttons of that card still the person's to press: ``card``)."""
        op = data.get("op")
        if not isinstance(op, str):
            return cards.text_card(STALE, attention=True)
        try:
            if op == "command":
                return await self.show(await self.dispatch.command(who, str(data.get("command") or "help")), who)
            if op == "refresh":
                return await self.refresh(who, data)
            carry = _carried(data.get("card"))
            payload = Payload.unpack(data["p"]) if "p" in data else Payload(op)
            answers = {k: v for k, v in data.items() if k not in CONTROL}
            if op == "button" and not data.get("with_inputs"):
                pressed = await self.dispatch.press(who, payload)
                if isinstance(pressed, Form):
                    return cards.form_card(pressed, carry)
                return await self._after(pressed, who, carry)
            out = await self.dispatch.submit(who, payload, answers)
            if out.next_form is not None:  # the form leads to another: it takes this one's place
                return cards.form_card(out.next_form, carry)
            if not out.ok and out.errors:
                again = await self.dispatch.again(who, payload, answers, out)
                if again is not None:
                    return cards.form_card(again, carry)
            return await self._after(out, who, carry)
        except (BadPayload, KeyError, TypeError, ValueError):
            log.info("a Teams card sent data the bot cannot read")
            return cards.text_card(STALE, attention=True)

    async def show(self, response: Response | Form | Outcome, who: Who) -> dict[str, Any]:
        """The card for what the dispatcher answered."""
        if isinstance(response, Form):
            return cards.form_card(response)
        if isinstance(response, ShowHelp):
            return cards.help_card(response)
        if isinstance(response, ShowStatus):
            view = response.view
            if view is None:
                return cards.text_card("You are not in the directory. Ask an admin to add you.")
            return cards.status_card(
                [(s.name, s.stage.label, buttons) for s, buttons in view.waiting],
                [(s.name, s.stage.label) for s in view.proposals],
                [(s.name, s.review_on) for s in view.reviews],
                view.sections,
            )
        return await self._after(response)

    async def refresh(self, who: Who, data: Mapping[str, Any]) -> dict[str, Any]:
        """A card's automatic refresh: the request as it now stands for whoever opened it."""
        about = Payload.unpack(data.get("p"))
        if about.subject is None:
            raise BadPayload("refresh")
        emp = about.subject
        summary = await self.engine.summary(emp)
        if summary is None:
            return cards.text_card("That employer is no longer in the scheme's records.")
        wanted = [str(x) for x in data.get("actions") or () if isinstance(x, str)]
        offered = await self.engine.offered(who, emp, wanted) or ()
        live = [b for b in offered if about.rev is None or b.revision in (None, about.rev)]
        proposal = await self.engine.proposal_of(emp) or {}
        facts = [(label, proposal[k]) for k, label in _FACTS if proposal.get(k)]
        title = str(data.get("title") or summary.name)
        return cards.refreshed_card(
            title, summary.name, summary.stage.label, facts, live, cards.refresh_action(about, title, wanted)
        )

    async def _after(self, out: Outcome, who: Who | None = None, carry: Sequence[str] = ()) -> dict[str, Any]:
        """The card the clicked one turns into, with the buttons of that card (``carry``) that are
        still the person's to press, as the tables offer them now. (The notices to everyone else
        were written to the outbox with the decision, and leave from there.)"""
        if not out.ok:
            return cards.text_card(out.reply_text, attention=True)
        decided = _decided_for_actor(out.notices)
        card = cards.notice_card(decided) if decided is not None else cards.text_card(out.reply_text)
        if carry and who is not None:
            card = cards.with_buttons(card, await self.dispatch.still_offered(who, [Payload.unpack(c) for c in carry]))
        missed: list[Missed] = list(out.missed or ())  # known already: worked out with the decision
        if self.unreached is not None and (out.missed is None or out.unsure):  # only Teams can say
            missed += await self.unreached(out.notices, out.unsure if out.missed is not None else None)
        if missed:  # say who will not hear of it in chat, and why, with the confirmation itself
            card = cards.with_warnings(card, reach_lines(missed))
        return card


def _carried(raw: object) -> tuple[str, ...]:
    """The packed payloads of a card's buttons, as a click or a form carries them (``card``);
    anything that is not one (a forged or old card) is left out, never an error."""
    if not isinstance(raw, list):
        return ()
    out = []
    for x in raw[: cards.MAX_ACTIONS]:
        try:
            out.append(Payload.unpack(x).pack())
        except BadPayload:
            continue
    return tuple(dict.fromkeys(out))


def _decided_for_actor(notices: list[Notice]) -> Notice | None:
    return next((n for n in notices if n.kind is Kind.DECIDED and isinstance(n.to, ToPerson)), None)


_FACTS = (
    ("employer_name", "Employer"),
    ("association", "Local association"),
    ("case_for", "Why this employer"),
)


__all__ = ["VwsAgent", "partner_key"]
