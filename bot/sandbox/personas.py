"""The people you can be in the sandbox, read from the directory file: name, roles, union."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.calendar import Nation
from flows.directory import PersonEntry, parse_directory


@dataclass
class Persona:
    """Someone with a Slack ID in the directory, and what they are in the scheme."""

    id: str
    name: str
    union: str
    roles: list[str] = field(default_factory=list)
    association: str = ""
    email: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "union": self.union, "roles": list(self.roles),
                "role": ", ".join(self.roles), "association": self.association}


def personas(source: str) -> list[Persona]:
    """Everyone in the directory with a Slack ID, in the order the journey meets them.

    People known only by e-mail (reps in another organisation) cannot be picked: the sandbox's
    workspace is one organisation.
    """
    directory = parse_directory(source)
    found: dict[str, Persona] = {}

    def add(entry: PersonEntry | None, role: str, union: str, association: str = "") -> None:
        if entry is None or not entry.slack:
            return
        person = found.get(entry.slack)
        if person is None:
            person = found[entry.slack] = Persona(entry.slack, entry.name or entry.slack, union,
                                                  association=association, email=entry.email)
        if role not in person.roles:
            person.roles.append(role)
        if association and not person.association:
            person.association = association

    for a in directory.local_associations:
        for rep in a.reps:
            add(rep, "Workplace rep", "NASUWT", a.name)
        add(a.secretary, "Local Association Secretary", "NASUWT", a.name)
        add(a.deputy, "Deputy Secretary", "NASUWT", a.name)
        add(a.nem, "National Executive Member", "NASUWT", a.name)
        for union, reps in a.partner_reps.items():
            for rep in reps:
                add(rep, f"{union} rep", union, a.name)
    for officer in directory.national.officers:
        add(officer, "National officer", "NASUWT")
    for admin in directory.admins:
        add(admin, "Bot admin", "NASUWT")
    # The local social partnerships: the people who are nothing else in the scheme.
    extra: list[tuple[PersonEntry, str, str, str]] = []
    for p in directory.partnerships:
        for party, people in p.members.items():
            side = party[0].upper() + party[1:]
            extra += [(m, f"{side} ({p.name} partnership)", party, p.name) for m in people]
    for r in directory.regions:
        extra += [(c, f"Regional contact ({r.name})", "regional", "") for c in r.contacts]
        extra += [(c, f"Regional deputy ({r.name})", "regional", "") for c in r.deputies]
    for n in directory.nations:
        extra += [(c, f"National contact ({n.name})", "national", "") for c in n.contacts]
        extra += [(c, f"National deputy ({n.name})", "national", "") for c in n.deputies]
    for entry, role, side, area in extra:
        if entry.slack and entry.slack not in found:
            add(entry, role, side, area)
    return list(found.values())


def national_channel(source: str) -> str | None:
    """The national union's channel id from the directory, if it names one."""
    return parse_directory(source).national.channel


def nation_of(source: str) -> Nation:
    """The nation whose bank holidays the sandbox's clock skips: the first local association's."""
    associations = parse_directory(source).local_associations
    return Nation.parse(associations[0].nation) if associations else Nation.ENGLAND
