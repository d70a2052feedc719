"""Performance indicators and annual targets on the Code's clauses and sections, actuals by year,
and the report: each indicator against its targets by year, and the clause positions.

Periods are UK financial years (``2027-28``: 1 April 2027 to 31 March 2028)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.bestvalue.adoption import space
from flows.bestvalue.case import AdoptionSteps, adoption_case, with_owner
from flows.bestvalue.process import TABLE, Action
from flows.core.forms import digits
from flows.core.unit import Core, Refusal, nothing_changed, read, run
from flows.directory import Who, find_person
from flows.notices import Kind, Notice, Outcome, ToSpace
from flows.signup.case import ref
from flows.wording import say, say_str
from models.bestvalue import (
    CodeAdoption,
    CodeContract,
    CodeIndicator,
    ContractDelivery,
    IndicatorActual,
    IndicatorTarget,
)
from models.tables import LocalAssociation, Person


def period_end(period: str) -> date:
    """The last day of a financial year: 2027-28 ends on 31 March 2028."""
    return date(int(period[:4]) + 1, 3, 31)


def period_of(d: date) -> str:
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def standing(ind: CodeIndicator, target: float | None, actual: float | None) -> str:
    """on_target | below | no_data (below: short of the target, whichever way is better)."""
    if actual is None or target is None:
        return "no_data"
    ok = actual >= target if ind.higher_is_better else actual <= target
    return "on_target" if ok else "below"


async def add_indicator(core: Core, who: Who, adoption_id: int, answers: dict[str, Any]) -> Outcome:
    t = TABLE.row(Action.INDICATOR)
    steps = AdoptionSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, adoption_id)
        got = await steps.check(s, t, case, inputs=answers)
        data = got["indicator"]["indicator"]
        clause, section = got["indicator"]["clause"], got["indicator"]["section"]
        assert case.person is not None
        owner = case.person
        raw_owner = answers.get("owner")
        if digits(raw_owner, 11):
            owner = await s.get(Person, int(raw_owner)) or case.person
        ind = CodeIndicator(
            adoption_id=case.id, clause_id=clause.id if clause else None, section_id=section.id if section else None,
            name=data.name, unit=data.unit, baseline=data.baseline, higher_is_better=data.direction == "higher",
            priority=data.priority, measurable=data.measurable, owner_id=owner.id, created_at=core.now(),
        )  # fmt: skip
        s.add(ind)
        await s.flush()
        for period, target in sorted(data.targets.items()):
            s.add(IndicatorTarget(indicator_id=ind.id, period=period, target=target))
        about = clause.ref if clause else str(section.number)
        s.add(steps.record(case, t, {"indicator": ind.id, "about": about, "periods": sorted(data.targets)}))
        targets = "; ".join(f"{p}: {_num(v)}{ind.unit}" for p, v in sorted(data.targets.items()))
        return Outcome(ok=True, changed=True, reply=say("code.indicator.done", name=ind.name, about=about, targets=targets),
                       notices=[Notice(Kind.PROGRESS, ToSpace(space(case.id)),
                                       say_str("code.indicator.headline", about=about, name=ind.name),
                                       body=(say("code.indicator.body", who=ref(case.person), owner=ref(owner),
                                                 targets=targets, priority=ind.priority,
                                                 measurable=say_str(f"code.measurable.{ind.measurable}")),))])  # fmt: skip

    return await run(core, body)


def _num(v: float) -> str:
    return f"{v:g}"


async def record_actual(core: Core, who: Who, indicator_id: int, answers: dict[str, Any]) -> Outcome:
    t = TABLE.row(Action.ACTUAL)
    steps = AdoptionSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        ind = await s.get(CodeIndicator, indicator_id)
        if ind is None:
            raise Refusal(say("code.no_such_indicator", nothing_changed=nothing_changed()))
        case = with_owner(await steps.load(s, who, ind.adoption_id), ind)
        got = await steps.check(s, t, case, inputs=answers)
        period, value = got["actual"]["period"], got["actual"]["value"]
        row = (await s.execute(select(IndicatorActual).where(
            IndicatorActual.indicator_id == ind.id, IndicatorActual.period == period))).scalar_one_or_none()  # fmt: skip
        if row is None:
            row = IndicatorActual(indicator_id=ind.id, period=period)
            s.add(row)
        row.value, row.at = value, core.now()
        row.person_id = case.person.id if case.person else None
        s.add(steps.record(case, t, {"indicator": ind.id, "period": period}))
        target = (await s.execute(select(IndicatorTarget.target).where(
            IndicatorTarget.indicator_id == ind.id, IndicatorTarget.period == period))).scalar_one_or_none()  # fmt: skip
        where = standing(ind, target, value)
        return Outcome(ok=True, changed=True, reply=say(
            "code.actual.done", name=ind.name, period=period, value=f"{_num(value)}{ind.unit}",
            standing=say_str(f"code.standing.{where}"),
            target=f"{_num(target)}{ind.unit}" if target is not None else say_str("code.report.no_target")))  # fmt: skip

    return await run(core, body)


# --------------------------------------------------------------------------- the report


@dataclass
class IndicatorLine:
    id: int
    about: str
    name: str
    unit: str
    baseline: float | None
    better: str
    priority: str
    measurable: str
    years: list[tuple[str, float | None, float | None, str]] = field(default_factory=list)  # period, target, actual, standing


@dataclass
class Report:
    employer: str
    association: str
    stage: str
    version: int
    branches: tuple[str, ...]
    sections: list[tuple[int, str, int, int]]  # number, title, settled, total
    clauses: list[tuple[str, dict[str, str], str]]  # ref, position per branch, committee outcome
    indicators: list[IndicatorLine]
    contracts: list[tuple[str, str, str, list[str], list[tuple[str, str, str]]]]  # contract, contractor, stage, exceptions, deliveries


async def find_adoptions(core: Core, query: str, *, limit: int = 21) -> list[tuple[int, str, str]]:
    """Adoptions whose employer's name is the words, or else contains them (or ``#3``): (id,
    employer, area), at most ``limit``, found in SQL (the words matched as typed, not as wildcards)."""
    q = " ".join(query.lower().split()).lstrip("#")
    name = func.lower(CodeAdoption.employer_name)

    async def run_q(s: AsyncSession) -> list[tuple[int, str, str]]:
        async def where(*cond: Any, most: int | None = limit) -> list[tuple[int, str, str]]:
            rows = await s.execute(select(CodeAdoption.id, CodeAdoption.employer_name, LocalAssociation.name)
                                   .join(LocalAssociation, LocalAssociation.id == CodeAdoption.association_id)
                                   .where(*cond).order_by(CodeAdoption.id).limit(most))  # fmt: skip
            return [(i, n, a) for i, n, a in rows.all()]

        if digits(q, 9):
            return await where(CodeAdoption.id == int(q))
        if not q:
            return []
        if q.isascii():  # (SQL's lower() folds only ASCII letters on SQLite: Welsh's ŵ and ŷ are matched below)
            return await where(name == q) or await where(name.contains(q, autoescape=True))
        everyone = await where(most=None)  # (adoptions are a branch's negotiations: hundreds, not the country's employers)
        exact = [r for r in everyone if r[1].lower() == q]
        return (exact or [r for r in everyone if q in r[1].lower()])[:limit]

    return await read(core, run_q)


async def report(core: Core, adoption_id: int) -> Report | None:
    async def q(s: AsyncSession) -> Report | None:
        row = await s.get(CodeAdoption, adoption_id)
        if row is None:
            return None
        case = await adoption_case(s, core, None, row)
        out = Report(row.employer_name, row.association.name, case.stage.label, case.code.template.version,
                     case.branches, case.counts(), [], [], [])  # fmt: skip
        for c in case.code.clauses:
            said = {u: p.position for u in case.branches if (p := case.positions.get((c.id, u)))}
            outcome = case.outcomes.get(c.id)
            out.clauses.append((c.ref, said, outcome.outcome if outcome else ""))
        inds = (await s.execute(select(CodeIndicator).where(CodeIndicator.adoption_id == row.id).order_by(CodeIndicator.id))).scalars()
        for ind in inds:
            clause = case.code.by_id(ind.clause_id) if ind.clause_id else None
            sec = next((x for x in case.code.sections if x.id == ind.section_id), None)
            about = clause.ref if clause else (str(sec.number) if sec else "?")
            targets = {t.period: t.target for t in (await s.execute(
                select(IndicatorTarget).where(IndicatorTarget.indicator_id == ind.id))).scalars()}  # fmt: skip
            actuals = {a.period: a.value for a in (await s.execute(
                select(IndicatorActual).where(IndicatorActual.indicator_id == ind.id))).scalars()}  # fmt: skip
            line = IndicatorLine(ind.id, about, ind.name, ind.unit, ind.baseline,
                                 "higher" if ind.higher_is_better else "lower", ind.priority, ind.measurable)  # fmt: skip
            for period in sorted(set(targets) | set(actuals)):
                tg, ac = targets.get(period), actuals.get(period)
                line.years.append((period, tg, ac, standing(ind, tg, ac)))
            out.indicators.append(line)
        contracts = (await s.execute(select(CodeContract).where(CodeContract.adoption_id == row.id).order_by(CodeContract.id))).scalars()
        for con in contracts:
            dels = (await s.execute(select(ContractDelivery).where(ContractDelivery.contract_id == con.id)
                                    .order_by(ContractDelivery.period, ContractDelivery.id))).scalars()  # fmt: skip
            deliveries = [(case.code.by_id(d.clause_id).ref if case.code.by_id(d.clause_id) else "?", d.period, d.delivered)  # type: ignore[union-attr]
                          for d in dels]  # fmt: skip
            out.contracts.append((con.contract, con.contractor, con.stage, list(con.exceptions or []), deliveries))
        return out

    return await read(core, q)


async def my_indicators(core: Core, who: Who, adoption_id: int) -> list[tuple[int, str]]:
    """The indicators a person may record an actual for (owner, lead or Secretary): (id, label)."""

    async def q(s: AsyncSession) -> list[tuple[int, str]]:
        person = await find_person(s, who)
        row = await s.get(CodeAdoption, adoption_id)
        if person is None or row is None:
            return []
        case = await adoption_case(s, core, person, row)
        inds = (await s.execute(select(CodeIndicator).where(CodeIndicator.adoption_id == adoption_id).order_by(CodeIndicator.id))).scalars()
        t = TABLE.row(Action.ACTUAL)
        return [(i.id, i.name) for i in inds if TABLE.refusal_for(t, with_owner(replace(case), i)) is None]

    return await read(core, q)
