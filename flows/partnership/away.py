"""The partnership's roles someone away may hand on (declared to :mod:`flows.away.delegation`):
a member of a partnership to another member for the same side of the same partnership, a
regional or national escalation contact to another contact (or deputy) for the same region or
nation; and who a request posted in a partnership's space is for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import StandIn, add_space_officers, add_stand_in
from flows.core.roles import Role
from flows.partnership.journey import DOC_TABLE, TABLE, Level
from models.partnership import EscalationContact, PartnershipMember
from models.tables import Person


async def _member(s: AsyncSession, person: Person) -> bool:
    q = select(PartnershipMember.id).where(PartnershipMember.person_id == person.id).limit(1)
    return (await s.execute(q)).first() is not None


async def _members_alike(s: AsyncSession, person: Person) -> set[int]:
    mine = (await s.execute(select(PartnershipMember.partnership_id, PartnershipMember.party)
                            .where(PartnershipMember.person_id == person.id))).all()  # fmt: skip
    out: set[int] = set()
    for partnership_id, party in mine:
        out |= set((await s.execute(select(PartnershipMember.person_id).where(
            PartnershipMember.partnership_id == partnership_id, PartnershipMember.party == party))).scalars())  # fmt: skip
    return out


def _contact(level: Level) -> StandIn:
    async def held(s: AsyncSession, person: Person) -> bool:
        q = select(EscalationContact.id).where(EscalationContact.person_id == person.id, EscalationContact.level == level.value)
        return (await s.execute(q.limit(1))).first() is not None

    async def peers(s: AsyncSession, person: Person) -> set[int]:
        areas = set((await s.execute(select(EscalationContact.area).where(
            EscalationContact.person_id == person.id, EscalationContact.level == level.value))).scalars())  # fmt: skip
        if not areas:
            return set()
        return set((await s.execute(select(EscalationContact.person_id).where(
            EscalationContact.level == level.value, EscalationContact.area.in_(areas)))).scalars())  # fmt: skip

    return StandIn(Role.REGIONAL if level is Level.REGIONAL else Role.NATIONAL_CONTACT, held, peers)


async def asked_in_space(s: AsyncSession, n: Any) -> list[Person]:
    """The members of a partnership a request posted in its space is for (its buttons' rows are
    for members): any of them away has it sent to whoever acts for them."""
    from flows.notices import ToSpace

    if not isinstance(n.to, ToSpace) or not n.to.key.startswith("partnership:"):
        return []
    rows = [t for b in n.buttons for table in (TABLE, DOC_TABLE) if b.action in table for t in (table.row(b.action),)]
    if not any(Role.MEMBER in t.who for t in rows):
        return []
    raw = n.to.key.removeprefix("partnership:")
    if not raw.isdigit():
        return []
    q = select(Person).join(PartnershipMember, PartnershipMember.person_id == Person.id).where(
        PartnershipMember.partnership_id == int(raw))
    return list(dict.fromkeys((await s.execute(q)).scalars()))


def register() -> None:
    add_stand_in(StandIn(Role.MEMBER, _member, _members_alike))
    add_stand_in(_contact(Level.REGIONAL))
    add_stand_in(_contact(Level.NATIONAL))
    add_space_officers(asked_in_space)
