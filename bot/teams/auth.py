"""Who may call ``/api/messages``: Bot Framework / Entra JWTs, checked by the Agents SDK's validator.

The issuer allow-list check is always on (``VALIDATE_ISSUER``), the audience must be our app id,
anonymous calls are refused unless development mode is explicitly on, the token's service URL
must match the activity's, and the conversation's tenant must be on the allow-list. Nothing
about the token or the request body is logged, only why a request was refused.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import _JwkClientManager

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
            return await self.validator.validate_token(token)
        except Exception as exc:  # PyJWTError, ValueError, key lookup failures: all mean "no"
            raise Refused(401, f"token rejected ({type(exc).__name__})") from None

    def check_activity(self, identity: ClaimsIdentity, activity: dict[str, Any]) -> None:
        """The token must be for this activity's service URL, and its tenant must be allowed."""
        claimed = identity.get_claim_value("serviceurl") if identity.claims else None
        service_url = str(activity.get("serviceUrl") or "")
        if claimed and claimed.rstrip("/").lower() != service_url.rstrip("/").lower():
            raise Refused(401, "service URL does not match the token")
        tenants = self.settings.tenants
        if not tenants:
            return
        tenant = tenant_of(activity)
        if not tenant or tenant.lower() not in tenants:
            raise Refused(403, "tenant not on the allow-list")


def tenant_of(activity: dict[str, Any]) -> str | None:
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or {}
    return conversation.get("tenantId") or (channel_data.get("tenant") or {}).get("id") or None
