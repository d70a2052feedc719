"""The Teams adapter's bookkeeping: stored conversation references and the cards it posted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.tables import InboundEvent, PostedMessage, TeamsConversation, utcnow

PLATFORM = "teams"


def person_key(person_id: int) -> str:
    return f"person:{person_id}"


def partner_key(employer_id: int) -> str:
    return f"partner:{employer_id}"


NATIONAL_KEY = "national"


class TeamsStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def remember(
        self,
        key: str,
        *,
        conversation_id: str,
        service_url: str,
        kind: str,
        reference: dict[str, Any],
        tenant_id: str | None = None,
        person_id: int | None = None,
        employer_id: int | None = None,
    ) -> None:
        """Insert or refresh the conversation reference stored under ``key``."""
        for _ in range(2):
            try:
                async with self.sessions() as s, s.begin():
                    row = (
                        await s.execute(select(TeamsConversation).where(TeamsConversation.key == key))
                    ).scalar_one_or_none()
                    if row is None:
                        row = TeamsConversation(key=key)
                        s.add(row)
                    row.conversation_id = conversation_id
                    row.service_url = service_url
                    row.kind = kind
                    row.reference = reference
                    row.tenant_id = tenant_id
                    row.person_id = person_id
                    row.employer_id = employer_id
                    row.updated_at = utcnow()
                return
            except IntegrityError:  # two turns stored the same key at once: the second one updates
                continue

    async def conversation(self, key: str) -> TeamsConversation | None:
        async with self.sessions() as s:
            return (
                await s.execute(select(TeamsConversation).where(TeamsConversation.key == key))
            ).scalar_one_or_none()

    async def has(self, key: str) -> bool:
        return await self.conversation(key) is not None

    async def remember_post(
        self, key: str, conversation_id: str, activity_id: str, employer_id: int | None
    ) -> None:
        async with self.sessions() as s, s.begin():
            row = (
                await s.execute(
                    select(PostedMessage).where(
                        PostedMessage.platform == PLATFORM,
                        PostedMessage.key == key,
                        PostedMessage.channel == conversation_id,
                    )
                )
            ).scalar_one_or_none()
            if row is None:
                s.add(
                    PostedMessage(
                        platform=PLATFORM,
                        key=key,
                        channel=conversation_id,
                        message_id=activity_id,
                        employer_id=employer_id,
                    )
                )
            else:
                row.message_id = activity_id

    async def posts(self, key: str) -> list[PostedMessage]:
        async with self.sessions() as s:
            return list(
                (
                    await s.execute(
                        select(PostedMessage).where(
                            PostedMessage.platform == PLATFORM, PostedMessage.key == key
                        )
                    )
                ).scalars()
            )

    async def first_time(self, event_id: str) -> bool:
        """Record an inbound activity id; False when it was handled before (a platform retry)."""
        try:
            async with self.sessions() as s, s.begin():
                s.add(InboundEvent(platform=PLATFORM, event_id=event_id[:200]))
            return True
        except IntegrityError:
            return False
