"""An issue (or a partnership) as a use case sees it: the row, the person acting and their roles.

:class:`IssueSteps` and :class:`PartnershipSteps` are the process's :class:`flows.core.unit.Steps`:
how a case is loaded, who may act in words, the audit event (never free text), and how each
need is read from a form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import Acting, for_whom, taken_on
from flows.core.roles import Role
from flows.core.table import Need, Transition
from flows.core.unit import Core, Refusal, Steps, nothing_changed
from flows.directory import Who, find_person
from flows.notices import Notice, PersonRef, Text, ToPerson, ToSpace
from flows.partnership.journey import DOC_TABLE, TABLE, Level, Stage, what
from flows.wording import say, say_str
from models.partnership import (
    EscalationContact,
    Issue,
    IssueAttempt,
    Partnership,
    PartnershipEvent,
    PartnershipMember,
)
from models.partnership_inputs import AttemptIn, IssueIn, ProtocolIn, RemitIn
from models.schemas import field_errors
from models.tables import Person


def ref(person: Person | None) -> PersonRef | str:
    return PersonRef(person.id, person.label) if person is not None else say_str("nobody_in_directory")


def to_person(person: Person) -> ToPerson:
    return ToPerson(PersonRef(person.id, person.label))


async def person_of(s: AsyncSession, who: Who) -> Person:
    person = await find_person(s, who)
    if person is None:
        raise Refusal(say("not_in_directory", nothing_changed=nothing_changed()))
    return person


async def roles_in(s: AsyncSession, person: Person | None, partnership: Partnership) -> tuple[set[Role], set[str]]:
    """The person's roles on a partnership's issues, and the sides they sit for there."""
    if person is None:
        return set(), set()
    roles: set[Role] = set()
    parties = set(
        (
            await s.execute(
                select(PartnershipMember.party).where(
                    PartnershipMember.partnership_id == partnership.id, PartnershipMember.person_id == person.id
                )
            )
        ).scalars()
    )
    if parties:
        roles.add(Role.MEMBER)
    levels = (
        await s.execute(
            select(EscalationContact.level, EscalationContact.area).where(EscalationContact.person_id == person.id)
        )
    ).all()
    for level, area in levels:
        if level == Level.REGIONAL and area == partnership.region:
            roles.add(Role.REGIONAL)
        elif level == Level.NATIONAL and area == partnership.nation:
            roles.add(Role.NATIONAL_CONTACT)
    return roles, parties


@dataclass
class IssueCase:
    """An issue, loaded for one person."""

    row: Issue
    person: Person | None
    roles: frozenset[Role]
    parties: frozenset[str] = frozenset()  # the sides the person sits for in this partnership
    unresolved_attempts: int = 0  # attempts at the current level (this revision) that did not resolve it
    core: Core | None = None
    events: list[PartnershipEvent] = field(default_factory=list)  # the events this use case appended
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
    def level(self) -> Level:
        return Level(self.row.level)

    @property
    def partnership(self) -> Partnership:
        return self.row.partnership

    @property
    def title(self) -> str:
        return self.row.title or say_str("issue.erased_title", id=self.row.id)

    def side(self) -> str:
        """How the person is named beside their name: their side in the partnership, or their level."""
        if self.parties:
            return ", ".join(sorted(self.parties))
        if Role.REGIONAL in self.roles:
            return say_str("level.regional")
        if Role.NATIONAL_CONTACT in self.roles:
            return say_str("level.national")
        return ""


@dataclass
class PartnershipCase:
    """A partnership, loaded for one person (its remit and protocol reviews)."""

    row: Partnership
    person: Person | None
    roles: frozenset[Role]
    parties: frozenset[str] = frozenset()
    core: Core | None = None
    sides: tuple[str, ...] = ()  # the sides that sit on the partnership

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def stage(self) -> str:
        return self.row.stage

    @property
    def revision(self) -> int:
        return self.row.revision

    @property
    def cycle(self) -> int:
        return 0


class IssueSteps(Steps[IssueCase]):
    """The shared steps of an issue's ladder (see :class:`flows.core.unit.Steps`)."""

    table = TABLE
    model = Issue

    async def load(self, s: AsyncSession, who: Who, subject: int) -> IssueCase:
        person = await person_of(s, who)
        issue = await s.get(Issue, subject, populate_existing=True)
        if issue is None:
            raise Refusal(say("issue.none", id=subject, nothing_changed=nothing_changed()))
        return await self.case_of(s, person, issue)

    async def case_of(self, s: AsyncSession, person: Person | None, issue: Issue) -> IssueCase:
        roles, parties = await roles_in(s, person, issue.partnership)
        if person is not None and issue.raised_by_id == person.id:
            roles.add(Role.RAISER)
        tried = (
            await s.execute(
                select(func.count(IssueAttempt.id)).where(
                    IssueAttempt.issue_id == issue.id,
                    IssueAttempt.revision == issue.revision,
                    IssueAttempt.result != "resolved",
                )
            )
        ).scalar_one()
        acting: Acting = ()
        if person is not None and self.core is not None:  # someone away may have handed theirs here to them

            async def theirs(absent: Person) -> set[Role]:
                return (await roles_in(s, absent, issue.partnership))[0]

            acting = await taken_on(s, person, self.core.today(), theirs)
            for absent, got in acting:
                roles |= got
                if Role.MEMBER in got:
                    parties |= (await roles_in(s, absent, issue.partnership))[1]
        return IssueCase(issue, person, frozenset(roles), frozenset(parties), int(tried), core=self.core, acting_for=acting)

    def who_may(self, t: Transition, case: IssueCase) -> Text:
        p = case.partnership
        areas = {Role.MEMBER: p.name, Role.RAISER: p.name, Role.REGIONAL: p.region, Role.NATIONAL_CONTACT: p.nation}
        names = " or ".join(
            say_str(f"role.{r.value}", area=areas.get(r, p.name)) for r in Role if r in t.who and r in areas
        )
        return say("issue.only_who", names=names or say_str("role.bot", area=""), id=case.id)

    def event(
        self, case: IssueCase, t: Transition, seen: str, target: str, reasons: str | None, payload: dict[str, Any]
    ) -> PartnershipEvent:
        ev = PartnershipEvent(
            partnership_id=case.row.partnership_id,
            issue_id=case.id,
            at=self.core.now(),
            actor_id=case.person.id if case.person else None,
            action=t.action,
            from_stage=seen,
            to_stage=target,
            level=payload.pop("level", case.row.level),
            payload={"revision": case.revision, **for_whom(case.acting_for, t.who), **payload},  # ids and counts only
        )
        case.events.append(ev)
        return ev

    async def already(self, s: AsyncSession, case: IssueCase, t: Transition, revision: int | None) -> Text:
        q = select(PartnershipEvent).where(PartnershipEvent.issue_id == case.id)
        if t.sources:
            q = q.where(PartnershipEvent.from_stage.in_(sorted(t.sources)))
        q = q.where(PartnershipEvent.action.in_(t.rivals or (t.action,)))
        ev = (await s.execute(q.order_by(PartnershipEvent.id.desc()).limit(1))).scalar_one_or_none()
        stage = case.stage.label
        if ev is not None:
            actor = await s.get(Person, ev.actor_id) if ev.actor_id else None
            me = actor is not None and case.person is not None and actor.id == case.person.id
            who: PersonRef | str = say_str("you") if me else (ref(actor) if actor else say_str("the_bot"))
            return say(
                "issue.already", who=who, what=what(ev.action), when=self.core.when(ev.at), id=case.id,
                stage=stage, nothing_changed=nothing_changed(),
            )  # fmt: skip
        return say("issue.cannot_now", id=case.id, stage=stage, nothing_changed=nothing_changed())

    needs = {}  # filled in below


class PartnershipSteps(Steps[PartnershipCase]):
    """The steps of a partnership's own table (remit and protocol reviews)."""

    table = DOC_TABLE
    model = Partnership

    async def load(self, s: AsyncSession, who: Who, subject: int) -> PartnershipCase:
        person = await person_of(s, who)
        row = await s.get(Partnership, subject, populate_existing=True)
        if row is None:
            raise Refusal(say("partnership.none", nothing_changed=nothing_changed()))
        roles, parties = await roles_in(s, person, row)
        return PartnershipCase(row, person, frozenset(roles), frozenset(parties), core=self.core)

    def who_may(self, t: Transition, case: PartnershipCase) -> Text:
        return say("partnership.only_members", partnership=case.row.name, nothing_changed=nothing_changed())

    def event(
        self, case: PartnershipCase, t: Transition, seen: str, target: str, reasons: str | None, payload: dict[str, Any]
    ) -> PartnershipEvent:
        return PartnershipEvent(
            partnership_id=case.id, issue_id=None, at=self.core.now(), actor_id=case.person.id if case.person else None,
            action=t.action, from_stage=seen, to_stage=target, level=Level.LOCAL.value, payload=dict(payload),
        )  # fmt: skip

    async def already(self, s: AsyncSession, case: PartnershipCase, t: Transition, revision: int | None) -> Text:
        return say("partnership.cannot_now", partnership=case.row.name, nothing_changed=nothing_changed())

    needs = {}


# --------------------------------------------------------------------------- reading the needs


def _fix(exc: ValidationError, case: Any) -> Refusal:
    errors = field_errors(exc)
    problems = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items())
    return Refusal(say("fix_these", problems=problems) + (" ", nothing_changed()), errors, None)


def read_issue(answers: Mapping[str, Any], case: Any) -> IssueIn:
    if isinstance(answers.get("issue"), IssueIn):
        return answers["issue"]  # type: ignore[no-any-return]
    try:
        return IssueIn.model_validate(dict(answers))
    except ValidationError as exc:
        raise _fix(exc, case) from None


def read_attempt(answers: Mapping[str, Any], case: Any) -> AttemptIn:
    try:
        attempt = AttemptIn.model_validate(dict(answers))
    except ValidationError as exc:
        raise _fix(exc, case) from None
    today = case.core.today() if getattr(case, "core", None) else date.today()
    if attempt.tried_on > today:
        msg = say_str("attempt.not_future")
        raise Refusal(f"{msg} {nothing_changed()}", {"tried_on": msg})
    return attempt


def _text(answers: Mapping[str, Any], name: str, missing: str, *, limit: int = 3000) -> str:
    value = answers.get(name)
    if not (isinstance(value, str) and value.strip()):
        msg = say_str(missing)
        raise Refusal(f"{msg} {nothing_changed()}", {name: msg})
    if len(value) > limit:
        msg = say_str("too_long", n=limit)
        raise Refusal(f"{msg} {nothing_changed()}", {name: msg})
    return value.strip()


def read_reasons(answers: Mapping[str, Any], case: Any) -> str:
    return _text(answers, "reasons", "give_reasons")


def read_resolution(answers: Mapping[str, Any], case: Any) -> str:
    return _text(answers, "resolution", "issue.give_resolution")


def read_exhausted(answers: Mapping[str, Any], case: Any) -> str:
    return _text(answers, "exhausted", "issue.give_exhausted")


def read_note(answers: Mapping[str, Any], case: Any) -> str:
    return _text(answers, "note", "issue.give_note")


def read_remit(answers: Mapping[str, Any], case: Any) -> RemitIn:
    try:
        return RemitIn.model_validate(dict(answers))
    except ValidationError as exc:
        raise _fix(exc, case) from None


def read_protocol(answers: Mapping[str, Any], case: Any) -> ProtocolIn:
    try:
        return ProtocolIn.model_validate(dict(answers))
    except ValidationError as exc:
        raise _fix(exc, case) from None


IssueSteps.needs = {
    Need.ISSUE: read_issue,
    Need.ATTEMPT: read_attempt,
    Need.RESOLUTION: read_resolution,
    Need.EXHAUSTED: read_exhausted,
    Need.NOTE: read_note,
    Need.REASONS: read_reasons,
}
PartnershipSteps.needs = {Need.REMIT: read_remit, Need.PROTOCOL: read_protocol}


def days_between(start: datetime, end: datetime) -> int:
    return max(0, (end - start).days)


# --------------------------------------------------------------------------- the partnership's space


def space_key(partnership_id: int) -> str:
    """The partnership's private space (a Slack channel, a Teams channel or group chat)."""
    return f"partnership:{partnership_id}"


def issue_key(issue_id: int) -> str:
    """The issue's card in the partnership's space: its thread holds everything about it."""
    return f"issue:{issue_id}"


async def _left_out(s: AsyncSession, partnership: Partnership) -> tuple[list[PartnershipMember], list[tuple[Person, str]]]:
    """The partnership's members, and those of them not put in its space: a union's members only
    where their union has a basis for showing them to the others."""
    from flows.directory import UNIONS
    from flows.privacy.sharing import without_basis

    rows = list((await s.execute(select(PartnershipMember).where(PartnershipMember.partnership_id == partnership.id)
                                 .order_by(PartnershipMember.id))).scalars())  # fmt: skip
    return rows, await without_basis(s, [(m.person, m.party) for m in rows if m.party in UNIONS])


async def missing_from_space(s: AsyncSession, partnership: Partnership, person: Person | None) -> list[Notice]:
    """For the person whose action posts in the partnership's space: who of its members the bot
    could not put in it (no sharing basis), why, and what to do. One message per person and space,
    brought up to date by later posts rather than sent again."""
    if person is None:
        return []
    from flows.privacy.sharing import who_is_missing

    rows, unshared = await _left_out(s, partnership)
    told = who_is_missing(unshared, person, say_str("sharing_space.partnership", name=partnership.name),
                          "sharing_space.next.partnership", key=f"sharing:{space_key(partnership.id)}:{person.id}",
                          own={m.party for m in rows if m.person_id == person.id})  # fmt: skip
    return [told] if told is not None else []


async def space(s: AsyncSession, partnership: Partnership, *, thread: str | None = None) -> ToSpace:
    """The partnership's space: a post of its own (the space is opened, and its members invited,
    the first time), or, with ``thread``, a reply in the thread of the post with that key."""
    if thread is not None:
        return ToSpace(space_key(partnership.id), thread=thread)
    rows, unshared = await _left_out(s, partnership)
    left_out = {(p.id, u) for p, u in unshared}
    members: dict[int, PersonRef] = {}
    emails: set[str] = set()
    for m in rows:
        if (m.person_id, m.party) in left_out:
            continue
        if m.person.slack_id or m.person.teams_id:
            members.setdefault(m.person_id, PersonRef(m.person_id, m.person.label))
        elif m.person.email:
            emails.add(m.person.email)
    slug = "-".join("".join(c if c.isalnum() else " " for c in partnership.name.lower()).split())
    return ToSpace(space_key(partnership.id), open_space=True, members=tuple(members.values()),
                   invite_emails=tuple(sorted(emails)), name_hint=f"lsp-{slug}"[:70])  # fmt: skip
