"""The partnership process's entries in the dispatcher: for each action its use case and form, the
``/vws`` words (``issue``, ``concern``, ``partnership``, ``issues``, ``remit``, ``protocol``),
its status sections, the note it adds to the revocation form, and its nudges. Nothing here
decides anything: the use cases do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.dispatch import Command, Dispatcher, Inputs, Response
from flows.core.forms import Form
from flows.core.payload import Payload
from flows.core.unit import Core, Refusal, nothing_changed, read
from flows.directory import Who, find_person
from flows.notices import Outcome
from flows.partnership import closing, documents, forms, ladder, raising, report, status
from flows.partnership.case import PartnershipSteps
from flows.partnership.journey import (
    ACKNOWLEDGES,
    ATTEMPTS,
    DOC_TABLE,
    ESCALATES,
    REFERS_BACK,
    RESOLVES,
    Action,
    DocAction,
)
from flows.partnership.reminders import register_source
from flows.wording import say, say_str
from models.partnership import Partnership, PartnershipMember

RunFn = Callable[[Core, Who, Payload, Inputs], Awaitable[Outcome]]


def _guarded(fn: RunFn) -> RunFn:
    async def run(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
        if p.subject is None and p.action not in (Action.RAISE, raising.SCREEN_ISSUE):
            return Outcome(ok=False, reply=say("button_stale"))
        try:
            return await fn(core, who, p, answers)
        except Refusal as r:
            return r.outcome

    return run


def _text(answers: Inputs, name: str) -> str | None:
    value = answers.get(name)
    return value if isinstance(value, str) else None


def _form(build: Callable[[Payload, status.Seen, Core], Form]) -> Callable[[Core, Who, Payload], Awaitable[Form | Outcome]]:
    """A form that opens only when the person may take the row now (else why not, at once)."""

    async def open_(core: Core, who: Who, p: Payload) -> Form | Outcome:
        seen = await status.may(core, who, p)
        if isinstance(seen, Outcome):
            return seen
        return build(p, seen, core)

    return open_


# --------------------------------------------------------------------------- the use cases


async def _attempt(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await ladder.log_attempt(core, who, p.subject or 0, p.action, dict(a))


async def _escalate(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await ladder.escalate(core, who, p.subject or 0, p.action, _text(a, "exhausted"))


async def _note(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await ladder.add_note(core, who, p.subject or 0, _text(a, "note"))


async def _ack(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await ladder.acknowledge(core, who, p.subject or 0, p.action)


async def _refer_back(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await ladder.refer_back(core, who, p.subject or 0, p.action, _text(a, "reasons"))


async def _resolve(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await closing.resolve(core, who, p.subject or 0, p.action, _text(a, "resolution"))


async def _confirm(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await closing.confirm(core, who, p.subject or 0)


async def _reopen(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await closing.reopen(core, who, p.subject or 0, _text(a, "reasons"))


async def _casework(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await closing.casework(core, who, p.subject or 0)


async def _withdraw(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await closing.withdraw(core, who, p.subject or 0)


async def _propose_remit(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await closing.propose_remit(core, who, p.subject or 0)


async def _screened(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await raising.screened(core, who, p, dict(a))


async def _raise(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    return await raising.raise_issue(core, who, p, dict(a))


async def _review(core: Core, who: Who, p: Payload, a: Inputs) -> Outcome:
    kind = documents.REMIT if p.action == DocAction.REVIEW_REMIT else documents.PROTOCOL
    return await documents.review(core, who, p.subject or 0, kind, dict(a))


async def _review_form(core: Core, who: Who, p: Payload) -> Form | Outcome:
    """The remit (or protocol) as it stands, to review in its entirety, with the areas asked for."""
    t = DOC_TABLE.row(p.action)
    steps = PartnershipSteps(core)

    async def q(s: AsyncSession) -> Form | Outcome:
        try:
            case = await steps.load(s, who, p.subject or 0)
            await steps.check(s, t, case, needs=False)
        except Refusal as r:
            return r.outcome
        parties = await documents.parties_of(s, case.id)
        if p.action == DocAction.REVIEW_REMIT:
            doc = await documents.current(s, case.id, documents.REMIT)
            since = doc.recorded_at if doc else None
            proposed = [f"{a} (#{i})" for i, a in await documents.proposed_areas(s, case.id, since)] if since else []
            return forms.remit_form(p, case.row.name, documents.areas_of(doc), parties, proposed)
        doc = await documents.current(s, case.id, documents.PROTOCOL)
        themes = dict((doc.body or {}).get("themes", {})) if doc else {}
        return forms.protocol_form(p, case.row.name, themes, parties)

    return await read(core, q)


# --------------------------------------------------------------------------- commands


async def _mine(core: Core, who: Who, query: str) -> list[Partnership] | Outcome:
    async def q(s: AsyncSession) -> list[Partnership] | Outcome:
        person = await find_person(s, who)
        if person is None:
            return Outcome(ok=False, reply=say("not_in_directory", nothing_changed=nothing_changed()))
        rows = await s.execute(
            select(Partnership).join(PartnershipMember, PartnershipMember.partnership_id == Partnership.id)
            .where(PartnershipMember.person_id == person.id).order_by(Partnership.name)
        )  # fmt: skip
        mine = list(rows.scalars().unique())
        words = " ".join(query.lower().split())
        if words:
            mine = [m for m in mine if words in m.name.lower() or words in m.local_authority.lower()]
        return mine

    return await read(core, q)


async def _cmd_issue(core: Core, who: Who, rest: str) -> Response:
    mine = await _mine(core, who, rest)
    if isinstance(mine, Outcome):
        return mine
    return await raising.screen_form(core, who, Payload(raising.SCREEN_ISSUE, mine[0].id if len(mine) == 1 else None))


LISTED = 10
"""The most employers a concern's "which one?" names (then "…": type more of the name)."""


async def _cmd_concern(core: Core, who: Who, rest: str) -> Response:
    from flows.signup.records import find

    words = rest.strip()
    found = await find(core, words, stages=raising.IN_SCHEME, limit=LISTED + 1) if words else []
    if len(found) != 1:
        names = ", ".join(e.name for e in found[:LISTED]) + (", …" if len(found) > LISTED else "")
        return Outcome(ok=False, reply=say("concern.which", names=names or say_str("none_yet")))
    return await raising.screen_form(core, who, Payload(raising.SCREEN_CONCERN, found[0].id))


async def _cmd_partnership(core: Core, who: Who, rest: str) -> Response:
    lines = await report.partnership_report(core, rest, who)
    return Outcome(ok=True, reply=("\n".join(lines),))


async def _cmd_issues(core: Core, who: Who, rest: str) -> Response:
    nations = await report.national_areas(core, who)
    if nations is None:
        return Outcome(ok=False, reply=say("issues.only_national"))
    rows = await report.counts(core, nations)
    if rest.strip().lower() == "csv":
        return Outcome(ok=True, reply=("```\n" + report.counts_csv(rows) + "```",))
    return Outcome(ok=True, reply=("\n".join(report.counts_lines(rows)),))


def _cmd_review(action: DocAction) -> Callable[[Core, Who, str], Awaitable[Response]]:
    async def run(core: Core, who: Who, rest: str) -> Response:
        mine = await _mine(core, who, rest)
        if isinstance(mine, Outcome):
            return mine
        if len(mine) != 1:
            return Outcome(ok=False, reply=say("report.which.mine", names=", ".join(m.name for m in mine) or say_str("none_yet")))
        return await _review_form(core, who, Payload(action, mine[0].id))

    return run


def register(d: Dispatcher) -> None:
    """Add the partnership process's actions, commands, status sections, form notes and nudges."""
    from flows.partnership import away

    away.register()  # its roles, handed on while someone is away
    d.add(raising.SCREEN_ISSUE, _guarded(_screened), raising.screen_form)
    d.add(raising.SCREEN_CONCERN, _guarded(_screened), raising.screen_form)
    d.add(Action.RAISE, _guarded(_raise), raising.issue_form)
    d.add(Action.RAISE_CONCERN, _guarded(_raise), raising.issue_form)
    for act in ATTEMPTS:
        d.add(act, _guarded(_attempt), _form(lambda p, seen, core: forms.attempt_form(p, seen.title, seen.level.label, core.today())))
    for act in RESOLVES:
        d.add(act, _guarded(_resolve), _form(lambda p, seen, core: forms.resolution_form(p, seen.title)))
    for act in ESCALATES:
        d.add(act, _guarded(_escalate), _form(lambda p, seen, core: forms.escalate_form(p, seen.title, seen.level.up.label)))
    for act in ACKNOWLEDGES:
        d.add(act, _guarded(_ack))
    for act in REFERS_BACK:
        d.add(act, _guarded(_refer_back), _form(lambda p, seen, core: forms.refer_back_form(p, seen.title, seen.level.down.label)))
    d.add(Action.ADD_NOTE, _guarded(_note), _form(lambda p, seen, core: forms.note_form(p, seen.title)))
    d.add(Action.CONFIRM, _guarded(_confirm))
    d.add(Action.REOPEN, _guarded(_reopen), _form(lambda p, seen, core: forms.reopen_form(p, seen.title)))
    d.add(Action.CASEWORK, _guarded(_casework), _form(lambda p, seen, core: forms.casework_form(p, seen.title)))
    d.add(Action.WITHDRAW, _guarded(_withdraw))
    d.add(Action.PROPOSE_REMIT, _guarded(_propose_remit))
    for doc_action in DocAction:
        d.add(doc_action, _guarded(_review), _review_form)
    for word, fn in (("issue", _cmd_issue), ("concern", _cmd_concern), ("partnership", _cmd_partnership),
                     ("issues", _cmd_issues), ("remit", _cmd_review(DocAction.REVIEW_REMIT)),
                     ("protocol", _cmd_review(DocAction.REVIEW_PROTOCOL))):  # fmt: skip
        d.add_command(Command(word, say_str(f"command.{word}"), fn, menu=False))
    d.add_status(status.sections)
    d.add_form_notes("revoke", report.linked_notes)
    register_source()


__all__ = ["Any", "register"]
