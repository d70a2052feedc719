"""Data protection requests (access, erasure, rectification, objection) and their due dates.

The ICO's rule: a response is due one calendar month from receipt, on the corresponding date of
the next month; when that month has no such date, on its last day; and when that day is not a
working day, on the next working day (weekends and bank holidays, from :mod:`flows.calendar`). It
may be extended by a further two months for complex or several requests, if the person is told
within the first month. The directory's admins are nudged 7 days before a request is due and on
the day (:mod:`flows.privacy.reminders`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.calendar import DEFAULT_HOURS, Nation, WorkingHours
from models.privacy import PrivacyRequest

KINDS = ("access", "erasure", "rectification", "objection")
STATUSES = ("open", "done", "refused")
NATION = Nation.ENGLAND  # requests are answered by the unions nationally, on England's bank holidays


class RequestError(ValueError):
    """A request that cannot be recorded or changed; ``field`` names what was wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def months_later(received: date, months: int, hours: WorkingHours = DEFAULT_HOURS, nation: Nation = NATION) -> date:
    """The ICO's due date ``months`` calendar months after ``received``: the corresponding date (the
    month's last day when it has none), moved on to the next working day if it is not one."""
    due = received + relativedelta(months=months)  # 31 January + 1 month = 28 (or 29) February
    return due if hours.is_working_day(due, nation) else hours.next_working_day(due, nation)


def due_date(received: date) -> date:
    return months_later(received, 1)


def effective_due(r: PrivacyRequest) -> date:
    return r.extended_to or r.due_on


@dataclass(frozen=True)
class Line:
    id: int
    kind: str
    person_id: int | None
    received_on: date
    due_on: date
    extended: bool
    status: str
    reason: str | None


async def add(s: AsyncSession, kind: str, person_id: int | None, received: date, note: str | None = None) -> PrivacyRequest:
    if kind not in KINDS:
        raise RequestError("KIND", f"{kind!r} is not one of {', '.join(KINDS)}")
    row = PrivacyRequest(kind=kind, person_id=person_id, note=note, received_on=received, due_on=due_date(received),
                         status="open")  # fmt: skip
    s.add(row)
    await s.flush()
    return row


async def _open(s: AsyncSession, request_id: int) -> PrivacyRequest:
    row = await s.get(PrivacyRequest, request_id)
    if row is None:
        raise RequestError("ID", f"there is no request #{request_id}")
    if row.status != "open":
        raise RequestError("ID", f"request #{request_id} is already {row.status} (closed {row.closed_on})")
    return row


async def extend(s: AsyncSession, request_id: int, reason: str, today: date) -> PrivacyRequest:
    """Extend by two further months (complex or several requests): only within the first month."""
    row = await _open(s, request_id)
    if not reason.strip():
        raise RequestError("--reason", "say why the request needs longer (the person must be told)")
    if row.extended_to is not None:
        raise RequestError("ID", f"request #{request_id} was already extended, to {row.extended_to}")
    if today > row.due_on:
        raise RequestError("ID", f"an extension must be made within the first month (by {row.due_on}); it is {today}")
    row.extended_to = months_later(row.received_on, 3)
    row.extension_reason = reason.strip()
    return row


async def close(s: AsyncSession, request_id: int, today: date, *, refused: bool = False) -> PrivacyRequest:
    row = await _open(s, request_id)
    row.status = "refused" if refused else "done"
    row.closed_on = today
    return row


async def listing(s: AsyncSession, *, everything: bool = False) -> list[Line]:
    q = select(PrivacyRequest).order_by(PrivacyRequest.due_on, PrivacyRequest.id)
    if not everything:
        q = q.where(PrivacyRequest.status == "open")
    return [Line(r.id, r.kind, r.person_id, r.received_on, effective_due(r), r.extended_to is not None, r.status,
                 r.extension_reason) for r in (await s.execute(q)).scalars()]  # fmt: skip
