"""What a person may do is derived from the journey table, and what it offers is what is accepted.

For every stage (and the variants a guard looks at), for people holding every kind of role, each
row of the table is tried through the engine with valid answers: it must succeed exactly when
``Table.available`` (what status, App Home, form pickers and card refreshes are built on) offers
it, and a refusal must change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import pytest

from flows.core.payload import Payload
from flows.engine import Engine
from flows.signup import status
from flows.signup.journey import IN_SCHEME, TABLE, Action, Stage
from models.tables import ActionPlan, Employer, LocalAssociation, PartnerVoice, Person, WorkplanAction
from tests.conftest import slack

PEOPLE = {  # one person for each kind of standing on a Leeds case
    "proposer": slack("U0REP1"),
    "owner": slack("U0REP2"),  # another Leeds rep, who owns the workplan action
    "secretary": slack("U0SEC1"),
    "nem": slack("U0NEM1"),
    "gmb": slack("U0GMB1"),
    "unison": slack("U0UNS1"),
    "national": slack("U0NAT1"),
    "elsewhere": slack("U0SEC9"),  # Bradford's Secretary: no standing in Leeds
}
PROPOSAL = {
    "employer_name": "Oakfield Primary School",
    "employer_kind": "school",
    "association": "Leeds",
    "case_for": "The head has asked the unions how to improve staff wellbeing.",
    "origin": "employer_approached",
}
PLAN = {"principle": 3, "objectives": "Train staff", "activities": "A CPD plan", "success_criteria": "All trained"}

Run = Callable[[Engine, object, int, int], Awaitable[object]]
R = "reasons given"
FUTURE = "2029-01-31"

RUN: dict[Action, Run] = {
    Action.SECRETARY_APPROVE: lambda e, w, emp, wa: e.decide(w, emp, Action.SECRETARY_APPROVE, revision=1),  # type: ignore[arg-type]
    Action.SECRETARY_REJECT: lambda e, w, emp, wa: e.decide(w, emp, Action.SECRETARY_REJECT, revision=1, reasons=R),  # type: ignore[arg-type]
    Action.NEM_APPROVE: lambda e, w, emp, wa: e.decide(w, emp, Action.NEM_APPROVE, revision=1),  # type: ignore[arg-type]
    Action.NEM_REJECT: lambda e, w, emp, wa: e.decide(w, emp, Action.NEM_REJECT, revision=1, reasons=R),  # type: ignore[arg-type]
    Action.RESUBMIT: lambda e, w, emp, wa: e.resubmit(w, emp, {**PROPOSAL, "case_for": PROPOSAL["case_for"] + " More."}),  # type: ignore[arg-type]
    Action.PARTNER_AGREE: lambda e, w, emp, wa: e.decide(w, emp, Action.PARTNER_AGREE, revision=1),  # type: ignore[arg-type]
    Action.PARTNER_DISAGREE: lambda e, w, emp, wa: e.decide(w, emp, Action.PARTNER_DISAGREE, revision=1, reasons=R),  # type: ignore[arg-type]
    Action.CHOOSE_ROUTE: lambda e, w, emp, wa: e.choose_route(w, emp, "jcc"),  # type: ignore[arg-type]
    Action.INTRODUCE: lambda e, w, emp, wa: e.introduce(w, emp),  # type: ignore[arg-type]
    Action.AGREE_PLAN: lambda e, w, emp, wa: e.agree_plan(w, emp, PLAN),  # type: ignore[arg-type]
    Action.WORKPLAN_DONE: lambda e, w, emp, wa: e.complete_action(w, wa),  # type: ignore[arg-type]
    Action.ADDED_TO_LIST: lambda e, w, emp, wa: e.record_national(w, emp, Action.ADDED_TO_LIST),  # type: ignore[arg-type]
    Action.LOGO_SENT: lambda e, w, emp, wa: e.record_national(w, emp, Action.LOGO_SENT),  # type: ignore[arg-type]
    Action.OBJECTIVE_MET: lambda e, w, emp, wa: e.review(w, emp, Action.OBJECTIVE_MET),  # type: ignore[arg-type]
    Action.NOT_MET: lambda e, w, emp, wa: e.dispatch.submit(  # type: ignore[arg-type]
        w, Payload(Action.NOT_MET, emp, cycle=1), {"outcome": "not_met_new_plan", "reasons": R}
    ),
    Action.NOT_MET_EXTEND: lambda e, w, emp, wa: e.review(w, emp, Action.NOT_MET_EXTEND, reasons=R, new_review_date=FUTURE),  # type: ignore[arg-type]
    Action.NOT_MET_NEW_PLAN: lambda e, w, emp, wa: e.review(w, emp, Action.NOT_MET_NEW_PLAN, reasons=R),  # type: ignore[arg-type]
    Action.REVOKE: lambda e, w, emp, wa: e.revoke(w, emp, R),  # type: ignore[arg-type]
    Action.TAKEN_OFF_LIST: lambda e, w, emp, wa: e.taken_off_list(w, emp),  # type: ignore[arg-type]
    Action.WITHDRAW: lambda e, w, emp, wa: e.withdraw(w, emp),  # type: ignore[arg-type]
}  # fmt: skip
#: Rows no person takes through a button or a form: creating a case, and the clock's review.
NOT_A_PERSONS = {Action.PROPOSE, Action.REVIEW_FALLS_DUE}

VARIANTS = [(s, "") for s in Stage] + [(Stage.PARTNER_CONSULTATION, "gmb spoke"), (Stage.JOINED, "listed")]


async def _case(engine: Engine, stage: Stage, variant: str, n: int) -> tuple[int, int]:
    """A Leeds employer in ``stage`` (with a plan and a workplan action once in the scheme)."""
    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    async with engine.sessions() as s, s.begin():
        def pid(slack_id: str) -> object:
            return Person.slack_id == slack_id

        from sqlalchemy import select

        leeds = (await s.execute(select(LocalAssociation).where(LocalAssociation.name == "Leeds"))).scalar_one()
        rep1 = (await s.execute(select(Person).where(pid("U0REP1")))).scalar_one()  # type: ignore[arg-type]
        rep2 = (await s.execute(select(Person).where(pid("U0REP2")))).scalar_one()  # type: ignore[arg-type]
        gmb = (await s.execute(select(Person).where(pid("U0GMB1")))).scalar_one()  # type: ignore[arg-type]
        planned = stage in IN_SCHEME or stage is Stage.REVOKED
        emp = Employer(
            name=f"Employer {n}", name_key=f"employer {n}", kind="school", association_id=leeds.id,
            proposer_id=rep1.id, origin="rep_identified", case_for=PROPOSAL["case_for"], stage=stage.value,
            stage_since=now, cycle=1 if planned else 0, joined_at=now if planned else None,
            added_to_list_at=now if variant == "listed" else None, created_at=now, updated_at=now,
        )  # fmt: skip
        s.add(emp)
        await s.flush()
        wa_id = 0
        if planned:
            plan = ActionPlan(
                employer_id=emp.id, cycle=1, principle=2, objectives="o", activities="a", success_criteria="c",
                starts_on=date(2026, 1, 1), review_on=date(2026, 12, 31), agreed_at=now,
            )  # fmt: skip
            s.add(plan)
            await s.flush()
            wa = WorkplanAction(plan_id=plan.id, number=1, detail="d", owner="U0REP2", owner_person_id=rep2.id,
                                by_date=date(2027, 1, 31), by_date_text="End January 2027")  # fmt: skip
            s.add(wa)
            await s.flush()
            wa_id = wa.id
        if variant == "gmb spoke":
            s.add(PartnerVoice(employer_id=emp.id, revision=1, union="GMB", person_id=gmb.id, verdict="agree", at=now))
        return emp.id, wa_id


async def _state(engine: Engine, emp: int) -> tuple[object, ...]:
    """What a refusal must leave as it was: the case's row and its audit trail."""
    from sqlalchemy import func, select

    from models.tables import Event

    async with engine.sessions() as s:
        row = (await s.execute(select(Employer.stage, Employer.version, Employer.revision, Employer.cycle,
                                      Employer.added_to_list_at).where(Employer.id == emp))).one()  # fmt: skip
        events = (await s.execute(select(func.count(Event.id)).where(Event.employer_id == emp))).scalar_one()
    return (*row, events)


async def _offers(engine: Engine, emp: int, wa: int) -> dict[str, set[str]]:
    """What ``Table.available`` offers each person on the case (as ``status.available_to`` does,
    in one session for everyone)."""
    from flows.directory import find_person
    from flows.signup.case import SignupSteps, with_owner

    out: dict[str, set[str]] = {}
    async with engine.sessions() as s:
        row = await s.get(Employer, emp)
        owner = (await s.get(WorkplanAction, wa)).owner_person_id if wa else None  # type: ignore[union-attr]
        for name, who in PEOPLE.items():
            case = with_owner(await SignupSteps(engine).case_of(s, await find_person(s, who), row), owner)  # type: ignore[arg-type]
            out[name] = {t.action for t in TABLE.available(case)}
    assert out["proposer"] == set(await status.available_to(engine, PEOPLE["proposer"], emp, workplan_action=wa))
    return out


@pytest.mark.parametrize("stage,variant", VARIANTS, ids=[f"{s.value}{'-' + v if v else ''}" for s, v in VARIANTS])
async def test_what_is_offered_is_exactly_what_is_accepted(engine: Engine, stage: Stage, variant: str) -> None:
    assert set(RUN) == {Action(t.action) for t in TABLE.rows} - NOT_A_PERSONS  # every row is tried
    n = 0
    emp, wa = await _case(engine, stage, variant, n)
    offers, before = await _offers(engine, emp, wa), await _state(engine, emp)
    for action, run in RUN.items():
        for name, who in PEOPLE.items():
            offered = action.value in offers[name]
            if offered:  # the refusals before it changed nothing
                assert await _state(engine, emp) == before
            out = await run(engine, who, emp, wa)
            assert out.ok is offered, f"{action} by {name} in {stage} {variant}: offered={offered}, got {out.reply_text!r}"  # type: ignore[attr-defined]
            if offered:  # it moved: the next person gets a fresh case in the same stage
                n += 1
                emp, wa = await _case(engine, stage, variant, n)
                offers, before = await _offers(engine, emp, wa), await _state(engine, emp)
    assert await _state(engine, emp) == before  # nor did the refusals after the last one
