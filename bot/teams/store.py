"""The Teams adapter's bookkeeping: stored conversation references and the cards it posted.

A thin view of :class:`models.store.Store` under the Teams adapter's names; the keys come from
:mod:`flows.core.keys`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.core import keys
from models.store import Store
from models.tables import PostedMessage, TeamsConversation

PLATFORM = "teams"
NATIONAL_KEY = keys.NATIONAL_CONVERSATION
person_key = keys.person_conversation
partner_key = keys.partner_conversation
unreachable_key = keys.unreachable_person


class TeamsStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.store = Store(sessions)

    async def remember(self, key: str, **kw: Any) -> None:
        """Insert or refresh the conversation reference stored under ``key``."""
        await self.store.remember_conversation(key, **kw)

    async def forget(self, key: str) -> None:
        await self.store.forget_conversation(key)

    async def conversation(self, key: str) -> TeamsConversation | None:
        return await self.store.conversation(key)

    async def conversation_by_id(self, conversation_id: str, like: str | None = None) -> TeamsConversation | None:
        return await self.store.conversation_by_id(conversation_id, like)

    async def has(self, key: str) -> bool:
        return await self.conversation(key) is not None

    async def remember_post(self, key: str, conversation_id: str, activity_id: str, employer_id: int | None) -> None:
        await self.store.remember_post(PLATFORM, key, conversation_id, activity_id, employer_id)

    async def posts(self, key: str) -> list[PostedMessage]:
        return await self.store.posts(PLATFORM, key)

    async def first_time(self, event_id: str) -> bool:
        """Record an inbound activity id; False when it was handled before (a platform retry)."""
        return await self.store.first_time(PLATFORM, event_id)
