"""The schema comes from alembic migrations, they match the models, and start-up refuses a stale schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from bot.migrate import SchemaOutOfDate, ensure_current, head_revision, upgrade
from bot.services import Services
from bot.settings import Settings
from models.db import make_engine
from models.tables import Base, Event, in_schema
from tests.conftest import PG_URL, REP


async def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True, "include_object": in_schema(c.dialect.name)}),
                Base.metadata,
            )
        )
    await engine.dispose()
    assert diff == []


@pytest.mark.skipif(bool(PG_URL), reason="an empty database file is a SQLite matter")
async def test_start_up_refuses_an_empty_database(tmp_path: Path) -> None:
    svc = Services.build(Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}"))
    with pytest.raises(SchemaOutOfDate, match="Run `vws db upgrade` first"):
        await svc.start()
    await svc.start(migrate=True)  # and the upgrade cures it
    await svc.close()


async def test_start_up_refuses_an_out_of_date_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutOfDate, match="schema is at revision 0000, but this version of the bot needs"):
        await ensure_current(engine)
    async with engine.begin() as conn:  # back at the head revision (whichever migration is last)
        await conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()})
    await ensure_current(engine)
    await engine.dispose()


async def test_upgrade_twice_is_harmless(db_url: str) -> None:
    engine = make_engine(db_url)
    await upgrade(engine)
    await ensure_current(engine)
    await engine.dispose()


async def test_audit_events_cannot_be_changed_by_the_application(services: Services) -> None:
    out = await services.engine.propose(
        REP,
        {"employer_name": "Elm School", "employer_kind": "school", "association": "Leeds",
         "case_for": "A good employer that wants to do better."},
    )
    assert out.ok
    async with services.sessions() as s:
        ev = (await s.execute(select(Event))).scalars().first()
        assert ev is not None
        ev.reasons = "rewritten"
        with pytest.raises(RuntimeError, match="append-only"):
            await s.flush()


def test_the_head_the_bot_checks_at_start_up_is_alembics() -> None:
    from bot.migrate import alembic_head

    assert head_revision() == alembic_head()


@pytest.mark.skipif(not PG_URL, reason="the pg_trgm extension is PostgreSQL's")
async def test_a_postgresql_that_refuses_the_trigram_extension_is_still_upgraded_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A database user who may not create extensions (no CREATE on the database) still gets the
    whole schema; the search by part of a name then scans, and the upgrade says what to ask for."""
    import logging
    import uuid

    from sqlalchemy.engine import make_url

    from tests.conftest import _create_pg_database, _drop_pg_database

    assert PG_URL is not None
    url = await _create_pg_database(PG_URL)
    role = f"vws_noext_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            await conn.execute(text(f'GRANT CONNECT ON DATABASE "{make_url(url).database}" TO "{role}"'))
            await conn.execute(text(f'GRANT USAGE, CREATE ON SCHEMA public TO "{role}"'))
        limited = make_engine(make_url(url).set(username=role).render_as_string(hide_password=False))
        try:
            with caplog.at_level(logging.WARNING):
                await upgrade(limited)
            await ensure_current(limited)  # the whole schema, up to the head
            async with limited.connect() as conn:
                found = (await conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'employers'"))).scalars().all()
        finally:
            await limited.dispose()
        assert "ix_employers_name_key_trgm" not in found and "ix_employers_association_stage" in found
        assert "pg_trgm" in caplog.text and "CREATE EXTENSION pg_trgm" in caplog.text
    finally:
        await admin.dispose()
        await _drop_pg_database(PG_URL, url)
        cleanup = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
        async with cleanup.connect() as conn:
            await conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await cleanup.dispose()
