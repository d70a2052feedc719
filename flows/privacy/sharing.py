"""Whether a person may be shown, as their union's rep, to the other unions (a shared space).

Article 9(2)(d) lets a union process its members' data in its legitimate activities, but not
disclose it outside the union without consent. Each union records its basis in the directory
file: the unions' agreement (everyone of that union), or consent, person by person.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.privacy import SharingBasis, SharingConsent
from models.tables import Person


async def without_basis(s: AsyncSession, people: Iterable[tuple[Person, str]]) -> list[tuple[Person, str]]:
    """Those of ``people`` (a person and the union they would be shown for) whose union has
    recorded no basis for sharing them: no agreement, and no consent of theirs."""
    wanted = list(people)
    if not wanted:
        return []
    bases = {u: b for u, b in (await s.execute(select(SharingBasis.union, SharingBasis.basis))).all()}
    consenting = {u for u, b in bases.items() if b == "consent"}
    consents: set[tuple[int, str]] = set()
    ids = {p.id for p, u in wanted if u in consenting}
    if ids:
        rows = await s.execute(select(SharingConsent.person_id, SharingConsent.union).where(SharingConsent.person_id.in_(ids)))
        consents = {(pid, u) for pid, u in rows.all()}
    return [(p, u) for p, u in wanted if bases.get(u) != "agreement" and (p.id, u) not in consents]
