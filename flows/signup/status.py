"""What a person may see and do now: what waits for them, their proposals, reviews and deadlines
(``/vws status``, App Home), the employers a form offers them, the buttons a card offers, and the
true reason when they may not. Built on the journey table (:meth:`Table.to_do`, ``available``).

Every per-person read starts from the person's scope (:mod:`flows.signup.scope`) and filters in
SQL to the stages in which a row of the table waits for one of those roles, so its cost follows
the person's scope, not the country's. The employer's record itself is :mod:`flows.signup.records`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, false, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import DELEGABLE
from flows.core.forms import digits
from flows.core.payload import Payload
from flows.core.roles import Role
from flows.core.status import StatusSection
from flows.core.table import Table
from flows.core.unit import Core, Refusal, nothing_changed, read, roles_named
from flows.directory import Who, find_person
from flows.notices import Button, Outcome, Text
from flows.signup.case import ROLE_NAMES, Case, SignupSteps, doing, roles_on, with_owner
from flows.signup.journey import FINISHED, IN_SCHEME, TABLE, Action, Stage
from flows.signup.records import EmployerSummary, summaries, summary_of, with_plan
from flows.signup.scope import Scope, held, scope_of, waiting_stages
from flows.wording import say, say_str
from models.tables import (
    ActionPlan,
    Employer,
    Held,
    LocalAssociation,
    PartnerVoice,
    Person,
    WorkplanAction,
)
from models.tables import Role as RoleRow

#: At most this many items in a person's "waiting for you" (the rest are counted).
MAX_WAITING = 50




@dataclass
class StatusView:
    """One person's open items: what waits for them, what they proposed, what falls due next."""

    waiting: list[tuple[EmployerSummary, tuple[Button, ...]]] = field(default_factory=list)
    proposals: list[EmployerSummary] = field(default_factory=list)
    reviews: list[EmployerSummary] = field(default_factory=list)
    deadlines: list[tuple[EmployerSummary, int, str, date, str]] = field(default_factory=list)
    more_waiting: int = 0  # items beyond MAX_WAITING
    sections: list[StatusSection] = field(default_factory=list)  # what the other processes add



async def cases_for(
    s: AsyncSession, core: Core, scope: Scope, stages_for: dict[Role, set[str]], *, extra: Any = None, limit: int | None = None,
    latest_first: bool = False,
) -> list[tuple[Case, ActionPlan | None]]:
    """The person's cases in the given stages (by name, or the latest changed first), each with
    their roles on it (and this revision's voices where the partner unions are consulted)."""
    order = (Employer.updated_at.desc(), Employer.id.desc()) if latest_first else (Employer.name, Employer.id)
    q = with_plan().where(scope.where(stages_for)).order_by(*order)
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
        reviews = with_plan().where(
            Employer.stage.in_([x.value for x in IN_SCHEME]), ActionPlan.review_on.is_not(None)
        )
        if not scope.national:
            reviews = reviews.where(Employer.association_id.in_(scope.areas) if scope.areas else false())
        rows = (await s.execute(reviews.order_by(ActionPlan.review_on, Employer.id).limit(10))).all()
        view.reviews = [summary_of(e, p) for e, p in rows]
        # The person's open actions: theirs, on their proposals, in the associations they are
        # Secretary of. Each part is its own indexed lookup, its first ten by date; an OR of the
        # three (across two tables), or each part ordered by date, walked every open action in
        # the country instead (the date index) to find a few of one person's.
        def open_actions(*cols: Any) -> Any:
            return (
                select(*cols)
                .join(ActionPlan, ActionPlan.id == WorkplanAction.plan_id)
                .join(Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle))
                .where(WorkplanAction.status == "open", Employer.stage.in_([x.value for x in IN_SCHEME]))
            )

        mine = [WorkplanAction.owner_person_id == person.id, Employer.proposer_id == person.id]
        if scope.secretary_of:
            mine.append(Employer.association_id.in_(scope.secretary_of))
        theirs = union(*(open_actions(WorkplanAction.id).where(cond) for cond in mine)).subquery()
        acts = (
            await s.execute(
                select(WorkplanAction, Employer, ActionPlan)
                .select_from(theirs)  # the person's own few, each looked up by its key
                .join(WorkplanAction, WorkplanAction.id == theirs.c.id)
                .join(ActionPlan, ActionPlan.id == WorkplanAction.plan_id)
                .join(Employer, Employer.id == ActionPlan.employer_id)
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
