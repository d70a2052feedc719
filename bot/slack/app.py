"""The Slack adapter: a slack-bolt AsyncApp with one listener per kind of interaction.

A command, a click (a button's value is the shared :class:`~flows.core.payload.Payload`), a
submitted modal, a thread reply and the App Home tab are each parsed into a call to the engine's
dispatcher, and what comes back is rendered: a form opened as a modal (inside the trigger's
three seconds), a status, a reply, and the notices handed to the deliverer. Nothing here decides
anything, and nothing here names an action: the dispatcher and the journey table do.
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

from bot.delivery import Deliverer
from bot.logs import quiet_library_logs
from bot.services import Services
from bot.slack import views
from bot.slack.delivery import PLATFORM, Pacer, SlackDeliverer
from bot.slack.home import help_text, status_blocks
from flows.core.dispatch import Response, ShowHelp, ShowStatus, stale
from flows.core.forms import Form
from flows.core.payload import BadPayload, Payload
from flows.directory import Who
from flows.notices import Notice, Outcome
from models.store import Store

log = logging.getLogger(__name__)




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
    """One listener per kind of interaction: parse, dispatch, render. Nothing here is per action."""
    engine = services.engine
    dispatch = engine.dispatch
    store = Store(services.sessions)
    track = inflight.track

    async def finish(outcome: Outcome, respond: AsyncRespond | None = None, user: str | None = None) -> None:
        """Tell the person who acted, then everyone else."""
        text = await deliverer.reply_text(outcome)
        if respond is not None:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        elif user is not None:
            await app.client.chat_postMessage(channel=user, text=text)
        await outbound.deliver(outcome.notices)

    async def show(response: Response | Form | Outcome, client: AsyncWebClient, trigger: str | None,
                   respond: AsyncRespond, user: str) -> None:
        """Render what the dispatcher answered: a form to open, a status, or a reply."""
        if isinstance(response, Form):
            await client.views_open(trigger_id=trigger, view=views.form_view(response))
        elif isinstance(response, ShowStatus):
            await respond(blocks=status_blocks(response.view), text="What is waiting for you", response_type="ephemeral")
        elif isinstance(response, ShowHelp):
            await respond(text=help_text(response), response_type="ephemeral")
        else:
            await finish(response, respond)

    # ------------------------------------------------------------------ /vws

    @app.command("/vws")
    @track
    async def on_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        who = Who(slack=command["user_id"])
        response = await dispatch.command(who, command.get("text") or "")
        if isinstance(response, ShowHelp):
            await ack(text=help_text(response), response_type="ephemeral")
            return
        await ack()
        await show(response, client, command.get("trigger_id"), respond, command["user_id"])

    # ------------------------------------------------------------------ buttons

    @app.action(re.compile(r"^vws:"))
    @track
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                        respond: AsyncRespond) -> None:
        await ack()
        user = body["user"]["id"]
        try:
            payload = Payload.unpack(action.get("value"))
        except BadPayload:
            await respond(text=await deliverer.reply_text(stale()), response_type="ephemeral", replace_original=False)
            return
        await show(await dispatch.press(Who(slack=user), payload), client, body.get("trigger_id"), respond, user)

    # ------------------------------------------------------------------ forms

    @app.view(re.compile(r"^vws:"))
    @track
    async def on_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        try:
            payload = views.payload_of(view)
        except BadPayload:
            await ack()
            await finish(stale(), user=user)
            return
        answers = {k: v for k, v in views.values(view).items() if v is not None}
        outcome = await dispatch.submit(Who(slack=user), payload, answers)
        if outcome.next_form is not None:  # the form leads to another: it takes this one's place
            await ack(response_action="update", view=views.form_view(outcome.next_form))
            return
        if not await _close_or_errors(ack, view, outcome):
            await finish(outcome, user=user)

    # ------------------------------------------------------------------ thread replies and App Home

    @app.event("message")
    @track
    async def on_message(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts"):
            return
        channel, thread, user = str(event.get("channel") or ""), event["thread_ts"], event.get("user")
        space_keys = await store.keys_at(PLATFORM, channel, thread, "%")
        if not space_keys or not user:
            return
        event_id = body.get("event_id")
        if event_id and not await store.first_time(PLATFORM, str(event_id), engine.now()):
            return  # Slack's retry of an event already handled
        outcome = await dispatch.reply_in_space(Who(slack=user), space_keys, event.get("text") or "")
        if outcome is None:
            return
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
        await client.views_publish(user_id=user, view={"type": "home", "blocks": status_blocks(status, help=dispatch.help())})


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


