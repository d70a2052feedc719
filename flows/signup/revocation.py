"""Revocation (an employer that acted outwith the agreed policy leaves the scheme and the list)
and withdrawal (a proposal dropped before the employer joined)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import keys
from flows.core.unit import Core, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome, ToNational, ToPartnerSpace
from flows.signup.case import SignupSteps, ref, to_person
from flows.signup.journey import PLANNABLE, TABLE, Action, Stage
from flows.signup.plan import current_plan
from flows.signup.review import review_closed
from flows.signup.route import plan_request_closed
from flows.wording import say, say_str
from models.tables import Person


def distinct(*people: Person | None) -> list[Person]:
    seen: set[int] = set()
    out = []
    for p in people:
        if p is not None and p.id not in seen:
            seen.add(p.id)
            out.append(p)
    return out


async def revoke(core: Core, who: Who, employer_id: int, reasons: str | None) -> Outcome:
    """Revoke an employer's membership (it acted outwith the agreed policy); it leaves the list."""
    t = TABLE.row(Action.REVOKE)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        given = (await steps.check(s, t, case, inputs={"reasons": reasons}))["reasons"]
        seen, _ = await steps.move(s, t, case, reasons=given, values={"left_list_at": core.now()})
        emp = case.row
        emp.stage = Stage.REVOKED.value  # as moved: what the national union may do next is offered on it
        plan = await current_plan(s, emp)
        if plan is not None and plan.status == "active":
            plan.status = "revoked"
        facts = ((say_str("fact.reasons"), given or ""),)
        was_listed = emp.added_to_list_at is not None
        told = [
            Notice(
                Kind.REVOKED,
                to_person(p),
                say_str("revoked.headline", employer=emp.name),
                body=(say("revoked.person.body", employer=emp.name, who=ref(case.person)),),
                facts=facts,
                employer_id=emp.id,
                next_step=say("nothing_to_do"),
            )
            for p in distinct(emp.association.nem, emp.association.secretary, emp.proposer)
            if case.person is None or p.id != case.person.id
        ]
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=say("revoked.reply", employer=emp.name),
            notices=[
                Notice(
                    Kind.REVOKED,
                    ToNational(),
                    say_str("revoked.headline", employer=emp.name),
                    body=(
                        say(
                            "revoked.national.body",
                            employer=emp.name,
                            area=emp.association.name,
                            who=ref(case.person),
                            when=core.when(core.now()),
                        ),
                    ),
                    facts=facts,
                    buttons=TABLE.offer(case, Action.TAKEN_OFF_LIST) if was_listed else (),
                    employer_id=emp.id,
                    key=keys.national_revoked(emp.id),
                    next_step=say("revoked.national.next.listed" if was_listed else "revoked.national.next.unlisted"),
                ),
                Notice(
                    Kind.REVOKED,
                    ToPartnerSpace(emp.id),
                    say_str("revoked.headline", employer=emp.name),
                    body=(say("revoked.space.body", who=ref(case.person)),),
                    facts=facts,
                    employer_id=emp.id,
                ),
                *told,
                *((plan_request_closed(emp, emp.cycle + 1, say_str("revoked.headline", employer=emp.name),
                                       say("revoked.space.body", who=ref(case.person))),)
                  if Stage(seen) in PLANNABLE else ()),  # the plan request's button is spent
                *((review_closed(emp, keys.review(emp.id, plan.cycle, plan.review_on.isoformat()),
                                 say_str("revoked.headline", employer=emp.name), say("revoked.space.body", who=ref(case.person))),)
                  if Stage(seen) is Stage.REVIEW_DUE and plan is not None else ()),  # and the review request's
            ],
        )

    return await run(core, body)


async def withdraw(core: Core, who: Who, employer_id: int, reasons: str | None = None) -> Outcome:
    """The proposer or Secretary drops a proposal before the employer joins."""
    t = TABLE.row(Action.WITHDRAW)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        await steps.check(s, t, case)
        seen, _ = await steps.move(s, t, case, reasons=reasons)
        emp = case.row
        notices: list[Notice] = []
        pending = {Stage.AWAITING_SECRETARY: "secretary", Stage.AWAITING_NEM: "nem"}.get(Stage(seen))
        reasons_fact = ((say_str("fact.reasons"), reasons),) if reasons else ()
        if pending:
            approver = emp.association.secretary if pending == "secretary" else emp.association.nem
            notices.append(
                Notice(
                    Kind.DECIDED,
                    to_person(approver),
                    say_str("withdrawn.headline", employer=emp.name),
                    body=(say("withdrawn.approver.body", who=ref(case.person), when=core.when(core.now())),),
                    employer_id=emp.id,
                    replaces=keys.approval(emp.id, emp.revision, pending),
                )
            )
        if Stage(seen) is Stage.REJECTED:  # the rejection's buttons are spent
            notices.append(
                Notice(
                    Kind.DECIDED,
                    to_person(emp.proposer),
                    say_str("withdrawn.headline", employer=emp.name),
                    body=(say("withdrawn.approver.body", who=ref(case.person), when=core.when(core.now())),),
                    employer_id=emp.id,
                    replaces=keys.rejected(emp.id, emp.revision),
                )
            )
        if Stage(seen) in PLANNABLE:  # and so are the plan request's
            notices.append(plan_request_closed(emp, emp.cycle + 1, say_str("withdrawn.headline", employer=emp.name),
                                               say("withdrawn.approver.body", who=ref(case.person), when=core.when(core.now()))))  # fmt: skip
        if Stage(seen) not in (Stage.AWAITING_SECRETARY, Stage.AWAITING_NEM, Stage.REJECTED):
            notices.append(
                Notice(
                    Kind.WITHDRAWN,
                    ToPartnerSpace(emp.id),
                    say_str("withdrawn.headline", employer=emp.name),
                    body=(say("withdrawn.body", who=ref(case.person)),),
                    facts=reasons_fact,
                    employer_id=emp.id,
                    next_step=say("nothing_more"),
                )
            )
        for p in distinct(emp.proposer, emp.association.secretary):
            if case.person is not None and p.id != case.person.id:
                notices.append(
                    Notice(
                        Kind.WITHDRAWN,
                        to_person(p),
                        say_str("withdrawn.headline", employer=emp.name),
                        body=(say("withdrawn.body", who=ref(case.person)),),
                        facts=reasons_fact,
                        employer_id=emp.id,
                    )
                )
        return Outcome(ok=True, changed=True, employer_id=emp.id, reply=say("withdrawn.reply", employer=emp.name), notices=notices)

    return await run(core, body)
