"""Who may act for whom while someone is away, and where a request for a person goes today.

Who may stand in is derived from the directory: a Local Association Secretary and their deputy
for each other (the same association), a National Executive Member for another NEM, a partner
union's rep for another rep of the same union in the same association. A request follows the
chain of absences (A away, sent to B; B away too, sent to C) for at most :data:`MAX_HOPS` hops
and never loops; an absence counts only on its days (``starts_on`` to ``until_on``, both
included) and until it is ended early, so it ends by itself. Every query starts from one
person (their absence, or the absences naming them), so its cost does not grow with the country.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from flows.core.roles import Role
from flows.core.table import row_of
from flows.notices import Kind, Notice, PersonRef, Text, ToPartnerSpace, ToPerson, ToSpace
from flows.wording import say
from models.tables import Absence, Held, LocalAssociation, Person
from models.tables import Role as RoleRow

ROUTES = "vws_routes"
"""``session.info`` key of where requests for whom go today, worked out once per transaction."""
ABSENT = "vws_absent"  # (day, the ids of everyone away that day), when a batch knows it (see know_who_is_away)
HERE = "vws_here"  # (day, ids of people known not to be away that day), asked with a case's first read (see acting_for_and_around)

MAX_HOPS = 3
"""A request passes through at most this many absent people before it lands."""

@dataclass(frozen=True)
class StandIn:
    """A role of another process that someone away may hand on, as that process declares it:
    whether a person holds it anywhere (``held``), and who may hold it for them (``peers``: the
    people allowed to hold the same role in the same place, e.g. another rep of the same union's
    branch, another escalation contact for the same region)."""

    role: Role
    held: Callable[[AsyncSession, Person], Awaitable[bool]]
    peers: Callable[[AsyncSession, Person], Awaitable[set[int]]]


STAND_INS: dict[Role, StandIn] = {}


def add_stand_in(stand_in: StandIn) -> None:
    """A process declares one of its roles as one that may be handed on while away."""
    STAND_INS[stand_in.role] = stand_in


DELEGABLE = frozenset({Role.SECRETARY, Role.NEM, Role.PARTNER_REP, Role.BRANCH_REP, Role.MEMBER, Role.REGIONAL,
                       Role.NATIONAL_CONTACT})  # fmt: skip
"""The roles someone away can hand to another (a rep's own proposals wait for them; the lead of
a Code adoption and a workplan or indicator owner hold their own): the sign-up journey's, found
below, and those other processes declare how to find (:func:`add_stand_in`)."""


def on_day(today: date | BindParameter[date]) -> ColumnElement[bool]:
    """Absences that hold on ``today`` (a date, or a bound parameter for one)."""
    return and_(Absence.starts_on <= today, Absence.until_on >= today, Absence.ended_at.is_(None))


def overlapping(starts_on: date, until_on: date) -> ColumnElement[bool]:
    """Absences that hold on any day from ``starts_on`` to ``until_on``."""
    return and_(Absence.starts_on <= until_on, Absence.until_on >= starts_on, Absence.ended_at.is_(None))


@dataclass(frozen=True)
class Away:
    """Someone a request passed over: who, and the last day they are away."""

    person: Person
    until: date


@dataclass(frozen=True)
class Routed:
    """Where a request for ``meant`` goes today: ``to`` (``meant`` unless they are away), and
    the absent people it passed over on the way, in order."""

    meant: Person | None
    to: Person | None
    passed: tuple[Away, ...] = ()

    @property
    def redirected(self) -> bool:
        return bool(self.passed)


_TODAY: BindParameter[date] = bindparam("today")
_CURRENT = select(Absence).where(Absence.person_id == bindparam("person"), on_day(_TODAY)).order_by(Absence.id.desc()).limit(1)
_HANDED_TO = select(Absence.person_id).where(Absence.delegate_id.in_(bindparam("to", expanding=True)), on_day(_TODAY))
_AROUND = select(Absence.person_id, Absence.delegate_id).where(
    or_(Absence.delegate_id == bindparam("me"), Absence.person_id.in_(bindparam("around", expanding=True))), on_day(_TODAY)
)  # fmt: skip
# (the two reads of every request that routes someone, built once: building them costs more than running them)


async def current_absence(s: AsyncSession, person_id: int, today: date) -> Absence | None:
    """The person's absence that holds today (the latest, should two overlap)."""
    return (await s.execute(_CURRENT, {"person": person_id, "today": today})).scalar_one_or_none()


async def route(s: AsyncSession, person: Person | None, today: date) -> Routed:
    """Where a request meant for ``person`` goes today (see the module docstring)."""
    if person is None:
        return Routed(None, None)
    cache = s.info.setdefault(ROUTES, {})  # asked again in the same transaction (its notices are readdressed)
    if (person.id, today) in cache:
        return cache[(person.id, today)]  # type: ignore[no-any-return]
    cache[(person.id, today)] = found = await _route(s, person, today)
    return found


def forget_routes(s: AsyncSession) -> None:
    """An absence was made or ended in this transaction: work out where requests go afresh."""
    s.info.pop(ROUTES, None)
    s.info.pop(ABSENT, None)
    s.info.pop(HERE, None)


async def acting_for_and_around(s: AsyncSession, person_id: int, today: date, around: Iterable[int | None]) -> list[Person]:
    """:func:`acting_for`, and in the same query which of ``around`` (the people a case's notices
    may go to: its officers, its proposer) are away ``today``. Those who are not are remembered
    for the session, so routing a request to them (:func:`route`) asks nothing more."""
    ids = sorted({i for i in around if i is not None})
    rows = (await s.execute(_AROUND, {"me": person_id, "around": ids, "today": today})).all()
    away = {p for p, _ in rows}
    here = set(ids) - away
    known = s.info.get(HERE)
    if known is not None and known[0] == today:
        here |= known[1] - away  # (what this read found wins over what an earlier one did)
    s.info[HERE] = (today, frozenset(here))
    return await acting_for(s, person_id, today, handed=[p for p, to in rows if to == person_id])


async def know_who_is_away(s: AsyncSession, today: date) -> frozenset[int]:
    """Everyone away ``today``, read once for the session (one query), so that routing the many
    notices of a batch (a reminder sweep's) asks the database only about people who are away.
    A request's use case routes a few people, each by its own indexed lookup, and does not call this."""
    if (known := _known_away(s, today)) is not None:
        return known
    away = frozenset((await s.execute(select(Absence.person_id).where(on_day(today)).distinct())).scalars())
    s.info[ABSENT] = (today, away)
    return away


def _known_away(s: AsyncSession, today: date) -> frozenset[int] | None:
    """Who is away ``today``, if the session was told (:func:`know_who_is_away`); else None."""
    known = s.info.get(ABSENT)
    return known[1] if known is not None and known[0] == today else None  # type: ignore[no-any-return]


def _known_here(s: AsyncSession, today: date) -> frozenset[int]:
    """Who is known not to be away ``today`` (:func:`acting_for_and_around`)."""
    known = s.info.get(HERE)
    return known[1] if known is not None and known[0] == today else frozenset()  # type: ignore[no-any-return]


async def _route(s: AsyncSession, person: Person, today: date) -> Routed:
    cur, seen, passed = person, {person.id}, []
    for _ in range(MAX_HOPS):
        if ((away := _known_away(s, today)) is not None and cur.id not in away) or cur.id in _known_here(s, today):
            break  # known to be here, without asking
        absence = await current_absence(s, cur.id, today)
        if absence is None or absence.delegate_id in seen:
            break
        nxt = await s.get(Person, absence.delegate_id)
        if nxt is None:
            break
        passed.append(Away(cur, absence.until_on))
        cur = nxt
        seen.add(nxt.id)
    return Routed(person, cur, tuple(passed))


async def acting_for(s: AsyncSession, person_id: int, today: date, *, handed: list[int] | None = None) -> list[Person]:
    """The people whose requests come to ``person_id`` today (directly, or along a chain);
    ``handed``: those who hand them to ``person_id`` directly, when already read."""
    found: list[int] = []
    frontier = [person_id]
    for hop in range(MAX_HOPS):
        if hop == 0 and handed is not None:
            rows: Iterable[int] = handed
        else:
            rows = (await s.execute(_HANDED_TO, {"to": frontier, "today": today})).scalars()
        new = [p for p in dict.fromkeys(rows) if p != person_id and p not in found]
        if not new:
            break
        found += new
        frontier = new
    if not found:
        return []
    people = {p.id: p for p in (await s.execute(select(Person).where(Person.id.in_(found)))).scalars()}
    return [people[p] for p in found if p in people]


async def delegable_roles(s: AsyncSession, person: Person) -> frozenset[Role]:
    """The roles ``person`` holds anywhere that someone may take on for them while they are away."""
    roles: set[Role] = set()
    officer = (
        await s.execute(
            select(LocalAssociation.secretary_id, LocalAssociation.deputy_id, LocalAssociation.nem_id).where(
                or_(
                    LocalAssociation.secretary_id == person.id,
                    LocalAssociation.deputy_id == person.id,
                    LocalAssociation.nem_id == person.id,
                )
            )
        )
    ).all()
    for sec, dep, nem in officer:
        if person.id in (sec, dep):
            roles.add(Role.SECRETARY)
        if person.id == nem:
            roles.add(Role.NEM)
    held = (await s.execute(select(RoleRow.id).where(RoleRow.person_id == person.id, RoleRow.role == Held.PARTNER_REP).limit(1))).first()
    if held is not None:
        roles.add(Role.PARTNER_REP)
    for role, stand_in in STAND_INS.items():
        if await stand_in.held(s, person):
            roles.add(role)
    return frozenset(roles)


async def who_may_stand_in(s: AsyncSession, person: Person) -> list[Person]:
    """The people allowed to act for ``person`` in one of their roles (see the module docstring),
    by name."""
    ids: set[int] = set()
    assocs = (
        await s.execute(
            select(LocalAssociation).where(
                or_(
                    LocalAssociation.secretary_id == person.id,
                    LocalAssociation.deputy_id == person.id,
                    LocalAssociation.nem_id == person.id,
                )
            )
        )
    ).unique().scalars().all()
    is_nem = False
    for a in assocs:
        if person.id in (a.secretary_id, a.deputy_id):
            ids |= {i for i in (a.secretary_id, a.deputy_id) if i is not None}
        if person.id == a.nem_id:
            is_nem = True
    if is_nem:
        nems = (await s.execute(select(LocalAssociation.nem_id).where(LocalAssociation.nem_id.is_not(None)).distinct())).scalars()
        ids |= {i for i in nems if i is not None}
    mine = (
        await s.execute(select(RoleRow.association_id, RoleRow.union).where(RoleRow.person_id == person.id, RoleRow.role == Held.PARTNER_REP))
    ).all()
    for assoc_id, union in mine:
        ids |= set(
            (
                await s.execute(
                    select(RoleRow.person_id).where(
                        RoleRow.association_id == assoc_id, RoleRow.union == union, RoleRow.role == Held.PARTNER_REP
                    )
                )
            ).scalars()
        )
    for stand_in in STAND_INS.values():
        ids |= await stand_in.peers(s, person)
    ids.discard(person.id)
    if not ids:
        return []
    people = list((await s.execute(select(Person).where(Person.id.in_(ids)))).scalars())
    return sorted(people, key=lambda p: (p.label.lower(), p.id))


@dataclass(frozen=True)
class ChainProblem:
    """Why a delegate can't be chosen: ``loop`` (it comes back to the person) or ``long``."""

    kind: str
    via: Person


async def chain_problem(s: AsyncSession, person: Person, delegate: Person, starts_on: date, until_on: date) -> ChainProblem | None:
    """Whether handing ``person``'s requests to ``delegate`` for these days would make a loop
    (A to B while B sends theirs to A) or a chain longer than :data:`MAX_HOPS`."""
    seen = {person.id, delegate.id}
    cur, hops = delegate, 1
    while True:
        q = select(Absence).where(Absence.person_id == cur.id, overlapping(starts_on, until_on)).order_by(Absence.id.desc()).limit(1)
        absence = (await s.execute(q)).scalar_one_or_none()
        if absence is None:
            return None
        if absence.delegate_id in seen:
            return ChainProblem("loop", delegate)
        hops += 1
        if hops > MAX_HOPS:
            return ChainProblem("long", delegate)
        nxt = await s.get(Person, absence.delegate_id)
        if nxt is None:
            return None
        seen.add(nxt.id)
        cur = nxt


# --------------------------------------------------------------------------- what needs someone away

PERSONAL = frozenset({"snooze", "undo_recorded"})
"""Buttons that are the recipient's own (snoozing their reminder, undoing a decision recorded for
them): a notice with only these is not a request someone else could act on."""

#: Who among the people of a shared space a request posted there is for, by process: each
#: returns the people the notice's buttons are theirs to press (a Secretary, a partnership's
#: chair...), so that any of them away has it sent to whoever acts for them.
SpaceOfficers = Callable[[AsyncSession, Notice], Awaitable[list[Person]]]
SPACE_OFFICERS: list[SpaceOfficers] = []


def add_space_officers(fn: SpaceOfficers) -> None:
    if fn not in SPACE_OFFICERS:
        SPACE_OFFICERS.append(fn)


def asks(n: Notice, roles: frozenset[Role] | None = None) -> bool:
    """Whether a notice asks its recipient to act with a button someone acting for them could
    press: one of a row for a role that is handed on (``roles``: the ones the absent person
    holds; by default any that may be)."""
    if n.kind in (Kind.DECIDED, Kind.REPLY):
        return False
    wanted = DELEGABLE if roles is None else roles & DELEGABLE
    for b in n.buttons:
        t = row_of(b.action) if b.action not in PERSONAL else None
        if t is not None and t.who & wanted:
            return True
    return False


LOADED = "vws_employers"
"""``session.info`` key of the employers a use case loaded (kept for its notices' readdressing)."""


async def _officer_news(s: AsyncSession, n: Notice) -> bool:
    """Whether a notice is news about an employer's case for a Local Association Secretary (or
    deputy) or an NEM: what is copied to whoever acts for them while they are away. Read from the
    employer the use case loaded (no query: most notices are not for an officer)."""
    if not n.employer_id or not isinstance(n.to, ToPerson):
        return False
    emp = next((e for e in s.info.get(LOADED, ()) if e.id == n.employer_id), None)
    assoc = emp.association if emp is not None else None
    return assoc is not None and n.to.person.id in (assoc.secretary_id, assoc.deputy_id, assoc.nem_id)


def _ref(p: Person) -> PersonRef:
    return PersonRef(p.id, p.label)


async def readdress(s: AsyncSession, core: Any, notices: list[Notice]) -> tuple[list[Notice], Text]:
    """Every notice a use case sends, as it goes while people are away today (``flows.core.unit``
    runs it before the outbox, in the use case's transaction):

    - a request to someone away goes to whoever acts for them instead, saying for whom;
    - a request posted in a shared space, which someone away could have acted on, is also sent
      to whoever acts for them directly (they may not be in that space);
    - news for someone away still reaches them (theirs to read when back), and a copy goes to
      whoever acts for them, saying it is for the person away.

    Returns the notices and what the person who acted is told ("Sam is away until ...; sent to
    Dee.", once per person away)."""
    today = core.today()
    out: list[Notice] = []
    said: list[Text] = []
    told: set[int] = set()
    spaces: list[Notice] = []

    def sent(routed: Routed) -> None:
        away, to = routed.passed[0], routed.to
        if to is not None and away.person.id not in told:
            told.add(away.person.id)
            said.append((" ", *say("away.sent_to", absent=_ref(away.person), until=away.until, delegate=_ref(to))))

    for n in notices:
        if n.place is not None or (n.replaces is not None and n.replaces != n.key):  # an answer, or a card brought up to date
            out.append(n)
            continue
        if isinstance(n.to, ToPartnerSpace | ToSpace):
            out.append(n)
            if asks(n):
                spaces.append(n)
            continue
        if not isinstance(n.to, ToPerson) or n.acting_for is not None:  # sent along the chain by the use case: its hops counted
            out.append(n)
            continue
        request = asks(n)
        if not request and not await _officer_news(s, n):  # nothing someone acting for them would be asked or told
            out.append(n)
            continue
        person = await s.get(Person, n.to.person.id) if n.to.person.id else None
        routed = await route(s, person, today)
        if not routed.redirected or routed.to is None:
            out.append(n)
            continue
        away, to = routed.passed[0], routed.to
        if request and asks(n, await delegable_roles(s, away.person)):
            out.append(replace(n, to=ToPerson(_ref(to)), acting_for=away.person.id,
                               body=(say("away.acting_for", absent=_ref(away.person), until=away.until), *n.body)))  # fmt: skip
            sent(routed)
            continue
        out.append(n)  # theirs, to read when back
        if not request:
            out.append(replace(n, to=ToPerson(_ref(to)), key=None, buttons=(),
                               body=(say("away.copy_for", absent=_ref(away.person), until=away.until), *n.body)))  # fmt: skip
    people = {n.to.person.id for n in out if isinstance(n.to, ToPerson)}
    if _known_away(s, today) == frozenset():
        spaces = []  # nobody is away today: nobody acts for anyone
    for n in spaces:  # a step posted in a shared space: sent directly to whoever acts for someone away who could take it
        seen: set[int] = set()
        for fn in SPACE_OFFICERS:
            for officer in await fn(s, n):
                if officer.id in seen:
                    continue
                seen.add(officer.id)
                routed = await route(s, officer, today)
                if routed.redirected and routed.to is not None and routed.to.id not in seen | people:
                    away = routed.passed[0]
                    seen.add(routed.to.id)
                    out.append(replace(n, to=ToPerson(_ref(routed.to)), acting_for=away.person.id, body=(
                        say("away.acting_for", absent=_ref(away.person), until=away.until), *n.body)))  # fmt: skip
                    sent(routed)
    return out, tuple(p for line in said for p in line)


# --------------------------------------------------------------------------- acting for them on a case


Acting = tuple[tuple[Person, frozenset[Role]], ...]


async def taken_on(
    s: AsyncSession, person: Person | None, today: date, roles_of: Callable[[Person], Awaitable[set[Role]]]
) -> Acting:
    """The people away today whose requests come to ``person``, each with the roles of theirs on
    this case (``roles_of``: the process's own reading of a person's roles on it) that may be
    handed on: what the delegate may do for them here."""
    if person is None:
        return ()
    out = []
    for absent in await acting_for(s, person.id, today):
        got = frozenset(r for r in await roles_of(absent) if r in DELEGABLE)
        if got:
            out.append((absent, got))
    return tuple(out)


def for_whom(acting: Acting, who: Iterable[Role]) -> dict[str, int]:
    """What an audit event's payload adds when a row for ``who`` is taken for someone away
    (``{"for": their id}``: the audit reads "Y for X"), or nothing."""
    wanted = set(who)
    absent = next((p for p, roles in acting if roles & wanted), None)
    return {"for": absent.id} if absent is not None else {}
