"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL when
``VWS_TEST_DATABASE_URL`` is set), a clock the tests can move, and the directory from the issue.

On PostgreSQL each test run creates its own database (so parallel runs never meet) and each
test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.migrate import upgrade
from bot.services import Services
from bot.settings import Settings
from flows.directory import Who
from models.db import make_engine
from models.tables import Base

PG_URL = os.environ.get("VWS_TEST_DATABASE_URL")

DIRECTORY = """
sharing:
  NASUWT: {agreement: VWS four-union data sharing agreement (test)}
  GMB: {agreement: VWS four-union data sharing agreement (test)}
  UNISON: {agreement: VWS four-union data sharing agreement (test)}
  Unite: {agreement: VWS four-union data sharing agreement (test)}
national:
  channel: C0NATIONAL
  officers: [U0NAT1]
local_associations:
  - name: Leeds
    region: Yorkshire and the Humber
    secretary: {slack: U0SEC1, name: Sam Secretary}
    deputy: U0DEP1
    nem: {slack: U0NEM1, name: Nia NEM}
    reps: [{slack: U0REP1, name: Rita Rep}, U0REP2]
    partner_reps:
      GMB: [U0GMB1]
      UNISON: [U0UNS1]
      Unite: [U0UTE1, rep@unite.example.org]
  - name: Bradford
    region: Yorkshire and the Humber
    secretary: U0SEC9
    nem: U0NEM1
    reps: [U0REP9]
    partner_reps:
      GMB: [U0GMB9]
      UNISON: [U0UNS9]
      Unite: [U0UTE9]
admins: [U0ADM1]
"""


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _create_pg_database(base: str) -> str:
    url = make_url(base)
    name = f"vws_test_{uuid.uuid4().hex[:10]}"
    engine = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(base: str, test_url: str) -> None:
    name = make_url(test_url).database
    engine = make_engine(make_url(base).render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database with the schema applied once per run: a PostgreSQL URL, or a SQLite template file."""
    if PG_URL:
        url = _run(_create_pg_database(PG_URL))
        _run(_migrate(url))
        yield url
        _run(_drop_pg_database(PG_URL, url))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        _run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


@pytest.fixture
async def db_url(migrated_database: str, tmp_path: Path) -> str:
    """A migrated, empty database for this test."""
    if PG_URL:
        engine = make_engine(migrated_database)
        async with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await engine.dispose()
        return migrated_database
    target = tmp_path / "vws.db"
    shutil.copyfile(migrated_database, target)
    return f"sqlite+aiosqlite:///{target}"


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> datetime:
        self.at += timedelta(**kw)
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # a Monday morning


@pytest.fixture
async def services(db_url: str, clock: Clock) -> AsyncIterator[Services]:
    settings = Settings(DATABASE_URL=db_url)
    svc = Services.build(settings, clock=clock)
    await svc.start()
    await svc.load_directory(DIRECTORY)
    yield svc
    await svc.close()


@pytest.fixture
def engine(services: Services):  # type: ignore[no-untyped-def]
    return services.engine


def slack(user: str) -> Who:
    return Who(slack=user)


REP, SEC, DEP, NEM, GMB, UNS, UTE, NAT = (
    slack("U0REP1"), slack("U0SEC1"), slack("U0DEP1"), slack("U0NEM1"),
    slack("U0GMB1"), slack("U0UNS1"), slack("U0UTE1"), slack("U0NAT1"),
)  # fmt: skip
