"""Reviews: the clock marks a review due; the reviewers record objective met (a new cycle on a
different principle), or not met (extend the review period, or agree a new plan, with reasons)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import keys
from flows.core.roles import Role
from flows.core.unit import Core, Refusal, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome, Text, ToPartnerSpace
from flows.principles import principle
from flows.signup.case import Case, SignupSteps, employer_of, read_not_met, ref, to_person
from flows.signup.journey import REVIEW_OUTCOMES, TABLE, Action, Stage
from flows.signup.plan import current_plan
from flows.signup.route import plan_request
from flows.wording import say, say_str
from models.tables import ActionPlan, Employer


async def review_falls_due(core: Core, employer_id: int) -> Outcome:
    """The clock marks a review due when its date comes; those who review it are asked."""
    t = TABLE.row(Action.REVIEW_FALLS_DUE)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        emp = await employer_of(s, employer_id)
        case = Case(emp, None, frozenset({Role.BOT}), core=core)
        plan = await current_plan(s, emp)
        if plan is None or plan.review_on > core.today():
            raise Refusal(say("review.not_due", employer=emp.name), employer_id=emp.id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, payload={"review_on": plan.review_on.isoformat()})
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=say("review.due.reply", employer=emp.name),
            notices=review_due_notices(emp, plan),
        )

    return await run(core, body)


def review_closed(emp: Employer, key: str, headline: str, body: Text) -> Notice:
    """Replaces the review request (in the channel and both direct messages), its buttons gone."""
    return Notice(Kind.DECIDED, ToPartnerSpace(emp.id), headline, body=(body,), employer_id=emp.id, replaces=key)


def review_due_notices(emp: Employer, plan: ActionPlan, lead: str = "") -> list[Notice]:
    """The review request, to the partner thread, the proposer and the Secretary (also used by reminders)."""
    p = principle(plan.principle)
    head = say_str("review.due.headline", employer=emp.name) + (f" ({lead})" if lead else "")
    body = (say("review.due.body", employer=emp.name, principle=p.title, review_on=plan.review_on),)
    case = Case(emp, None, frozenset())
    buttons = TABLE.offer(case, Action.OBJECTIVE_MET, Action.NOT_MET)
    return [
        Notice(
            Kind.REVIEW_DUE,
            to,
            head,
            body=body,
            facts=((say_str("fact.objectives"), plan.objectives), (say_str("fact.success_criteria"), plan.success_criteria)),
            buttons=buttons,
            employer_id=emp.id,
            key=keys.review(emp.id, plan.cycle, plan.review_on.isoformat()),
            next_step=say("review.due.next"),
        )
        for to in (ToPartnerSpace(emp.id, in_channel=True), to_person(emp.proposer), to_person(emp.association.secretary))
    ]


async def not_met(
    core: Core, who: Who, employer_id: int, answers: dict[str, Any], cycle: int | None = None
) -> Outcome:
    """The "Not met" form: extend the review period, or agree a new plan (its choice decides which)."""
    try:
        outcome = read_not_met(answers, None)
    except Refusal as r:
        return r.outcome
    return await review(
        core, who, employer_id, outcome, reasons=answers.get("reasons"), new_review_date=answers.get("review_on"),
        cycle=cycle,
    )  # fmt: skip


async def review(
    core: Core,
    who: Who,
    employer_id: int,
    outcome: Action | str,
    *,
    reasons: str | None = None,
    new_review_date: date | str | None = None,
    cycle: int | None = None,
) -> Outcome:
    """Record a review: objective met (a new cycle follows), or not met (extend, or a new plan).
    ``cycle``: the cycle the button was made for (a click from an earlier cycle changes nothing)."""
    act = Action(outcome)
    if act not in REVIEW_OUTCOMES:
        raise ValueError(f"{act} is not a review outcome")
    t = TABLE.row(act)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        got = await steps.check(s, t, case, cycle=cycle, inputs={"reasons": reasons, "review_on": new_review_date})
        emp = case.row
        plan = await current_plan(s, emp)
        if plan is None:
            raise Refusal(say("review.no_plan", employer=emp.name, nothing_changed=say_str("nothing_changed")), employer_id=emp.id)
        payload: dict[str, Any] = {"cycle": plan.cycle, "principle": plan.principle}
        new_date: date | None = got.get("review_date")
        if new_date is not None:
            payload |= {"old_review_on": plan.review_on.isoformat(), "review_on": new_date.isoformat()}
        given = got.get("reasons")
        asked = keys.review(emp.id, plan.cycle, plan.review_on.isoformat())  # before an extension moves the date
        seen, _ = await steps.move(s, t, case, reasons=given, payload=payload)
        p = principle(plan.principle)
        if act is Action.OBJECTIVE_MET:
            plan.status = "met"
            notices = [plan_request(emp, say_str("review.met.why", employer=emp.name, principle=p.title), avoid_principle=plan.principle)]
            reply = say("review.met.reply", employer=emp.name)
            told = say_str("review.met.told")
        elif act is Action.NOT_MET_EXTEND:
            assert new_date is not None
            plan.review_on = new_date
            notices = []
            reply = say("review.extend.reply", employer=emp.name, review_on=new_date)
            told = say_str("review.extend.told", review_on=new_date)
        else:
            plan.status = "not_met"
            notices = [plan_request(emp, say_str("review.new_plan.why", employer=emp.name))]
            reply = say("review.new_plan.reply", employer=emp.name)
            told = say_str("review.new_plan.told")
        await s.flush()
        reasons_fact = ((say_str("fact.reasons"), given),) if given else ()
        info = Notice(
            Kind.REVIEWED,
            ToPartnerSpace(emp.id),
            say_str("review.recorded.headline", employer=emp.name, told=told),
            body=(say("recorded_by", who=ref(case.person), when=core.when(core.now())),),
            facts=reasons_fact,
            employer_id=emp.id,
        )
        nem = Notice(
            Kind.REVIEWED,
            to_person(emp.association.nem),
            say_str("review.recorded.headline", employer=emp.name, told=told),
            body=(say("review.nem.body", employer=emp.name, area=emp.association.name, cycle=plan.cycle, principle=p.title),),
            facts=reasons_fact,
            employer_id=emp.id,
            next_step=say("for_information"),
        )
        if seen == Stage.REVIEW_DUE:  # the review request's buttons are spent: it says what was recorded
            notices.append(review_closed(emp, asked, say_str("review.recorded.headline", employer=emp.name, told=told),
                                         say("recorded_by", who=ref(case.person), when=core.when(core.now()))))  # fmt: skip
        return Outcome(ok=True, changed=True, employer_id=emp.id, reply=reply, notices=[info, *notices, nem])

    return await run(core, body)
