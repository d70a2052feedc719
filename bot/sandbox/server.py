"""The sandbox server: the Slack stand-in, the real bot against it, and the page with its JSON API.

Everything listens on 127.0.0.1. The bot is the same web app ``vws`` serves in production
(``bot.web.create_app``), given the stand-in's Web API as ``SLACK_API_URL`` and a signing secret
made up for this run; the stand-in signs what the person on the page does and delivers it to the
bot's ``/slack/events``.

State: the database is a SQLite file (``vws-sandbox.db`` in the current folder, migrated on
start); the stand-in's workspace (conversations, messages, App Home) and the clock's offset are
kept next to it in ``vws-sandbox.slack.json``, so a restarted sandbox shows the same
conversations. ``reset`` removes both. Open modals are not kept.

The JSON API (all answers are JSON; nothing is logged but errors without personal data):

``GET /api/state?user=U…``     who you can be, the clock, and what this person sees
``GET /api/changes?since=N``   long poll: answers when the workspace's revision passes N
``POST /api/command``          ``{user, text, channel?}``: ``/vws text``
``POST /api/message``          ``{user, channel, text, thread_ts?}``: a message or thread reply
``POST /api/action``           ``{user, action_id, block_id?, value?, channel?, ts?, view_id?}``: a click or pick
``POST /api/submit``           ``{user, view_id, values}``: submit a modal; ``errors`` when the bot returns them
``POST /api/close``            ``{user, view_id?}``: cancel a modal
``POST /api/home``             ``{user}``: open the App Home tab
``POST /api/clock``            ``{step: day|week|month}`` or ``{to: YYYY-MM-DD}``: move time to 09:00 on a
                               working day, run the reminder sweep; ``message`` says where time is now
                               and what was sent or, when nothing was, why
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.sandbox.clock import ClockError, SandboxClock, SweepTotals, describe_move, label
from bot.sandbox.personas import Persona, nation_of, national_channel, personas
from bot.sandbox.slack import Delivery, SlackStandIn
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger("vws.sandbox")

TOKEN = "xoxb-sandbox-local"
DB_NAME = "vws-sandbox.db"
STATE_SUFFIX = ".slack.json"
STATE_VERSION = 1
LONG_POLL_SECONDS = 25.0
MAX_SWEEPS = 1200  # one sweep per day crossed, three years at most

JSON = dict[str, Any]


def demo_directory() -> str:
    return resources.files("bot.data").joinpath("demo_directory.yaml").read_text(encoding="utf-8")


def _static_dir() -> Path:
    return Path(str(resources.files("bot.sandbox").joinpath("static")))


class _Refused(Exception):
    """A request the page should not have made: answered 400 with a plain-English message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Sandbox:
    """One sandbox: call :meth:`start`, open :attr:`url`, then :meth:`stop`.

    ``folder`` holds the database and the saved workspace; ``with_bot=False`` runs the page
    and the stand-in alone (for tests of the page); ``directory`` is the directory file's text
    (the demo directory by default); ``start_at`` sets the clock when there is no saved state.
    """

    def __init__(
        self,
        folder: Path | str = ".",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        reset: bool = False,
        with_bot: bool = True,
        directory: str | None = None,
        start_at: datetime | None = None,
        db_name: str = DB_NAME,
        real_time: Callable[[], float] = time.time,
    ) -> None:
        self.folder = Path(folder)
        self.db_path = self.folder / db_name
        self.state_path = self.db_path.with_name(self.db_path.stem + STATE_SUFFIX)
        self.host = host
        self.port = port
        self.reset = reset
        self.with_bot = with_bot
        self.directory = directory if directory is not None else demo_directory()
        self.start_at = start_at
        self._real_time = real_time

        self.personas: list[Persona] = personas(self.directory)
        self.clock = SandboxClock(real=real_time, nation=nation_of(self.directory))
        self.standin: SlackStandIn | None = None
        self.services: Services | None = None
        self.bot_problem: str | None = None
        self.clock_note: str | None = None
        self.signing_secret = secrets.token_hex(16)
        self._runners: list[web.AppRunner] = []
        self._bot_app: web.Application | None = None
        self._page_port: int | None = None
        self._saver: asyncio.Task[None] | None = None
        self._clock_lock = asyncio.Lock()
        self._saved_revision = -1
        self.page = self._page_app()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._page_port is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self.host}:{self._page_port}/"

    @property
    def bot_running(self) -> bool:
        return self.standin is not None and self.standin.events_url is not None

    async def start(self) -> str:
        """Bring up the stand-in, the database, the bot and the page; returns the page's address."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.reset:
            for path in (self.db_path, self.state_path):
                path.unlink(missing_ok=True)
        saved = await asyncio.to_thread(self._read_state) if self.db_path.exists() else None

        if saved is not None:
            self.clock.offset = float(saved.get("clock_offset", 0.0))
        elif self.start_at is not None:
            self.clock.offset = self.start_at.timestamp() - self._real_time()

        self.standin = SlackStandIn(token=TOKEN, now=self.clock.timestamp, signing_now=self._real_time,
                                    team_name="VWS Sandbox", team_domain="vws-sandbox")
        await self.standin.start()
        if saved is not None and isinstance(saved.get("slack"), dict):
            try:
                self.standin.import_state(saved["slack"])
            except ValueError:
                log.warning("sandbox: the saved workspace could not be read; starting with empty conversations")
        self._set_up_workspace()

        settings = Settings(
            DATABASE_URL=f"sqlite+aiosqlite:///{self.db_path.resolve()}",
            SLACK_BOT_TOKEN=SecretStr(TOKEN),
            SLACK_SIGNING_SECRET=SecretStr(self.signing_secret),
            SLACK_API_URL=self.standin.base_url,
            VWS_SLACK_CHANNEL_INTERVAL=0,  # the stand-in has no per-channel limit to respect
            VWS_DIRECTORY=None,
        )
        self.clock.tz = settings.tz
        self.services = Services.build(settings, clock=self.clock.now)
        await self.services.start(migrate=True)
        await self.services.load_directory(self.directory)

        if self.with_bot:
            await self._start_bot()
            if saved is None and self._bot_app is not None:  # a fresh sandbox: a Best Value Code adoption in progress
                from bot.sandbox.code_demo import seed

                await seed(self.services.engine)
                # The bot's clock sweeps when it starts: what the demo directory makes due already
                # (a partnership's first review) is sent now, not on the first move of the clock.
                if (sweep := self._sweeper()) is not None:
                    await sweep(self.clock.now())
                await self.services.drain()  # its notices are in the outbox: posted before the page opens
        else:
            self.bot_problem = "The sandbox is running without the bot."

        runner = web.AppRunner(self.page, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port).start()
        self._runners.append(runner)
        self._page_port = int(runner.addresses[0][1])
        await self.save()
        self._saver = asyncio.create_task(self._keep_saved())
        return self.url

    async def stop(self) -> None:
        """Save the workspace and stop everything the sandbox started, at once: pending long
        polls (``GET /api/changes``) are answered first, so none holds up the page's shutdown."""
        if self._saver is not None:
            self._saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._saver
            self._saver = None
        if self.standin is not None:
            self.standin.release_waiters()
            await self.save()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self.standin is not None:
            await self.standin.stop()
        if self.services is not None:
            await self.services.close()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _set_up_workspace(self) -> None:
        """Everyone in the directory is a member of the workspace; the national union has its channel."""
        assert self.standin is not None
        for p in self.personas:
            self.standin.add_user(p.id, p.name.split()[0].lower(), email=p.email, real_name=p.name)
            self.standin.dm_channel(p.id)  # the app's Messages tab is there from the start, as in Slack
        channel = national_channel(self.directory)
        officers = [p.id for p in self.personas if "National officer" in p.roles]
        if channel and not any(c["id"] == channel for c in self._all_channels()):
            self.standin.add_channel("national-union", id=channel, members=officers, is_private=True)

    def _all_channels(self) -> list[JSON]:
        assert self.standin is not None
        seen: dict[str, JSON] = {}
        for person in self.standin.people():
            if person["is_bot"]:
                continue
            for c in self.standin.conversations_for(person["id"]):
                seen.setdefault(c["id"], c)
        return list(seen.values())

    async def _start_bot(self) -> None:
        assert self.services is not None and self.standin is not None
        try:
            from bot.web import create_app
        except ImportError as exc:
            self.bot_problem = f"The bot's web app could not be loaded ({type(exc).__name__}: {exc})."
            log.warning("sandbox: %s", self.bot_problem)
            return
        made = create_app(self.services)
        app: web.Application = await made if inspect.isawaitable(made) else made
        self._bot_app = app
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runners.append(runner)
        port = int(runner.addresses[0][1])
        self.standin.connect(f"http://127.0.0.1:{port}/slack/events", self.signing_secret)
        self.bot_problem = None

    # ------------------------------------------------------------------ saving between runs

    def _read_state(self) -> JSON | None:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("sandbox: %s could not be read; starting with empty conversations", self.state_path.name)
            return None
        return data if isinstance(data, dict) and data.get("version") == STATE_VERSION else None

    async def save(self) -> None:
        """Write the workspace and the clock next to the database (atomically)."""
        if self.standin is None:
            return
        self._saved_revision = self.standin.revision
        data = {"version": STATE_VERSION, "clock_offset": self.clock.offset, "slack": self.standin.export_state()}
        text = json.dumps(data, separators=(",", ":"))

        def write() -> None:
            tmp = self.state_path.with_name(self.state_path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.state_path)

        await asyncio.to_thread(write)

    async def _keep_saved(self) -> None:
        assert self.standin is not None
        while not self.standin.stopping:  # once stopping, wait_for_change no longer waits
            await self.standin.wait_for_change(self._saved_revision, within=60.0)
            if self.standin.revision != self._saved_revision:
                await asyncio.sleep(0.5)  # let a burst of calls finish
                try:
                    await self.save()
                except OSError as exc:
                    log.warning("sandbox: could not save the workspace (%s)", exc.strerror)

    # ------------------------------------------------------------------ the clock

    async def move_clock(self, *, step: str | None = None, to: date | None = None) -> JSON:
        """Move the clock forward to 09:00 on a working day, running the reminder sweep at 09:00 on
        each day crossed and at the landing; the answer's ``message`` says what happened."""
        async with self._clock_lock:
            before = self.clock.local()
            landing = self.clock.landing(step=step, to=to)
            sweep = self._sweeper()
            reports = []
            for moment in self.clock.sweep_moments(landing.at, MAX_SWEEPS):
                self.clock.move_to(moment)
                if sweep is not None:
                    reports.append(await sweep(self.clock.now()))
            totals = SweepTotals.of(reports) if sweep is not None else None
            await self.save()
            if self.standin is not None:
                self.standin.mark_changed()  # other open pages show the new time
            return {
                "clock": self._clock_json(),
                "sweeps": len(reports),
                "sent": totals.sent if totals is not None else 0,
                "note": self.clock_note,
                "message": describe_move(before, self.clock.local(), landing.why, totals, self.clock_note),
            }

    def _sweeper(self) -> Callable[[datetime], Awaitable[Any]] | None:
        """The reminder sweep, delivering through the bot's own Slack deliverer, or None with a note."""
        assert self.services is not None and self.standin is not None
        if not self.bot_running:
            self.clock_note = "The bot is not running, so no reminders were sent."
            return None
        try:
            from bot.clock import sweep
        except ImportError as exc:
            self.clock_note = f"The reminder clock could not be loaded ({type(exc).__name__}), so no reminders were sent."
            return None
        deliverer = self._deliverer()
        services = self.services
        self.clock_note = None

        async def run(now: datetime) -> Any:
            return await sweep(services, deliverer, now)

        return run

    def _deliverer(self) -> Any:
        """The bot's own deliverer (the one its listeners use), pointed at the stand-in."""
        from bot.web import deliverer_for

        assert self._bot_app is not None, "the bot is not running"
        return deliverer_for(self._bot_app)

    def _clock_json(self) -> JSON:
        here = self.clock.local()
        return {
            "iso": here.isoformat(timespec="seconds"),
            "date": here.date().isoformat(),
            "label": label(here),
            "moved": self.clock.offset > 60,
        }

    # ------------------------------------------------------------------ the page and its API

    def _page_app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors])
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", _static_dir(), show_index=False)
        app.router.add_get("/api/state", self._api_state)
        app.router.add_get("/api/changes", self._api_changes)
        app.router.add_post("/api/command", self._api_command)
        app.router.add_post("/api/message", self._api_message)
        app.router.add_post("/api/action", self._api_action)
        app.router.add_post("/api/submit", self._api_submit)
        app.router.add_post("/api/close", self._api_close)
        app.router.add_post("/api/home", self._api_home)
        app.router.add_post("/api/clock", self._api_clock)
        return app

    @web.middleware
    async def _errors(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                      ) -> web.StreamResponse:
        try:
            return await handler(request)
        except _Refused as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(_static_dir() / "index.html", headers={"Cache-Control": "no-store"})

    def _persona(self, user: Any) -> Persona:
        found = next((p for p in self.personas if p.id == user), None)
        if found is None:
            raise _Refused("Pick someone from the list of people first.")
        return found

    @staticmethod
    async def _body(request: web.Request) -> JSON:
        try:
            body = await request.json()
        except ValueError:
            raise _Refused("The request must be JSON.") from None
        if not isinstance(body, dict):
            raise _Refused("The request must be a JSON object.")
        return body

    def _need_bot(self) -> SlackStandIn:
        assert self.standin is not None
        if not self.bot_running:
            raise _Refused(self.bot_problem or "The bot is not running.", status=503)
        return self.standin

    @staticmethod
    def _delivered(delivery: Delivery | None) -> web.Response:
        if delivery is None:
            return web.json_response({"ok": True, "problems": []})
        body: JSON = {"ok": delivery.status == 200 and not delivery.problems, "problems": list(delivery.problems)}
        reply = delivery.json()
        if isinstance(reply, dict) and reply.get("response_action") == "errors":
            body["errors"] = reply.get("errors") or {}
            body["ok"] = False
        return web.json_response(body)

    async def _api_state(self, request: web.Request) -> web.Response:
        assert self.standin is not None
        user = request.query.get("user")
        state: JSON = {
            "revision": self.standin.revision,
            "clock": self._clock_json(),
            "bot": {"running": self.bot_running, "problem": self.bot_problem},
            "clock_note": self.clock_note,
            "personas": [p.as_json() for p in self.personas],
            "people": {p["id"]: p["real_name"] or p["name"] for p in self.standin.people()},
            "bot_user": self.standin.bot_user_id,
            "bot_name": self.standin.bot_name,
            "channels": {c["id"]: c.get("name", "") for c in self._all_channels() if c["kind"] != "im"},
        }
        if user:
            state["me"] = self._persona(user).as_json()
            state.update(self._seen_by(user))
        return web.json_response(state)

    def _seen_by(self, user: str) -> JSON:
        """What one person sees: their conversations with threads, ephemerals, App Home and modal."""
        assert self.standin is not None
        standin = self.standin
        ephemerals = standin.ephemerals(user)
        conversations = []
        for c in standin.conversations_for(user):
            everything = standin.messages_in(c["id"], include_replies=True)
            replies: dict[str, list[JSON]] = {}
            top: list[JSON] = []
            for m in everything:
                root = m.get("thread_ts")
                if root and root != m["ts"]:
                    replies.setdefault(root, []).append(m)
                    if m.get("subtype") == "thread_broadcast":
                        top.append(m)
                else:
                    top.append(m)
            for m in top:
                if m["ts"] in replies:
                    m["replies"] = replies[m["ts"]]
            mine = [e for e in ephemerals if e["channel"] == c["id"]]
            conversations.append({
                "id": c["id"],
                "kind": c["kind"],
                "name": c.get("name") if c["kind"] != "im" else standin.bot_name,
                "is_private": bool(c.get("is_private")),
                "members": c["members"],
                "bot_is_member": standin.bot_user_id in c["members"],
                "messages": top,
                "ephemerals": mine,
            })
        stack = standin.open_views(user)
        return {
            "conversations": conversations,
            "home": standin.home_view(user),
            "modal": stack[-1] if stack else None,
            "modal_depth": len(stack),
        }

    async def _api_changes(self, request: web.Request) -> web.Response:
        assert self.standin is not None
        try:
            since = int(request.query.get("since", "-1"))
            within = min(float(request.query.get("timeout", LONG_POLL_SECONDS)), LONG_POLL_SECONDS)
        except ValueError:
            raise _Refused("since and timeout must be numbers.") from None
        revision = await self.standin.wait_for_change(since, within=max(0.0, within))
        return web.json_response({"revision": revision})

    async def _api_command(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._persona(body.get("user")).id
        text = str(body.get("text") or "").strip()
        if text.startswith("/"):
            command, _, text = text.partition(" ")
            if command != "/vws":
                raise _Refused(f"{command} is not a command here; try /vws.")
        standin = self._need_bot()
        try:
            delivery = await standin.slash_command(user, text.strip(), channel=body.get("channel") or None)
        except ValueError as exc:
            raise _Refused(str(exc)) from None
        return self._delivered(delivery)

    async def _api_message(self, request: web.Request) -> web.Response:
        assert self.standin is not None
        body = await self._body(request)
        user = self._persona(body.get("user")).id
        text = str(body.get("text") or "")
        channel = str(body.get("channel") or "")
        if not text.strip():
            raise _Refused("Type a message first.")
        if len(text) > 4000:
            raise _Refused("That message is too long for the sandbox (4,000 characters at most).")
        if channel not in {c["id"] for c in self.standin.conversations_for(user)}:
            raise _Refused("You are not in that conversation.")
        thread_ts = body.get("thread_ts") or None
        if not self.bot_running or self.standin.bot_user_id not in self.standin.members(channel):
            self.standin.post_as_user(user, channel, text, thread_ts)
            return web.json_response({"ok": True, "problems": []})
        return self._delivered(await self.standin.message_event(user, channel, text, thread_ts))

    async def _api_action(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._persona(body.get("user")).id
        standin = self._need_bot()
        action_id = str(body.get("action_id") or "")
        if not action_id:
            raise _Refused("action_id is missing.")
        value = body.get("value")
        kwargs: JSON = {"block_id": body.get("block_id") or None}
        if body.get("selected_option") is not None:
            kwargs["selected_option"] = body["selected_option"]
        if body.get("view_id"):
            kwargs["view"] = str(body["view_id"])
        elif body.get("ephemeral"):
            kwargs["message"] = str(body.get("ts") or "")
        else:
            kwargs["channel"] = str(body.get("channel") or "")
            kwargs["message"] = str(body.get("ts") or "") or None
            if kwargs["channel"] not in {c["id"] for c in standin.conversations_for(user)}:
                raise _Refused("You are not in that conversation.")
        try:
            delivery = await standin.block_action(user, action_id, None if value is None else str(value), **kwargs)
        except ValueError as exc:
            raise _Refused(str(exc)) from None
        return self._delivered(delivery)

    async def _api_submit(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._persona(body.get("user")).id
        standin = self._need_bot()
        values = body.get("values") or {}
        if not isinstance(values, dict):
            raise _Refused("values must be an object.")
        try:
            delivery = await standin.view_submission(user, str(body.get("view_id") or ""), values)
        except ValueError as exc:
            raise _Refused(str(exc)) from None
        return self._delivered(delivery)

    async def _api_close(self, request: web.Request) -> web.Response:
        assert self.standin is not None
        body = await self._body(request)
        user = self._persona(body.get("user")).id
        try:
            delivery = await self.standin.close_view(user, body.get("view_id") or None)
        except ValueError as exc:
            raise _Refused(str(exc)) from None
        return self._delivered(delivery)

    async def _api_home(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        user = self._persona(body.get("user")).id
        standin = self._need_bot()
        return self._delivered(await standin.app_home_opened(user))

    async def _api_clock(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        step = body.get("step")
        to: date | None = None
        if body.get("to"):
            try:
                to = date.fromisoformat(str(body["to"]))
            except ValueError:
                raise _Refused("Give the date as YYYY-MM-DD.") from None
        if step not in (None, "day", "week", "month"):
            raise _Refused("step must be day, week or month.")
        try:
            result = await self.move_clock(step=step, to=to)
        except ClockError as exc:
            raise _Refused(str(exc)) from None
        return web.json_response({"ok": True, **result})


async def run(folder: Path | str = ".", *, port: int = 8000, reset: bool = False) -> int:
    """``vws sandbox``: serve until interrupted."""
    sandbox = Sandbox(folder, port=port, reset=reset)
    try:
        url = await sandbox.start()
    except OSError as exc:
        print(f"vws: the sandbox could not start: {exc.strerror or exc}", flush=True)
        return 2
    print(f"The VWS sandbox is running: open {url} in your browser.", flush=True)
    print(f"State is kept in {sandbox.db_path} and {sandbox.state_path.name} "
          "(start with --reset for an empty one). Press Ctrl+C to stop.", flush=True)
    if sandbox.bot_problem:
        print(f"Note: {sandbox.bot_problem}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
    return 0
