"""One employer's case as a use case sees it: the row, the person acting and their roles on it.

:class:`SignupSteps` is the sign-up journey's :class:`flows.core.unit.Steps`: how a case is
loaded, who may act in words, the audit event, and how each need is read from a form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import DELEGABLE, LOADED, acting_for_and_around
from flows.core.roles import Role
from flows.core.table import Need, Transition
from flows.core.unit import Core, Refusal, Steps, nothing_changed, roles_named
from flows.directory import Who, find_person
from flows.notices import PersonRef, Text, ToPerson, text
from flows.signup.journey import FINISHED, NOT_MET_OUTCOMES, TABLE, Stage, transition
from flows.wording import day, say, say_str
from models.schemas import PlanIn, ProposalIn, Route, field_errors
from models.tables import Employer, Event, Held, PartnerVoice, Person
from models.tables import Role as RoleRow
from models.workplan import WorkplanError, parse_by_date


def ref(person: Person | None) -> PersonRef | str:
    """A person in a message (a mention where the platform can), or a plain placeholder."""
    return PersonRef(person.id, person.label) if person is not None else say_str("nobody_in_directory")


def to_person(person: Person | None) -> ToPerson:
    """A direct message to a person. Someone missing from the directory (a role left empty) is
    person 0, whom no adapter can reach: the notice is dropped there, and logged without names."""
    return ToPerson(PersonRef(person.id, person.label) if person is not None else PersonRef(0, "nobody"))


class HeldRole(Protocol):
    """A role held (a ``roles`` row, or a person's standing's :class:`~flows.signup.scope.Holding`)."""

    @property
    def role(self) -> str: ...
    @property
    def association_id(self) -> int | None: ...
    @property
    def union(self) -> str: ...


def roles_on(person: Person, emp: Employer, rows: Iterable[HeldRole]) -> tuple[set[Role], set[str]]:
    """The person's roles on one employer's case, and the partner unions they speak for there."""
    roles: set[Role] = set()
    unions: set[str] = set()
    assoc = emp.association
    if person.id == emp.proposer_id:
        roles.add(Role.PROPOSER)
    if person.id in (assoc.secretary_id, assoc.deputy_id):
        roles.add(Role.SECRETARY)
    if person.id == assoc.nem_id:
        roles.add(Role.NEM)
    for r in rows:
        if r.role == Held.NATIONAL_OFFICER:
            roles.add(Role.NATIONAL_OFFICER)
        elif r.association_id == assoc.id and r.role == Held.REP:
            roles.add(Role.REP)
        elif r.association_id == assoc.id and r.role == Held.PARTNER_REP:
            roles.add(Role.PARTNER_REP)
            unions.add(r.union)
    return roles, unions


@dataclass
class Case:
    """An employer's case, loaded for one person."""

    row: Employer
    person: Person | None
    roles: frozenset[Role]
    unions: frozenset[str] = frozenset()  # partner unions the person speaks for here
    voices: dict[str, PartnerVoice] = field(default_factory=dict)  # this revision's voices
    people: dict[int, Person] = field(default_factory=dict)  # who gave those voices
    core: Core | None = None
    previous_principle: int | None = None  # last cycle's, once "objective met" (set by the plan step)
    # people away whose requests come to this person today, with the roles taken on for them here
    acting_for: tuple[tuple[Person, frozenset[Role]], ...] = ()

    def on_behalf_of(self, who: frozenset[Role]) -> Person | None:
        """The absent person this person acts for when taking a row for ``who`` (None: their own)."""
        return next((p for p, roles in self.acting_for if roles & who), None)

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def stage(self) -> Stage:
        return Stage(self.row.stage)

    @property
    def revision(self) -> int:
        return self.row.revision

    @property
    def cycle(self) -> int:
        return self.row.cycle

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def area(self) -> str:
        return self.row.association.name

    def when(self, at: datetime) -> str:
        assert self.core is not None
        return self.core.when(at)

    def today(self) -> date:
        assert self.core is not None
        return self.core.today()

    def ref_of(self, person_id: int | None) -> PersonRef | str:
        return ref(self.people.get(person_id) if person_id is not None else None)


def with_owner(case: Case, owner_person_id: int | None) -> Case:
    """The case as seen for one workplan action: its owner holds the ACTION_OWNER role on it."""
    if case.person is not None and owner_person_id == case.person.id:
        case.roles = case.roles | {Role.ACTION_OWNER}
    return case


async def person_of(s: AsyncSession, who: Who) -> Person:
    """The directory entry of the person acting; refused plainly when they are not in it."""
    person = await find_person(s, who)
    if person is None:
        raise Refusal(say("not_in_directory", nothing_changed=nothing_changed()))
    return person


async def employer_of(s: AsyncSession, employer_id: int) -> Employer:
    emp = await s.get(Employer, employer_id, populate_existing=True)
    if emp is None:
        raise Refusal(say("no_such_employer", id=employer_id, nothing_changed=nothing_changed()))
    s.info.setdefault(LOADED, []).append(emp)  # kept for its notices' readdressing (someone away)
    return emp


_ROLES_ON = select(RoleRow).where(
    RoleRow.person_id == bindparam("person"),
    or_(RoleRow.association_id == bindparam("association"), RoleRow.role == Held.NATIONAL_OFFICER),
)  # fmt: skip
"""The roles a person holds on a case (every click reads them: built once)."""


class SignupSteps(Steps[Case]):
    """The shared steps of the sign-up journey (see :class:`flows.core.unit.Steps`)."""

    table = TABLE
    model = Employer

    async def load(self, s: AsyncSession, who: Who, subject: int) -> Case:
        person = await person_of(s, who)
        emp = await employer_of(s, subject)
        return await self.case_of(s, person, emp)

    async def case_of(self, s: AsyncSession, person: Person | None, emp: Employer) -> Case:
        """The case of ``emp`` as ``person`` sees it (one query for roles, one for voices)."""
        roles: set[Role] = set()
        unions: set[str] = set()
        if person is not None:
            rows = list((await s.execute(_ROLES_ON, {"person": person.id, "association": emp.association_id})).scalars())
            roles, unions = roles_on(person, emp, rows)
        acting: list[tuple[Person, frozenset[Role]]] = []
        if person is not None and self.core is not None:  # someone away may have handed their decisions here to them
            assoc = emp.association  # (who of its officers and its proposer are away: asked in the same query)
            around = (assoc.secretary_id, assoc.deputy_id, assoc.nem_id, emp.proposer_id)
            for absent in await acting_for_and_around(s, person.id, self.core.today(), around):
                their = list(
                    (await s.execute(select(RoleRow).where(RoleRow.person_id == absent.id, RoleRow.association_id == emp.association_id))).scalars()
                )
                got, their_unions = roles_on(absent, emp, their)
                got &= DELEGABLE
                if got:
                    acting.append((absent, frozenset(got)))
                    roles |= got
                    unions |= their_unions if Role.PARTNER_REP in got else set()
        case = Case(emp, person, frozenset(roles), frozenset(unions), core=self.core, acting_for=tuple(acting))
        if emp.stage == Stage.PARTNER_CONSULTATION:
            await self.load_voices(s, case)
        return case

    async def load_voices(self, s: AsyncSession, case: Case) -> None:
        found = await s.execute(
            select(PartnerVoice, Person)
            .join(Person, Person.id == PartnerVoice.person_id)
            .where(PartnerVoice.employer_id == case.id, PartnerVoice.revision == case.revision)
        )
        case.voices, case.people = {}, {}
        for voice, person in found:
            case.voices[voice.union] = voice
            case.people[person.id] = person

    def stale_cycle(self, case: Case, cycle: int) -> Text:
        return say(
            "stale_cycle", old=cycle, employer=case.name, cycle=case.cycle, stage=case.stage.label,
            nothing_changed=nothing_changed(),
        )  # fmt: skip

    def who_may(self, t: Transition, case: Case) -> Text:
        """Who may take the row (the table's ``who``), what it does, and whom to ask by name."""
        names = roles_named(ROLE_NAMES(), t.who, area=case.area)
        return say("only_who.to", names=names, doing=doing(t, case.name), ask=ask_whom(t, case))

    async def why_not(self, s: AsyncSession, t: Transition, case: Case) -> Text:
        """Why this person can't take ``t`` on ``case`` now, in the order they need to hear it:
        not theirs to take (and whose it is), the case has finished (how, and what they can do
        instead), not at this stage, or a guard. Empty when they can."""
        if not (case.roles & t.who):
            return self.who_may(t, case)
        if not t.allows(case.stage):
            if case.stage in FINISHED:
                return await self.finished(s, case)
            return say("cannot_now.doing", doing=doing(t, case.name), stage=case.stage.label)
        for g in t.guards:
            if not g.holds(case):
                return g.refusal(case) if g.refusal else await self.already(s, case, t, None)
        return ()

    async def finished(self, s: AsyncSession, case: Case) -> Text:
        """A revoked or withdrawn case: who ended it, when and why, and what can be done instead."""
        ev = (
            await s.execute(
                select(Event)
                .where(Event.employer_id == case.id, Event.to_stage == str(case.stage))
                .order_by(Event.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        actor = await s.get(Person, ev.actor_id) if ev is not None and ev.actor_id else None
        me = actor is not None and case.person is not None and actor.id == case.person.id
        why = say_str("finished.why", reasons=ev.reasons) if ev is not None and ev.reasons else ""
        return say(
            f"finished.{case.stage.value}",
            employer=case.name,
            who="you" if me else ref(actor),
            when=day(ev.at.astimezone(self.core.tz).date()) if ev is not None else "",
            why=why,
        ) + (" ",) + say("finished.again")

    def event(
        self, case: Case, t: Transition, seen: str, target: str, reasons: str | None, payload: dict[str, Any]
    ) -> Event:
        absent = case.on_behalf_of(t.who)
        if absent is not None and "for" not in payload:
            payload = {**payload, "for": absent.id}  # the audit reads "Y for X"
        return Event(
            employer_id=case.id,
            at=self.core.now(),
            actor_id=case.person.id if case.person else None,
            action=t.action,
            from_stage=seen,
            to_stage=target,
            reasons=reasons,
            payload={"revision": case.revision, **payload},
        )

    async def already(self, s: AsyncSession, case: Case, t: Transition, revision: int | None) -> Text:
        """Why an action can't be taken now: usually, who already decided, what and when; for a
        case that has finished (not by this very action), how it ended and what can be done."""
        stage = case.stage
        if revision is not None and revision != case.revision:
            return say(
                "stale_revision",
                employer=case.name,
                revision=case.revision,
                stage=stage.label,
                nothing_changed=nothing_changed(),
            )
        q = select(Event).where(Event.employer_id == case.id)
        if t.sources:
            q = q.where(Event.from_stage.in_(sorted(t.sources)))
        q = q.where(Event.action.in_(t.rivals or (t.action,)))
        ev = (await s.execute(q.order_by(Event.id.desc()).limit(1))).scalar_one_or_none()
        if stage in FINISHED and not t.allows(stage) and (ev is None or ev.to_stage != stage.value):
            return await self.finished(s, case) + (" ", nothing_changed())  # not ended by a rival: say how it ended
        if ev is not None:
            actor = await s.get(Person, ev.actor_id) if ev.actor_id else None
            me = actor is not None and case.person is not None and actor.id == case.person.id
            return say(
                "already_decided",
                who="You" if me else ref(actor),
                what=transition(ev.action).what,
                when=self.core.when(ev.at),
                nothing_changed=nothing_changed(),
                employer=case.name,
                stage=stage.label,
            )
        return say("cannot_now", employer=case.name, stage=stage.label, nothing_changed=nothing_changed())

    # -------------------------------------------------------------- reading what must be supplied

    needs = {}  # filled in below, once the readers are defined


def doing(t: Transition, employer: str | None = None) -> str:
    """What a row does, as a person would ask to do it: "revoke the membership of {employer}"."""
    return say_str(f"doing.{t.action}", employer=employer or say_str("an_employer"))


def ask_whom(t: Transition, case: Case) -> Text:
    """"Ask X or Y." naming the people who hold the row's roles on the case (none: empty)."""
    emp = case.row
    assoc = emp.association
    people: list[Person] = []
    for role, who in ((Role.PROPOSER, (emp.proposer,)), (Role.SECRETARY, (assoc.secretary, assoc.deputy)),
                      (Role.NEM, (assoc.nem,))):  # fmt: skip
        if role in t.who:
            people += [p for p in who if p is not None and p not in people]
    if not people:
        return ()
    refs: list[PersonRef | str] = []
    for i, p in enumerate(people):
        if i:
            refs.append(", " if i < len(people) - 1 else say_str("or"))
        refs.append(ref(p))
    return say("ask", people=tuple(refs))


def ROLE_NAMES() -> dict[Role, str]:  # noqa: N802 - a table, built on call so the language can change
    return {r: say_str(f"role.{r.value}", area="{area}") for r in Role}


def fix_these(errors: dict[str, str]) -> str:
    return say_str("fix_these", problems="; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items()))


def read_reasons(answers: Mapping[str, Any], case: Any) -> str:
    reasons = answers.get("reasons")
    if not (isinstance(reasons, str) and reasons.strip()):
        raise Refusal(
            text(say_str("give_reasons_reply"), " ", nothing_changed()),
            {"reasons": say_str("give_reasons")},
            getattr(case, "id", None),
        )
    return reasons.strip()


def as_date(value: object) -> date | None:
    """A date from a form: ISO, or as union documents write them (``31/10/2027``, ``End 2027``)."""
    if value is None or isinstance(value, date):
        return value if isinstance(value, date) else None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        try:
            return parse_by_date(value)
        except ValueError:
            return None


def read_review_date(answers: Mapping[str, Any], case: Case) -> date:
    new_date = as_date(answers.get("review_on"))
    if new_date is None:
        msg = say_str("give_review_date")
        raise Refusal(f"{msg} {nothing_changed()}", {"review_on": msg}, case.id)
    if new_date <= case.today():
        msg = say_str("review_date_future")
        raise Refusal(f"{msg} {nothing_changed()}", {"review_on": msg}, case.id)
    return new_date


def read_route(answers: Mapping[str, Any], case: Any) -> Route:
    raw = answers.get("route") or answers.get("value") or ""
    try:
        return Route(str(raw))
    except ValueError:
        raise Refusal(
            say("route_unknown", route=repr(raw), nothing_changed=nothing_changed()),
            {"route": say_str("choose_route")},
        ) from None


def read_proposal(answers: Mapping[str, Any], case: Any) -> ProposalIn:
    if isinstance(answers.get("proposal"), ProposalIn):
        return answers["proposal"]  # type: ignore[no-any-return]
    try:
        return ProposalIn.model_validate(dict(answers.get("proposal") or answers))
    except ValidationError as exc:
        errors = field_errors(exc)
        raise Refusal(fix_these(errors), errors) from None


def read_plan(answers: Mapping[str, Any], case: Any) -> PlanIn:
    if isinstance(answers.get("plan"), PlanIn):
        return answers["plan"]  # type: ignore[no-any-return]
    try:
        return PlanIn.model_validate(dict(answers.get("plan") or answers))
    except (ValidationError, WorkplanError) as exc:
        errors = field_errors(exc)
        raise Refusal(f"{fix_these(errors)} {nothing_changed()}", errors, getattr(case, "id", None)) from None


def read_not_met(answers: Mapping[str, Any], case: Any) -> str:
    outcome = str(answers.get("outcome") or "")
    if outcome not in {a.value for a in NOT_MET_OUTCOMES}:
        msg = say_str("choose_outcome")
        raise Refusal(f"{msg} {nothing_changed()}", {"outcome": msg}, getattr(case, "id", None))
    return outcome


SignupSteps.needs = {
    Need.PROPOSAL: read_proposal,
    Need.REASONS: read_reasons,
    Need.ROUTE: read_route,
    Need.PLAN: read_plan,
    Need.REVIEW_DATE: read_review_date,
    Need.REVIEW_OUTCOME: read_not_met,
}
