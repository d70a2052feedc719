"""Microsoft Teams adapter (Microsoft 365 Agents SDK): ``teams_routes(services)`` for the web server.

The SDK is imported only when these are used (``bot.teams.settings`` alone does not load it), so
a bot without Teams configured starts without it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TeamsApp", "add_teams_routes", "build_teams_app", "teams_routes"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot.teams import adapter

        return getattr(adapter, name)
    raise AttributeError(name)
