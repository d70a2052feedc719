"""Finished reminder cards: once a reminder's subject is dealt with (a workplan action marked
done) or a person snoozes it, the cards of it the bot posted lose their buttons and say what
happened, on every platform, like every other finished card: notices that replace the card's key
(:func:`flows.core.keys.reminder`), written to the outbox in the transaction of the decision.

Each reminder card is kept under its own key (the nudge, and where it went), so this finds the
cards of one reminder among the bot's posted messages: every copy of it, or one person's own.
A card still waiting in the outbox when the decision is taken keeps its buttons; a click on it
is refused plainly by the use case, as a second click is.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import keys
from flows.notices import (
    Kind,
    Notice,
    PersonRef,
    Recipient,
    Text,
    ToNational,
    ToPartnerSpace,
    ToPerson,
    ToSpace,
)
from models.tables import PostedMessage


def _recipient(where: str, employer_id: int | None) -> Recipient | None:
    if where.startswith("p") and where[1:].isdigit():
        return ToPerson(PersonRef(int(where[1:])))
    if where == "partners" and employer_id:
        return ToPartnerSpace(employer_id)
    if where.startswith("space="):
        return ToSpace(where.removeprefix("space="))
    if where == "national":
        return ToNational()
    return None


async def cards_of(s: AsyncSession, kind: str, subject: str, *, person_id: int | None = None) -> list[str]:
    """The keys of the posted cards of one reminder (any due moment, any platform); with
    ``person_id``, only those sent to that person."""
    head = keys.reminders_of(kind, subject)
    found = (await s.execute(select(PostedMessage.key).where(PostedMessage.key.startswith(head, autoescape=True)).distinct())).scalars()
    out = sorted({k for k in found if k.startswith(head)})
    if person_id is not None:
        out = [k for k in out if keys.reminder_place(k) == f"p{person_id}"]
    return out


async def finished(
    s: AsyncSession,
    kind: str,
    subject: str,
    headline: str,
    body: tuple[Text, ...],
    *,
    employer_id: int | None,
    person_id: int | None = None,
    next_step: Text = (),
) -> list[Notice]:
    """The notices that turn the reminder's cards (every copy, or ``person_id``'s own) into what
    happened, with no buttons."""
    out: list[Notice] = []
    for key in await cards_of(s, kind, subject, person_id=person_id):
        to = _recipient(keys.reminder_place(key) or "", employer_id)
        if to is not None:
            out.append(Notice(Kind.DECIDED, to, headline, body=body, employer_id=employer_id, replaces=key,
                              next_step=next_step))  # fmt: skip
    return out
