"""The sign-up journey's entries in the dispatcher: for each action, its use case and its form;
for each ``/vws`` word, its answer. Nothing here decides anything: the use cases do."""

from __future__ import annotations

from typing import Any

from flows.core.dispatch import Command, Dispatcher, Inputs, Response, ShowStatus
from flows.core.forms import Form, Option, digits, ticked
from flows.core.payload import Payload
from flows.core.unit import Core, Refusal
from flows.directory import Who
from flows.notices import Outcome
from flows.signup import (
    approvals,
    forms,
    national,
    plan,
    proposal,
    records,
    replies,
    review,
    revocation,
    route,
    status,
)
from flows.signup.journey import DECISIONS, TABLE, Action
from flows.signup.records import EmployerSummary
from flows.wording import say, say_str


def _subject(p: Payload, answers: Inputs) -> int:
    """The case a click or a form acts on: the payload's, or the one chosen in the form."""
    if p.subject is not None:
        return p.subject
    chosen = answers.get("employer")
    if digits(chosen, 11):
        return int(chosen)
    if isinstance(chosen, int) and chosen >= 0:
        return chosen
    raise Refusal(say("choose_employer"), {"employer": say_str("choose_employer")})


def _guarded(fn: Any) -> Any:
    """Turn a Refusal raised while reading the answers into the person's answer."""

    async def run(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
        try:
            return await fn(core, who, p, answers)  # type: ignore[no-any-return]
        except Refusal as r:
            return r.outcome

    return run


async def _decide(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await approvals.decide(core, who, _subject(p, answers), p.action, revision=p.rev, reasons=answers.get("reasons"))


async def _reasons_form(core: Core, who: Who, p: Payload) -> Form | Outcome:
    found = await _may(core, who, p)
    if isinstance(found, Outcome):
        return found
    return forms.reasons_form(p, found.name)


async def _may(core: Core, who: Who, p: Payload) -> EmployerSummary | Outcome:
    """The case, if this person may take ``p.action`` on it now; else why not (before a form opens)."""
    refusal = await status.refusal(core, who, p)
    if refusal is not None:
        return refusal
    assert p.subject is not None
    found = await records.summary(core, p.subject)
    assert found is not None
    return found


async def _propose(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await proposal.propose(core, who, dict(answers))


async def _propose_form(core: Core, who: Who, p: Payload) -> Form | Outcome:
    names, mine = await status.associations(core, who)
    if not mine:
        return Outcome(ok=False, reply=say("propose.only_reps"))
    return forms.propose_form(names, mine)


async def _resubmit(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await proposal.resubmit(core, who, _subject(p, answers), dict(answers))


async def _resubmit_form(core: Core, who: Who, p: Payload) -> Form | Outcome:
    found = await _may(core, who, p)
    if isinstance(found, Outcome):
        return found
    current = await proposal.proposal_of(core, found.id) or {}
    names, _ = await status.associations(core, who)
    return forms.propose_form(names, [], initial=current, employer_id=found.id, revision=found.revision)


async def _route(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await route.choose_route(core, who, _subject(p, answers), answers.get("route") or p.value or "")


async def _introduce(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await route.introduce(core, who, _subject(p, answers))


async def _plan(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    data = {k: v for k, v in answers.items() if k != "employer" and v not in (None, "")}
    return await plan.agree_plan(core, who, _subject(p, answers), data)


async def _plan_form(core: Core, who: Who, p: Payload, rest: str = "") -> Form | Outcome:
    employers = await status.actionable(core, who, Action.AGREE_PLAN)
    if p.subject is not None and not any(e.id == p.subject for e in employers):
        return await _refused_or(core, who, p)
    chosen = p.subject or await _pick(core, who, Action.AGREE_PLAN, employers, rest)
    if isinstance(chosen, Outcome):
        return chosen
    avoid = await records.previous_principles(core, [e.id for e in employers])
    return forms.plan_form(employers, employer_id=chosen, avoid=avoid)


async def _refused_or(core: Core, who: Who, p: Payload) -> Outcome:
    refusal = await status.refusal(core, who, p)
    return refusal or await status.why_not(core, who, Action.AGREE_PLAN)


async def _workplan_done(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    value = p.value or ""
    if not digits(value, 11):
        return Outcome(ok=False, reply=say("button_stale"))
    return await plan.complete_action(core, who, int(value))


async def _national(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await national.record_national(core, who, _subject(p, answers), p.action)


async def _objective_met(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await review.review(core, who, _subject(p, answers), Action.OBJECTIVE_MET, cycle=p.cycle)


async def _not_met(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await review.not_met(core, who, _subject(p, answers), dict(answers), cycle=p.cycle)


async def _not_met_form(core: Core, who: Who, p: Payload) -> Form | Outcome:
    found = await _may(core, who, p)
    if isinstance(found, Outcome):
        return found
    return forms.not_met_form(found.id, p.cycle, found.name)


async def _review(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    outcome = str(answers.get("outcome") or "")
    if outcome not in {a.value for a in (Action.OBJECTIVE_MET, Action.NOT_MET_EXTEND, Action.NOT_MET_NEW_PLAN)}:
        return Outcome(ok=False, reply=say("choose_outcome"), errors={"outcome": say_str("choose_outcome")})
    if outcome == Action.OBJECTIVE_MET and "yes" not in ticked(answers.get("confirm_early")):
        early = await status.review_not_due(core, _subject(p, answers))
        if early is not None:  # a year early is a slip as often as not: ask, saying when it is due
            msg = say_str("review.early", review_on=early)
            return Outcome(ok=False, reply=say("review.early.reply", problem=msg), errors={"confirm_early": msg})
    return await review.review(
        core, who, _subject(p, answers), outcome, reasons=answers.get("reasons"), new_review_date=answers.get("review_on")
    )


async def _taken_off(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await national.taken_off_list(core, who, _subject(p, answers))


async def _revoke(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    if "yes" not in ticked(answers.get("confirm")):  # it cannot be undone: the form asks first
        msg = say_str("field.confirm_revoke.needed")
        return Outcome(ok=False, reply=say("review.early.reply", problem=msg), errors={"confirm": msg})
    return await revocation.revoke(core, who, _subject(p, answers), answers.get("reasons"))


async def _revoke_form(core: Core, who: Who, p: Payload, rest: str = "") -> Form | Outcome:
    if p.subject is not None:
        found = await _may(core, who, p)
        if isinstance(found, Outcome):
            return found
        return forms.revoke_form([found], employer_id=found.id)
    employers = await status.actionable(core, who, Action.REVOKE)
    chosen = await _pick(core, who, Action.REVOKE, employers, rest)
    if isinstance(chosen, Outcome):
        return chosen
    return forms.revoke_form(employers, employer_id=chosen)


async def _review_form(core: Core, who: Who, p: Payload, rest: str = "") -> Form | Outcome:
    employers = await status.actionable(core, who, Action.OBJECTIVE_MET)
    chosen = p.subject or await _pick(core, who, Action.OBJECTIVE_MET, employers, rest)
    if isinstance(chosen, Outcome):
        return chosen
    return forms.review_form(employers, employer_id=chosen)


async def _withdraw(core: Core, who: Who, p: Payload, answers: Inputs) -> Outcome:
    return await revocation.withdraw(core, who, _subject(p, answers), answers.get("reasons"))


# --------------------------------------------------------------------------- commands


async def _pick(core: Core, who: Who, action: Action, employers: list[EmployerSummary], query: str) -> int | None | Outcome:
    """The employer a typed command names among those the person may act on (None: the form
    asks); or, when there is none to act on or the name matches none of them, why not (the
    true reason, or "no employer matches"), rather than quietly opening another one."""
    q = " ".join(query.lower().split())
    hits = [e for e in employers if not q or q in e.name.lower() or q.lstrip("#") == str(e.id)]
    if not hits:
        return await status.why_not(core, who, action, query)
    return hits[0].id if len(hits) == 1 else None


async def _cmd_propose(core: Core, who: Who, rest: str) -> Response:
    return await _propose_form(core, who, Payload(Action.PROPOSE))


async def _cmd_plan(core: Core, who: Who, rest: str) -> Response:
    return await _plan_form(core, who, Payload(Action.AGREE_PLAN), rest)


async def _cmd_review(core: Core, who: Who, rest: str) -> Response:
    return await _review_form(core, who, Payload("review"), rest)


async def _cmd_revoke(core: Core, who: Who, rest: str) -> Response:
    return await _revoke_form(core, who, Payload(Action.REVOKE), rest)


async def _cmd_status(core: Core, who: Who, rest: str) -> Response:
    return ShowStatus(await status.status_for(core, who))


async def _employer_options(core: Core, who: Who, action: str, typed: str) -> list[Option]:
    """A searched employer field's choices: the person's cases for the action, by what they typed."""
    if action not in TABLE:
        return []
    found = await status.actionable(core, who, action, typed=typed or None, limit=100)
    return [Option(str(e.id), f"{e.name} ({e.association})", e.stage.label) for e in found]


async def _association_options(core: Core, who: Who, _: str, typed: str) -> list[Option]:
    return [Option(n, n) for n in await status.associations_matching(core, who, typed)]


def register(d: Dispatcher) -> None:
    """Add the sign-up journey's actions and commands to the dispatcher."""
    from flows.away.delegation import add_space_officers
    from flows.signup.scope import asked_in_space

    add_space_officers(asked_in_space)  # a step posted in the partner space, for someone away
    for act in DECISIONS:
        d.add(act, _guarded(_decide), _reasons_form if TABLE.row(act).form == "reasons" else None)
    d.add(Action.PROPOSE, _guarded(_propose), _propose_form)
    d.add(Action.RESUBMIT, _guarded(_resubmit), _resubmit_form)
    d.add(Action.CHOOSE_ROUTE, _guarded(_route))
    d.add(Action.INTRODUCE, _guarded(_introduce))
    d.add(Action.AGREE_PLAN, _guarded(_plan), _plan_form)
    d.add(Action.WORKPLAN_DONE, _guarded(_workplan_done))
    d.add(Action.ADDED_TO_LIST, _guarded(_national))
    d.add(Action.TAKEN_OFF_LIST, _guarded(_taken_off))
    d.add(Action.LOGO_SENT, _guarded(_national))
    d.add(Action.OBJECTIVE_MET, _guarded(_objective_met))
    d.add(Action.NOT_MET, _guarded(_not_met), _not_met_form)
    d.add("review", _guarded(_review), _review_form)
    d.add(Action.REVOKE, _guarded(_revoke), _revoke_form)
    d.add(Action.WITHDRAW, _guarded(_withdraw))
    d.add_replies(replies.in_space, replies.in_private, in_channel=replies.in_channel, hint=replies.space_hint)
    d.add_options("employers", _employer_options)
    d.add_options("associations", _association_options)
    d.add_file(route.DRAFT_FILES, route.draft_document)
    for word, fn in (("propose", _cmd_propose), ("plan", _cmd_plan), ("review", _cmd_review),
                     ("revoke", _cmd_revoke), ("status", _cmd_status)):  # fmt: skip
        d.add_command(Command(word, say_str(f"command.{word}"), fn, menu=word != "revoke", reads=word == "status"))
