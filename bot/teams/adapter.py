"""``POST /api/messages``: the Agents SDK's aiohttp CloudAdapter behind our token checks.

``teams_routes(services)`` returns the route for the web server to mount (none when Teams is
not configured). ``TeamsApp`` holds the adapter, the agent and the Teams deliverer, so the
reminder clock and the CLI can deliver notices proactively with ``app.router``.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import OutboundHostValidator, TurnContext
from microsoft_agents.hosting.core.authorization import Connections

from bot.delivery import Sender
from bot.mail import EmailSender, teams_chat_link
from bot.routing import Router
from bot.services import Services
from bot.teams.agent import VwsAgent
from bot.teams.auth import CertificateTokens, Refused, RequestAuthenticator, auth_configuration
from bot.teams.clients import ClosingClientFactory
from bot.teams.deliverer import TeamsDeliverer
from bot.teams.graph import GRAPH_SCOPE, Graph
from bot.teams.settings import TeamsSettings, get_teams_settings
from bot.teams.store import TeamsStore

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # an activity is a few kB; refuse anything absurd before parsing it


def msal_connections(settings: TeamsSettings) -> Connections:
    """Outbound credentials (Bot Connector, Graph) from the bot registration, through MSAL (a
    certificate with a password through :class:`CertificateTokens`)."""
    from microsoft_agents.authentication.msal import MsalConnectionManager
    from microsoft_agents.hosting.core import ConnectionManager

    configurations = {"SERVICE_CONNECTION": auth_configuration(settings)}
    password = settings.certificate_password.get_secret_value() if settings.certificate_password else ""
    if settings.certificate_file and password:
        return ConnectionManager(
            provider_factory=lambda config: CertificateTokens(config, password),  # type: ignore[arg-type,return-value]
            connections_configurations=configurations,
        )
    return MsalConnectionManager(connections_configurations=configurations)


@dataclass
class TeamsApp:
    settings: TeamsSettings
    adapter: CloudAdapter
    agent: VwsAgent
    deliverer: TeamsDeliverer
    router: Router
    auth: RequestAuthenticator
    graph: Graph | None = None

    async def close(self) -> None:
        """Close the shared Graph session (the web server's shutdown)."""
        if self.graph is not None:
            await self.graph.close()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The /api/messages endpoint: authenticate, check the activity, hand it to the SDK."""
        try:
            identity = await self.auth.identity(request.headers.get("Authorization"))
            if request.content_length is not None and request.content_length > MAX_BODY:
                raise Refused(413, "request body too large")
            raw = await request.read()
            if len(raw) > MAX_BODY:
                raise Refused(413, "request body too large")
            try:
                activity = json.loads(raw)
            except ValueError:
                raise Refused(400, "not JSON") from None
            if not isinstance(activity, dict):
                raise Refused(400, "not an activity")
            self.auth.check_activity(identity, activity)  # nothing is remembered before this passes
            _sdk_reads(activity)
        except Refused as r:
            log.warning("Teams request refused: %s", r.reason)
            return web.json_response(
                {"error": "unauthorized" if r.status == 401 else r.reason}, status=r.status
            )
        with warnings.catch_warnings():  # the SDK reads the identity under this plain string key
            warnings.simplefilter("ignore")
            request["claims_identity"] = identity
        response = await self.adapter.process(request, self.agent)
        return response if response is not None else web.Response(status=202)


_SDK_ACTIVITY_LOG = logging.getLogger("microsoft_agents.activity.activity")


def _sdk_reads(activity: dict[str, Any]) -> None:
    """Refused(400) unless the SDK can read the activity as it will when the turn runs (it is
    stricter than the protocol in places: an explicit ``null`` name). Its own log of why quotes
    the activity, typed text and all, so it is silenced while this checks."""
    disabled, _SDK_ACTIVITY_LOG.disabled = _SDK_ACTIVITY_LOG.disabled, True
    try:
        Activity.model_validate(activity)
    except Exception:  # noqa: BLE001 - pydantic's ValidationError, and the SDK's own plain Exception
        raise Refused(400, "an activity the SDK cannot read") from None
    finally:
        _SDK_ACTIVITY_LOG.disabled = disabled


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    """Say something went wrong, without the error's text (it may quote what people typed)."""
    log.error("Teams turn failed (%s)", type(error).__name__, exc_info=error)
    try:
        await context.send_activity("Sorry, something went wrong. Nothing was changed; please try again.")
    except Exception:  # noqa: BLE001 - the channel itself may be what failed
        log.warning("could not tell the person about the failure")


def build_teams_app(
    services: Services,
    settings: TeamsSettings | None = None,
    *,
    connections: Connections | None = None,
    slack: Sender | None = None,
) -> TeamsApp:
    """Wire the adapter, agent, deliverer and router. ``connections`` defaults to MSAL."""
    settings = settings or get_teams_settings()
    # The SDK logs conversation and activity ids at INFO: they identify people, so keep it quieter.
    sdk_log = logging.getLogger("microsoft_agents")
    if sdk_log.level == logging.NOTSET:
        sdk_log.setLevel(logging.WARNING)
    connections = connections or msal_connections(settings)
    # The SDK's own host check on every activity, besides ours (RequestAuthenticator): not with a
    # local stand-in Bot Connector, which it would refuse (http, a loopback address).
    validator = None if settings.standin_origins else OutboundHostValidator(settings.service_hosts, enabled=True)
    adapter = CloudAdapter(connection_manager=connections, host_validator=validator,
                           channel_service_client_factory=ClosingClientFactory(connections))  # fmt: skip
    adapter.on_turn_error = _on_turn_error
    store = TeamsStore(services.sessions)

    async def graph_token() -> str:
        provider = connections.get_default_connection()
        return await provider.get_access_token("https://graph.microsoft.com", [GRAPH_SCOPE])

    graph = Graph(settings.graph_url, graph_token)
    deliverer = TeamsDeliverer(adapter, settings, store, graph, files=services.engine.dispatch.file)
    link = teams_chat_link(settings.app_id) if settings.app_id else None
    email = EmailSender.from_settings(services.sessions, services.settings, link=link)
    router = Router(services.sessions, slack=slack, teams=deliverer, email=email)
    # The outbox is delivered through this router from now on (``bot.web`` starts the worker; on
    # its own, as in the tests, it is drained by hand with ``services.drain()``).
    services.use_outbox(router)
    agent = VwsAgent(services.engine, store, router, router.unreached, uploads=settings.upload_origins)
    return TeamsApp(settings, adapter, agent, deliverer, router, RequestAuthenticator(settings), graph)


def teams_routes(
    services: Services,
    settings: TeamsSettings | None = None,
    *,
    connections: Connections | None = None,
    slack: Sender | None = None,
) -> list[web.RouteDef]:
    """``POST /api/messages`` for the web server, or no routes when Teams is not configured."""
    settings = settings or get_teams_settings()
    if not settings.enabled:
        return []
    if settings.dev_anonymous:
        log.warning("VWS_TEAMS_DEV_ANONYMOUS is on: requests without a token are accepted (development only)")
    if not settings.tenants:
        log.warning("no Teams tenant allow-list: set MICROSOFT_APP_TENANT_ID or VWS_TEAMS_ALLOWED_TENANTS")
    app = build_teams_app(services, settings, connections=connections, slack=slack)
    return [web.post("/api/messages", app.handle)]


TEAMS_APP: web.AppKey[TeamsApp] = web.AppKey("vws_teams", TeamsApp)


def add_teams_routes(web_app: web.Application, services: Services, **kw: Any) -> TeamsApp | None:
    """Mount /api/messages on an application; returns the TeamsApp (None when Teams is off)."""
    settings = kw.pop("settings", None) or get_teams_settings()
    if not settings.enabled:
        return None
    app = build_teams_app(services, settings, **kw)
    web_app.router.add_post("/api/messages", app.handle)
    web_app[TEAMS_APP] = app

    async def close(_: web.Application) -> None:
        await app.close()

    web_app.on_cleanup.append(close)
    return app
