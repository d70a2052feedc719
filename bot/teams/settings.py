"""The Teams adapter's configuration: the Azure bot registration and its safety switches.

Read once from the environment (and .env), like :mod:`bot.settings`; nothing else in
``bot/teams`` reads ``os.environ``. Secrets are ``SecretStr`` so they never print.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TeamsSettings(BaseSettings):
    """Everything the Teams adapter can be configured with."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_id: str | None = Field(default=None, alias="MICROSOFT_APP_ID")
    app_password: SecretStr | None = Field(default=None, alias="MICROSOFT_APP_PASSWORD")
    tenant_id: str | None = Field(default=None, alias="MICROSOFT_APP_TENANT_ID")
    # Certificate credentials instead of a password: a PFX/PEM file (and its password).
    certificate_file: str | None = Field(default=None, alias="MICROSOFT_APP_CERTIFICATE_FILE")
    certificate_password: SecretStr | None = Field(default=None, alias="MICROSOFT_APP_CERTIFICATE_PASSWORD")

    # Tenants whose users may use the bot (comma separated). Empty: only the bot's own tenant.
    allowed_tenants: str = Field(default="", alias="VWS_TEAMS_ALLOWED_TENANTS")
    # Development only: accept requests without a token (the Agents Playground / Emulator).
    dev_anonymous: bool = Field(default=False, alias="VWS_TEAMS_DEV_ANONYMOUS")
    #: Seconds between two messages in one conversation: Teams allows a bot about 60 in 30 s
    #: (and 7 a second) per conversation, and answers 429 beyond.
    conversation_interval: float = Field(default=0.5, ge=0, alias="VWS_TEAMS_CONVERSATION_INTERVAL")

    # Where the signing keys of incoming tokens are published. Only changed for tests or a
    # sovereign cloud; the issuer is checked whatever this says.
    openid_jwks_url: str | None = Field(default=None, alias="VWS_TEAMS_JWKS_URL")

    # The partner unions' step: a team in which the bot creates one channel per employer
    # (needs the Graph application permission Channel.Create); otherwise a group chat.
    partner_team_id: str | None = Field(default=None, alias="VWS_TEAMS_PARTNER_TEAM_ID")
    graph_url: str = Field(default="https://graph.microsoft.com/v1.0", alias="VWS_TEAMS_GRAPH_URL")
    # The Teams app id in the tenant's app catalogue (to install the bot in a new group chat).
    catalog_app_id: str | None = Field(default=None, alias="VWS_TEAMS_CATALOG_APP_ID")
    # Where replies may go besides Microsoft's own service URLs (*.botframework.com,
    # smba.trafficmanager.net, ...: the Agents SDK's OutboundHostValidator): extra https hosts
    # (a sovereign cloud), comma separated.
    extra_service_hosts: str = Field(default="", alias="VWS_TEAMS_EXTRA_SERVICE_HOSTS")
    # Exact origins trusted as service URLs although they are not https or not public (a local
    # stand-in for the Bot Connector in tests and the sandbox): "http://127.0.0.1:8123", comma
    # separated. Never set in production.
    standin_service_urls: str = Field(default="", alias="VWS_TEAMS_STANDIN_SERVICE_URLS")
    # Where proactive 1:1 chats are created for people who have never messaged the bot.
    default_service_url: str = Field(
        default="https://smba.trafficmanager.net/teams/", alias="VWS_TEAMS_SERVICE_URL"
    )

    # For the app package (vws teams-package).
    bot_name: str = Field(default="VWS Bot", alias="VWS_TEAMS_BOT_NAME")
    developer_url: str = Field(default="https://www.nasuwt.org.uk", alias="VWS_TEAMS_DEVELOPER_URL")
    app_version: str = Field(default="1.0.0", alias="VWS_TEAMS_APP_VERSION")

    @field_validator("app_id", "tenant_id", "certificate_file", "partner_team_id", "catalog_app_id")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        return v.strip() or None if isinstance(v, str) else v

    @property
    def enabled(self) -> bool:
        """Teams is on when the bot registration's id and a credential are configured."""
        has_credential = bool(self.app_password and self.app_password.get_secret_value()) or bool(
            self.certificate_file
        )
        return bool(self.app_id and (has_credential or self.dev_anonymous))

    @property
    def standin_origins(self) -> frozenset[str]:
        return frozenset(u.strip().rstrip("/").lower() for u in self.standin_service_urls.split(",") if u.strip())

    @property
    def upload_origins(self) -> frozenset[str]:
        """Where a file the person allowed may be uploaded besides OneDrive's own https hosts
        (``*.sharepoint.com``...): only the stand-in origins of tests and the sandbox."""
        return self.standin_origins

    @property
    def service_hosts(self) -> list[str]:
        return [h.strip() for h in self.extra_service_hosts.split(",") if h.strip()]

    @property
    def tenants(self) -> frozenset[str]:
        """The tenant allow-list, lower-cased; the bot's own tenant is always on it."""
        found = {t.strip().lower() for t in self.allowed_tenants.replace(";", ",").split(",") if t.strip()}
        if self.tenant_id:
            found.add(self.tenant_id.lower())
        return frozenset(found)


@lru_cache(maxsize=1)
def get_teams_settings() -> TeamsSettings:
    return TeamsSettings()
