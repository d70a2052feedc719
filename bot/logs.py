"""Logging that keeps special category data out: no names, chat IDs, case text, tokens or bodies.

Our own code logs row ids, stages and counts only. Some libraries print request bodies, SQL
parameters or message arguments at DEBUG (SQLAlchemy's engine logs every statement with its
parameters at INFO); those loggers never go below WARNING, whatever level the bot runs at.
"""

from __future__ import annotations

import logging

QUIET_LOGGERS = (
    "slack_bolt",
    "slack_sdk",
    "vws.slack.bolt",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
    "microsoft_agents",
    "msal",
    "aiohttp.client",
    "alembic",
)


def quiet_library_logs() -> None:
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def configure(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_library_logs()
