"""A rep proposes an employer; a rejected proposal is revised and resubmitted.

Both end with an approval request to the Local Association Secretary, who sees (on a
resubmission) what changed and why it was rejected.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import Routed, route
from flows.core import keys
from flows.core.roles import Role
from flows.core.unit import Core, Refusal, nothing_changed, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome, Text, text
from flows.signup.case import Case, SignupSteps, employer_of, person_of, read_proposal, ref, to_person
from flows.signup.journey import FINISHED, TABLE, Action, Stage
from flows.wording import day, say, say_str
from models.schemas import EmployerKind, Origin, ProposalIn
from models.tables import Employer, Event, Held, LocalAssociation, Person, ProposalRevision
from models.tables import Role as RoleRow


def name_key(name: str) -> str:
    return " ".join(name.lower().split())


def proposal_facts(emp: Employer) -> tuple[tuple[str, str], ...]:
    return (
        (say_str("fact.employer"), emp.name),
        (say_str("fact.kind"), EmployerKind(emp.kind).label),
        (say_str("fact.association"), emp.association.name),
        (say_str("fact.origin"), Origin(emp.origin).label),
        (say_str("fact.case_for"), emp.case_for),
        *(((say_str("fact.to_employer"), emp.to_employer),) if emp.to_employer else ()),
    )


def approval_request(
    emp: Employer,
    approver: Role,
    *,
    changes: tuple[tuple[str, str], ...] = (),
    why_rejected: str | None = None,
    history: tuple[tuple[str, str], ...] = (),
    routed: Routed | None = None,
) -> Notice:
    """The request to the Secretary (or the NEM) to approve or reject, with the row's buttons
    (``history``: how earlier proposals of the same employer ended, see :func:`history_of`); to
    whoever acts for them when they are away (``routed``: :func:`flows.away.delegation.route`)."""
    case = Case(emp, None, frozenset())
    assoc = emp.association
    if approver is Role.SECRETARY:
        to, role_name, actions = assoc.secretary, "secretary", (Action.SECRETARY_APPROVE, Action.SECRETARY_REJECT)
        after = say("approval.secretary.next", nem=ref(assoc.nem))
        intro = say("approval.secretary.intro", proposer=ref(emp.proposer), employer=emp.name)
    else:
        to, role_name, actions = assoc.nem, "nem", (Action.NEM_APPROVE, Action.NEM_REJECT)
        after = say("approval.nem.next")
        intro = say(
            "approval.nem.intro", proposer=ref(emp.proposer), employer=emp.name, secretary=ref(assoc.secretary)
        )
    body: list[Text] = [intro]
    if routed is not None and routed.redirected:
        to = routed.to
        body.insert(0, say("away.acting_for", absent=ref(routed.passed[0].person), until=routed.passed[0].until))
    if emp.revision > 1:
        body.append(say("approval.revised", revision=emp.revision))
    facts = proposal_facts(emp)
    if why_rejected:
        facts += ((say_str("fact.why_rejected"), why_rejected),)
    if changes:
        facts += changes
    facts += history
    return Notice(
        kind=Kind.APPROVAL_REQUEST,
        to=to_person(to),
        headline=say_str("approval.headline", employer=emp.name),
        body=tuple(body),
        facts=facts,
        buttons=TABLE.offer(case, *actions),
        employer_id=emp.id,
        key=keys.approval(emp.id, emp.revision, role_name),
        next_step=after,
        acting_for=routed.passed[0].person.id if routed is not None and routed.redirected else None,
    )


#: The steps of an earlier case that the approvers of a new one should know of.
HISTORY = (Action.SECRETARY_REJECT, Action.NEM_REJECT, Action.PARTNER_DISAGREE, Action.WITHDRAW, Action.AGREE_PLAN,
           Action.REVOKE)  # fmt: skip


def _history() -> Any:
    earlier = select(Employer.id).where(
        Employer.association_id == bindparam("association"),
        Employer.name_key == bindparam("key"),
        Employer.id != bindparam("id"),
        Employer.stage.in_([x.value for x in FINISHED]),
    )
    return (
        select(Event, Person)
        .outerjoin(Person, Person.id == Event.actor_id)
        .where(Event.employer_id.in_(earlier), Event.action.in_([a.value for a in HISTORY]))
        .order_by(Event.at, Event.id)
        .limit(20)
    )


_HISTORY = _history()
"""Built once: every approval request reads it."""


async def history_of(s: AsyncSession, core: Core, emp: Employer) -> tuple[tuple[str, str], ...]:
    """How earlier proposals of the same employer (same name, same local association) went, for
    the Secretary and the NEM: each rejection, the joining, the revocation or withdrawal, when,
    by whom and the reasons given. Empty for an employer proposed for the first time."""
    rows = (await s.execute(_HISTORY, {"association": emp.association_id, "key": emp.name_key, "id": emp.id})).all()
    lines = []
    for ev, actor in rows:
        if ev.action == Action.AGREE_PLAN and ev.from_stage != Stage.EMPLOYER_INTRODUCED:
            continue  # a later cycle's plan: the joining is what matters here
        line = say_str(f"history.{ev.action}", when=day(ev.at.astimezone(core.tz).date()),
                       who=actor.label if actor else say_str("nobody_in_directory"))  # fmt: skip
        lines.append(line + (say_str("history.reasons", reasons=ev.reasons) if ev.reasons else ""))
    return ((say_str("fact.history"), "\n".join(lines)),) if lines else ()


def sent_to(routed: Routed) -> Text:
    """What the requester is told when the request went to someone acting for an absent person:
    " X is away until <date>; sent to Y." (nothing when it went where it was meant)."""
    if not routed.redirected:
        return ()
    away = routed.passed[0]
    return (" ", *say("away.sent_to", absent=ref(away.person), until=away.until, delegate=ref(routed.to)))


async def waiting_for(s: AsyncSession, person: Person, today: date, *, back: bool = False) -> list[Notice]:
    """The approval requests waiting for ``person`` now, sent again to whoever acts for them
    today (when they have just said they are away from today), or to them (``back``: they ended
    their absence early). Scoped to their associations."""
    routed = await route(s, person, today)
    if not routed.redirected and not back:
        return []
    found = (
        await s.execute(
            select(Employer)
            .join(LocalAssociation, LocalAssociation.id == Employer.association_id)
            .where(
                or_(
                    and_(Employer.stage == Stage.AWAITING_SECRETARY.value, LocalAssociation.secretary_id == person.id),
                    and_(Employer.stage == Stage.AWAITING_NEM.value, LocalAssociation.nem_id == person.id),
                )
            )
            .order_by(Employer.id)
        )
    ).unique().scalars().all()
    return [
        approval_request(e, Role.SECRETARY if e.stage == Stage.AWAITING_SECRETARY.value else Role.NEM, routed=routed)
        for e in found
    ]


async def _association(s: AsyncSession, name: str) -> LocalAssociation:
    assoc = (
        await s.execute(select(LocalAssociation).where(func.lower(LocalAssociation.name) == name.lower()))
    ).scalar_one_or_none()
    if assoc is None:
        names = ", ".join(
            (await s.execute(select(LocalAssociation.name).order_by(LocalAssociation.name))).scalars()
        ) or say_str("none_yet")
        raise Refusal(
            say("propose.no_association", association=repr(name), nothing_changed=nothing_changed()),
            {"association": say_str("propose.no_association.field", names=names)},
        )
    return assoc


async def propose(core: Core, who: Who, data: ProposalIn | dict[str, Any]) -> Outcome:
    """A workplace rep proposes an employer; the Local Association Secretary is asked to decide."""
    t = TABLE.row(Action.PROPOSE)

    async def body(s: AsyncSession) -> Outcome:
        person = await person_of(s, who)
        p = read_proposal({"proposal": data}, None)
        assoc = await _association(s, p.association)
        is_rep = (
            await s.execute(
                select(RoleRow.id).where(
                    RoleRow.person_id == person.id, RoleRow.association_id == assoc.id, RoleRow.role == Held.REP
                )
            )
        ).first()
        if not is_rep:
            raise Refusal(say("propose.not_a_rep", area=assoc.name, nothing_changed=nothing_changed()))
        if assoc.secretary_id is None:
            raise Refusal(say("propose.no_secretary", area=assoc.name, nothing_changed=nothing_changed()))
        live = (
            await s.execute(
                select(Employer).where(
                    Employer.association_id == assoc.id,
                    Employer.name_key == name_key(p.employer_name),
                    Employer.stage.not_in([x.value for x in FINISHED]),
                )
            )
        ).scalar_one_or_none()
        if live is not None:
            msg = say_str("propose.live", employer=live.name, area=assoc.name, stage=Stage(live.stage).label)
            raise Refusal(say("propose.live.reply", problem=msg, nothing_changed=nothing_changed()), {"employer_name": msg})
        now = core.now()
        emp = Employer(
            name=p.employer_name,
            name_key=name_key(p.employer_name),
            kind=p.employer_kind.value,
            association_id=assoc.id,
            proposer_id=person.id,
            origin=p.origin.value,
            case_for=p.case_for,
            to_employer=p.to_employer,
            stage=Stage.AWAITING_SECRETARY.value,
            stage_since=now,
            created_at=now,
            updated_at=now,
        )
        s.add(emp)
        try:
            await s.flush()
        except IntegrityError:
            raise Refusal(
                say("propose.just_now", employer=p.employer_name, area=assoc.name, nothing_changed=nothing_changed())
            ) from None
        s.add(
            ProposalRevision(
                employer_id=emp.id, revision=1, name=emp.name, kind=emp.kind, origin=emp.origin,
                case_for=emp.case_for, to_employer=emp.to_employer, author_id=person.id, created_at=now,
            )
        )  # fmt: skip
        s.add(
            Event(
                employer_id=emp.id, at=now, actor_id=person.id, action=t.action, from_stage=None,
                to_stage=emp.stage, payload={"revision": 1},
            )
        )  # fmt: skip
        await s.flush()
        emp = await employer_of(s, emp.id)
        routed = await route(s, emp.association.secretary, core.today())
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=text(*say("propose.done", employer=emp.name, secretary=ref(routed.to)), *sent_to(routed)),
            notices=[approval_request(emp, Role.SECRETARY, history=await history_of(s, core, emp), routed=routed)],
        )

    return await run(core, body)


async def resubmit(core: Core, who: Who, employer_id: int, data: ProposalIn | dict[str, Any]) -> Outcome:
    """The proposer revises a rejected proposal; it goes back to the Secretary, showing what changed."""
    t = TABLE.row(Action.RESUBMIT)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        emp = case.row
        p: ProposalIn = (await steps.check(s, t, case, inputs={"proposal": data}))["proposal"]
        if p.association.lower() != emp.association.name.lower():
            raise Refusal(
                say("resubmit.same_area", nothing_changed=nothing_changed()),
                {"association": say_str("resubmit.same_area.field", area=emp.association.name)},
                emp.id,
            )
        labels = {k: say_str(f"fact.{k}") for k in ("employer", "kind", "origin", "case_for", "to_employer")}
        before = {
            labels["employer"]: emp.name,
            labels["kind"]: EmployerKind(emp.kind).label,
            labels["origin"]: Origin(emp.origin).label,
            labels["case_for"]: emp.case_for,
            labels["to_employer"]: emp.to_employer or say_str("resubmit.empty"),
        }
        after = {
            labels["employer"]: p.employer_name,
            labels["kind"]: p.employer_kind.label,
            labels["origin"]: p.origin.label,
            labels["case_for"]: p.case_for,
            labels["to_employer"]: p.to_employer or say_str("resubmit.empty"),
        }
        changes = tuple(
            (say_str("resubmit.changed", field=k), say_str("resubmit.was_now", was=before[k], now=after[k]))
            for k in before
            if before[k] != after[k]
        )
        if not changes:
            raise Refusal(
                say("resubmit.unchanged", nothing_changed=nothing_changed()),
                {"case_for": say_str("resubmit.unchanged.field")},
                emp.id,
            )
        last_reject = (
            await s.execute(
                select(Event)
                .where(Event.employer_id == emp.id, Event.to_stage == Stage.REJECTED.value)
                .order_by(Event.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        new_rev = emp.revision + 1
        changed = [k for k in before if before[k] != after[k]]
        await steps.move(
            s,
            t,
            case,
            payload={"new_revision": new_rev, "changed": changed},
            values={
                "revision": new_rev,
                "name": p.employer_name,
                "name_key": name_key(p.employer_name),
                "kind": p.employer_kind.value,
                "origin": p.origin.value,
                "case_for": p.case_for,
                "to_employer": p.to_employer,
            },
        )
        s.add(
            ProposalRevision(
                employer_id=emp.id, revision=new_rev, name=p.employer_name, kind=p.employer_kind.value,
                origin=p.origin.value, case_for=p.case_for, to_employer=p.to_employer,
                author_id=case.person.id if case.person else 0,
                created_at=core.now(),
            )
        )  # fmt: skip
        await s.flush()
        routed = await route(s, emp.association.secretary, core.today())
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=text(*say("resubmit.done", employer=emp.name, secretary=ref(routed.to)), *sent_to(routed)),
            notices=[
                Notice(  # the rejection's buttons are spent: it says what became of it
                    Kind.DECIDED,
                    to_person(emp.proposer),
                    say_str("rejected.resubmitted.headline", employer=emp.name),
                    body=(say("rejected.resubmitted.body", who=ref(case.person), when=core.when(core.now())),),
                    employer_id=emp.id,
                    replaces=keys.rejected(emp.id, new_rev - 1),
                ),
                approval_request(
                    emp,
                    Role.SECRETARY,
                    changes=changes,
                    why_rejected=last_reject.reasons if last_reject else None,
                    history=await history_of(s, core, emp),
                    routed=routed,
                )
            ],
        )

    return await run(core, body)


async def proposal_of(core: Core, employer_id: int) -> dict[str, str] | None:
    """The proposal as it stands, to fill the "revise and resubmit" form."""
    async with core.sessions() as s:
        emp = await s.get(Employer, employer_id)
        if emp is None:
            return None
        return {
            "employer_name": emp.name,
            "employer_kind": emp.kind,
            "association": emp.association.name,
            "case_for": emp.case_for,
            "to_employer": emp.to_employer or "",
            "origin": emp.origin,
        }
