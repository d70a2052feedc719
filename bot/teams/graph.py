"""Microsoft Graph, for the partner unions' step: a channel per employer, or a group chat.

A channel needs the app permission ``Channel.Create`` and a team (``VWS_TEAMS_PARTNER_TEAM_ID``)
in which the bot is installed; a group chat needs ``Chat.Create`` and
``TeamsAppInstallation.ReadWriteForChat.All`` (to add the bot to it). When Graph says no, the
caller falls back to each partner rep's 1:1 chat with the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class GraphRefused(Exception):
    """Graph answered with an error (no permission, no such team...)."""


class Graph:
    def __init__(self, base_url: str, token: Callable[[], Awaitable[str]]) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {await self.token()}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.base_url}{path}", json=body, headers=headers) as resp,
        ):
            if resp.status >= 300:
                raise GraphRefused(f"Graph answered {resp.status} for {path.split('/')[1]}")
            return await resp.json(content_type=None) if resp.content_length != 0 else {}

    async def create_channel(self, team_id: str, name: str, description: str) -> str:
        """A standard channel in the partner team; returns its id (the Bot Connector conversation id)."""
        made = await self._post(
            f"/teams/{team_id}/channels",
            {"displayName": name[:50], "description": description[:1024], "membershipType": "standard"},
        )
        return str(made["id"])

    async def create_group_chat(
        self, topic: str, member_object_ids: Sequence[str], catalog_app_id: str
    ) -> str:
        """A group chat with the partner reps and the bot installed; returns the chat id."""
        members = [
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "roles": ["owner"],
                "user@odata.bind": f"https://graph.microsoft.com/v1.0/users('{oid}')",
            }
            for oid in member_object_ids
        ]
        chat = await self._post("/chats", {"chatType": "group", "topic": topic[:250], "members": members})
        chat_id = str(chat["id"])
        await self._post(
            f"/chats/{chat_id}/installedApps",
            {
                "teamsApp@odata.bind": f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{catalog_app_id}"
            },
        )
        return chat_id
