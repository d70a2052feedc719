"""The action plan the employer agreed (the first one makes it a member), and its workplan.

A new cycle after "objective met" must work on a different principle; a plan after "not met"
carries the reasons the last one failed. Each workplan action is kept as written (its by-date
text too), and marked done by its owner, the proposer or the Secretary.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import keys
from flows.core.finished import finished
from flows.core.unit import Check, Core, Refusal, nothing_changed, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome, ToNational, ToPartnerSpace
from flows.principles import principle
from flows.signup.case import Case, SignupSteps, ref, to_person, with_owner
from flows.signup.journey import TABLE, Action, Stage
from flows.signup.route import plan_request_closed
from flows.wording import day, due_by, say, say_str
from models.schemas import EmployerKind, PlanIn
from models.tables import ActionPlan, Employer, Event, Person, WorkplanAction


def a_year_on(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def _new_principle(case: Case, got: Mapping[str, Any]) -> bool:
    plan: PlanIn = got["plan"]
    return not (case.stage is Stage.OBJECTIVE_MET and case.previous_principle == plan.principle)


def _same_principle(case: Case, got: Mapping[str, Any]) -> str:
    return say_str("plan.same_principle", principle=case.previous_principle)


def _review_after_start(case: Case, got: Mapping[str, Any]) -> bool:
    plan: PlanIn = got["plan"]
    starts = plan.starts_on or case.today()
    return plan.review_on is None or plan.review_on > starts


SignupSteps.checks = {
    Action.AGREE_PLAN: (
        Check("a different principle after objective met", _new_principle, "principle", _same_principle),
        Check("review after start", _review_after_start, "review_on", lambda c, g: say_str("plan.review_after_start")),
    )
}


async def current_plan(s: AsyncSession, emp: Employer) -> ActionPlan | None:
    return (
        await s.execute(select(ActionPlan).where(ActionPlan.employer_id == emp.id, ActionPlan.cycle == emp.cycle))
    ).scalar_one_or_none()


async def agree_plan(core: Core, who: Who, employer_id: int, data: PlanIn | dict[str, Any]) -> Outcome:
    """Record the action plan the employer agreed. The first one makes the employer a member."""
    t = TABLE.row(Action.AGREE_PLAN)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        emp = case.row
        previous = await current_plan(s, emp) if emp.cycle else None
        case.previous_principle = previous.principle if previous else None
        plan_in: PlanIn = (await steps.check(s, t, case, inputs={"plan": data}))["plan"]
        failure = None
        if case.stage is Stage.NOT_MET:
            ev = (
                await s.execute(
                    select(Event)
                    .where(Event.employer_id == emp.id, Event.action == Action.NOT_MET_NEW_PLAN.value)
                    .order_by(Event.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            failure = ev.reasons if ev else None
        starts = plan_in.starts_on or core.today()
        review = plan_in.review_on or a_year_on(starts)
        cycle = emp.cycle + 1
        now = core.now()
        first = emp.joined_at is None
        values: dict[str, Any] = {"cycle": cycle}
        if first:
            values["joined_at"] = now
        payload = {
            "cycle": cycle,
            "principle": plan_in.principle,
            "review_on": review.isoformat(),
            "workplan_actions": len(plan_in.workplan),
        }
        await steps.move(s, t, case, payload=payload, values=values)
        plan = ActionPlan(
            employer_id=emp.id, cycle=cycle, principle=plan_in.principle, objectives=plan_in.objectives,
            activities=plan_in.activities, success_criteria=plan_in.success_criteria, starts_on=starts,
            review_on=review, previous_failure_reasons=failure,
            agreed_by_id=case.person.id if case.person else None, agreed_at=now,
        )  # fmt: skip
        s.add(plan)
        await s.flush()
        owners: dict[int, str] = {}
        for a in plan_in.workplan:
            owner = await _owner(s, a.owner)
            owners[a.number] = owner.name if owner is not None and owner.name else a.owner  # a name, not an ID
            s.add(
                WorkplanAction(
                    plan_id=plan.id, number=a.number, detail=a.detail, owner=a.owner,
                    owner_person_id=owner.id if owner else None, by_date=a.by_date,
                    by_date_text=a.by_date_text or a.by_date.isoformat(),
                )
            )  # fmt: skip
        await s.flush()
        reply = say_str(
            "plan.reply", employer=emp.name, principle=principle(plan.principle).title, review_on=plan.review_on
        )
        if first:
            reply += say_str("plan.reply.joined")
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=(reply,),
            notices=[
                plan_request_closed(emp, cycle, say_str("plan_request.done.headline", employer=emp.name),
                                    say("recorded_by", who=ref(case.person), when=core.when(now))),  # fmt: skip
                *_joined_notices(case, plan, plan_in, first, owners),
            ],
        )

    return await run(core, body)


async def _owner(s: AsyncSession, owner: str) -> Person | None:
    """The directory person a workplan owner refers to, if it names one (a mention, ID or e-mail)."""
    o = owner.strip().removeprefix("<@").removesuffix(">").split("|")[0].strip()
    for col in (Person.slack_id, Person.teams_id, Person.email):
        p = (await s.execute(select(Person).where(func.lower(col) == o.lower()))).scalar_one_or_none()
        if p is not None:
            return p
    return None


def plan_facts(plan: ActionPlan, plan_in: PlanIn, owners: Mapping[int, str] | None = None) -> tuple[tuple[str, str], ...]:
    facts: tuple[tuple[str, str], ...] = (
        (say_str("fact.principle"), principle(plan.principle).title),
        (say_str("fact.objectives"), plan.objectives),
        (say_str("fact.activities"), plan.activities),
        (say_str("fact.success_criteria"), plan.success_criteria),
        (say_str("fact.review_date"), day(plan.review_on)),
    )
    if plan.previous_failure_reasons:
        facts += ((say_str("fact.why_last_failed"), plan.previous_failure_reasons),)
    if plan_in.workplan:
        lines = "\n".join(
            say_str("plan.workplan_line", number=a.number, detail=a.detail, owner=(owners or {}).get(a.number, a.owner),
                    by=due_by(a.by_date_text, a.by_date))  # fmt: skip
            for a in plan_in.workplan
        )
        facts += ((say_str("fact.workplan"), lines),)
    return facts


def _joined_notices(case: Case, plan: ActionPlan, plan_in: PlanIn, first: bool,
                    owners: Mapping[int, str] | None = None) -> list[Notice]:  # fmt: skip
    emp = case.row
    facts = plan_facts(plan, plan_in, owners)
    assoc = emp.association
    if not first:
        return [
            Notice(
                Kind.JOINED,
                ToPartnerSpace(emp.id),
                say_str("cycle.headline", employer=emp.name, cycle=plan.cycle),
                body=(say("cycle.body", who=ref(case.person)),),
                facts=facts,
                employer_id=emp.id,
                next_step=say("cycle.next", review_on=plan.review_on),
            ),
            Notice(
                Kind.PROGRESS,
                to_person(assoc.nem),
                say_str("cycle.nem.headline", employer=emp.name),
                body=(say("cycle.nem.body", employer=emp.name, area=assoc.name, cycle=plan.cycle),),
                facts=facts[:1] + facts[4:5],
                employer_id=emp.id,
                next_step=say("nothing_to_do"),
            ),
        ]
    joined = say_str("joined.headline", employer=emp.name)
    return [
        Notice(
            Kind.JOINED,
            ToPartnerSpace(emp.id),
            joined,
            body=(say("joined.body", who=ref(case.person)),),
            facts=facts,
            employer_id=emp.id,
            next_step=say("joined.next", review_on=plan.review_on),
        ),
        Notice(
            Kind.JOINED,
            to_person(assoc.nem),
            joined,
            body=(say("joined.nem.body", employer=emp.name, area=assoc.name),),
            facts=facts,
            employer_id=emp.id,
            next_step=say("joined.nem.next"),
        ),
        Notice(
            Kind.NATIONAL,
            ToNational(),
            say_str("national.new.headline", employer=emp.name),
            body=(
                say(
                    "national.new.body",
                    employer=emp.name,
                    kind=EmployerKind(emp.kind).label,
                    area=assoc.name,
                    region=assoc.region,
                    nem=ref(assoc.nem),
                ),
            ),
            facts=(
                (say_str("fact.principle"), principle(plan.principle).title),
                (say_str("fact.review_date"), day(plan.review_on)),
            ),
            buttons=TABLE.offer(case, Action.ADDED_TO_LIST, Action.LOGO_SENT),
            employer_id=emp.id,
            key=keys.national(emp.id),
            next_step=say("national.new.next"),
        ),
    ]


async def complete_action(core: Core, who: Who, action_id: int) -> Outcome:
    """Mark a workplan action done (its owner, the proposer or the Secretary); its reminders stop."""
    t = TABLE.row(Action.WORKPLAN_DONE)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        wa = await s.get(WorkplanAction, action_id)
        if wa is None:
            raise Refusal(say("workplan.no_such_action", id=action_id, nothing_changed=nothing_changed()))
        plan = await s.get(ActionPlan, wa.plan_id)
        assert plan is not None
        case = with_owner(await steps.load(s, who, plan.employer_id), wa.owner_person_id)
        await steps.check(s, t, case)
        emp = case.row
        done = await s.execute(
            update(WorkplanAction)
            .where(WorkplanAction.id == wa.id, WorkplanAction.status == "open")
            .values(status="done", done_at=core.now())
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Refusal(say("workplan.already_done", number=wa.number, nothing_changed=nothing_changed()), employer_id=emp.id)
        assert case.person is not None
        s.add(
            Event(
                employer_id=emp.id, at=core.now(), actor_id=case.person.id, action="workplan_action_done",
                from_stage=emp.stage, to_stage=emp.stage, payload={"cycle": plan.cycle, "number": wa.number},
            )
        )  # fmt: skip
        from flows.reminders.subjects import NudgeKind, workplan_subject

        cards = await finished(  # every reminder card of it, in every place and on every platform, loses its buttons
            s, NudgeKind.WORKPLAN, workplan_subject(wa.id),
            say_str("workplan.done.card.headline", number=wa.number, employer=emp.name),
            (say("remind.workplan.what", number=wa.number, detail=wa.detail),
             say("workplan.done.card.by", who=ref(case.person), on=core.today())),
            employer_id=emp.id,
        )  # fmt: skip
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=say("workplan.done.reply", number=wa.number),
            notices=[
                *cards,
                Notice(
                    Kind.PROGRESS,
                    ToPartnerSpace(emp.id),
                    say_str("workplan.done.headline", number=wa.number),
                    body=(say("plain", text=wa.detail),),
                    employer_id=emp.id,
                ),
            ],
        )

    return await run(core, body)
