"""The Teams listeners: one Agents SDK ``Agent`` whose turns call the journey engine.

Messages carry the command-menu commands (``propose``, ``plan``, ``review``, ``status``,
``help``) in a person's 1:1 chat with the bot; in an employer's partner unions' channel or group
chat, ``agree`` / ``disagree <reasons>`` (anything else is answered with a short hint when the
bot is @mentioned, else left alone); and, in a channel, ``register national channel`` (national
officers and admins only). Commands never run in a shared conversation: their cards show one
person's items, which the others there must not see. Card buttons
arrive as Universal Actions (``adaptiveCard/action`` invokes, answered with the refreshed card)
or, on older clients, as ``Action.Submit`` messages carrying the same data.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse
from microsoft_agents.hosting.core import TurnContext
from sqlalchemy import or_, select

from bot.delivery import Deliverer
from bot.teams import cards
from bot.teams.store import NATIONAL_KEY, TeamsStore, partner_key, person_key
from flows.actions import Engine
from flows.directory import Who
from flows.journey import Action, Need, Stage
from flows.notices import Kind, Notice, Outcome, ToPerson
from models.tables import Person, TeamsConversation
from models.tables import Role as RoleRow

log = logging.getLogger(__name__)

COMMANDS = ("propose", "plan", "review", "status", "help")
DECISIONS = {
    Action.SECRETARY_APPROVE,
    Action.SECRETARY_REJECT,
    Action.NEM_APPROVE,
    Action.NEM_REJECT,
    Action.PARTNER_AGREE,
    Action.PARTNER_DISAGREE,
}
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
SNOOZE = "snooze"  # a reminder's "Snooze a week" button (flows.reminders.SNOOZE)
WORKPLAN_DONE = "workplan_done"  # a workplan reminder's "Mark done" button (flows.reminders.WORKPLAN_DONE)
# A partner rep's typed answer: the first word, lower-cased, letters only.
VERDICTS = {"agree": True, "agreed": True, "disagree": False, "disagreed": False}
REGISTER_NATIONAL = re.compile(r"^register\s+(the\s+)?national\s+channel\W*$", re.I)
PARTNER_HINT = (
    "In this chat I only record each union's answer on the proposal: reply 'agree', or "
    "'disagree' followed by your reasons. For anything else, message me in a 1:1 chat."
)
SHARED_HINT = (
    "I answer 'propose', 'plan', 'review', 'status' and 'help' in a 1:1 chat with me, "
    "so that your items stay private."
)


def _card_activity(card: dict[str, Any]) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)],
    )


class VwsAgent:
    """Handles every Teams turn. ``deliver`` sends the engine's notices (the platform router)."""

    def __init__(self, engine: Engine, store: TeamsStore, deliver: Deliverer) -> None:
        self.engine = engine
        self.store = store
        self.deliver = deliver

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
        if a.type == ActivityTypes.invoke and a.name == ADAPTIVE_CARD_ACTION:
            value = a.value if isinstance(a.value, dict) else {}
            data = (value.get("action") or {}).get("data") or {}
            reply = await self.handle(who, data, a)
            await self._invoke_reply(context, reply)
        elif a.type == ActivityTypes.message and isinstance(a.value, dict) and not (a.text or "").strip():
            reply = await self.handle(who, a.value, a)  # Action.Submit from an older client
            if a.reply_to_id:
                update = _card_activity(reply)
                update.id = a.reply_to_id
                update.conversation = a.conversation
                try:
                    await context.update_activity(update)
                    return
                except Exception:  # the card may be too old to update: send the reply as a new card
                    log.info("could not update a submitted card; replying instead")
            await context.send_activity(_card_activity(reply))
        elif a.type == ActivityTypes.message:
            answer = await self.on_text(who, a, person)
            if answer is not None:
                await context.send_activity(_card_activity(answer))
        elif a.type in (ActivityTypes.conversation_update, ActivityTypes.installation_update):
            if (a.conversation.conversation_type or "personal") == "personal" and self._bot_added(a):
                await context.send_activity(_card_activity(cards.help_card()))

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
        return (a.from_property.aad_object_id or a.from_property.id) if a.from_property else None

    async def _person(self, a: Activity) -> Person | None:
        ids = [
            i for i in ((a.from_property.aad_object_id, a.from_property.id) if a.from_property else ()) if i
        ]
        if not ids:
            return None
        async with self.engine.sessions() as s:
            found = (
                await s.execute(select(Person).where(or_(*(Person.teams_id == i for i in ids))))
            ).scalars()
            by_id = {p.teams_id: p for p in found}
        return next((by_id[i] for i in ids if i in by_id), None)

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

    # ------------------------------------------------------------------ typed commands

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
            employer_id = await self._partner_space_employer(a.conversation.id)
            if employer_id is not None and first in VERDICTS:
                return await self.partner_reply(who, employer_id, VERDICTS[first], rest)
            if not addressed:
                return None
            return cards.text_card(PARTNER_HINT if employer_id is not None else SHARED_HINT)
        if first in VERDICTS:
            return await self.partner_reply_in_private(who, VERDICTS[first], rest)
        return await self.command(who, first if first in COMMANDS else "help")

    async def partner_reply(self, who: Who, employer_id: int, agree: bool, reasons: str) -> dict[str, Any]:
        """'agree' or 'disagree <reasons>' typed in an employer's partner unions' channel or chat."""
        summary = await self.engine.summary(employer_id)
        if summary is None:
            return cards.text_card("That employer is no longer in the scheme's records.")
        act = Action.PARTNER_AGREE if agree else Action.PARTNER_DISAGREE
        out = await self.engine.decide(
            who, employer_id, act, revision=summary.revision, reasons=reasons or None
        )
        return await self._after(out, {"action": act.value, "employer_id": employer_id})

    async def partner_reply_in_private(self, who: Who, agree: bool, reasons: str) -> dict[str, Any]:
        """'agree' typed in a 1:1 chat: fine when exactly one proposal waits for the person's answer
        (the partner space fell back to 1:1 chats); otherwise say where to answer."""
        view = await self.engine.status_for(who)
        waiting = [
            (s.id, b.revision)
            for s, buttons in (view.waiting if view else [])
            for b in buttons
            if b.action == Action.PARTNER_AGREE.value
        ]
        if len(waiting) != 1:
            return cards.text_card(
                "Reply 'agree' or 'disagree' in the employer's partner unions' chat, or use the "
                "buttons on the proposal's card."
                + (" More than one proposal is waiting for your answer." if waiting else "")
            )
        employer_id, revision = waiting[0]
        act = Action.PARTNER_AGREE if agree else Action.PARTNER_DISAGREE
        out = await self.engine.decide(who, employer_id, act, revision=revision, reasons=reasons or None)
        return await self._after(out, {"action": act.value, "employer_id": employer_id})

    async def register_national(self, person: Person | None, a: Activity) -> dict[str, Any]:
        """Make this channel the national union's: national officers and admins only."""
        if person is None or not (person.is_admin or await self._is_national_officer(person.id)):
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

    async def _is_national_officer(self, person_id: int) -> bool:
        async with self.engine.sessions() as s:
            found = await s.execute(
                select(RoleRow.id).where(RoleRow.person_id == person_id, RoleRow.role == "national_officer")
            )
            return found.first() is not None

    async def _partner_space_employer(self, conversation_id: str) -> int | None:
        base = conversation_id.split(";", 1)[0]
        async with self.engine.sessions() as s:
            row = (
                await s.execute(
                    select(TeamsConversation).where(
                        TeamsConversation.conversation_id == base, TeamsConversation.key.like("partner:%")
                    )
                )
            ).scalar_one_or_none()
        return row.employer_id if row else None

    async def command(self, who: Who, name: str) -> dict[str, Any]:
        if name == "propose":
            areas = await self.engine.associations_for(who)
            if not areas:
                return cards.text_card(
                    "Only NASUWT workplace reps in the directory can propose an employer. "
                    "Ask your Local Association Secretary to add you."
                )
            return cards.proposal_form(areas)
        if name in ("plan", "review"):
            view = await self.engine.status_for(who)
            if view is None:
                return cards.text_card("You are not in the directory. Ask an admin to add you.")
            want = {Action.AGREE_PLAN.value} if name == "plan" else {Action.OBJECTIVE_MET.value, "not_met"}
            employers = [
                (s.id, s.name) for s, buttons in view.waiting if any(b.action in want for b in buttons)
            ]
            if name == "review":
                employers += [
                    (s.id, s.name)
                    for s in view.reviews
                    if (s.id, s.name) not in employers and s.stage in (Stage.JOINED, Stage.REVIEW_DUE)
                ]
            if not employers:
                return cards.text_card(
                    f"No employer is waiting for you to record {'a plan' if name == 'plan' else 'a review'}."
                )
            return cards.plan_form(employers) if name == "plan" else cards.review_form(employers)
        if name == "status":
            view = await self.engine.status_for(who)
            if view is None:
                return cards.text_card("You are not in the directory. Ask an admin to add you.")
            return cards.status_card(
                [(s.name, s.stage.label, buttons) for s, buttons in view.waiting],
                [(s.name, s.stage.label) for s in view.proposals],
                [(s.name, s.review_on) for s in view.reviews],
            )
        return cards.help_card()

    # ------------------------------------------------------------------ card actions and forms

    async def handle(self, who: Who, data: Mapping[str, Any], a: Activity | None = None) -> dict[str, Any]:
        """One card action or form submission; returns the card that replaces the one clicked."""
        op = str(data.get("op") or "")
        try:
            if op == "command":
                return await self.command(who, str(data.get("command") or "help"))
            if op == "propose":
                out = await self.engine.propose(who, _proposal(data))
                if not out.ok and out.errors:
                    areas = await self.engine.associations_for(who) or [str(data.get("association") or "")]
                    return cards.proposal_form(areas, data, out.errors, problem=out.reply_text)
                return await self._after(out, data)
            if op == "resubmit":
                emp = int(data["employer_id"])
                out = await self.engine.resubmit(who, emp, _proposal(data))
                if not out.ok and out.errors:
                    areas = await self.engine.associations_for(who) or [str(data.get("association") or "")]
                    return cards.proposal_form(
                        areas, data, out.errors, employer_id=emp, problem=out.reply_text
                    )
                return await self._after(out, data)
            if op == "agree_plan":
                emp = int(data.get("employer_id") or 0)
                name = (await self.engine.summary(emp)) if emp else None
                if name is None:
                    return cards.text_card("Choose the employer.", attention=True)
                plan = {
                    k: data.get(k)
                    for k in (
                        "principle",
                        "objectives",
                        "activities",
                        "success_criteria",
                        "workplan",
                        "review_on",
                    )
                    if data.get(k) not in (None, "")
                }
                out = await self.engine.agree_plan(who, emp, plan)
                if not out.ok and out.errors:
                    return cards.plan_form([(emp, name.name)], data, out.errors, problem=out.reply_text)
                return await self._after(out, data)
            if op == "review":
                emp = int(data.get("employer_id") or 0)
                outcome = str(data.get("outcome") or "")
                if outcome not in {o for o, _ in cards.REVIEW_OUTCOMES}:
                    return cards.text_card("Choose the outcome of the review.", attention=True)
                out = await self.engine.review(
                    who,
                    emp,
                    outcome,
                    reasons=_str(data.get("reasons")),
                    new_review_date=_str(data.get("new_review_date")),
                )
                if not out.ok and out.errors:
                    summ = await self.engine.summary(emp)
                    return cards.review_form(
                        [(emp, summ.name if summ else "?")],
                        data,
                        out.errors,
                        not_met=outcome != "objective_met",
                        problem=out.reply_text,
                    )
                return await self._after(out, data)
            if op == "button":
                return await self.button(who, data)
            if op == "refresh":
                return await self.refresh(who, data)
        except (KeyError, TypeError, ValueError):
            log.info("a Teams card sent data the bot cannot read (op %s)", op[:20])
            return cards.text_card(
                "That card is out of date. Type 'status' for your current items.", attention=True
            )
        return cards.help_card()

    async def refresh(self, who: Who, data: Mapping[str, Any]) -> dict[str, Any]:
        """A card's automatic refresh: the request as it now stands for whoever opened it."""
        emp = int(data["employer_id"])
        summary = await self.engine.summary(emp)
        if summary is None:
            return cards.text_card("That employer is no longer in the scheme's records.")
        wanted = {str(a) for a in data.get("actions") or ()}
        revision = int(data["revision"]) if data.get("revision") not in (None, "") else None
        view = await self.engine.status_for(who)
        live = [
            b
            for s, buttons in (view.waiting if view else [])
            if s.id == emp
            for b in buttons
            if b.action in wanted and (revision is None or b.revision in (None, revision))
        ]
        proposal = await self.engine.proposal_of(emp) or {}
        facts = [(label, proposal[k]) for k, label in _FACTS if proposal.get(k)]
        again = {k: data[k] for k in ("op", "employer_id", "title", "actions", "revision") if k in data}
        refresh = {
            "action": {"type": "Action.Execute", "verb": cards.VERB, "data": {"verb": cards.VERB, **again}}
        }
        return cards.refreshed_card(
            str(data.get("title") or summary.name), summary.name, summary.stage.label, facts, live, refresh
        )

    async def button(self, who: Who, data: Mapping[str, Any]) -> dict[str, Any]:
        act = str(data["action"])
        if act == SNOOZE:  # a reminder's button: about a reminder, not (only) an employer
            from flows import reminders  # the reminder clock's module

            kind, subject = reminders.parse_snooze_value(str(data.get("value") or ""))
            out = await reminders.snooze(self.engine, who, kind, subject, self.engine.now())
            return await self._after(out, data)
        if act == WORKPLAN_DONE:  # a workplan reminder's button: the value is the action's id
            value = str(data.get("value") or "")
            if not value.isdigit():
                return cards.text_card("That button is no longer in use.", attention=True)
            return await self._after(await self.engine.complete_action(who, int(value)), data)
        emp = int(data["employer_id"])
        revision = int(data["revision"]) if data.get("revision") not in (None, "") else None
        needs = cards.needs_of(data)
        given = bool(data.get("with_inputs"))
        summary = await self.engine.summary(emp)
        if summary is None:
            return cards.text_card("That employer is no longer in the scheme's records.", attention=True)
        if act == "not_met":
            return cards.review_form([(emp, summary.name)], {"outcome": "not_met_extend"}, not_met=True)
        if Need.PROPOSAL in needs and act == Action.RESUBMIT.value:
            return cards.proposal_form(
                [summary.association],
                {
                    "employer_name": summary.name,
                    "employer_kind": summary.kind,
                    "association": summary.association,
                },
                employer_id=emp,
            )
        if Need.PLAN in needs:
            return cards.plan_form([(emp, summary.name)])
        if Need.REASONS in needs and not given:
            return cards.reasons_form(data, _title(act), heading=summary.name)
        reasons = _str(data.get("reasons"))
        if act in {d.value for d in DECISIONS}:
            out = await self.engine.decide(who, emp, act, revision=revision, reasons=reasons)
        elif act == Action.CHOOSE_ROUTE.value:
            out = await self.engine.choose_route(who, emp, str(data.get("value") or ""))
        elif act == Action.INTRODUCE.value:
            out = await self.engine.introduce(who, emp)
        elif act in (Action.ADDED_TO_LIST.value, Action.LOGO_SENT.value):
            out = await self.engine.record_national(who, emp, act)
        elif act == Action.OBJECTIVE_MET.value:
            out = await self.engine.review(who, emp, Action.OBJECTIVE_MET)
        elif act == Action.WITHDRAW.value:
            out = await self.engine.withdraw(who, emp, reasons)
        elif act == Action.REVOKE.value:
            out = await self.engine.revoke(who, emp, reasons)
        else:
            return cards.text_card("That button is not one the bot knows. Type 'status'.", attention=True)
        if not out.ok and "reasons" in out.errors:
            return cards.reasons_form(data, _title(act), errors=out.errors, heading=summary.name)
        return await self._after(out, data)

    async def _after(self, out: Outcome, data: Mapping[str, Any]) -> dict[str, Any]:
        """Deliver the notices, and pick the card the clicked one turns into."""
        if out.notices:
            await self.deliver.deliver(out.notices)
        if not out.ok:
            return cards.text_card(out.reply_text, attention=True)
        decided = _decided_for_actor(out.notices)
        if decided is not None:
            return cards.notice_card(decided)
        return cards.text_card(out.reply_text)


def _decided_for_actor(notices: list[Notice]) -> Notice | None:
    return next((n for n in notices if n.kind is Kind.DECIDED and isinstance(n.to, ToPerson)), None)


def _str(value: Any) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None


def _proposal(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: data.get(k)
        for k in ("employer_name", "employer_kind", "association", "case_for", "origin")
        if data.get(k) not in (None, "")
    }


_FACTS = (
    ("employer_name", "Employer"),
    ("association", "Local association"),
    ("case_for", "Why this employer"),
)

_TITLES = {
    Action.SECRETARY_REJECT.value: "Reject",
    Action.NEM_REJECT.value: "Reject",
    Action.PARTNER_DISAGREE.value: "Disagree",
    Action.REVOKE.value: "Revoke",
    Action.WITHDRAW.value: "Withdraw",
}


def _title(act: str) -> str:
    return _TITLES.get(act, act.replace("_", " ").capitalize())


__all__ = ["VwsAgent", "partner_key"]
