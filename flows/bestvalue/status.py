"""What the Best Value Code shows a person: their adoptions, settled/total per section, what waits
for them (from the tables: :meth:`Table.to_do`), for ``/vws code status``, App Home and Teams."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.bestvalue.case import AdoptionCase, ContractCase, adoption_case
from flows.bestvalue.process import CONTRACT_TABLE, TABLE, ContractStage, Stage
from flows.core.status import StatusItem, StatusSection
from flows.core.unit import Core, read
from flows.directory import Who, find_person
from flows.notices import Outcome, PersonRef, Text
from flows.signup.scope import scope_of
from flows.wording import say, say_str
from models.bestvalue import CodeAdoption, CodeContract
from models.tables import Held, Person

MAX = 20


async def cases_of(s: AsyncSession, core: Core, person: Person) -> list[AdoptionCase]:
    """The live adoptions on which the person holds a role (lead, Secretary, a branch taking part)."""
    standing = await scope_of(s, person)  # the same lookup as the journey's status
    areas = {r.association_id for r in standing.roles if r.role == Held.BRANCH_REP and r.association_id}
    areas |= standing.secretary_of
    conds = [CodeAdoption.lead_id == person.id]
    if areas:
        conds.append(CodeAdoption.association_id.in_(areas))
    rows = (await s.execute(select(CodeAdoption).where(or_(*conds), CodeAdoption.stage.in_([x.value for x in Stage]))
                            .order_by(CodeAdoption.employer_name, CodeAdoption.id).limit(MAX))).scalars().all()  # fmt: skip
    out = []
    for row in rows:
        case = await adoption_case(s, core, person, row)
        if case.roles:
            out.append(case)
    return out


def _detail(case: AdoptionCase) -> str:
    settled = len(case.code.clauses) - len(case.unsettled())
    parts = [say_str("code.status.detail", stage=case.stage.label, settled=settled, total=len(case.code.clauses))]
    if case.stage is Stage.NEGOTIATING:
        for union in sorted(case.unions):
            parts.append(say_str("code.status.yours", union=union, n=len(case.waiting_on(union))))
    if case.stage is Stage.AT_COMMITTEE:
        parts.append(say_str("code.status.undecided", n=len(case.undecided())))
    return "; ".join(parts)


async def sections(core: Core, who: Who) -> list[StatusSection]:
    """The person's section of a status (registered with the dispatcher)."""

    async def q(s: AsyncSession) -> list[StatusSection]:
        person = await find_person(s, who)
        if person is None:
            return []
        cases = await cases_of(s, core, person)
        if not cases:
            return []
        section = StatusSection(say_str("code.status.heading"))
        for case in cases:
            per_section = say_str("code.status.per_section", counts=", ".join(f"{n}: {a}/{t}" for n, _, a, t in case.counts()))
            section.items.append(StatusItem(say_str("code.status.title", employer=case.name),
                                            f"{_detail(case)}. {per_section}", TABLE.to_do(case)))  # fmt: skip
            contracts = (await s.execute(select(CodeContract).where(
                CodeContract.adoption_id == case.id, CodeContract.stage.in_([ContractStage.DRAFTED.value, ContractStage.SENT.value])))).scalars()  # fmt: skip
            for con in contracts:
                c = ContractCase(con, case)
                buttons = CONTRACT_TABLE.to_do(c)
                if buttons:
                    section.items.append(StatusItem(say_str("code.status.contract", contractor=con.contractor, contract=con.contract),
                                                    c.stage.label, buttons))  # fmt: skip
        return [section]

    return await read(core, q)


async def status_text(core: Core, who: Who) -> Outcome:
    """``/vws code status``: each adoption's sections, settled/total, and what waits for the person."""

    async def q(s: AsyncSession) -> Outcome:
        person = await find_person(s, who)
        if person is None:
            return Outcome(ok=False, reply=say("not_in_directory", nothing_changed=""))
        cases = await cases_of(s, core, person)
        if not cases:
            return Outcome(ok=True, reply=say("code.status.none"))
        lines: list[Text] = []
        for case in cases:
            lines.append(say("code.status.case", employer=case.name, area=case.area, detail=_detail(case)))
            for number, title, settled, total in case.counts():
                lines.append(say("code.status.section", number=number, title=title, settled=settled, total=total))
            todo = TABLE.to_do(case)
            if todo:
                lines.append(say("code.status.todo", actions=", ".join(dict.fromkeys(b.label for b in todo))))
        out: list[str | PersonRef] = []
        for i, line in enumerate(lines):
            out += [*line, "\n" if i < len(lines) - 1 else ""]
        return Outcome(ok=True, reply=tuple(p for p in out if p != ""))

    return await read(core, q)
