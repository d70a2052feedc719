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

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from flows.core.roles import Role
from models.tables import Absence, Held, LocalAssociation, Person
from models.tables import Role as RoleRow

MAX_HOPS = 3
"""A request passes through at most this many absent people before it lands."""

DELEGABLE = frozenset({Role.SECRETARY, Role.NEM, Role.PARTNER_REP})
"""The roles someone away can hand to another (a rep's own proposals wait for them)."""


def on_day(today: date) -> ColumnElement[bool]:
    """Absences that hold on ``today``."""
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


async def current_absence(s: AsyncSession, person_id: int, today: date) -> Absence | None:
    """The person's absence that holds today (the latest, should two overlap)."""
    q = select(Absence).where(Absence.person_id == person_id, on_day(today)).order_by(Absence.id.desc()).limit(1)
    return (await s.execute(q)).scalar_one_or_none()


async def route(s: AsyncSession, person: Person | None, today: date) -> Routed:
    """Where a request meant for ``person`` goes today (see the module docstring)."""
    if person is None:
        return Routed(None, None)
    cur, seen, passed = person, {person.id}, []
    for _ in range(MAX_HOPS):
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


async def acting_for(s: AsyncSession, person_id: int, today: date) -> list[Person]:
    """The people whose requests come to ``person_id`` today (directly, or along a chain)."""
    found: list[int] = []
    frontier = [person_id]
    for _ in range(MAX_HOPS):
        rows = (await s.execute(select(Absence.person_id).where(Absence.delegate_id.in_(frontier), on_day(today)))).scalars()
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
