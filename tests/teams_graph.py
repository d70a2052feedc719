"""A Microsoft Graph stand-in on 127.0.0.1 for the Teams adapter, as strict as Graph where it matters.

It answers the calls the bot makes (install the app for a person, create a channel, add a team
member, create a group chat, install the app in a chat) and records each one. ``refuse`` makes a
call answer with an error status instead, as Graph does when the app lacks a permission;
``throttle`` makes the first call of a kind answer 429 with ``Retry-After``, as Graph does.

What Graph changes is kept in a :class:`Tenant`, shared with the Bot Connector stand-in: who has
the app installed (Teams refuses a proactive message to anyone else), the team's members, and
each channel's members (a private channel is read and posted in by its members only).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

CHANNEL, MEMBER, CHAT, INSTALL, USER_INSTALL = "channel", "member", "chat", "install", "user_install"


@dataclass
class Tenant:
    """What Teams knows: installations, team and channel membership."""

    installed: set[str] = field(default_factory=set)  # object ids with the app in personal scope
    elsewhere: set[str] = field(default_factory=set)  # object ids Graph does not know here (another tenant)
    team_members: set[str] = field(default_factory=set)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {"private": bool, "members": set}

    def can_see(self, object_id: str, channel_id: str) -> bool:
        """Whether a person can read (and post in) a channel or one of its threads."""
        found = self.channels.get(channel_id.split(";")[0])
        if found is None:
            return True  # not a channel Graph made (a chat, a 1:1 conversation)
        if found["private"]:
            return object_id in found["members"]
        return object_id in self.team_members

    def channels_of(self, object_id: str) -> set[str]:
        return {cid for cid in self.channels if self.can_see(object_id, cid)}


@dataclass
class GraphStandIn:
    refuse: dict[str, int] = field(default_factory=dict)  # call kind -> HTTP status to answer with
    throttle: dict[str, float] = field(default_factory=dict)  # call kind -> Retry-After, answered once
    tenant: Tenant = field(default_factory=Tenant)
    calls: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, itertools.count] = field(default_factory=dict)  # one numbering per kind of thing made
    url: str = ""

    def next_id(self, kind: str) -> int:
        return next(self.ids.setdefault(kind, itertools.count(1)))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1.0/users/{user}/teamwork/installedApps", self.user_install)
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
        if kind in self.throttle:
            after = self.throttle.pop(kind)
            return web.json_response(
                {"error": {"code": "TooManyRequests", "message": "Too many requests."}},
                status=429,
                headers={"Retry-After": f"{after:g}"},
            )
        status = self.refuse.get(kind)
        if status:
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "Missing role permissions on the request."}},
                status=status,
            )
        return None

    async def user_install(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request, USER_INSTALL)) is not None:
            return refused
        user = request.match_info["user"]
        bind = str(self.calls[-1]["body"].get("teamsApp@odata.bind", ""))
        if "/appCatalogs/teamsApps/" not in bind:
            return web.json_response({"error": {"code": "BadRequest", "message": "teamsApp"}}, status=400)
        if user in self.tenant.elsewhere:
            return web.json_response({"error": {"code": "NotFound", "message": "No user."}}, status=404)
        if user in self.tenant.installed:
            return web.json_response({"error": {"code": "Conflict", "message": "Installed."}}, status=409)
        self.tenant.installed.add(user)
        return web.Response(status=201)

    async def channel(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request, CHANNEL)) is not None:
            return refused
        body = self.calls[-1]["body"]
        kind = body.get("membershipType", "standard")
        members: set[str] = set()
        if kind == "private":  # made by an application: its members, one an owner, all in the team
            listed = body.get("members") or []
            if not any("owner" in (m.get("roles") or []) for m in listed):
                return web.json_response(
                    {"error": {"code": "BadRequest", "message": "A private channel needs an owner."}}, status=400
                )
            members = {self.user_of(m) for m in listed}
            if not members <= self.tenant.team_members:
                return web.json_response(
                    {"error": {"code": "BadRequest", "message": "Members must be in the team."}}, status=400
                )
        channel_id = f"19:channel{self.next_id(CHANNEL)}@thread.tacv2"
        self.tenant.channels[channel_id] = {"private": kind == "private", "members": members}
        return web.json_response(
            {"id": channel_id, "displayName": body["displayName"], "membershipType": kind}, status=201
        )

    async def member(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request, MEMBER)) is not None:
            return refused
        self.tenant.team_members.add(self.user_of(self.calls[-1]["body"]))
        return web.json_response({"id": f"member{self.next_id(MEMBER)}", "roles": []}, status=201)

    async def chat(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request, CHAT)) is not None:
            return refused
        body = self.calls[-1]["body"]
        return web.json_response(
            {"id": f"19:chat{self.next_id(CHAT)}@thread.v2", "chatType": "group", "topic": body.get("topic")},
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
async def graph_standin(tenant: Tenant | None = None, **refuse: int) -> AsyncIterator[GraphStandIn]:
    graph = GraphStandIn(refuse=dict(refuse), tenant=tenant or Tenant())
    server = TestServer(graph.app(), host="127.0.0.1")
    await server.start_server()
    graph.url = str(server.make_url("/v1.0")).rstrip("/")
    try:
        yield graph
    finally:
        await server.close()
