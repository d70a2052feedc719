"""The Slack adapter: a slack-bolt AsyncApp with one listener per kind of interaction.

A command, a click (a button's value is the shared :class:`~flows.core.payload.Payload`), a
submitted modal, a thread reply and the App Home tab are each parsed into a call to the engine's
dispatcher, and what comes back is rendered: a form opened as a modal (inside the trigger's
three seconds), a status, field errors on a form. Nothing here decides anything, and nothing
here names an action: the dispatcher and the journey table do.

**Acknowledged means done.** The app runs with bolt's ``process_before_response``: a click or a
form is decided and committed, with every notice it causes (the clicker's answer too) written to
the outbox in the same transaction, before Slack is answered; the delivery worker sends them.
If the process dies before answering, nothing was acknowledged: the person clicks again and the
conditional update decides once. With the database unreachable, the person is told so plainly
within Slack's three seconds, never a 404 or a 500.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.logs import quiet_library_logs
from bot.services import Services
from bot.slack import payloads, views
from bot.slack.delivery import PLATFORM, Pacer, SlackDeliverer
from bot.slack.home import help_text, status_blocks
from flows.core.dispatch import ShowHelp, ShowStatus, stale
from flows.core.forms import Form
from flows.core.outbox import enqueue, reply_notice, replying_in
from flows.core.payload import BadPayload, Payload
from flows.core.reach import joined, reach_lines
from flows.core.unit import deciding_within
from flows.directory import Who
from flows.notices import Outcome, Place
from flows.wording import say, say_str
from models.store import Store

log = logging.getLogger(__name__)

#: How long a listener may wait for the database before telling the person it is not there.
DATABASE_DEADLINE = 2.5
#: What "the database is down" looks like from here (the driver's and the pool's errors).
DATABASE_DOWN = (SQLAlchemyError, OSError, TimeoutError, ConnectionError)


class InFlight:
    """Counts work still running after Slack was answered (an App Home refresh), so shutdown and
    tests can wait for it."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()

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

    def later(self, work: Awaitable[None]) -> None:
        """Run ``work`` after the listener has answered Slack."""

        async def run() -> None:
            try:
                await work
            except Exception as exc:  # noqa: BLE001 - logged without what it was about
                log.warning("slack: background work failed (%s)", type(exc).__name__)

        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(run())
        self.count += 1
        self._idle.clear()

        def finished(_: object) -> None:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

        task.add_done_callback(finished)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        for _ in range(20):  # let listeners that bolt has just scheduled start
            await asyncio.sleep(0)
        await self._idle.wait()


@dataclass
class SlackBot:
    """The bolt app, its Web API client and the deliverer, built from the services."""

    app: AsyncApp
    client: AsyncWebClient
    deliverer: SlackDeliverer
    inflight: InFlight
    services: Services

    @functools.cached_property
    def verifier(self) -> SignatureVerifier:
        """Checks a request's ``X-Slack-Signature`` (``bot.web`` does, before bolt reads the body)."""
        secret = self.services.settings.slack_signing_secret
        return SignatureVerifier(secret.get_secret_value() if secret else "")

    @property
    def outbound(self) -> Any:
        """Where the reminder clock hands its nudges: the outbox (see ``bot.web.deliverer_for``)."""
        from bot.outbox import OutboxSink

        worker = self.services.outbox
        return OutboxSink(self.services.sessions, self.services.engine.now, worker.wake if worker else None)

    def socket_mode(self, app_token: str) -> Any:
        """Slack's Socket Mode client for this bot (``SLACK_APP_TOKEN``): bolt's, with each
        envelope counted as a request being decided from its receipt to its acknowledgement, as
        ``bot.web`` counts an HTTP one, so the delivery worker's bookkeeping and the full garbage
        collections wait for it (:class:`bot.outbox.Requests`)."""
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        services = self.services

        class Counted(AsyncSocketModeHandler):  # type: ignore[misc]
            async def handle(self, client: Any, req: Any) -> None:
                worker = services.outbox
                if worker is None:
                    await super().handle(client, req)
                    return
                with worker.requests.deciding():
                    await super().handle(client, req)

        return Counted(self.app, app_token, web_client=self.client)

    async def idle(self) -> None:
        """Wait until every listener has finished and the outbox has delivered what they wrote."""
        await self.inflight.idle()
        await self.services.drain()
        await self.inflight.idle()


def make_client(token: str, base_url: str) -> AsyncWebClient:
    """The Web API client. It retries nothing itself: the outbox owns retries (and a connection
    retried blindly after Slack accepted a post would post it twice)."""
    client = AsyncWebClient(token=token, base_url=base_url)
    client.retry_handlers = []
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
        process_before_response=True,
    )
    pacer = Pacer(settings.slack_channel_interval, burst=settings.slack_channel_burst)
    deliverer = SlackDeliverer(services.sessions, client, pacer, files=services.engine.dispatch.file)
    inflight = InFlight()
    register(app, services, deliverer, inflight)
    return SlackBot(app, client, deliverer, inflight, services)


def _where_clicked(clicked: payloads.BlockActions, user: str) -> Place:
    """The conversation (and thread) of a click, for the answer; App Home has none (a DM then)."""
    container = clicked.container
    channel = (container.channel_id if container else None) or (clicked.channel.id if clicked.channel else None)
    thread = (container.thread_ts if container else None) or (clicked.message.thread_ts if clicked.message else None)
    return Place(PLATFORM, user, channel, thread, clicked.response_url)


def register(app: AsyncApp, services: Services, deliverer: SlackDeliverer, inflight: InFlight) -> None:
    """One listener per kind of interaction: parse, dispatch, render. Nothing here is per action."""
    engine = services.engine
    dispatch = engine.dispatch
    store = Store(services.sessions)
    down = say_str("database_down")

    @asynccontextmanager
    async def deciding(place: Place) -> AsyncIterator[None]:
        """The dispatch, committed with its notices (the answer to ``place``), in Slack's time."""
        with replying_in(place):
            async with deciding_within(DATABASE_DEADLINE):
                yield

    async def answer(outcome: Outcome, place: Place) -> None:
        """An answer that no use case wrote to the outbox (a button from an old release)."""
        if not outcome.queued:
            await deliverer.send(
                _reply(outcome, place), ident=f"reply-{place.user}-{engine.now().timestamp()}"
            )

    async def tell_unreached(outcome: Outcome, place: Place) -> None:
        """After the answer: who of the decision's recipients only a platform can say it cannot
        reach (a Teams person who never used the bot, for whom the app could not be installed),
        and why, told to the person who acted, through the outbox. (Those the bot already knew
        it cannot reach were named in the answer itself, written with the decision.)"""
        worker = services.outbox
        unreached = getattr(worker.router, "unreached", None) if worker is not None else None
        if worker is None or unreached is None or not outcome.ok or not outcome.notices:
            return
        if outcome.missed is None:  # not worked out with the decision
            missed = await unreached(outcome.notices)
        else:
            missed = [] if outcome.queued else list(outcome.missed)
            if outcome.unsure:
                missed += await unreached(outcome.notices, only=outcome.unsure)
        if not missed:
            return
        async with services.sessions() as s, s.begin():
            await enqueue(s, [reply_notice(joined(reach_lines(missed)), place, outcome.employer_id)])
        worker.wake()

    async def open_form(client: AsyncWebClient, trigger_id: str | None, form: Form) -> bool:
        """``views.open``; False when Slack would not open it (the trigger's 3 s ran out while the
        bot was busy, or Slack failed): the person is then told so, and nothing was recorded."""
        try:
            await client.views_open(trigger_id=trigger_id, view=views.form_view(form))
            return True
        except SlackApiError as exc:  # (its response may be a dict, a string, or a raw HTTP response)
            data = getattr(exc.response, "data", None)
            code = data.get("error") if isinstance(data, dict) else None
            log.warning("slack: views.open refused (%s)", str(code or getattr(exc.response, "status_code", "?"))[:60])
        except Exception as exc:  # noqa: BLE001 - Slack unreachable, or an answer it could not read
            log.warning("slack: views.open failed (%s)", type(exc).__name__)
        return False

    async def refresh_home(user: str) -> None:
        status = await engine.status_for(Who(slack=user))
        await app.client.views_publish(user_id=user, view={"type": "home", "blocks": status_blocks(status, help=dispatch.help())})

    # ------------------------------------------------------------------ /vws

    @app.command("/vws")
    @inflight.track
    async def on_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        cmd = payloads.read(payloads.SlashCommand, command)
        if cmd is None:
            await ack(text=say_str("request_unreadable"), response_type="ephemeral")
            return
        who = Who(slack=cmd.user_id)
        try:
            async with deciding_within(DATABASE_DEADLINE):
                response = await dispatch.command(who, cmd.text)
        except DATABASE_DOWN as exc:
            log.warning("slack: a command found the database unreachable (%s)", type(exc).__name__)
            await ack(text=down, response_type="ephemeral")
            return
        if isinstance(response, ShowHelp):
            await ack(text=help_text(response), response_type="ephemeral")
        elif isinstance(response, ShowStatus):
            await ack(blocks=status_blocks(response.view), text="What is waiting for you", response_type="ephemeral")
        elif isinstance(response, Form):
            if await open_form(client, cmd.trigger_id, response):
                await ack()
            else:  # Slack's 3 s may be over already: answered by the command's response_url
                await ack()
                typed = " ".join([cmd.command, *cmd.text.split()[:1]])  # e.g. "/vws plan"
                try:
                    await respond(text=say_str("form_not_opened.command", command=typed), response_type="ephemeral")
                except Exception as exc:  # noqa: BLE001 - Slack unreachable too: nothing more to do
                    log.warning("slack: the answer to a form not opened was not delivered (%s)", type(exc).__name__)
        else:
            await ack(text=await deliverer.reply_text(response), response_type="ephemeral")

    # ------------------------------------------------------------------ buttons

    @app.action(re.compile(r"^vws:"))
    @inflight.track
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                        respond: AsyncRespond) -> None:
        user = str(body["user"]["id"])  # checked at the edge (payloads.envelope_problem)
        clicked = payloads.read(payloads.BlockActions, body)
        place = _where_clicked(clicked, user) if clicked is not None else Place(PLATFORM, user)
        try:
            if clicked is None or action is None or not isinstance(action.get("value"), str):
                raise BadPayload("not a button the bot made")
            payload = Payload.unpack(action["value"])
        except BadPayload:
            await ack()
            await answer(stale(), place)
            return
        try:
            async with deciding(place):
                result = await dispatch.press(Who(slack=user), payload)
        except DATABASE_DOWN as exc:
            log.warning("slack: a click found the database unreachable (%s)", type(exc).__name__)
            await ack()
            if clicked.response_url:
                await respond(text=down, response_type="ephemeral", replace_original=False)
            return
        if isinstance(result, Form):
            if not await open_form(client, clicked.trigger_id, result):
                await answer(Outcome(ok=False, reply=(say_str("form_not_opened.button"),)), place)
        else:
            await answer(result, place)
        await ack()
        if isinstance(result, Outcome):
            inflight.later(tell_unreached(result, place))
        if (clicked.container and clicked.container.type == "view") or (clicked.view and clicked.view.type == "home"):
            inflight.later(refresh_home(user))  # the App Home shows what is left

    # ------------------------------------------------------------------ forms

    @app.view(re.compile(r"^vws:"))
    @inflight.track
    async def on_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str(body["user"]["id"])  # checked at the edge (payloads.envelope_problem)
        place = Place(PLATFORM, user)  # an answer to a form comes as a direct message
        submitted = payloads.read(payloads.SubmittedView, view)
        try:
            if submitted is None:
                raise BadPayload("not a view the bot made")
            payload = views.payload_of(submitted.private_metadata)
        except BadPayload:
            await ack()
            await answer(stale(), place)
            return
        found, unreadable = payloads.answers(submitted)
        if unreadable:
            await _errors_on(ack, submitted, {name: say_str("field.unreadable") for name in unreadable})
            return
        answers = {k: v for k, v in found.items() if v is not None}
        try:
            async with deciding(place):
                outcome = await dispatch.submit(Who(slack=user), payload, answers)
        except DATABASE_DOWN as exc:
            log.warning("slack: a form found the database unreachable (%s)", type(exc).__name__)
            await _errors_on(ack, submitted, {"": down})
            return
        if not outcome.ok and outcome.errors:
            await _errors_on(ack, submitted, outcome.errors)  # nothing was written; the form stays open
            return
        if outcome.next_form is not None:  # the form leads to another: it takes this one's place
            await ack(response_action="update", view=views.form_view(outcome.next_form))
            return
        await answer(outcome, place)
        await ack()
        inflight.later(tell_unreached(outcome, place))

    # ------------------------------------------------------------------ searched choices

    @app.options(re.compile(r"^vws-search:"))
    async def on_search(ack: AsyncAck, body: dict[str, Any]) -> None:
        """A searched field's choices as the person types (Slack's block_suggestion)."""
        asked = payloads.read(payloads.BlockSuggestion, body)
        if asked is None:
            await ack(options=[])
            return
        source = views.search_source(asked.action_id) or ""
        try:
            async with asyncio.timeout(DATABASE_DEADLINE):
                found = await dispatch.options(Who(slack=asked.user.id), source, asked.value)
        except DATABASE_DOWN as exc:
            log.warning("slack: a search found the database unreachable (%s)", type(exc).__name__)
            found = []
        await ack(options=[views.option_json(o) for o in found])

    # ------------------------------------------------------------------ thread replies and App Home

    @app.event("message")
    @inflight.track
    async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Typed, not clicked: an answer in a case's thread; an answer typed at the top of a shared
        channel (told where it counts); a direct message to the bot (an answer, or help)."""
        message = payloads.read(payloads.MessageEvent, event)
        if message is None or message.subtype or message.bot_id:
            return  # not a person's message the bot can read
        channel, user = message.channel or "", message.user
        thread = message.thread_ts
        direct = message.channel_type == "im"
        if not user or not (thread or direct or channel):
            return
        who, typed = Who(slack=user), message.text or ""
        try:
            async with asyncio.timeout(DATABASE_DEADLINE):
                if thread:
                    space_keys = await store.keys_at(PLATFORM, channel, str(thread), "%")
                elif direct:
                    space_keys = []
                else:
                    space_keys = await store.spaces_in(PLATFORM, channel)
                if not space_keys and not direct:
                    return  # a channel the bot keeps nothing in
                event_id = body.get("event_id")
                if event_id and not await store.first_time(PLATFORM, str(event_id), engine.now()):
                    return  # Slack's retry of an event already handled
            place = Place(PLATFORM, str(user), None if direct else channel, str(thread) if thread else None)
            async with deciding(place):
                if thread:
                    outcome = await dispatch.reply_in_space(who, space_keys, typed)
                elif direct:
                    outcome = await dispatch.reply_in_private(who, typed)
                else:
                    outcome = await dispatch.reply_in_channel(who, space_keys, typed)
        except DATABASE_DOWN as exc:
            # Not answered: Slack sends the event again, and it is handled then.
            log.warning("slack: a reply found the database unreachable (%s)", type(exc).__name__)
            raise
        if outcome is None and direct:  # a direct message the bot does not understand: say what it can do
            outcome = Outcome(ok=False, reply=say("dm.not_understood.slack", typed=" ".join(typed.split())[:40]))
        if outcome is not None:
            await answer(outcome, place)

    @app.event("app_home_opened")
    @inflight.track
    async def on_home(event: dict[str, Any]) -> None:
        opened = payloads.read(payloads.AppHomeOpened, event)
        if opened is None or opened.tab not in (None, "home"):
            return
        inflight.later(refresh_home(opened.user))


def _reply(outcome: Outcome, place: Place) -> Any:
    from flows.core.outbox import reply_notice

    return reply_notice(outcome.reply, place, outcome.employer_id, outcome.reply_buttons)


async def _errors_on(ack: AsyncAck, view: payloads.SubmittedView, field_errors: dict[str, str]) -> None:
    """Show problems on the form's own fields (nothing was written): each on its field, or, when
    the form has no such field, on the first one."""
    blocks = [b.block_id for b in view.blocks if b.type == "input" and b.block_id]
    errors: dict[str, str] = {}
    for field, message in field_errors.items():
        target = field if field in blocks else (blocks[0] if blocks else field)
        errors[target] = (errors[target] + " " if target in errors else "") + message
    await ack(response_action="errors", errors={k: v[:500] for k, v in errors.items()})
