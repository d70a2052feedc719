"""Contractors: for a tender or contract, a request for the contractor's commitment to adopt and
implement the Code as adopted; when it was sent, the response (commit in full, commit with
exceptions naming clauses, decline, none), the award, and after award each Contract Compliance
clause committed against delivered, by year."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.bestvalue import adopted
from flows.bestvalue.adoption import doc_ref, space
from flows.bestvalue.case import AdoptionCase, AdoptionSteps, ContractCase, ContractSteps, to
from flows.bestvalue.process import CONTRACT_TABLE, RESPONSE_STAGE, TABLE, Action, ContractStage
from flows.core.unit import Core, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome, Text, ToSpace
from flows.signup.case import ref
from flows.wording import say, say_str
from models.bestvalue import CodeContract, CodeEvent, ContractDelivery


def draft(case: AdoptionCase, contract: CodeContract) -> tuple[Text, ...]:
    """The request to the contractor: what is asked, then the Code as adopted."""
    intro = say("code.seek.letter", contractor=contract.contractor, contract=contract.contract, employer=case.name,
                branches=", ".join(case.branches))  # fmt: skip
    return (intro, *((p,) for p in adopted.paragraphs(case)), say("code.seek.reply_asked"))


async def seek(core: Core, who: Who, adoption_id: int, answers: dict[str, Any]) -> Outcome:
    t = TABLE.row(Action.SEEK)
    steps = AdoptionSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, adoption_id)
        data = (await steps.check(s, t, case, inputs=answers))["contract"]
        now = core.now()
        row = CodeContract(adoption_id=case.id, contract=data.contract, contractor=data.contractor,
                           stage=ContractStage.DRAFTED.value, stage_since=now, created_at=now, updated_at=now)  # fmt: skip
        s.add(row)
        await s.flush()
        s.add(CodeEvent(adoption_id=case.id, contract_id=row.id, at=now, actor_id=case.person.id if case.person else None,
                        action=t.action, from_stage=None, to_stage=row.stage,
                        payload={"contract": row.id}))  # fmt: skip
        await s.flush()
        con = ContractCase(row, case)
        return Outcome(ok=True, changed=True, reply=say("code.seek.done", contractor=row.contractor, contract=row.contract),
                       notices=[Notice(Kind.DRAFT, to(case.person), say_str("code.seek.headline", contractor=row.contractor,
                                                                                contract=row.contract),  # fmt: skip
                                       body=draft(case, row), files=(doc_ref(case),),
                                       buttons=CONTRACT_TABLE.offer(con, Action.SENT), next_step=say("code.seek.next"))])  # fmt: skip

    return await run(core, body)


async def sent(core: Core, who: Who, contract_id: int) -> Outcome:
    t = CONTRACT_TABLE.row(Action.SENT)
    steps = ContractSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, contract_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, values={"sent_at": core.now()})
        row = case.row
        return Outcome(ok=True, changed=True, reply=say("code.sent.done", contractor=row.contractor),
                       notices=[Notice(Kind.PROGRESS, ToSpace(space(row.adoption_id)),
                                       say_str("code.sent.headline", contractor=row.contractor, contract=row.contract),
                                       body=(say("code.sent.body", who=ref(case.person), contractor=row.contractor,
                                                 contract=row.contract),),
                                       buttons=CONTRACT_TABLE.offer(case, Action.RESPONSE))])  # fmt: skip

    return await run(core, body)


async def response(core: Core, who: Who, contract_id: int, answers: dict[str, Any]) -> Outcome:
    """The contractor's answer: commit in full, commit with exceptions (existing clause numbers), decline, none."""
    t = CONTRACT_TABLE.row(Action.RESPONSE)
    steps = ContractSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, contract_id)
        got = (await steps.check(s, t, case, inputs=answers))["response"]
        dest = RESPONSE_STAGE[got["response"]]
        await steps.move(s, t, case, dest=dest.value, payload={"response": got["response"], "exceptions": got["exceptions"]},
                         values={"response": got["response"], "exceptions": got["exceptions"], "responded_at": core.now()})  # fmt: skip
        row = case.row
        what = say_str(f"code.response.{got['response']}")
        if got["exceptions"]:
            what += say_str("code.response.except", refs=", ".join(got["exceptions"]))
        return Outcome(ok=True, changed=True, reply=say("code.response.done", contractor=row.contractor, what=what),
                       notices=[Notice(Kind.PROGRESS, ToSpace(space(row.adoption_id)),
                                       say_str("code.response.headline", contractor=row.contractor, what=what),
                                       body=(say("code.response.body", who=ref(case.person), contractor=row.contractor,
                                                 contract=row.contract, what=what),),
                                       buttons=CONTRACT_TABLE.offer(case, Action.AWARD))])  # fmt: skip

    return await run(core, body)


async def award(core: Core, who: Who, contract_id: int) -> Outcome:
    t = CONTRACT_TABLE.row(Action.AWARD)
    steps = ContractSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, contract_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, values={"awarded_at": core.now()})
        row = case.row
        compliance = [c.ref for sec in case.adoption.code.sections if sec.contract_compliance
                      for c in case.adoption.code.in_section(sec.number)]  # fmt: skip
        committed = [r for r in compliance if r not in (row.exceptions or [])]
        return Outcome(ok=True, changed=True, reply=say("code.award.done", contractor=row.contractor),
                       notices=[Notice(Kind.PROGRESS, ToSpace(space(row.adoption_id)),
                                       say_str("code.award.headline", contract=row.contract, contractor=row.contractor),
                                       body=(say("code.award.body", committed=", ".join(committed) or say_str("none_yet"),
                                                 excepted=", ".join(row.exceptions or []) or say_str("code.none")),),
                                       buttons=CONTRACT_TABLE.offer(case, Action.DELIVERY))])  # fmt: skip

    return await run(core, body)


async def delivery(core: Core, who: Who, contract_id: int, answers: dict[str, Any]) -> Outcome:
    t = CONTRACT_TABLE.row(Action.DELIVERY)
    steps = ContractSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, contract_id)
        got = (await steps.check(s, t, case, inputs=answers))["delivery"]
        clause = got["clause"]
        found = (await s.execute(select(ContractDelivery).where(
            ContractDelivery.contract_id == case.id, ContractDelivery.clause_id == clause.id,
            ContractDelivery.period == got["period"]))).scalar_one_or_none()  # fmt: skip
        if found is None:
            found = ContractDelivery(contract_id=case.id, clause_id=clause.id, period=got["period"])
            s.add(found)
        found.delivered, found.note, found.at = got["delivered"], got["note"], core.now()
        found.person_id = case.person.id if case.person else None
        s.add(steps.event(case, t, case.row.stage, case.row.stage, got["note"],
                          {"clause": clause.ref, "period": got["period"], "delivered": got["delivered"]}))  # fmt: skip
        committed = clause.ref not in (case.row.exceptions or [])
        return Outcome(ok=True, changed=True, reply=say(
            "code.delivery.done", ref=clause.ref, period=got["period"], delivered=say_str(f"code.delivered.{got['delivered']}"),
            committed=say_str("code.delivery.committed" if committed else "code.delivery.excepted")))  # fmt: skip

    return await run(core, body)
