"""Schema migrations (alembic), run by ``vws db upgrade`` and checked at start-up.

Start-up only reads ``alembic_version`` and compares it with :data:`migrations.HEAD`; alembic
itself is loaded only to upgrade (it costs half a second of every command's start otherwise).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(migrations.__file__).resolve().parent


class SchemaOutOfDate(RuntimeError):
    """The database's schema is not the one this version of the bot needs."""


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The revision this version of the bot needs."""
    return migrations.HEAD


def alembic_head() -> str:
    """The newest revision among the migration scripts (what :data:`migrations.HEAD` must say)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _upgrade_sync(connection: Connection) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database's schema up to date."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_sync)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The database's schema revision; None when it has no VWS tables yet."""
    async with engine.connect() as conn:
        try:
            found = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        except DBAPIError:  # no alembic_version table: a database never upgraded
            return None
    return found[0] if len(found) == 1 else None


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse to run on a schema that is missing or out of date, saying what to do."""
    have, want = await current_revision(engine), head_revision()
    if have == want:
        return
    if have is None:
        raise SchemaOutOfDate("The database has no VWS tables yet. Run `vws db upgrade` first, then start again.")
    raise SchemaOutOfDate(
        f"The database schema is at revision {have}, but this version of the bot needs {want}. "
        "Run `vws db upgrade` (the Procfile's release step does this), then start again."
    )
