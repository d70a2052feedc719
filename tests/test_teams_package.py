"""The Teams app package: a zip with a manifest naming our bot and the command menu, and two PNGs."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from bot.teams.package import build_teams_package
from bot.teams.settings import TeamsSettings

APP_ID = "11111111-2222-3333-4444-555555555555"


def test_package_has_manifest_and_icons(tmp_path: Path) -> None:
    path = build_teams_package(tmp_path, TeamsSettings(MICROSOFT_APP_ID=APP_ID), host="vws.example.org")
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        m = json.loads(z.read("manifest.json"))
        assert m["bots"][0]["botId"] == APP_ID and m["validDomains"] == ["vws.example.org"]
        titles = [c["title"] for c in m["bots"][0]["commandLists"][0]["commands"]]
        assert titles == ["propose", "plan", "review", "status", "code", "away", "help"]
        for name, size in (("color.png", 192), ("outline.png", 32)):
            data = z.read(name)
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            assert struct.unpack(">II", data[16:24]) == (size, size)


def test_package_needs_the_app_id(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="MICROSOFT_APP_ID"):
        build_teams_package(tmp_path / "x.zip", TeamsSettings(MICROSOFT_APP_ID=None))


def test_the_app_is_enabled_in_private_channels(tmp_path: Path) -> None:
    """Each employer's partner consultation is a private channel: Teams enables a team-scope app
    in private (and shared) channels only when the manifest lists them in supportedChannelTypes
    (manifest 1.16 and later); standard channels need nothing."""
    path = build_teams_package(tmp_path, TeamsSettings(MICROSOFT_APP_ID=APP_ID))
    with zipfile.ZipFile(path) as z:
        m = json.loads(z.read("manifest.json"))
    assert "team" in m["bots"][0]["scopes"]
    assert m["supportedChannelTypes"] == ["privateChannels"]
    assert float(m["manifestVersion"]) >= 1.16
