"""A Microsoft Graph stand-in on 127.0.0.1 for the Teams partner-union step.

It answers the four calls the bot makes (create a channel, add a team member, create a group
chat, install the app in a chat) and records each one. ``refuse`` makes a call answer with an
error status instead, as Graph does when the app lacks a permission.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

CHANNEL, MEMBER, CHAT, INSTALL = "channel", "member", "chat", "install"


@dataclass
class GraphStandIn:
    refuse: dict[str, int] = field(default_factory=dict)  # call kind -> HTTP status to answer with
    calls: list[dict[str, Any]] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1.0/teams/{team}/channels", self.channel)
        app.router.add_post("/v1.0/teams/{team}/members", self.member)
        app.router.add_post("/v1.0/chats", self.chat)
        app.router.add_post("/v1.0/chats/{chat}/installedApps", self.install)
        return app

    async def _record(self, request: web.Request, kind: str) -> web.Response | None:
        self.calls.append(
            {
                "kind": kind,
                "path": request.path,
                "match": dict(request.match_info),
                "auth": request.headers.get("Authorization"),
                "body": await request.json(),
            }
        )
        status = self.refuse.get(kind)
        if status:
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "Missing role permissions on the request."}},
                status=status,
            )
        return None

    async def channel(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request, CHANNEL)) is not None:
            return refused
        body = self.calls[-1]["body"]
        return web.json_response(
            {
                "id": f"19:channel{next(self.ids)}@thread.tacv2",
                "displayName": body["displayName"],
                "membershipType": body.get("membershipType", "standard"),
            },
            status=201,
        )

    async def member(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request, MEMBER)) is not None:
            return refused
        return web.json_response({"id": f"member{next(self.ids)}", "roles": []}, status=201)

    async def chat(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request, CHAT)) is not None:
            return refused
        body = self.calls[-1]["body"]
        return web.json_response(
            {"id": f"19:chat{next(self.ids)}@thread.v2", "chatType": "group", "topic": body.get("topic")},
            status=201,
        )

    async def install(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request, INSTALL)) is not None:
            return refused
        return web.Response(status=201)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["kind"] == kind]

    @staticmethod
    def user_of(member: dict[str, Any]) -> str:
        """The Entra object id in a member's ``user@odata.bind``."""
        bind = member["user@odata.bind"]
        return bind[bind.index("('") + 2 : bind.index("')")]


@asynccontextmanager
async def graph_standin(**refuse: int) -> AsyncIterator[GraphStandIn]:
    graph = GraphStandIn(refuse=dict(refuse))
    server = TestServer(graph.app(), host="127.0.0.1")
    await server.start_server()
    graph.url = str(server.make_url("/v1.0")).rstrip("/")
    try:
        yield graph
    finally:
        await server.close()
