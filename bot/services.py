"""Wiring: settings -> database engine -> the journey engine. One place builds them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.logs import install_redaction
from bot.migrate import ensure_current, upgrade
from bot.settings import Settings
from flows.directory import load_directory
from flows.engine import Engine
from models.db import make_engine, make_sessionmaker


@dataclass
class Services:
    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    engine: Engine
    outbox: Any = None  # the delivery worker (bot.outbox.OutboxWorker), once a platform is mounted

    def __post_init__(self) -> None:
        self.engine.dispatch.turns = asyncio.Semaphore(self.settings.deciding_at_once)  # (Slack's and Teams')

    def use_outbox(self, router: Any) -> Any:
        """Deliver the outbox through ``router`` from now on: a worker, woken whenever a use case
        commits notices (``bot.web`` starts it with the server; tests drain it by hand)."""
        from bot.outbox import OutboxWorker, Policy, new_owner

        settings = self.settings
        policy = Policy(max_delay=settings.outbox_max_delay, max_attempts=settings.outbox_max_attempts,
                        lease=timedelta(seconds=settings.outbox_lease))  # fmt: skip
        self.outbox = OutboxWorker(self.sessions, router, owner=new_owner(), policy=policy)
        self.engine.after_commit = self.outbox.wake
        self.engine.hand_off = self.outbox  # takes what a use case commits, once it runs
        self.engine.reach = getattr(router, "known_unreached", None)  # told with the decision
        return self.outbox

    async def drain(self, within: float = 30.0) -> None:
        """Deliver everything waiting in the outbox now (tests; ``vws remind``)."""
        if self.outbox is not None:
            await self.outbox.drain(within)

    @classmethod
    def build(cls, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Services:
        install_redaction()  # whatever runs the bot builds this first: no record escapes redaction
        db = make_engine(settings.database_url)
        sessions = make_sessionmaker(db)
        return cls(settings, db, sessions, Engine(sessions, clock=clock, tz=settings.tz))

    async def start(self, *, migrate: bool = False) -> list[str]:
        """Check (or bring up to date) the schema, then load the directory file if one is configured."""
        if migrate:
            await upgrade(self.db)
        await ensure_current(self.db)
        changes: list[str] = []
        if self.settings.directory:
            source = await asyncio.to_thread(Path(self.settings.directory).read_text, encoding="utf-8")
            changes = await self.load_directory(source)
        return changes

    async def load_directory(self, source: str) -> list[str]:
        async with self.sessions() as s, s.begin():
            return await load_directory(s, source, self.engine.today())

    async def close(self) -> None:
        await self.db.dispose()
