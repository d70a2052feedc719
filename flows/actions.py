"""The use cases of the journey: one method per thing a person (or the clock) can do.

Each runs in one transaction: load the case, check the journey table (stage, who, what must be
supplied), move the case with a conditional UPDATE (``WHERE stage = :seen``) so that the same
click arriving twice, or two people clicking at once on two processes, decides exactly once,
append the audit event, and return what should be said to whom (:mod:`flows.notices`).

A refusal or bad input returns ``Outcome(ok=False)`` and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows import drafts
from flows.directory import PARTNER_UNIONS, Who, find_person
from flows.journey import (
    FINISHED,
    IN_SCHEME,
    Action,
    Need,
    Role,
    Stage,
    Transition,
    transition,
)
from flows.notices import (
    Button,
    ButtonStyle,
    Kind,
    Notice,
    Outcome,
    PersonRef,
    Text,
    ToNational,
    ToPartnerSpace,
    ToPerson,
    text,
)
from flows.principles import principle
from flows.workplan import WorkplanError
from models.db import reading
from models.schemas import (
    EmployerKind,
    Origin,
    PlanIn,
    ProposalIn,
    Route,
    field_errors,
)
from models.tables import (
    ActionPlan,
    Employer,
    Event,
    LocalAssociation,
    PartnerVoice,
    Person,
    ProposalRevision,
    WorkplanAction,
)
from models.tables import (
    Role as RoleRow,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

NOTHING_CHANGED = "Nothing has changed."


class Refusal(Exception):
    """Raised inside a use case to stop it: the transaction is rolled back, the person is told why."""

    def __init__(
        self, reply: Text | str, errors: dict[str, str] | None = None, employer_id: int | None = None
    ):
        self.outcome = Outcome(
            ok=False,
            reply=(reply,) if isinstance(reply, str) else reply,
            errors=errors or {},
            employer_id=employer_id,
        )
        super().__init__(self.outcome.reply_text)


def ref(person: Person | None) -> PersonRef | str:
    return PersonRef(person.id, person.label) if person is not None else "(nobody in the directory)"


def to_person(person: Person | None) -> ToPerson:
    """A direct message to a person. Someone missing from the directory (a role left empty) is
    person 0, whom no adapter can reach: the notice is dropped there, and logged without names."""
    return ToPerson(PersonRef(person.id, person.label) if person is not None else PersonRef(0, "nobody"))


def _name_key(name: str) -> str:
    return " ".join(name.lower().split())


def _a_year_on(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


ROLE_NAMES = {
    Role.REP: "an NASUWT rep in {area}",
    Role.PROPOSER: "the rep who proposed it",
    Role.SECRETARY: "the Local Association Secretary for {area} (or their deputy)",
    Role.NEM: "the National Executive Member for {area}",
    Role.PARTNER_REP: "a GMB, UNISON or Unite rep in {area}",
    Role.NATIONAL_OFFICER: "a national officer",
    Role.BOT: "the bot",
}


@dataclass
class Context:
    """What a use case has loaded: the session, the person acting, and their roles on the case."""

    session: AsyncSession
    person: Person | None
    employer: Employer | None = None
    roles: set[Role] = field(default_factory=set)
    unions: set[str] = field(default_factory=set)  # partner unions the person speaks for here


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


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    from_stage: str | None
    to_stage: str
    reasons: str | None
    payload: dict[str, Any]


@dataclass
class StatusView:
    """One person's open items: what waits for them, what they proposed, what falls due next."""

    waiting: list[tuple[EmployerSummary, tuple[Button, ...]]] = field(default_factory=list)
    proposals: list[EmployerSummary] = field(default_factory=list)
    reviews: list[EmployerSummary] = field(default_factory=list)
    deadlines: list[tuple[EmployerSummary, int, str, date, str]] = field(default_factory=list)


class Engine:
    """The journey's public API. Adapters call these methods; they never touch the tables."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] | None = None,
        tz: ZoneInfo | str = "Europe/London",
    ) -> None:
        self.sessions = sessions
        self.clock = clock or (lambda: datetime.now(UTC))
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz

    # ------------------------------------------------------------------ plumbing

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def when(self, at: datetime) -> str:
        local = at.astimezone(self.tz)
        return f"{local.day} {local:%b %Y} at {local:%H:%M}"

    async def _run(self, fn: Callable[[AsyncSession], Awaitable[Outcome]]) -> Outcome:
        try:
            async with self.sessions() as s, s.begin():
                return await fn(s)
        except Refusal as r:
            return r.outcome

    async def _read(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with reading(self.sessions) as s:
            return await fn(s)

    async def _person(self, s: AsyncSession, who: Who) -> Person:
        person = await find_person(s, who)
        if person is None:
            raise Refusal(
                "You're not in the VWS directory yet, so the bot can't act for you. "
                "Ask your Local Association Secretary to add you. " + NOTHING_CHANGED
            )
        return person

    async def _employer(self, s: AsyncSession, employer_id: int) -> Employer:
        emp = await s.get(Employer, employer_id, populate_existing=True)
        if emp is None:
            raise Refusal(f"There is no employer #{employer_id} in the scheme. " + NOTHING_CHANGED)
        return emp

    async def _context(self, s: AsyncSession, who: Who, employer_id: int) -> Context:
        person = await self._person(s, who)
        emp = await self._employer(s, employer_id)
        roles, unions = await self._roles(s, person, emp)
        return Context(s, person, emp, roles, unions)

    async def _roles(
        self, s: AsyncSession, person: Person, emp: Employer, rows: list[RoleRow] | None = None
    ) -> tuple[set[Role], set[str]]:
        roles: set[Role] = set()
        unions: set[str] = set()
        assoc = emp.association
        if person.id == emp.proposer_id:
            roles.add(Role.PROPOSER)
        if person.id in (assoc.secretary_id, assoc.deputy_id):
            roles.add(Role.SECRETARY)
        if person.id == assoc.nem_id:
            roles.add(Role.NEM)
        if rows is None:
            rows = list((await s.execute(select(RoleRow).where(RoleRow.person_id == person.id))).scalars())
        for r in rows:
            if r.role == "national_officer":
                roles.add(Role.NATIONAL_OFFICER)
            elif r.association_id == assoc.id and r.role == "rep":
                roles.add(Role.REP)
            elif r.association_id == assoc.id and r.role == "partner_rep":
                roles.add(Role.PARTNER_REP)
                unions.add(r.union)
        return roles, unions

    def _check(self, ctx: Context, t: Transition, *, reasons: str | None = None) -> None:
        """Right person, right area, and what must be supplied. Raises Refusal."""
        emp = ctx.employer
        assert emp is not None
        if not (ctx.roles & t.who):
            names = [ROLE_NAMES[r].format(area=emp.association.name) for r in Role if r in t.who]
            raise Refusal(
                f"Only {' or '.join(names)} can do that for {emp.name}. " + NOTHING_CHANGED,
                employer_id=emp.id,
            )
        if Need.REASONS in t.needs and not (reasons and reasons.strip()):
            raise Refusal(
                "Please give your reasons. " + NOTHING_CHANGED, {"reasons": "Give your reasons."}, emp.id
            )

    async def _move(
        self,
        ctx: Context,
        t: Transition,
        *,
        revision: int | None = None,
        reasons: str | None = None,
        payload: dict[str, Any] | None = None,
        dest: Stage | None = None,
        values: dict[str, Any] | None = None,
        extra_where: Any = None,
    ) -> tuple[Stage, Stage]:
        """Apply a row of the table with a conditional UPDATE and append its audit event.

        Returns (from, to). Raises Refusal with who decided, what and when if the case is no
        longer where the person saw it (someone else, or the same click, got there first).
        """
        emp = ctx.employer
        assert emp is not None
        seen = Stage(emp.stage)
        if not t.allows(seen) or (revision is not None and revision != emp.revision):
            raise Refusal(await self._already(ctx, t, revision), employer_id=emp.id)
        target = dest or t.dest or seen
        now = self.now()
        conds = [Employer.id == emp.id, Employer.stage == seen.value, Employer.revision == emp.revision]
        if extra_where is not None:
            conds.append(extra_where)
        vals: dict[str, Any] = {"stage": target.value, "version": Employer.version + 1, "updated_at": now}
        if target != seen:
            vals["stage_since"] = now
        vals.update(values or {})
        result = await ctx.session.execute(
            update(Employer).where(*conds).values(**vals).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            await ctx.session.refresh(emp)
            raise Refusal(await self._already(ctx, t, revision), employer_id=emp.id)
        ctx.session.add(
            Event(
                employer_id=emp.id,
                at=now,
                actor_id=ctx.person.id if ctx.person else None,
                action=t.action.value,
                from_stage=seen.value,
                to_stage=target.value,
                reasons=reasons.strip() if reasons else None,
                payload={"revision": emp.revision, **(payload or {})},
            )
        )
        await ctx.session.refresh(emp)
        log.info("employer %s: %s (%s -> %s)", emp.id, t.action.value, seen.value, target.value)
        return seen, target

    async def _already(self, ctx: Context, t: Transition, revision: int | None) -> Text:
        """Why an action can't be taken now: usually, who already decided, what and when."""
        emp = ctx.employer
        assert emp is not None
        s = ctx.session
        stage = Stage(emp.stage)
        if revision is not None and revision != emp.revision:
            return text(
                f"That request was about an earlier version of the proposal for {emp.name}; "
                f"it has been revised since (version {emp.revision}) and is now {stage.label}. ",
                NOTHING_CHANGED,
            )
        q = select(Event).where(Event.employer_id == emp.id)
        if t.sources:
            q = q.where(Event.from_stage.in_([x.value for x in t.sources]))
        decision_actions = _SAME_DECISION.get(t.action, (t.action,))
        q = q.where(Event.action.in_([a.value for a in decision_actions]))
        ev = (await s.execute(q.order_by(Event.id.desc()).limit(1))).scalar_one_or_none()
        if ev is not None:
            actor = await s.get(Person, ev.actor_id) if ev.actor_id else None
            who: PersonRef | str = "You" if actor and ctx.person and actor.id == ctx.person.id else ref(actor)
            return text(
                "Already decided: ",
                who,
                f" {transition(ev.action).what} on {self.when(ev.at)}. {NOTHING_CHANGED} "
                f"{emp.name} is now {stage.label}.",
            )
        return text(f"That can't be done now: {emp.name} is {stage.label}. {NOTHING_CHANGED}")

    # ------------------------------------------------------------------ directory helpers

    async def associations_for(self, who: Who) -> list[str]:
        """The local associations where the person is an NASUWT rep (to preset the proposal form)."""

        async def q(s: AsyncSession) -> list[str]:
            person = await find_person(s, who)
            if person is None:
                return []
            rows = await s.execute(
                select(LocalAssociation.name)
                .join(RoleRow, RoleRow.association_id == LocalAssociation.id)
                .where(RoleRow.person_id == person.id, RoleRow.role == "rep")
                .order_by(LocalAssociation.name)
            )
            return list(rows.scalars())

        return await self._read(q)

    async def propose_form(self, who: Who) -> tuple[list[str], list[str]]:
        """For the proposal form, in one read: every association, and those where the person is a rep."""

        match = [col == value for col, value in ((Person.slack_id, who.slack), (Person.teams_id, who.teams),
                                                  (Person.email, who.email), (Person.id, who.person_id)) if value]
        is_rep = (
            select(RoleRow.id)
            .join(Person, Person.id == RoleRow.person_id)
            .where(RoleRow.association_id == LocalAssociation.id, RoleRow.role == "rep", or_(*match))
            .exists()
            if match else None
        )

        async def q(s: AsyncSession) -> tuple[list[str], list[str]]:
            # One statement: the form is opened on every /vws propose, right after the ack.
            if is_rep is None:
                rows = [(n, False) for n in (await s.execute(select(LocalAssociation.name))).scalars()]
            else:
                rows = [(n, bool(m)) for n, m in (await s.execute(select(LocalAssociation.name, is_rep))).all()]
            rows.sort(key=lambda r: r[0])
            return [n for n, _ in rows], [n for n, mine in rows if mine]

        return await self._read(q)

    async def association_names(self) -> list[str]:
        async def q(s: AsyncSession) -> list[str]:
            return list(
                (await s.execute(select(LocalAssociation.name).order_by(LocalAssociation.name))).scalars()
            )

        return await self._read(q)

    async def _partner_reps(self, s: AsyncSession, assoc_id: int) -> dict[str, list[Person]]:
        rows = await s.execute(
            select(RoleRow.union, Person)
            .join(Person, Person.id == RoleRow.person_id)
            .where(RoleRow.association_id == assoc_id, RoleRow.role == "partner_rep")
            .order_by(RoleRow.union, Person.id)
        )
        out: dict[str, list[Person]] = {u: [] for u in PARTNER_UNIONS}
        for union, person in rows:
            out.setdefault(union, []).append(person)
        return out

    async def _national_officers(self, s: AsyncSession) -> list[Person]:
        rows = await s.execute(
            select(Person)
            .join(RoleRow, RoleRow.person_id == Person.id)
            .where(RoleRow.role == "national_officer")
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ 1. propose, resubmit

    def _proposal(self, data: ProposalIn | dict[str, Any]) -> ProposalIn:
        if isinstance(data, ProposalIn):
            return data
        try:
            return ProposalIn.model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc)
            raise Refusal(
                "Some answers need fixing: "
                + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items()),
                errors,
            ) from None

    async def propose(self, who: Who, data: ProposalIn | dict[str, Any]) -> Outcome:
        """A workplace rep proposes an employer; the Local Association Secretary is asked to decide."""
        t = transition(Action.PROPOSE)

        async def run(s: AsyncSession) -> Outcome:
            person = await self._person(s, who)
            p = self._proposal(data)
            assoc = (
                await s.execute(
                    select(LocalAssociation).where(func.lower(LocalAssociation.name) == p.association.lower())
                )
            ).scalar_one_or_none()
            if assoc is None:
                names = ", ".join((await s.execute(select(LocalAssociation.name).order_by(LocalAssociation.name))).scalars()) or "none yet"
                raise Refusal(
                    f"There is no local association called {p.association!r}. " + NOTHING_CHANGED,
                    {"association": f"Not a local association in the directory. Choose one of: {names}."},
                )
            is_rep = (
                await s.execute(
                    select(RoleRow.id).where(
                        RoleRow.person_id == person.id,
                        RoleRow.association_id == assoc.id,
                        RoleRow.role == "rep",
                    )
                )
            ).first()
            if not is_rep:
                raise Refusal(
                    f"Only an NASUWT rep in {assoc.name} can propose an employer there. If you are one, ask your "
                    "Local Association Secretary to add you to the directory. " + NOTHING_CHANGED
                )
            if assoc.secretary_id is None:
                raise Refusal(
                    f"{assoc.name} has no Local Association Secretary in the directory yet. "
                    + NOTHING_CHANGED
                )
            live = (
                await s.execute(
                    select(Employer).where(
                        Employer.association_id == assoc.id,
                        Employer.name_key == _name_key(p.employer_name),
                        Employer.stage.not_in([x.value for x in FINISHED]),
                    )
                )
            ).scalar_one_or_none()
            if live is not None:
                msg = f"{live.name} is already in the scheme's journey in {assoc.name} ({Stage(live.stage).label})."
                raise Refusal(msg + " Use /vws status to see it. " + NOTHING_CHANGED, {"employer_name": msg})
            now = self.now()
            emp = Employer(
                name=p.employer_name,
                name_key=_name_key(p.employer_name),
                kind=p.employer_kind.value,
                association_id=assoc.id,
                proposer_id=person.id,
                origin=p.origin.value,
                case_for=p.case_for,
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
                    f"{p.employer_name} was proposed in {assoc.name} a moment ago. " + NOTHING_CHANGED
                ) from None
            s.add(
                ProposalRevision(
                    employer_id=emp.id,
                    revision=1,
                    name=emp.name,
                    kind=emp.kind,
                    origin=emp.origin,
                    case_for=emp.case_for,
                    author_id=person.id,
                    created_at=now,
                )
            )
            s.add(
                Event(
                    employer_id=emp.id,
                    at=now,
                    actor_id=person.id,
                    action=t.action.value,
                    from_stage=None,
                    to_stage=emp.stage,
                    payload={"revision": 1},
                )
            )
            await s.flush()
            emp = await self._employer(s, emp.id)
            secretary = emp.association.secretary
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(
                    f"Thanks. Your proposal for {emp.name} has gone to your Local Association Secretary, ",
                    ref(secretary),
                    ". You'll get a message here when they decide.",
                ),
                notices=[self._approval_request(emp, Role.SECRETARY, changes=(), why_rejected=None)],
            )

        return await self._run(run)

    def _proposal_facts(self, emp: Employer) -> tuple[tuple[str, str], ...]:
        return (
            ("Employer", emp.name),
            ("Kind", EmployerKind(emp.kind).label),
            ("Local association", emp.association.name),
            ("Who started it", Origin(emp.origin).label),
            ("Why this employer", emp.case_for),
        )

    def _approval_request(
        self,
        emp: Employer,
        approver: Role,
        *,
        changes: tuple[tuple[str, str], ...] = (),
        why_rejected: str | None = None,
    ) -> Notice:
        assoc = emp.association
        if approver is Role.SECRETARY:
            to, role_name, ok_action, no_action = (
                assoc.secretary,
                "secretary",
                Action.SECRETARY_APPROVE,
                Action.SECRETARY_REJECT,
            )
            after = text(
                "Approve to pass it to the National Executive Member, ",
                ref(assoc.nem),
                ", or reject it with your reasons.",
            )
            intro = text(
                ref(emp.proposer), f" (NASUWT rep) proposes {emp.name} for the Valued Worker Scheme."
            )
        else:
            to, role_name, ok_action, no_action = assoc.nem, "nem", Action.NEM_APPROVE, Action.NEM_REJECT
            after = text(
                "Approve to take it to the local GMB, UNISON and Unite reps, or reject it with your reasons."
            )
            intro = text(
                ref(emp.proposer),
                f" (NASUWT rep) proposes {emp.name} for the Valued Worker Scheme. The Local "
                "Association Secretary, ",
                ref(assoc.secretary),
                ", has approved it.",
            )
        body: list[Text] = [intro]
        if emp.revision > 1:
            body.append(text(f"This is version {emp.revision}, revised after a rejection."))
        facts = self._proposal_facts(emp)
        if why_rejected:
            facts += (("Why it was rejected", why_rejected),)
        if changes:
            facts += changes
        return Notice(
            kind=Kind.APPROVAL_REQUEST,
            to=to_person(to),
            headline=f"Approval needed: {emp.name}",
            body=tuple(body),
            facts=facts,
            buttons=(
                Button(ok_action.value, "Approve", emp.id, emp.revision, style=ButtonStyle.PRIMARY),
                Button(
                    no_action.value,
                    "Reject",
                    emp.id,
                    emp.revision,
                    style=ButtonStyle.DANGER,
                    needs=(Need.REASONS,),
                ),
            ),
            employer_id=emp.id,
            key=f"approval:{emp.id}:r{emp.revision}:{role_name}",
            next_step=after,
        )

    async def resubmit(self, who: Who, employer_id: int, data: ProposalIn | dict[str, Any]) -> Outcome:
        """The proposer revises a rejected proposal; it goes back to the Secretary, showing what changed."""
        t = transition(Action.RESUBMIT)

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t)
            p = self._proposal(data)
            if p.association.lower() != emp.association.name.lower():
                raise Refusal(
                    "A revised proposal stays in the same local association. " + NOTHING_CHANGED,
                    {"association": f"Keep this as {emp.association.name}."},
                    emp.id,
                )
            before = {
                "Employer": emp.name,
                "Kind": EmployerKind(emp.kind).label,
                "Who started it": Origin(emp.origin).label,
                "Why this employer": emp.case_for,
            }
            after = {
                "Employer": p.employer_name,
                "Kind": p.employer_kind.label,
                "Who started it": p.origin.label,
                "Why this employer": p.case_for,
            }
            changes = tuple(
                (f"Changed: {k}", f"was: {before[k]}\nnow: {after[k]}")
                for k in before
                if before[k] != after[k]
            )
            if not changes:
                raise Refusal(
                    "Nothing in the proposal has changed. Revise it to answer the reasons it was rejected. "
                    + NOTHING_CHANGED,
                    {"case_for": "Change the proposal to answer the reasons it was rejected."},
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
            await self._move(
                ctx,
                t,
                payload={
                    "new_revision": new_rev,
                    "changed": [c[0].removeprefix("Changed: ") for c in changes],
                },
                values={
                    "revision": new_rev,
                    "name": p.employer_name,
                    "name_key": _name_key(p.employer_name),
                    "kind": p.employer_kind.value,
                    "origin": p.origin.value,
                    "case_for": p.case_for,
                },
            )
            s.add(
                ProposalRevision(
                    employer_id=emp.id,
                    revision=new_rev,
                    name=p.employer_name,
                    kind=p.employer_kind.value,
                    origin=p.origin.value,
                    case_for=p.case_for,
                    author_id=ctx.person.id if ctx.person else 0,
                    created_at=self.now(),
                )
            )
            await s.flush()
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(
                    f"Your revised proposal for {emp.name} has gone to ",
                    ref(emp.association.secretary),
                    ", who will see what you changed.",
                ),
                notices=[
                    self._approval_request(
                        emp,
                        Role.SECRETARY,
                        changes=changes,
                        why_rejected=last_reject.reasons if last_reject else None,
                    )
                ],
            )

        return await self._run(run)

    # ------------------------------------------------------------------ 2-3. decisions

    async def decide(
        self,
        who: Who,
        employer_id: int,
        action: Action | str,
        *,
        revision: int | None = None,
        reasons: str | None = None,
    ) -> Outcome:
        """Approve or reject (Secretary, NEM) or agree or disagree (a partner union), exactly once."""
        act = Action(action)
        if act not in _DECISIONS:
            raise ValueError(f"{act} is not a decision")
        t = transition(act)

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t, reasons=reasons)
            if act in (Action.PARTNER_AGREE, Action.PARTNER_DISAGREE):
                return await self._partner_voice(ctx, t, revision, reasons)
            await self._move(ctx, t, revision=revision, reasons=reasons)
            return await _DECISION_NOTICES[act](self, ctx, reasons)

        return await self._run(run)

    def _decided(
        self, emp: Employer, ctx: Context, role_name: str, verdict: str, reasons: str | None
    ) -> Notice:
        """Replaces an approval request: who decided, what and when, without live buttons."""
        who = ctx.person
        return Notice(
            kind=Kind.DECIDED,
            to=to_person(who) if who else ToNational(),
            headline=f"{verdict}: {emp.name}",
            body=(text(f"{verdict} by ", ref(who), f" on {self.when(self.now())}."),),
            facts=self._proposal_facts(emp) + ((("Reasons", reasons),) if reasons else ()),
            employer_id=emp.id,
            replaces=f"approval:{emp.id}:r{emp.revision}:{role_name}",
        )

    async def _secretary_approved(self, ctx: Context, reasons: str | None) -> Outcome:
        emp = ctx.employer
        assert emp is not None
        nem = emp.association.nem
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=text(
                f"You approved {emp.name}. It now goes to the National Executive Member, ", ref(nem), "."
            ),
            notices=[
                self._decided(emp, ctx, "secretary", "Approved", None),
                self._approval_request(emp, Role.NEM),
                Notice(
                    Kind.PROGRESS,
                    to_person(emp.proposer),
                    f"Approved by the Secretary: {emp.name}",
                    body=(
                        text(
                            "Good news: ",
                            ref(ctx.person),
                            f", your Local Association Secretary, approved your proposal for {emp.name}.",
                        ),
                    ),
                    employer_id=emp.id,
                    next_step=text(
                        "It is now with the National Executive Member, ",
                        ref(nem),
                        ". Nothing to do yet: you'll hear when they decide.",
                    ),
                ),
            ],
        )

    def _rejected_notices(self, ctx: Context, who_role: str, reasons: str | None) -> list[Notice]:
        emp = ctx.employer
        assert emp is not None
        return [
            Notice(
                Kind.REJECTED,
                to_person(emp.proposer),
                f"Not approved: {emp.name}",
                body=(text(ref(ctx.person), f" ({who_role}) rejected your proposal for {emp.name}."),),
                facts=(("Reasons", reasons or ""),),
                buttons=(
                    Button(
                        Action.RESUBMIT.value,
                        "Revise and resubmit",
                        emp.id,
                        emp.revision,
                        style=ButtonStyle.PRIMARY,
                        needs=(Need.PROPOSAL,),
                    ),
                    Button(Action.WITHDRAW.value, "Withdraw", emp.id, emp.revision),
                ),
                employer_id=emp.id,
                key=f"rejected:{emp.id}:r{emp.revision}",
                next_step=text(
                    "Revise the proposal to answer these reasons and resubmit it, or withdraw it."
                ),
            )
        ]

    async def _secretary_rejected(self, ctx: Context, reasons: str | None) -> Outcome:
        emp = ctx.employer
        assert emp is not None
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=text(f"You rejected {emp.name}. Your reasons have gone to ", ref(emp.proposer), "."),
            notices=[
                self._decided(emp, ctx, "secretary", "Rejected", reasons),
                *self._rejected_notices(ctx, "Local Association Secretary", reasons),
            ],
        )

    async def _nem_rejected(self, ctx: Context, reasons: str | None) -> Outcome:
        emp = ctx.employer
        assert emp is not None
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=text(
                f"You rejected {emp.name}. Your reasons have gone to ",
                ref(emp.proposer),
                " and the Local Association Secretary.",
            ),
            notices=[
                self._decided(emp, ctx, "nem", "Rejected", reasons),
                *self._rejected_notices(ctx, "National Executive Member", reasons),
                Notice(
                    Kind.PROGRESS,
                    to_person(emp.association.secretary),
                    f"NEM rejected: {emp.name}",
                    body=(text(ref(ctx.person), f" (National Executive Member) rejected {emp.name}."),),
                    facts=(("Reasons", reasons or ""),),
                    employer_id=emp.id,
                    next_step=text(ref(emp.proposer), " can revise and resubmit it; you'll be asked again."),
                ),
            ],
        )

    async def _nem_approved(self, ctx: Context, reasons: str | None) -> Outcome:
        emp = ctx.employer
        assert emp is not None
        s = ctx.session
        reps = await self._partner_reps(s, emp.association_id)
        members: list[PersonRef] = []
        emails: list[str] = []
        for people in reps.values():
            for p in people:
                if p.slack_id or p.teams_id:
                    members.append(PersonRef(p.id, p.label))
                elif p.email:
                    emails.append(p.email)
        for officer in (emp.proposer, emp.association.secretary):
            if officer is not None and PersonRef(officer.id, officer.label) not in members:
                members.append(PersonRef(officer.id, officer.label))
        missing = [u for u in PARTNER_UNIONS if not reps.get(u)]
        slug = "vws-" + "-".join("".join(c if c.isalnum() else " " for c in emp.name.lower()).split())
        notices = [
            self._decided(emp, ctx, "nem", "Approved", None),
            Notice(
                Kind.PARTNER_REQUEST,
                ToPartnerSpace(
                    emp.id,
                    open_space=True,
                    members=tuple(members),
                    invite_emails=tuple(emails),
                    name_hint=slug[:70],
                ),
                f"Is {emp.name} suitable for the Valued Worker Scheme?",
                body=(
                    text(
                        ref(emp.proposer),
                        f" (NASUWT) proposes {emp.name}. The Local Association Secretary and the "
                        "National Executive Member have approved it.",
                    ),
                    text(
                        "GMB, UNISON and Unite: please give one answer for your union. Click Agree or Disagree, "
                        "or reply \u201cagree\u201d in this thread."
                    ),
                ),
                facts=self._proposal_facts(emp),
                buttons=(
                    Button(
                        Action.PARTNER_AGREE.value, "Agree", emp.id, emp.revision, style=ButtonStyle.PRIMARY
                    ),
                    Button(
                        Action.PARTNER_DISAGREE.value,
                        "Disagree",
                        emp.id,
                        emp.revision,
                        style=ButtonStyle.DANGER,
                        needs=(Need.REASONS,),
                    ),
                ),
                employer_id=emp.id,
                key=f"partner:{emp.id}:r{emp.revision}",
                next_step=text(
                    "When all three unions agree, you'll choose the route to the employer: a JCC agenda "
                    "item or a joint letter."
                ),
            ),
            Notice(
                Kind.PROGRESS,
                to_person(emp.proposer),
                f"Approved by the NEM: {emp.name}",
                body=(text(ref(ctx.person), f" (National Executive Member) approved {emp.name}."),),
                employer_id=emp.id,
                next_step=text(
                    "The bot has asked the local GMB, UNISON and Unite reps to agree, in a shared "
                    "channel you've been added to."
                ),
            ),
        ]
        if missing:
            notices.append(
                Notice(
                    Kind.PROGRESS,
                    to_person(emp.association.secretary),
                    f"No rep in the directory for {', '.join(missing)}",
                    body=(
                        text(
                            f"{emp.name} needs one voice from each partner union, but {emp.association.name} has no "
                            f"{' or '.join(missing)} rep in the directory."
                        ),
                    ),
                    employer_id=emp.id,
                    next_step=text(
                        "Ask an admin to add them to the directory; they can then agree in the channel."
                    ),
                )
            )
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=text(
                f"You approved {emp.name}. The bot is asking the local GMB, UNISON and Unite reps to agree."
            ),
            notices=notices,
        )

    async def _partner_voice(
        self, ctx: Context, t: Transition, revision: int | None, reasons: str | None
    ) -> Outcome:
        emp = ctx.employer
        assert emp is not None and ctx.person is not None
        s = ctx.session
        if len(ctx.unions) != 1:
            raise Refusal(
                "You are a rep of more than one partner union here; ask an admin to fix the directory. "
                + NOTHING_CHANGED,
                employer_id=emp.id,
            )
        union = next(iter(ctx.unions))
        # Take the case's row lock first (an UPDATE guarded by stage), then read the voices: two
        # unions speaking at once are serialised, so the third "agree" always sees the other two.
        seen = Stage(emp.stage)
        if not t.allows(seen) or (revision is not None and revision != emp.revision):
            raise Refusal(await self._already(ctx, t, revision), employer_id=emp.id)
        locked = await s.execute(
            update(Employer)
            .where(Employer.id == emp.id, Employer.stage == seen.value, Employer.revision == emp.revision)
            .values(version=Employer.version + 1)
            .execution_options(synchronize_session=False)
        )
        if locked.rowcount != 1:  # type: ignore[attr-defined]
            await s.refresh(emp)
            raise Refusal(await self._already(ctx, t, revision), employer_id=emp.id)
        voices = {
            v.union: v
            for v in (
                await s.execute(
                    select(PartnerVoice).where(
                        PartnerVoice.employer_id == emp.id, PartnerVoice.revision == emp.revision
                    )
                )
            ).scalars()
        }
        if union in voices:
            v = voices[union]
            spoke = await s.get(Person, v.person_id)
            verb = "agreed" if v.verdict == "agree" else "disagreed"
            raise Refusal(
                text(
                    f"{union} has already spoken on {emp.name}: ",
                    "you" if spoke and spoke.id == ctx.person.id else ref(spoke),
                    f" {verb} on {self.when(v.at)}. Each union has one voice. {NOTHING_CHANGED}",
                ),
                employer_id=emp.id,
            )
        now = self.now()
        verdict = "agree" if t.action is Action.PARTNER_AGREE else "disagree"
        s.add(
            PartnerVoice(
                employer_id=emp.id,
                revision=emp.revision,
                union=union,
                person_id=ctx.person.id,
                verdict=verdict,
                reasons=reasons,
                at=now,
            )
        )
        await s.flush()
        agreed = sorted(
            {u for u, v in voices.items() if v.verdict == "agree"}
            | ({union} if verdict == "agree" else set())
        )
        waiting = [u for u in PARTNER_UNIONS if u not in agreed]
        if verdict == "disagree":
            await self._move(ctx, t, revision=revision, reasons=reasons, payload={"union": union})
            thread = Notice(
                Kind.PARTNER_VOICE,
                ToPartnerSpace(emp.id),
                f"{union} disagrees: {emp.name}",
                body=(text(ref(ctx.person), f" disagreed for {union}."),),
                facts=(("Reasons", reasons or ""),),
                employer_id=emp.id,
                next_step=text("The proposal goes back to ", ref(emp.proposer), " to revise or withdraw."),
            )
            closed = Notice(
                Kind.DECIDED,
                ToPartnerSpace(emp.id),
                f"Not agreed: {emp.name}",
                body=(text(f"{union} disagreed (", ref(ctx.person), f") on {self.when(now)}."),),
                facts=self._proposal_facts(emp),
                employer_id=emp.id,
                replaces=f"partner:{emp.id}:r{emp.revision}",
            )
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(
                    f"Recorded: {union} disagrees. Your reasons have gone to ", ref(emp.proposer), "."
                ),
                notices=[closed, thread, *self._rejected_notices(ctx, f"{union} rep", reasons)],
            )
        if waiting:
            # Stay in consultation; the event still records who spoke for the union.
            s.add(
                Event(
                    employer_id=emp.id,
                    at=now,
                    actor_id=ctx.person.id,
                    action=t.action.value,
                    from_stage=seen.value,
                    to_stage=seen.value,
                    payload={"revision": emp.revision, "union": union},
                )
            )
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(f"Recorded: {union} agrees."),
                notices=[
                    Notice(
                        Kind.PARTNER_VOICE,
                        ToPartnerSpace(emp.id),
                        f"{union} agrees",
                        body=(text(ref(ctx.person), f" agreed for {union}."),),
                        employer_id=emp.id,
                        next_step=text(f"Still waiting for: {', '.join(waiting)}."),
                    )
                ],
            )
        await self._move(ctx, t, revision=revision, payload={"union": union})
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=text(f"Recorded: {union} agrees. All three partner unions have now agreed."),
            notices=[
                Notice(
                    Kind.DECIDED,
                    ToPartnerSpace(emp.id),
                    f"Agreed: {emp.name}",
                    body=(
                        text(
                            f"GMB, UNISON and Unite all agreed; the last was {union} (",
                            ref(ctx.person),
                            f") on {self.when(now)}.",
                        ),
                    ),
                    facts=self._proposal_facts(emp),
                    employer_id=emp.id,
                    replaces=f"partner:{emp.id}:r{emp.revision}",
                ),
                self._route_request(emp),
                Notice(
                    Kind.PROGRESS,
                    to_person(emp.proposer),
                    f"Partner unions agreed: {emp.name}",
                    body=(text(f"GMB, UNISON and Unite have all agreed that {emp.name} is suitable."),),
                    employer_id=emp.id,
                    next_step=text(
                        "Choose the route to the employer in the shared channel: a JCC agenda item or "
                        "a joint letter."
                    ),
                ),
            ],
        )

    def _route_request(self, emp: Employer) -> Notice:
        return Notice(
            Kind.ROUTE_REQUEST,
            ToPartnerSpace(emp.id),
            "All three partner unions agree",
            body=(
                text(
                    f"GMB, UNISON and Unite all agree that {emp.name} is suitable for the Valued Worker Scheme."
                ),
            ),
            buttons=(
                Button(
                    Action.CHOOSE_ROUTE.value,
                    "JCC agenda item",
                    emp.id,
                    value=Route.JCC.value,
                    style=ButtonStyle.PRIMARY,
                ),
                Button(Action.CHOOSE_ROUTE.value, "Joint letter", emp.id, value=Route.JOINT_LETTER.value),
            ),
            employer_id=emp.id,
            key=f"route:{emp.id}",
            next_step=text(
                "Choose how to approach the employer: put the scheme on the agenda of the next Joint "
                "Consultative Committee, or send a joint letter from the unions. The bot then drafts it."
            ),
        )

    # ------------------------------------------------------------------ 4. route and introduction

    async def choose_route(self, who: Who, employer_id: int, route: Route | str) -> Outcome:
        """Record the route to the employer and post a draft agenda item or letter built from the proposal."""
        t = transition(Action.CHOOSE_ROUTE)
        try:
            r = Route(route)
        except ValueError:
            return Outcome(
                ok=False,
                reply=(f"Route {route!r} is not one of: jcc, joint_letter. " + NOTHING_CHANGED,),
                errors={"route": "Choose a JCC agenda item or a joint letter."},
            )

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t)
            await self._move(ctx, t, payload={"route": r.value}, values={"route": r.value})
            kind = EmployerKind(emp.kind).label
            draft = (drafts.jcc_agenda_item if r is Route.JCC else drafts.joint_letter)(
                emp.name, kind, emp.case_for
            )
            title = "Draft JCC agenda item" if r is Route.JCC else "Draft joint letter"
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(f"Route recorded: {r.label}. A draft is in the channel."),
                notices=[
                    Notice(
                        Kind.DECIDED,
                        ToPartnerSpace(emp.id),
                        f"Route agreed: {r.label}",
                        body=(text("Chosen by ", ref(ctx.person), f" on {self.when(self.now())}."),),
                        employer_id=emp.id,
                        replaces=f"route:{emp.id}",
                    ),
                    Notice(
                        Kind.DRAFT,
                        ToPartnerSpace(emp.id),
                        f"{title} for {emp.name}",
                        body=(text(draft),),
                        buttons=(
                            Button(
                                Action.INTRODUCE.value,
                                "Introduced to the employer",
                                emp.id,
                                style=ButtonStyle.PRIMARY,
                            ),
                        ),
                        employer_id=emp.id,
                        key=f"introduce:{emp.id}",
                        next_step=text(
                            "Edit the draft as you need and use it. When the scheme has been put to the "
                            "employer, click \u201cIntroduced to the employer\u201d."
                        ),
                    ),
                ],
            )

        return await self._run(run)

    async def introduce(self, who: Who, employer_id: int) -> Outcome:
        """The scheme has been introduced to the employer; next, the action plan."""
        t = transition(Action.INTRODUCE)

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t)
            await self._move(ctx, t)
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(f"Recorded: the scheme has been introduced to {emp.name}."),
                notices=[
                    Notice(
                        Kind.DECIDED,
                        ToPartnerSpace(emp.id),
                        f"Introduced to {emp.name}",
                        body=(text("Recorded by ", ref(ctx.person), f" on {self.when(self.now())}."),),
                        employer_id=emp.id,
                        replaces=f"introduce:{emp.id}",
                    ),
                    self._plan_request(emp, "The scheme has been introduced to the employer."),
                ],
            )

        return await self._run(run)

    def _plan_request(self, emp: Employer, why: str, avoid_principle: int | None = None) -> Notice:
        hint = (
            f" It must work towards a different principle from last cycle's (principle {avoid_principle})."
            if avoid_principle
            else ""
        )
        return Notice(
            Kind.PLAN_REQUEST,
            ToPartnerSpace(emp.id),
            f"Action plan needed: {emp.name}",
            body=(text(why),),
            buttons=(
                Button(
                    Action.AGREE_PLAN.value,
                    "Record the action plan",
                    emp.id,
                    style=ButtonStyle.PRIMARY,
                    needs=(Need.PLAN,),
                ),
            ),
            employer_id=emp.id,
            key=f"plan:{emp.id}:c{emp.cycle + 1}",
            next_step=text(
                "When the employer agrees an action plan (one principle, objectives, activities, success "
                f"criteria, a review date and a workplan), record it with /vws plan.{hint}"
            ),
        )

    # ------------------------------------------------------------------ 5-6. action plan, joining, national list

    async def agree_plan(self, who: Who, employer_id: int, data: PlanIn | dict[str, Any]) -> Outcome:
        """Record the action plan the employer agreed. The first one makes the employer a member."""
        t = transition(Action.AGREE_PLAN)

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t)
            if not t.allows(Stage(emp.stage)):
                raise Refusal(await self._already(ctx, t, None), employer_id=emp.id)
            try:
                plan_in = data if isinstance(data, PlanIn) else PlanIn.model_validate(data)
            except (ValidationError, WorkplanError) as exc:
                errors = field_errors(exc)
                raise Refusal(
                    "Some answers need fixing: "
                    + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items())
                    + " "
                    + NOTHING_CHANGED,
                    errors,
                    emp.id,
                ) from None
            previous = (
                await s.execute(
                    select(ActionPlan)
                    .where(ActionPlan.employer_id == emp.id)
                    .order_by(ActionPlan.cycle.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            stage = Stage(emp.stage)
            if (
                stage is Stage.OBJECTIVE_MET
                and previous is not None
                and previous.principle == plan_in.principle
            ):
                msg = f"Last cycle worked on principle {previous.principle}. A new cycle begins with a different principle."
                raise Refusal(msg + " " + NOTHING_CHANGED, {"principle": msg}, emp.id)
            failure = None
            if stage is Stage.NOT_MET:
                ev = (
                    await s.execute(
                        select(Event)
                        .where(Event.employer_id == emp.id, Event.action == Action.NOT_MET_NEW_PLAN.value)
                        .order_by(Event.id.desc())
                        .limit(1)
                    )
                ).scalar_one_or_none()
                failure = ev.reasons if ev else None
            starts = plan_in.starts_on or self.today()
            review = plan_in.review_on or _a_year_on(starts)
            if review <= starts:
                raise Refusal(
                    "The review date must be after the start date. " + NOTHING_CHANGED,
                    {"review_on": "The review date must be after the start date."},
                    emp.id,
                )
            cycle = emp.cycle + 1
            now = self.now()
            first = emp.joined_at is None
            values: dict[str, Any] = {"cycle": cycle}
            if first:
                values["joined_at"] = now
            await self._move(
                ctx,
                t,
                payload={
                    "cycle": cycle,
                    "principle": plan_in.principle,
                    "review_on": review.isoformat(),
                    "workplan_actions": len(plan_in.workplan),
                },
                values=values,
            )
            plan = ActionPlan(
                employer_id=emp.id,
                cycle=cycle,
                principle=plan_in.principle,
                objectives=plan_in.objectives,
                activities=plan_in.activities,
                success_criteria=plan_in.success_criteria,
                starts_on=starts,
                review_on=review,
                previous_failure_reasons=failure,
                agreed_by_id=ctx.person.id if ctx.person else None,
                agreed_at=now,
            )
            s.add(plan)
            await s.flush()
            for a in plan_in.workplan:
                owner = await self._owner(s, a.owner)
                s.add(
                    WorkplanAction(
                        plan_id=plan.id,
                        number=a.number,
                        detail=a.detail,
                        owner=a.owner,
                        owner_person_id=owner.id if owner else None,
                        by_date=a.by_date,
                        by_date_text=a.by_date_text or a.by_date.isoformat(),
                    )
                )
            await s.flush()
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(
                    f"Action plan recorded for {emp.name}: "
                    f"{principle(plan.principle).title}. Review due {plan.review_on:%d %B %Y}."
                    + (" The employer has joined the scheme." if first else "")
                ),
                notices=self._joined_notices(emp, plan, plan_in, ctx, first),
            )

        return await self._run(run)

    async def _owner(self, s: AsyncSession, owner: str) -> Person | None:
        """The directory person a workplan owner refers to, if it names one (a mention, ID or e-mail)."""
        o = owner.strip().removeprefix("<@").removesuffix(">").split("|")[0].strip()
        for col in (Person.slack_id, Person.teams_id, Person.email):
            p = (await s.execute(select(Person).where(func.lower(col) == o.lower()))).scalar_one_or_none()
            if p is not None:
                return p
        return None

    def _plan_facts(self, plan: ActionPlan, plan_in: PlanIn) -> tuple[tuple[str, str], ...]:
        facts: tuple[tuple[str, str], ...] = (
            ("Principle", principle(plan.principle).title),
            ("Objectives", plan.objectives),
            ("Activities", plan.activities),
            ("Success criteria", plan.success_criteria),
            ("Review date", f"{plan.review_on:%d %B %Y}"),
        )
        if plan.previous_failure_reasons:
            facts += (("Why the last plan did not succeed", plan.previous_failure_reasons),)
        if plan_in.workplan:
            facts += (
                (
                    "Workplan",
                    "\n".join(
                        f"{a.number}. {a.detail} ({a.owner}, by {a.by_date_text or a.by_date})"
                        for a in plan_in.workplan
                    ),
                ),
            )
        return facts

    def _joined_notices(
        self, emp: Employer, plan: ActionPlan, plan_in: PlanIn, ctx: Context, first: bool
    ) -> list[Notice]:
        facts = self._plan_facts(plan, plan_in)
        assoc = emp.association
        if first:
            return [
                Notice(
                    Kind.JOINED,
                    ToPartnerSpace(emp.id),
                    f"{emp.name} has joined the Valued Worker Scheme",
                    body=(
                        text("The employer agreed its first action plan, recorded by ", ref(ctx.person), "."),
                    ),
                    facts=facts,
                    employer_id=emp.id,
                    next_step=text(
                        f"Work to the plan. The bot will remind you of workplan deadlines and of the "
                        f"review on {plan.review_on:%d %B %Y}."
                    ),
                ),
                Notice(
                    Kind.JOINED,
                    to_person(assoc.nem),
                    f"{emp.name} has joined the Valued Worker Scheme",
                    body=(text(f"{emp.name} ({assoc.name}) has agreed its first action plan."),),
                    facts=facts,
                    employer_id=emp.id,
                    next_step=text(
                        "The national union has been told, so it can add the employer to the list "
                        "and send the logo. Nothing else to do."
                    ),
                ),
                Notice(
                    Kind.NATIONAL,
                    ToNational(),
                    f"New member of the Valued Worker Scheme: {emp.name}",
                    body=(
                        text(
                            f"{emp.name}, a {EmployerKind(emp.kind).label} in {assoc.name} ({assoc.region}), "
                            "has agreed its first action plan. Its NEM is ",
                            ref(assoc.nem),
                            ".",
                        ),
                    ),
                    facts=(
                        ("Principle", principle(plan.principle).title),
                        ("Review date", f"{plan.review_on:%d %B %Y}"),
                    ),
                    buttons=(
                        Button(
                            Action.ADDED_TO_LIST.value, "Added to list", emp.id, style=ButtonStyle.PRIMARY
                        ),
                        Button(Action.LOGO_SENT.value, "Logo sent", emp.id),
                    ),
                    employer_id=emp.id,
                    key=f"national:{emp.id}",
                    next_step=text(
                        "Add the employer to the national list and send the logo, then click the "
                        "buttons to record each."
                    ),
                ),
            ]
        return [
            Notice(
                Kind.JOINED,
                ToPartnerSpace(emp.id),
                f"New cycle for {emp.name}: cycle {plan.cycle}",
                body=(text("A new action plan was agreed, recorded by ", ref(ctx.person), "."),),
                facts=facts,
                employer_id=emp.id,
                next_step=text(f"Work to the plan. The review is due on {plan.review_on:%d %B %Y}."),
            ),
            Notice(
                Kind.PROGRESS,
                to_person(assoc.nem),
                f"New action plan: {emp.name}",
                body=(text(f"{emp.name} ({assoc.name}) has begun cycle {plan.cycle} of the scheme."),),
                facts=facts[:1] + facts[4:5],
                employer_id=emp.id,
                next_step=text("Nothing to do."),
            ),
        ]

    async def record_national(self, who: Who, employer_id: int, action: Action | str) -> Outcome:
        """A national officer records that the employer is on the list, or that the logo was sent."""
        act = Action(action)
        if act not in (Action.ADDED_TO_LIST, Action.LOGO_SENT):
            raise ValueError(f"{act} is not a national record")
        t = transition(act)
        column = Employer.added_to_list_at if act is Action.ADDED_TO_LIST else Employer.logo_sent_at

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t)
            if getattr(emp, column.key) is not None:
                raise Refusal(await self._already(ctx, t, None), employer_id=emp.id)
            await self._move(ctx, t, values={column.key: self.now()}, extra_where=column.is_(None))
            done = "added to the national list" if act is Action.ADDED_TO_LIST else "sent the logo"
            lines = []
            for label, at in (("Added to the list", emp.added_to_list_at), ("Logo sent", emp.logo_sent_at)):
                lines.append(text(f"{label}: " + (self.when(at) if at else "not yet")))
            remaining = [
                b
                for b, at in (
                    (
                        Button(
                            Action.ADDED_TO_LIST.value, "Added to list", emp.id, style=ButtonStyle.PRIMARY
                        ),
                        emp.added_to_list_at,
                    ),
                    (Button(Action.LOGO_SENT.value, "Logo sent", emp.id), emp.logo_sent_at),
                )
                if at is None
            ]
            tell = (
                f"{emp.name} is now on the national list of Valued Worker Scheme employers."
                if act is Action.ADDED_TO_LIST
                else f"The national union has sent the scheme's logo to {emp.name}."
            )
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(f"Recorded: {emp.name}, {done}."),
                notices=[
                    Notice(
                        Kind.NATIONAL,
                        ToNational(),
                        f"Valued Worker Scheme: {emp.name}",
                        body=(
                            text(f"{emp.name} ({emp.association.name})."),
                            *lines,
                            text("Last recorded by ", ref(ctx.person), "."),
                        ),
                        buttons=tuple(remaining),
                        employer_id=emp.id,
                        replaces=f"national:{emp.id}",
                        key=f"national:{emp.id}",
                        next_step=text(
                            "Nothing more to do." if not remaining else "Click the other button when done."
                        ),
                    ),
                    Notice(
                        Kind.PROGRESS,
                        ToPartnerSpace(emp.id),
                        tell,
                        employer_id=emp.id,
                        next_step=text("Nothing to do."),
                    ),
                ],
            )

        return await self._run(run)

    # ------------------------------------------------------------------ 7. reviews, revocation, withdrawal

    async def _current_plan(self, s: AsyncSession, emp: Employer) -> ActionPlan | None:
        return (
            await s.execute(
                select(ActionPlan).where(ActionPlan.employer_id == emp.id, ActionPlan.cycle == emp.cycle)
            )
        ).scalar_one_or_none()

    def _review_buttons(self, emp: Employer) -> tuple[Button, ...]:
        return (
            Button(Action.OBJECTIVE_MET.value, "Objective met", emp.id, style=ButtonStyle.PRIMARY),
            Button("not_met", "Not met", emp.id, needs=(Need.REASONS, Need.REVIEW_DATE)),
        )

    async def review_falls_due(self, employer_id: int) -> Outcome:
        """The clock marks a review due when its date comes; those who review it are asked."""
        t = transition(Action.REVIEW_FALLS_DUE)

        async def run(s: AsyncSession) -> Outcome:
            emp = await self._employer(s, employer_id)
            ctx = Context(s, None, emp, {Role.BOT})
            plan = await self._current_plan(s, emp)
            if plan is None or plan.review_on > self.today():
                raise Refusal(f"{emp.name}'s review is not due yet.", employer_id=emp.id)
            await self._move(ctx, t, payload={"review_on": plan.review_on.isoformat()})
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(f"{emp.name}: review due."),
                notices=self.review_due_notices(emp, plan),
            )

        return await self._run(run)

    def review_due_notices(self, emp: Employer, plan: ActionPlan, lead: str = "") -> list[Notice]:
        """The review request, to the partner thread, the proposer and the Secretary (also used by reminders)."""
        p = principle(plan.principle)
        head = f"Review due: {emp.name}" + (f" ({lead})" if lead else "")
        body = (
            text(f"{emp.name}'s action plan ({p.title}) is due for review on {plan.review_on:%d %B %Y}."),
        )
        nxt = text(
            "Has the objective been met? Click Objective met, or Not met to extend the review or agree a new plan."
        )
        out = []
        for to in (
            ToPartnerSpace(emp.id),
            to_person(emp.proposer),
            to_person(emp.association.secretary),
        ):
            out.append(
                Notice(
                    Kind.REVIEW_DUE,
                    to,
                    head,
                    body=body,
                    facts=(("Objectives", plan.objectives), ("Success criteria", plan.success_criteria)),
                    buttons=self._review_buttons(emp),
                    employer_id=emp.id,
                    next_step=nxt,
                )
            )
        return out

    async def review(
        self,
        who: Who,
        employer_id: int,
        outcome: Action | str,
        *,
        reasons: str | None = None,
        new_review_date: date | str | None = None,
    ) -> Outcome:
        """Record a review: objective met (a new cycle follows), or not met (extend, or a new plan)."""
        act = Action(outcome)
        if act not in (Action.OBJECTIVE_MET, Action.NOT_MET_EXTEND, Action.NOT_MET_NEW_PLAN):
            raise ValueError(f"{act} is not a review outcome")
        t = transition(act)

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t, reasons=reasons)
            plan = await self._current_plan(s, emp)
            if plan is None:
                raise Refusal(
                    f"{emp.name} has no action plan to review. " + NOTHING_CHANGED, employer_id=emp.id
                )
            payload: dict[str, Any] = {"cycle": plan.cycle, "principle": plan.principle}
            if act is Action.NOT_MET_EXTEND:
                new_date = _as_date(new_review_date)
                if new_date is None:
                    raise Refusal(
                        "Give the new review date. " + NOTHING_CHANGED,
                        {"review_on": "Give the new review date."},
                        emp.id,
                    )
                if new_date <= self.today():
                    raise Refusal(
                        "The new review date must be in the future. " + NOTHING_CHANGED,
                        {"review_on": "The new review date must be in the future."},
                        emp.id,
                    )
                payload |= {"old_review_on": plan.review_on.isoformat(), "review_on": new_date.isoformat()}
            await self._move(ctx, t, reasons=reasons, payload=payload)
            p = principle(plan.principle)
            if act is Action.OBJECTIVE_MET:
                plan.status = "met"
                notices = [
                    self._plan_request(
                        emp,
                        f"Review: {emp.name} met its objective ({p.title}). The cycle "
                        "begins again with a new action plan.",
                        avoid_principle=plan.principle,
                    )
                ]
                reply = text(
                    f"Recorded: {emp.name} met its objective. Next, agree a new action plan on a different principle."
                )
                who_told = "Objective met"
            elif act is Action.NOT_MET_EXTEND:
                plan.review_on = _as_date(new_review_date)  # type: ignore[assignment]
                notices = []
                reply = text(
                    f"Recorded: objective not yet met; the review of {emp.name} moves to {plan.review_on:%d %B %Y}."
                )
                who_told = f"Not met: review extended to {plan.review_on:%d %B %Y}"
            else:
                plan.status = "not_met"
                notices = [
                    self._plan_request(
                        emp,
                        f"Review: {emp.name} did not meet its objective. A new action plan "
                        "is to be agreed; the reasons the last one failed are recorded with it.",
                    )
                ]
                reply = text(
                    f"Recorded: {emp.name} did not meet its objective. Next, agree a new action plan."
                )
                who_told = "Not met: a new action plan to agree"
            await s.flush()
            info = Notice(
                Kind.REVIEWED,
                ToPartnerSpace(emp.id),
                f"Review of {emp.name}: {who_told}",
                body=(text("Recorded by ", ref(ctx.person), f" on {self.when(self.now())}."),),
                facts=(("Reasons", reasons),) if reasons else (),
                employer_id=emp.id,
            )
            nem = Notice(
                Kind.REVIEWED,
                to_person(emp.association.nem),
                f"Review of {emp.name}: {who_told}",
                body=(text(f"{emp.name} ({emp.association.name}), cycle {plan.cycle}, {p.title}."),),
                facts=(("Reasons", reasons),) if reasons else (),
                employer_id=emp.id,
                next_step=text("For your information; nothing to do."),
            )
            return Outcome(
                ok=True, changed=True, employer_id=emp.id, reply=reply, notices=[info, *notices, nem]
            )

        return await self._run(run)

    async def revoke(self, who: Who, employer_id: int, reasons: str | None) -> Outcome:
        """Revoke an employer's membership (it acted outwith the agreed policy); it leaves the list."""
        t = transition(Action.REVOKE)

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t, reasons=reasons)
            await self._move(ctx, t, reasons=reasons, values={"left_list_at": self.now()})
            plan = await self._current_plan(s, emp)
            if plan is not None and plan.status == "active":
                plan.status = "revoked"
            facts = (("Reasons", reasons or ""),)
            was_listed = emp.added_to_list_at is not None
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(
                    f"{emp.name}'s membership of the Valued Worker Scheme is revoked. The national union, "
                    "the NEM and the local reps have been told."
                ),
                notices=[
                    Notice(
                        Kind.REVOKED,
                        ToNational(),
                        f"Revoked: {emp.name}",
                        body=(
                            text(
                                f"{emp.name} ({emp.association.name}) is no longer in the Valued Worker Scheme. "
                                "Revoked by ",
                                ref(ctx.person),
                                f" on {self.when(self.now())}.",
                            ),
                        ),
                        facts=facts,
                        employer_id=emp.id,
                        next_step=text(
                            "Take the employer off the national list."
                            if was_listed
                            else "It was not yet on the national list; nothing to remove."
                        ),
                    ),
                    Notice(
                        Kind.REVOKED,
                        ToPartnerSpace(emp.id),
                        f"Revoked: {emp.name}",
                        body=(text("Revoked by ", ref(ctx.person), "."),),
                        facts=facts,
                        employer_id=emp.id,
                    ),
                    *[
                        Notice(
                            Kind.REVOKED,
                            to_person(p),
                            f"Revoked: {emp.name}",
                            body=(
                                text(
                                    f"{emp.name}'s membership of the scheme was revoked by ",
                                    ref(ctx.person),
                                    ".",
                                ),
                            ),
                            facts=facts,
                            employer_id=emp.id,
                            next_step=text("Nothing to do."),
                        )
                        for p in _distinct(emp.association.nem, emp.association.secretary, emp.proposer)
                        if p is not None and (ctx.person is None or p.id != ctx.person.id)
                    ],
                ],
            )

        return await self._run(run)

    async def withdraw(self, who: Who, employer_id: int, reasons: str | None = None) -> Outcome:
        """The proposer or Secretary drops a proposal before the employer joins."""
        t = transition(Action.WITHDRAW)

        async def run(s: AsyncSession) -> Outcome:
            ctx = await self._context(s, who, employer_id)
            emp = ctx.employer
            assert emp is not None
            self._check(ctx, t)
            seen, _ = await self._move(ctx, t, reasons=reasons)
            notices: list[Notice] = []
            pending = {Stage.AWAITING_SECRETARY: "secretary", Stage.AWAITING_NEM: "nem"}.get(seen)
            if pending:
                approver = emp.association.secretary if pending == "secretary" else emp.association.nem
                notices.append(
                    Notice(
                        Kind.DECIDED,
                        to_person(approver),
                        f"Withdrawn: {emp.name}",
                        body=(
                            text(
                                "Withdrawn by ",
                                ref(ctx.person),
                                f" on {self.when(self.now())}. No decision is needed.",
                            ),
                        ),
                        employer_id=emp.id,
                        replaces=f"approval:{emp.id}:r{emp.revision}:{pending}",
                    )
                )
            if seen not in (Stage.AWAITING_SECRETARY, Stage.AWAITING_NEM, Stage.REJECTED):
                notices.append(
                    Notice(
                        Kind.WITHDRAWN,
                        ToPartnerSpace(emp.id),
                        f"Withdrawn: {emp.name}",
                        body=(text("The proposal was withdrawn by ", ref(ctx.person), "."),),
                        facts=(("Reasons", reasons),) if reasons else (),
                        employer_id=emp.id,
                        next_step=text("Nothing more to do."),
                    )
                )
            for p in _distinct(emp.proposer, emp.association.secretary):
                if p is not None and ctx.person is not None and p.id != ctx.person.id:
                    notices.append(
                        Notice(
                            Kind.WITHDRAWN,
                            to_person(p),
                            f"Withdrawn: {emp.name}",
                            body=(text("The proposal was withdrawn by ", ref(ctx.person), "."),),
                            facts=(("Reasons", reasons),) if reasons else (),
                            employer_id=emp.id,
                        )
                    )
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(f"The proposal for {emp.name} is withdrawn."),
                notices=notices,
            )

        return await self._run(run)

    async def complete_action(self, who: Who, action_id: int) -> Outcome:
        """Mark a workplan action done (its owner, the proposer or the Secretary); its reminders stop."""

        async def run(s: AsyncSession) -> Outcome:
            wa = await s.get(WorkplanAction, action_id)
            if wa is None:
                raise Refusal(f"There is no workplan action #{action_id}. " + NOTHING_CHANGED)
            plan = await s.get(ActionPlan, wa.plan_id)
            assert plan is not None
            ctx = await self._context(s, who, plan.employer_id)
            emp = ctx.employer
            assert emp is not None and ctx.person is not None
            if not (ctx.roles & {Role.PROPOSER, Role.SECRETARY} or wa.owner_person_id == ctx.person.id):
                raise Refusal(
                    "Only the action's owner, the rep who proposed the employer or the Local Association "
                    "Secretary can mark it done. " + NOTHING_CHANGED,
                    employer_id=emp.id,
                )
            now = self.now()
            done = await s.execute(
                update(WorkplanAction)
                .where(WorkplanAction.id == wa.id, WorkplanAction.status == "open")
                .values(status="done", done_at=now)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise Refusal(
                    f"Action {wa.number} was already marked done. " + NOTHING_CHANGED, employer_id=emp.id
                )
            s.add(
                Event(
                    employer_id=emp.id,
                    at=now,
                    actor_id=ctx.person.id,
                    action="workplan_action_done",
                    from_stage=emp.stage,
                    to_stage=emp.stage,
                    payload={"cycle": plan.cycle, "number": wa.number},
                )
            )
            return Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=text(f"Action {wa.number} marked done."),
                notices=[
                    Notice(
                        Kind.PROGRESS,
                        ToPartnerSpace(emp.id),
                        f"Workplan action {wa.number} done",
                        body=(text(wa.detail),),
                        employer_id=emp.id,
                    )
                ],
            )

        return await self._run(run)

    # ------------------------------------------------------------------ reading

    def _summary(self, emp: Employer, plan: ActionPlan | None) -> EmployerSummary:
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
        )

    async def _summaries(self, s: AsyncSession, where: Any = None) -> list[EmployerSummary]:
        q = (
            select(Employer, ActionPlan)
            .outerjoin(
                ActionPlan, and_(ActionPlan.employer_id == Employer.id, ActionPlan.cycle == Employer.cycle)
            )
            .join(LocalAssociation, LocalAssociation.id == Employer.association_id)
            .order_by(Employer.name, Employer.id)
        )
        if where is not None:
            q = q.where(where)
        rows = (await s.execute(q)).all()
        return [self._summary(emp, plan) for emp, plan in rows]

    async def summary(self, employer_id: int) -> EmployerSummary | None:
        async def q(s: AsyncSession) -> EmployerSummary | None:
            found = await self._summaries(s, Employer.id == employer_id)
            return found[0] if found else None

        return await self._read(q)

    async def find(self, query: str) -> list[EmployerSummary]:
        """Employers whose name contains the words (or ``#12`` for one by number)."""
        q = query.strip()

        async def run(s: AsyncSession) -> list[EmployerSummary]:
            if q.lstrip("#").isdigit():
                return await self._summaries(s, Employer.id == int(q.lstrip("#")))
            exact = await self._summaries(s, Employer.name_key == _name_key(q))
            if exact:
                return exact
            return await self._summaries(s, Employer.name_key.contains(_name_key(q)))

        return await self._read(run)

    async def register(self, *, everyone: bool = False) -> list[EmployerSummary]:
        """The employers in the scheme (or, with ``everyone``, every case) with stage, principle and review date."""

        async def run(s: AsyncSession) -> list[EmployerSummary]:
            where = None if everyone else Employer.stage.in_([x.value for x in IN_SCHEME])
            return await self._summaries(s, where)

        return await self._read(run)

    async def audit(self, employer_id: int) -> list[AuditLine]:
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
            return [
                AuditLine(
                    e.at,
                    p.label if p else "the bot",
                    e.action,
                    e.from_stage,
                    e.to_stage,
                    e.reasons,
                    dict(e.payload or {}),
                )
                for e, p in rows
            ]

        return await self._read(run)

    async def plan_of(self, employer_id: int) -> tuple[ActionPlan, list[WorkplanAction]] | None:
        async def run(s: AsyncSession) -> tuple[ActionPlan, list[WorkplanAction]] | None:
            emp = await s.get(Employer, employer_id)
            if emp is None:
                return None
            plan = await self._current_plan(s, emp)
            if plan is None:
                return None
            acts = list(
                (
                    await s.execute(
                        select(WorkplanAction)
                        .where(WorkplanAction.plan_id == plan.id)
                        .order_by(WorkplanAction.number)
                    )
                ).scalars()
            )
            return plan, acts

        return await self._read(run)

    async def actionable(self, who: Who, action: Action | str) -> list[EmployerSummary]:
        """The employers on which this person may take ``action`` now (to fill a form's employer list)."""
        t = transition(action)

        async def run(s: AsyncSession) -> list[EmployerSummary]:
            person = await find_person(s, who)
            if person is None or not t.sources:
                return []
            rows = list((await s.execute(select(RoleRow).where(RoleRow.person_id == person.id))).scalars())
            candidates = await self._summaries(s, Employer.stage.in_([x.value for x in t.sources]))
            out = []
            for summ in candidates:
                emp = await s.get(Employer, summ.id)
                assert emp is not None
                roles, _ = await self._roles(s, person, emp, rows)
                if roles & t.who:
                    out.append(summ)
            return out

        return await self._read(run)

    async def proposal_of(self, employer_id: int) -> dict[str, str] | None:
        """The proposal as it stands, to fill the "revise and resubmit" form."""

        async def run(s: AsyncSession) -> dict[str, str] | None:
            emp = await s.get(Employer, employer_id)
            if emp is None:
                return None
            return {"employer_name": emp.name, "employer_kind": emp.kind, "association": emp.association.name,
                    "case_for": emp.case_for, "origin": emp.origin}

        return await self._read(run)

    async def previous_principles(self, employer_ids: list[int]) -> dict[int, int]:
        """Last cycle's principle for each employer (a new cycle after "objective met" must differ)."""

        async def run(s: AsyncSession) -> dict[int, int]:
            rows = await s.execute(select(ActionPlan.employer_id, ActionPlan.principle)
                                   .join(Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle))
                                   .where(ActionPlan.employer_id.in_(employer_ids),
                                          Employer.stage == Stage.OBJECTIVE_MET.value))
            return {e: p for e, p in rows}

        return await self._read(run)

    async def status_for(self, who: Who) -> StatusView | None:
        """What waits for this person, what they proposed, and the next reviews and deadlines in their areas."""

        async def run(s: AsyncSession) -> StatusView | None:
            person = await find_person(s, who)
            if person is None:
                return None
            view = StatusView()
            roles = list((await s.execute(select(RoleRow).where(RoleRow.person_id == person.id))).scalars())
            areas = {r.association_id for r in roles if r.association_id}
            partner_areas = {r.association_id for r in roles if r.role == "partner_rep"}
            national = any(r.role == "national_officer" for r in roles)
            officer_of = list(
                (
                    await s.execute(
                        select(LocalAssociation).where(
                            or_(
                                LocalAssociation.secretary_id == person.id,
                                LocalAssociation.deputy_id == person.id,
                                LocalAssociation.nem_id == person.id,
                            )
                        )
                    )
                ).scalars()
            )
            areas |= {a.id for a in officer_of}
            sec_areas = {a.id for a in officer_of if person.id in (a.secretary_id, a.deputy_id)}
            nem_areas = {a.id for a in officer_of if a.nem_id == person.id}
            live = await self._summaries(s, Employer.stage.not_in([x.value for x in FINISHED]))
            emps = {
                e.id: e
                for e in (
                    await s.execute(select(Employer).where(Employer.id.in_([x.id for x in live])))
                ).scalars()
            }
            my_unions = {r.union for r in roles if r.role == "partner_rep"}
            spoken = {
                (v.employer_id, v.revision, v.union)
                for v in (await s.execute(select(PartnerVoice))).scalars()
            }
            for summ in live:
                emp = emps[summ.id]
                a_id = emp.association_id
                buttons: tuple[Button, ...] = ()
                if summ.stage is Stage.AWAITING_SECRETARY and a_id in sec_areas:
                    buttons = (
                        Button(
                            Action.SECRETARY_APPROVE.value,
                            "Approve",
                            emp.id,
                            emp.revision,
                            style=ButtonStyle.PRIMARY,
                        ),
                        Button(
                            Action.SECRETARY_REJECT.value,
                            "Reject",
                            emp.id,
                            emp.revision,
                            style=ButtonStyle.DANGER,
                            needs=(Need.REASONS,),
                        ),
                    )
                elif summ.stage is Stage.AWAITING_NEM and a_id in nem_areas:
                    buttons = (
                        Button(
                            Action.NEM_APPROVE.value,
                            "Approve",
                            emp.id,
                            emp.revision,
                            style=ButtonStyle.PRIMARY,
                        ),
                        Button(
                            Action.NEM_REJECT.value,
                            "Reject",
                            emp.id,
                            emp.revision,
                            style=ButtonStyle.DANGER,
                            needs=(Need.REASONS,),
                        ),
                    )
                elif (
                    summ.stage is Stage.PARTNER_CONSULTATION
                    and a_id in partner_areas
                    and any((emp.id, emp.revision, u) not in spoken for u in my_unions)
                ):
                    buttons = (
                        Button(
                            Action.PARTNER_AGREE.value,
                            "Agree",
                            emp.id,
                            emp.revision,
                            style=ButtonStyle.PRIMARY,
                        ),
                        Button(
                            Action.PARTNER_DISAGREE.value,
                            "Disagree",
                            emp.id,
                            emp.revision,
                            style=ButtonStyle.DANGER,
                            needs=(Need.REASONS,),
                        ),
                    )
                elif emp.proposer_id == person.id or a_id in sec_areas:
                    if summ.stage is Stage.REJECTED and emp.proposer_id == person.id:
                        buttons = (
                            Button(
                                Action.RESUBMIT.value,
                                "Revise and resubmit",
                                emp.id,
                                emp.revision,
                                needs=(Need.PROPOSAL,),
                            ),
                            Button(Action.WITHDRAW.value, "Withdraw", emp.id),
                        )
                    elif summ.stage is Stage.ROUTE_AGREED:
                        buttons = (Button(Action.INTRODUCE.value, "Introduced to the employer", emp.id),)
                    elif summ.stage in (Stage.EMPLOYER_INTRODUCED, Stage.OBJECTIVE_MET, Stage.NOT_MET):
                        buttons = (
                            Button(
                                Action.AGREE_PLAN.value, "Record the action plan", emp.id, needs=(Need.PLAN,)
                            ),
                        )
                    elif summ.stage is Stage.REVIEW_DUE:
                        buttons = self._review_buttons(emp)
                if summ.stage is Stage.PARTNERS_AGREED and (
                    a_id in partner_areas or emp.proposer_id == person.id or a_id in sec_areas
                ):
                    buttons = (
                        Button(Action.CHOOSE_ROUTE.value, "JCC agenda item", emp.id, value=Route.JCC.value),
                        Button(
                            Action.CHOOSE_ROUTE.value, "Joint letter", emp.id, value=Route.JOINT_LETTER.value
                        ),
                    )
                if (
                    national
                    and summ.stage in IN_SCHEME
                    and (summ.added_to_list_at is None or summ.logo_sent_at is None)
                ):
                    buttons = tuple(
                        b
                        for b, at in (
                            (
                                Button(Action.ADDED_TO_LIST.value, "Added to list", emp.id),
                                summ.added_to_list_at,
                            ),
                            (Button(Action.LOGO_SENT.value, "Logo sent", emp.id), summ.logo_sent_at),
                        )
                        if at is None
                    )
                if buttons:
                    view.waiting.append((summ, buttons))
                if emp.proposer_id == person.id:
                    view.proposals.append(summ)
                if summ.review_on and summ.stage in IN_SCHEME and (a_id in areas or national):
                    view.reviews.append(summ)
            view.reviews.sort(key=lambda e: e.review_on or date.max)
            view.reviews = view.reviews[:10]
            acts = (
                await s.execute(
                    select(WorkplanAction, ActionPlan.employer_id)
                    .join(ActionPlan, ActionPlan.id == WorkplanAction.plan_id)
                    .join(
                        Employer,
                        and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle),
                    )
                    .where(
                        WorkplanAction.status == "open",
                        Employer.stage.in_([x.value for x in IN_SCHEME]),
                        or_(
                            WorkplanAction.owner_person_id == person.id,
                            Employer.proposer_id == person.id,
                            Employer.association_id.in_(sec_areas),
                        ),
                    )
                    .order_by(WorkplanAction.by_date)
                    .limit(10)
                )
            ).all()
            by_id = {e.id: e for e in live}
            for wa, emp_id in acts:
                if emp_id in by_id:
                    view.deadlines.append((by_id[emp_id], wa.number, wa.detail, wa.by_date, wa.by_date_text))
            return view

        return await self._read(run)


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        from flows.workplan import parse_by_date

        try:
            return parse_by_date(value)
        except ValueError:
            return None


def _distinct(*people: Person | None) -> list[Person]:
    seen: set[int] = set()
    out = []
    for p in people:
        if p is not None and p.id not in seen:
            seen.add(p.id)
            out.append(p)
    return out


_DECISIONS = {
    Action.SECRETARY_APPROVE,
    Action.SECRETARY_REJECT,
    Action.NEM_APPROVE,
    Action.NEM_REJECT,
    Action.PARTNER_AGREE,
    Action.PARTNER_DISAGREE,
}
# When telling someone a decision was already taken, the rival decisions count too.
_SAME_DECISION: dict[Action, tuple[Action, ...]] = {
    Action.SECRETARY_APPROVE: (Action.SECRETARY_APPROVE, Action.SECRETARY_REJECT, Action.WITHDRAW),
    Action.SECRETARY_REJECT: (Action.SECRETARY_APPROVE, Action.SECRETARY_REJECT, Action.WITHDRAW),
    Action.NEM_APPROVE: (Action.NEM_APPROVE, Action.NEM_REJECT, Action.WITHDRAW),
    Action.NEM_REJECT: (Action.NEM_APPROVE, Action.NEM_REJECT, Action.WITHDRAW),
    Action.PARTNER_AGREE: (Action.PARTNER_AGREE, Action.PARTNER_DISAGREE, Action.WITHDRAW),
    Action.PARTNER_DISAGREE: (Action.PARTNER_AGREE, Action.PARTNER_DISAGREE, Action.WITHDRAW),
    Action.OBJECTIVE_MET: (
        Action.OBJECTIVE_MET,
        Action.NOT_MET_EXTEND,
        Action.NOT_MET_NEW_PLAN,
        Action.REVOKE,
    ),
    Action.NOT_MET_EXTEND: (
        Action.OBJECTIVE_MET,
        Action.NOT_MET_EXTEND,
        Action.NOT_MET_NEW_PLAN,
        Action.REVOKE,
    ),
    Action.NOT_MET_NEW_PLAN: (
        Action.OBJECTIVE_MET,
        Action.NOT_MET_EXTEND,
        Action.NOT_MET_NEW_PLAN,
        Action.REVOKE,
    ),
}

_DECISION_NOTICES: dict[Action, Callable[[Engine, Context, str | None], Awaitable[Outcome]]] = {
    Action.SECRETARY_APPROVE: Engine._secretary_approved,
    Action.SECRETARY_REJECT: Engine._secretary_rejected,
    Action.NEM_APPROVE: Engine._nem_approved,
    Action.NEM_REJECT: Engine._nem_rejected,
}
