"""Microsoft Teams adapter (Microsoft 365 Agents SDK): ``teams_routes(services)`` for the web server."""

from bot.teams.adapter import TeamsApp, add_teams_routes, build_teams_app, teams_routes

__all__ = ["TeamsApp", "add_teams_routes", "build_teams_app", "teams_routes"]
