"""Who may call ``/api/messages``: Bot Framework / Entra JWTs, checked as Microsoft documents it.

The Agents SDK's validator checks the signature (keys from the issuer's JWKS), the issuer
allow-list (``VALIDATE_ISSUER``, always on) and the audience (our app id). On top of it, every
request must also carry (see "Authenticate requests from the Bot Connector service" in the Bot
Framework documentation):

- an ``exp`` claim (PyJWT checks it only when present);
- a ``serviceurl`` claim equal to the activity's ``serviceUrl``;
- ``channelId == "msteams"`` (the Bot Framework Emulator only with VWS_TEAMS_DEV_ANONYMOUS);
- a service URL that is one of Microsoft's (the SDK's ``OutboundHostValidator``), so no reply
  and no bearer token ever goes to a host an activity names;
- a tenant on the allow-list, and an activity of the shape the bot reads (:class:`ActivityIn`).

Anonymous calls are refused unless development mode is explicitly on. Nothing about the token or
the request body is logged, only why a request was refused.

The SDK has no public way to take signing keys from a configured JWKS address (tests, sovereign
clouds), so ``_KeysFrom`` builds on its ``_JwkClientManager``; ``pyproject.toml`` pins the SDK to
the tested minor version and ``tests/test_teams_auth.py`` fails loudly when that internal moves.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from microsoft_agents.hosting.core import OutboundHostValidator
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import _JwkClientManager
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from yarl import URL

from bot.teams.settings import TeamsSettings

log = logging.getLogger(__name__)


class Refused(Exception):
    """A request that must not reach the bot; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(reason)


class _KeysFrom(_JwkClientManager):
    """Fetch signing keys from one configured JWKS address (tests, sovereign clouds)."""

    def __init__(self, jwks_url: str) -> None:
        super().__init__()
        self.jwks_url = jwks_url

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> Any:
        return await super().get_signing_key(self.jwks_url, header)


def auth_configuration(settings: TeamsSettings) -> AgentAuthConfiguration:
    """The SDK's view of our bot registration, with the issuer check switched on."""
    if settings.certificate_file:
        auth_type = AuthTypes.certificate
    elif settings.app_password:
        auth_type = AuthTypes.client_secret
    else:
        auth_type = AuthTypes.client_secret
    return AgentAuthConfiguration(
        auth_type,
        client_id=settings.app_id,
        tenant_id=settings.tenant_id,
        client_secret=settings.app_password.get_secret_value() if settings.app_password else None,
        cert_pfx_file=settings.certificate_file,
        connection_name="SERVICE_CONNECTION",
        anonymous_allowed=settings.dev_anonymous,
        validate_issuer=True,
    )


class RequestAuthenticator:
    """Checks the Authorization header of one request, then the activity it carries."""

    def __init__(self, settings: TeamsSettings) -> None:
        self.settings = settings
        self.service_urls = ServiceUrls(settings)
        self.config = auth_configuration(settings)
        self.validator = JwtTokenValidator(self.config)
        if settings.openid_jwks_url:
            self.validator._jwk_client_manager = _KeysFrom(settings.openid_jwks_url)

    async def identity(self, header: str | None) -> ClaimsIdentity:
        """The verified claims, or Refused(401)."""
        if not header:
            if self.config.ANONYMOUS_ALLOWED:
                return self.validator.get_anonymous_claims()
            raise Refused(401, "no Authorization header")
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
            raise Refused(401, "malformed Authorization header")
        try:
            identity = await self.validator.validate_token(token)
        except Exception as exc:  # PyJWTError, ValueError, key lookup failures: all mean "no"
            raise Refused(401, f"token rejected ({type(exc).__name__})") from None
        exp = identity.claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise Refused(401, "token has no expiry")
        return identity

    def check_activity(self, identity: ClaimsIdentity, raw: dict[str, Any]) -> ActivityIn:
        """The activity, once it is of a shape the bot reads, from the token's service URL (one
        of Microsoft's), on Teams, in an allowed tenant; else Refused."""
        try:
            activity = ActivityIn.model_validate(raw)
        except ValidationError:
            raise Refused(400, "not an activity the bot reads") from None
        dev = self.settings.dev_anonymous
        if activity.channelId != "msteams" and not (dev and activity.channelId == "emulator"):
            raise Refused(403, "not a Teams channel")
        if activity.type in ("message", "invoke") and not activity.from_.aadObjectId:
            raise Refused(403, "no Entra object id for the person")  # people are known by it alone
        anonymous = not identity.claims  # only in development mode (identity() refused it otherwise)
        if not anonymous:
            claimed = identity.get_claim_value("serviceurl")
            if not isinstance(claimed, str) or not claimed:
                raise Refused(401, "token names no service URL")
            if _origin(claimed) != _origin(activity.serviceUrl) or _origin(claimed) is None:
                raise Refused(401, "service URL does not match the token")
        if not self.service_urls.allowed(activity.serviceUrl):
            raise Refused(403, "service URL is not one of Microsoft's")
        tenants = self.settings.tenants
        if tenants:
            tenant = tenant_of(raw)
            if not tenant or tenant.lower() not in tenants:
                raise Refused(403, "tenant not on the allow-list")
        return activity


class ServiceUrls:
    """Where the bot may send activities (and so its bearer token): Microsoft's service URLs, as
    the Agents SDK's ``OutboundHostValidator`` knows them (https, public addresses, hosts such as
    ``*.botframework.com`` and ``smba.trafficmanager.net``), plus VWS_TEAMS_EXTRA_SERVICE_HOSTS,
    plus the exact stand-in origins of VWS_TEAMS_STANDIN_SERVICE_URLS (tests only)."""

    def __init__(self, settings: TeamsSettings) -> None:
        self.validator = OutboundHostValidator(settings.service_hosts, enabled=True)
        self.standins = settings.standin_origins

    def allowed(self, url: object) -> bool:
        if not isinstance(url, str) or not url or len(url) > 2000:
            return False
        origin = _origin(url)
        if origin is None:
            return False
        if origin in self.standins:
            return True
        return bool(self.validator.is_allowed(url))


def _origin(url: str) -> str | None:
    """``scheme://host[:port]``, lower-cased; None for anything that is not an absolute URL."""
    try:
        u = URL(url.strip())
    except (ValueError, TypeError):
        return None
    if not u.is_absolute() or u.scheme not in ("http", "https") or not u.host or u.user or u.password:
        return None
    port = f":{u.explicit_port}" if u.explicit_port else ""
    return f"{u.scheme}://{u.host}{port}".lower()


# --------------------------------------------------------------------------- the activity's shape

Guid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class AccountIn(_Shape):
    id: Id
    aadObjectId: Guid | None = None
    name: Annotated[str, StringConstraints(max_length=500)] | None = None


class ConversationIn(_Shape):
    id: Id
    conversationType: Annotated[str, StringConstraints(max_length=50)] | None = None
    tenantId: Annotated[str, StringConstraints(max_length=100)] | None = None
    isGroup: bool | None = None


class IdIn(_Shape):
    id: Id | None = None
    name: Annotated[str, StringConstraints(max_length=500)] | None = None


class ChannelDataIn(_Shape):
    tenant: IdIn | None = None
    team: IdIn | None = None
    channel: IdIn | None = None


class ActivityIn(_Shape):
    """What the bot reads of an activity; anything else is passed on to the SDK as it came."""

    type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    id: Annotated[str, StringConstraints(max_length=1000)] | None = None
    channelId: Annotated[str, StringConstraints(max_length=64)]
    serviceUrl: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    from_: AccountIn = Field(alias="from")
    recipient: AccountIn
    conversation: ConversationIn
    text: Annotated[str, StringConstraints(max_length=40000)] | None = None
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    replyToId: Annotated[str, StringConstraints(max_length=1000)] | None = None
    value: Any = None
    entities: list[dict[str, Any]] | None = None
    channelData: ChannelDataIn | None = None
    membersAdded: list[AccountIn] | None = None


def tenant_of(activity: dict[str, Any]) -> str | None:
    conversation = activity.get("conversation")
    channel_data = activity.get("channelData")
    tenant = conversation.get("tenantId") if isinstance(conversation, dict) else None
    if not tenant and isinstance(channel_data, dict) and isinstance(channel_data.get("tenant"), dict):
        tenant = channel_data["tenant"].get("id")
    return tenant if isinstance(tenant, str) and tenant else None


# --------------------------------------------------------------------------- a certificate with a password


class CertificateTokens:
    """Outbound tokens (Bot Connector, Graph) from a certificate whose file has a password
    (MICROSOFT_APP_CERTIFICATE_PASSWORD), through MSAL's public API: the SDK's own MSAL provider
    passes MSAL the certificate's path but never a passphrase. The file is opened with the
    password at start-up, so a wrong password stops the server with a plain message rather than
    failing at the first notice."""

    def __init__(self, configuration: AgentAuthConfiguration, password: str) -> None:
        from cryptography.hazmat.primitives.serialization import pkcs12

        self._configuration = configuration
        self._password = password
        path = configuration.CERT_PFX_FILE or ""
        try:
            with open(path, "rb") as f:
                key, cert, _ = pkcs12.load_key_and_certificates(f.read(), password.encode())
        except (OSError, ValueError) as exc:
            raise ValueError(
                "MICROSOFT_APP_CERTIFICATE_FILE could not be opened with MICROSOFT_APP_CERTIFICATE_PASSWORD "
                f"({type(exc).__name__})"
            ) from None
        if key is None or cert is None:
            raise ValueError("MICROSOFT_APP_CERTIFICATE_FILE must hold the private key and its certificate")
        self._app: Any = None

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    def credential(self) -> dict[str, Any]:
        """What MSAL's ConfidentialClientApplication takes as ``client_credential``."""
        cred: dict[str, Any] = {"private_key_pfx_path": self._configuration.CERT_PFX_FILE,
                                "passphrase": self._password}
        if self._configuration.SEND_X5C:
            cred["public_certificate"] = True
        return cred

    def _client(self) -> Any:
        if self._app is None:
            import msal

            tenant = self._configuration.TENANT_ID or "botframework.com"
            authority = self._configuration.AUTHORITY or f"https://login.microsoftonline.com/{tenant}"
            self._app = msal.ConfidentialClientApplication(
                self._configuration.CLIENT_ID, authority=authority, client_credential=self.credential()
            )
        return self._app

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        import asyncio

        wanted = scopes or [f"{resource_url.rstrip('/')}/.default"]
        result = await asyncio.to_thread(self._client().acquire_token_for_client, scopes=wanted)
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            raise ValueError(f"no token from Entra ({result.get('error') if isinstance(result, dict) else 'none'})")
        return str(token)

    def get_token_credential(self) -> Any:
        raise NotImplementedError("not used by this bot")

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError("not used by this bot")
