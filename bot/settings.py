"""Configuration, read once from the environment (and an optional .env file).

One pydantic-settings class; nothing else in the code base reads ``os.environ``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///vws.db"
SMTP_SCHEMES = ("smtps", "smtp", "smtp+insecure")


class Settings(BaseSettings):
    """Everything the bot can be configured with."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    timezone: str = Field(default="Europe/London", alias="VWS_TIMEZONE")
    directory: str | None = Field(default=None, alias="VWS_DIRECTORY")
    port: int = Field(default=3000, alias="PORT")
    # `vws serve`'s processes, taking turns on the port (one a core). Each opens up to 30 database
    # connections and paces each Slack channel on its own. (Not WEB_CONCURRENCY, which some
    # platforms set by themselves.)
    processes: int = Field(default=1, ge=1, le=64, alias="VWS_PROCESSES")
    log_level: str = Field(default="INFO", alias="VWS_LOG_LEVEL")
    # uvloop where it is installed (Linux and macOS): the same asyncio, its loop written in C;
    # "asyncio" runs on Python's own loop.
    event_loop: Literal["uvloop", "asyncio"] = Field(default="uvloop", alias="VWS_EVENT_LOOP")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    # Seconds between two messages in one Slack channel (Slack allows about one a second).
    slack_channel_interval: float = Field(default=1.0, ge=0, alias="VWS_SLACK_CHANNEL_INTERVAL")
    # How many messages may go at once to a quiet channel before that pace applies (Slack allows
    # "short bursts >1"; more than it allows is answered 429 and waited out).
    slack_channel_burst: int = Field(default=2, ge=1, le=10, alias="VWS_SLACK_CHANNEL_BURST")
    # How many people's requests one server process decides at the same time; the rest wait their
    # turn, first come first served (the wait counts in the 2.5 s a request has for its records).
    deciding_at_once: int = Field(default=8, ge=1, le=1000, alias="VWS_DECIDING_AT_ONCE")

    # E-mail, for a person the bot can reach in neither Slack nor Teams when the directory has
    # their e-mail: smtps://user:password@host:465 (TLS), smtp://user:password@host:587
    # (STARTTLS, required), or smtp+insecure://host:25 (no TLS: a relay on the same host only).
    smtp_url: SecretStr | None = Field(default=None, alias="VWS_SMTP_URL")
    smtp_from: str = Field(default="VWS Bot <vws-bot@localhost>", alias="VWS_SMTP_FROM")
    smtp_timeout: float = Field(default=20.0, gt=0, alias="VWS_SMTP_TIMEOUT")
    # Where an e-mail tells the person to go to answer (your Slack workspace, or VWS Bot in Teams).
    email_link: str | None = Field(default=None, alias="VWS_EMAIL_LINK")

    # The outbox: the longest wait between two tries of a notice a platform did not take, and
    # how many tries before it is parked (``vws outbox`` lists parked notices).
    outbox_max_delay: float = Field(default=300.0, gt=0, alias="VWS_OUTBOX_MAX_DELAY")
    outbox_max_attempts: int = Field(default=20, ge=1, alias="VWS_OUTBOX_MAX_ATTEMPTS")
    # How long a worker's claim on a notice lasts: after it, a worker that died has its notices
    # taken over by another (or by itself, restarted).
    outbox_lease: float = Field(default=120.0, gt=0, alias="VWS_OUTBOX_LEASE")

    # Retention (vws retention): how long rows are kept, as the register of processing says.
    retention_outbox_days: int = Field(default=90, ge=1, alias="VWS_RETENTION_OUTBOX_DAYS")  # and the nudge ledger
    retention_inbound_days: int = Field(default=7, ge=1, alias="VWS_RETENTION_INBOUND_DAYS")
    retention_proposal_months: int = Field(default=12, ge=1, alias="VWS_RETENTION_PROPOSAL_MONTHS")
    retention_issue_months: int = Field(default=24, ge=1, alias="VWS_RETENTION_ISSUE_MONTHS")
    retention_removed_days: int = Field(default=90, ge=1, alias="VWS_RETENTION_REMOVED_DAYS")  # out of the directory

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"VWS_TIMEZONE: {value!r} is not a known time zone (try Europe/London)") from exc
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().split("://", 1)[0] not in SMTP_SCHEMES:
            raise ValueError("VWS_SMTP_URL: use smtps://, smtp:// (STARTTLS) or smtp+insecure://")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept the URLs hosting platforms hand out and pick the async driver for them."""
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value[len("postgresql://") :]
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value[len("sqlite:///") :]
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
