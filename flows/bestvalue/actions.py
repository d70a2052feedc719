"""The Best Value Code's entries in the dispatcher: for each action, its use case and its form;
the ``/vws code …`` words; typed positions; its status section, documents and nudges."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.bestvalue import adoption, committee, contracts, forms, indicators, replies, status
from flows.bestvalue import reminders as code_reminders
from flows.bestvalue.case import AdoptionCase, AdoptionSteps, ContractCase, ContractSteps, with_owner
from flows.bestvalue.process import CONTRACT_TABLE, TABLE, Action
from flows.core.dispatch import Command, Dispatcher, Inputs, Response
from flows.core.forms import Form, digits
from flows.core.payload import Payload
from flows.core.unit import Core, Refusal, read
from flows.directory import Who, find_person
from flows.notices import Button, Outcome
from flows.wording import say, say_str
from models.bestvalue import CodeBranch, CodeIndicator
from models.tables import Held, LocalAssociation, Person
from models.tables import Role as RoleRow


def _id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and digits(value.strip(), 11):
        return int(value.strip())
    return None


def _subject(p: Payload, answers: Inputs, name: str = "adoption") -> int:
    found = p.subject if p.subject is not None else _id(answers.get(name))
    if found is None:
        raise Refusal(say("code.choose_adoption"), {name: say_str("code.choose_adoption")})
    return found


def _guarded(fn: Any) -> Any:
    async def run(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
        try:
            return await fn(core, who, p, answers)  # type: ignore[no-any-return]
        except Refusal as r:
            return r.outcome

    return run


async def _may(core: Core, who: Who, p: Payload, contract: bool = False) -> Any:
    """The case, if the person may take ``p.action`` on it now; else why not (before a form opens)."""
    steps: Any = ContractSteps(core) if contract else AdoptionSteps(core)
    t = (CONTRACT_TABLE if contract else TABLE).row(p.action)

    async def q(s: AsyncSession) -> Any:
        try:
            case = await steps.load(s, who, p.subject or 0)
            await steps.check(s, t, case, needs=False)
        except Refusal as r:
            return r.outcome
        return case

    return await read(core, q)


def _form_for(make: Any, contract: bool = False) -> Any:
    async def form(core: Core, who: Who, p: Payload) -> Form | Outcome:
        if p.subject is None:
            return Outcome(ok=False, reply=say("code.choose_adoption"))
        case = await _may(core, who, p, contract)
        return case if isinstance(case, Outcome) else await make(core, who, p, case)

    return form


# --------------------------------------------------------------------------- use cases


async def _start(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await adoption.start(core, who, dict(answers))


async def _mark(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await adoption.mark(core, who, _subject(p, answers), dict(answers))


async def _agree_section(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await adoption.agree_section(core, who, _subject(p, answers), _id(p.value) or 0)


async def _submit(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await adoption.submit(core, who, _subject(p, answers))


async def _committee(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await committee.committee(core, who, _subject(p, answers), dict(answers))


async def _committee_rest(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await committee.committee_rest(core, who, _subject(p, answers))


async def _reviewed(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await committee.reviewed(core, who, _subject(p, answers))


async def _indicator(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await indicators.add_indicator(core, who, _subject(p, answers), dict(answers))


async def _actual(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    chosen = _id(answers.get("indicator")) or _id(p.value)
    if chosen is None:
        return Outcome(ok=False, reply=say("code.choose_indicator"), errors={"indicator": say_str("code.choose_indicator")})
    return await indicators.record_actual(core, who, chosen, dict(answers))


async def _seek(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await contracts.seek(core, who, _subject(p, answers), dict(answers))


async def _sent(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await contracts.sent(core, who, _subject(p, answers, "contract"))


async def _response(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await contracts.response(core, who, _subject(p, answers, "contract"), dict(answers))


async def _award(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await contracts.award(core, who, _subject(p, answers, "contract"))


async def _delivery(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await contracts.delivery(core, who, _subject(p, answers, "contract"), dict(answers))


# --------------------------------------------------------------------------- forms


async def _start_form(core: Core, who: Who, p: Payload) -> Form | Outcome:
    async def q(s: AsyncSession) -> tuple[list[str], list[str], list[str]] | None:
        person = await find_person(s, who)
        if person is None:
            return None
        names = list((await s.execute(select(LocalAssociation.name).order_by(LocalAssociation.name))).scalars())
        mine_ids = set((await s.execute(select(RoleRow.association_id).where(
            RoleRow.person_id == person.id, RoleRow.role == Held.BRANCH_REP))).scalars())  # fmt: skip
        mine_ids |= set((await s.execute(select(LocalAssociation.id).where(
            (LocalAssociation.secretary_id == person.id) | (LocalAssociation.deputy_id == person.id)))).scalars())  # fmt: skip
        mine = list((await s.execute(select(LocalAssociation.name).where(LocalAssociation.id.in_(mine_ids))
                                     .order_by(LocalAssociation.name))).scalars())  # fmt: skip
        branches = sorted(set((await s.execute(select(CodeBranch.union).where(CodeBranch.association_id.in_(mine_ids)))).scalars()))
        return names, mine, branches

    found = await read(core, q)
    if found is None or not found[1]:
        return Outcome(ok=False, reply=say("code.start.only_branches"))
    return forms.start_form(*found)


async def _mark_form(core: Core, who: Who, p: Payload, case: AdoptionCase) -> Form:
    return forms.mark_form(case, _id(p.value))


async def _committee_form(core: Core, who: Who, p: Payload, case: AdoptionCase) -> Form:
    return forms.committee_form(case)


async def _indicator_form(core: Core, who: Who, p: Payload, case: AdoptionCase) -> Form:
    async def q(s: AsyncSession) -> list[tuple[int, str]]:
        rows = (await s.execute(select(Person).join(RoleRow, RoleRow.person_id == Person.id).where(
            RoleRow.association_id == case.row.association_id, RoleRow.role == Held.BRANCH_REP,
            RoleRow.union.in_(case.branches)).order_by(Person.id))).scalars()  # fmt: skip
        people = {x.id: x.label for x in rows}
        people.setdefault(case.row.lead_id, case.row.lead.label)
        return list(people.items())

    return forms.indicator_form(case, await read(core, q), case.person.id if case.person else None)


async def _actual_form(core: Core, who: Who, p: Payload) -> Form | Outcome:
    chosen = _id(p.value)
    adoption_id = p.subject
    if adoption_id is None:
        return Outcome(ok=False, reply=say("code.choose_adoption"))
    mine = await indicators.my_indicators(core, who, adoption_id)
    if not mine:
        return Outcome(ok=False, reply=say("code.nothing_to.actual"))
    form = forms.actual_form(mine, chosen, forms.last_period(core.today()))
    return replace(form, payload=Payload(Action.ACTUAL, adoption_id, value=str(chosen) if chosen else None))


async def _seek_form(core: Core, who: Who, p: Payload, case: AdoptionCase) -> Form:
    return forms.seek_form(case)


async def _response_form(core: Core, who: Who, p: Payload, case: ContractCase) -> Form:
    return forms.response_form(case)


async def _delivery_form(core: Core, who: Who, p: Payload, case: ContractCase) -> Form:
    return forms.delivery_form(case, forms.last_period(core.today()))


# --------------------------------------------------------------------------- what a message still offers


async def _offered(core: Core, who: Who, payloads: list[Payload]) -> list[Button]:
    """Of the buttons a message carried, those the person may still press now, from the tables
    (stage, role, guards), each as its row offers it, with the value it carried (a section, an
    indicator). Record actual is theirs on an indicator they own, as well as the lead's."""

    async def q(s: AsyncSession) -> list[Button]:
        cases: dict[tuple[bool, int], Any] = {}
        out: list[Button] = []
        for p in payloads:
            contract = p.action in CONTRACT_TABLE
            table = CONTRACT_TABLE if contract else TABLE
            if p.action not in table or p.subject is None:
                continue
            key = (contract, p.subject)
            if key not in cases:
                steps: Any = ContractSteps(core) if contract else AdoptionSteps(core)
                try:
                    cases[key] = await steps.load(s, who, p.subject)
                except Refusal:
                    cases[key] = None
            case = cases[key]
            if case is None:
                continue
            t = table.row(p.action)
            if p.action == Action.ACTUAL and (chosen := _id(p.value)) is not None:
                ind = await s.get(CodeIndicator, chosen)
                if ind is not None and ind.adoption_id == case.id:
                    case = with_owner(replace(case), ind)
            if table.refusal_for(t, case) is None:
                out += [replace(b, value=p.value) for b in t.buttons(case)]
        return out

    return await read(core, q)


async def _may_have_document(core: Core, who: Who, adoption_id: int) -> bool:
    """The Code as adopted is for the people taking part: the lead, the Secretary, the branches' reps."""

    async def q(s: AsyncSession) -> bool:
        person = await find_person(s, who)
        return person is not None and any(c.id == adoption_id for c in await status.cases_of(s, core, person))

    return await read(core, q)


# --------------------------------------------------------------------------- /vws code …


async def _pick(core: Core, who: Who, query: str) -> int | Outcome:
    """The adoption a command is about: the person's only one, or the one named."""

    async def q(s: AsyncSession) -> list[tuple[int, str]]:
        person = await find_person(s, who)
        return [(c.id, c.name) for c in await status.cases_of(s, core, person)] if person else []

    mine = await read(core, q)
    words = " ".join(query.lower().split()).lstrip("#")
    hits = [m for m in mine if words and (words in m[1].lower() or words == str(m[0]))] if words else mine
    if len(hits) == 1:
        return hits[0][0]
    if not hits:
        return Outcome(ok=False, reply=say("code.pick.none" if not mine else "code.pick.no_match", query=query))
    return Outcome(ok=False, reply=say("code.pick.several", names="; ".join(f"#{i} {n}" for i, n in hits)))


async def _report_text(core: Core, who: Who, query: str) -> Outcome:
    picked = await _pick(core, who, query)
    if isinstance(picked, Outcome):
        return picked
    rep = await indicators.report(core, picked)
    assert rep is not None
    from flows.bestvalue.report import as_lines

    return Outcome(ok=True, reply=("\n".join(as_lines(rep)),))


SUBCOMMANDS = ("start", "status", "submit", "indicator", "actual", "seek", "report")


async def _cmd_code(core: Core, who: Who, rest: str) -> Response:
    words = rest.strip().split(maxsplit=1)
    sub = words[0].lower() if words else "status"
    more = words[1] if len(words) > 1 else ""
    if sub == "start":
        return await _start_form(core, who, Payload(Action.START))
    if sub == "status":
        return await status.status_text(core, who)
    if sub == "report":
        return await _report_text(core, who, more)
    if sub in ("submit", "indicator", "actual", "seek"):
        picked = await _pick(core, who, more)
        if isinstance(picked, Outcome):
            return picked
        action = {"submit": Action.SUBMIT, "indicator": Action.INDICATOR, "actual": Action.ACTUAL, "seek": Action.SEEK}[sub]
        dispatch: Dispatcher = getattr(core, "dispatch")  # noqa: B009 - the engine's, which Core does not name
        return await dispatch.press(who, Payload(action, picked))
    return Outcome(ok=True, reply=say("code.help", words=", ".join(SUBCOMMANDS)))


# --------------------------------------------------------------------------- registration


def register(d: Dispatcher) -> None:
    """Add the Best Value Code's actions, forms, command, replies, status and nudges."""
    from flows.bestvalue import away

    away.register()  # a branch rep's role, handed on while they are away
    d.add(Action.START, _guarded(_start), _start_form)
    d.add(Action.MARK, _guarded(_mark), _form_for(_mark_form))
    d.add(Action.AGREE_SECTION, _guarded(_agree_section))
    d.add(Action.SUBMIT, _guarded(_submit))
    d.add(Action.COMMITTEE, _guarded(_committee), _form_for(_committee_form))
    d.add(Action.COMMITTEE_REST, _guarded(_committee_rest))
    d.add(Action.REVIEWED, _guarded(_reviewed))
    d.add(Action.INDICATOR, _guarded(_indicator), _form_for(_indicator_form))
    d.add(Action.ACTUAL, _guarded(_actual), _actual_form)
    d.add(Action.SEEK, _guarded(_seek), _form_for(_seek_form))
    d.add(Action.SENT, _guarded(_sent))
    d.add(Action.RESPONSE, _guarded(_response), _form_for(_response_form, contract=True))
    d.add(Action.AWARD, _guarded(_award))
    d.add(Action.DELIVERY, _guarded(_delivery), _form_for(_delivery_form, contract=True))
    d.add_replies(replies.in_space, replies.in_private, hint=replies.space_hint)
    d.add_offers([*TABLE.by_action, *CONTRACT_TABLE.by_action], _offered)
    d.add_status(status.sections)
    d.add_file(adoption.FILES, adoption.document, _may_have_document)
    d.add_command(Command("code", say_str("command.code"), _cmd_code))  # then a word: "code start"
    code_reminders.register()
