"""Microsoft Graph, for what the Bot Connector cannot do: install the app for a person, and make
each employer's partner space (a private channel, or a group chat).

Application permissions, granted by an admin of the unions' tenant (see the README):

- ``TeamsAppInstallation.ReadWriteSelfForUser.All``: install the bot for a person who has never
  used it, so it may message them first (``POST /users/{id}/teamwork/installedApps``);
- ``Channel.Create`` and ``ChannelMember.ReadWrite.All``: a private channel per employer in the
  partner team (``VWS_TEAMS_PARTNER_TEAM_ID``), whose members are that employer's partner reps,
  the proposer and the Secretary; ``TeamMember.ReadWrite.All`` to add them to the team first;
- ``Chat.Create`` and ``TeamsAppInstallation.ReadWriteForChat.All``: a group chat instead.

All calls share one HTTP session. Graph's throttling answer (429, or 503 with ``Retry-After``)
is waited out and the call made again, a few times at most. When Graph says no, the caller
tries the next way. Nothing Graph is sent or answers is logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TIMEOUT = aiohttp.ClientTimeout(total=30)
THROTTLED = (429, 503)
MAX_TRIES = 4  # a throttled call is made at most this often
MAX_WAIT = 60.0  # the longest Retry-After we wait for, in seconds (longer: give up for now)


class GraphRefused(Exception):
    """Graph answered with an error (no permission, no such team...), or could not be reached."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def retry_after(headers: Any) -> float:
    """Seconds Graph asked us to wait (``Retry-After`` in seconds; 1 when absent or unreadable)."""
    raw = headers.get("Retry-After") if headers else None
    try:
        return max(0.0, float(raw)) if raw is not None else 1.0
    except ValueError:
        return 1.0


class Graph:
    """A small Graph client: one shared session, throttling honoured. ``sleep`` is how it waits
    (``asyncio.sleep``; tests give their own, so no test waits for real)."""

    def __init__(
        self,
        base_url: str,
        token: Callable[[], Awaitable[str]],
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.sleep = sleep
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    async def close(self) -> None:
        if self._http is not None and not self._http.closed:
            await self._http.close()
        self._http = None

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        what = path.split("/")[1]  # "teams", "chats" or "users": never an id
        for tries in range(1, MAX_TRIES + 1):
            try:
                headers = {"Authorization": f"Bearer {await self.token()}"}
                async with self._session().post(f"{self.base_url}{path}", json=body, headers=headers) as resp:
                    if resp.status in THROTTLED and tries < MAX_TRIES:
                        wait = retry_after(resp.headers)
                        if wait <= MAX_WAIT:
                            log.info("Graph is throttling %s calls; waiting %.0f s", what, wait)
                            await resp.read()
                            await self.sleep(wait)
                            continue
                    if resp.status >= 300:
                        raise GraphRefused(f"Graph answered {resp.status} for {what}", resp.status)
                    if resp.content_length == 0 or resp.status == 204:
                        return {}
                    found = await resp.json(content_type=None)
                    return found if isinstance(found, dict) else {}
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                raise GraphRefused(f"Graph unreachable for {what} ({type(exc).__name__})") from None
        raise GraphRefused(f"Graph kept throttling {what}", 429)  # pragma: no cover - loop returns

    def _user(self, object_id: str) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "user@odata.bind": f"{self.base_url}/users('{object_id}')",
        }

    def _app(self, catalog_app_id: str) -> dict[str, Any]:
        return {"teamsApp@odata.bind": f"{self.base_url}/appCatalogs/teamsApps/{catalog_app_id}"}

    async def install_for_user(self, object_id: str, catalog_app_id: str) -> None:
        """Install the bot in a person's personal scope, so it may message them first. Already
        installed (409): fine."""
        try:
            await self._post(f"/users/{object_id}/teamwork/installedApps", self._app(catalog_app_id))
        except GraphRefused as exc:
            if exc.status != 409:
                raise

    async def create_channel(
        self,
        team_id: str,
        name: str,
        description: str,
        *,
        private: bool = False,
        owners: Sequence[str] = (),
        members: Sequence[str] = (),
    ) -> str:
        """A channel in the partner team; returns its id (the Bot Connector conversation id).

        A private channel is made with its members (``owners`` first: Graph needs one when an
        application makes it); only they can read it or post in it."""
        body: dict[str, Any] = {
            "displayName": name[:50],
            "description": description[:1024],
            "membershipType": "private" if private else "standard",
        }
        if private:
            seen: set[str] = set()
            listed = []
            for oid, roles in [*((o, ["owner"]) for o in owners), *((m, []) for m in members)]:
                if oid not in seen:
                    seen.add(oid)
                    listed.append({**self._user(oid), "roles": roles})
            body["members"] = listed
        made = await self._post(f"/teams/{team_id}/channels", body)
        if not made.get("id"):
            raise GraphRefused("Graph made a channel without an id")
        return str(made["id"])

    async def add_team_member(self, team_id: str, object_id: str) -> None:
        """Make a person a member of the team (a private channel's members must be). Already one: fine."""
        try:
            await self._post(f"/teams/{team_id}/members", {**self._user(object_id), "roles": []})
        except GraphRefused as exc:
            if exc.status != 409:
                raise

    async def create_group_chat(
        self, topic: str, member_object_ids: Sequence[str], catalog_app_id: str
    ) -> str:
        """A group chat with the partner reps and the bot installed; returns the chat id."""
        members = [{**self._user(oid), "roles": ["owner"]} for oid in member_object_ids]
        chat = await self._post("/chats", {"chatType": "group", "topic": topic[:250], "members": members})
        if not chat.get("id"):
            raise GraphRefused("Graph made a chat without an id")
        chat_id = str(chat["id"])
        await self._post(f"/chats/{chat_id}/installedApps", self._app(catalog_app_id))
        return chat_id
