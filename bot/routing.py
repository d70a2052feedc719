"""One person, two platforms: send each notice where its recipient is reachable.

A person in the directory may have a Slack ID, a Teams ID, or both. A notice to a person goes
to Teams when they have talked to the bot there (a stored conversation reference), else to
Slack when they have a Slack ID, else to Teams (a 1:1 chat is created). The partner unions'
space is opened on each platform for the members reachable there, and later notices about it go
to every platform where it was opened. So a case moves between platforms without losing a step:
the engine keeps the case; the router only chooses the wire.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Sender, Undelivered
from flows.core import keys
from flows.notices import Notice, Space, ToNational, ToPartnerSpace, ToPerson, ToSpace
from models.db import reading
from models.store import Store

log = logging.getLogger(__name__)

SLACK, TEAMS = "slack", "teams"


class Router:
    """Chooses the platform(s) for each notice, and hands it to that platform's sender."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        slack: Sender | None = None,
        teams: Sender | None = None,
    ) -> None:
        self.sessions = sessions
        self.store = Store(sessions)
        self.platforms: dict[str, Sender] = {k: v for k, v in ((SLACK, slack), (TEAMS, teams)) if v}

    async def routes(self, notice: Notice) -> list[tuple[str, Notice]]:
        """(platform, the notice as that platform gets it) for each platform it goes to."""
        async with reading(self.sessions) as s:
            return await self._route(s, notice)

    async def deliver(self, notices: Sequence[Notice]) -> None:
        """Send now, logging what failed (the CLI, tests; the outbox worker retries instead)."""
        for i, n in enumerate(notices):
            for platform, routed in await self.routes(n):
                try:
                    await self.platforms[platform].send(routed, ident=f"direct-{i}")
                except Undelivered as exc:
                    log.warning("%s: a %s notice was not delivered: %s", platform, n.kind.value, exc.code)

    async def platform_for(self, person_id: int) -> str | None:
        """Where a person hears from the bot (None: on no platform this bot runs on)."""
        async with self.sessions() as s:
            return await self._person_platform(s, person_id)

    async def _person_platform(self, s: AsyncSession, person_id: int) -> str | None:
        person = await self.store.person(s, person_id)
        if person is None:
            return None
        if TEAMS in self.platforms and person.teams_id:
            talked = await self.store.conversation(keys.person_conversation(person_id), s)
            if talked or not (person.slack_id and SLACK in self.platforms):
                return TEAMS
        if SLACK in self.platforms and person.slack_id:
            return SLACK
        return None

    async def _route(self, s: AsyncSession, n: Notice) -> list[tuple[str, Notice]]:
        if n.place is not None:  # an answer goes back where the person acted
            return [(n.place.platform, n)] if n.place.platform in self.platforms else []
        to = n.to
        if isinstance(to, ToPerson):
            where = await self._person_platform(s, to.person.id)
            if where is None:
                log.info(
                    "a %s notice has no platform to go to (recipient not reachable in chat)", n.kind.value
                )
                return []
            return [(where, n)]
        if isinstance(to, ToPartnerSpace | ToSpace):
            return await self._partner(s, n, to)
        if isinstance(to, ToNational):
            if TEAMS in self.platforms and await self.store.conversation(keys.NATIONAL_CONVERSATION, s):
                return [(TEAMS, n)]
            if SLACK in self.platforms and await self.store.national_channel(s):
                return [(SLACK, n)]
            if TEAMS in self.platforms:
                return [(TEAMS, n)]
            return [(next(iter(self.platforms)), n)] if self.platforms else []
        return []

    async def _partner(self, s: AsyncSession, n: Notice, to: Space) -> list[tuple[str, Notice]]:
        if to.open_space:
            split: dict[str, list] = {name: [] for name in self.platforms}
            for m in to.members:
                where = await self._person_platform(s, m.id)
                if where:
                    split[where].append(m)
            out = []
            for platform, members in split.items():
                # e-mail-only invitees are Slack Connect's business; Teams reaches people by Teams id
                emails = to.invite_emails if platform == SLACK else ()
                if members or emails:
                    out.append(
                        (platform, replace(n, to=replace(to, members=tuple(members), invite_emails=emails)))
                    )
            return out
        out = []
        slack_key, teams_key = keys.space_keys(to)
        if TEAMS in self.platforms and await self.store.conversation(teams_key, s):
            out.append((TEAMS, n))
        if SLACK in self.platforms and (len(self.platforms) == 1 or await self.store.has_post(s, SLACK, slack_key)):
            out.append((SLACK, n))
        if not out and self.platforms:
            out.append((next(iter(self.platforms)), n))
        return out
