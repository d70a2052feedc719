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

- :mod:`.subjects`: the kinds of nudge and what each is about (the ledger's keys).
- :func:`~.find.find_due` lists the nudges that fell due in (since, now], reading only the rows
  that could have one (date ranges in SQL, streamed).
- :func:`~.prepare.prepare` turns one nudge into notices, checking it is still due and still the
  latest, and leaving out people who snoozed it.
- :func:`~.snooze.snooze` records that a person hears no more of one reminder for a week.
"""

from __future__ import annotations

from flows.reminders.find import find_signup
from flows.reminders.prepare import prepare_signup
from flows.reminders.snooze import SNOOZE_FOR, describe_signup, snooze
from flows.reminders.sources import DueNudge, Prepared, Source, find_due, prepare, register
from flows.reminders.subjects import (
    SNOOZE,
    NudgeKind,
    approval_subject,
    dialect_insert,
    parse_snooze_value,
    partner_subject,
    review_subject,
    snooze_value,
    workplan_subject,
)

register(
    Source(
        "signup",
        frozenset(k.value for k in NudgeKind),
        find_signup,
        prepare_signup,
        describe_signup,
        shared_kinds=frozenset({NudgeKind.REVIEW.value, NudgeKind.WORKPLAN.value, NudgeKind.PARTNER.value}),
    )
)

__all__ = [
    "SNOOZE",
    "SNOOZE_FOR",
    "DueNudge",
    "NudgeKind",
    "Prepared",
    "Source",
    "approval_subject",
    "dialect_insert",
    "find_due",
    "parse_snooze_value",
    "partner_subject",
    "prepare",
    "register",
    "review_subject",
    "snooze",
    "snooze_value",
    "workplan_subject",
]
