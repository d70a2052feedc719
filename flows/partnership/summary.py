"""What an issue carries up the ladder: its summary, its level history and every attempt, as the
facts of its cards: the card in the partnership's space, and the card each level's contacts get.

The card's buttons are the table's rows a person of that level may take in the issue's stage
(guards that only say "not yet", like escalating before any attempt, are left to the click, so
that the bot can say what is missing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.roles import Role
from flows.core.unit import Core
from flows.notices import Button, Kind, Notice, PersonRef, Recipient, Text
from flows.partnership.case import IssueCase, issue_key, space, to_person
from flows.partnership.journey import (
    LOCAL_BUTTONS,
    NATIONAL_BUTTONS,
    REGIONAL_BUTTONS,
    TABLE,
    TRIED_HERE,
    Action,
    Level,
    Stage,
)
from flows.wording import day, say, say_str
from models.partnership import (
    EscalationContact,
    Issue,
    IssueAttempt,
    IssueNote,
    PartnershipEvent,
    PartnershipMember,
)
from models.tables import Employer, Person


@dataclass
class Dossier:
    """An issue with everything it carries: attempts, notes, its history, and who is who."""

    issue: Issue
    attempts: list[IssueAttempt]
    notes: list[IssueNote]
    events: list[PartnershipEvent]
    people: dict[int, Person]
    sides: dict[int, str]  # person id -> the side they sit for, or their level
    employer: str | None = None  # the scheme member a concern is about


async def dossier(s: AsyncSession, issue: Issue) -> Dossier:
    attempts = list((await s.execute(select(IssueAttempt).where(IssueAttempt.issue_id == issue.id).order_by(IssueAttempt.id))).scalars())
    notes = list((await s.execute(select(IssueNote).where(IssueNote.issue_id == issue.id).order_by(IssueNote.id))).scalars())
    events = list(
        (await s.execute(select(PartnershipEvent).where(PartnershipEvent.issue_id == issue.id).order_by(PartnershipEvent.id))).scalars()
    )
    ids = {a.person_id for a in attempts if a.person_id} | {n.person_id for n in notes if n.person_id}
    ids |= {issue.raised_by_id or 0}
    ids |= {e.actor_id for e in events if e.actor_id}
    people = {p.id: p for p in (await s.execute(select(Person).where(Person.id.in_(ids)))).scalars()}
    sides: dict[int, set[str]] = {}
    for pid, party in await s.execute(
        select(PartnershipMember.person_id, PartnershipMember.party).where(
            PartnershipMember.partnership_id == issue.partnership_id, PartnershipMember.person_id.in_(ids)
        )
    ):
        sides.setdefault(pid, set()).add(party)
    p = issue.partnership
    for pid, level in await s.execute(
        select(EscalationContact.person_id, EscalationContact.level).where(
            EscalationContact.person_id.in_(ids),
            ((EscalationContact.level == Level.REGIONAL.value) & (EscalationContact.area == p.region))
            | ((EscalationContact.level == Level.NATIONAL.value) & (EscalationContact.area == p.nation)),
        )
    ):
        sides.setdefault(pid, set()).add(Level(level).label)
    employer = None
    if issue.employer_id is not None:
        emp = await s.get(Employer, issue.employer_id)
        employer = emp.name if emp else None
    return Dossier(issue, attempts, notes, events, people, {k: ", ".join(sorted(v)) for k, v in sides.items()}, employer)


def spans(issue: Issue, events: Iterable[PartnershipEvent], now: datetime) -> list[tuple[Level, datetime, datetime | None]]:
    """The issue's level history: (level, from, to); the last is open while the issue is."""
    out: list[tuple[Level, datetime, datetime | None]] = []
    level, since = Level.LOCAL, issue.raised_at
    for e in events:
        if e.level and e.level != level.value:
            out.append((level, since, e.at))
            level, since = Level(e.level), e.at
    out.append((level, since, issue.closed_at))
    return out


def days_at(issue: Issue, events: Iterable[PartnershipEvent], now: datetime) -> dict[Level, int]:
    """Days spent at each level (a level visited twice adds up)."""
    out: dict[Level, int] = {}
    for level, start, end in spans(issue, events, now):
        out[level] = out.get(level, 0) + max(0, ((end or now) - start).days)
    return out


def _who(d: Dossier, person_id: int | None) -> str:
    person = d.people.get(person_id or 0)
    if person is None:
        return say_str("nobody_in_directory")
    side = d.sides.get(person.id)
    return f"{person.label} ({side})" if side else person.label


def history_lines(d: Dossier, core: Core) -> list[str]:
    lines = []
    for level, start, end in spans(d.issue, d.events, core.now()):
        days = max(0, ((end or core.now()) - start).days)
        if end is None:
            lines.append(say_str("summary.level.now", level=level.label.capitalize(), since=day(start), n=days))
        else:
            lines.append(say_str("summary.level.was", level=level.label.capitalize(), since=day(start),
                                 until=day(end), n=days))  # fmt: skip
    return lines


def attempt_lines(d: Dossier) -> list[str]:
    return [
        say_str("summary.attempt", n=i, on=day(a.tried_on), level=Level(a.level).label, who=_who(d, a.person_id),
                tried=a.tried or say_str("summary.erased"), outcome=a.outcome or say_str("summary.erased"),
                result=say_str(f"attempt.result.{a.result}"))  # fmt: skip
        for i, a in enumerate(d.attempts, start=1)
    ]


def facts(d: Dossier, core: Core, *, detail: bool = True) -> tuple[tuple[str, str], ...]:
    """The issue's facts: the summary, the level history, every attempt and what travels with it."""
    i = d.issue
    area = i.remit_area or say_str("summary.erased")
    out: list[tuple[str, str]] = [
        (say_str("fact.partnership"), f"{i.partnership.name} ({i.partnership.local_authority})"),
        (say_str("fact.group_affected"), i.group_affected or say_str("summary.erased")),
        (say_str("fact.remit_area"), area if i.in_remit else say_str("summary.outside_remit", area=area)),
    ]
    if d.employer:
        out.append((say_str("fact.scheme_member"), d.employer))
    if detail:
        out.insert(1, (say_str("fact.what_is_happening"), i.description or say_str("summary.erased")))
    out.append((say_str("fact.levels"), "\n".join(history_lines(d, core))))
    if d.attempts:
        out.append((say_str("fact.attempts"), "\n".join(attempt_lines(d))))
    for n in d.notes:
        label = say_str(f"note.{n.kind}", level=Level(n.level).label)
        out.append((label, f"{n.text or say_str('summary.erased')} ({_who(d, n.person_id)}, {day(n.at)})"))
    return tuple(out)


def offered(case: IssueCase, actions: Iterable[str], roles: set[Role]) -> tuple[Button, ...]:
    """The buttons of ``actions`` a person with ``roles`` may press in the issue's stage."""
    wanted = {str(a) for a in actions}
    seen = IssueCase(case.row, None, frozenset(roles), unresolved_attempts=case.unresolved_attempts, core=case.core)
    out: list[Button] = []
    for t in TABLE.rows:
        if t.action not in wanted or not t.allows(case.stage) or not (roles & t.who):
            continue
        if all(g.holds(seen) for g in t.guards if g is not TRIED_HERE):
            out += t.buttons(seen)
    return tuple(out)


def level_key(issue_id: int, level: Level, revision: int) -> str:
    """The card a level's contacts got when the issue reached them (in that round)."""
    return f"issue:{issue_id}:{level.value}:r{revision}"


def message_key(issue: Issue) -> str:
    """A new key for a message about the issue (so a casework decision can erase it later)."""
    issue.posts = (issue.posts or 0) + 1
    return f"issue:{issue.id}:m{issue.posts}"


def headline(issue: Issue) -> str:
    if issue.title is None:  # erased: it was casework
        return say_str("issue.headline.erased", id=issue.id)
    return say_str("issue.headline", id=issue.id, title=issue.title)


async def space_card(s: AsyncSession, case: IssueCase, d: Dossier, core: Core, *, lead: Text = ()) -> Notice:
    """The issue's card in the partnership's space, as it stands now (it replaces the last one)."""
    i = case.row
    body: list[Text] = [say("issue.card.raised", who=_who(d, i.raised_by_id), when=core.when(i.raised_at)),
                        say("issue.card.now", stage=case.stage.label)]  # fmt: skip
    if lead:
        body.insert(0, lead)
    buttons = offered(case, (*LOCAL_BUTTONS, Action.ADD_NOTE, Action.CONFIRM, Action.REOPEN), {Role.MEMBER})
    return Notice(
        Kind.PROGRESS,
        await space(s, i.partnership),
        headline(i),
        body=tuple(body),
        facts=facts(d, core),
        buttons=buttons,
        key=issue_key(i.id),
        replaces=issue_key(i.id),
        next_step=say(f"issue.next.{case.stage.value}"),
    )


async def contacts(s: AsyncSession, issue: Issue, level: Level, *, deputies: bool = False) -> list[Person]:
    """A level's escalation contacts for the issue's partnership (its region, or its nation)."""
    p = issue.partnership
    area = p.region if level is Level.REGIONAL else p.nation
    rows = await s.execute(
        select(EscalationContact).where(
            EscalationContact.level == level.value, EscalationContact.area == area, EscalationContact.deputy.is_(deputies)
        ).order_by(EscalationContact.id)
    )
    return [c.person for c in rows.scalars()]


async def level_cards(s: AsyncSession, case: IssueCase, d: Dossier, core: Core, level: Level, *, revision: int | None = None,
                      lead: Text = ()) -> list[Notice]:  # fmt: skip
    """The card each of a level's contacts has for the issue (new, or replacing theirs)."""
    i = case.row
    rev = revision or i.revision
    roles = {Role.REGIONAL} if level is Level.REGIONAL else {Role.NATIONAL_CONTACT}
    actions = (*REGIONAL_BUTTONS, Action.ADD_NOTE) if level is Level.REGIONAL else NATIONAL_BUTTONS
    buttons = offered(case, actions, roles)
    body: list[Text] = [say("issue.level.body", partnership=i.partnership.name, level=level.label,
                            stage=case.stage.label)]  # fmt: skip
    if lead:
        body.insert(0, lead)
    key = level_key(i.id, level, rev)
    return [
        Notice(Kind.PROGRESS, to_person(p), headline(i), body=tuple(body),
               facts=facts(d, core), buttons=buttons, key=key, replaces=key,
               next_step=say(f"issue.level.next.{case.stage.value}"))  # fmt: skip
        for p in await contacts(s, i, level)
    ]


async def thread_note(s: AsyncSession, issue: Issue, head: str, body: Iterable[Text], *, facts_: Iterable[tuple[str, str]] = (),
                      buttons: tuple[Button, ...] = (), next_step: Text = ()) -> Notice:  # fmt: skip
    """A message in the issue's thread in the partnership's space."""
    return Notice(Kind.PROGRESS, await space(s, issue.partnership, thread=issue_key(issue.id)), head, body=tuple(body),
                  facts=tuple(facts_), buttons=buttons, key=message_key(issue), next_step=next_step)  # fmt: skip


def to_each(people: Iterable[Person], notice: Notice, *, but: int | None = None) -> list[Notice]:
    """The same message to each of ``people`` (leaving out ``but``, the person acting)."""
    from dataclasses import replace

    out, seen = [], set()
    for p in people:
        if p.id == but or p.id in seen:
            continue
        seen.add(p.id)
        out.append(replace(notice, to=to_person(p)))
    return out


def person_ref(person: Person | None) -> PersonRef | str:
    return PersonRef(person.id, person.label) if person else say_str("nobody_in_directory")


Recipients = list[Recipient]
__all__ = ["Dossier", "Stage", "dossier", "facts", "level_cards", "offered", "space_card", "thread_note"]
