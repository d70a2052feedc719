"""Where a person holds which role: their associations as rep, Secretary (or deputy), NEM or
partner rep, national office, and the standing of anyone away whose requests come to them.
Every per-person read starts from this, so its cost follows the person's scope, not the country's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, and_, bindparam, false, literal, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import DELEGABLE, acting_for, on_day
from flows.core.roles import Role
from flows.core.table import Transition
from flows.core.unit import memo
from flows.signup.journey import TABLE
from models.tables import (
    Absence,
    Employer,
    Held,
    LocalAssociation,
    Person,
)
from models.tables import Role as RoleRow

#: At most this many items in a person's "waiting for you" (the rest are counted).


def waiting_stages(role: Role, rows: Iterable[Transition] = TABLE.rows) -> set[str]:
    """The stages in which some row of the table waits for ``role``."""
    out: set[str] = set()
    for t in rows:
        if role in t.who:
            out |= set(t.sources if t.waits_in is None else t.waits_in)
    return out


class Holding(NamedTuple):
    """A role the person holds in the directory (a row of ``roles``, as read with their standing)."""

    role: str
    association_id: int | None
    union: str


@dataclass
class Scope:
    """A person's standing in the directory: where they hold which role."""

    person: Person
    roles: list[Holding]
    secretary_of: set[int]
    nem_of: set[int]
    # people away whose requests come to this person today, with their own standing
    acting: tuple[tuple[Person, Scope], ...] = ()

    @property
    def rep_of(self) -> set[int]:
        return {r.association_id for r in self.roles if r.role == Held.REP and r.association_id}

    @property
    def partner_of(self) -> set[int]:
        return {r.association_id for r in self.roles if r.role == Held.PARTNER_REP and r.association_id}

    @property
    def national(self) -> bool:
        return any(r.role == Held.NATIONAL_OFFICER for r in self.roles)

    @property
    def areas(self) -> set[int]:
        return self.rep_of | self.partner_of | self.secretary_of | self.nem_of

    def where(self, stages_for: dict[Role, set[str]]) -> Any:
        """SQL: the employers on which one of this person's roles is in ``stages_for``'s stages."""
        me = self.person.id
        parts = []
        for role, areas in ((Role.SECRETARY, self.secretary_of), (Role.NEM, self.nem_of),
                            (Role.PARTNER_REP, self.partner_of), (Role.REP, self.rep_of)):  # fmt: skip
            stages = stages_for.get(role)
            if areas and stages:
                parts.append(and_(Employer.association_id.in_(areas), Employer.stage.in_(stages)))
        if stages_for.get(Role.PROPOSER):
            parts.append(and_(Employer.proposer_id == me, Employer.stage.in_(stages_for[Role.PROPOSER])))
        if self.national and stages_for.get(Role.NATIONAL_OFFICER):
            parts.append(Employer.stage.in_(stages_for[Role.NATIONAL_OFFICER]))
        delegated = {r: st for r, st in stages_for.items() if r in DELEGABLE}
        parts += [sc.where(delegated) for _, sc in self.acting if delegated]  # what they hand on while away
        return or_(*parts) if parts else false()


def held(scope: Scope) -> frozenset[Role]:
    """The roles a person holds somewhere (a rep may be a proposer), for a refusal that says whose
    step it is when they have no case it could be theirs on."""
    out = {r for r, where in ((Role.REP, scope.rep_of), (Role.PROPOSER, scope.rep_of), (Role.SECRETARY, scope.secretary_of),
                              (Role.NEM, scope.nem_of), (Role.PARTNER_REP, scope.partner_of)) if where}  # fmt: skip
    if scope.national:
        out.add(Role.NATIONAL_OFFICER)
    return frozenset(out)


async def scope_of(s: AsyncSession, person: Person, today: date | None = None) -> Scope:
    """Where the person holds which role (looked up once per shared read); with ``today``, also
    the standing of the people away whose requests come to them today."""
    if today is None:
        return await memo(s, ("scope", person.id), lambda: _scope_of(s, person))

    async def with_absent() -> Scope:
        scope, someone_away = await _scope_and_absent(s, person, today)

        async def known() -> Scope:
            return scope

        await memo(s, ("scope", person.id), known)  # the plain standing, for the other processes
        if not someone_away:
            return scope
        absent = await acting_for(s, person.id, today)
        return replace(scope, acting=tuple([(p, await _scope_of(s, p)) for p in absent]))

    return await memo(s, ("scope", person.id, today), with_absent)


def _standing() -> tuple[Any, Any]:
    """The read of a person's standing (every request makes it), built once, as one query: the
    roles they hold, the associations they are an officer of, and (the second form, for a day)
    the absences that send requests to them that day."""
    me: Any = bindparam("person")
    n, t = null().cast(Integer), null().cast(String)
    officer = select(
        literal("officer").label("kind"), LocalAssociation.id, LocalAssociation.secretary_id, LocalAssociation.deputy_id,
        LocalAssociation.nem_id, t.label("role"), t.label("union"),
    ).where(
        or_(LocalAssociation.secretary_id == me, LocalAssociation.deputy_id == me, LocalAssociation.nem_id == me)
    )  # fmt: skip
    held = select(literal("role"), RoleRow.association_id, n, n, n, RoleRow.role, RoleRow.union).where(RoleRow.person_id == me)
    away = select(literal("away"), Absence.person_id, n, n, n, t, t).where(Absence.delegate_id == me, on_day(bindparam("today")))
    return officer.union_all(held), officer.union_all(held, away)


_STANDING, _STANDING_AND_AWAY = _standing()


async def _scope_of(s: AsyncSession, person: Person) -> Scope:
    return (await _scope_and_absent(s, person, None))[0]


async def _scope_and_absent(s: AsyncSession, person: Person, today: date | None) -> tuple[Scope, bool]:
    """The person's standing and (with ``today``) whether anyone away sends requests to them
    today: their roles, the associations they are an officer of and the absences, in one query."""
    if today is None:
        rows = (await s.execute(_STANDING, {"person": person.id})).all()
    else:
        rows = (await s.execute(_STANDING_AND_AWAY, {"person": person.id, "today": today})).all()
    officer = [(a, sec, dep, nem) for kind, a, sec, dep, nem, _, _ in rows if kind == "officer"]
    scope = Scope(
        person,
        [Holding(role, a, union) for kind, a, _, _, _, role, union in rows if kind == "role"],
        {a for a, sec, dep, _ in officer if person.id in (sec, dep)},
        {a for a, _, _, nem in officer if nem == person.id},
    )
    return scope, any(kind == "away" for kind, *_ in rows)


async def asked_in_space(s: AsyncSession, n: Any) -> list[Person]:
    """The people a request posted in an employer's partner space is for, by the rows of its
    buttons: the Secretary, the NEM, the partner reps of the association (a proposer is a rep,
    who cannot hand their steps on). Used by :func:`flows.away.delegation.readdress`."""
    from flows.notices import ToPartnerSpace

    if not isinstance(n.to, ToPartnerSpace):
        return []
    roles: set[Role] = set()
    for b in n.buttons:
        if b.action in TABLE:
            roles |= set(TABLE.row(b.action).who)
    roles &= DELEGABLE
    emp = await s.get(Employer, n.to.employer_id) if roles else None
    if emp is None:
        return []
    assoc = emp.association
    out = [p for role, p in ((Role.SECRETARY, assoc.secretary), (Role.NEM, assoc.nem)) if role in roles and p is not None]
    if Role.PARTNER_REP in roles:
        out += list(
            (
                await s.execute(
                    select(Person).join(RoleRow, RoleRow.person_id == Person.id)
                    .where(RoleRow.association_id == emp.association_id, RoleRow.role == Held.PARTNER_REP)
                )
            ).scalars()
        )  # fmt: skip
    return out
