"""The employer's record, read back: its summary, the register, the audit trail in order, and its
action plan with the workplan. Reads of one employer (or of all, for the register), not of a
person's scope: what a person may see and do is :mod:`flows.signup.status`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.forms import digits
from flows.core.unit import Core, read
from flows.signup.journey import IN_SCHEME, Stage
from flows.wording import say_str
from models.tables import (
    ActionPlan,
    Employer,
    Event,
    Person,
    WorkplanAction,
)

#: At most this many items in a person's "waiting for you" (the rest are counted).

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


def with_plan() -> Any:
    return (
        select(Employer, ActionPlan)
        .outerjoin(ActionPlan, and_(ActionPlan.employer_id == Employer.id, ActionPlan.cycle == Employer.cycle))
    )


async def summaries(s: AsyncSession, where: Any = None, *, limit: int | None = None) -> list[EmployerSummary]:
    q = with_plan().order_by(Employer.name, Employer.id)
    if where is not None:
        q = q.where(where)
    if limit is not None:
        q = q.limit(limit)
    return [summary_of(emp, plan) for emp, plan in (await s.execute(q)).all()]



async def summary(core: Core, employer_id: int) -> EmployerSummary | None:
    async def q(s: AsyncSession) -> EmployerSummary | None:
        found = await summaries(s, Employer.id == employer_id)
        return found[0] if found else None

    return await read(core, q)


async def find(
    core: Core, query: str, *, stages: Iterable[str] | None = None, limit: int = 50
) -> list[EmployerSummary]:
    """Employers whose name is what was typed, or else contains it (or ``#12`` for one by number),
    in name order, at most ``limit``; with ``stages``, only those at one of them (a name typed
    in full that is only another stage's employer's finds none, not a longer name). What was typed
    is matched as written (``%`` and ``_`` are not wildcards); on PostgreSQL the part-name search
    is a trigram index's (``ix_employers_name_key_trgm``), not a walk of every employer."""
    from flows.signup.proposal import name_key

    text_q = query.strip()
    at = [Employer.stage.in_(list(stages))] if stages is not None else []

    async def run(s: AsyncSession) -> list[EmployerSummary]:
        if digits(text_q.lstrip("#"), 9):
            return await summaries(s, and_(Employer.id == int(text_q.lstrip("#")), *at))
        key = name_key(text_q)
        if not key:
            return []
        exact = await summaries(s, Employer.name_key == key, limit=limit)
        if exact:  # the name typed is that employer's (or those employers'), whatever their stage
            return [e for e in exact if stages is None or e.stage.value in stages]
        return await summaries(s, and_(Employer.name_key.contains(key, autoescape=True), *at), limit=limit)

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


_PREVIOUS = (
    select(ActionPlan.employer_id, ActionPlan.principle)
    .join(Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle))
    .where(ActionPlan.employer_id.in_(bindparam("ids", expanding=True)), Employer.stage == Stage.OBJECTIVE_MET.value)
)  # every plan form reads it: built once


async def previous_principles(core: Core, employer_ids: list[int]) -> dict[int, int]:
    """Last cycle's principle for each employer (a new cycle after "objective met" must differ)."""

    async def run(s: AsyncSession) -> dict[int, int]:
        return {e: p for e, p in await s.execute(_PREVIOUS, {"ids": employer_ids})}

    return await read(core, run)
