"""Retention on the clock: the periods the register declares, applied once a day by the reminder
clock (``bot.clock.daily_retention``), or now by ``vws retention``.

- the outbox's delivered notices and the reminder ledger's finished rows, ``retention_outbox_days``
  (90) after delivery;
- inbound event ids, ``retention_inbound_days`` (7);
- a rejected or withdrawn proposal's words (case notes, words to the employer, partner reasons,
  the audit's reasons), ``retention_proposal_months`` (12) after it closed: the rows stay, with
  their people as directory ids only (pseudonymised);
- a closed issue's free text (title, description, group affected, attempts, notes),
  ``retention_issue_months`` (24) after it closed, as casework's text is at once;
- people no longer in the directory, erased (:mod:`flows.privacy.erase`)
  ``retention_removed_days`` (90) after a directory load found them gone, unless something open
  still needs them (then at a later sweep, once nothing does).

Each change goes through erasure's recorded path (``privacy_actions``). Running it twice changes
nothing the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.privacy.erase import ERASED, Rewriter, erase
from models.partnership import Issue, IssueAttempt, IssueNote
from models.tables import (
    Base,
    Employer,
    Event,
    InboundEvent,
    Nudge,
    OutboxItem,
    PartnerVoice,
    Person,
    ProposalRevision,
)

CLOSED_PROPOSALS = ("rejected", "withdrawn")
FINISHED_NUDGES = ("sent", "skipped", "failed")


async def apply(s: AsyncSession, settings: Any, now: datetime) -> dict[str, int]:
    """Apply every period; returns how many rows each rule changed (the caller commits)."""
    done: list[str] = []
    rw = Rewriter(s, None, now, None, done)
    counts: dict[str, int] = {}

    async def deleted(name: str, stmt: Any) -> None:
        n = getattr(await s.execute(stmt), "rowcount", 0) or 0
        counts[name] = n
        if n:
            await rw.record("retention", name, None, None, n)

    outbox_cut = now - timedelta(days=settings.retention_outbox_days)
    await deleted("outbox", delete(OutboxItem).where(OutboxItem.state == "sent", OutboxItem.sent_at < outbox_cut))
    await deleted("nudges", delete(Nudge).where(Nudge.state.in_(FINISHED_NUDGES),
                                                func.coalesce(Nudge.sent_at, Nudge.due_at) < outbox_cut))  # fmt: skip
    await deleted("inbound_events",
                  delete(InboundEvent).where(InboundEvent.received_at < now - timedelta(days=settings.retention_inbound_days)))

    # Rejected or withdrawn proposals: their words go, a year after they closed.
    cut = now - relativedelta(months=settings.retention_proposal_months)
    emp_ids = list((await s.execute(select(Employer.id).where(Employer.stage.in_(CLOSED_PROPOSALS),
                                                              Employer.stage_since < cut))).scalars())  # fmt: skip
    n = 0
    if emp_ids:
        for model, cols, key in (
            (Employer, ("case_for", "to_employer"), Employer.id),
            (ProposalRevision, ("case_for", "to_employer"), ProposalRevision.employer_id),
            (PartnerVoice, ("reasons",), PartnerVoice.employer_id),
            (Event, ("reasons",), Event.employer_id),
        ):
            table = Base.metadata.tables[model.__tablename__]
            for col in cols:
                c = table.c[col]
                rows = await s.execute(select(table.c.id).where(key.in_(emp_ids), c.is_not(None), c != ERASED))
                for (row_id,) in rows.all():
                    await rw.rewrite(table, row_id, col, ERASED, "retention")
                    n += 1
    counts["closed proposals' words"] = n

    # Closed issues' free text, two years after they closed.
    cut = now - relativedelta(months=settings.retention_issue_months)
    issue_ids = list((await s.execute(select(Issue.id).where(Issue.closed_at.is_not(None), Issue.closed_at < cut,
                                                             Issue.erased_at.is_(None)))).scalars())  # fmt: skip
    if issue_ids:
        await s.execute(update(Issue).where(Issue.id.in_(issue_ids))
                        .values(title=None, description=None, group_affected=None, remit_area=None, erased_at=now)
                        .execution_options(synchronize_session=False))  # fmt: skip
        await s.execute(update(IssueAttempt).where(IssueAttempt.issue_id.in_(issue_ids),
                                                   or_(IssueAttempt.tried.is_not(None), IssueAttempt.outcome.is_not(None)))
                        .values(tried=None, outcome=None).execution_options(synchronize_session=False))  # fmt: skip
        await s.execute(update(IssueNote).where(IssueNote.issue_id.in_(issue_ids), IssueNote.text.is_not(None))
                        .values(text=None).execution_options(synchronize_session=False))  # fmt: skip
        for i in issue_ids:
            await rw.record("retention", "issues", i, "free text")
    counts["closed issues' text"] = len(issue_ids)

    # People no longer in the directory, once the period is over, unless something open needs them.
    left_by = now.astimezone(settings.tz).date() - timedelta(days=settings.retention_removed_days)
    gone = (await s.execute(select(Person).where(Person.erased_at.is_(None), Person.removed_on.is_not(None),
                                                 Person.removed_on < left_by).order_by(Person.id))).scalars().all()  # fmt: skip
    n = 0
    for person in gone:
        if not (await erase(s, person, now)).refused:  # (kept while blocked; erased once nothing needs them)
            n += 1
    counts["people no longer in the directory"] = n
    return counts
