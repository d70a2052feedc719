"""Engine and session factory: one place that knows how to talk to the database."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only

#: How long a SQLite writer waits for the write lock before giving up.
BUSY_SECONDS = 30


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg).

    SQLite gets foreign keys switched on, write-ahead logging and transactions that take the
    write lock when they begin, so that two writers (two bot processes, or the bot and the
    clock) wait for each other instead of failing or interleaving.
    """
    # SQL parameters hold what people typed, names and ids: never put them in an error's text.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": BUSY_SECONDS})
    elif "asyncpg" in url:
        # A database that does not answer must not hold a click for longer than Slack waits.
        kwargs.setdefault("connect_args", {"timeout": 2})
        kwargs.setdefault("pool_timeout", 2.5)
    if ":memory:" not in url and kwargs.get("isolation_level") != "AUTOCOMMIT":
        # Keep enough connections open for a burst of clicks: connections beyond the pool are
        # opened and closed per use, which costs far more than the queries themselves.
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when a transaction begins (see below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        turns = asyncio.Lock()  # this process's writers, first come first served

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock up front: a deferred transaction that reads and then
            # writes can fail with "database is locked" without waiting at all. Sessions opened
            # with ``reading()`` only read: under WAL they need no lock, and no BEGIN either (each
            # statement reads what was committed when it ran, as on PostgreSQL's READ COMMITTED),
            # which spares every read a round trip to the driver's thread.
            if conn.get_execution_options().get(READ_ONLY):
                return
            # SQLite's busy handler lets waiting writers poll at growing intervals, so the one
            # that waited longest can keep losing to newcomers: in this process they queue in
            # order instead (the busy timeout still covers writers in other processes).
            await_only(asyncio.wait_for(turns.acquire(), BUSY_SECONDS))
            conn.info[_TURN] = turns
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _end_turn(conn)
                raise

        _rollback_only_when_begun(engine)
        event.listen(engine.sync_engine, "commit", _end_turn)
        event.listen(engine.sync_engine, "rollback", _end_turn)
        # However a connection goes back (a cancelled request, a connection thrown away), its turn ends.
        event.listen(engine.sync_engine.pool, "checkin", _end_record_turn)
        event.listen(engine.sync_engine.pool, "invalidate", _end_record_turn)

    return engine


_TURN = "vws_write_turn"


def _rollback_only_when_begun(engine: AsyncEngine) -> None:
    """SQLite: a connection handed back with no transaction open (every read, which issues no
    BEGIN) is not sent a ROLLBACK. There is nothing to roll back, and each would be a round trip
    to the driver's thread: several per click. (SQLAlchemy's ``skip_autocommit_rollback`` cannot
    tell a writer's BEGIN IMMEDIATE from none, so it would skip theirs too.)"""
    dialect = engine.sync_engine.dialect
    roll_back = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        try:
            begun = driver is None or bool(driver.in_transaction)
        except ValueError:  # the driver's connection is closed: let the driver say so
            begun = True
        if begun:
            roll_back(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _end_turn(conn: Any) -> None:
    """A writer's transaction ends (the event comes just before the driver's COMMIT or ROLLBACK,
    so the next writer may wait a moment in SQLite's busy handler, but not for its turn)."""
    _release(conn.info)


def _end_record_turn(_dbapi_conn: Any, record: Any, *_: Any) -> None:
    if record is not None:
        _release(record.info)


def _release(info: dict[str, Any]) -> None:
    turns = info.pop(_TURN, None)
    if turns is not None and turns.locked():
        turns.release()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


READ_ONLY = "vws_read_only"


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession], *, snapshot: bool = False) -> AsyncIterator[AsyncSession]:
    """A session for reads only. It takes no write lock and opens no transaction: each statement
    sees what was committed when it ran, as every statement does under PostgreSQL's READ
    COMMITTED, so reads never queue behind writers, and on PostgreSQL a read costs no BEGIN and
    ROLLBACK round trips. With ``snapshot`` PostgreSQL's reads run in a transaction (a
    server-side cursor needs one)."""
    readers = None if snapshot else _readers(sessions)
    if readers is not None:  # connects at its first statement: a read that needs none costs none
        async with readers() as s:
            yield s
        return
    async with sessions() as s:
        await s.connection(execution_options=_read_options(sessions.kw["bind"].dialect.name, snapshot))
        yield s


def _read_options(dialect: str, snapshot: bool = False) -> dict[str, Any]:
    """A reading connection's options: no write lock (SQLite), and autocommit on PostgreSQL
    unless the reads must share a snapshot."""
    options: dict[str, Any] = {READ_ONLY: True}
    if not snapshot and dialect == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    return options


_READERS: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]] = (
    weakref.WeakKeyDictionary()
)


def _readers(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession] | None:
    """Sessions like ``sessions``'s, on the same engine and pool, whose connections come with
    :func:`reading`'s options already set (so a session connects only when it first runs a
    statement); None when ``sessions`` is bound to something other than an engine."""
    found = _READERS.get(sessions)
    if found is None:
        engine = sessions.kw.get("bind")
        if not isinstance(engine, AsyncEngine):
            return None
        kw = {k: v for k, v in sessions.kw.items() if k != "bind"}
        on = engine.execution_options(**_read_options(engine.dialect.name))
        found = _READERS[sessions] = async_sessionmaker(on, class_=sessions.class_, **kw)
    return found
