"""The Best Value Code's nudges, on the reminder clock and its working-day rules:

- ``code_idle``: clauses not discussed for 20 working days (while the branches negotiate), to the
  adoption's space and its lead; every 20 working days, naming the clauses no branch has touched.
- ``code_committee``: the committee's decision pending: to the lead every 20 working days.
- ``code_period``: an indicator's year has ended (the first working morning after 31 March): its
  owner is asked to Record actual, unless one is recorded.
- ``code_contract``: a contractor's response due: the lead is chased once, 10 working days after
  the request was sent, if no response is recorded.
- ``code_review``: the Code's annual review: 30 and 7 days before, on the day, then weekly.

Each is derived from the rows (no job per item) and goes out at a working moment of the
association's nation (its bank holidays). Adoptions are few, so the finder reads the live ones.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.bestvalue.adoption import space
from flows.bestvalue.case import AdoptionCase, ContractCase, adoption_case, to
from flows.bestvalue.indicators import period_end
from flows.bestvalue.process import CONTRACT_TABLE, TABLE, Action, ContractStage, Stage
from flows.calendar import Nation, WorkingHours, review_due_window, waited_working_days
from flows.core.unit import Core
from flows.notices import Button, Kind, Notice, ToPerson, ToSpace
from flows.reminders.sources import DueNudge, Prepared, Snoozes, Source
from flows.reminders.subjects import SNOOZE
from flows.wording import say, say_str
from models.bestvalue import (
    ClausePosition,
    CodeAdoption,
    CodeContract,
    CodeIndicator,
    IndicatorActual,
    IndicatorTarget,
)

IDLE_WORKING_DAYS = 20
COMMITTEE_WORKING_DAYS = 20
CONTRACT_CHASE_WORKING_DAYS = 10
KINDS = ("code_idle", "code_committee", "code_period", "code_contract", "code_review")
_SUBJECT = {
    "code_idle": re.compile(r"adoption:(\d+)"),
    "code_committee": re.compile(r"adoption:(\d+)"),
    "code_review": re.compile(r"adoption:(\d+)"),
    "code_period": re.compile(r"indicator:(\d+):(\d{4}-\d{2})"),
    "code_contract": re.compile(r"contract:(\d+)"),
}


class _Clock:
    """The little of the engine an adoption case needs to say when something happened."""

    def __init__(self, hours: WorkingHours, now: datetime) -> None:
        self.tz, self._now = hours.tz, now
        self.sessions = None

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(self.tz).date()

    def when(self, at: datetime) -> str:
        local = at.astimezone(self.tz)
        return f"{local.day} {local:%b %Y} at {local:%H:%M}"


def every(start: datetime, n: int, now: datetime, nation: Nation, hours: WorkingHours) -> datetime | None:
    """The latest moment at or before ``now`` of "every ``n`` working days after ``start``"."""
    latest, k = None, 1
    while (at := waited_working_days(start, n * k, nation, hours)) <= now and k < 1000:
        latest, k = at, k + 1
    return latest


def _due(kind: str, subject: str, at: datetime | None, since: datetime | None, now: datetime,
         send_at: datetime | None) -> DueNudge | None:  # fmt: skip
    if at is None or at > now or (since is not None and at <= since):
        return None
    return DueNudge(kind, subject, at, send_at or at)


def _morning_after(d: date, nation: Nation, hours: WorkingHours) -> datetime:
    return hours.next_sending_moment(hours.local_morning(date.fromordinal(d.toordinal() + 1)), nation)


async def find_code(s: AsyncSession, now: datetime, since: datetime | None, hours: WorkingHours) -> AsyncIterator[DueNudge]:
    rows = (await s.execute(select(CodeAdoption).where(
        CodeAdoption.stage.in_([x.value for x in Stage])))).scalars().all()  # fmt: skip
    for a in rows:
        nation = Nation.parse(a.association.nation)
        send_at = None if hours.is_working_moment(now, nation) else hours.next_sending_moment(now, nation)
        subject = f"adoption:{a.id}"
        if a.stage == Stage.NEGOTIATING:
            if n := _due("code_idle", subject, every(a.stage_since, IDLE_WORKING_DAYS, now, nation, hours), since, now, send_at):
                yield n
        elif a.stage == Stage.AT_COMMITTEE:
            at = every(a.stage_since, COMMITTEE_WORKING_DAYS, now, nation, hours)
            if n := _due("code_committee", subject, at, since, now, send_at):
                yield n
        elif a.review_on is not None:
            latest = review_due_window(a.review_on, now, nation, hours).latest
            if n := _due("code_review", subject, latest.at if latest else None, since, now, send_at):
                yield n
        contracts = (await s.execute(select(CodeContract.id, CodeContract.sent_at).where(
            CodeContract.adoption_id == a.id, CodeContract.stage == ContractStage.SENT.value))).all()  # fmt: skip
        for cid, sent_at in contracts:
            if sent_at is None:
                continue
            at = waited_working_days(sent_at, CONTRACT_CHASE_WORKING_DAYS, nation, hours)
            if n := _due("code_contract", f"contract:{cid}", at, since, now, send_at):
                yield n
        targets = (await s.execute(select(IndicatorTarget.indicator_id, IndicatorTarget.period)
                                   .join(CodeIndicator, CodeIndicator.id == IndicatorTarget.indicator_id)
                                   .where(CodeIndicator.adoption_id == a.id))).all()  # fmt: skip
        for iid, period in targets:
            at = _morning_after(period_end(period), nation, hours)
            if n := _due("code_period", f"indicator:{iid}:{period}", at, since, now, send_at):
                yield n


def _snooze(kind: str, subject: str) -> Button:
    return Button(SNOOZE, say_str("remind.snooze"), 0, value=f"{kind}:{subject}")


def _reminders(notices: list[Notice], kind: str, subject: str, snoozes: Snoozes) -> tuple[Notice, ...]:
    out = []
    for n in notices:
        if isinstance(n.to, ToPerson) and (n.to.person.id, kind, subject) in snoozes:
            continue
        if isinstance(n.to, ToPerson) and n.to.person.id == 0:
            continue
        out.append(replace(n, kind=Kind.REMINDER, buttons=(*n.buttons, _snooze(kind, subject)), key=None, replaces=None))
    return tuple(out)


async def prepare_code(s: AsyncSession, keys: Sequence[tuple[str, str, datetime]], now: datetime,
                       hours: WorkingHours, snoozes: Snoozes) -> list[Prepared]:  # fmt: skip
    clock = _Clock(hours, now)
    out: list[Prepared] = []
    for kind, subject, due_at in keys:
        m = _SUBJECT[kind].fullmatch(subject) if kind in _SUBJECT else None
        if m is None:
            out.append(Prepared(skip="unknown kind or subject"))
            continue
        out.append(await _one(s, clock, kind, subject, due_at, m.groups(), hours, snoozes))
    return out


async def _case(s: AsyncSession, clock: _Clock, adoption_id: int) -> AdoptionCase | None:
    row = await s.get(CodeAdoption, adoption_id)
    return await adoption_case(s, clock, None, row) if row is not None else None  # type: ignore[arg-type]


async def _one(s: AsyncSession, clock: _Clock, kind: str, subject: str, due_at: datetime, parts: tuple[str, ...],
               hours: WorkingHours, snoozes: Snoozes) -> Prepared:  # fmt: skip
    now = clock.now()
    if kind == "code_contract":
        con = await s.get(CodeContract, int(parts[0]))
        if con is None or con.stage != ContractStage.SENT or con.sent_at is None:
            return Prepared(skip="no longer due")
        adoption_id = con.adoption_id
    elif kind == "code_period":
        ind = await s.get(CodeIndicator, int(parts[0]))
        if ind is None:
            return Prepared(skip="no longer due")
        adoption_id = ind.adoption_id
    else:
        adoption_id = int(parts[0])
    case = await _case(s, clock, adoption_id)
    if case is None:
        return Prepared(skip="no longer due")
    nation = Nation.parse(case.row.association.nation)
    if not hours.is_working_moment(now, nation):
        return Prepared(defer_until=hours.next_sending_moment(now, nation))
    lead = to(case.row.lead)
    notices: list[Notice] = []
    if kind == "code_idle":
        if case.stage is not Stage.NEGOTIATING or every(case.row.stage_since, IDLE_WORKING_DAYS, now, nation, hours) != due_at:
            return Prepared(skip="superseded")
        quiet_since, j = case.row.stage_since, 1
        while (m := waited_working_days(case.row.stage_since, IDLE_WORKING_DAYS * j, nation, hours)) < due_at and j < 1000:
            quiet_since, j = m, j + 1
        touched = set((await s.execute(select(ClausePosition.clause_id).where(
            ClausePosition.adoption_id == case.id, ClausePosition.at >= quiet_since))).scalars())  # fmt: skip
        quiet = [c.ref for c in case.code.clauses if not case.settled(c.id) and c.id not in touched]
        if not quiet:
            return Prepared(skip="no longer due")
        head = say_str("code.remind.idle.headline", employer=case.name, n=len(quiet))
        body = (say("code.remind.idle.body", n=len(quiet), refs=", ".join(quiet), days=IDLE_WORKING_DAYS),)
        buttons = TABLE.offer(case, Action.MARK)
        notices = [Notice(Kind.REMINDER, ToSpace(space(case.id)), head, body=body, buttons=buttons),
                   Notice(Kind.REMINDER, lead, head, body=body)]
    elif kind == "code_committee":
        if case.stage is not Stage.AT_COMMITTEE or every(case.row.stage_since, COMMITTEE_WORKING_DAYS, now, nation, hours) != due_at:
            return Prepared(skip="superseded")
        left = case.undecided()
        notices = [Notice(Kind.REMINDER, lead, say_str("code.remind.committee.headline", employer=case.name),
                          body=(say("code.remind.committee.body", employer=case.name, n=len(left)),),
                          buttons=TABLE.offer(case, Action.COMMITTEE, Action.COMMITTEE_REST))]  # fmt: skip
    elif kind == "code_review":
        latest = review_due_window(case.row.review_on, now, nation, hours).latest if case.row.review_on else None
        if case.stage is not Stage.ADOPTED or latest is None or latest.at != due_at:
            return Prepared(skip="superseded")
        notices = [Notice(Kind.REMINDER, lead, say_str("code.remind.review.headline", employer=case.name),
                          body=(say("code.remind.review.body", employer=case.name,
                                    on=f"{case.row.review_on:%-d %B %Y}"),),  # fmt: skip
                          buttons=TABLE.offer(case, Action.REVIEWED))]
    elif kind == "code_contract":
        con = await s.get(CodeContract, int(parts[0]))
        assert con is not None and con.sent_at is not None
        if waited_working_days(con.sent_at, CONTRACT_CHASE_WORKING_DAYS, nation, hours) != due_at:
            return Prepared(skip="superseded")
        c = ContractCase(con, case)
        notices = [Notice(Kind.REMINDER, lead, say_str("code.remind.contract.headline", contractor=con.contractor),
                          body=(say("code.remind.contract.body", contractor=con.contractor, contract=con.contract,
                                    days=CONTRACT_CHASE_WORKING_DAYS, sent=clock.when(con.sent_at)),),
                          buttons=CONTRACT_TABLE.offer(c, Action.RESPONSE))]  # fmt: skip
    else:
        ind = await s.get(CodeIndicator, int(parts[0]))
        assert ind is not None
        period = parts[1]
        recorded = (await s.execute(select(IndicatorActual.id).where(
            IndicatorActual.indicator_id == ind.id, IndicatorActual.period == period))).first()  # fmt: skip
        if recorded is not None:
            return Prepared(skip="no longer due")
        from models.tables import Person

        owner = await s.get(Person, ind.owner_id) if ind.owner_id else case.row.lead
        buttons = tuple(replace(b, value=str(ind.id)) for b in TABLE.offer(case, Action.ACTUAL))
        notices = [Notice(Kind.REMINDER, to(owner), say_str("code.remind.period.headline", name=ind.name, period=period),
                          body=(say("code.remind.period.body", name=ind.name, period=period, employer=case.name),),
                          buttons=buttons)]  # fmt: skip
    return Prepared(_reminders(notices, kind, subject, snoozes))


async def describe_code(s: AsyncSession, kind: str, subject: str) -> tuple[str, int | None] | None:
    m = _SUBJECT[kind].fullmatch(subject) if kind in _SUBJECT else None
    if m is None:
        return None
    return say_str(f"code.snooze.{kind}"), None


SOURCE = Source("code", frozenset(KINDS), find_code, prepare_code, describe_code,
                shared_kinds=frozenset({"code_idle"}))  # fmt: skip


def register() -> None:
    from flows.reminders.sources import register as add

    add(SOURCE)


__all__ = ["SOURCE", "Core", "register"]
