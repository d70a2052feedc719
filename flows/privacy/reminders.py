"""The admins' nudges for data protection requests, on the reminder clock's ledger: 7 days before
a request is due and on the day (the working morning, England's bank holidays), while it is open.

A nudge is (``privacy_due``, ``request:<id>:<due date>``, moment): extending a request gives it a
new due date, so a new schedule; closing it stops its nudges.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.calendar import WorkingHours
from flows.notices import Kind, Notice, PersonRef, ToPerson
from flows.privacy.requests import NATION, effective_due
from flows.reminders.sources import DueNudge, Prepared, Snoozes, Source, register
from flows.wording import day, say, say_str
from models.privacy import PrivacyRequest
from models.tables import Person

KIND = "privacy_due"
DAYS_BEFORE = (7, 0)
_SUBJECT = re.compile(r"request:(\d+):(\d{4}-\d{2}-\d{2})")


def moments(due: date, received: date, hours: WorkingHours) -> list[datetime]:
    """When the admins hear of a request: 7 days before it is due and on the day (each the working
    morning, or the next one), leaving out any that would come before it was received."""
    out: list[datetime] = []
    for n in DAYS_BEFORE:
        d = due - timedelta(days=n)
        if d < received:
            continue
        at = hours.next_sending_moment(hours.local_morning(d), NATION)
        if not out or at > out[-1]:
            out.append(at)
    return out


def subject(r: PrivacyRequest) -> str:
    return f"request:{r.id}:{effective_due(r).isoformat()}"


async def find(s: AsyncSession, now: datetime, since: datetime | None, hours: WorkingHours) -> AsyncIterator[DueNudge]:
    q = select(PrivacyRequest).where(PrivacyRequest.status == "open")  # a handful at any time
    for r in (await s.execute(q)).scalars():
        due = [m for m in moments(effective_due(r), r.received_on, hours) if m <= now]
        if due and (since is None or due[-1] > since):
            send_at = due[-1] if hours.is_working_moment(now, NATION) else hours.next_sending_moment(now, NATION)
            yield DueNudge(KIND, subject(r), due[-1], max(send_at, due[-1]))


async def prepare(s: AsyncSession, keys: Sequence[tuple[str, str, datetime]], now: datetime, hours: WorkingHours,
                  snoozes: Snoozes) -> list[Prepared]:  # fmt: skip
    admins = (await s.execute(select(Person).where(Person.is_admin.is_(True)).order_by(Person.id))).scalars().all()
    out: list[Prepared] = []
    for _kind, subj, due_at in keys:
        m = _SUBJECT.fullmatch(subj)
        r = await s.get(PrivacyRequest, int(m.group(1))) if m else None
        if m is None or r is None or r.status != "open" or subject(r) != subj:
            out.append(Prepared(skip="no longer due"))
            continue
        if not hours.is_working_moment(now, NATION):
            out.append(Prepared(defer_until=hours.next_sending_moment(now, NATION)))
            continue
        due = effective_due(r)
        if [x for x in moments(due, r.received_on, hours) if x <= now][-1:] != [due_at]:
            out.append(Prepared(skip="superseded"))
            continue
        days = (due - now.astimezone(hours.tz).date()).days
        when = say_str("privacy_due.today") if days <= 0 else say_str("privacy_due.in", n=days)
        notices = tuple(
            Notice(Kind.REMINDER, ToPerson(PersonRef(a.id, a.label)),
                   say_str("privacy_due.headline", id=r.id, kind=r.kind, when=when),
                   body=(say("privacy_due.body", received=day(r.received_on), due=day(due)),),
                   next_step=say("privacy_due.next", id=r.id))  # fmt: skip
            for a in admins
            if (a.id, KIND, subj) not in snoozes
        )
        out.append(Prepared(notices) if notices else Prepared(skip="no admins in the directory"))
    return out


async def describe(s: AsyncSession, kind: str, subj: str) -> tuple[str, int | None] | None:
    m = _SUBJECT.fullmatch(subj)
    return (f"data protection request #{m.group(1)}", None) if m else None


def register_source() -> None:
    register(Source("privacy", frozenset({KIND}), find, prepare, describe))
