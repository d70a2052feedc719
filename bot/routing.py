"""One person, two platforms: send each notice where its recipient is reachable.

A person in the directory may have a Slack ID, a Teams ID, or both. A notice to a person goes
to Teams when they have talked to the bot there (a stored conversation reference), else to
Slack when they have a Slack ID, else to Teams (a 1:1 chat is created), else by e-mail when
the directory has their address and e-mail is configured (``bot.mail``); a person Teams will not
let the bot reach gets it on Slack, else by e-mail. The partner unions'
space is opened on each platform for the members reachable there, and later notices about it go
to every platform where it was opened. So a case moves between platforms without losing a step:
the engine keeps the case; the router only chooses the wire.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Refused, Sender, Undelivered, Unreachable
from flows.core import keys
from flows.core.reach import Missed, recipients
from flows.notices import Notice, PersonRef, Space, ToNational, ToPartnerSpace, ToPerson, ToSpace
from models.db import reading
from models.store import Store, remember_people

log = logging.getLogger(__name__)

SLACK, TEAMS, EMAIL = "slack", "teams", "email"
CHATS = (SLACK, TEAMS)  # the platforms with spaces, channels and buttons


def people_in(notice: Notice) -> set[int]:
    """The directory ids of everyone a notice is to or names."""
    ids = {p.id for t in (*notice.body, notice.next_step) for p in t if isinstance(p, PersonRef)}
    if isinstance(notice.to, ToPerson):
        ids.add(notice.to.person.id)
    if isinstance(notice.to, ToPartnerSpace | ToSpace):
        ids |= {m.id for m in notice.to.members}
    return ids


class Router:
    """Chooses the platform(s) for each notice, and hands it to that platform's sender."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        slack: Sender | None = None,
        teams: Sender | None = None,
        email: Sender | None = None,
    ) -> None:
        self.sessions = sessions
        self.store = Store(sessions)
        self.platforms: dict[str, Sender] = {
            k: v for k, v in ((SLACK, slack), (TEAMS, teams), (EMAIL, email)) if v
        }
        self.chats = [p for p in self.platforms if p in CHATS]

    async def routes(self, notice: Notice) -> list[tuple[str, Notice]]:
        """(platform, the notice as that platform gets it) for each platform it goes to."""
        async with reading(self.sessions) as s:
            await remember_people(s, people_in(notice))  # everyone it names, in one query
            return await self._route(s, notice)

    async def deliver(self, notices: Sequence[Notice]) -> None:
        """Send now, logging what failed (the CLI, tests; the outbox worker retries instead)."""
        for i, n in enumerate(notices):
            for platform, routed in await self.routes(n):
                try:
                    await self.send(platform, routed, ident=f"direct-{i}")
                except Undelivered as exc:
                    log.warning("%s: a %s notice was not delivered: %s", platform, n.kind.value, exc.code)

    async def send(self, platform: str, notice: Notice, *, ident: str, check: bool = False) -> str:
        """Send a routed notice; a person the platform will not let the bot reach (Teams: the
        app could not be installed for them, or they removed it) gets it on their other platform
        when the directory has them there. Returns the platform that took it; raises
        :class:`Unreachable` when none could."""
        try:
            await self.platforms[platform].send(notice, ident=ident, check=check)
            return platform
        except Unreachable:
            other = await self._elsewhere(platform, notice)
            if other is None:
                raise
            log.info("%s could not reach a person; the notice goes to %s instead", platform, other)
            await self.platforms[other].send(notice, ident=ident, check=check)
            return other

    async def remove(self, platform: str, message: dict[str, Any]) -> None:
        """Delete one of the bot's own messages (``channel``, ``message``, and for Teams its
        ``service_url``) on the platform it was posted on; Refused where that is not running here."""
        sender = self.platforms.get(platform)
        delete: Any = getattr(sender, "delete", None)
        if delete is None:
            raise Refused(f"no_{platform or 'platform'}_to_delete_on")
        await delete(message)

    async def _elsewhere(self, platform: str, notice: Notice) -> str | None:
        if notice.place is not None or not isinstance(notice.to, ToPerson):
            return None
        async with reading(self.sessions) as s:
            person = await self.store.person(s, notice.to.person.id)
        if person is None:
            return None
        for other, address in ((SLACK, person.slack_id), (TEAMS, person.teams_id), (EMAIL, person.email)):
            if other != platform and other in self.platforms and address:
                return other
        return None

    async def unreached(self, notices: Sequence[Notice], only: Collection[int] | None = None) -> list[Missed]:
        """The people these notices are to (those ``only``, if given) whom the bot cannot reach
        in chat, each with why (a wording id) and whether they are e-mailed instead: what the
        person who acted is told, with their confirmation. A Teams recipient who never used the
        bot has the app installed and their chat made now."""
        people = {pid: p for pid, p in recipients(notices).items() if only is None or pid in only}
        found = await asyncio.gather(*(self._why_unreached(pid) for pid in people))  # at once: a click waits
        return [Missed(p, why, emailed) for p, (why, emailed) in zip(people.values(), found, strict=True) if why]

    async def known_unreached(self, s: AsyncSession, notices: Sequence[Notice]) -> tuple[list[Missed], tuple[int, ...]]:
        """What the bot already knows, from its records alone (no platform is asked; in the
        decision's transaction ``s``): the recipients it cannot reach in chat, and those only a
        platform can say (Teams: someone who never used the bot), for :meth:`unreached` later."""
        missed: list[Missed] = []
        unsure: list[int] = []
        for pid, ref in recipients(notices).items():
            person = await self.store.person(s, pid)
            if person is None:
                continue
            where = await self._person_platform(s, pid)
            if where is None or where == EMAIL:
                missed.append(Missed(ref, self._no_chat(person), where == EMAIL))
                continue
            known: Any = getattr(self.platforms[where], "known_reach", None)
            if known is None:
                continue  # a platform that reaches everyone it has (Slack)
            sure, why = await known(s, pid)
            if not sure:
                unsure.append(pid)
            elif (found := self._fallback(person, where, why)) is not None:
                missed.append(Missed(ref, *found))
        return missed, tuple(unsure)

    @staticmethod
    def _no_chat(person: Any) -> str:
        return "reach.not_here" if person.slack_id or person.teams_id else "reach.no_chat"

    def _fallback(self, person: Any, where: str, why: str | None) -> tuple[str, bool] | None:
        """A person ``where`` cannot reach (``why``): None when another chat has them, else why
        and whether they are e-mailed instead."""
        if why is None or (where == TEAMS and person.slack_id and SLACK in self.platforms):
            return None  # reached, or Slack has them
        return why, bool(person.email) and EMAIL in self.platforms

    async def _why_unreached(self, person_id: int) -> tuple[str | None, bool]:
        async with reading(self.sessions) as s:
            person = await self.store.person(s, person_id)
            where = await self._person_platform(s, person_id) if person is not None else None
        if person is None:
            return None, False
        if where is None or where == EMAIL:
            return self._no_chat(person), where == EMAIL
        prepare: Any = getattr(self.platforms[where], "prepare", None)
        why: str | None = await prepare(person_id) if prepare is not None else None
        return self._fallback(person, where, why) or (None, False)

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
        if EMAIL in self.platforms and person.email:
            return EMAIL
        return None

    async def _route(self, s: AsyncSession, n: Notice) -> list[tuple[str, Notice]]:
        if n.place is not None:  # an answer goes back where the person acted
            return [(n.place.platform, n)] if n.place.platform in self.platforms else []
        out = await self._route_new(s, n)
        if n.replaces:  # every copy of what it replaces is brought up to date, on either platform
            for platform in self.chats:
                if all(p != platform for p, _ in out) and await self.store.has_post(s, platform, n.replaces):
                    out.append((platform, n))
        return out

    async def _route_new(self, s: AsyncSession, n: Notice) -> list[tuple[str, Notice]]:
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
            return [(self.chats[0], n)] if self.chats else []
        return []

    async def _partner(self, s: AsyncSession, n: Notice, to: Space) -> list[tuple[str, Notice]]:
        if to.open_space:
            split: dict[str, list] = {name: [] for name in self.chats}
            for m in to.members:
                where = await self._person_platform(s, m.id)
                if where in split:
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
        if SLACK in self.platforms and (len(self.chats) == 1 or await self.store.has_post(s, SLACK, slack_key)):
            out.append((SLACK, n))
        if not out and self.chats:
            out.append((self.chats[0], n))
        return out
