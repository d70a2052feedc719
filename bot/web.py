"""The web server: Slack's ``POST /slack/events``, Teams' ``POST /api/messages`` and ``GET /healthz``.

Request bodies are never logged. A Slack request whose signature or timestamp is missing, wrong,
stale or malformed gets 401 before anything else happens; a signed one that is not a shape the
bot accepts (``bot.slack.payloads``) gets 400 before bolt reads it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from sqlalchemy import text

from bot.services import Services
from bot.slack.payloads import envelope_problem

log = logging.getLogger(__name__)

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
SLACK: web.AppKey[Any] = web.AppKey("slack", object)
TEAMS: web.AppKey[Any] = web.AppKey("teams", object)
ON_STOP: web.AppKey[list[Callable[[], Awaitable[None]]]] = web.AppKey("on_stop", list)


def _timestamp_ok(value: str | None) -> bool:
    """Slack's timestamp header must be a whole number of seconds within five minutes of now."""
    if not value or len(value) > 12 or not value.isascii() or not value.isdigit():
        return False  # "²" and "٣" are digits to str.isdigit() but not to int(); huge ones overflow
    return abs(time.time() - int(value)) <= 60 * 5


async def slack_events(request: web.Request) -> web.Response:
    slack = request.app.get(SLACK)
    if slack is None:
        return web.json_response({"error": "Slack is not configured on this server"}, status=503)
    stamp, signature = request.headers.get("X-Slack-Request-Timestamp"), request.headers.get("X-Slack-Signature")
    if not _timestamp_ok(stamp) or not signature:
        return web.Response(status=401, text="invalid request")
    body = await request.read()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:  # Slack sends UTF-8; nothing else can even be verified
        return web.Response(status=400, text="bad request")
    if not slack.verifier.is_valid(body=body, timestamp=stamp, signature=signature):
        return web.Response(status=401, text="invalid request")
    problem = envelope_problem(body, request.headers.get("Content-Type", ""))
    if problem is not None:
        log.info("slack: a signed request was refused as %s", problem)
        return web.Response(status=400, text="bad request")
    bolt_request = await to_bolt_request(request)
    bolt_response = await slack.app.async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers and can be written (a transaction that writes and is rolled
    back), 503 when not: a bot that cannot record a decision is not healthy."""
    services = request.app[SERVICES]
    try:
        async with asyncio.timeout(2.5), services.db.connect() as conn:
            transaction = await conn.begin()  # on SQLite this takes the write lock (BEGIN IMMEDIATE)
            try:
                if conn.dialect.name == "sqlite":
                    version = (await conn.execute(text("PRAGMA user_version"))).scalar_one()
                    await conn.execute(text(f"PRAGMA user_version = {int(version)}"))  # a write
                else:  # refused by a read-only server (a standby), or one that cannot write
                    await conn.execute(text("SET TRANSACTION READ WRITE"))
                    await conn.execute(text("SELECT txid_current()"))
            finally:
                await transaction.rollback()
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("healthz: database unreachable or not writable (%s)", type(exc).__name__)
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    return web.json_response({"ok": True, "database": "ok", "slack": request.app.get(SLACK) is not None})


@web.middleware
async def _counted(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """A person's request (Slack's or Teams') is counted while it is decided, so the delivery
    worker lets it go first (:class:`bot.outbox.Requests`)."""
    worker = request.app[SERVICES].outbox
    if worker is None or request.method != "POST":
        return await handler(request)
    with worker.requests.deciding():
        return await handler(request)


def create_app(services: Services, *, with_clock: bool = False) -> web.Application:
    """The aiohttp application. Slack is mounted when its token and signing secret are set."""
    app = web.Application(client_max_size=1024 * 1024, middlewares=[_counted])
    app[SERVICES] = services
    app[ON_STOP] = []
    settings = services.settings
    if settings.slack_bot_token and settings.slack_signing_secret:
        from bot.slack.app import build_slack

        app[SLACK] = build_slack(services)
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    _mount_teams(app, services)
    if app.get(SLACK) is not None:
        app.on_startup.append(_open_slack_session)
    if services.outbox is not None:
        app.on_startup.append(_start_outbox)
    if with_clock:
        app.on_startup.append(_start_clock)
    app.on_cleanup.append(_stop)
    return app


async def _start_outbox(app: web.Application) -> None:
    """The delivery worker, for as long as the server runs (it stops before the HTTP session closes)."""
    worker = app[SERVICES].outbox
    worker.start()
    app[ON_STOP].insert(0, worker.stop)


async def _open_slack_session(app: web.Application) -> None:
    """One HTTP session for all Web API calls: without it slack_sdk opens a connection per call."""
    client = app[SLACK].client
    client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))

    async def close() -> None:
        await client.session.close()

    app[ON_STOP].append(close)


def freeze_startup_objects() -> None:
    """Move everything created at start-up (modules, the apps, the directory) out of the garbage
    collector's reach. A full collection over them takes tens of milliseconds and, when it lands
    between a click and its ack, shows as the slowest acks; after this it scans only what requests
    create (and a :class:`QuietCollector` chooses when). Call once the server is built, before it
    takes traffic."""
    gc.collect()
    gc.freeze()


LEFT_TO_QUIET = 1_000_000
"""Python's threshold for a full collection, in collections of the middle generation: as good as
never (a :class:`QuietCollector` runs them)."""


class QuietCollector:
    """Runs Python's full garbage collections when no request is being decided. Even over only
    what requests left behind (see :func:`freeze_startup_objects`), one pauses the process for
    several milliseconds, and left to Python it lands in the middle of whichever click is being
    decided. Here it waits until no request has come or gone for ``quiet`` seconds, at most one
    every ``every`` seconds; under constant traffic it runs ``at_most`` seconds after the last
    one anyway, so memory held in reference cycles is still given back. While it runs, Python's
    own full collections are as good as off (:data:`LEFT_TO_QUIET`); they are back when it stops."""

    def __init__(
        self,
        requests: Any | None,  # bot.outbox.Requests: the requests being decided (None: none come here)
        *,
        quiet: float = 1.0,
        every: float = 30.0,
        at_most: float = 120.0,
        clock: Callable[[], float] | None = None,  # Requests' clock: the event loop's
        collect: Callable[[], object] = gc.collect,
        look: float = 0.25,
    ) -> None:
        self.requests = requests
        self.quiet, self.every, self.at_most, self.look = quiet, every, at_most, look
        self.clock = clock or asyncio.get_running_loop().time
        self.collect = collect
        self.began = self.clock()
        self.last: float | None = None

    def due(self) -> bool:
        now = self.clock()
        if now - (self.began if self.last is None else self.last) >= self.at_most:
            return True
        if self.last is not None and now - self.last < self.every:
            return False
        requests = self.requests
        return requests is None or (not requests.count and now - requests.changed_at >= self.quiet)

    def collected(self) -> None:
        self.last = self.clock()

    async def run(self) -> None:
        young, middle, full = gc.get_threshold()
        gc.set_threshold(young, middle, LEFT_TO_QUIET)
        try:
            while True:
                await asyncio.sleep(self.look)
                if self.due():
                    self.collect()
                    self.collected()
        finally:
            gc.set_threshold(young, middle, full)


def _mount_teams(app: web.Application, services: Services) -> None:
    """Mount Teams' /api/messages when its credentials are set; then every notice goes through one
    router that sends each to the platform where its recipient is reachable."""
    from bot.mail import EmailSender
    from bot.routing import Router
    from bot.teams.settings import get_teams_settings

    slack = app.get(SLACK)
    teams = None
    if get_teams_settings().enabled:  # the Teams SDK is loaded only then (it costs 0.4 s to import)
        from bot.teams import add_teams_routes

        teams = add_teams_routes(app, services, slack=slack.deliverer if slack is not None else None)
    if teams is not None:
        app[TEAMS] = teams
        router = teams.router
    elif slack is not None:
        router = Router(services.sessions, slack=slack.deliverer,
                        email=EmailSender.from_settings(services.sessions, services.settings))  # fmt: skip
    else:
        return
    if services.outbox is None or services.outbox.router is not router:
        services.use_outbox(router)


def deliverer_for(app: web.Application) -> Any:
    """Where the clock's notices go: into the outbox, for the platforms mounted on this server."""
    from bot.delivery import Printer
    from bot.outbox import OutboxSink

    services = app[SERVICES]
    if services.outbox is None:
        return Printer()
    return OutboxSink(services.sessions, services.engine.now, services.outbox.wake)


async def _start_clock(app: web.Application) -> None:
    try:
        from bot.clock import run_clock
    except ImportError:
        log.warning("the reminder clock is not available in this build")
        return
    scheduler = await run_clock(app[SERVICES], deliverer_for(app))

    async def stop() -> None:
        await scheduler.stop()  # lets a sweep in progress finish

    app[ON_STOP].append(stop)


async def _stop(app: web.Application) -> None:
    for stop in app[ON_STOP]:
        await stop()
