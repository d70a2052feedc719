"""The stand-in itself: :class:`SlackStandIn`, made of its parts, and its lifecycle.

The parts are a linear chain of classes, each adding one concern to the one below it:
:class:`~bot.sandbox.slack.base._Base` (shared attributes and helpers) <
:class:`~bot.sandbox.slack.workspace._Workspace` < :class:`~bot.sandbox.slack.views._Views` <
:class:`~bot.sandbox.slack.webapi._WebApi` < :class:`~bot.sandbox.slack.events._Events` <
:class:`~bot.sandbox.slack.socket._Socket` < :class:`SlackStandIn`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import aiohttp
from aiohttp import web

from bot.sandbox.slack.model import (
    Clock,
    _User,
)
from bot.sandbox.slack.socket import _Socket


class SlackStandIn(_Socket):
    """Slack, played locally: a Web API for the bot to call and a signed sender of events.

    ``tokens`` are the bearer tokens the Web API accepts (``token`` is a shorthand for one).
    The bot is the workspace's bot user ``bot_user_id``; ``team_id`` is the home workspace.
    """

    def __init__(
        self,
        *,
        token: str | None = "xoxb-standin",
        tokens: Iterable[str] = (),
        app_token: str | None = None,
        team_id: str = "T0LOCAL",
        team_domain: str = "vws-local",
        team_name: str = "VWS Local",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        bot_name: str = "vws",
        app_id: str = "A0VWS",
        verification_token: str = "standin-verification-token",
        events_url: str | None = None,
        signing_secret: str | None = None,
        now: Clock = time.time,
        signing_now: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        delivery_timeout: float = 10.0,
    ) -> None:
        self._tokens = set(tokens) | ({token} if token else set()) | ({app_token} if app_token else set())
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.verification_token = verification_token
        self.events_url = events_url
        self._signing_secret = signing_secret
        self._now = now
        self._signing_now = signing_now or now
        self._host = host
        self._port = port
        self._delivery_timeout = delivery_timeout

        self._users = {}
        self._channels = {}
        self._views = {}
        self._view_owner = {}
        self._stacks = {}
        self._homes = {}
        self._triggers = {}
        self._hooks = {}
        self._ephemerals = []
        self._invitations = []
        self._calls = []
        self._failures = {}
        self._outages = []
        self._lose_answer = {}
        self._slow = {}
        self._post_limit = None  # once limit_posts() is called
        self._sent_events = {}
        self._counter = 0
        self._last_ts_micros = 0
        self._changed = asyncio.Event()
        self._revision = 0
        self._stopping = False

        self._methods = self._web_api_methods()

        self.app = web.Application()
        self.app.router.add_route("*", "/api/{method}", self._on_api)
        self.app.router.add_post("/response/{token}", self._on_response_url)
        self.app.router.add_post("/upload/{file_id}", self._on_upload)
        self._files = {}
        self._init_socket({app_token} if app_token else set())  # Socket Mode, when given an app token
        self._runner = None
        self._session = None
        self._bound_port = None

        self._users[bot_user_id] = _User(
            id=bot_user_id,
            name=bot_name,
            email=None,
            team=team_id,
            real_name=bot_name,
            is_bot=True,
            created=self._now(),
        )

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> SlackStandIn:
        """Serve on the host and port given (port 0: an ephemeral port)."""
        self._stopping = False
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        address = self._runner.addresses[0]
        self._bound_port = int(address[1])
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._delivery_timeout))
        return self

    async def stop(self) -> None:
        """Stop serving and close the delivery session; pending long polls answer at once."""
        self.release_waiters()
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackStandIn:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def connect(self, events_url: str, signing_secret: str) -> None:
        """Say where the bot listens and which secret signs what is delivered to it."""
        self.events_url = events_url
        self._signing_secret = signing_secret
