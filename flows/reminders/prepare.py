"""What each nudge says to whom: turns a claimed nudge into notices, checking it is still due and
still the latest, and leaving out the people who snoozed it. Reads only."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.away.delegation import on_day, route
from flows.calendar import (
    APPROVAL_CHASE_WORKING_DAYS,
    OVERDUE_INTERVAL_DAYS,
    PARTNER_CHASE_WORKING_DAYS,
    Nation,
    WorkingHours,
    approval_waiting_moments,
    copies_secretary,
    partner_waiting_moment,
    review_due_window,
    workplan_due_window,
)
from flows.directory import PARTNER_UNIONS
from flows.notices import Button, Kind, Notice, PersonRef, Text, ToPartnerSpace, ToPerson
from flows.reminders.sources import Prepared, Snoozes
from flows.reminders.subjects import SNOOZE, NudgeKind, parse, snooze_value
from flows.signup.case import Case, ref
from flows.signup.journey import IN_SCHEME, REVIEWABLE, TABLE, Action, Stage
from flows.signup.review import review_due_notices
from flows.wording import due_by, say, say_str
from models.tables import Absence, ActionPlan, Employer, Held, PartnerVoice, Person, WorkplanAction
from models.tables import Role as RoleRow


def _when(due: date, today: date, *, due_word: bool = True) -> str:
    """How a deadline stands today: "due in 7 days", "due today", "2 weeks overdue"."""
    days = (due - today).days
    lead = say_str("remind.due_word") if due_word else ""
    if days > 1:
        return lead + say_str("remind.in_days", n=days)
    if days == 1:
        return lead + say_str("remind.tomorrow")
    if days == 0:
        return lead + say_str("remind.today")
    weeks = -days // OVERDUE_INTERVAL_DAYS
    if weeks == 0:
        return say_str("remind.days_overdue", n=-days)
    return say_str("remind.weeks_overdue", n=weeks)


def _snooze_button(kind: NudgeKind, subject: str, employer_id: int) -> Button:
    return Button(SNOOZE, say_str("remind.snooze"), employer_id, value=snooze_value(kind, subject))


def _buttons(emp: Employer, *actions: Action) -> tuple[Button, ...]:
    """The buttons of the journey's rows, as the case offers them now."""
    return TABLE.offer(Case(emp, None, frozenset()), *actions)


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
        hours: WorkingHours,
        now: datetime,
        snoozes: Snoozes,
    ) -> None:
        self.s, self.hours, self.now = session, hours, now
        self.snoozes = snoozes
        self.loaded: list[Any] = []
        self.away: set[int] | None = None  # who is away today (None: not looked up, ask per nudge)

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
        # Who is away today, once for the batch (a few people at most): a nudge to anyone else
        # goes straight to them, with no query of its own.
        self.away = set((await self.s.execute(select(Absence.person_id).where(on_day(self.today())))).scalars())

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

    async def rerouted(self, notices: list[Notice]) -> list[Notice]:
        """The notices, those to someone away today sent to whoever acts for them instead (saying so)."""
        out: list[Notice] = []
        for n in notices:
            if isinstance(n.to, ToPerson) and n.to.person.id and (self.away is None or n.to.person.id in self.away):
                routed = await route(self.s, await self.s.get(Person, n.to.person.id), self.today())
                if routed.redirected and routed.to is not None:
                    away = routed.passed[0]
                    body = (say("away.acting_for", absent=ref(away.person), until=away.until), *n.body)
                    n = replace(n, to=ToPerson(PersonRef(routed.to.id, routed.to.label)), body=body,
                                acting_for=away.person.id)
            out.append(n)
        return out

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
        notices = await self.rerouted(review_due_notices(emp, plan, _when(plan.review_on, self.today(), due_word=False)))
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
            say("remind.workplan.what", number=wa.number, detail=wa.detail),
            say("remind.workplan.owner", owner=owner_name, by=due_by(wa.by_date_text, wa.by_date)),
        )
        done = say("remind.workplan.next")
        head = say_str("remind.workplan.headline", number=wa.number, employer=emp.name, when=when)
        mark_done = tuple(replace(b, value=str(wa.id)) for b in _buttons(emp, Action.WORKPLAN_DONE))
        notices = [
            Notice(Kind.REMINDER, to, head, body=what, employer_id=emp.id, next_step=done, buttons=mark_done)
            for to in (_to(owner), ToPartnerSpace(emp.id, in_channel=True))
            if to is not None
        ]
        if copies_secretary(latest) and (secretary := _to(emp.association.secretary)):
            notices.append(
                Notice(
                    Kind.REMINDER,
                    secretary,
                    say_str("remind.workplan.secretary.headline", employer=emp.name, number=wa.number, when=when),
                    body=(*what, say("remind.workplan.secretary.owner" if owner else "remind.workplan.secretary.channel")),
                    employer_id=emp.id,
                    next_step=say("remind.workplan.secretary.next"),
                )
            )
        return Prepared(
            _as_reminders(await self.rerouted(notices), NudgeKind.WORKPLAN, subject, self.snoozed(NudgeKind.WORKPLAN, subject))
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
            approver, title = assoc.secretary, say_str("role_title.secretary")
            buttons = _buttons(emp, Action.SECRETARY_APPROVE, Action.SECRETARY_REJECT)
        else:
            approver, title = assoc.nem, say_str("role_title.nem")
            buttons = _buttons(emp, Action.NEM_APPROVE, Action.NEM_REJECT)
        decide = say("remind.approval.next")
        notices: list[Notice] = []
        routed = await route(self.s, approver, self.today())  # while they are away: whoever acts for them
        asked: tuple[Text, ...] = (say("remind.approval.body", employer=emp.name, n=days, title=title),)
        acting_for = routed.passed[0].person.id if routed.redirected else None
        if routed.redirected:
            away = routed.passed[0]
            approver = routed.to
            asked = (say("away.acting_for", absent=ref(away.person), until=away.until), *asked)
        if to := _to(approver):
            notices.append(
                Notice(
                    Kind.REMINDER,
                    to,
                    say_str("remind.approval.headline", employer=emp.name),
                    body=asked,
                    buttons=buttons,
                    employer_id=emp.id,
                    next_step=decide,
                    acting_for=acting_for,
                )
            )
        if days >= APPROVAL_CHASE_WORKING_DAYS[-1]:
            deputy = assoc.deputy if role == "secretary" else None
            if (to := _to(deputy)) and (approver is None or to.person.id != approver.id):
                notices.append(
                    Notice(
                        Kind.REMINDER,
                        to,
                        say_str("remind.deputy.headline", employer=emp.name),
                        body=(say("remind.deputy.body", employer=emp.name, n=days, secretary=ref(approver)),),
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
                        say_str("remind.proposer.headline", employer=emp.name),
                        body=(say("remind.proposer.body", employer=emp.name, n=days, title=title, approver=ref(approver)),),
                        employer_id=emp.id,
                        next_step=say("remind.proposer.next"),
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
                    RoleRow.role == Held.PARTNER_REP,
                    RoleRow.union.in_(waiting),
                )
                .order_by(RoleRow.union, Person.id)
            )
        ).all()
        body: list[Text] = [
            say("remind.partner.body", employer=emp.name, n=PARTNER_CHASE_WORKING_DAYS, unions=", ".join(waiting))
        ]
        mentions: list[PersonRef | str] = []
        for union, person in reps:
            if person.slack_id or person.teams_id:
                mentions += [", " if mentions else "", PersonRef(person.id, person.label), f" ({union})"]
        if mentions:
            body.append(say("remind.partner.reps", reps=tuple(mentions)))
        notice = Notice(
            Kind.REMINDER,
            ToPartnerSpace(emp.id, in_channel=True),
            say_str("remind.partner.headline", unions=" and ".join(waiting), employer=emp.name),
            body=tuple(body),
            buttons=_buttons(emp, Action.PARTNER_AGREE, Action.PARTNER_DISAGREE),
            employer_id=emp.id,
            next_step=say("remind.partner.next"),
        )
        return Prepared(_as_reminders([notice], NudgeKind.PARTNER, subject, ()))


async def prepare_signup(
    session: AsyncSession,
    keys: Sequence[tuple[str, str, datetime]],
    now: datetime,
    hours: WorkingHours,
    snoozes: Snoozes,
) -> list[Prepared]:
    """What to send for each of the sign-up journey's (kind, subject, due moment), in order."""
    build = _Preparer(session, hours, now, snoozes)
    parsed = [parse(kind, subject) for kind, subject, _ in keys]
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
    return out
