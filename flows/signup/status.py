"""Read models: what waits for a person, their proposals, reviews and deadlines; the register;
an employer's history and plan. Built on the journey table (:meth:`Table.to_do`, ``available``).

Every per-person read starts from the person's roles (their associations, their cases) and
filters in SQL to the stages in which a row of the table waits for one of those roles, so its
cost follows the person's scope, not the country's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, and_, false, func, literal, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import DELEGABLE, acting_for, on_day
from flows.core.forms import digits
from flows.core.payload import Payload
from flows.core.roles import Role
from flows.core.status import StatusSection
from flows.core.table import Table, Transition
from flows.core.unit import Core, Refusal, memo, nothing_changed, read, roles_named
from flows.directory import Who, find_person
from flows.notices import Button, Outcome, Text
from flows.signup.case import ROLE_NAMES, Case, SignupSteps, doing, roles_on, with_owner
from flows.signup.journey import FINISHED, IN_SCHEME, TABLE, Action, Stage
from flows.wording import say, say_str
from models.tables import (
    Absence,
    ActionPlan,
    Employer,
    Event,
    Held,
    LocalAssociation,
    PartnerVoice,
    Person,
    WorkplanAction,
)
from models.tables import Role as RoleRow

#: At most this many items in a person's "waiting for you" (the rest are counted).
MAX_WAITING = 50


@dataclass(frozen=True)
class EmployerSummary:
    id: int
    name: str
    kind: str
    association: str
    region: str
    stage: Stage
    revision: int
    cycle: int
    principle: int | None
    review_on: date | None
    joined_at: datetime | None
    added_to_list_at: datetime | None
    logo_sent_at: datetime | None
    off_list_at: datetime | None = None  # taken off the national list (after a revocation)


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str  # empty: the bot (the clock)
    action: str
    from_stage: str | None
    to_stage: str
    reasons: str | None
    payload: dict[str, Any]


@dataclass
class StatusView:
    """One person's open items: what waits for them, what they proposed, what falls due next."""

    waiting: list[tuple[EmployerSummary, tuple[Button, ...]]] = field(default_factory=list)
    proposals: list[EmployerSummary] = field(default_factory=list)
    reviews: list[EmployerSummary] = field(default_factory=list)
    deadlines: list[tuple[EmployerSummary, int, str, date, str]] = field(default_factory=list)
    more_waiting: int = 0  # items beyond MAX_WAITING
    sections: list[StatusSection] = field(default_factory=list)  # what the other processes add


def summary_of(emp: Employer, plan: ActionPlan | None) -> EmployerSummary:
    return EmployerSummary(
        id=emp.id,
        name=emp.name,
        kind=emp.kind,
        association=emp.association.name,
        region=emp.association.region,
        stage=Stage(emp.stage),
        revision=emp.revision,
        cycle=emp.cycle,
        principle=plan.principle if plan else None,
        review_on=plan.review_on if plan else None,
        joined_at=emp.joined_at,
        added_to_list_at=emp.added_to_list_at,
        logo_sent_at=emp.logo_sent_at,
        off_list_at=emp.off_list_at,
    )


def _with_plan() -> Any:
    return (
        select(Employer, ActionPlan)
        .outerjoin(ActionPlan, and_(ActionPlan.employer_id == Employer.id, ActionPlan.cycle == Employer.cycle))
    )


async def summaries(s: AsyncSession, where: Any = None, *, limit: int | None = None) -> list[EmployerSummary]:
    q = _with_plan().order_by(Employer.name, Employer.id)
    if where is not None:
        q = q.where(where)
    if limit is not None:
        q = q.limit(limit)
    return [summary_of(emp, plan) for emp, plan in (await s.execute(q)).all()]


def waiting_stages(role: Role, rows: Iterable[Transition] = TABLE.rows) -> set[str]:
    """The stages in which some row of the table waits for ``role``."""
    out: set[str] = set()
    for t in rows:
        if role in t.who:
            out |= set(t.sources if t.waits_in is None else t.waits_in)
    return out


@dataclass
class Scope:
    """A person's standing in the directory: where they hold which role."""

    person: Person
    roles: list[RoleRow]
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


def _officer_of(person: Person) -> Any:
    return select(
        literal("officer").label("kind"), LocalAssociation.id, LocalAssociation.secretary_id, LocalAssociation.deputy_id,
        LocalAssociation.nem_id,
    ).where(
        or_(LocalAssociation.secretary_id == person.id, LocalAssociation.deputy_id == person.id, LocalAssociation.nem_id == person.id)
    )  # fmt: skip


async def _scope_of(s: AsyncSession, person: Person) -> Scope:
    return (await _scope_and_absent(s, person, None))[0]


async def _scope_and_absent(s: AsyncSession, person: Person, today: date | None) -> tuple[Scope, bool]:
    """The person's standing and (with ``today``) whether anyone away sends requests to them
    today: the absences are asked in the same query as the associations they are officers of."""
    roles = list((await s.execute(select(RoleRow).where(RoleRow.person_id == person.id))).scalars())
    q = _officer_of(person)
    if today is not None:
        n = null().cast(Integer)
        q = q.union_all(
            select(literal("away"), Absence.person_id, n, n, n).where(Absence.delegate_id == person.id, on_day(today))
        )  # fmt: skip
    rows = (await s.execute(q)).all()
    officer = [(a, sec, dep, nem) for kind, a, sec, dep, nem in rows if kind == "officer"]
    scope = Scope(
        person,
        roles,
        {a for a, sec, dep, _ in officer if person.id in (sec, dep)},
        {a for a, _, _, nem in officer if nem == person.id},
    )
    return scope, any(kind == "away" for kind, *_ in rows)


async def cases_for(
    s: AsyncSession, core: Core, scope: Scope, stages_for: dict[Role, set[str]], *, extra: Any = None, limit: int | None = None,
    latest_first: bool = False,
) -> list[tuple[Case, ActionPlan | None]]:
    """The person's cases in the given stages (by name, or the latest changed first), each with
    their roles on it (and this revision's voices where the partner unions are consulted)."""
    order = (Employer.updated_at.desc(), Employer.id.desc()) if latest_first else (Employer.name, Employer.id)
    q = _with_plan().where(scope.where(stages_for)).order_by(*order)
    if extra is not None:
        q = q.where(extra)
    if limit is not None:
        q = q.limit(limit)
    rows = (await s.execute(q)).all()
    out: list[tuple[Case, ActionPlan | None]] = []
    for emp, plan in rows:
        roles, unions = roles_on(scope.person, emp, scope.roles)
        acting: list[tuple[Person, frozenset[Role]]] = []
        for absent, theirs in scope.acting:  # the roles they hand on here while away
            got, their_unions = roles_on(absent, emp, theirs.roles)
            got &= DELEGABLE
            if got:
                acting.append((absent, frozenset(got)))
                roles |= got
                unions |= their_unions if Role.PARTNER_REP in got else set()
        case = Case(emp, scope.person, frozenset(roles), frozenset(unions), core=core, acting_for=tuple(acting))
        out.append((case, plan))
    consulted = [c for c, _ in out if c.stage is Stage.PARTNER_CONSULTATION]
    if consulted:
        found = await s.execute(
            select(PartnerVoice).where(
                or_(*(and_(PartnerVoice.employer_id == c.id, PartnerVoice.revision == c.revision) for c in consulted))
            )
        )
        by_case: dict[int, dict[str, PartnerVoice]] = {}
        for v in found.scalars():
            by_case.setdefault(v.employer_id, {})[v.union] = v
        for c in consulted:
            c.voices = by_case.get(c.id, {})
    return out


async def status_for(core: Core, who: Who) -> StatusView | None:
    """What waits for this person, what they proposed, and the next reviews and deadlines in their areas."""

    async def q(s: AsyncSession) -> StatusView | None:
        person = await find_person(s, who)
        if person is None:
            return None
        scope = await scope_of(s, person, core.today())
        view = StatusView()
        stages = {r: waiting_stages(r) for r in Role}
        national_todo = None
        if scope.national:  # the national list is national: only what is not yet recorded
            national_todo = or_(
                Employer.association_id.in_(scope.areas) if scope.areas else false(),
                Employer.proposer_id == person.id,
                Employer.added_to_list_at.is_(None),
                Employer.logo_sent_at.is_(None),
            )
        found = await cases_for(s, core, scope, stages, extra=national_todo, limit=MAX_WAITING * 4)
        for case, plan in found:
            buttons = TABLE.to_do(case)
            if buttons:
                if len(view.waiting) < MAX_WAITING:
                    view.waiting.append((summary_of(case.row, plan), buttons))
                else:
                    view.more_waiting += 1
        view.proposals = await summaries(
            s, and_(Employer.proposer_id == person.id, Employer.stage.not_in([x.value for x in FINISHED])), limit=50
        )
        reviews = _with_plan().where(
            Employer.stage.in_([x.value for x in IN_SCHEME]), ActionPlan.review_on.is_not(None)
        )
        if not scope.national:
            reviews = reviews.where(Employer.association_id.in_(scope.areas) if scope.areas else false())
        rows = (await s.execute(reviews.order_by(ActionPlan.review_on, Employer.id).limit(10))).all()
        view.reviews = [summary_of(e, p) for e, p in rows]
        acts = (
            await s.execute(
                select(WorkplanAction, Employer, ActionPlan)
                .join(ActionPlan, ActionPlan.id == WorkplanAction.plan_id)
                .join(Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle))
                .where(
                    WorkplanAction.status == "open",
                    Employer.stage.in_([x.value for x in IN_SCHEME]),
                    or_(
                        WorkplanAction.owner_person_id == person.id,
                        Employer.proposer_id == person.id,
                        Employer.association_id.in_(scope.secretary_of) if scope.secretary_of else false(),
                    ),
                )
                .order_by(WorkplanAction.by_date, WorkplanAction.id)
                .limit(10)
            )
        ).all()
        for wa, emp, plan in acts:
            view.deadlines.append((summary_of(emp, plan), wa.number, wa.detail, wa.by_date, wa.by_date_text))
        return view

    return await read(core, q)


def name_starts(typed: str) -> Any:
    """SQL: employers whose name (or a word of it) starts with what was typed; the prefix half is
    an index range on ``name_key``."""
    from flows.signup.proposal import name_key

    key = name_key(typed)
    if not key:
        return None
    return or_(and_(Employer.name_key >= key, Employer.name_key < key + "\uffff"), Employer.name_key.contains(" " + key))


async def actionable(
    core: Core, who: Who, action: Action | str, *, typed: str | None = None, limit: int = 500, table: Table = TABLE
) -> list[EmployerSummary]:
    """The employers on which this person may take ``action`` (a row of ``table``) now, to fill a
    form's employer list, at most ``limit``; with ``typed``, those whose name starts with it."""
    t = table.row(action)

    async def q(s: AsyncSession) -> list[EmployerSummary]:
        person = await find_person(s, who)
        if person is None or not t.sources:
            return []
        scope = await scope_of(s, person, core.today())
        stages = {r: set(t.sources) for r in t.who}
        found = await cases_for(s, core, scope, stages, extra=name_starts(typed) if typed else None, limit=limit)
        return [summary_of(c.row, plan) for c, plan in found if table.refusal_for(t, c) is None]

    return await read(core, q)


async def associations_matching(core: Core, who: Who, typed: str, limit: int = 100) -> list[str]:
    """Local associations whose name starts with what was typed: the person's own first."""
    async def q(s: AsyncSession) -> list[str]:
        person = await find_person(s, who)
        mine: list[str] = []
        if person is not None:
            mine = list(
                (
                    await s.execute(
                        select(LocalAssociation.name)
                        .join(RoleRow, RoleRow.association_id == LocalAssociation.id)
                        .where(RoleRow.person_id == person.id, RoleRow.role == Held.REP)
                        .order_by(LocalAssociation.name)
                    )
                ).scalars()
            )
        found = select(LocalAssociation.name).order_by(LocalAssociation.name).limit(limit)
        if typed:
            found = found.where(func.lower(LocalAssociation.name).startswith(typed.lower()))
        rest = [n for n in (await s.execute(found)).scalars() if n not in mine]
        return [n for n in mine if n.lower().startswith(typed.lower())] + rest

    return await read(core, q)


async def offered(core: Core, who: Who, employer_id: int, actions: Iterable[str]) -> tuple[Button, ...] | None:
    """The buttons among ``actions`` this person may press on the case now (a card's refresh).
    None when the case is gone."""
    wanted = set(actions)

    async def q(s: AsyncSession) -> tuple[Button, ...] | None:
        emp = await s.get(Employer, employer_id)
        if emp is None:
            return None
        person = await find_person(s, who)
        case = await SignupSteps(core).case_of(s, person, emp)
        return tuple(b for t in TABLE.available(case) if t.action in wanted and t.shows(case.stage) for b in t.buttons(case))

    return await read(core, q)


async def available_to(core: Core, who: Who, employer_id: int, *, workplan_action: int | None = None) -> list[str]:
    """The actions of the journey this person may take on the case now (for one workplan action,
    its owner's too): :meth:`Table.available`, on the case as the use cases load it."""

    async def q(s: AsyncSession) -> list[str]:
        person = await find_person(s, who)
        emp = await s.get(Employer, employer_id)
        if person is None or emp is None:
            return []
        case = await SignupSteps(core).case_of(s, person, emp)
        if workplan_action is not None:
            wa = await s.get(WorkplanAction, workplan_action)
            case = with_owner(case, wa.owner_person_id if wa else None)
        return [t.action for t in TABLE.available(case)]

    return await read(core, q)


async def refusal(core: Core, who: Who, p: Payload) -> Outcome | None:
    """Why this person may not take ``p.action`` on ``p.subject`` now (None: they may), checked
    before a form is opened so nobody fills one in for nothing."""
    if p.action not in TABLE or p.subject is None:
        return None
    t = TABLE.row(p.action)
    steps = SignupSteps(core)

    async def q(s: AsyncSession) -> Outcome | None:
        try:
            case = await steps.load(s, who, p.subject or 0)
            await steps.check(s, t, case, rev=p.rev, cycle=p.cycle, needs=False)
        except Refusal as r:
            return r.outcome
        return None

    return await read(core, q)


ANY_STAGE = {r: {x.value for x in Stage} for r in Role}
"""Every stage, for every role: a person's cases whatever they stand at."""


def _named(typed: str) -> Any:
    """SQL: employers whose name contains what was typed (or ``#12``, by number)."""
    from flows.signup.proposal import name_key

    if digits(typed.lstrip("#"), 11):
        return Employer.id == int(typed.lstrip("#"))
    return Employer.name_key.contains(name_key(typed), autoescape=True)


async def why_not(core: Core, who: Who, action: Action | str, typed: str = "") -> Outcome:
    """Why this person has no employer to take ``action`` on (a typed command found none), or
    why not the one they named: derived from the action's row of the table (who may take it,
    from which stages, its guards) and the person's own cases, so the reason given is the true
    one: whose step it is (by name), how a finished case ended, or the stage it is at. A name
    that matches none of the person's cases gets "no employer matches", with the ones they can
    choose."""
    t = TABLE.row(action)
    steps = SignupSteps(core)
    typed = " ".join((typed or "").split())[:100]

    async def q(s: AsyncSession) -> Outcome:
        person = await find_person(s, who)
        if person is None:
            return Outcome(ok=False, reply=say("not_in_directory", nothing_changed=nothing_changed()))
        scope = await scope_of(s, person)
        found = [c for c, _ in await cases_for(s, core, scope, ANY_STAGE, extra=_named(typed) if typed else None, limit=20,
                                               latest_first=True)]  # fmt: skip
        if typed and not found:
            open_to = [c.name for c, _ in await cases_for(s, core, scope, {r: set(t.sources) for r in t.who}, limit=6)
                       if TABLE.refusal_for(t, c) is None]  # fmt: skip
            names = ", ".join(open_to[:5])
            choices = say_str("no_match.choices", doing=doing(t, names)) if open_to else ""
            return Outcome(ok=False, reply=say("no_match", typed=typed) + (choices + say_str("no_match.try"),))
        local = [c for c in found if c.roles & (t.who - {Role.NATIONAL_OFFICER})]  # theirs here, but not now
        if typed:  # the ones they named: theirs first
            explain = sorted(found, key=lambda c: not (c.roles & t.who))[:3]
        elif local:
            explain = local[:3]
        else:  # whose step it is, on the latest case they can see that it is not theirs on
            explain = [c for c in found if not (c.roles & t.who)][:1]
        reasons: list[Text] = []
        for case in explain:
            if case.stage is Stage.PARTNER_CONSULTATION:  # who gave those voices, to say so
                await steps.load_voices(s, case)
            why = await steps.why_not(s, t, case)
            if why and why not in reasons:
                reasons.append(why)
        if not reasons and not (held(scope) & t.who):  # not theirs anywhere: say whose it is
            names = roles_named(ROLE_NAMES(), t.who, area=say_str("their_area"))
            return Outcome(ok=False, reply=say("only_who.to", names=names, doing=doing(t), ask=()))
        if not reasons:
            return Outcome(ok=False, reply=say("nothing_to", doing=doing(t)))
        out: Text = ()
        for why in reasons:
            out += ((" ",) if out else ()) + why
        return Outcome(ok=False, reply=out)

    return await read(core, q)


async def review_not_due(core: Core, employer_id: int | None) -> date | None:
    """The review date of an employer whose review has not fallen due yet (None otherwise)."""
    if employer_id is None:
        return None

    async def q(s: AsyncSession) -> date | None:
        emp = await s.get(Employer, employer_id)
        if emp is None or emp.stage != Stage.JOINED.value:
            return None
        plan = (await s.execute(select(ActionPlan).where(ActionPlan.employer_id == emp.id,
                                                         ActionPlan.cycle == emp.cycle))).scalar_one_or_none()  # fmt: skip
        return plan.review_on if plan is not None and plan.review_on > core.today() else None

    return await read(core, q)


async def summary(core: Core, employer_id: int) -> EmployerSummary | None:
    async def q(s: AsyncSession) -> EmployerSummary | None:
        found = await summaries(s, Employer.id == employer_id)
        return found[0] if found else None

    return await read(core, q)


async def find(core: Core, query: str) -> list[EmployerSummary]:
    """Employers whose name contains the words (or ``#12`` for one by number)."""
    from flows.signup.proposal import name_key

    text_q = query.strip()

    async def run(s: AsyncSession) -> list[EmployerSummary]:
        if digits(text_q.lstrip("#")):
            return await summaries(s, Employer.id == int(text_q.lstrip("#")))
        exact = await summaries(s, Employer.name_key == name_key(text_q))
        if exact:
            return exact
        return await summaries(s, Employer.name_key.contains(name_key(text_q)))

    return await read(core, run)


async def register(core: Core, *, everyone: bool = False) -> list[EmployerSummary]:
    """The employers in the scheme (or, with ``everyone``, every case) with stage, principle and review date."""

    async def run(s: AsyncSession) -> list[EmployerSummary]:
        return await summaries(s, None if everyone else Employer.stage.in_([x.value for x in IN_SCHEME]))

    return await read(core, run)


def _actor(e: Event, p: Person | None, named: dict[int, str]) -> str:
    """Who acted, as the audit says it: "Y for X" when Y acted for X (away, or recorded for X)."""
    actor = p.label if p else "the bot"
    absent = (e.payload or {}).get("for")
    if not isinstance(absent, int):
        return actor
    how = (e.payload or {}).get("how_taken")
    if isinstance(how, str) and how:
        return say_str("audit.recorded_for", actor=actor, absent=named.get(absent, f"person {absent}"), how=how)
    return say_str("audit.for", actor=actor, absent=named.get(absent, f"person {absent}"))


async def audit(core: Core, employer_id: int) -> list[AuditLine]:
    """One employer's history, oldest first."""

    async def run(s: AsyncSession) -> list[AuditLine]:
        rows = (
            await s.execute(
                select(Event, Person)
                .outerjoin(Person, Person.id == Event.actor_id)
                .where(Event.employer_id == employer_id)
                .order_by(Event.id)
            )
        ).all()
        others = {e.payload.get("for") for e, _ in rows if isinstance((e.payload or {}).get("for"), int)}
        named = {p.id: p.label for p in (await s.execute(select(Person).where(Person.id.in_(others)))).scalars()} if others else {}
        return [
            AuditLine(e.at, _actor(e, p, named), e.action, e.from_stage, e.to_stage, e.reasons, dict(e.payload or {}))
            for e, p in rows
        ]

    return await read(core, run)


async def plan_of(core: Core, employer_id: int) -> tuple[ActionPlan, list[WorkplanAction]] | None:
    async def run(s: AsyncSession) -> tuple[ActionPlan, list[WorkplanAction]] | None:
        emp = await s.get(Employer, employer_id)
        if emp is None:
            return None
        plan = (
            await s.execute(select(ActionPlan).where(ActionPlan.employer_id == emp.id, ActionPlan.cycle == emp.cycle))
        ).scalar_one_or_none()
        if plan is None:
            return None
        acts = list(
            (
                await s.execute(
                    select(WorkplanAction).where(WorkplanAction.plan_id == plan.id).order_by(WorkplanAction.number)
                )
            ).scalars()
        )
        return plan, acts

    return await read(core, run)


async def previous_principles(core: Core, employer_ids: list[int]) -> dict[int, int]:
    """Last cycle's principle for each employer (a new cycle after "objective met" must differ)."""

    async def run(s: AsyncSession) -> dict[int, int]:
        rows = await s.execute(
            select(ActionPlan.employer_id, ActionPlan.principle)
            .join(Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle))
            .where(ActionPlan.employer_id.in_(employer_ids), Employer.stage == Stage.OBJECTIVE_MET.value)
        )
        return {e: p for e, p in rows}

    return await read(core, run)


async def associations(core: Core, who: Who) -> tuple[list[str], list[str]]:
    """For the proposal form: every association, and those where the person is a rep (one read)."""

    async def q(s: AsyncSession) -> tuple[list[str], list[str]]:
        person = await find_person(s, who)
        names = list((await s.execute(select(LocalAssociation.name).order_by(LocalAssociation.name))).scalars())
        if person is None:
            return names, []
        mine = (
            await s.execute(
                select(LocalAssociation.name)
                .join(RoleRow, RoleRow.association_id == LocalAssociation.id)
                .where(RoleRow.person_id == person.id, RoleRow.role == Held.REP)
                .order_by(LocalAssociation.name)
            )
        ).scalars()
        return names, list(mine)

    return await read(core, q)
