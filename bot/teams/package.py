"""``vws teams-package``: the Teams app package (manifest.json and two icons) for upload.

The icons are drawn here (a 192x192 colour icon and a 32x32 white-on-transparent outline) so
the package needs no binary files in the repository.
"""

from __future__ import annotations

import json
import struct
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any

from bot.teams.settings import TeamsSettings
from flows.engine import command_menu

MANIFEST_SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
BRAND = (0x6B, 0x2C, 0x91)  # a union purple
RSC_PERMISSIONS = ("ChannelMessage.Read.Group", "ChatMessage.Read.Chat")


def _png(width: int, height: int, pixel: Any) -> bytes:
    """A minimal RGBA PNG; ``pixel(x, y)`` returns (r, g, b, a)."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _tick(x: float, y: float) -> bool:
    """A check mark on a unit square: the scheme's 'valued' tick."""
    on_short = abs((y - 0.55) - (x - 0.25)) < 0.08 and 0.22 <= x <= 0.45
    on_long = abs((y - 0.75) + (x - 0.45) * 1.1) < 0.08 and 0.42 <= x <= 0.8
    return on_short or on_long


def color_icon() -> bytes:
    size = 192
    return _png(size, size, lambda x, y: (255, 255, 255, 255) if _tick(x / size, y / size) else (*BRAND, 255))


def outline_icon() -> bytes:
    size = 32
    return _png(size, size, lambda x, y: (255, 255, 255, 255) if _tick(x / size, y / size) else (0, 0, 0, 0))


def manifest(settings: TeamsSettings, host: str | None = None) -> dict[str, Any]:
    """The app manifest: a bot in personal, group chat and team scopes, with the command menu in
    personal scope and the resource-specific consent to read the messages typed where it is."""
    if not settings.app_id:
        raise ValueError("MICROSOFT_APP_ID is not set: the package needs the bot registration's app id")
    commands = [{"title": c, "description": d[:128]} for c, d in command_menu()]
    domains = [host] if host else []
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": "1.17",
        "version": settings.app_version,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"vws-bot:{settings.app_id}")),
        "developer": {
            "name": "NASUWT (Valued Worker Scheme)",
            "websiteUrl": settings.developer_url,
            "privacyUrl": settings.developer_url,
            "termsOfUseUrl": settings.developer_url,
        },
        "name": {"short": settings.bot_name[:30], "full": "Valued Worker Scheme bot"},
        "description": {
            "short": "The Valued Worker Scheme, step by step, for four unions.",
            "full": (
                "Coordinates NASUWT, GMB, UNISON and Unite through the Valued Worker Scheme: proposals, "
                "approvals by the Local Association Secretary and National Executive Member, the partner "
                "unions' agreement, the route to the employer, action plans and reviews."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*BRAND),
        "bots": [
            {
                "botId": settings.app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": True,  # the Code as adopted, as a Word file, in a 1:1 chat
                "isNotificationOnly": False,
                # Commands run only in a 1:1 chat (their cards show one person's items), so the
                # menu is offered only there.
                "commandLists": [{"scopes": ["personal"], "commands": commands}],
            }
        ],
        # Each employer's partner consultation is a private channel in the unions' team: Teams
        # enables the app there only when the manifest says so (standard channels need nothing).
        "supportedChannelTypes": ["privateChannels"],
        "permissions": ["identity", "messageTeamMembers"],
        # Resource-specific consent: the team owner (channels) or chat member (group chats) who
        # adds the app lets it receive every message there, so "agree" typed in an employer's
        # partner channel or chat reaches the bot without an @mention.
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"name": name, "type": "Application"} for name in RSC_PERMISSIONS
                ]
            }
        },
        "validDomains": domains,
        "webApplicationInfo": {"id": settings.app_id, "resource": f"api://botid-{settings.app_id}"},
    }


def build_teams_package(
    out: str | Path, settings: TeamsSettings | None = None, *, host: str | None = None
) -> Path:
    """Write the app package zip to ``out`` (a file, or a folder for ``vws-teams-app.zip``)."""
    settings = settings or TeamsSettings()
    path = Path(out)
    if path.is_dir():
        path = path / "vws-teams-app.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(manifest(settings, host), indent=2))
        z.writestr("color.png", color_icon())
        z.writestr("outline.png", outline_icon())
    return path
