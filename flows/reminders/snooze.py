"""Snooze a week: a person hears no more of one reminder until then (the dispatcher's ``snooze``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.calendar import DEFAULT_HOURS
from flows.core.dispatch import Dispatcher, Inputs
from flows.core.finished import finished
from flows.core.payload import Payload
from flows.core.unit import nothing_changed, run
from flows.directory import Who, find_person
from flows.notices import Outcome, PersonRef
from flows.reminders.sources import source_of
from flows.reminders.subjects import SNOOZE, NudgeKind, dialect_insert, parse_snooze_value, parts_of
from flows.wording import say, say_str
from models.tables import ActionPlan, Employer, Snooze, WorkplanAction

SNOOZE_FOR = timedelta(days=7)


async def describe_signup(s: AsyncSession, kind: str, subject: str) -> tuple[str, int | None] | None:
    """What a sign-up reminder is about, in words, and its employer; None if there is no such thing."""
    parts = parts_of(NudgeKind(kind), subject)
    if parts is None:
        return None
    if kind == NudgeKind.WORKPLAN:
        wa = await s.get(WorkplanAction, int(parts[0]))
        plan = await s.get(ActionPlan, wa.plan_id) if wa else None
        emp = await s.get(Employer, plan.employer_id) if plan else None
        return (say_str("snooze.about.workplan", number=wa.number, employer=emp.name), emp.id) if wa and emp else None
    if kind == NudgeKind.REVIEW:
        plan = await s.get(ActionPlan, int(parts[0]))
        emp = await s.get(Employer, plan.employer_id) if plan else None
        return (say_str("snooze.about.review", employer=emp.name), emp.id) if emp else None
    emp = await s.get(Employer, int(parts[0]))
    if emp is None:
        return None
    if kind == NudgeKind.APPROVAL:
        return say_str("snooze.about.approval", employer=emp.name), emp.id
    return say_str("snooze.about.partner", employer=emp.name), emp.id


async def snooze(
    engine_or_sessions: Any | async_sessionmaker[AsyncSession],
    who: Who,
    kind: str,
    subject: str,
    now: datetime,
) -> Outcome:
    """A person snoozes one reminder for a week: they get no more of it until then.

    Reminders posted in a shared partner channel still go there, for everyone else.
    """
    if isinstance(engine_or_sessions, async_sessionmaker):
        sessions, tz, core = engine_or_sessions, DEFAULT_HOURS.tz, None
    else:
        sessions, tz, core = engine_or_sessions.sessions, engine_or_sessions.tz, engine_or_sessions
    gone = Outcome(ok=False, reply=say("snooze.gone", nothing_changed=nothing_changed()))
    source = source_of(kind)
    if source is None:
        return gone
    until = now + SNOOZE_FOR

    async def body(s: AsyncSession) -> Outcome:
        person = await find_person(s, who)
        if person is None:
            return Outcome(ok=False, reply=say("snooze.not_in_directory", nothing_changed=nothing_changed()))
        about = await source.describe(s, kind, subject)
        if about is None:
            return gone
        what, employer_id = about
        insert = dialect_insert(s)
        await s.execute(
            insert(Snooze)
            .values(person_id=person.id, kind=kind, subject=subject, until=until)
            .on_conflict_do_update(index_elements=["person_id", "kind", "subject"], set_={"until": until})
        )
        local = until.astimezone(tz)
        when = f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"
        reply = say_str("snooze.done", what=what, until=when)
        if kind in source.shared_kinds:
            reply += say_str("snooze.channel_still")
        # The snoozer's own cards of it (not a shared channel's: the others may still act) lose their buttons.
        cards = await finished(
            s, kind, subject, say_str("snooze.card.headline", what=what),
            (say("snooze.card.body", who=PersonRef(person.id, person.label), until=when),),
            employer_id=employer_id, person_id=person.id, next_step=say("snooze.card.next"),
        )  # fmt: skip
        return Outcome(ok=True, changed=True, employer_id=employer_id, reply=(reply,), notices=cards)

    if core is not None and hasattr(core, "now"):
        return await run(core, body)
    async with sessions() as s, s.begin():
        return await body(s)


async def _snooze(core: Any, who: Who, p: Payload, answers: Inputs) -> Outcome:
    kind, subject = parse_snooze_value(p.value or "")
    return await snooze(core, who, kind, subject, core.now())


def register(d: Dispatcher) -> None:
    d.add(SNOOZE, _snooze)
