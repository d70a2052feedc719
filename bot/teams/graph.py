"""Microsoft Graph, for the partner unions' step: a channel per employer, or a group chat.

A channel needs the app permissions ``Channel.Create`` and ``TeamMember.ReadWrite.All`` (to add
the reps to the team) and a team (``VWS_TEAMS_PARTNER_TEAM_ID``) in which the bot is installed; a
group chat needs ``Chat.Create`` and ``TeamsAppInstallation.ReadWriteForChat.All`` (to add the
bot to it). When Graph says no, the caller tries the next way, and in the end falls back to each
partner rep's 1:1 chat with the bot. Nothing Graph is sent or answers is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class GraphRefused(Exception):
    """Graph answered with an error (no permission, no such team...), or could not be reached."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


TIMEOUT = aiohttp.ClientTimeout(total=30)


class Graph:
    def __init__(self, base_url: str, token: Callable[[], Awaitable[str]]) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        what = path.split("/")[1]  # "teams" or "chats": never an id
        try:
            headers = {"Authorization": f"Bearer {await self.token()}"}
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as http,
                http.post(f"{self.base_url}{path}", json=body, headers=headers) as resp,
            ):
                if resp.status >= 300:
                    raise GraphRefused(f"Graph answered {resp.status} for {what}", resp.status)
                if resp.content_length == 0 or resp.status == 204:
                    return {}
                found = await resp.json(content_type=None)
                return found if isinstance(found, dict) else {}
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise GraphRefused(f"Graph unreachable for {what} ({type(exc).__name__})") from None

    def _user(self, object_id: str) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "user@odata.bind": f"{self.base_url}/users('{object_id}')",
        }

    async def create_channel(self, team_id: str, name: str, description: str) -> str:
        """A standard channel in the partner team; returns its id (the Bot Connector conversation id)."""
        made = await self._post(
            f"/teams/{team_id}/channels",
            {"displayName": name[:50], "description": description[:1024], "membershipType": "standard"},
        )
        if not made.get("id"):
            raise GraphRefused("Graph made a channel without an id")
        return str(made["id"])

    async def add_team_member(self, team_id: str, object_id: str) -> None:
        """Make a person a member of the team, so they see its channels. Already one: fine."""
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
        await self._post(
            f"/chats/{chat_id}/installedApps",
            {"teamsApp@odata.bind": f"{self.base_url}/appCatalogs/teamsApps/{catalog_app_id}"},
        )
        return chat_id
