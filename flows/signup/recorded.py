"""Decisions recorded for someone (issue 14, part 8): a decision taken by phone or in a meeting,
recorded by the Secretary (the NEM's approval or rejection) or by the NEM (the Secretary's), with
a required note of how it was taken.

It is the decision's own row of :data:`flows.signup.journey.TABLE`, taken with the entitled
person's role for them (so every guard, the conditional update and the notices are the row's),
and its audit event says both people and how (``recorded by S for N: by phone on ...``). The
person it was recorded for is told at once, with an **Undo** button that works for
:data:`UNDO_WORKING_DAYS` working days: undoing puts the case back where it was, with a
conditional update that fails if anything happened to the case since, and tells everyone
concerned. After the window the Undo says plainly that it is too late and what to do instead.

Its two rows are a table of their own (:data:`RECORDED`): who may record, from which stages,
and who may undo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import route
from flows.calendar import Nation, WorkingHours
from flows.core.forms import Field, FieldKind, Form, Option, digits
from flows.core.payload import Payload
from flows.core.roles import Role
from flows.core.table import Need, Offer, Table, row
from flows.core.unit import Core, Refusal, nothing_changed, read, run
from flows.directory import PARTNER_UNIONS, Who
from flows.notices import ButtonStyle, Kind, Notice, Outcome, ToPartnerSpace
from flows.signup.approvals import _AFTER, partner_reps
from flows.signup.case import Case, SignupSteps, person_of, ref, to_person
from flows.signup.journey import TABLE, Action, Stage
from flows.signup.proposal import approval_request
from flows.wording import say, say_str
from models.tables import Employer, Event, PartnerVoice, Person

UNDO_WORKING_DAYS = 5
"""How long the person a decision was recorded for can undo it (working days, their nation's)."""

RECORD_FOR = "record_for"
UNDO_RECORDED = "undo_recorded"

RECORDING = frozenset({Stage.AWAITING_SECRETARY, Stage.AWAITING_NEM, Stage.PARTNER_CONSULTATION})
"""The stages in which a decision can be recorded for the person (or union) it waits for."""

RECORDED = Table("recorded", (
    # action          from                                          to    who                                   must supply
    row(RECORD_FOR,    RECORDING,                                     None, {Role.SECRETARY, Role.NEM},           {Need.HOW_TAKEN},
        "recorded a decision taken by phone or in a meeting", form="record_for"),
    row(UNDO_RECORDED, {s.value for s in Stage},                       None, {Role.SECRETARY, Role.NEM},           (),
        "undid a decision recorded for them", offers=(Offer("Undo", ButtonStyle.DANGER),)),
))  # fmt: skip

#: The decisions that may be recorded for someone: in which stage, for whom (the role's holder).
RECORDABLE: dict[Action, tuple[Stage, Role]] = {
    Action.SECRETARY_APPROVE: (Stage.AWAITING_SECRETARY, Role.SECRETARY),
    Action.SECRETARY_REJECT: (Stage.AWAITING_SECRETARY, Role.SECRETARY),
    Action.NEM_APPROVE: (Stage.AWAITING_NEM, Role.NEM),
    Action.NEM_REJECT: (Stage.AWAITING_NEM, Role.NEM),
}


def entitled(emp: Employer, role: Role) -> Person | None:
    """The person a decision belongs to: the association's Secretary, or its NEM."""
    return emp.association.secretary if role is Role.SECRETARY else emp.association.nem


@dataclass(frozen=True)
class Choice:
    """One decision that may be recorded: the form's value, its row, for whom, as what."""

    value: str
    act: Action
    person: Person
    role: Role
    union: str | None = None

    @property
    def label(self) -> str:
        return say_str(f"recorded.option.{self.act.value}", person=self.person.label, union=self.union or "")


async def choices(s: AsyncSession, case: Case) -> list[Choice]:
    """The decisions this person may record for someone on ``case`` now: those its stage waits
    for that are not theirs to take themselves (a union's, for its first rep in the directory)."""
    out: list[Choice] = []
    for a, (stage, role) in RECORDABLE.items():
        p = entitled(case.row, role)
        if case.stage is stage and role not in case.roles and p is not None:
            out.append(Choice(a.value, a, p, role))
    if case.stage is Stage.PARTNER_CONSULTATION:
        reps = await partner_reps(s, case.row.association_id)
        for union in PARTNER_UNIONS:
            if union in case.voices or union in case.unions or not reps.get(union):
                continue
            for a in (Action.PARTNER_AGREE, Action.PARTNER_DISAGREE):
                out.append(Choice(f"{a.value}:{union}", a, reps[union][0], Role.PARTNER_REP, union))
    return out


def _field_error(name: str, msg: str, employer_id: int | None = None) -> Refusal:
    return Refusal(say("recorded.fix", problem=msg, nothing_changed=nothing_changed()), {name: msg}, employer_id)


async def record_for(core: Core, who: Who, employer_id: int, answers: Mapping[str, Any]) -> Outcome:
    """Record the decision chosen in ``answers`` for the person entitled to it (module docstring)."""
    steps = SignupSteps(core)

    async def picked(s: AsyncSession) -> tuple[Choice, str]:
        case = await steps.load(s, who, employer_id)
        if RECORDED.refusal_for(RECORDED.row(RECORD_FOR), case) is not None:
            raise Refusal(say("recorded.only_who", employer=case.name, nothing_changed=nothing_changed()), employer_id=case.id)
        raw = str(answers.get("decision") or "")
        ch = next((c for c in await choices(s, case) if c.value == raw), None)
        if ch is None:
            raise _field_error("decision", say_str("recorded.choose_decision"), case.id)
        how = answers.get("how_taken")
        if not (isinstance(how, str) and how.strip()):
            raise _field_error("how_taken", say_str("recorded.give_how"), case.id)
        return ch, " ".join(how.split())[:500]

    ch, how = await read(core, picked)

    async def tell(s: AsyncSession, case: Case, person: Person, out: Outcome) -> Outcome:
        """The person it was recorded for is told at once, with Undo; the recorder, what was done."""
        assert case.person is not None
        await s.flush()
        event_id = (await s.execute(select(func.max(Event.id)).where(Event.employer_id == case.id))).scalar_one()
        ev = await s.get(Event, event_id)
        reasons = ev.reasons if ev is not None else None
        verdict = say_str(f"recorded.verdict.{ch.act.value}", union=ch.union or "")
        title = say_str("role_title.partner", union=ch.union) if ch.union else say_str(f"role_title.{ch.role.value}")
        until = _undo_until(core, case.row, core.now())
        undo_buttons = tuple(replace(b, value=str(event_id)) for b in RECORDED.offer(case, UNDO_RECORDED))
        note = say("recorded.note", recorder=ref(case.person), person=ref(person), how=how)
        out.notices = [replace(n, body=(*n.body, note)) for n in out.notices]  # everyone told sees who it was for
        out.notices.append(
            Notice(
                Kind.PROGRESS,
                to_person(person),
                say_str("recorded.told.headline", recorder=case.person.label, verdict=verdict, employer=case.name),
                body=(say("recorded.told.body", recorder=ref(case.person), verdict=verdict, employer=case.name, title=title),),
                facts=((say_str("recorded.fact.how"), how),) + (((say_str("fact.reasons"), reasons),) if reasons else ()),
                buttons=undo_buttons,
                employer_id=case.id,
                key=_told_key(event_id),
                next_step=say("recorded.told.next", until=until),
            )
        )  # fmt: skip
        out.reply = say("recorded.reply", verdict=verdict, person=ref(person), employer=case.name, title=title)
        return out

    if ch.union is not None:  # a union's voice: one voice per union, the lock and the third "agree" are the voice's
        from flows.signup.partners import RecordedVoice, voice

        return await voice(core, who, employer_id, ch.act, reasons=answers.get("reasons"),
                           recorded=RecordedVoice(ch.person.id, ch.union, how, tell))  # fmt: skip

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        person = await s.get(Person, ch.person.id)
        assert person is not None
        case.roles = case.roles | {ch.role}
        case.acting_for = ((person, frozenset({ch.role})),)
        t = TABLE.row(ch.act)
        got = await steps.check(s, t, case, inputs={"reasons": answers.get("reasons")})
        version = case.row.version + 1  # what the move makes it: an undo finds the case exactly so
        await steps.move(s, t, case, reasons=got.get("reasons"),
                         payload={"for": person.id, "how_taken": how, "version_after": version})  # fmt: skip
        out = await _AFTER[ch.act](s, core, case, got.get("reasons"))
        return await tell(s, case, person, out)

    return await run(core, body)


def _told_key(event_id: int) -> str:
    return f"recorded:{event_id}"


def _undo_until(core: Core, emp: Employer, at: Any) -> Any:
    hours = WorkingHours(tz=core.tz)
    return hours.add_working_days(at, UNDO_WORKING_DAYS, Nation.parse(emp.association.nation)).astimezone(core.tz).date()


async def undo(core: Core, who: Who, event_id: int) -> Outcome:
    """Undo a decision recorded for this person: back to where the case was, if in time and if
    nothing happened to the case since; everyone concerned is told."""
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        me = await person_of(s, who)
        ev = await s.get(Event, event_id)
        payload = dict(ev.payload or {}) if ev is not None else {}
        if ev is None or "how_taken" not in payload or ev.from_stage is None:
            raise Refusal(say("button_stale"))
        if me.id not in (payload.get("for"), ev.actor_id):
            raise Refusal(say("recorded.undo.not_yours", nothing_changed=nothing_changed()), employer_id=ev.employer_id)
        case = await steps.load(s, who, ev.employer_id)
        emp = case.row
        recorder = await s.get(Person, ev.actor_id) if ev.actor_id else None
        decided_for = await s.get(Person, payload["for"]) if isinstance(payload.get("for"), int) else None
        union = payload.get("union") if isinstance(payload.get("union"), str) else None
        what = TABLE.row(ev.action).what + (f" ({union})" if union else "")
        until = _undo_until(core, emp, ev.at)
        if core.now() > WorkingHours(tz=core.tz).add_working_days(ev.at, UNDO_WORKING_DAYS, Nation.parse(emp.association.nation)):
            raise Refusal(say("recorded.undo.too_late", what=what, when=core.when(ev.at), until=until,
                              recorder=ref(recorder), instead=say_str(f"recorded.instead.{ev.action}"),
                              nothing_changed=nothing_changed()), employer_id=emp.id)  # fmt: skip
        now = core.now()
        moved = await s.execute(
            update(Employer)
            .where(Employer.id == emp.id, Employer.stage == ev.to_stage, Employer.version == payload.get("version_after"))
            .values(stage=ev.from_stage, stage_since=now, updated_at=now, version=Employer.version + 1)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Refusal(say("recorded.undo.moved_on", what=what, stage=case.stage.label,
                              instead=say_str(f"recorded.instead.{ev.action}"), nothing_changed=nothing_changed()),
                          employer_id=emp.id)  # fmt: skip
        if union is not None:  # the union's voice is taken back: it may speak again
            await s.execute(delete(PartnerVoice).where(PartnerVoice.employer_id == emp.id,
                            PartnerVoice.revision == payload.get("revision"), PartnerVoice.union == union))  # fmt: skip
        s.add(Event(employer_id=emp.id, at=now, actor_id=me.id, action=UNDO_RECORDED, from_stage=ev.to_stage,
                    to_stage=ev.from_stage, payload={"revision": emp.revision, "undoes": ev.id}))  # fmt: skip
        await s.refresh(emp)
        back = Stage(emp.stage)
        told = say_str("recorded.undone.headline", what=what, employer=emp.name)
        said = (say("recorded.undone.body", who=ref(me), what=what, recorder=ref(recorder), person=ref(decided_for),
                    when=core.when(ev.at), employer=emp.name, stage=back.label),)  # fmt: skip
        people = {p.id: p for p in (recorder, decided_for, emp.proposer) if p is not None and p.id != me.id}
        notices = [Notice(Kind.PROGRESS, to_person(p), told, body=said, employer_id=emp.id, next_step=say("for_information"))
                   for p in people.values()]  # fmt: skip
        if back is Stage.PARTNER_CONSULTATION:  # the union's voice waits again, in the partner unions' space
            again = Case(emp, None, frozenset())
            notices.append(Notice(Kind.PROGRESS, ToPartnerSpace(emp.id), told, body=said, employer_id=emp.id,
                                  buttons=TABLE.offer(again, Action.PARTNER_AGREE, Action.PARTNER_DISAGREE),
                                  next_step=say("recorded.undone.union", union=union or "")))  # fmt: skip
        else:
            if ev.to_stage == Stage.PARTNER_CONSULTATION.value:  # the partner unions were asked: tell them it is off
                notices.append(Notice(Kind.PROGRESS, ToPartnerSpace(emp.id), told, body=said, employer_id=emp.id,
                                      next_step=say("recorded.undone.partners")))  # fmt: skip
            role = Role.SECRETARY if back is Stage.AWAITING_SECRETARY else Role.NEM
            routed = await route(s, entitled(emp, role), core.today())
            notices.append(approval_request(emp, role, routed=routed))  # the decision waits for its person again
        notices.append(Notice(Kind.DECIDED, to_person(me), told, body=said, employer_id=emp.id,
                              replaces=_told_key(ev.id)))  # fmt: skip
        return Outcome(ok=True, changed=True, employer_id=emp.id, notices=notices,
                       reply=say("recorded.undone.reply", what=what, employer=emp.name, stage=back.label))  # fmt: skip

    return await run(core, body)


async def record_form(core: Core, who: Who, employer_id: int | None, employers: list[Any]) -> Form | Outcome:
    """The form ``/vws record`` opens: the employer (when not chosen), the decision, how it was taken."""
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Form | Outcome:
        options: list[Option] = []
        if employer_id is not None:
            case = await steps.load(s, who, employer_id)
            options = [Option(c.value, c.label) for c in await choices(s, case)]
            if not options:
                return Outcome(ok=False, reply=say("recorded.nothing", employer=case.name))
        else:
            options = [Option(a.value, say_str(f"recorded.option.{a.value}", person=say_str(f"recorded.holder.{r.value}"), union=""))
                       for a, (_, r) in RECORDABLE.items()]  # fmt: skip
            options += [Option(f"{a.value}:{u}", say_str(f"recorded.option.{a.value}", person=say_str("recorded.holder.partner_rep"), union=u))
                        for u in PARTNER_UNIONS for a in (Action.PARTNER_AGREE, Action.PARTNER_DISAGREE)]  # fmt: skip
        fields: list[Field] = []
        if employer_id is None:
            fields.append(Field("employer", say_str("field.employer"), FieldKind.SELECT,
                                options=tuple(Option(str(e.id), e.name) for e in employers)))  # fmt: skip
        fields += [
            Field("decision", say_str("recorded.field.decision"), FieldKind.RADIO, options=tuple(options),
                  initial=options[0].value if len(options) == 1 else None),
            Field("how_taken", say_str("recorded.field.how"), FieldKind.LONG_TEXT, max_length=500,
                  hint=say_str("recorded.field.how.hint")),
            Field("reasons", say_str("recorded.field.reasons"), FieldKind.LONG_TEXT, required=False, max_length=3000),
        ]  # fmt: skip
        return Form("record_for", say_str("recorded.form.title"), say_str("recorded.form.heading"),
                    say_str("recorded.form.submit"), Payload(RECORD_FOR, employer_id), tuple(fields),
                    notes=(say_str("recorded.form.intro", days=UNDO_WORKING_DAYS),))  # fmt: skip

    try:
        return await read(core, body)
    except Refusal as r:
        return r.outcome


# --------------------------------------------------------------------------- the dispatcher's entries


def _subject(p: Payload, answers: Mapping[str, Any]) -> int | None:
    if p.subject is not None:
        return p.subject
    chosen = answers.get("employer")
    return int(chosen) if digits(chosen, 11) else None


async def _run_record(core: Core, who: Who, p: Payload, answers: Mapping[str, Any]) -> Outcome:
    subject = _subject(p, answers)
    if subject is None:
        return Outcome(ok=False, reply=say("choose_employer"), errors={"employer": say_str("choose_employer")})
    try:
        return await record_for(core, who, subject, answers)
    except Refusal as r:
        return r.outcome


async def _record_form(core: Core, who: Who, p: Payload, rest: str = "") -> Form | Outcome:
    from flows.signup import status

    employers = await status.actionable(core, who, RECORD_FOR, table=RECORDED)
    if p.subject is not None:
        return await record_form(core, who, p.subject, employers)
    if not employers:
        return Outcome(ok=False, reply=say("recorded.nothing_anywhere"))
    q = " ".join(rest.lower().split())
    hits = [e for e in employers if not q or q in e.name.lower() or q.lstrip("#") == str(e.id)]
    if q and not hits:
        return Outcome(ok=False, reply=say("recorded.no_match", typed=rest.strip()[:100]))
    chosen = hits[0].id if len(hits) == 1 else None
    return await record_form(core, who, chosen, hits)


async def _run_undo(core: Core, who: Who, p: Payload, answers: Mapping[str, Any]) -> Outcome:
    value = p.value or ""
    if not digits(value, 11):
        return Outcome(ok=False, reply=say("button_stale"))
    try:
        return await undo(core, who, int(value))
    except Refusal as r:
        return r.outcome


def register(d: Any) -> None:
    """``/vws record [employer]``, its form, and the Undo button."""
    from flows.core.dispatch import Command

    async def cmd(core: Core, who: Who, rest: str) -> Any:
        return await _record_form(core, who, Payload(RECORD_FOR), rest)

    d.add(RECORD_FOR, _run_record, _record_form)
    d.add(UNDO_RECORDED, _run_undo)
    d.add_command(Command("record", say_str("command.record"), cmd, menu=False))
