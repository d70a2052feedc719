"""What each person sees of the partnerships in their status (``/vws status``, App Home, the Teams
status card), built on the issue table (:meth:`Table.to_do`):

- a member: their partnership, **Raise an issue**, and its open issues with what waits for them;
- a regional contact: their region's issues at the regional level, with their age at each level;
- a national contact: the national level's issues, and counts only of the rest (``/vws issues``);
- a rep: the employers in the scheme in their area, with **Raise a concern**.

Reads are scoped to the person's partnerships, regions and nations in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.payload import Payload
from flows.core.roles import Role
from flows.core.status import StatusItem, StatusSection
from flows.core.unit import Core, Refusal, read
from flows.directory import Who, find_person
from flows.notices import Button, Outcome
from flows.partnership.case import IssueCase, IssueSteps
from flows.partnership.documents import next_meeting
from flows.partnership.journey import OPEN, TABLE, Level, Stage
from flows.partnership.raising import IN_SCHEME, SCREEN_CONCERN, SCREEN_ISSUE
from flows.partnership.summary import days_at
from flows.wording import day, say_str
from models.partnership import (
    EscalationContact,
    Issue,
    IssueAttempt,
    Partnership,
    PartnershipArea,
    PartnershipEvent,
    PartnershipMember,
)
from models.tables import Employer, Person

MAX_ITEMS = 15


@dataclass
class Scope:
    """Where a person stands in the partnerships: the ones they sit on, their regions and nations."""

    person: Person
    partnerships: dict[int, Partnership] = field(default_factory=dict)
    regions: set[str] = field(default_factory=set)
    nations: set[str] = field(default_factory=set)

    def roles(self, issue: Issue) -> frozenset[Role]:
        roles: set[Role] = set()
        if issue.partnership_id in self.partnerships:
            roles.add(Role.MEMBER)
        if issue.raised_by_id == self.person.id:
            roles.add(Role.RAISER)
        if issue.partnership.region in self.regions:
            roles.add(Role.REGIONAL)
        if issue.partnership.nation in self.nations:
            roles.add(Role.NATIONAL_CONTACT)
        return frozenset(roles)


async def scope_of(s: AsyncSession, person: Person) -> Scope:
    scope = Scope(person)
    rows = await s.execute(
        select(Partnership).join(PartnershipMember, PartnershipMember.partnership_id == Partnership.id)
        .where(PartnershipMember.person_id == person.id).order_by(Partnership.name)
    )  # fmt: skip
    scope.partnerships = {p.id: p for p in rows.scalars().unique()}
    for level, area in await s.execute(
        select(EscalationContact.level, EscalationContact.area).where(EscalationContact.person_id == person.id)
    ):
        (scope.regions if level == Level.REGIONAL else scope.nations).add(area)
    return scope


async def tried(s: AsyncSession, issues: Iterable[Issue]) -> dict[int, int]:
    """Attempts at each issue's current level (its revision) that did not resolve it."""
    found = list(issues)
    if not found:
        return {}
    rows = await s.execute(
        select(IssueAttempt.issue_id, func.count(IssueAttempt.id))
        .where(or_(*(and_(IssueAttempt.issue_id == i.id, IssueAttempt.revision == i.revision) for i in found)))
        .group_by(IssueAttempt.issue_id)
    )
    return {i: int(n) for i, n in rows.all()}


async def events_of(s: AsyncSession, issues: Iterable[Issue]) -> dict[int, list[PartnershipEvent]]:
    ids = [i.id for i in issues]
    out: dict[int, list[PartnershipEvent]] = {i: [] for i in ids}
    if ids:
        rows = await s.execute(select(PartnershipEvent).where(PartnershipEvent.issue_id.in_(ids)).order_by(PartnershipEvent.id))
        for e in rows.scalars():
            out[e.issue_id or 0].append(e)
    return out


def _ages(issue: Issue, events: list[PartnershipEvent], core: Core) -> str:
    days = days_at(issue, events, core.now())
    return ", ".join(say_str("status.days_at", n=days[lv], level=lv.label) for lv in Level if lv in days)


async def _items(s: AsyncSession, core: Core, scope: Scope, issues: list[Issue], *, ages: bool) -> list[StatusItem]:
    counts = await tried(s, issues)
    events = await events_of(s, issues) if ages else {}
    out = []
    for i in issues:
        case = IssueCase(i, scope.person, scope.roles(i), unresolved_attempts=counts.get(i.id, 0), core=core)
        detail = Stage(i.stage).label
        if ages:
            detail += f" ({i.partnership.name}; {_ages(i, events[i.id], core)})"
        out.append(StatusItem(say_str("issue.headline", id=i.id, title=i.title or ""), detail, TABLE.to_do(case)))
    return out


async def sections(core: Core, who: Who) -> list[StatusSection]:
    """The partnerships' sections of a person's status."""

    async def q(s: AsyncSession) -> list[StatusSection]:
        person = await find_person(s, who)
        if person is None:
            return []
        scope = await scope_of(s, person)
        out: list[StatusSection] = []
        for p in scope.partnerships.values():
            head = StatusItem(say_str("status.raise.title"), _meeting(p, core), (Button(SCREEN_ISSUE, say_str("status.raise"), p.id),))
            issues = await _open(s, Issue.partnership_id == p.id)
            items = [head, *await _items(s, core, scope, issues[:MAX_ITEMS], ages=False)]
            out.append(StatusSection(say_str("status.partnership.heading", partnership=p.name), items,
                                     more=max(0, len(issues) - MAX_ITEMS)))  # fmt: skip
        raised = [i for i in await _open(s, Issue.raised_by_id == person.id) if i.partnership_id not in scope.partnerships]
        if raised:
            out.append(StatusSection(say_str("status.raised.heading"), await _items(s, core, scope, raised[:MAX_ITEMS], ages=False)))
        for level, areas, col in ((Level.REGIONAL, scope.regions, Partnership.region),
                                  (Level.NATIONAL, scope.nations, Partnership.nation)):  # fmt: skip
            if not areas:
                continue
            issues = await _open(s, col.in_(sorted(areas)), Issue.level == level.value)
            items = await _items(s, core, scope, issues[:MAX_ITEMS], ages=True)
            if level is Level.NATIONAL:
                items.append(StatusItem(say_str("status.national.counts"), await _counts_line(s, areas)))
            out.append(StatusSection(say_str(f"status.{level.value}.heading", areas=", ".join(sorted(areas))), items,
                                     more=max(0, len(issues) - MAX_ITEMS)))  # fmt: skip
        if concerns := await _concerns(s, person):
            out.append(concerns)
        return out

    return await read(core, q)


async def _open(s: AsyncSession, *where: object) -> list[Issue]:
    q = (
        select(Issue)
        .join(Partnership, Partnership.id == Issue.partnership_id)
        .where(Issue.stage.in_([x.value for x in OPEN]), *where)  # type: ignore[arg-type]
        .order_by(Issue.id)
        .limit(200)
    )
    return list((await s.execute(q)).scalars())


def _meeting(p: Partnership, core: Core) -> str:
    upcoming = next_meeting(p, core.today())
    return say_str("status.next_meeting", when=day(upcoming)) if upcoming else ""


async def _counts_line(s: AsyncSession, nations: set[str]) -> str:
    rows = await s.execute(
        select(Issue.level, func.count(Issue.id))
        .join(Partnership, Partnership.id == Issue.partnership_id)
        .where(Partnership.nation.in_(sorted(nations)), Issue.stage.in_([x.value for x in OPEN]))
        .group_by(Issue.level)
    )
    n = {lv: c for lv, c in rows.all()}
    return say_str("status.national.counts.line", local=n.get("local", 0), regional=n.get("regional", 0),
                   national=n.get("national", 0))  # fmt: skip


async def _concerns(s: AsyncSession, person: Person) -> StatusSection | None:
    """Scheme members in the person's areas (as an NASUWT or partner rep, Secretary or NEM) that a
    partnership covers: each with Raise a concern."""
    from flows.signup.scope import scope_of as signup_scope

    areas = (await signup_scope(s, person)).areas
    if not areas:
        return None
    rows = await s.execute(
        select(Employer.id, Employer.name)
        .join(PartnershipArea, PartnershipArea.association_id == Employer.association_id)
        .where(Employer.association_id.in_(sorted(areas)), Employer.stage.in_(IN_SCHEME))
        .order_by(Employer.name)
        .distinct()
        .limit(MAX_ITEMS + 1)
    )
    found = rows.all()
    if not found:
        return None
    items = [StatusItem(name, say_str("status.concern.detail"), (Button(SCREEN_CONCERN, say_str("status.concern"), eid),))
             for eid, name in found[:MAX_ITEMS]]  # fmt: skip
    return StatusSection(say_str("status.concerns.heading"), items, more=max(0, len(found) - MAX_ITEMS))


# --------------------------------------------------------------------------- before a form opens


@dataclass(frozen=True)
class Seen:
    """An issue as the person opening a form on it sees it."""

    id: int
    title: str
    level: Level
    partnership: str


async def may(core: Core, who: Who, p: Payload) -> Seen | Outcome:
    """The issue, if this person may take ``p.action`` on it now; else why not (before a form opens)."""
    if p.subject is None or p.action not in TABLE:
        return Outcome(ok=False, reply=(say_str("button_stale"),))
    t = TABLE.row(p.action)
    steps = IssueSteps(core)

    async def q(s: AsyncSession) -> Seen | Outcome:
        try:
            case = await steps.load(s, who, p.subject or 0)
            await steps.check(s, t, case, rev=p.rev, needs=False)
        except Refusal as r:
            return r.outcome
        return Seen(case.id, case.title, case.level, case.partnership.name)

    return await read(core, q)
