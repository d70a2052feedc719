"""The partnerships' part of the directory file: regional and national escalation contacts (with
deputies) and the local social partnerships (members by side, area, meetings, reviews).

Called by :func:`flows.directory.load_directory` inside its transaction: an error names the entry
(``partnerships[0] (Leeds).members.NAHT[1]``) and nothing of the file is kept. Loading a file
replaces the members of the partnerships it lists and the contacts of the regions and nations
it lists, as it does the roles of the associations it lists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.directory import DirectoryError, DirectoryFile, PersonEntry
from flows.partnership.documents import first_versions
from flows.partnership.journey import Level
from models.partnership import (
    EscalationContact,
    Partnership,
    PartnershipArea,
    PartnershipDocument,
    PartnershipMember,
)
from models.tables import LocalAssociation, Person

PersonFn = Callable[[PersonEntry, str], Awaitable[Person]]


async def load_partnerships(
    session: AsyncSession, parsed: DirectoryFile, person: PersonFn, changes: list[str], today: date
) -> None:
    await _contacts(session, parsed, person, changes)
    regions = await _areas(session, Level.REGIONAL) | {r.name for r in parsed.regions}
    nations = await _areas(session, Level.NATIONAL) | {n.name for n in parsed.nations}
    in_file = {a.name.lower() for a in parsed.local_associations}
    for i, e in enumerate(parsed.partnerships):
        where = f"partnerships[{i}] ({e.name})"
        if e.region not in regions:
            raise DirectoryError(where, f"region {e.region!r} has no regional escalation contacts: list it under 'regions'")
        if e.nation not in nations:
            raise DirectoryError(where, f"nation {e.nation} has no national escalation contacts: list it under 'nations'")
        other = (
            await session.execute(
                select(Partnership.name).where(
                    func.lower(Partnership.local_authority) == e.local_authority.lower(), Partnership.name != e.name
                )
            )
        ).scalar_one_or_none()
        if other is not None:
            raise DirectoryError(where, f"{e.local_authority} already has a partnership ({other}): one per local authority area")
        row = (await session.execute(select(Partnership).where(Partnership.name == e.name))).scalar_one_or_none()
        wanted = {
            "local_authority": e.local_authority, "region": e.region, "nation": e.nation,
            "meet_every_weeks": e.meet_every_weeks, "next_meeting": e.next_meeting,
            "review_every_months": e.reviews_every_months,
        }  # fmt: skip
        if row is None:
            row = Partnership(name=e.name, **wanted)
            session.add(row)
            await session.flush()
            changes.append(f"added local social partnership {e.name} ({e.local_authority})")
        else:
            for attr, value in wanted.items():
                if getattr(row, attr) != value:
                    setattr(row, attr, value)
                    changes.append(f"{e.name}: {attr.replace('_', ' ')} {value}")
        await _members(session, row, e.members, where, person, changes)
        await _associations(session, row, e.local_associations, where, in_file, changes)
        has_docs = (
            await session.execute(select(PartnershipDocument.id).where(PartnershipDocument.partnership_id == row.id).limit(1))
        ).first()
        if not has_docs:
            first = e.first_review or e.next_meeting or _months_on(today, e.reviews_every_months)
            for doc in first_versions(row, today, first):
                session.add(doc)
            changes.append(f"{e.name}: remit and protocol started from WAMG's minimum remit and model protocol (review {first})")
    await session.flush()


def _months_on(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError("no such date")


async def _areas(session: AsyncSession, level: Level) -> set[str]:
    found = await session.execute(select(EscalationContact.area).where(EscalationContact.level == level.value).distinct())
    return set(found.scalars())


async def _contacts(session: AsyncSession, parsed: DirectoryFile, person: PersonFn, changes: list[str]) -> None:
    for level, entries, key in ((Level.REGIONAL, parsed.regions, "regions"), (Level.NATIONAL, parsed.nations, "nations")):
        for i, e in enumerate(entries):
            where = f"{key}[{i}] ({e.name})"
            desired: dict[int, tuple[bool, str]] = {}
            for j, c in enumerate(e.contacts):
                p = await person(c, f"{where}.contacts[{j}]")
                desired[p.id] = (False, c.ident)
            for j, c in enumerate(e.deputies):
                p = await person(c, f"{where}.deputies[{j}]")
                desired.setdefault(p.id, (True, c.ident))
            have = {
                c.person_id: c
                for c in (
                    await session.execute(
                        select(EscalationContact).where(EscalationContact.level == level.value, EscalationContact.area == e.name)
                    )
                ).scalars()
            }
            for pid, (deputy, ident) in desired.items():
                kind = "deputy" if deputy else "contact"
                if pid not in have:
                    session.add(EscalationContact(level=level.value, area=e.name, person_id=pid, deputy=deputy))
                    changes.append(f"added {level.value} {kind} for {e.name}: {ident}")
                elif have[pid].deputy != deputy:
                    have[pid].deputy = deputy
                    changes.append(f"{e.name}: {ident} is now a {level.value} {kind}")
            for pid, row in have.items():
                if pid not in desired:
                    await session.delete(row)
                    changes.append(f"removed a {level.value} contact for {e.name}")


async def _members(
    session: AsyncSession, row: Partnership, members: dict[str, list[PersonEntry]], where: str, person: PersonFn,
    changes: list[str],
) -> None:  # fmt: skip
    desired: dict[tuple[int, str], str] = {}
    for party, people in members.items():
        for j, entry in enumerate(people):
            p = await person(entry, f"{where}.members.{party}[{j}]")
            desired[(p.id, party)] = entry.ident
    have = {
        (m.person_id, m.party): m
        for m in (await session.execute(select(PartnershipMember).where(PartnershipMember.partnership_id == row.id))).scalars()
    }
    for key, ident in desired.items():
        if key not in have:
            session.add(PartnershipMember(partnership_id=row.id, person_id=key[0], party=key[1]))
            changes.append(f"{row.name}: added {key[1]} member {ident}")
    for key, m in have.items():
        if key not in desired:
            await session.delete(m)
            changes.append(f"{row.name}: removed a {key[1]} member")


async def _associations(
    session: AsyncSession, row: Partnership, names: list[str], where: str, in_file: set[str], changes: list[str]
) -> None:
    wanted: dict[int, str] = {}
    for j, name in enumerate(names):
        found = (
            await session.execute(select(LocalAssociation.id).where(func.lower(LocalAssociation.name) == name.lower()))
        ).scalar_one_or_none()
        if found is None:
            hint = "" if name.lower() in in_file else ": add it under 'local_associations'"
            raise DirectoryError(f"{where}.local_associations[{j}]", f"no local association called {name!r}{hint}")
        wanted[found] = name
    have = {
        a.association_id: a
        for a in (await session.execute(select(PartnershipArea).where(PartnershipArea.partnership_id == row.id))).scalars()
    }
    for aid in set(wanted) - set(have):
        session.add(PartnershipArea(partnership_id=row.id, association_id=aid))
        changes.append(f"{row.name}: covers local association {wanted[aid]}")
    for aid in set(have) - set(wanted):
        await session.delete(have[aid])
        changes.append(f"{row.name}: no longer covers local association #{aid}")
