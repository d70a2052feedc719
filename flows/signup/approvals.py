"""The Local Association Secretary's and the NEM's decisions: approve, or reject with reasons.

A rejection goes back to the proposer with the reasons and **Revise and resubmit**; the NEM's
approval opens the partner unions' space for the employer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import route
from flows.core import keys
from flows.core.roles import Role
from flows.core.unit import Core, run
from flows.directory import PARTNER_UNIONS, Who
from flows.notices import Kind, Notice, Outcome, PersonRef, Text, ToNational, ToPartnerSpace, text
from flows.privacy.sharing import without_basis
from flows.signup.case import Case, SignupSteps, ref, to_person
from flows.signup.journey import DECISIONS, TABLE, Action
from flows.signup.proposal import approval_request, history_of, proposal_facts, sent_to
from flows.wording import say, say_str
from models.tables import Held, Person
from models.tables import Role as RoleRow


async def decide(
    core: Core,
    who: Who,
    employer_id: int,
    action: Action | str,
    *,
    revision: int | None = None,
    reasons: str | None = None,
) -> Outcome:
    """Approve or reject (Secretary, NEM) or agree or disagree (a partner union), exactly once."""
    act = Action(action)
    if act not in DECISIONS:
        raise ValueError(f"{act} is not a decision")
    if act in (Action.PARTNER_AGREE, Action.PARTNER_DISAGREE):
        from flows.signup.partners import voice

        return await voice(core, who, employer_id, act, revision=revision, reasons=reasons)
    t = TABLE.row(act)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        got = await steps.check(s, t, case, rev=revision, inputs={"reasons": reasons})
        await steps.move(s, t, case, reasons=got.get("reasons"))
        return await _AFTER[act](s, core, case, got.get("reasons"))

    return await run(core, body)


def decided(core: Core, case: Case, role_name: str, verdict: str, reasons: str | None) -> Notice:
    """Replaces an approval request: who decided, what and when, without live buttons."""
    emp, who = case.row, case.person
    return Notice(
        kind=Kind.DECIDED,
        to=to_person(who) if who else ToNational(),
        headline=say_str("decided.headline", verdict=verdict, employer=emp.name),
        body=(say("decided.body", verdict=verdict, who=ref(who), when=core.when(core.now())),),
        facts=proposal_facts(emp) + (((say_str("fact.reasons"), reasons),) if reasons else ()),
        employer_id=emp.id,
        replaces=keys.approval(emp.id, emp.revision, role_name),
    )


def rejected_notices(case: Case, who_role: str, reasons: str | None) -> list[Notice]:
    """The proposer hears why, with Revise and resubmit (and Withdraw)."""
    emp = case.row
    return [
        Notice(
            Kind.REJECTED,
            to_person(emp.proposer),
            say_str("rejected.headline", employer=emp.name),
            body=(say("rejected.body", who=ref(case.person), role=who_role, employer=emp.name),),
            facts=((say_str("fact.reasons"), reasons or ""),),
            buttons=TABLE.offer(case, Action.RESUBMIT, Action.WITHDRAW),
            employer_id=emp.id,
            key=keys.rejected(emp.id, emp.revision),
            next_step=say("rejected.next"),
        )
    ]


async def _secretary_approved(s: AsyncSession, core: Core, case: Case, reasons: str | None) -> Outcome:
    emp = case.row
    nem = emp.association.nem
    routed = await route(s, nem, core.today())
    return Outcome(
        ok=True,
        changed=True,
        employer_id=emp.id,
        reply=text(*say("secretary_approved.reply", employer=emp.name, nem=ref(routed.to)), *sent_to(routed)),
        notices=[
            decided(core, case, "secretary", say_str("verdict.approved"), None),
            approval_request(emp, Role.NEM, history=await history_of(s, core, emp), routed=routed),
            Notice(
                Kind.PROGRESS,
                to_person(emp.proposer),
                say_str("secretary_approved.headline", employer=emp.name),
                body=(say("secretary_approved.body", secretary=ref(case.person), employer=emp.name),),
                employer_id=emp.id,
                next_step=say("secretary_approved.next", nem=ref(nem)),
            ),
        ],
    )


async def _secretary_rejected(s: AsyncSession, core: Core, case: Case, reasons: str | None) -> Outcome:
    emp = case.row
    return Outcome(
        ok=True,
        changed=True,
        employer_id=emp.id,
        reply=say("secretary_rejected.reply", employer=emp.name, proposer=ref(emp.proposer)),
        notices=[
            decided(core, case, "secretary", say_str("verdict.rejected"), reasons),
            *rejected_notices(case, say_str("role_title.secretary"), reasons),
        ],
    )


async def _nem_rejected(s: AsyncSession, core: Core, case: Case, reasons: str | None) -> Outcome:
    emp = case.row
    return Outcome(
        ok=True,
        changed=True,
        employer_id=emp.id,
        reply=say("nem_rejected.reply", employer=emp.name, proposer=ref(emp.proposer)),
        notices=[
            decided(core, case, "nem", say_str("verdict.rejected"), reasons),
            *rejected_notices(case, say_str("role_title.nem"), reasons),
            Notice(
                Kind.PROGRESS,
                to_person(emp.association.secretary),
                say_str("nem_rejected.headline", employer=emp.name),
                body=(say("nem_rejected.body", nem=ref(case.person), employer=emp.name),),
                facts=((say_str("fact.reasons"), reasons or ""),),
                employer_id=emp.id,
                next_step=say("nem_rejected.next", proposer=ref(emp.proposer)),
            ),
        ],
    )


async def partner_reps(s: AsyncSession, assoc_id: int) -> dict[str, list[Person]]:
    rows = await s.execute(
        select(RoleRow.union, Person)
        .join(Person, Person.id == RoleRow.person_id)
        .where(RoleRow.association_id == assoc_id, RoleRow.role == Held.PARTNER_REP)
        .order_by(RoleRow.union, Person.id)
    )
    out: dict[str, list[Person]] = {u: [] for u in PARTNER_UNIONS}
    for union, person in rows:
        out.setdefault(union, []).append(person)
    return out


def partner_request(case: Case, to: ToPartnerSpace, agreed: Mapping[str, tuple[Text, str]] | None = None) -> Notice:
    """The partner unions' request: the root of the consultation's thread, with Agree and
    Disagree. Made again, to replace it, as each union agrees (``agreed``: union -> who, when):
    it then says which unions have answered and which are still to, so nobody answers twice."""
    emp = case.row
    body: list[Text] = [
        say("partner_request.body", proposer=ref(emp.proposer), employer=emp.name),
        say("partner_request.how"),
    ]
    if agreed:
        body += [say("partner_request.agreed", union=u, who=w, when=at) for u, (w, at) in agreed.items()]
        still = [u for u in PARTNER_UNIONS if u not in agreed]
        body.append(say("partner_request.still", unions=", ".join(still)))
    return Notice(
        Kind.PARTNER_REQUEST,
        to,
        say_str("partner_request.headline", employer=emp.name),
        body=tuple(body),
        facts=proposal_facts(emp),
        buttons=TABLE.offer(case, Action.PARTNER_AGREE, Action.PARTNER_DISAGREE),
        employer_id=emp.id,
        key=keys.partner(emp.id, emp.revision) if agreed is None else None,
        replaces=keys.partner(emp.id, emp.revision) if agreed is not None else None,
        next_step=say("partner_request.next"),
    )


def channel_slug(name: str) -> str:
    return ("vws-" + "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split()))[:70]


async def _nem_approved(s: AsyncSession, core: Core, case: Case, reasons: str | None) -> Outcome:
    emp = case.row
    reps = await partner_reps(s, emp.association_id)
    shown = [(p, union) for union, people in reps.items() for p in people]
    shown += [(o, "NASUWT") for o in (emp.proposer, emp.association.secretary) if o is not None]
    unshared = await without_basis(s, shown)  # no basis for showing them to the other unions
    left_out = {p.id for p, _ in unshared}
    members: list[PersonRef] = []
    emails: list[str] = []
    for people in reps.values():
        for p in people:
            if p.id in left_out:
                continue
            if p.slack_id or p.teams_id:
                members.append(PersonRef(p.id, p.label))
            elif p.email:
                emails.append(p.email)
    for officer in (emp.proposer, emp.association.secretary):
        if officer is not None and officer.id not in left_out and PersonRef(officer.id, officer.label) not in members:
            members.append(PersonRef(officer.id, officer.label))
    missing = [u for u in PARTNER_UNIONS if not reps.get(u)]
    notices = [
        decided(core, case, "nem", say_str("verdict.approved"), None),
        partner_request(
            case,
            ToPartnerSpace(
                emp.id,
                open_space=True,
                members=tuple(members),
                invite_emails=tuple(emails),
                name_hint=channel_slug(emp.name),
            ),
        ),
        Notice(
            Kind.PROGRESS,
            to_person(emp.proposer),
            say_str("nem_approved.headline", employer=emp.name),
            body=(say("nem_approved.body", nem=ref(case.person), employer=emp.name),),
            employer_id=emp.id,
            next_step=say("nem_approved.next"),
        ),
    ]
    if missing:
        notices.append(
            Notice(
                Kind.PROGRESS,
                to_person(emp.association.secretary),
                say_str("partner_missing.headline", unions=", ".join(missing)),
                body=(
                    say("partner_missing.body", employer=emp.name, area=emp.association.name, unions=" or ".join(missing)),
                ),
                employer_id=emp.id,
                next_step=say("partner_missing.next"),
            )
        )
    if unshared:
        # Named to the Secretary only within their own union; another union's reps by union and count.
        counts: dict[str, int] = {}
        for _p, u in unshared:
            counts[u] = counts.get(u, 0) + 1
        named = [say_str("sharing.who", name=p.label, union=u) for p, u in unshared if u == "NASUWT"]
        named += [say_str("sharing.reps", n=n, union=u, s="" if n == 1 else "s") for u, n in counts.items() if u != "NASUWT"]
        names = ", ".join(named)
        notices.append(
            Notice(
                Kind.PROGRESS,
                to_person(emp.association.secretary),
                say_str("sharing_missing.headline", employer=emp.name),
                body=(say("sharing_missing.body", names=names),),
                employer_id=emp.id,
                next_step=say("sharing_missing.next"),
            )
        )
    return Outcome(
        ok=True, changed=True, employer_id=emp.id, reply=say("nem_approved.reply", employer=emp.name), notices=notices
    )


_AFTER: dict[Action, Callable[[AsyncSession, Core, Case, str | None], Awaitable[Outcome]]] = {
    Action.SECRETARY_APPROVE: _secretary_approved,
    Action.SECRETARY_REJECT: _secretary_rejected,
    Action.NEM_APPROVE: _nem_approved,
    Action.NEM_REJECT: _nem_rejected,
}
