"""The absence use cases (``/vws away``, ``/vws away off``) and their entries in the dispatcher.

Saying one is away checks the row of :data:`flows.away.journey.TABLE` (who may hand their
decisions on), reads the dates and the delegate (each problem shown on its own field), refuses a
loop or an over-long chain, ends any absence it replaces, and tells the delegate through the
outbox, all in one transaction; requests already waiting for the person go to the delegate then.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away import delegation
from flows.away.journey import TABLE, Action, Stage
from flows.away.journey import Person as AwayPerson
from flows.core.dispatch import Command, Dispatcher, Inputs, Response
from flows.core.forms import Field, FieldKind, Form, Option, choice, digits
from flows.core.payload import Payload
from flows.core.unit import Core, Refusal, nothing_changed, read, readdress_with, run
from flows.directory import Who, find_person
from flows.notices import Kind, Notice, Outcome, text
from flows.signup.case import as_date, person_of, ref, to_person
from flows.wording import say, say_str
from models.tables import Absence, Person


def _field_error(name: str, msg: str) -> Refusal:
    return Refusal(say("away.fix", problem=msg, nothing_changed=nothing_changed()), {name: msg})


async def _may_be_away(s: AsyncSession, person: Person) -> None:
    me = AwayPerson(person.id, None, await delegation.delegable_roles(s, person))
    if TABLE.refusal_for(TABLE.row(Action.AWAY), me) is not None:
        raise Refusal(say("away.only_who", nothing_changed=nothing_changed()))


def _read_dates(answers: Mapping[str, Any], today: date) -> tuple[date, date]:
    starts_on = as_date(answers.get("starts_on")) or today
    until_on = as_date(answers.get("until_on"))
    if starts_on < today:
        raise _field_error("starts_on", say_str("away.start_past"))
    if until_on is None:
        raise _field_error("until_on", say_str("away.give_until"))
    if until_on < starts_on:
        raise _field_error("until_on", say_str("away.until_before_start"))
    return starts_on, until_on


async def set_away(core: Core, who: Who, answers: Mapping[str, Any]) -> Outcome:
    """Record an absence: from, until, and who acts meanwhile (see the module docstring)."""

    async def body(s: AsyncSession) -> Outcome:
        person = await person_of(s, who)
        await _may_be_away(s, person)
        today = core.today()
        starts_on, until_on = _read_dates(answers, today)
        allowed = {p.id: p for p in await delegation.who_may_stand_in(s, person)}
        raw = str(answers.get("delegate") or "")
        delegate = allowed.get(int(raw)) if digits(raw, 11) else None
        if delegate is None:  # only those who may hold the role: say who they are
            names = ", ".join(p.label for p in allowed.values())
            raise _field_error("delegate", say_str("away.choose_delegate", names=names))
        problem = await delegation.chain_problem(s, person, delegate, starts_on, until_on)
        if problem is not None:
            key = "away.loop" if problem.kind == "loop" else "away.too_long"
            raise _field_error("delegate", say_str(key, delegate=delegate.label))
        now = core.now()
        await s.execute(  # the absence it replaces, if any, ends now (a conditional update)
            update(Absence)
            .where(Absence.person_id == person.id, Absence.ended_at.is_(None), Absence.until_on >= today)
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )
        s.add(Absence(person_id=person.id, delegate_id=delegate.id, starts_on=starts_on, until_on=until_on, created_at=now))
        await s.flush()
        delegation.forget_routes(s)
        notices = [
            Notice(
                Kind.PROGRESS,
                to_person(delegate),
                say_str("away.to_delegate.headline", person=person.label, until_on=until_on),
                body=(say("away.to_delegate.body", person=ref(person), starts_on=starts_on, until_on=until_on),),
                next_step=say("away.to_delegate.next"),
            )
        ]
        reply = say("away.done", starts_on=starts_on, until_on=until_on, delegate=ref(delegate))
        if starts_on <= today:
            from flows.signup.proposal import waiting_for

            forwarded = await waiting_for(s, person, today)
            notices += forwarded
            if forwarded:
                reply = text(*reply, " ", *say("away.forwarded", n=len(forwarded), delegate=ref(delegate)))
        return Outcome(ok=True, changed=True, reply=reply, notices=notices)

    try:
        return await run(core, body)
    except Refusal as r:
        return r.outcome


async def end_away(core: Core, who: Who) -> Outcome:
    """Back early: the absence that holds today (or one yet to start) ends now."""

    async def body(s: AsyncSession) -> Outcome:
        person = await person_of(s, who)
        today = core.today()
        found = (
            await s.execute(
                select(Absence).where(Absence.person_id == person.id, Absence.ended_at.is_(None), Absence.until_on >= today)
            )
        ).scalars().all()
        if not found:
            raise Refusal(say("away.off.not_away", nothing_changed=nothing_changed()))
        ended = await s.execute(
            update(Absence)
            .where(Absence.id.in_([a.id for a in found]), Absence.ended_at.is_(None))
            .values(ended_at=core.now())
            .execution_options(synchronize_session=False)
        )
        if ended.rowcount == 0:  # type: ignore[attr-defined]
            raise Refusal(say("away.off.not_away", nothing_changed=nothing_changed()))
        delegation.forget_routes(s)
        delegates = [d for d in [await s.get(Person, a.delegate_id) for a in found] if d is not None]
        notices = [
            Notice(
                Kind.PROGRESS,
                to_person(d),
                say_str("away.back.headline", person=person.label),
                body=(say("away.back.body", person=ref(person)),),
                next_step=say("for_information"),
            )
            for d in {d.id: d for d in delegates}.values()
        ]
        from flows.signup.proposal import waiting_for

        notices += await waiting_for(s, person, today, back=True)  # what waits for them comes back to them
        return Outcome(ok=True, changed=True, reply=say("away.off.done", delegate=ref(delegates[0]) if delegates else "nobody"),
                       notices=notices)  # fmt: skip

    try:
        return await run(core, body)
    except Refusal as r:
        return r.outcome


async def away_form(core: Core, who: Who, p: Payload) -> Form | Outcome:
    """The form ``/vws away`` opens: from, until, and who acts (from those who may)."""

    async def body(s: AsyncSession) -> Form:
        person = await person_of(s, who)
        await _may_be_away(s, person)
        people = await delegation.who_may_stand_in(s, person)
        if not people:
            raise Refusal(say("away.nobody_to_stand_in", nothing_changed=nothing_changed()))
        notes = [say_str("away.form.intro")]
        today = core.today()
        current = (
            await s.execute(
                select(Absence).where(Absence.person_id == person.id, Absence.ended_at.is_(None), Absence.until_on >= today)
                .order_by(Absence.id.desc()).limit(1)
            )
        ).scalar_one_or_none()  # fmt: skip
        if current is not None:
            d = await s.get(Person, current.delegate_id)
            notes.append(say_str("away.form.current", until=current.until_on, delegate=d.label if d else "?"))
        options = tuple(Option(str(x.id), x.label) for x in people)
        return Form(
            id="away",
            title=say_str("away.form.title"),
            heading=say_str("away.form.heading"),
            submit=say_str("away.form.submit"),
            payload=Payload(Action.AWAY),
            fields=(
                Field("starts_on", say_str("field.away_from"), FieldKind.DATE, initial=today.isoformat()),
                Field("until_on", say_str("field.away_until"), FieldKind.DATE),
                choice("delegate", say_str("field.away_delegate"), options, source="stand_in", hint=say_str("field.away_delegate.hint")),
            ),
            notes=tuple(notes),
        )

    try:
        return await read(core, body)
    except Refusal as r:
        return r.outcome


async def _stand_in_options(core: Core, who: Who, _: str, typed: str) -> list[Option]:
    async def body(s: AsyncSession) -> list[Option]:
        person = await find_person(s, who)
        if person is None:
            return []
        q = typed.lower()
        return [Option(str(x.id), x.label) for x in await delegation.who_may_stand_in(s, person) if q in x.label.lower()]

    return await read(core, body)


async def _run_away(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await set_away(core, who, answers)


async def _run_away_off(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await end_away(core, who)


async def _cmd_away(core: Core, who: Who, rest: str) -> Response:
    if rest.strip().lower() in ("off", "end", "back"):
        return await end_away(core, who)
    return await away_form(core, who, Payload(Action.AWAY))


def register(d: Dispatcher) -> None:
    readdress_with(delegation.readdress)  # while someone is away, what needs them goes to who acts for them
    d.add(Action.AWAY, _run_away, away_form)
    d.add(Action.AWAY_OFF, _run_away_off)
    d.add_options("stand_in", _stand_in_options)
    d.add_command(Command("away", say_str("command.away"), _cmd_away))


__all__ = ["Stage", "end_away", "register", "set_away"]
