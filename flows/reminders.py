"""Reminders: which nudges fell due, and what each one says to whom. No chat platform here.

Every nudge is derived from the rows of the journey, never from a job stored per item:

- ``review``: the current action plan's review date, while the employer is in the scheme with the
  plan still to review (JOINED or REVIEW_DUE). To the proposer, the Secretary and the partner
  channel: 30 days before, 7 days before, on the day, then weekly, with the review buttons.
- ``workplan``: each open action of the current plan. To its owner (when the owner is a person in
  the directory) and the partner channel: 7 days before the by-date, on it, then weekly; from the
  third overdue nudge the Local Association Secretary is copied.
- ``approval``: a proposal waiting for the Secretary or the NEM. To the approver after 2 working
  days; after 5, to the approver again, to the deputy (for the Secretary's decision) and the
  proposer is told it is still waiting.
- ``partner``: a proposal waiting for the partner unions: after 3 working days, a nudge in the
  partner thread naming the unions that have not yet spoken.

When each nudge falls due, in working time and by the association's bank holidays, is
:mod:`flows.calendar`'s business. A nudge is named by (kind, subject, due moment), which is the key
of the ``nudges`` ledger (kept by ``bot.clock``). Only the latest moment due per subject ever goes:
after an outage a weekly reminder goes out once, not once per missed week.

- :func:`find_due` lists the nudges that fell due in (since, now], reading only the rows that
  could have one (date ranges in SQL, streamed).
- :func:`prepare` turns one nudge into notices, checking it is still due and still the latest,
  and leaving out people who snoozed it.
- :func:`snooze` records that a person hears no more of one reminder for a week.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, and_, cast, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from flows.actions import NOTHING_CHANGED, Engine, ref
from flows.calendar import (
    APPROVAL_CHASE_WORKING_DAYS,
    DEFAULT_HOURS,
    OVERDUE_INTERVAL_DAYS,
    PARTNER_CHASE_WORKING_DAYS,
    REVIEW_DAYS_BEFORE,
    WORKPLAN_DAYS_BEFORE,
    Nation,
    WorkingHours,
    approval_waiting_moments,
    copies_secretary,
    partner_waiting_moment,
    review_due_window,
    workplan_due_window,
)
from flows.directory import PARTNER_UNIONS, Who, find_person
from flows.journey import IN_SCHEME, REVIEWABLE, Action, Need, Stage
from flows.notices import (
    Button,
    ButtonStyle,
    Kind,
    Notice,
    Outcome,
    PersonRef,
    Text,
    ToPartnerSpace,
    ToPerson,
    text,
)
from models.tables import (
    ActionPlan,
    Employer,
    LocalAssociation,
    PartnerVoice,
    Person,
    Snooze,
    WorkplanAction,
)
from models.tables import Role as RoleRow

SNOOZE = "snooze"
#: A workplan reminder's "Mark done" button; its value is the workplan action's id.
WORKPLAN_DONE = "workplan_done"
SNOOZE_FOR = timedelta(days=7)

# Two and five working days never span more than a month, even over Christmas and New Year.
_CHASE_SPAN = timedelta(days=31)
_WAITING: dict[Stage, str] = {Stage.AWAITING_SECRETARY: "secretary", Stage.AWAITING_NEM: "nem"}


class NudgeKind(StrEnum):
    REVIEW = "review"
    WORKPLAN = "workplan"
    APPROVAL = "approval"
    PARTNER = "partner"


# --------------------------------------------------------------------------- subjects

# What each kind of nudge is about, as stored in the ledger and in snoozes.
_SUBJECTS: dict[NudgeKind, re.Pattern[str]] = {
    NudgeKind.REVIEW: re.compile(r"plan:(\d+)"),
    NudgeKind.WORKPLAN: re.compile(r"action:(\d+)"),
    NudgeKind.APPROVAL: re.compile(r"employer:(\d+):r(\d+):(secretary|nem)"),
    NudgeKind.PARTNER: re.compile(r"employer:(\d+):r(\d+)"),
}


def review_subject(plan_id: int) -> str:
    return f"plan:{plan_id}"


def workplan_subject(action_id: int) -> str:
    return f"action:{action_id}"


def approval_subject(employer_id: int, revision: int, stage: Stage) -> str:
    return f"employer:{employer_id}:r{revision}:{_WAITING[stage]}"


def partner_subject(employer_id: int, revision: int) -> str:
    return f"employer:{employer_id}:r{revision}"


def _parts(kind: NudgeKind, subject: str) -> tuple[str, ...] | None:
    m = _SUBJECTS[kind].fullmatch(subject)
    return m.groups() if m else None


def _parse(kind: str, subject: str) -> tuple[NudgeKind, tuple[str, ...]] | None:
    """(kind, the subject's ids) of a ledger row; None if either is not one of ours."""
    try:
        k = NudgeKind(kind)
    except ValueError:
        return None
    parts = _parts(k, subject)
    return (k, parts) if parts is not None else None


def snooze_value(kind: NudgeKind, subject: str) -> str:
    """The value of a nudge's "Snooze a week" button: which reminder to snooze."""
    return f"{kind.value}:{subject}"


def parse_snooze_value(value: str) -> tuple[str, str]:
    """(kind, subject) from a "Snooze a week" button's value; :func:`snooze` checks them."""
    kind, _, subject = value.partition(":")
    return kind, subject


# --------------------------------------------------------------------------- what fell due


@dataclass(frozen=True, slots=True)
class DueNudge:
    """A nudge that fell due: a ledger key, and when it may go out (``due_at``, or the next
    working morning when it was found outside working time)."""

    kind: NudgeKind
    subject: str
    due_at: datetime
    send_at: datetime


@lru_cache(maxsize=4096)
def _morning(hours: WorkingHours, nation: Nation, d: date) -> datetime:
    """When a nudge dated ``d`` goes out: that working morning, or the next one."""
    return hours.next_sending_moment(hours.local_morning(d), nation)


def _dated_between(
    since: datetime | None, now: datetime, nation: Nation, hours: WorkingHours
) -> tuple[date, date] | None:
    """The calendar dates whose nudges fall due in (since, now]: one interval, or None.

    A nudge dated on a weekend or bank holiday goes out on the next working morning, so this is
    usually today's date (at the first sweep after 08:00) plus any non-working days before it.
    """
    hi = now.astimezone(hours.tz).date()
    while _morning(hours, nation, hi) > now:
        hi -= timedelta(days=1)
    if since is None:
        return date(1970, 1, 1), hi
    # Deferral only moves a nudge later, by less than a month: scan up from well before ``since``.
    lo = since.astimezone(hours.tz).date() - timedelta(days=40)
    while lo <= hi and _morning(hours, nation, lo) <= since:
        lo += timedelta(days=1)
    return (lo, hi) if lo <= hi else None


def _weekday_sql(dialect: str) -> Callable[[Any], ColumnElement[int]]:
    """The day of the week of a date column, Sunday = 0, as both databases count it."""
    if dialect == "postgresql":
        return lambda col: cast(func.extract("dow", col), Integer)
    return lambda col: cast(func.strftime("%w", col), Integer)


def _sunday_first(d: date) -> int:
    return (d.weekday() + 1) % 7


def _dated_in(
    col: Any, days_before: tuple[int, ...], lo: date, hi: date, weekday: Callable[[Any], ColumnElement[int]]
) -> ColumnElement[bool]:
    """Rows of a due-date column with a nudge dated in [lo, hi]: ``days_before`` it, on it, or weekly after.

    A superset is fine (the exact moment is worked out in Python); what matters is that rows with
    no nudge in the interval, which is most of them, are never read.
    """
    day = timedelta(days=1)
    hits = [col.between(lo + b * day, hi + b * day) for b in days_before]
    hits.append(col.between(lo, hi))
    last_weekly = hi - OVERDUE_INTERVAL_DAYS * day
    span = (hi - lo).days + 1
    if span >= OVERDUE_INTERVAL_DAYS:
        hits.append(col <= last_weekly)
    else:
        days = sorted({_sunday_first(lo + i * day) for i in range(span)})
        hits.append(and_(col <= last_weekly, weekday(col).in_(days)))
    return and_(col <= hi + max(days_before, default=0) * day, or_(*hits))


async def find_due(
    session: AsyncSession,
    now: datetime,
    since: datetime | None = None,
    hours: WorkingHours = DEFAULT_HOURS,
) -> AsyncIterator[DueNudge]:
    """The nudges that fell due after ``since`` and at or before ``now``: only the latest per subject.

    With ``since`` None (the very first sweep), the latest nudge due by ``now`` of every subject.
    Rows are streamed; only those that could have a nudge in the interval are read.
    """
    weekday = _weekday_sql(session.get_bind().dialect.name)
    nations = (await session.execute(select(LocalAssociation.nation).distinct())).scalars().all()
    for stored in nations:
        nation = Nation.parse(stored)
        # Found outside working time (after an outage): it goes at the next working morning.
        send_at = None if hours.is_working_moment(now, nation) else hours.next_sending_moment(now, nation)
        in_nation = and_(LocalAssociation.id == Employer.association_id, LocalAssociation.nation == stored)
        dates = _dated_between(since, now, nation, hours)
        if dates is not None:
            lo, hi = dates
            reviews = (
                select(ActionPlan.id, ActionPlan.review_on)
                .join(
                    Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle)
                )
                .join(LocalAssociation, in_nation)
                .where(
                    Employer.stage.in_([s.value for s in REVIEWABLE]),
                    ActionPlan.status == "active",
                    _dated_in(ActionPlan.review_on, REVIEW_DAYS_BEFORE, lo, hi, weekday),
                )
            )
            async for plan_id, review_on in await session.stream(reviews.execution_options(yield_per=2000)):
                latest = review_due_window(review_on, now, nation, hours).latest
                if n := _new(
                    NudgeKind.REVIEW, review_subject(plan_id), latest and latest.at, since, now, send_at
                ):
                    yield n
            actions = (
                select(WorkplanAction.id, WorkplanAction.by_date)
                .join(ActionPlan, ActionPlan.id == WorkplanAction.plan_id)
                .join(
                    Employer, and_(Employer.id == ActionPlan.employer_id, Employer.cycle == ActionPlan.cycle)
                )
                .join(LocalAssociation, in_nation)
                .where(
                    WorkplanAction.status == "open",
                    ActionPlan.status == "active",
                    Employer.stage.in_([s.value for s in IN_SCHEME]),
                    _dated_in(WorkplanAction.by_date, WORKPLAN_DAYS_BEFORE, lo, hi, weekday),
                )
            )
            async for action_id, by_date in await session.stream(actions.execution_options(yield_per=2000)):
                latest = workplan_due_window(by_date, now, nation, hours).latest
                if n := _new(
                    NudgeKind.WORKPLAN, workplan_subject(action_id), latest and latest.at, since, now, send_at
                ):
                    yield n

        # Waiting for a decision: chased from ``stage_since``, in working days.
        first_chase = timedelta(days=min(APPROVAL_CHASE_WORKING_DAYS[0], PARTNER_CHASE_WORKING_DAYS))
        waiting = (
            select(Employer.id, Employer.revision, Employer.stage, Employer.stage_since)
            .join(LocalAssociation, in_nation)
            .where(
                Employer.stage.in_([s.value for s in (*_WAITING, Stage.PARTNER_CONSULTATION)]),
                Employer.stage_since <= now - first_chase,
            )
        )
        if since is not None:
            waiting = waiting.where(Employer.stage_since > since - _CHASE_SPAN)
        for emp_id, revision, stage, stage_since in (await session.execute(waiting)).all():
            if stage == Stage.PARTNER_CONSULTATION:
                at: datetime | None = partner_waiting_moment(stage_since, nation, hours)
                n = _new(NudgeKind.PARTNER, partner_subject(emp_id, revision), at, since, now, send_at)
            else:
                moments = [m.at for m in approval_waiting_moments(stage_since, nation, hours) if m.at <= now]
                at = moments[-1] if moments else None
                subject = approval_subject(emp_id, revision, Stage(stage))
                n = _new(NudgeKind.APPROVAL, subject, at, since, now, send_at)
            if n:
                yield n


def _new(
    kind: NudgeKind,
    subject: str,
    at: datetime | None,
    since: datetime | None,
    now: datetime,
    send_at: datetime | None,
) -> DueNudge | None:
    """The nudge due ``at``, if that is in (since, now]; it goes at ``send_at`` if given."""
    if at is None or at > now or (since is not None and at <= since):
        return None
    return DueNudge(kind, subject, at, send_at or at)


# --------------------------------------------------------------------------- what each nudge says


@dataclass(frozen=True)
class Prepared:
    """What to do with one claimed nudge.

    ``notices`` to deliver; or nothing, with ``skip`` saying why (no longer due, superseded by a
    later one, everyone snoozed it); or ``defer_until`` when now is outside the association's
    working time. ``falls_due`` names an employer whose review date has come: the clock moves it
    to REVIEW_DUE (through the engine) before sending.
    """

    notices: tuple[Notice, ...] = ()
    skip: str | None = None
    defer_until: datetime | None = None
    falls_due: int | None = None


def _when(due: date, today: date, *, due_word: bool = True) -> str:
    """How a deadline stands today: "due in 7 days", "due today", "2 weeks overdue"."""
    days = (due - today).days
    lead = "due " if due_word else ""
    if days > 1:
        return f"{lead}in {days} days"
    if days == 1:
        return f"{lead}tomorrow"
    if days == 0:
        return f"{lead}today"
    weeks = -days // OVERDUE_INTERVAL_DAYS
    if weeks == 0:
        return f"{-days} day{'s' if days < -1 else ''} overdue"
    return f"{weeks} week{'s' if weeks > 1 else ''} overdue"


def _snooze_button(kind: NudgeKind, subject: str, employer_id: int) -> Button:
    return Button(SNOOZE, "Snooze a week", employer_id, value=snooze_value(kind, subject))


def _decision_buttons(
    emp: Employer, approve: Action, reject: Action, yes: str, no: str
) -> tuple[Button, ...]:
    return (
        Button(approve.value, yes, emp.id, emp.revision, style=ButtonStyle.PRIMARY),
        Button(reject.value, no, emp.id, emp.revision, style=ButtonStyle.DANGER, needs=(Need.REASONS,)),
    )


def _as_reminders(
    notices: Iterable[Notice], kind: NudgeKind, subject: str, snoozed: Collection[int]
) -> tuple[Notice, ...]:
    """Reminder notices with a snooze button; one per person, none to people who snoozed it."""
    out: list[Notice] = []
    told: set[int] = set()
    for n in notices:
        if isinstance(n.to, ToPerson):
            person = n.to.person
            if not isinstance(person, PersonRef) or person.id in told or person.id in snoozed:
                continue
            told.add(person.id)
        snooze = _snooze_button(kind, subject, n.employer_id or 0)
        out.append(replace(n, kind=Kind.REMINDER, buttons=(*n.buttons, snooze), key=None, replaces=None))
    return tuple(out)


def _to(person: Person | None) -> ToPerson | None:
    return ToPerson(PersonRef(person.id, person.label)) if person is not None else None


class _Preparer:
    """Builds the notices of a batch of claimed nudges in one session."""

    def __init__(
        self,
        session: AsyncSession,
        engine: Engine,
        hours: WorkingHours,
        now: datetime,
        snoozes: set[tuple[int, str, str]],
    ) -> None:
        self.s, self.engine, self.hours, self.now = session, engine, hours, now
        self.snoozes = snoozes
        self.loaded: list[Any] = []

    async def preload(self, keys: Iterable[tuple[NudgeKind, tuple[str, ...]]]) -> None:
        """Load a batch's rows in a few queries; each nudge then finds its rows in the session."""
        ids: dict[NudgeKind, set[int]] = {k: set() for k in NudgeKind}
        for kind, parts in keys:
            ids[kind].add(int(parts[0]))
        actions = await self._all(WorkplanAction, ids[NudgeKind.WORKPLAN])
        plans = await self._all(ActionPlan, ids[NudgeKind.REVIEW] | {a.plan_id for a in actions})
        employers = ids[NudgeKind.APPROVAL] | ids[NudgeKind.PARTNER] | {p.employer_id for p in plans}
        owners = {a.owner_person_id for a in actions if a.owner_person_id}
        # The session's identity map holds rows weakly: keep them for the batch.
        self.loaded = [
            *actions,
            *plans,
            *await self._all(Employer, employers),
            *await self._all(Person, owners),
        ]

    async def _all(self, model: Any, ids: set[int]) -> list[Any]:
        found: list[Any] = []
        ordered = sorted(ids)
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            found += (await self.s.execute(select(model).where(model.id.in_(chunk)))).scalars().all()
        return found

    def snoozed(self, kind: NudgeKind, subject: str) -> set[int]:
        return {p for p, k, s in self.snoozes if k == kind.value and s == subject}

    def today(self) -> date:
        return self.now.astimezone(self.hours.tz).date()

    def off_hours(self, emp: Employer) -> Prepared | None:
        nation = Nation.parse(emp.association.nation)
        if self.hours.is_working_moment(self.now, nation):
            return None
        return Prepared(defer_until=self.hours.next_sending_moment(self.now, nation))

    async def employer(self, employer_id: int) -> Employer | None:
        return await self.s.get(Employer, employer_id)

    async def review(self, subject: str, due_at: datetime, plan_id: int) -> Prepared:
        plan = await self.s.get(ActionPlan, plan_id)
        emp = await self.employer(plan.employer_id) if plan else None
        if plan is None or emp is None or emp.cycle != plan.cycle or plan.status != "active":
            return Prepared(skip="no longer due")
        if Stage(emp.stage) not in REVIEWABLE:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(emp):
            return wait
        latest = review_due_window(
            plan.review_on, self.now, Nation.parse(emp.association.nation), self.hours
        ).latest
        if latest is None or latest.at != due_at:
            return Prepared(skip="superseded")
        notices = self.engine.review_due_notices(
            emp, plan, _when(plan.review_on, self.today(), due_word=False)
        )
        reminders = _as_reminders(notices, NudgeKind.REVIEW, subject, self.snoozed(NudgeKind.REVIEW, subject))
        falls_due = emp.id if emp.stage == Stage.JOINED and plan.review_on <= self.today() else None
        return Prepared(reminders, falls_due=falls_due)

    async def workplan(self, subject: str, due_at: datetime, action_id: int) -> Prepared:
        wa = await self.s.get(WorkplanAction, action_id)
        plan = await self.s.get(ActionPlan, wa.plan_id) if wa else None
        emp = await self.employer(plan.employer_id) if plan else None
        if wa is None or plan is None or emp is None or wa.status != "open" or plan.status != "active":
            return Prepared(skip="no longer due")
        if emp.cycle != plan.cycle or Stage(emp.stage) not in IN_SCHEME:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(emp):
            return wait
        latest = workplan_due_window(
            wa.by_date, self.now, Nation.parse(emp.association.nation), self.hours
        ).latest
        if latest is None or latest.at != due_at:
            return Prepared(skip="superseded")
        owner = await self.s.get(Person, wa.owner_person_id) if wa.owner_person_id else None
        owner_name: PersonRef | str = PersonRef(owner.id, owner.label) if owner else wa.owner
        when = _when(wa.by_date, self.today())
        what = (
            text(f"Action {wa.number}: {wa.detail}"),
            text("Owner: ", owner_name, f". By: {wa.by_date_text} ({wa.by_date:%d %B %Y})."),
        )
        done = text(
            "When it is done, click Mark done and these reminders stop. If it needs a new date, agree one "
            "with the partner unions."
        )
        head = f"Workplan action {wa.number} for {emp.name}: {when}"
        mark_done = Button(WORKPLAN_DONE, "Mark done", emp.id, value=str(wa.id), style=ButtonStyle.PRIMARY)
        notices = [
            Notice(Kind.REMINDER, to, head, body=what, employer_id=emp.id, next_step=done, buttons=(mark_done,))
            for to in (_to(owner), ToPartnerSpace(emp.id))
            if to is not None
        ]
        if copies_secretary(latest) and (secretary := _to(emp.association.secretary)):
            notices.append(
                Notice(
                    Kind.REMINDER,
                    secretary,
                    f"Overdue workplan action: {emp.name}, action {wa.number} ({when})",
                    body=(
                        *what,
                        text(
                            ("Its owner and the partner channel have" if owner else "The partner channel has")
                            + " been reminded every week since it fell due."
                        ),
                    ),
                    employer_id=emp.id,
                    next_step=text(
                        "Please check with the owner and the partner unions whether it is stuck or needs a new date."
                    ),
                )
            )
        return Prepared(
            _as_reminders(notices, NudgeKind.WORKPLAN, subject, self.snoozed(NudgeKind.WORKPLAN, subject))
        )

    async def approval(
        self, subject: str, due_at: datetime, employer_id: int, revision: int, role: str
    ) -> Prepared:
        emp = await self.employer(employer_id)
        stage = Stage.AWAITING_SECRETARY if role == "secretary" else Stage.AWAITING_NEM
        if emp is None or emp.stage != stage or emp.revision != revision:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(emp):
            return wait
        nation = Nation.parse(emp.association.nation)
        moments = [
            m for m in approval_waiting_moments(emp.stage_since, nation, self.hours) if m.at <= self.now
        ]
        if not moments or moments[-1].at != due_at:
            return Prepared(skip="superseded")
        days = moments[-1].working_days
        assoc = emp.association
        if role == "secretary":
            approver, title = assoc.secretary, "Local Association Secretary"
            buttons = _decision_buttons(
                emp, Action.SECRETARY_APPROVE, Action.SECRETARY_REJECT, "Approve", "Reject"
            )
        else:
            approver, title = assoc.nem, "National Executive Member"
            buttons = _decision_buttons(emp, Action.NEM_APPROVE, Action.NEM_REJECT, "Approve", "Reject")
        decide = text("Approve it, or reject it with your reasons, so the proposal can move on.")
        notices: list[Notice] = []
        if to := _to(approver):
            notices.append(
                Notice(
                    Kind.REMINDER,
                    to,
                    f"Still waiting for your decision: {emp.name}",
                    body=(text(f"{emp.name} has waited {days} working days for you to decide, as {title}."),),
                    buttons=buttons,
                    employer_id=emp.id,
                    next_step=decide,
                )
            )
        if days >= APPROVAL_CHASE_WORKING_DAYS[-1]:
            deputy = assoc.deputy if role == "secretary" else None
            if (to := _to(deputy)) and (approver is None or to.person.id != approver.id):
                notices.append(
                    Notice(
                        Kind.REMINDER,
                        to,
                        f"Waiting for the Secretary: {emp.name}",
                        body=(
                            text(
                                f"{emp.name} has waited {days} working days for the Local Association Secretary, ",
                                ref(approver),
                                ". As deputy, you can decide it.",
                            ),
                        ),
                        buttons=buttons,
                        employer_id=emp.id,
                        next_step=decide,
                    )
                )
            if to := _to(emp.proposer):
                notices.append(
                    Notice(
                        Kind.REMINDER,
                        to,
                        f"Still waiting: {emp.name}",
                        body=(
                            text(
                                f"Your proposal for {emp.name} has waited {days} working days for the {title}, ",
                                ref(approver),
                                ". The bot has reminded them.",
                            ),
                        ),
                        employer_id=emp.id,
                        next_step=text("Nothing to do: you'll hear when they decide."),
                    )
                )
        skip = self.snoozed(NudgeKind.APPROVAL, subject)
        return Prepared(_as_reminders(notices, NudgeKind.APPROVAL, subject, skip))

    async def partner(self, subject: str, due_at: datetime, employer_id: int, revision: int) -> Prepared:
        emp = await self.employer(employer_id)
        if emp is None or emp.stage != Stage.PARTNER_CONSULTATION or emp.revision != revision:
            return Prepared(skip="no longer due")
        if wait := self.off_hours(emp):
            return wait
        if (
            partner_waiting_moment(emp.stage_since, Nation.parse(emp.association.nation), self.hours)
            != due_at
        ):
            return Prepared(skip="superseded")
        spoken = set(
            (
                await self.s.execute(
                    select(PartnerVoice.union).where(
                        PartnerVoice.employer_id == emp.id, PartnerVoice.revision == emp.revision
                    )
                )
            ).scalars()
        )
        waiting = [u for u in PARTNER_UNIONS if u not in spoken]
        if not waiting:
            return Prepared(skip="no longer due")
        reps = (
            await self.s.execute(
                select(RoleRow.union, Person)
                .join(Person, Person.id == RoleRow.person_id)
                .where(
                    RoleRow.association_id == emp.association_id,
                    RoleRow.role == "partner_rep",
                    RoleRow.union.in_(waiting),
                )
                .order_by(RoleRow.union, Person.id)
            )
        ).all()
        body: list[Text] = [
            text(
                f"{emp.name} has waited {PARTNER_CHASE_WORKING_DAYS} working days for the partner unions. Still to answer: "
                f"{', '.join(waiting)}."
            )
        ]
        mentions: list[PersonRef | str] = []
        for union, person in reps:
            if person.slack_id or person.teams_id:
                mentions += [", " if mentions else "", PersonRef(person.id, person.label), f" ({union})"]
        if mentions:
            body.append(text("Reps: ", *mentions, "."))
        notice = Notice(
            Kind.REMINDER,
            ToPartnerSpace(emp.id),
            f"Still waiting for {' and '.join(waiting)}: {emp.name}",
            body=tuple(body),
            buttons=_decision_buttons(
                emp, Action.PARTNER_AGREE, Action.PARTNER_DISAGREE, "Agree", "Disagree"
            ),
            employer_id=emp.id,
            next_step=text(
                "One answer per union: click Agree or Disagree, or reply \u201cagree\u201d in this thread."
            ),
        )
        return Prepared(_as_reminders([notice], NudgeKind.PARTNER, subject, ()))


async def prepare(
    session: AsyncSession,
    engine: Engine,
    nudges: Iterable[tuple[str, str, datetime]],
    now: datetime,
    hours: WorkingHours = DEFAULT_HOURS,
) -> list[Prepared]:
    """What to send for each (kind, subject, due moment), in order: see :class:`Prepared`.

    Reads only; ``engine`` supplies the review request's wording and buttons.
    """
    keys = list(nudges)
    subjects = {subject for _, subject, _ in keys}
    snoozes = {
        (p, k, s)
        for p, k, s in (
            await session.execute(
                select(Snooze.person_id, Snooze.kind, Snooze.subject).where(
                    Snooze.until > now, Snooze.subject.in_(subjects)
                )
            )
        ).all()
    }
    build = _Preparer(session, engine, hours, now, snoozes)
    parsed = [_parse(kind, subject) for kind, subject, _ in keys]
    await build.preload(p for p in parsed if p is not None)
    out: list[Prepared] = []
    for (_, subject, due_at), known in zip(keys, parsed, strict=True):
        if known is None:
            out.append(Prepared(skip="unknown kind or subject"))
            continue
        kind, parts = known
        if kind is NudgeKind.REVIEW:
            out.append(await build.review(subject, due_at, int(parts[0])))
        elif kind is NudgeKind.WORKPLAN:
            out.append(await build.workplan(subject, due_at, int(parts[0])))
        elif kind is NudgeKind.APPROVAL:
            out.append(await build.approval(subject, due_at, int(parts[0]), int(parts[1]), parts[2]))
        else:
            out.append(await build.partner(subject, due_at, int(parts[0]), int(parts[1])))
        if out[-1].notices == () and out[-1].skip is None and out[-1].defer_until is None:
            out[-1] = Prepared(skip="nobody to tell: snoozed, or not in the directory")
    return out


# --------------------------------------------------------------------------- snooze


def dialect_insert(session: AsyncSession) -> Any:
    """``insert`` of the session's database, for ON CONFLICT clauses (PostgreSQL or SQLite)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def _describe(s: AsyncSession, kind: NudgeKind, subject: str) -> tuple[str, int] | None:
    """What a reminder is about, in words, and its employer; None if there is no such thing."""
    parts = _parts(kind, subject)
    if parts is None:
        return None
    if kind is NudgeKind.WORKPLAN:
        wa = await s.get(WorkplanAction, int(parts[0]))
        plan = await s.get(ActionPlan, wa.plan_id) if wa else None
        emp = await s.get(Employer, plan.employer_id) if plan else None
        return (f"workplan action {wa.number} for {emp.name}", emp.id) if wa and emp else None
    if kind is NudgeKind.REVIEW:
        plan = await s.get(ActionPlan, int(parts[0]))
        emp = await s.get(Employer, plan.employer_id) if plan else None
        return (f"the review of {emp.name}", emp.id) if emp else None
    emp = await s.get(Employer, int(parts[0]))
    if emp is None:
        return None
    if kind is NudgeKind.APPROVAL:
        return f"the decision on {emp.name}", emp.id
    return f"the partner unions' answer on {emp.name}", emp.id


async def snooze(
    engine_or_sessions: Engine | async_sessionmaker[AsyncSession],
    who: Who,
    kind: str,
    subject: str,
    now: datetime,
) -> Outcome:
    """A person snoozes one reminder for a week: they get no more of it until then.

    Reminders posted in a shared partner channel still go there, for everyone else.
    """
    if isinstance(engine_or_sessions, Engine):
        sessions, tz = engine_or_sessions.sessions, engine_or_sessions.tz
    else:
        sessions, tz = engine_or_sessions, DEFAULT_HOURS.tz
    gone = Outcome(
        ok=False,
        reply=("That reminder is no longer running, so there is nothing to snooze. " + NOTHING_CHANGED,),
    )
    try:
        k = NudgeKind(kind)
    except ValueError:
        return gone
    until = now + SNOOZE_FOR
    async with sessions() as s, s.begin():
        person = await find_person(s, who)
        if person is None:
            return Outcome(
                ok=False,
                reply=(
                    "You're not in the VWS directory, so the bot doesn't send you reminders. "
                    + NOTHING_CHANGED,
                ),
            )
        about = await _describe(s, k, subject)
        if about is None:
            return gone
        what, employer_id = about
        insert = dialect_insert(s)
        await s.execute(
            insert(Snooze)
            .values(person_id=person.id, kind=k.value, subject=subject, until=until)
            .on_conflict_do_update(index_elements=["person_id", "kind", "subject"], set_={"until": until})
        )
    local = until.astimezone(tz)
    channel = k is not NudgeKind.APPROVAL
    return Outcome(
        ok=True,
        changed=True,
        employer_id=employer_id,
        reply=text(
            f"Snoozed for a week: you won't get reminders about {what} until "
            f"{local:%A} {local.day} {local:%B} at {local:%H:%M}.",
            " Reminders in the partner channel still go there, for the others." if channel else None,
        ),
    )


__all__ = [
    "SNOOZE",
    "SNOOZE_FOR",
    "DueNudge",
    "NudgeKind",
    "Prepared",
    "approval_subject",
    "dialect_insert",
    "find_due",
    "parse_snooze_value",
    "partner_subject",
    "prepare",
    "review_subject",
    "snooze",
    "snooze_value",
    "workplan_subject",
]
