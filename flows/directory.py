"""The directory: local associations, who holds which role there, and the national union.

``load_directory`` upserts a YAML file of the shape in the README and reports what changed. A
bad file is rejected whole, with an error naming the entry; nothing of it is loaded.

Union membership is special category data: only chat IDs, e-mails and optional names are kept,
and roles are replaced by what the file says (a rep taken out of the file loses the role).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.bestvalue import CodeBranch
from models.tables import LocalAssociation, NationalOffice, Person, Role

UNIONS = ("NASUWT", "GMB", "UNISON", "Unite")
PARTNER_UNIONS = ("GMB", "UNISON", "Unite")
NATIONS = ("England", "Wales", "Scotland", "Northern Ireland")

SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class DirectoryError(ValueError):
    """A directory file that cannot be loaded; ``where`` names the entry."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Who:
    """How an adapter identifies the person acting: by Slack ID, Teams ID, e-mail or directory id."""

    slack: str | None = None
    teams: str | None = None
    email: str | None = None
    person_id: int | None = None


class PersonEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slack: str | None = None
    teams: str | None = None
    email: str | None = None
    name: str | None = Field(default=None, max_length=120)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            v = value.strip()
            if SLACK_ID.match(v):
                return {"slack": v}
            if EMAIL.match(v):
                return {"email": v}
            raise ValueError(f"{value!r} is neither a Slack user ID (like U0ABC123) nor an e-mail address")
        return value

    @field_validator("slack")
    @classmethod
    def _slack(cls, v: str | None) -> str | None:
        if v is not None and not SLACK_ID.match(v):
            raise ValueError(f"slack: {v!r} is not a Slack user ID (like U0ABC123)")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is not None and not EMAIL.match(v):
            raise ValueError(f"email: {v!r} is not an e-mail address")
        return v.lower() if v else v

    @model_validator(mode="after")
    def _reachable(self) -> PersonEntry:
        if not (self.slack or self.teams or self.email):
            raise ValueError("a person needs at least one of slack, teams or email")
        return self

    @property
    def ident(self) -> str:
        return self.slack or self.teams or self.email or "?"


class BranchEntry(BaseModel):
    """A union branch in the area (optional; for the Best Value Code): its reps speak for it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, max_length=120)
    reps: list[PersonEntry] = Field(default_factory=list)


class AssociationEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    region: str = ""
    nation: str = "England"
    secretary: PersonEntry
    deputy: PersonEntry | None = None
    nem: PersonEntry
    reps: list[PersonEntry] = Field(default_factory=list)
    partner_reps: dict[str, list[PersonEntry]] = Field(default_factory=dict)
    branches: dict[str, BranchEntry] = Field(default_factory=dict)

    @field_validator("nation")
    @classmethod
    def _nation(cls, v: str) -> str:
        for n in NATIONS:
            if v.lower() == n.lower():
                return n
        if v.lower() in ("england and wales", "england & wales"):
            return "England"
        raise ValueError(f"nation: {v!r} is not one of {', '.join(NATIONS)}")

    @field_validator("partner_reps")
    @classmethod
    def _unions(cls, v: dict[str, list[PersonEntry]]) -> dict[str, list[PersonEntry]]:
        out: dict[str, list[PersonEntry]] = {}
        for union, people in v.items():
            match = next((u for u in PARTNER_UNIONS if u.lower() == str(union).lower()), None)
            if match is None:
                raise ValueError(f"partner_reps: {union!r} is not a partner union (GMB, UNISON or Unite)")
            out[match] = people or []
        return out

    @field_validator("branches")
    @classmethod
    def _branches(cls, v: dict[str, BranchEntry]) -> dict[str, BranchEntry]:
        out: dict[str, BranchEntry] = {}
        for union, branch in v.items():
            match = next((u for u in UNIONS if u.lower() == str(union).lower()), None)
            if match is None:
                raise ValueError(f"branches: {union!r} is not one of the unions ({', '.join(UNIONS)})")
            out[match] = branch
        return out


#: The sides a local social partnership's members sit for: the unions and associations that sign
#: the National Agreement (WAMG's list), and the local authority.
PARTIES = ("NASUWT", "GMB", "UNISON", "Unite", "NAHT", "ASCL", "ATL", "Voice", "NEOST", "local authority")
_PARTY_ALIASES = {"local_authority": "local authority", "la": "local authority", "the local authority": "local authority"}


def party_of(value: str) -> str | None:
    """The side named by ``value`` (any case; ``local_authority`` and ``LA`` for the local authority)."""
    key = " ".join(str(value).replace("_", " ").split()).lower()
    key = _PARTY_ALIASES.get(key, _PARTY_ALIASES.get(str(value).lower(), key))
    return next((p for p in PARTIES if p.lower() == key), None)


class ContactsEntry(BaseModel):
    """The escalation contacts of one region or nation: who is asked first, and their deputies."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    contacts: list[PersonEntry] = Field(min_length=1)
    deputies: list[PersonEntry] = Field(default_factory=list)


def nation_name(v: str) -> str:
    """A nation as the directory stores it (England, Wales, Scotland, Northern Ireland)."""
    for n in NATIONS:
        if v.lower() == n.lower():
            return n
    if v.lower() in ("england and wales", "england & wales"):
        return "England"
    raise ValueError(f"{v!r} is not one of {', '.join(NATIONS)}")


class NationContactsEntry(ContactsEntry):
    _nation = field_validator("name")(nation_name)


class PartnershipEntry(BaseModel):
    """A local social partnership: one per local authority area, its members by side."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    local_authority: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=1, max_length=120)
    nation: str = "England"
    members: dict[str, list[PersonEntry]] = Field(min_length=1)
    local_associations: list[str] = Field(default_factory=list)  # NASUWT associations in its area
    meet_every_weeks: int | None = Field(default=None, ge=1, le=52)
    next_meeting: date | None = None
    reviews_every_months: int = Field(default=12, ge=1, le=60)
    first_review: date | None = None  # of the remit and protocol (default: the next meeting)

    _nation = field_validator("nation")(nation_name)

    @field_validator("members")
    @classmethod
    def _sides(cls, v: dict[str, list[PersonEntry]]) -> dict[str, list[PersonEntry]]:
        out: dict[str, list[PersonEntry]] = {}
        for side, people in v.items():
            party = party_of(side)
            if party is None:
                raise ValueError(f"{side!r} is not a side of a partnership (one of {', '.join(PARTIES)})")
            out[party] = [*out.get(party, []), *(people or [])]
        if not any(out.values()):
            raise ValueError("a partnership needs at least one member")
        return out


class NationalEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str | None = None
    officers: list[PersonEntry] = Field(default_factory=list)


class SharingEntry(BaseModel):
    """A union's basis for showing its reps' roles to the other unions and employer-side spaces:
    ``agreement: <reference>`` (the unions' agreement) or ``consent`` (each person's, with its date)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    agreement: str | None = Field(default=None, min_length=1, max_length=200)
    consent: dict[str, date] | None = None

    @model_validator(mode="after")
    def _one(self) -> SharingEntry:
        if (self.agreement is None) == (self.consent is None):
            raise ValueError("give either 'agreement: <reference>' or 'consent' (each person with the date given)")
        return self


class DirectoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Per union: its basis for sharing (a union without one: its people are not put in shared spaces).
    sharing: dict[str, SharingEntry] = Field(default_factory=dict)

    national: NationalEntry = Field(default_factory=NationalEntry)
    local_associations: list[AssociationEntry] = Field(default_factory=list)
    admins: list[PersonEntry] = Field(default_factory=list)
    regions: list[ContactsEntry] = Field(default_factory=list)  # regional escalation contacts
    nations: list[NationContactsEntry] = Field(default_factory=list)  # national escalation contacts
    partnerships: list[PartnershipEntry] = Field(default_factory=list)


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """Name the entry an error is about: local_associations[0] (Leeds).partner_reps.Unite[1]."""
    parts: list[str] = []
    node = data
    for p in loc:
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{p}]"]
            try:
                node = node[p]
            except (IndexError, KeyError, TypeError):
                node = None
            if isinstance(node, dict) and node.get("name") and len(parts) == 1:
                parts[-1] += f" ({node['name']})"
        else:
            parts.append(str(p))
            node = node.get(p) if isinstance(node, dict) else None
    return ".".join(parts)


def parse_directory(source: str) -> DirectoryFile:
    """Read and check a directory file's text. Raises DirectoryError naming the bad entry."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise DirectoryError(where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise DirectoryError("", "the file must be a mapping with 'national' and 'local_associations'")
    try:
        parsed = DirectoryFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}"
            loc = loc[:-1]
        elif err["type"] == "missing":
            msg = f"{loc[-1]!r} is required"
            loc = loc[:-1]
        raise DirectoryError(_where(loc, data) or "file", msg) from None
    sharing: dict[str, SharingEntry] = {}
    for union, entry in parsed.sharing.items():
        match = next((u for u in UNIONS if u.lower() == str(union).lower()), None)
        if match is None:
            raise DirectoryError(f"sharing.{union}", f"{union!r} is not one of the unions ({', '.join(UNIONS)})")
        sharing[match] = entry
    parsed.sharing = sharing
    for key in ("local_associations", "regions", "nations", "partnerships"):
        seen: set[str] = set()
        for i, entry in enumerate(getattr(parsed, key)):
            if entry.name.lower() in seen:
                raise DirectoryError(f"{key}[{i}] ({entry.name})", f"the name {entry.name!r} appears twice")
            seen.add(entry.name.lower())
    return parsed


@dataclass
class _Upserter:
    session: AsyncSession
    changes: list[str]

    async def person(self, entry: PersonEntry, where: str) -> Person:
        found: dict[int, Person] = {}
        for col, value in (
            (Person.slack_id, entry.slack),
            (Person.teams_id, entry.teams),
            (Person.email, entry.email),
        ):
            if value:
                p = (await self.session.execute(select(Person).where(col == value))).scalar_one_or_none()
                if p is not None:
                    found[p.id] = p
        if len(found) > 1:
            raise DirectoryError(
                where, f"{entry.ident} matches two different people already in the directory"
            )
        if found:
            person = next(iter(found.values()))
            updated = []
            for attr, value in (
                ("slack_id", entry.slack),
                ("teams_id", entry.teams),
                ("email", entry.email),
                ("name", entry.name),
            ):
                if value and getattr(person, attr) != value:
                    setattr(person, attr, value)
                    updated.append(attr.removesuffix("_id"))
            if updated:
                self.changes.append(f"updated {entry.ident}: {', '.join(updated)}")
            return person
        person = Person(slack_id=entry.slack, teams_id=entry.teams, email=entry.email, name=entry.name)
        self.session.add(person)
        await self.session.flush()
        self.changes.append(f"added person {entry.ident}")
        return person


async def load_directory(session: AsyncSession, source: str, today: date | None = None) -> list[str]:
    """Upsert the directory from YAML text. Returns the changes, in plain words.

    The caller commits; on any error nothing of the file is kept (the caller rolls back).
    ``today`` dates what a new partnership starts from (its first remit and protocol).
    """
    parsed = parse_directory(source)
    changes: list[str] = []
    up = _Upserter(session, changes)

    office = await session.get(NationalOffice, 1)
    if office is None:
        office = NationalOffice(id=1)
        session.add(office)
    if office.channel != parsed.national.channel:
        changes.append(f"national channel set to {parsed.national.channel}")
        office.channel = parsed.national.channel

    desired: dict[tuple[int, str, int | None, str], str] = {}
    touched_assocs: list[int] = []

    for i, o in enumerate(parsed.national.officers):
        p = await up.person(o, f"national.officers[{i}]")
        desired[(p.id, "national_officer", None, "NASUWT")] = f"national officer {o.ident}"

    for i, a in enumerate(parsed.local_associations):
        where = f"local_associations[{i}] ({a.name})"
        assoc = (
            await session.execute(select(LocalAssociation).where(LocalAssociation.name == a.name))
        ).scalar_one_or_none()
        sec = await up.person(a.secretary, f"{where}.secretary")
        nem = await up.person(a.nem, f"{where}.nem")
        dep = await up.person(a.deputy, f"{where}.deputy") if a.deputy else None
        wanted = {
            "region": a.region,
            "nation": a.nation,
            "secretary_id": sec.id,
            "nem_id": nem.id,
            "deputy_id": dep.id if dep else None,
        }
        if assoc is None:
            assoc = LocalAssociation(name=a.name, **wanted)
            session.add(assoc)
            await session.flush()
            changes.append(
                f"added local association {a.name} (secretary {a.secretary.ident}, NEM {a.nem.ident})"
            )
        else:
            labels = {
                "region": f"region {a.region!r}",
                "nation": f"nation {a.nation}",
                "secretary_id": f"secretary {a.secretary.ident}",
                "nem_id": f"NEM {a.nem.ident}",
                "deputy_id": f"deputy {a.deputy.ident if a.deputy else '(none)'}",
            }
            for attr, value in wanted.items():
                if getattr(assoc, attr) != value:
                    setattr(assoc, attr, value)
                    changes.append(f"{a.name}: {labels[attr]}")
        touched_assocs.append(assoc.id)
        for j, r in enumerate(a.reps):
            p = await up.person(r, f"{where}.reps[{j}]")
            desired[(p.id, "rep", assoc.id, "NASUWT")] = f"{a.name}: NASUWT rep {r.ident}"
        for union, people in a.partner_reps.items():
            for j, r in enumerate(people):
                p = await up.person(r, f"{where}.partner_reps.{union}[{j}]")
                desired[(p.id, "partner_rep", assoc.id, union)] = f"{a.name}: {union} rep {r.ident}"
        await _branches(session, assoc.id, a, where, up, desired, changes)

    existing = (
        (
            await session.execute(
                select(Role).where(
                    (Role.association_id.in_(touched_assocs)) | (Role.role == "national_officer")
                )
            )
        )
        .scalars()
        .all()
    )
    have = {(r.person_id, r.role, r.association_id, r.union): r for r in existing}
    for key, label in desired.items():
        if key not in have:
            session.add(Role(person_id=key[0], role=key[1], association_id=key[2], union=key[3]))
            changes.append(f"added {label}")
    for key, role in have.items():
        if key not in desired:
            person = await session.get(Person, key[0])
            who = person.slack_id or person.teams_id or person.email if person else key[0]
            changes.append(
                f"removed {role.role.replace('_', ' ')} {who}"
                + (f" ({role.union})" if role.union != "NASUWT" else "")
            )
            await session.delete(role)

    admin_ids: set[int] = set()
    for i, adm in enumerate(parsed.admins):
        p = await up.person(adm, f"admins[{i}]")
        admin_ids.add(p.id)
        if not p.is_admin:
            p.is_admin = True
            changes.append(f"made {adm.ident} an admin")
    for p in (await session.execute(select(Person).where(Person.is_admin.is_(True)))).scalars():
        if p.id not in admin_ids:
            p.is_admin = False
            changes.append(f"{p.slack_id or p.email or p.id} is no longer an admin")
    await session.flush()
    await _sharing(session, parsed, changes)
    if parsed.partnerships or parsed.regions or parsed.nations:
        from flows.partnership.directory import load_partnerships

        await load_partnerships(session, parsed, up.person, changes, today or date.today())
    await _left(session, today or date.today(), changes)
    return changes


async def _left(session: AsyncSession, today: date, changes: list[str]) -> None:
    """Mark who is no longer in the directory (no role, office, seat or admin), and who is back."""
    from sqlalchemy import union

    from models.partnership import EscalationContact, PartnershipMember

    await session.flush()
    referenced = union(
        select(Role.person_id), select(PartnershipMember.person_id), select(EscalationContact.person_id),
        select(LocalAssociation.secretary_id), select(LocalAssociation.deputy_id), select(LocalAssociation.nem_id),
        select(Person.id).where(Person.is_admin.is_(True)),
    ).subquery()  # fmt: skip
    inside = select(referenced.c[0]).where(referenced.c[0].is_not(None))  # NOT IN and a NULL match nothing
    await session.execute(update(Person).where(Person.removed_on.is_not(None), Person.id.in_(inside))
                          .values(removed_on=None).execution_options(synchronize_session=False))  # fmt: skip
    left = (await session.execute(select(Person).where(Person.erased_at.is_(None), Person.removed_on.is_(None),
                                                       Person.id.notin_(inside)))).scalars().all()  # fmt: skip
    for p in left:
        p.removed_on = today
        changes.append(f"{p.slack_id or p.teams_id or p.email or p.id} is no longer in the directory: "
                       "vws retention erases them after the retention period")


async def _branches(
    session: AsyncSession,
    association_id: int,
    a: AssociationEntry,
    where: str,
    up: _Upserter,
    desired: dict[tuple[int, str, int | None, str], str],
    changes: list[str],
) -> None:
    """The association's union branches (Best Value Code): a row per branch, its reps as roles."""
    have = {
        b.union: b
        for b in (await session.execute(select(CodeBranch).where(CodeBranch.association_id == association_id))).scalars()
    }
    for union, branch in a.branches.items():
        row = have.pop(union, None)
        if row is None:
            session.add(CodeBranch(association_id=association_id, union=union, name=branch.name))
            changes.append(f"{a.name}: added the {union} branch")
        elif row.name != branch.name:
            row.name = branch.name
            changes.append(f"{a.name}: renamed the {union} branch")
        for j, r in enumerate(branch.reps):
            p = await up.person(r, f"{where}.branches.{union}.reps[{j}]")
            desired[(p.id, "branch_rep", association_id, union)] = f"{a.name}: {union} branch rep {r.ident}"
    for union, row in have.items():
        await session.delete(row)
        changes.append(f"{a.name}: removed the {union} branch")


async def _sharing(session: AsyncSession, parsed: DirectoryFile, changes: list[str]) -> None:
    """Each union's sharing basis, and its people's consents, as the file says."""
    from models.privacy import SharingBasis, SharingConsent

    have = {b.union: b for b in (await session.execute(select(SharingBasis))).scalars()}
    for union, entry in parsed.sharing.items():
        basis, reference = ("agreement", entry.agreement) if entry.agreement else ("consent", None)
        row = have.pop(union, None)
        if row is None:
            session.add(SharingBasis(union=union, basis=basis, reference=reference))
            changes.append(f"{union} shares its reps' roles by {basis}" + (f" ({reference})" if reference else ""))
        elif (row.basis, row.reference) != (basis, reference):
            row.basis, row.reference = basis, reference
            changes.append(f"{union} now shares its reps' roles by {basis}" + (f" ({reference})" if reference else ""))
    for union, row in have.items():
        await session.delete(row)
        changes.append(f"{union} has no sharing basis any more: its reps are not put in shared spaces")
    consents = {(c.person_id, c.union): c for c in (await session.execute(select(SharingConsent))).scalars()}
    wanted: set[tuple[int, str]] = set()
    for union, entry in parsed.sharing.items():
        for ident, given_on in (entry.consent or {}).items():
            who = Who(slack=ident) if SLACK_ID.match(ident) else Who(email=ident.lower()) if EMAIL.match(ident) else Who(teams=ident)
            person = await _find_person(session, who)
            if person is None:
                raise DirectoryError(f"sharing.{union}.consent.{ident}", "is not a person in the directory")
            wanted.add((person.id, union))
            row_c = consents.get((person.id, union))
            if row_c is None:
                session.add(SharingConsent(person_id=person.id, union=union, given_on=given_on))
                changes.append(f"{union}: consent to sharing from {ident} ({given_on.isoformat()})")
            elif row_c.given_on != given_on:
                row_c.given_on = given_on
                changes.append(f"{union}: consent to sharing from {ident} now dated {given_on.isoformat()}")
    for key, row_c in consents.items():
        if key not in wanted:
            await session.delete(row_c)
            changes.append(f"{key[1]}: a consent to sharing was withdrawn")


async def find_person(session: AsyncSession, who: Who) -> Person | None:
    """The directory entry for the person acting, or None if they are not in it (looked up once
    per shared read: :func:`flows.core.unit.one_read`)."""
    from flows.core.unit import memo

    return await memo(session, ("person", who), lambda: _find_person(session, who))


_BY = tuple(select(Person).where(col == bindparam("value")) for col in (Person.slack_id, Person.teams_id, Person.email))
"""Every request's first read, built once (a statement built anew costs more than it takes to run)."""


async def _find_person(session: AsyncSession, who: Who) -> Person | None:
    if who.person_id is not None:
        return await session.get(Person, who.person_id)
    for by, value in zip(_BY, (who.slack, who.teams, who.email), strict=True):
        if value:
            p = (await session.execute(by, {"value": value})).scalar_one_or_none()
            if p is not None:
                return p
    return None
