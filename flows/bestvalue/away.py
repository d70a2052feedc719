"""The Best Value Code's role someone away may hand on (declared to :mod:`flows.away.delegation`):
a union branch's rep, to another rep of the same union's branch in the same association. (The
lead of an adoption and an indicator's owner hold their own steps.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import StandIn, add_stand_in
from flows.core.roles import Role
from models.tables import Held, Person
from models.tables import Role as RoleRow


async def _branch_rep(s: AsyncSession, person: Person) -> bool:
    q = select(RoleRow.id).where(RoleRow.person_id == person.id, RoleRow.role == Held.BRANCH_REP).limit(1)
    return (await s.execute(q)).first() is not None


async def _same_branch(s: AsyncSession, person: Person) -> set[int]:
    mine = (await s.execute(select(RoleRow.association_id, RoleRow.union)
                            .where(RoleRow.person_id == person.id, RoleRow.role == Held.BRANCH_REP))).all()  # fmt: skip
    out: set[int] = set()
    for assoc_id, union in mine:
        out |= set((await s.execute(select(RoleRow.person_id).where(
            RoleRow.association_id == assoc_id, RoleRow.union == union, RoleRow.role == Held.BRANCH_REP))).scalars())  # fmt: skip
    return out


def register() -> None:
    add_stand_in(StandIn(Role.BRANCH_REP, _branch_rep, _same_branch))
