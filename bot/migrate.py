"""Schema migrations (alembic), run by ``vws db upgrade`` and checked at start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations

MIGRATIONS = Path(migrations.__file__).resolve().parent


class SchemaOutOfDate(RuntimeError):
    """The database's schema is not the one this version of the bot needs."""


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _upgrade_sync(connection: Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database's schema up to date."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_sync)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


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
