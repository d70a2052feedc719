"""The adapters' bookkeeping, as plain queries: messages the bot posted, Teams conversation
references, inbound event ids, and the few directory lookups an adapter needs to address people.

Adapters and deliverers call these instead of writing SQL of their own; nothing here decides
anything about a case.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.db import reading
from models.tables import Held, InboundEvent, NationalOffice, Person, PostedMessage, TeamsConversation, utcnow
from models.tables import Role as RoleRow


@dataclass(frozen=True)
class PostRef:
    """Where the bot posted a message under a notice's key (a row of ``posted_messages``)."""

    platform: str
    key: str
    channel: str
    message_id: str
    employer_id: int | None
    thread: str | None = None


@dataclass(frozen=True)
class DmRef:
    """One of the bot's own direct messages to a person (a row of ``direct_messages``), so that
    erasing them deletes it."""

    person_id: int
    platform: str
    channel: str
    message_id: str
    service_url: str | None = None


Kept = PostRef | DmRef
_KEPT_LATER: ContextVar[list[Kept] | None] = ContextVar("vws_posts_kept_later", default=None)


@contextmanager
def posts_kept_later() -> Iterator[list[Kept]]:
    """Within this block, :meth:`Store.remember_post` and :meth:`Store.remember_dm` collect what
    they keep instead of writing each in a transaction of its own: the outbox worker writes them
    with the notice's outcome (a retry after a lost outcome finds the post again by its metadata)."""
    kept: list[Kept] = []
    token = _KEPT_LATER.set(kept)
    try:
        yield kept
    finally:
        _KEPT_LATER.reset(token)


_PEOPLE_KNOWN: ContextVar[dict[int, Person] | None] = ContextVar("vws_people_known", default=None)


@contextmanager
def people_known(given: dict[int, Person] | None = None) -> Iterator[dict[int, Person]]:
    """Within this block (one notice's delivery, in its own task), the people its routing looked
    up (:func:`remember_people`), and those ``given`` (read by the use case that wrote it, in
    the transaction that committed it), answer :func:`remember_people`, :meth:`Store.person`
    and :meth:`Store.chat_ids` without asking the database again."""
    known: dict[int, Person] = dict(given or {})
    token = _PEOPLE_KNOWN.set(known)
    try:
        yield known
    finally:
        _PEOPLE_KNOWN.reset(token)


async def remember_people(s: AsyncSession, ids: Iterable[int]) -> None:
    """Load these people in one query (into ``s``, so that ``s.get`` finds them without another)
    and, inside :func:`people_known`, keep them for the rest of the block."""
    known = _PEOPLE_KNOWN.get()
    wanted = {i for i in ids if i and (known is None or i not in known)}
    if not wanted:
        return
    found = list((await s.execute(_PEOPLE, {"ids": sorted(wanted)})).scalars())
    if known is not None:
        known.update({p.id: p for p in found})


async def keep_posts(s: AsyncSession, refs: Sequence[Kept]) -> None:
    """Insert or refresh ``refs`` in the session's transaction (one row per key and channel; one
    per direct message, and none for a person no longer in the directory): one statement for the
    posts and one for the direct messages, whatever was there before."""
    if not refs:
        return
    dialect = s.get_bind().dialect.name
    posts: dict[tuple[str, str, str], PostRef] = {}
    dms: list[dict[str, Any]] = []
    now = utcnow()
    for ref in refs:
        if isinstance(ref, PostRef):
            posts[(ref.platform, ref.key, ref.channel)] = ref  # the latest post under a key and channel
            continue
        dms.append({"person_id": ref.person_id, "platform": ref.platform, "channel": ref.channel[:400],
                    "message_id": ref.message_id[:200], "service_url": ref.service_url, "sent_at": now})  # fmt: skip
    if dms:
        await s.execute(_dm_insert(dialect), dms)
    if posts:
        rows = [{"platform": r.platform, "key": r.key, "channel": r.channel, "message_id": r.message_id,
                 "thread_id": r.thread, "employer_id": r.employer_id, "created_at": now} for r in posts.values()]  # fmt: skip
        stmt = _upsert(dialect)(PostedMessage).values(rows)
        await s.execute(stmt.on_conflict_do_update(
            index_elements=["platform", "key", "channel"],
            set_={"message_id": stmt.excluded.message_id, "thread_id": stmt.excluded.thread_id}))  # fmt: skip


@cache
def _dm_insert(dialect: str) -> Any:
    """One direct message's row, written only while its person is in the directory and not
    erased (erasure may have run since it was sent), once per message whatever was there
    before; built once and run for every message of a round at once."""
    from models.privacy import DirectMessage
    from models.tables import UTCDateTime

    person = bindparam("person_id", type_=Integer)
    row = select(person, bindparam("platform", type_=String), bindparam("channel", type_=String),
                 bindparam("message_id", type_=String), bindparam("service_url", type_=String),
                 bindparam("sent_at", type_=UTCDateTime())).where(
        select(Person.id).where(Person.id == person, Person.erased_at.is_(None)).exists())  # fmt: skip
    return (
        _upsert(dialect)(DirectMessage.__table__)
        .from_select(["person_id", "platform", "channel", "message_id", "service_url", "sent_at"], row)
        .on_conflict_do_nothing(index_elements=["platform", "channel", "message_id"])
    )


def _upsert(dialect: str) -> Any:
    """The dialect's INSERT with ON CONFLICT (SQLite and PostgreSQL spell it the same)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


# The lookups every delivery makes, built once: building a statement, and its cache key, costs
# more than running it.
_PEOPLE = select(Person).where(Person.id.in_(bindparam("ids", expanding=True)))
_POST_KEY = and_(PostedMessage.platform == bindparam("platform"), PostedMessage.key == bindparam("key"))
_POSTS = select(PostedMessage).where(_POST_KEY)
_HAS_POST = select(PostedMessage.id).where(_POST_KEY).limit(1)


@cache
def _chat_ids(column: str) -> Any:
    return select(Person.id, getattr(Person, column)).where(Person.id.in_(bindparam("ids", expanding=True)))


class Store:
    """Bookkeeping queries on one database (see the module docstring)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # ------------------------------------------------------------------ direct messages

    async def person_id_by_slack_id(self, slack_id: str) -> int | None:
        async with reading(self.sessions) as s:
            return (await s.execute(select(Person.id).where(Person.slack_id == slack_id))).scalar_one_or_none()

    async def remember_dm(self, person_id: int, platform: str, channel: str, message_id: str,
                          service_url: str | None = None) -> None:  # fmt: skip
        """One of the bot's own direct messages to a person, so erasure can delete it (inside
        :func:`posts_kept_later`, written with the notice's outcome)."""
        if not (person_id and channel and message_id):
            return
        ref = DmRef(person_id, platform, channel, message_id, service_url)
        later = _KEPT_LATER.get()
        if later is not None:
            later.append(ref)
            return
        try:
            async with self.sessions() as s, s.begin():
                await keep_posts(s, [ref])
        except IntegrityError:  # another worker recorded it first (or the person is gone)
            pass

    # ------------------------------------------------------------------ posted messages

    async def posts(self, platform: str, key: str) -> list[PostedMessage]:
        async with reading(self.sessions) as s:
            return list((await s.execute(_POSTS, {"platform": platform, "key": key})).scalars())

    async def remember_post(
        self,
        platform: str,
        key: str,
        channel: str,
        message_id: str,
        employer_id: int | None,
        thread: str | None = None,
        *,
        at_once: bool = False,
    ) -> None:
        """Keep where a message was posted; inside :func:`posts_kept_later`, with the notice's
        outcome, unless ``at_once`` (what a retry must find even if this try fails)."""
        ref = PostRef(platform, key, channel, message_id, employer_id, thread)
        later = _KEPT_LATER.get()
        if later is not None and not at_once:
            later.append(ref)
            return
        async with self.sessions() as s, s.begin():
            await keep_posts(s, [ref])

    async def keys_at(self, platform: str, channel: str, message_id: str, like: str) -> list[str]:
        """The keys of the messages posted at (channel, message id) matching a LIKE pattern."""
        async with reading(self.sessions) as s:
            return list(
                (
                    await s.execute(
                        select(PostedMessage.key).where(
                            PostedMessage.platform == platform,
                            PostedMessage.channel == channel,
                            PostedMessage.message_id == message_id,
                            PostedMessage.key.like(like),
                        )
                    )
                ).scalars()
            )

    async def spaces_in(self, platform: str, channel: str) -> list[str]:
        """The keys of the shared spaces kept in a channel (``partner-space:1``, ``space:…``)."""
        async with reading(self.sessions) as s:
            found = await s.execute(
                select(PostedMessage.key).where(
                    PostedMessage.platform == platform,
                    PostedMessage.channel == channel,
                    or_(PostedMessage.key.like("partner-space:%"), PostedMessage.key.like("space:%")),
                )
            )
            return sorted(set(found.scalars()))

    async def has_post(self, s: AsyncSession, platform: str, key: str) -> bool:
        """Whether a message under ``key`` was posted on the platform."""
        return (await s.execute(_HAS_POST, {"platform": platform, "key": key})).first() is not None

    # ------------------------------------------------------------------ inbound events

    async def first_time(self, platform: str, event_id: str, at: Any = None) -> bool:
        """Record an inbound event id; False when it was handled before (a platform's retry)."""
        try:
            async with self.sessions() as s, s.begin():
                s.add(InboundEvent(platform=platform, event_id=event_id[:200], received_at=at or utcnow()))
            return True
        except IntegrityError:
            return False

    # ------------------------------------------------------------------ people

    async def chat_ids(self, ids: Iterable[int], column: str) -> dict[int, str | None]:
        """Each person's Slack (``slack_id``) or Teams (``teams_id``) id (none for 0: no one)."""
        wanted = {i for i in ids if i}
        if not wanted:
            return {}
        known = _PEOPLE_KNOWN.get()
        if known and wanted <= known.keys():  # looked up a moment ago, routing this notice
            return {pid: getattr(known[pid], column) for pid in wanted}
        async with reading(self.sessions) as s:
            rows = (await s.execute(_chat_ids(column), {"ids": sorted(wanted)})).all()
        return {pid: cid for pid, cid in rows}

    async def person_by_teams_id(self, ids: Iterable[str]) -> Person | None:
        """The directory entry of the first of ``ids`` that is someone's Teams id."""
        wanted = [i for i in ids if i]
        if not wanted:
            return None
        async with reading(self.sessions) as s:
            found = (await s.execute(select(Person).where(or_(*(Person.teams_id == i for i in wanted))))).scalars()
            by_id = {p.teams_id: p for p in found}
        return next((by_id[i] for i in wanted if i in by_id), None)

    async def person(self, s: AsyncSession, person_id: int) -> Person | None:
        known = _PEOPLE_KNOWN.get()
        if known is not None and person_id in known:  # looked up a moment ago (see people_known)
            return known[person_id]
        return await s.get(Person, person_id)

    async def may_register_national(self, person_id: int) -> bool:
        """A national officer or an admin (they may say where the national union hears from the bot)."""
        async with reading(self.sessions) as s:
            person = await s.get(Person, person_id)
            if person is None:
                return False
            if person.is_admin:
                return True
            found = await s.execute(
                select(RoleRow.id).where(RoleRow.person_id == person_id, RoleRow.role == Held.NATIONAL_OFFICER)
            )
            return found.first() is not None

    async def national_channel(self, s: AsyncSession | None = None) -> str | None:
        if s is not None:
            office = await s.get(NationalOffice, 1)
            return office.channel if office else None
        async with reading(self.sessions) as r:
            office = await r.get(NationalOffice, 1)
            return office.channel if office else None

    # ------------------------------------------------------------------ Teams conversations

    async def remember_conversation(
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

    async def forget_conversation(self, key: str) -> None:
        """Drop the conversation reference stored under ``key`` (none: nothing to do)."""
        async with self.sessions() as s, s.begin():
            await s.execute(delete(TeamsConversation).where(TeamsConversation.key == key))

    async def conversation(self, key: str, s: AsyncSession | None = None) -> TeamsConversation | None:
        q = select(TeamsConversation).where(TeamsConversation.key == key)
        if s is not None:
            return (await s.execute(q)).scalar_one_or_none()
        async with reading(self.sessions) as r:
            return (await r.execute(q)).scalar_one_or_none()

    async def conversation_by_id(self, conversation_id: str, like: str | None = None) -> TeamsConversation | None:
        base = conversation_id.split(";", 1)[0]
        q = select(TeamsConversation).where(TeamsConversation.conversation_id == base)
        if like:
            q = q.where(TeamsConversation.key.like(like))
        async with reading(self.sessions) as s:
            return (await s.execute(q)).scalars().first()
