"""Raising an issue in a partnership, and raising a concern about an employer in the scheme.

The screening question comes first: an issue about one person's (or a few named people's)
contract, pay, discipline, grievance, capability or sickness is individual casework, which
"unions and professional associations will still deal with ... outside of this process". A
"yes" stores nothing at all and tells the person, privately, where casework goes.

A concern about a scheme member (seed 000: an employer that "acts outwith the policy" is first
"discussed through the normal consultation and negotiation machinery") runs as an issue on the
same ladder, in the partnership whose area covers the employer, linked to the employer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.forms import digits
from flows.core.payload import Payload
from flows.core.roles import Role
from flows.core.unit import Core, Refusal, nothing_changed, read, run
from flows.directory import Who, find_person
from flows.notices import Kind, Notice, Outcome
from flows.partnership import forms
from flows.partnership.case import (
    IssueCase,
    IssueSteps,
    missing_from_space,
    person_of,
    read_issue,
    ref,
    to_person,
)
from flows.partnership.documents import REMIT, areas_of, current
from flows.partnership.journey import TABLE, Action, Level, Stage
from flows.partnership.summary import dossier, space_card
from flows.wording import say, say_str
from models.partnership import Issue, Partnership, PartnershipArea, PartnershipEvent, PartnershipMember
from models.partnership_inputs import OTHER_AREA, IssueIn
from models.tables import Employer, Person

SCREEN_ISSUE, SCREEN_CONCERN = "screen_issue", "screen_concern"
IN_SCHEME = ("joined", "review_due", "objective_met", "not_met")


async def memberships(s: AsyncSession, person: Person) -> list[tuple[Partnership, list[str]]]:
    """The partnerships a person sits on, with their sides there."""
    rows = await s.execute(
        select(Partnership, PartnershipMember.party)
        .join(PartnershipMember, PartnershipMember.partnership_id == Partnership.id)
        .where(PartnershipMember.person_id == person.id)
        .order_by(Partnership.name)
    )
    out: dict[int, tuple[Partnership, list[str]]] = {}
    for p, party in rows.all():
        out.setdefault(p.id, (p, []))[1].append(party)
    return list(out.values())


async def concern_target(s: AsyncSession, person: Person, employer_id: int) -> tuple[Employer, Partnership]:
    """The scheme member and the partnership a concern about it goes to, if this person may raise it."""
    from flows.signup.case import SignupSteps

    emp = await s.get(Employer, employer_id)
    if emp is None:
        raise Refusal(say("no_such_employer", id=employer_id, nothing_changed=nothing_changed()))
    case = await SignupSteps(None).case_of(s, person, emp)  # type: ignore[arg-type]
    if not (case.roles & TABLE.row(Action.RAISE_CONCERN).who):
        raise Refusal(say("concern.only_reps", employer=emp.name, area=emp.association.name, nothing_changed=nothing_changed()))
    if emp.stage not in IN_SCHEME:
        raise Refusal(say("concern.not_member", employer=emp.name, nothing_changed=nothing_changed()))
    found = (
        await s.execute(
            select(Partnership)
            .join(PartnershipArea, PartnershipArea.partnership_id == Partnership.id)
            .where(PartnershipArea.association_id == emp.association_id)
            .order_by(Partnership.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if found is None:
        raise Refusal(say("concern.no_partnership", area=emp.association.name, nothing_changed=nothing_changed()))
    return emp, found


# --------------------------------------------------------------------------- the screening question


async def screen_form(core: Core, who: Who, p: Payload) -> forms.Form | Outcome:
    """The first form: the screening question (for an issue, or a concern about ``p.subject``)."""

    async def q(s: AsyncSession) -> forms.Form | Outcome:
        person = await find_person(s, who)
        if person is None:
            return Outcome(ok=False, reply=say("not_in_directory", nothing_changed=nothing_changed()))
        try:
            if p.action == Action.RAISE_CONCERN or p.action == SCREEN_CONCERN:
                emp, _ = await concern_target(s, person, p.subject or 0)
                return forms.screen_form(Payload(SCREEN_CONCERN, emp.id), emp.name)
        except Refusal as r:
            return r.outcome
        if not await memberships(s, person):
            return Outcome(ok=False, reply=say("issue.only_members", nothing_changed=nothing_changed()))
        return forms.screen_form(Payload(SCREEN_ISSUE, p.subject))

    return await read(core, q)


async def screened(core: Core, who: Who, p: Payload, answers: dict[str, Any]) -> Outcome:
    """The screening answer: casework is told where it goes (nothing is stored); else the issue form."""
    answer = answers.get("casework")
    if answer == "yes":
        return Outcome(ok=True, reply=say("screen.casework"))  # nothing is written, nor logged
    if answer != "no":
        msg = say_str("screen.answer")
        return Outcome(ok=False, reply=(msg,), errors={"casework": msg})
    form = await issue_form(core, who, p)
    if isinstance(form, Outcome):
        return form
    return Outcome(ok=True, reply=(), next_form=form)


async def issue_form(core: Core, who: Who, p: Payload) -> forms.Form | Outcome:
    """The issue form, for the partnerships the person sits on (or the concern's partnership)."""

    async def q(s: AsyncSession) -> forms.Form | Outcome:
        person = await find_person(s, who)
        if person is None:
            return Outcome(ok=False, reply=say("not_in_directory", nothing_changed=nothing_changed()))
        if p.action in (SCREEN_CONCERN, Action.RAISE_CONCERN):
            try:
                emp, partnership = await concern_target(s, person, p.subject or 0)
            except Refusal as r:
                return r.outcome
            areas = areas_of(await current(s, partnership.id, REMIT))
            return forms.issue_form(Payload(Action.RAISE_CONCERN, emp.id), [], areas, employer=emp.name)
        mine = [m for m, _ in await memberships(s, person) if p.subject is None or m.id == p.subject]
        if not mine:
            return Outcome(ok=False, reply=say("issue.only_members", nothing_changed=nothing_changed()))
        every: list[str] = []
        for m in mine:
            every += [a for a in areas_of(await current(s, m.id, REMIT)) if a not in every]
        subject = mine[0].id if len(mine) == 1 else None
        return forms.issue_form(Payload(Action.RAISE, subject), [(m.id, m.name) for m in mine], every)

    return await read(core, q)


# --------------------------------------------------------------------------- raising


def _chosen(p: Payload, answers: dict[str, Any]) -> int | None:
    if p.subject is not None:
        return p.subject
    chosen = answers.get("partnership")
    return int(chosen) if digits(chosen, 11) else None


async def raise_issue(core: Core, who: Who, p: Payload, answers: dict[str, Any]) -> Outcome:
    """Raise an issue in a partnership (``raise_issue``) or a concern about a scheme member (``raise_concern``)."""
    concern = p.action == Action.RAISE_CONCERN
    t = TABLE.row(Action.RAISE_CONCERN if concern else Action.RAISE)

    async def body(s: AsyncSession) -> Outcome:
        person = await person_of(s, who)
        employer: Employer | None = None
        roles: set[Role] = {Role.RAISER}
        if concern:
            employer, partnership = await concern_target(s, person, p.subject or 0)
        else:
            pid = _chosen(p, answers)
            mine = {m.id: m for m, _ in await memberships(s, person)}
            if not mine:
                raise Refusal(say("issue.only_members", nothing_changed=nothing_changed()))
            if pid is None and len(mine) == 1:
                pid = next(iter(mine))
            if pid not in mine:
                msg = say_str("issue.choose_partnership")
                raise Refusal(f"{msg} {nothing_changed()}", {"partnership": msg})
            partnership = mine[pid]
            roles.add(Role.MEMBER)
        data: IssueIn = read_issue(answers, None)
        areas = areas_of(await current(s, partnership.id, REMIT))
        if data.remit_area == OTHER_AREA:
            if not data.other_area:
                msg = say_str("issue.name_other_area")
                raise Refusal(f"{msg} {nothing_changed()}", {"other_area": msg})
            area, in_remit = data.other_area, False
        else:
            known = next((a for a in areas if a[:150] == data.remit_area or a.lower() == data.remit_area.lower()), None)
            area, in_remit = (known, True) if known else (data.remit_area, False)
        now = core.now()
        issue = Issue(
            partnership_id=partnership.id, employer_id=employer.id if employer else None, stage=Stage.LOCAL.value,
            level=Level.LOCAL.value, revision=1, version=1, title=data.title, description=data.description,
            group_affected=data.group_affected, remit_area=area, in_remit=in_remit, raised_by_id=person.id,
            raised_at=now, stage_since=now, last_activity_at=now, updated_at=now,
        )  # fmt: skip
        s.add(issue)
        await s.flush()
        payload: dict[str, Any] = {"revision": 1, "in_remit": in_remit}
        if employer is not None:
            payload["employer"] = employer.id
        s.add(PartnershipEvent(partnership_id=partnership.id, issue_id=issue.id, at=now, actor_id=person.id,
                               action=t.action, from_stage=None, to_stage=issue.stage, level=issue.level, payload=payload))  # fmt: skip
        await s.flush()
        await s.refresh(issue)
        case = await IssueSteps(core).case_of(s, person, issue)
        case = IssueCase(issue, person, case.roles | roles, case.parties, core=core)
        card = await space_card(s, case, await dossier(s, issue), core)
        notices: list[Notice] = [card, *await missing_from_space(s, partnership, person)]
        if employer is not None and employer.association.nem is not None:
            notices.append(Notice(
                Kind.PROGRESS, to_person(employer.association.nem),
                say_str("concern.nem.headline", employer=employer.name),
                body=(say("concern.nem.body", who=ref(person), employer=employer.name, partnership=partnership.name),),
                next_step=say("concern.nem.next"),
            ))  # fmt: skip
        return Outcome(
            ok=True,
            changed=True,
            reply=say("concern.raised" if concern else "issue.raised", id=issue.id, partnership=partnership.name,
                      employer=employer.name if employer else ""),
            notices=notices,
        )  # fmt: skip

    return await run(core, body)
