"""The Slack adapter: a slack-bolt AsyncApp whose listeners turn Slack events into engine calls.

Each listener acks first (Slack gives three seconds), calls the engine, and hands the notices to
the SlackDeliverer. Forms are opened straight after the ack, before any slow work, because the
trigger expires in three seconds. Nothing here decides anything: the engine does.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.delivery import Deliverer
from bot.logs import quiet_library_logs
from bot.services import Services
from bot.slack import views
from bot.slack.delivery import Pacer, SlackDeliverer
from bot.slack.home import HELP, status_blocks
from bot.slack.render import esc, parse_button_value
from flows.directory import Who
from flows.journey import Action
from flows.notices import Notice, Outcome
from models.db import reading
from models.tables import InboundEvent, PostedMessage

log = logging.getLogger(__name__)

AGREE = re.compile(r"^\s*(i\s+)?agree[ds]?\s*[.!]*\s*$", re.IGNORECASE)
PARTNER_KEY = re.compile(r"^partner:(\d+):r(\d+)$")

REASON_PROMPTS = {
    Action.SECRETARY_REJECT.value: ("Reject the proposal", "Why are you rejecting this proposal? Your reasons go to the rep who proposed it."),
    Action.NEM_REJECT.value: ("Reject the proposal", "Why are you rejecting this proposal? Your reasons go to the rep and the Local Association Secretary."),
    Action.PARTNER_DISAGREE.value: ("Disagree", "Why does your union disagree? Your reasons go to the rep who proposed it."),
}


class InFlight:
    """Counts listeners still working after their ack, so shutdown (and tests) can wait for them."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def track(self, fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(fn)  # bolt reads the wrapped function's argument names
        async def wrapper(*args: Any, **kwargs: Any) -> None:
            self.count += 1
            self._idle.clear()
            try:
                await fn(*args, **kwargs)
            finally:
                self.count -= 1
                if self.count == 0:
                    self._idle.set()

        return wrapper

    async def idle(self) -> None:
        for _ in range(20):  # let listeners that bolt has just scheduled start
            await asyncio.sleep(0)
        await self._idle.wait()


class Outbound:
    """Where the listeners' notices go: Slack alone, or a router across Slack and Teams."""

    def __init__(self, target: Deliverer) -> None:
        self.target = target

    async def deliver(self, notices: Sequence[Notice]) -> None:
        await self.target.deliver(notices)


@dataclass
class SlackBot:
    """The bolt app, its Web API client and the deliverer, built from the services."""

    app: AsyncApp
    client: AsyncWebClient
    deliverer: SlackDeliverer
    inflight: InFlight
    outbound: Outbound

    async def idle(self) -> None:
        """Wait until every listener has finished its work after the ack."""
        await self.inflight.idle()


def make_client(token: str, base_url: str) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=base_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client


def build_slack(services: Services) -> SlackBot:
    quiet_library_logs()
    settings = services.settings
    assert settings.slack_bot_token and settings.slack_signing_secret, "Slack is not configured"
    base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client = make_client(settings.slack_bot_token.get_secret_value(), base)
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("vws.slack.bolt"),
    )
    deliverer = SlackDeliverer(services.sessions, client, Pacer(settings.slack_channel_interval))
    inflight = InFlight()
    outbound = Outbound(deliverer)
    register(app, services, deliverer, inflight, outbound)
    return SlackBot(app, client, deliverer, inflight, outbound)


def register(app: AsyncApp, services: Services, deliverer: SlackDeliverer, inflight: InFlight, outbound: Outbound) -> None:
    engine = services.engine
    track = inflight.track

    async def finish(outcome: Outcome, respond: AsyncRespond | None = None, user: str | None = None) -> None:
        """Tell the person who acted, then everyone else."""
        text = await deliverer.reply_text(outcome)
        if respond is not None:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        elif user is not None:
            await app.client.chat_postMessage(channel=user, text=text)
        await outbound.deliver(outcome.notices)

    # ------------------------------------------------------------------ /vws

    @app.command("/vws")
    @track
    async def on_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        words = (command.get("text") or "").strip().split(maxsplit=1)
        verb = words[0].lower() if words else "help"
        rest = words[1] if len(words) > 1 else ""
        user = command["user_id"]
        who = Who(slack=user)
        if verb in ("help", "") or verb not in ("propose", "plan", "review", "revoke", "status"):
            prefix = f"I don't know `{_code(verb)}`. " if verb not in ("help", "") else ""
            await ack(text=prefix + HELP, response_type="ephemeral")
            return
        if verb == "status":
            await ack()
            await respond(blocks=status_blocks(await engine.status_for(who), with_help=False),
                          text="What is waiting for you", response_type="ephemeral")
            return
        await ack()
        trigger = command["trigger_id"]
        if verb == "propose":
            names, mine = await engine.propose_form(who)
            if not mine:
                await respond(text="Only an NASUWT workplace rep in the VWS directory can propose an employer. "
                                   "Ask your Local Association Secretary to add you.", response_type="ephemeral")
                return
            await client.views_open(trigger_id=trigger, view=views.propose_modal(names, mine))
            return
        action = {"plan": Action.AGREE_PLAN, "review": Action.OBJECTIVE_MET, "revoke": Action.REVOKE}[verb]
        employers = await engine.actionable(who, action)
        if not employers:
            what = {"plan": "record an action plan for", "review": "review", "revoke": "revoke"}[verb]
            await respond(text=f"There's no employer you can {what} just now. `/vws status` shows what is waiting for you.",
                          response_type="ephemeral")
            return
        chosen = _pick(employers, rest)
        if verb == "plan":
            avoid = await engine.previous_principles([e.id for e in employers])
            await client.views_open(trigger_id=trigger, view=views.plan_modal(employers, employer_id=chosen, avoid=avoid))
        elif verb == "review":
            await client.views_open(trigger_id=trigger, view=views.review_modal(employers, employer_id=chosen))
        else:
            await client.views_open(trigger_id=trigger, view=views.revoke_modal(employers, employer_id=chosen))

    # ------------------------------------------------------------------ buttons

    @app.action(re.compile(r"^vws:"))
    @track
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                        respond: AsyncRespond) -> None:
        await ack()
        name = action["action_id"].split(":")[1]
        data = parse_button_value(action.get("value"))
        user = body["user"]["id"]
        who = Who(slack=user)
        emp = int(data.get("e", 0))
        rev = data.get("r")
        trigger = body.get("trigger_id")
        if name in REASON_PROMPTS:
            summary = await engine.summary(emp)
            title, prompt = REASON_PROMPTS[name]
            await client.views_open(trigger_id=trigger, view=views.reasons_modal(
                name, emp, rev, summary.name if summary else "", title=title, prompt=prompt))
            return
        if name == Action.RESUBMIT.value:
            current = await engine.proposal_of(emp)
            names = await engine.association_names()
            await client.views_open(trigger_id=trigger, view=views.propose_modal(names, [], initial=current, employer_id=emp))
            return
        if name == Action.AGREE_PLAN.value:
            employers = await engine.actionable(who, Action.AGREE_PLAN)
            if not any(e.id == emp for e in employers):
                await respond(text="You can't record an action plan for this employer now: only the rep who proposed it "
                                   "or the Local Association Secretary can, once the scheme has been introduced.",
                              response_type="ephemeral", replace_original=False)
                return
            avoid = await engine.previous_principles([emp])
            await client.views_open(trigger_id=trigger, view=views.plan_modal(employers, employer_id=emp, avoid=avoid))
            return
        if name == "not_met":
            summary = await engine.summary(emp)
            await client.views_open(trigger_id=trigger, view=views.not_met_modal(emp, summary.name if summary else ""))
            return
        if name == "snooze":
            from flows import reminders  # the reminder clock's own module

            kind, subject = reminders.parse_snooze_value(data.get("v") or "")
            outcome = await reminders.snooze(engine, who, kind, subject, engine.now())
        elif name == "workplan_done":
            value = str(data.get("v") or "")
            if not value.isdigit():
                await respond(text="That button is no longer in use.", response_type="ephemeral", replace_original=False)
                return
            outcome = await engine.complete_action(who, int(value))
        elif name in (Action.SECRETARY_APPROVE.value, Action.NEM_APPROVE.value, Action.PARTNER_AGREE.value):
            outcome = await engine.decide(who, emp, name, revision=rev)
        elif name == Action.WITHDRAW.value:
            outcome = await engine.withdraw(who, emp)
        elif name == Action.CHOOSE_ROUTE.value:
            outcome = await engine.choose_route(who, emp, data.get("v") or "")
        elif name == Action.INTRODUCE.value:
            outcome = await engine.introduce(who, emp)
        elif name in (Action.ADDED_TO_LIST.value, Action.LOGO_SENT.value):
            outcome = await engine.record_national(who, emp, name)
        elif name == Action.OBJECTIVE_MET.value:
            outcome = await engine.review(who, emp, Action.OBJECTIVE_MET)
        else:
            await respond(text="That button is no longer in use. `/vws status` shows what is waiting for you.",
                          response_type="ephemeral", replace_original=False)
            return
        await finish(outcome, respond)

    # ------------------------------------------------------------------ forms

    @app.view(views.PROPOSE)
    @track
    async def on_propose(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        answers = {k: v for k, v in views.values(view).items() if v is not None}
        meta = views.metadata(view)
        if meta.get("mode") == "resubmit":
            outcome = await engine.resubmit(Who(slack=user), int(meta["employer"]), answers)
        else:
            outcome = await engine.propose(Who(slack=user), answers)
        if not await _close_or_errors(ack, view, outcome):
            await finish(outcome, user=user)

    @app.view(views.REASONS)
    @track
    async def on_reasons(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        meta = views.metadata(view)
        reasons = views.values(view).get("reasons")
        outcome = await engine.decide(Who(slack=user), int(meta["employer"]), meta["action"],
                                      revision=meta.get("revision"), reasons=reasons)
        if not await _close_or_errors(ack, view, outcome):
            await finish(outcome, user=user)

    @app.view(views.PLAN)
    @track
    async def on_plan(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        answers = views.values(view)
        emp = answers.pop("employer", None)
        if emp is None:
            await ack(response_action="errors", errors={"employer": "Choose the employer."})
            return
        plan = {k: v for k, v in answers.items() if v is not None}
        outcome = await engine.agree_plan(Who(slack=user), int(emp), plan)
        if not await _close_or_errors(ack, view, outcome):
            await finish(outcome, user=user)

    @app.view(views.REVIEW)
    @track
    async def on_review(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        answers = views.values(view)
        emp = answers.get("employer") or views.metadata(view).get("employer")
        outcome_name = answers.get("outcome")
        errors = {}
        if emp is None:
            errors["employer"] = "Choose the employer."
        if outcome_name is None:
            errors["outcome"] = "Choose the outcome of the review."
        if errors or emp is None or outcome_name is None:
            await ack(response_action="errors", errors=errors)
            return
        outcome = await engine.review(Who(slack=user), int(emp), outcome_name, reasons=answers.get("reasons"),
                                      new_review_date=answers.get("review_on"))
        if not await _close_or_errors(ack, view, outcome):
            await finish(outcome, user=user)

    @app.view(views.REVOKE)
    @track
    async def on_revoke(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        answers = views.values(view)
        if answers.get("employer") is None:
            await ack(response_action="errors", errors={"employer": "Choose the employer."})
            return
        outcome = await engine.revoke(Who(slack=user), int(answers["employer"]), answers.get("reasons"))
        if not await _close_or_errors(ack, view, outcome):
            await finish(outcome, user=user)

    # ------------------------------------------------------------------ thread replies and App Home

    @app.event("message")
    @track
    async def on_message(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts"):
            return
        if not AGREE.match(event.get("text") or ""):
            return
        channel, thread, user = str(event.get("channel") or ""), event["thread_ts"], event.get("user")
        async with reading(services.sessions) as s:
            posts = (await s.execute(select(PostedMessage.key).where(
                PostedMessage.platform == "slack", PostedMessage.channel == channel,
                PostedMessage.message_id == thread, PostedMessage.key.like("partner:%")))).scalars().all()
        match = next((m for k in posts if (m := PARTNER_KEY.match(k))), None)
        if match is None or not user:
            return
        if not await _first_delivery(services, body.get("event_id")):
            return  # Slack's retry of an event already handled
        outcome = await engine.decide(Who(slack=user), int(match[1]), Action.PARTNER_AGREE, revision=int(match[2]))
        if not outcome.ok:
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread,
                                            text=await deliverer.reply_text(outcome))
        await outbound.deliver(outcome.notices)

    @app.event("app_home_opened")
    @track
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        user = event["user"]
        status = await engine.status_for(Who(slack=user))
        await client.views_publish(user_id=user, view={"type": "home", "blocks": status_blocks(status, with_help=True)})


async def _first_delivery(services: Services, event_id: str | None) -> bool:
    """Record an inbound event id; False if it was seen before (a retry)."""
    if not event_id:
        return True
    try:
        async with services.sessions() as s, s.begin():
            s.add(InboundEvent(platform="slack", event_id=event_id, received_at=services.engine.now()))
        return True
    except IntegrityError:
        return False


async def _close_or_errors(ack: AsyncAck, view: dict[str, Any], outcome: Outcome) -> bool:
    """Close the form, or show the engine's field errors on it (nothing was written).

    Returns True when the errors are on the form: the person has been told, so no message follows.
    """
    if outcome.ok or not outcome.errors:
        await ack()
        return False
    blocks = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    errors: dict[str, str] = {}
    for field, message in outcome.errors.items():
        target = field if field in blocks else (blocks[0] if blocks else field)
        errors[target] = (errors[target] + " " if target in errors else "") + message
    await ack(response_action="errors", errors={k: v[:500] for k, v in errors.items()})
    return True


def _pick(employers: list[Any], query: str) -> int | None:
    if len(employers) == 1:
        return int(employers[0].id)
    q = " ".join(query.lower().split())
    if not q:
        return None
    hits = [e for e in employers if q in e.name.lower() or q.lstrip("#") == str(e.id)]
    return int(hits[0].id) if len(hits) == 1 else None


def _code(text: str) -> str:
    return esc(text.replace("`", "'")[:40])
