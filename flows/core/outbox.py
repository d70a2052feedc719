"""The transactional outbox: a use case's notices are written in the same transaction as its
state change and audit event, so nothing acknowledged can be lost (microservices.io's pattern).

:func:`enqueue` writes them (each notice a row in ``outbox``, serialised platform-neutrally); a
delivery worker (``bot.outbox``) sends them at the platforms' pace and marks each done only when
the platform accepted it. Notices about one case share a *lane* and go out in order (a request
before the update that replaces it, the thread's root before its replies); different lanes go
in parallel.

Where the person acted (:class:`~flows.notices.Place`) is set by the adapter around a dispatch
with :func:`replying_in`; the use case's answer to them is then enqueued first in its lane, in
the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, bindparam, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from flows.notices import (
    Button,
    ButtonStyle,
    Confirm,
    FileRef,
    Kind,
    Notice,
    PersonRef,
    Place,
    Recipient,
    Text,
    ToNational,
    ToPartnerSpace,
    ToPerson,
    ToSpace,
)
from models.tables import OutboxItem, Person

_PLACE: ContextVar[Place | None] = ContextVar("vws_reply_place", default=None)


@contextmanager
def replying_in(place: Place | None) -> Iterator[None]:
    """Within this block, a use case's answer to the person goes to ``place`` (through the outbox)."""
    token = _PLACE.set(place)
    try:
        yield
    finally:
        _PLACE.reset(token)


def reply_place() -> Place | None:
    return _PLACE.get()


def lane_of(notice: Notice) -> str:
    """Notices to one place about one case keep their order (a person's messages and the updates
    to their cards, a space's posts and its creation); notices to different places go
    independently, so one that fails or waits for its channel holds up only its own place."""
    to = notice.to
    if notice.place is not None:
        where = f"reply:{notice.place.platform}:{notice.place.user}"
    elif isinstance(to, ToPerson):
        where = f"person:{to.person.id}"
    elif isinstance(to, ToSpace):
        where = f"space:{to.key}"
    elif isinstance(to, ToPartnerSpace):
        where = f"partners:{to.employer_id}"
    else:
        where = "national"
    lane = f"employer:{notice.employer_id}:{where}" if notice.employer_id else where
    return lane if len(lane) <= 120 else "h:" + hashlib.sha256(lane.encode()).hexdigest()  # the column's width


WAITING = ("pending", "claimed")
"""Outbox states of a notice still on its way (a later one in its lane waits for it)."""

HANDED = "vws_outbox_handed"
"""``session.info`` key of the rows :func:`enqueue` claimed for a :class:`HandOff` (see there)."""


class HandOff(Protocol):
    """A running delivery worker that takes a use case's notices straight from its transaction.

    :func:`enqueue` claims the rows it writes for the worker in that same transaction (those at
    the head of their lane), and :func:`flows.core.unit.run` hands them over once it committed:
    they are sent at once, with no claim of their own and no wait for the worker's next look.
    A worker that dies first leaves them claimed; another takes them over when the lease runs
    out, as with any claim."""

    owner: str

    def lease_until(self) -> datetime | None:
        """Until when a claim made now is the worker's; None when it is not running."""

    def take(self, items: Sequence[OutboxItem], people: Sequence[Person] = ()) -> None:
        """Send these claimed rows now (called after their transaction committed); ``people``
        are the directory entries that transaction read, as they stood when it committed (their
        addresses need not be looked up again to send)."""


def awaited(raw: dict[str, Any]) -> bool:
    """Whether a person is waiting on this notice (a written row's ``notice``): the answer to who
    just acted, or a request to the next person to act (a new message with buttons). Updates
    and news for information can go a moment later."""
    if raw.get("kind") == Kind.REPLY.value:
        return True
    return bool(raw.get("buttons")) and not raw.get("replaces")


def head_of_lane() -> ColumnElement[bool]:
    """No earlier notice in the row's lane is still on its way (so a lane keeps its order)."""
    earlier = aliased(OutboxItem)
    return ~exists().where(earlier.lane == OutboxItem.lane, earlier.id < OutboxItem.id, earlier.state.in_(WAITING))


async def enqueue(
    s: AsyncSession,
    notices: Sequence[Notice],
    *,
    nudge_id: int | None = None,
    lane: str | None = None,
    hand_off: HandOff | None = None,
) -> int:
    """Write ``notices`` to the outbox in the session's transaction; returns how many.

    With a running ``hand_off``, the rows at the head of their lane are claimed for it in the
    same transaction and kept in ``s.info[HANDED]``, to be handed over once it commits.

    The outbox runs on the wall clock (its retries wait real seconds), whatever clock the
    journey's dates follow."""
    rows = _rows([(nudge_id, notices)], lane)
    if not rows:
        return 0
    until = hand_off.lease_until() if hand_off is not None else None
    if hand_off is None or until is None:
        await s.execute(insert(OutboxItem), rows)
        return len(rows)
    ids = list((await s.scalars(_INSERT_IDS, rows)).all())
    claimed = await s.execute(_HAND_OFF, {"ids": ids, "owner": hand_off.owner, "until": until})
    s.info.setdefault(HANDED, []).extend(claimed.scalars())
    return len(rows)


# Built once (every click runs them): building a statement, and its cache key, costs more than running it.
_INSERT_IDS = insert(OutboxItem).returning(OutboxItem.id)
_HAND_OFF = (
    update(OutboxItem)
    .where(OutboxItem.id.in_(bindparam("ids", expanding=True)), OutboxItem.state == "pending", head_of_lane())
    .values(state="claimed", claimed_by=bindparam("owner"), lease_until=bindparam("until"),
            attempts=OutboxItem.attempts + 1)  # fmt: skip
    .returning(OutboxItem)
    .execution_options(synchronize_session=False)
)


async def enqueue_nudges(s: AsyncSession, nudges: Sequence[tuple[int, Sequence[Notice]]]) -> int:
    """Write the notices of many nudges (each ``(nudge id, notices)``) to the outbox in the
    session's transaction, in one insert; returns how many."""
    rows = _rows(nudges)
    if rows:
        await s.execute(insert(OutboxItem), rows)
    return len(rows)


def _rows(notices: Sequence[tuple[int | None, Sequence[Notice]]], lane: str | None = None) -> list[dict[str, Any]]:
    """Outbox rows for ``(nudge id or None, notices)`` pairs, waiting to go now; none for a
    notice nobody can receive."""
    now = datetime.now(UTC)
    return [
        {"created_at": now, "next_at": now, "lane": (lane or lane_of(n))[:120], "notice": to_json(n),
         "state": "pending", "attempts": 0, "nudge_id": nudge_id}  # fmt: skip
        for nudge_id, batch in notices
        for n in batch
        if not _unreachable(n)
    ]


DELETE = "delete"
"""An outbox row whose ``notice`` is not a notice but one of the bot's own messages to delete
(``{"kind": "delete", "platform", "channel", "message", "service_url"}``): erasure writes these
in its transaction, and the delivery worker deletes them, with retries, like any notice."""


async def enqueue_deletions(s: AsyncSession, messages: Sequence[dict[str, Any]], *, lane: str) -> int:
    """Write one deletion per message (each ``{"platform", "channel", "message", "service_url"}``)
    to the outbox in the session's transaction; returns how many."""
    now = datetime.now(UTC)
    rows = [
        {"created_at": now, "next_at": now, "lane": lane[:120], "notice": {"kind": DELETE, **m}, "state": "pending",
         "attempts": 0, "nudge_id": None}  # fmt: skip
        for m in messages
    ]
    if rows:
        await s.execute(insert(OutboxItem), rows)
    return len(rows)


def deletion_of(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """The message an outbox row deletes, or None when the row is a notice."""
    return raw if raw and raw.get("kind") == DELETE else None


UNSENT = ("pending", "claimed", "failed")
"""Outbox states whose notice is still kept: waiting, in flight, or parked for a retry. A sent
notice keeps only that it was sent (the worker drops what it said once the platform took it)."""


async def forget(s: AsyncSession, key: str, said: Iterable[str | None]) -> int:
    """Drop the notices not yet sent (waiting, in flight or parked) about the case ``key`` names
    (``issue:7``: its key, the thread it goes to, the message it replaces), and the answers to
    the people who acted that carry any of ``said``; in the session's transaction; returns how
    many. For what must be erased (an issue found to be casework): a notice still waiting would
    otherwise deliver it, and a parked one keep it. Reads only the unsent rows (the delivery
    backlog), never the outbox's history."""
    needles = [json.dumps(t, ensure_ascii=False)[1:-1] for t in said if t]
    about = (f'"{key}"', f'"{key}:')
    rows = (await s.execute(select(OutboxItem.id, OutboxItem.notice).where(OutboxItem.state.in_(UNSENT)))).all()
    gone = []
    for row_id, notice in rows:
        raw = json.dumps(notice, ensure_ascii=False)
        if any(a in raw for a in about) or (notice.get("place") and any(n in raw for n in needles)):
            gone.append(row_id)
    if gone:
        await s.execute(delete(OutboxItem).where(OutboxItem.id.in_(gone)).execution_options(synchronize_session=False))
    return len(gone)


def _unreachable(n: Notice) -> bool:
    """A notice to a role nobody holds (person 0): there is no one to send it to."""
    return n.place is None and isinstance(n.to, ToPerson) and n.to.person.id == 0


def reply_notice(reply: Text, place: Place, employer_id: int | None, buttons: tuple[Button, ...] = ()) -> Notice:
    """The answer to the person who acted, as a notice shown where they acted (``place``)."""
    return Notice(Kind.REPLY, ToPerson(PersonRef(0)), "", body=(reply,), employer_id=employer_id, place=place,
                  buttons=buttons)  # fmt: skip


# --------------------------------------------------------------------------- (de)serialising


def _text(t: Text) -> list[Any]:
    return [p if isinstance(p, str) else {"p": p.id, "l": p.label} for p in t]


def _parts(raw: Iterable[Any]) -> Text:
    return tuple(p if isinstance(p, str) else PersonRef(int(p["p"]), str(p.get("l") or "")) for p in raw)


def _to(r: Recipient) -> dict[str, Any]:
    if isinstance(r, ToPerson):
        return {"t": "person", "id": r.person.id, "l": r.person.label}
    if isinstance(r, ToNational):
        return {"t": "national"}
    members = [{"p": m.id, "l": m.label} for m in r.members]
    base = {"open": r.open_space, "members": members, "emails": list(r.invite_emails), "hint": r.name_hint}
    if isinstance(r, ToSpace):
        return {"t": "space", "key": r.key, "thread": r.thread, **base}
    return {"t": "partner", "employer": r.employer_id, "in_channel": r.in_channel, **base}


def _recipient(d: dict[str, Any]) -> Recipient:
    t = d["t"]
    if t == "person":
        return ToPerson(PersonRef(int(d["id"]), str(d.get("l") or "")))
    if t == "national":
        return ToNational()
    members = tuple(PersonRef(int(m["p"]), str(m.get("l") or "")) for m in d.get("members", []))
    emails = tuple(d.get("emails", []))
    if t == "space":
        return ToSpace(str(d["key"]), bool(d.get("open")), members, emails, str(d.get("hint") or ""),
                       thread=d.get("thread") or None)  # fmt: skip
    return ToPartnerSpace(int(d["employer"]), bool(d.get("open")), members, emails, str(d.get("hint") or ""),
                          in_channel=bool(d.get("in_channel")))  # fmt: skip


def _button(b: Button) -> dict[str, Any]:
    out = {"a": b.action, "l": b.label, "e": b.employer_id, "r": b.revision, "v": b.value, "s": b.style.value,
           "n": [n.value for n in b.needs], "c": b.cycle}  # fmt: skip
    if b.confirm is not None:
        out["cf"] = [b.confirm.title, b.confirm.text, b.confirm.yes, b.confirm.no]
    return out


def _unbutton(d: dict[str, Any]) -> Button:
    from flows.core.table import Need

    cf = d.get("cf")
    confirm = Confirm(*(str(x) for x in cf[:4])) if isinstance(cf, list) and len(cf) >= 4 else None
    return Button(str(d["a"]), str(d["l"]), int(d["e"]), d.get("r"), d.get("v"), ButtonStyle(d.get("s", "default")),
                  tuple(Need(n) for n in d.get("n", [])), d.get("c"), confirm)  # fmt: skip


def to_json(n: Notice) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": n.kind.value,
        "to": _to(n.to),
        "headline": n.headline,
        "body": [_text(t) for t in n.body],
        "facts": [list(f) for f in n.facts],
        "buttons": [_button(b) for b in n.buttons],
        "employer": n.employer_id,
        "key": n.key,
        "replaces": n.replaces,
        "next": _text(n.next_step),
    }
    if n.files:
        out["files"] = [{"source": f.source, "subject": f.subject, "name": f.name} for f in n.files]
    if n.place is not None:
        p = n.place
        out["place"] = {"platform": p.platform, "user": p.user, "channel": p.channel, "thread": p.thread,
                        "handle": p.handle}  # fmt: skip
    return out


def from_json(d: dict[str, Any]) -> Notice:
    place = d.get("place")
    return Notice(
        kind=Kind(d["kind"]),
        to=_recipient(d["to"]),
        headline=str(d.get("headline") or ""),
        body=tuple(_parts(t) for t in d.get("body", [])),
        facts=tuple((str(a), str(b)) for a, b in d.get("facts", [])),
        buttons=tuple(_unbutton(b) for b in d.get("buttons", [])),
        employer_id=d.get("employer"),
        key=d.get("key"),
        replaces=d.get("replaces"),
        next_step=_parts(d.get("next", [])),
        files=tuple(FileRef(str(f["source"]), int(f["subject"]), str(f["name"])) for f in d.get("files", [])),
        place=Place(place["platform"], place["user"], place.get("channel"), place.get("thread"), place.get("handle"))
        if place
        else None,
    )
