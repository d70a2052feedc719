"""The partnerships' nudges, on the reminder clock's ledger and the working-time rules of
:mod:`flows.calendar` (weekends and the partnership's nation's bank holidays skipped):

- ``lsp_idle``: an issue with nothing done at its level for 10 working days, then weekly: to the
  partnership's space (local) or the level's contacts;
- ``lsp_ack``: an escalation not acknowledged: after 3 working days the level's contacts, after 5
  their deputies too (and the partnership hears it is still waiting);
- ``lsp_confirm``: a resolution posted down that no local member confirmed in 10 working days:
  the clock closes it, recorded as such (the use case runs once, through the engine);
- ``lsp_meeting``: the partnership's next meeting, 5 working days before, with the open local
  issues for the agenda;
- ``lsp_review``: the remit and the protocol, 30 and 7 days before their review and on the day.

Everything is derived from the rows; a nudge is (kind, subject, due moment) in the ledger.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.calendar import (
    ISSUE_IDLE_WORKING_DAYS,
    Nation,
    WorkingHours,
    document_review_moments,
    escalation_waiting_moments,
    idle_moment,
    meeting_notice_moment,
    resolution_closes_at,
)
from flows.core.roles import Role
from flows.notices import Button, Kind, Notice, ToPerson
from flows.partnership.case import IssueCase, issue_key, space, to_person
from flows.partnership.documents import PROTOCOL, REMIT, areas_of, next_meeting, proposed_areas
from flows.partnership.journey import (
    ASKED,
    DOC_TABLE,
    LOCAL_BUTTONS,
    NATIONAL_BUTTONS,
    REGIONAL_BUTTONS,
    WORKED,
    DocAction,
    Level,
    Stage,
)
from flows.partnership.raising import SCREEN_ISSUE
from flows.partnership.summary import contacts, headline, offered
from flows.reminders.sources import DueNudge, Prepared, Snoozes, Source, register
from flows.wording import day, say, say_str
from models.partnership import Issue, Partnership, PartnershipDocument

SNOOZE = "snooze"
IDLE, ACK, CONFIRM, MEETING, REVIEW = "lsp_idle", "lsp_ack", "lsp_confirm", "lsp_meeting", "lsp_review"
KINDS = frozenset({IDLE, ACK, CONFIRM, MEETING, REVIEW})
_SUBJECTS = {
    IDLE: re.compile(r"issue:(\d+)"),
    ACK: re.compile(r"issue:(\d+):r(\d+)"),
    CONFIRM: re.compile(r"issue:(\d+):r(\d+)"),
    MEETING: re.compile(r"meeting:(\d+):(\d{4}-\d{2}-\d{2})"),
    REVIEW: re.compile(r"(remit|protocol):(\d+)"),
}


def _parts(kind: str, subject: str) -> tuple[str, ...] | None:
    pattern = _SUBJECTS.get(kind)
    m = pattern.fullmatch(subject) if pattern else None
    return m.groups() if m else None


def _new(kind: str, subject: str, at: datetime | None, since: datetime | None, now: datetime,
         send_at: datetime | None) -> DueNudge | None:  # fmt: skip
    if at is None or at > now or (since is not None and at <= since):
        return None
    return DueNudge(kind, subject, at, send_at or at)


def _ask_moment(issue: Issue, now: datetime, nation: Nation, hours: WorkingHours) -> tuple[datetime, int] | None:
    moments = [m for m in escalation_waiting_moments(issue.stage_since, nation, hours) if m.at <= now]
    return (moments[-1].at, moments[-1].working_days) if moments else None


async def find(session: AsyncSession, now: datetime, since: datetime | None, hours: WorkingHours) -> AsyncIterator[DueNudge]:
    """The partnerships' nudges due in (since, now]: only the latest per subject."""
    watched = [*WORKED, *ASKED, Stage.CONFIRMING]
    issues = (await session.execute(select(Issue).where(Issue.stage.in_([s.value for s in watched])))).scalars().all()
    for i in issues:
        nation = Nation.parse(i.partnership.nation)
        send_at = None if hours.is_working_moment(now, nation) else hours.next_sending_moment(now, nation)
        stage = Stage(i.stage)
        if stage in WORKED:
            m = idle_moment(i.last_activity_at, now, nation, hours)
            if n := _new(IDLE, f"issue:{i.id}", m.at if m else None, since, now, send_at):
                yield n
        elif stage in ASKED:
            found = _ask_moment(i, now, nation, hours)
            if n := _new(ACK, f"issue:{i.id}:r{i.revision}", found[0] if found else None, since, now, send_at):
                yield n
        else:
            at = resolution_closes_at(i.stage_since, nation, hours)
            if n := _new(CONFIRM, f"issue:{i.id}:r{i.revision}", at, since, now, send_at):
                yield n
    for p in (await session.execute(select(Partnership))).scalars().all():
        nation = Nation.parse(p.nation)
        send_at = None if hours.is_working_moment(now, nation) else hours.next_sending_moment(now, nation)
        meeting = next_meeting(p, now.astimezone(hours.tz).date())
        if meeting is not None:
            at = meeting_notice_moment(meeting, nation, hours)
            if n := _new(MEETING, f"meeting:{p.id}:{meeting.isoformat()}", at, since, now, send_at):
                yield n
        for kind in (REMIT, PROTOCOL):
            doc = await _latest(session, p.id, kind)
            if doc is None:
                continue
            due = [m.at for m in document_review_moments(doc.next_review_on, nation, hours) if m.at <= now]
            if n := _new(REVIEW, f"{kind}:{doc.id}", due[-1] if due else None, since, now, send_at):
                yield n


async def _latest(s: AsyncSession, partnership_id: int, kind: str) -> PartnershipDocument | None:
    top = (
        select(func.max(PartnershipDocument.version))
        .where(PartnershipDocument.partnership_id == partnership_id, PartnershipDocument.kind == kind)
        .scalar_subquery()
    )
    q = select(PartnershipDocument).where(
        PartnershipDocument.partnership_id == partnership_id, PartnershipDocument.kind == kind,
        PartnershipDocument.version == top,
    )  # fmt: skip
    return (await s.execute(q)).scalar_one_or_none()


# --------------------------------------------------------------------------- what each says


def snooze_button(kind: str, subject: str, case_id: int) -> Button:
    return Button(SNOOZE, say_str("remind.snooze"), case_id, value=f"{kind}:{subject}")


def _reminders(notices: list[Notice], kind: str, subject: str, snoozes: Snoozes, case_id: int) -> tuple[Notice, ...]:
    """Reminder notices, one per person (with Snooze a week), none to people who snoozed it."""
    out: list[Notice] = []
    told: set[int] = set()
    for n in notices:
        buttons = n.buttons
        if isinstance(n.to, ToPerson):
            pid = n.to.person.id
            if pid in told or (pid, kind, subject) in snoozes:
                continue
            told.add(pid)
            buttons = (*buttons, snooze_button(kind, subject, case_id))
        out.append(replace(n, kind=Kind.REMINDER, buttons=buttons, key=None, replaces=None))
    return tuple(out)


class _Preparer:
    def __init__(self, s: AsyncSession, now: datetime, hours: WorkingHours, snoozes: Snoozes) -> None:
        self.s, self.now, self.hours, self.snoozes = s, now, hours, snoozes

    def off_hours(self, nation: str) -> Prepared | None:
        n = Nation.parse(nation)
        if self.hours.is_working_moment(self.now, n):
            return None
        return Prepared(defer_until=self.hours.next_sending_moment(self.now, n))

    def case(self, issue: Issue, roles: set[Role]) -> IssueCase:
        return IssueCase(issue, None, frozenset(roles))

    async def idle(self, subject: str, due_at: datetime, issue_id: int) -> Prepared:
        i = await self.s.get(Issue, issue_id)
        if i is None or Stage(i.stage) not in WORKED:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(i.partnership.nation):
            return wait
        m = idle_moment(i.last_activity_at, self.now, Nation.parse(i.partnership.nation), self.hours)
        if m is None or m.at != due_at:
            return Prepared(skip="superseded")
        level = Level(i.level)
        when = say_str("remind.idle.first", n=ISSUE_IDLE_WORKING_DAYS) if m.overdue == 0 else say_str("remind.idle.weeks", n=m.overdue)
        head = say_str("remind.idle.headline", id=i.id, title=i.title or "", when=when)
        body = (say("remind.idle.body", level=level.label, when=when),)
        if level is Level.LOCAL:
            buttons = offered(self.case(i, {Role.MEMBER}), LOCAL_BUTTONS[:3], {Role.MEMBER})
            to = await space(self.s, i.partnership, thread=issue_key(i.id))
            return Prepared((Notice(Kind.REMINDER, to, head, body=body, buttons=buttons, next_step=say("remind.idle.next")),))
        roles = {Role.REGIONAL} if level is Level.REGIONAL else {Role.NATIONAL_CONTACT}
        buttons = offered(self.case(i, roles), REGIONAL_BUTTONS if level is Level.REGIONAL else NATIONAL_BUTTONS, roles)
        notices = [Notice(Kind.REMINDER, to_person(p), head, body=body, buttons=buttons, next_step=say("remind.idle.next"))
                   for p in await contacts(self.s, i, level)]  # fmt: skip
        return Prepared(_reminders(notices, IDLE, subject, self.snoozes, i.id))

    async def ack(self, subject: str, due_at: datetime, issue_id: int, revision: int) -> Prepared:
        i = await self.s.get(Issue, issue_id)
        if i is None or Stage(i.stage) not in ASKED or i.revision != revision:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(i.partnership.nation):
            return wait
        found = _ask_moment(i, self.now, Nation.parse(i.partnership.nation), self.hours)
        if found is None or found[0] != due_at:
            return Prepared(skip="superseded")
        days = found[1]
        level = Level(i.level)
        roles = {Role.REGIONAL} if level is Level.REGIONAL else {Role.NATIONAL_CONTACT}
        buttons = offered(self.case(i, roles), REGIONAL_BUTTONS if level is Level.REGIONAL else NATIONAL_BUTTONS, roles)
        head = say_str("remind.ack.headline", id=i.id, title=i.title or "", level=level.label)
        notices: list[Notice] = [
            Notice(Kind.REMINDER, to_person(p), head, body=(say("remind.ack.body", n=days, level=level.label),),
                   buttons=buttons, next_step=say("remind.ack.next"))
            for p in await contacts(self.s, i, level)
        ]  # fmt: skip
        extra: list[Notice] = []
        if days >= 5:
            deputies = await contacts(self.s, i, level, deputies=True)
            notices = [
                Notice(Kind.REMINDER, to_person(p), head, body=(say("remind.ack.deputy", n=days, level=level.label),),
                       buttons=buttons, next_step=say("remind.ack.next"))
                for p in deputies
            ] + notices  # fmt: skip
            to = await space(self.s, i.partnership, thread=issue_key(i.id))
            extra.append(Notice(Kind.REMINDER, to, head, body=(say("remind.ack.space", n=days, level=level.label),),
                                next_step=say("nothing_to_do")))  # fmt: skip
        return Prepared(_reminders(notices, ACK, subject, self.snoozes, i.id) + tuple(extra))

    async def confirm(self, subject: str, due_at: datetime, issue_id: int, revision: int) -> Prepared:
        from flows.partnership.closing import auto_close

        i = await self.s.get(Issue, issue_id)
        if i is None or i.stage != Stage.CONFIRMING or i.revision != revision:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(i.partnership.nation):
            return wait
        if resolution_closes_at(i.stage_since, Nation.parse(i.partnership.nation), self.hours) != due_at:
            return Prepared(skip="superseded")
        hours = self.hours

        async def act(engine: Any) -> Any:
            return await auto_close(engine, issue_id, revision, hours)

        return Prepared(act=act)

    async def meeting(self, subject: str, due_at: datetime, partnership_id: int, on: date) -> Prepared:
        p = await self.s.get(Partnership, partnership_id)
        if p is None or next_meeting(p, self.now.astimezone(self.hours.tz).date()) != on:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(p.nation):
            return wait
        issues = (await self.s.execute(
            select(Issue).where(Issue.partnership_id == p.id, Issue.level == Level.LOCAL.value,
                                Issue.stage.in_([Stage.LOCAL.value, Stage.CONFIRMING.value])).order_by(Issue.id)
        )).scalars().all()  # fmt: skip
        agenda = "\n".join(f"• {headline(i)} ({Stage(i.stage).label})" for i in issues) or say_str("remind.meeting.none")
        notice = Notice(
            Kind.REMINDER, await space(self.s, p), say_str("remind.meeting.headline", partnership=p.name, when=day(on, weekday=True)),
            body=(say("remind.meeting.body", n=len(issues)),), facts=((say_str("fact.agenda"), agenda),),
            buttons=(Button(SCREEN_ISSUE, say_str("status.raise"), p.id),), next_step=say("remind.meeting.next"),
        )  # fmt: skip
        return Prepared((notice,))

    async def review(self, subject: str, due_at: datetime, kind: str, doc_id: int) -> Prepared:
        doc = await self.s.get(PartnershipDocument, doc_id)
        p = await self.s.get(Partnership, doc.partnership_id) if doc else None
        if doc is None or p is None or (latest := await _latest(self.s, p.id, kind)) is None or latest.id != doc.id:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(p.nation):
            return wait
        due = [m.at for m in document_review_moments(doc.next_review_on, Nation.parse(p.nation), self.hours) if m.at <= self.now]
        if not due or due[-1] != due_at:
            return Prepared(skip="superseded")
        days = (doc.next_review_on - self.now.astimezone(self.hours.tz).date()).days
        if days < 0:
            when = say_str("remind.review.overdue", on=day(doc.next_review_on))
        else:
            when = say_str("remind.review.today") if days == 0 else say_str("remind.review.in", n=days)
        facts = [(say_str(f"doc.{kind}").capitalize(), "\n".join(areas_of(doc)) if kind == REMIT else say_str("remind.review.themes"))]
        if kind == REMIT and (proposed := await proposed_areas(self.s, p.id, doc.recorded_at)):
            facts.append((say_str("fact.proposed_areas"), "\n".join(f"• {a} (#{i})" for i, a in proposed)))
        action = DocAction.REVIEW_REMIT if kind == REMIT else DocAction.REVIEW_PROTOCOL
        buttons = DOC_TABLE.row(action).buttons(_DocCase(p.id))
        notice = Notice(
            Kind.REMINDER, await space(self.s, p),
            say_str("remind.review.headline", kind=say_str(f"doc.{kind}").capitalize(), partnership=p.name, when=when),
            body=(say("remind.review.body", kind=say_str(f"doc.{kind}"), on=day(doc.next_review_on)),),
            facts=tuple(facts), buttons=buttons, next_step=say("remind.review.next"),
        )  # fmt: skip
        return Prepared((notice,))


class _DocCase:
    """What a partnership's buttons carry: its id (no versions are pinned)."""

    def __init__(self, partnership_id: int) -> None:
        self.id = partnership_id
        self.stage = "active"
        self.revision = 1
        self.cycle = 0
        self.roles: frozenset[Role] = frozenset()


async def prepare(session: AsyncSession, keys: Sequence[tuple[str, str, datetime]], now: datetime, hours: WorkingHours,
                  snoozes: Snoozes) -> list[Prepared]:  # fmt: skip
    build = _Preparer(session, now, hours, snoozes)
    out: list[Prepared] = []
    for kind, subject, due_at in keys:
        parts = _parts(kind, subject)
        if parts is None:
            out.append(Prepared(skip="unknown kind or subject"))
        elif kind == IDLE:
            out.append(await build.idle(subject, due_at, int(parts[0])))
        elif kind == ACK:
            out.append(await build.ack(subject, due_at, int(parts[0]), int(parts[1])))
        elif kind == CONFIRM:
            out.append(await build.confirm(subject, due_at, int(parts[0]), int(parts[1])))
        elif kind == MEETING:
            out.append(await build.meeting(subject, due_at, int(parts[0]), date.fromisoformat(parts[1])))
        else:
            out.append(await build.review(subject, due_at, parts[0], int(parts[1])))
    return out


async def describe(s: AsyncSession, kind: str, subject: str) -> tuple[str, int | None] | None:
    """What a snoozed reminder is about, in words (an issue's number; a partnership's name)."""
    parts = _parts(kind, subject)
    if parts is None:
        return None
    if kind in (IDLE, ACK, CONFIRM):
        i = await s.get(Issue, int(parts[0]))
        return (say_str("snooze.about.issue", id=i.id), None) if i else None
    if kind == MEETING:
        p = await s.get(Partnership, int(parts[0]))
        return (say_str("snooze.about.meeting", partnership=p.name), None) if p else None
    doc = await s.get(PartnershipDocument, int(parts[1]))
    p = await s.get(Partnership, doc.partnership_id) if doc else None
    return (say_str("snooze.about.lsp_review", kind=say_str(f"doc.{parts[0]}"), partnership=p.name), None) if p else None


def register_source() -> None:
    register(Source("partnership", KINDS, find, prepare, describe, shared_kinds=frozenset({IDLE, ACK, MEETING, REVIEW})))
