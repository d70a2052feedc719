"""An adoption (and a contract within it) as a use case sees it, and their steps on the core.

:class:`AdoptionSteps` and :class:`ContractSteps` are :class:`flows.core.unit.Steps`: how a case
is loaded with the person's roles on it, who may act in words, the audit event (``code_events``),
and how each need is read from a form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import Acting, for_whom, taken_on
from flows.bestvalue.process import (
    COMMITTEE_OUTCOMES,
    CONTRACT_TABLE,
    POSITIONS,
    RESPONSE_STAGE,
    TABLE,
    ContractStage,
    Stage,
)
from flows.bestvalue.template import Code, code_of
from flows.core.forms import digits
from flows.core.roles import Role
from flows.core.table import Need, Transition
from flows.core.unit import Core, Refusal, Steps, nothing_changed, roles_named
from flows.notices import PersonRef, Text, ToPerson
from flows.signup.case import ROLE_NAMES, fix_these, person_of, read_reasons, ref
from flows.wording import say, say_str
from models.bestvalue import (
    AdoptionBranch,
    ClausePosition,
    CodeAdoption,
    CodeContract,
    CodeEvent,
    CodeIndicator,
    CommitteeOutcome,
)
from models.code_schemas import ContractIn, IndicatorIn, financial_year, number
from models.schemas import field_errors
from models.tables import Held, Person
from models.tables import Role as RoleRow


def to(person: Person | None) -> ToPerson:
    return ToPerson(PersonRef(person.id, person.label) if person is not None else PersonRef(0, "nobody"))


@dataclass
class AdoptionCase:
    """An adoption, loaded for one person: their roles, the code it uses, every branch's positions."""

    row: CodeAdoption
    person: Person | None
    roles: frozenset[Role]
    code: Code
    branches: tuple[str, ...]  # the unions whose branches take part
    unions: frozenset[str] = frozenset()  # the branches (of those) the person speaks for
    positions: dict[tuple[int, str], ClausePosition] = field(default_factory=dict)
    outcomes: dict[int, CommitteeOutcome] = field(default_factory=dict)
    core: Core | None = None
    acting_for: Acting = ()  # people away whose requests come to this person today, with the roles taken on here

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
        return 0

    @property
    def name(self) -> str:
        return self.row.employer_name

    @property
    def area(self) -> str:
        return self.row.association.name

    def when(self, at: datetime) -> str:
        assert self.core is not None
        return self.core.when(at)

    def settled(self, clause_id: int) -> bool:
        """Every branch has spoken on the clause, and none of them parked it."""
        for union in self.branches:
            p = self.positions.get((clause_id, union))
            if p is None or p.position == "park":
                return False
        return True

    def unsettled(self) -> list[str]:
        return [c.ref for c in self.code.clauses if not self.settled(c.id)]

    def waiting_on(self, union: str) -> list[str]:
        """The clauses a branch has not yet given a position on (or parked)."""
        out = []
        for c in self.code.clauses:
            p = self.positions.get((c.id, union))
            if p is None or p.position == "park":
                out.append(c.ref)
        return out

    def counts(self) -> list[tuple[int, str, int, int]]:
        """(section number, title, settled, total) for each section."""
        return [
            (s.number, s.title, sum(1 for c in self.code.in_section(s.number) if self.settled(c.id)),
             len(self.code.in_section(s.number)))
            for s in self.code.sections
        ]  # fmt: skip

    def undecided(self) -> list[str]:
        """Clauses without a committee outcome yet."""
        return [c.ref for c in self.code.clauses if c.id not in self.outcomes]


@dataclass
class ContractCase:
    """A contract within an adoption, for one person (their roles are those on the adoption)."""

    row: CodeContract
    adoption: AdoptionCase

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def stage(self) -> ContractStage:
        return ContractStage(self.row.stage)

    @property
    def revision(self) -> int:
        return self.row.revision

    @property
    def cycle(self) -> int:
        return 0

    @property
    def roles(self) -> frozenset[Role]:
        return self.adoption.roles

    @property
    def person(self) -> Person | None:
        return self.adoption.person

    @property
    def name(self) -> str:
        return f"{self.row.contract} ({self.row.contractor})"


async def adoption_case(s: AsyncSession, core: Core, person: Person | None, row: CodeAdoption) -> AdoptionCase:
    """The adoption as ``person`` sees it: roles, the code, the branches, positions and outcomes."""
    code = await code_of(s, row.template_id)
    branches = tuple(
        (await s.execute(select(AdoptionBranch.union).where(AdoptionBranch.adoption_id == row.id)
                         .order_by(AdoptionBranch.id))).scalars()
    )  # fmt: skip
    roles, unions = await _roles_on(s, person, row, branches)
    acting: Acting = ()
    if person is not None and core is not None and hasattr(core, "today"):  # someone away may have handed theirs to them

        async def theirs(absent: Person) -> set[Role]:
            return (await _roles_on(s, absent, row, branches))[0]

        acting = await taken_on(s, person, core.today(), theirs)
        for absent, got in acting:
            roles |= got
            if Role.BRANCH_REP in got:
                unions |= (await _roles_on(s, absent, row, branches))[1]
    case = AdoptionCase(row, person, frozenset(roles), code, branches, frozenset(unions), core=core, acting_for=acting)
    await load_positions(s, case)
    return case


async def _roles_on(s: AsyncSession, person: Person | None, row: CodeAdoption, branches: tuple[str, ...]) -> tuple[set[Role], set[str]]:
    """A person's roles on an adoption, and the branches (of those taking part) they speak for."""
    roles: set[Role] = set()
    unions: set[str] = set()
    if person is not None:
        assoc = row.association
        if person.id == row.lead_id:
            roles.add(Role.LEAD)
        if person.id in (assoc.secretary_id, assoc.deputy_id):
            roles.add(Role.SECRETARY)
        held = (await s.execute(select(RoleRow.union).where(
            RoleRow.person_id == person.id, RoleRow.association_id == row.association_id,
            RoleRow.role == Held.BRANCH_REP))).scalars()  # fmt: skip
        unions = {u for u in held if u in branches}
        if unions:
            roles.add(Role.BRANCH_REP)
    return roles, unions


async def load_positions(s: AsyncSession, case: AdoptionCase) -> None:
    found = (await s.execute(select(ClausePosition).where(ClausePosition.adoption_id == case.id))).scalars()
    case.positions = {(p.clause_id, p.union): p for p in found}
    outcomes = (await s.execute(select(CommitteeOutcome).where(CommitteeOutcome.adoption_id == case.id))).scalars()
    case.outcomes = {o.clause_id: o for o in outcomes}


async def adoption_of(s: AsyncSession, adoption_id: int) -> CodeAdoption:
    row = await s.get(CodeAdoption, adoption_id, populate_existing=True)
    if row is None:
        raise Refusal(say("code.no_such_adoption", id=adoption_id, nothing_changed=nothing_changed()))
    return row


def with_owner(case: AdoptionCase, indicator: CodeIndicator | None) -> AdoptionCase:
    if indicator is not None and case.person is not None and indicator.owner_id == case.person.id:
        case.roles = case.roles | {Role.INDICATOR_OWNER}
    return case


class _CodeSteps:
    """What both tables share: who may act, in words, and who already did it."""

    core: Core
    table: Any

    def who_may(self, t: Transition, case: Any) -> Text:
        names = roles_named(ROLE_NAMES(), t.who, area=_adoption(case).area)
        return say("only_who", names=names, employer=case.name)

    async def already(self, s: AsyncSession, case: Any, t: Transition, revision: int | None) -> Text:
        adoption = _adoption(case)
        q = select(CodeEvent).where(CodeEvent.adoption_id == adoption.id, CodeEvent.action.in_(t.rivals or (t.action,)))
        if isinstance(case, ContractCase):
            q = q.where(CodeEvent.contract_id == case.id)
        ev = (await s.execute(q.order_by(CodeEvent.id.desc()).limit(1))).scalar_one_or_none()
        stage = case.stage.label
        if ev is not None:
            actor = await s.get(Person, ev.actor_id) if ev.actor_id else None
            me = actor is not None and case.person is not None and actor.id == case.person.id
            return say("already_decided", who="You" if me else ref(actor), what=self.table.row(ev.action).what,
                       when=self.core.when(ev.at), nothing_changed=nothing_changed(), employer=case.name, stage=stage)  # fmt: skip
        return say("cannot_now", employer=case.name, stage=stage, nothing_changed=nothing_changed())


def _adoption(case: Any) -> AdoptionCase:
    return case.adoption if isinstance(case, ContractCase) else case  # type: ignore[no-any-return]


class AdoptionSteps(_CodeSteps, Steps[AdoptionCase]):
    table = TABLE
    model = CodeAdoption

    async def load(self, s: AsyncSession, who: Any, subject: int) -> AdoptionCase:
        person = await person_of(s, who)
        return await adoption_case(s, self.core, person, await adoption_of(s, subject))

    def event(self, case: AdoptionCase, t: Transition, seen: str, target: str, reasons: str | None,
              payload: dict[str, Any]) -> CodeEvent:  # fmt: skip
        return CodeEvent(adoption_id=case.id, at=self.core.now(), actor_id=case.person.id if case.person else None,
                         action=t.action, from_stage=seen, to_stage=target, reasons=reasons,
                         payload={**for_whom(case.acting_for, t.who), **payload})  # fmt: skip

    def record(self, case: AdoptionCase, t: Transition, payload: dict[str, Any], reasons: str | None = None) -> CodeEvent:
        """The audit event of a step that leaves the adoption where it is (a position, an indicator)."""
        return self.event(case, t, case.row.stage, case.row.stage, reasons, payload)


class ContractSteps(_CodeSteps, Steps[ContractCase]):
    table = CONTRACT_TABLE
    model = CodeContract

    async def load(self, s: AsyncSession, who: Any, subject: int) -> ContractCase:
        person = await person_of(s, who)
        row = await s.get(CodeContract, subject, populate_existing=True)
        if row is None:
            raise Refusal(say("code.no_such_contract", id=subject, nothing_changed=nothing_changed()))
        return ContractCase(row, await adoption_case(s, self.core, person, await adoption_of(s, row.adoption_id)))

    def event(self, case: ContractCase, t: Transition, seen: str, target: str, reasons: str | None,
              payload: dict[str, Any]) -> CodeEvent:  # fmt: skip
        return CodeEvent(adoption_id=case.row.adoption_id, contract_id=case.id, at=self.core.now(),
                         actor_id=case.person.id if case.person else None, action=t.action, from_stage=seen,
                         to_stage=target, reasons=reasons, payload={**for_whom(case.adoption.acting_for, t.who), **payload})  # fmt: skip


# --------------------------------------------------------------------------- reading what must be supplied


def _refuse(field_name: str, msgid: str, case: Any = None, **values: Any) -> Refusal:
    msg = say_str(msgid, **values)
    return Refusal(f"{msg} {nothing_changed()}", {field_name: msg})


def _text(answers: Mapping[str, Any], name: str) -> str:
    v = answers.get(name)
    return " ".join(v.split()) if isinstance(v, str) else ""


def clause_ref(answers: Mapping[str, Any], case: AdoptionCase, name: str = "clause") -> Any:
    raw = _text(answers, name).removeprefix("clause ").strip()
    found = case.code.clause(raw)
    if found is None:
        raise _refuse(name, "code.no_such_clause", ref=raw or "?", version=case.code.template.version)
    return found


def read_position(answers: Mapping[str, Any], case: AdoptionCase) -> dict[str, Any]:
    """A clause, the branch's position on it, and (as the position needs) local wording and reasons."""
    clause = clause_ref(answers, case)
    position = _text(answers, "position").lower().replace(" ", "_")
    if position not in POSITIONS:
        raise _refuse("position", "code.choose_position")
    local_text, reason = _text(answers, "local_text"), _text(answers, "reason")
    if position == "amend" and not local_text:
        raise _refuse("local_text", "code.amend_needs_text", ref=clause.ref)
    if position in ("amend", "not_agreed") and not reason:
        raise _refuse("reason", "code.needs_reason", ref=clause.ref)
    return {"clause": clause, "position": position, "local_text": local_text or None, "reason": reason or None}


def read_committee(answers: Mapping[str, Any], case: AdoptionCase) -> dict[str, Any]:
    clause = clause_ref(answers, case)
    outcome = _text(answers, "outcome").lower()
    if outcome not in COMMITTEE_OUTCOMES:
        raise _refuse("outcome", "code.choose_committee_outcome")
    varied = _text(answers, "text")
    if outcome == "varied" and not varied:
        raise _refuse("text", "code.varied_needs_text", ref=clause.ref)
    return {"clause": clause, "outcome": outcome, "text": varied or None}


def read_indicator(answers: Mapping[str, Any], case: AdoptionCase) -> dict[str, Any]:
    try:
        data = IndicatorIn.model_validate(dict(answers))
    except (ValidationError, ValueError) as exc:
        errors = field_errors(exc) if isinstance(exc, ValidationError) else {"targets": str(exc)}
        raise Refusal(f"{fix_these(errors)} {nothing_changed()}", errors) from None
    about = data.about.removeprefix("section ").strip()
    clause = case.code.clause(about)
    section = case.code.section(int(about)) if digits(about, 4) else None
    if clause is None and section is None:
        raise _refuse("about", "code.no_such_clause", ref=about, version=case.code.template.version)
    return {"indicator": data, "clause": clause, "section": section}


def read_actual(answers: Mapping[str, Any], case: AdoptionCase) -> dict[str, Any]:
    try:
        period = financial_year(_text(answers, "period"))
    except ValueError as exc:
        raise Refusal(f"{exc} {nothing_changed()}", {"period": str(exc)}) from None
    try:
        value = number(answers.get("value"))
    except ValueError as exc:
        raise Refusal(f"{exc} {nothing_changed()}", {"value": str(exc)}) from None
    return {"period": period, "value": value}


def read_contract(answers: Mapping[str, Any], case: AdoptionCase) -> ContractIn:
    try:
        return ContractIn.model_validate(dict(answers))
    except ValidationError as exc:
        errors = field_errors(exc)
        raise Refusal(f"{fix_these(errors)} {nothing_changed()}", errors) from None


def read_response(answers: Mapping[str, Any], case: ContractCase) -> dict[str, Any]:
    response = _text(answers, "response").lower()
    if response not in RESPONSE_STAGE:
        raise _refuse("response", "code.choose_response")
    refs: list[str] = []
    if response == "commit_exceptions":
        raw = [r.strip().removeprefix("clause ").strip() for r in _text(answers, "exceptions").replace(";", ",").split(",")]
        refs = [r for r in raw if r]
        if not refs:
            raise _refuse("exceptions", "code.exceptions_needed")
        unknown = [r for r in refs if case.adoption.code.clause(r) is None]
        if unknown:
            raise _refuse("exceptions", "code.no_such_clauses", refs=", ".join(unknown),
                          version=case.adoption.code.template.version)  # fmt: skip
    return {"response": response, "exceptions": refs}


def read_delivery(answers: Mapping[str, Any], case: ContractCase) -> dict[str, Any]:
    clause = clause_ref(answers, case.adoption)
    section = case.adoption.code.section(clause.section_number)
    if section is None or not section.contract_compliance:
        raise _refuse("clause", "code.delivery_only_compliance", ref=clause.ref)
    try:
        period = financial_year(_text(answers, "period"))
    except ValueError as exc:
        raise Refusal(f"{exc} {nothing_changed()}", {"period": str(exc)}) from None
    delivered = _text(answers, "delivered").lower()
    if delivered not in ("met", "partly", "not_met"):
        raise _refuse("delivered", "code.choose_delivered")
    return {"clause": clause, "period": period, "delivered": delivered, "note": _text(answers, "note") or None}


AdoptionSteps.needs = {
    Need.POSITION: read_position,
    Need.COMMITTEE: read_committee,
    Need.INDICATOR: read_indicator,
    Need.ACTUAL: read_actual,
    Need.CONTRACT: read_contract,
    Need.REASONS: read_reasons,
}
ContractSteps.needs = {Need.RESPONSE: read_response, Need.DELIVERY: read_delivery}
