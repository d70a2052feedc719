"""Closing an issue: resolved (at local, or above local and posted down for a local member to
confirm, or closed unconfirmed after 10 working days), withdrawn, or found to be casework (which
closes it at any level and erases what was said). And asking for an area outside the remit to be
added to it at the next review.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.calendar import DEFAULT_HOURS, Nation, WorkingHours, resolution_closes_at
from flows.core.outbox import forget
from flows.core.roles import Role
from flows.core.unit import Core, Refusal, nothing_changed, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome
from flows.partnership.case import IssueCase, IssueSteps, issue_key, ref, space, to_person
from flows.partnership.documents import REMIT, current
from flows.partnership.journey import RESOLVES, TABLE, Action, Level, Stage
from flows.partnership.ladder import after, stage_of
from flows.partnership.summary import contacts, headline, level_key, thread_note, to_each
from flows.wording import day, say, say_str
from models.partnership import Issue, IssueAttempt, IssueNote, PartnershipEvent


async def resolve(core: Core, who: Who, issue_id: int, action: str, resolution: str | None) -> Outcome:
    """Resolved: at local it closes; above local it is posted down for a local member to confirm."""
    if action not in RESOLVES:
        raise ValueError(action)
    t = TABLE.row(action)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        text: str = (await steps.check(s, t, case, inputs={"resolution": resolution}))["resolution"]
        level = case.level
        s.add(IssueNote(issue_id=case.id, revision=case.revision, level=level.value, kind="resolution", text=text,
                        person_id=case.person.id if case.person else None, at=core.now()))  # fmt: skip
        closes = level is Level.LOCAL
        await steps.move(s, t, case, values={"last_activity_at": core.now(), **({"closed_at": core.now()} if closes else {})})
        if closes:
            thread = await thread_note(s, case.row, say_str("resolved.headline", id=case.id),
                                       [say("resolved.body", who=ref(case.person))],
                                       facts_=((say_str("fact.resolution"), text),))  # fmt: skip
            return Outcome(ok=True, changed=True, reply=say("resolved.reply", id=case.id),
                           notices=[thread, *await after(s, core, case)])  # fmt: skip
        nation = Nation.parse(case.partnership.nation)
        closes_at = resolution_closes_at(core.now(), nation, WorkingHours(tz=core.tz))
        thread = await thread_note(
            s, case.row, say_str("posted_down.headline", id=case.id, level=level.label),
            [say("posted_down.body", who=ref(case.person), level=level.label),
             say("posted_down.confirm", when=core.when(closes_at))],
            facts_=((say_str("fact.resolution"), text),),
        )  # fmt: skip
        cards = await after(s, core, case, levels=((level, case.revision),),
                            lead=say("posted_down.lead", who=ref(case.person)))  # fmt: skip
        return Outcome(ok=True, changed=True, reply=say("posted_down.reply", id=case.id), notices=[thread, *cards])

    return await run(core, body)


async def confirm(core: Core, who: Who, issue_id: int) -> Outcome:
    """A local member confirms a resolution agreed above local: the issue is closed."""
    t = TABLE.row(Action.CONFIRM)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, values={"closed_at": core.now(), "last_activity_at": core.now()})
        thread = await thread_note(s, case.row, say_str("confirmed.headline", id=case.id),
                                   [say("confirmed.body", who=ref(case.person), level=case.level.label)])  # fmt: skip
        told = to_each(await contacts(s, case.row, case.level), replace(thread, key=None))
        cards = await after(s, core, case, levels=((case.level, case.revision),))
        return Outcome(ok=True, changed=True, reply=say("confirmed.reply", id=case.id), notices=[thread, *told, *cards])

    return await run(core, body)


async def reopen(core: Core, who: Who, issue_id: int, reasons: str | None) -> Outcome:
    """A local member says the resolution posted down does not resolve it: back to that level."""
    t = TABLE.row(Action.REOPEN)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        text: str = (await steps.check(s, t, case, inputs={"reasons": reasons}))["reasons"]
        s.add(IssueNote(issue_id=case.id, revision=case.revision, level=case.level.value, kind="reopen", text=text,
                        person_id=case.person.id if case.person else None, at=core.now()))  # fmt: skip
        await steps.move(s, t, case, dest=stage_of(case.level), values={"last_activity_at": core.now()})
        thread = await thread_note(s, case.row, say_str("reopened.headline", id=case.id, level=case.level.label),
                                   [say("reopened.body", who=ref(case.person), level=case.level.label)],
                                   facts_=((say_str("fact.reasons"), text),))  # fmt: skip
        cards = await after(s, core, case, levels=((case.level, case.revision),),
                            lead=say("reopened.lead", who=ref(case.person)))  # fmt: skip
        return Outcome(ok=True, changed=True, reply=say("reopened.reply", id=case.id, level=case.level.label),
                       notices=[thread, *cards])  # fmt: skip

    return await run(core, body)


async def auto_close(core: Core, issue_id: int, revision: int, hours: WorkingHours = DEFAULT_HOURS) -> Outcome:
    """The clock closes a resolution nobody confirmed within 10 working days, recorded as such."""
    t = TABLE.row(Action.AUTO_CLOSE)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        issue = await s.get(Issue, issue_id, populate_existing=True)
        if issue is None or issue.revision != revision:
            raise Refusal(say("issue.none", id=issue_id, nothing_changed=nothing_changed()))
        case = await steps.case_of(s, None, issue)
        case.roles = frozenset({Role.BOT})
        await steps.check(s, t, case)
        if resolution_closes_at(issue.stage_since, Nation.parse(case.partnership.nation), hours) > core.now():
            raise Refusal(say("issue.cannot_now", id=issue_id, stage=case.stage.label, nothing_changed=nothing_changed()))
        await steps.move(s, t, case, values={"closed_at": core.now()})
        thread = await thread_note(s, case.row, say_str("auto_closed.headline", id=case.id),
                                   [say("auto_closed.body", level=case.level.label)])  # fmt: skip
        told = to_each(await contacts(s, case.row, case.level), replace(thread, key=None))
        cards = await after(s, core, case, levels=((case.level, case.revision),))
        return Outcome(ok=True, changed=True, reply=say("auto_closed.headline", id=case.id), notices=[thread, *told, *cards])

    return await run(core, body)


async def casework(core: Core, who: Who, issue_id: int) -> Outcome:
    """It is individual casework: closed at any level, and what was said is erased, here and in the
    messages the bot posted. The audit keeps that it happened, not what was said."""
    t = TABLE.row(Action.CASEWORK)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        await steps.check(s, t, case)
        now = core.now()
        said = [case.row.title, case.row.description, case.row.group_affected, case.row.remit_area]
        said += [t for a in (await s.execute(select(IssueAttempt.tried, IssueAttempt.outcome)
                                            .where(IssueAttempt.issue_id == case.id))).all() for t in a]  # fmt: skip
        said += list((await s.execute(select(IssueNote.text).where(IssueNote.issue_id == case.id))).scalars())
        await forget(s, issue_key(case.id), said if not case.row.in_remit else said[:3] + said[4:])
        erase = {"title": None, "description": None, "group_affected": None, "erased_at": now, "closed_at": now}
        if not case.row.in_remit:
            erase["remit_area"] = None  # typed by a person: free text too
        await steps.move(s, t, case, values=erase)
        await s.execute(update(IssueAttempt).where(IssueAttempt.issue_id == case.id).values(tried=None, outcome=None)
                        .execution_options(synchronize_session=False))  # fmt: skip
        await s.execute(update(IssueNote).where(IssueNote.issue_id == case.id).values(text=None)
                        .execution_options(synchronize_session=False))  # fmt: skip
        await s.flush()
        await s.refresh(case.row)
        return Outcome(ok=True, changed=True, reply=say("casework.reply", id=case.id),
                       notices=await _erase_posts(s, case))  # fmt: skip

    return await run(core, body)


async def _erase_posts(s: AsyncSession, case: IssueCase) -> list[Notice]:
    """Every message the bot posted about the issue, replaced by one that says only what happened."""
    issue = case.row
    head = headline(issue)
    gone = say("casework.erased", id=issue.id)
    to_space = await space(s, issue.partnership, thread=issue_key(issue.id))
    out = [Notice(Kind.PROGRESS, await space(s, issue.partnership), head, body=(gone,), key=issue_key(issue.id),
                  replaces=issue_key(issue.id))]  # fmt: skip
    for n in range(1, (issue.posts or 0) + 1):
        key = f"issue:{issue.id}:m{n}"
        out.append(Notice(Kind.PROGRESS, to_space, head, body=(gone,), replaces=key))
    rounds = await s.execute(
        select(PartnershipEvent.level, PartnershipEvent.payload).where(PartnershipEvent.issue_id == issue.id)
    )
    cards = {(Level(level), int(p["to_revision"])) for level, p in rounds.all() if p and "to_revision" in p and level != "local"}
    for level, rev in sorted(cards):
        for person in await contacts(s, issue, level):
            key = level_key(issue.id, level, rev)
            out.append(Notice(Kind.PROGRESS, to_person(person), head, body=(gone,), replaces=key))
    out.append(await thread_note(s, issue, say_str("casework.headline", id=issue.id), [say("casework.body", who=ref(case.person))]))
    return out


async def withdraw(core: Core, who: Who, issue_id: int) -> Outcome:
    t = TABLE.row(Action.WITHDRAW)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, values={"closed_at": core.now()})
        thread = await thread_note(s, case.row, say_str("withdrawn_issue.headline", id=case.id),
                                   [say("withdrawn_issue.body", who=ref(case.person))])  # fmt: skip
        return Outcome(ok=True, changed=True, reply=say("withdrawn_issue.reply", id=case.id),
                       notices=[thread, *await after(s, core, case)])  # fmt: skip

    return await run(core, body)


async def propose_remit(core: Core, who: Who, issue_id: int) -> Outcome:
    """An issue outside the remit: its area goes to the next review of the remit."""
    t = TABLE.row(Action.PROPOSE_REMIT)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, values={"remit_proposed_at": core.now()})
        doc = await current(s, case.partnership.id, REMIT)
        due = day(doc.next_review_on) if doc else say_str("not_yet")
        area = case.row.remit_area or ""
        thread = await thread_note(s, case.row, say_str("remit_proposed.headline", id=case.id),
                                   [say("remit_proposed.body", who=ref(case.person), area=area, when=due)])  # fmt: skip
        return Outcome(ok=True, changed=True, reply=say("remit_proposed.reply", area=area, when=due),
                       notices=[thread, *await after(s, core, case)])  # fmt: skip

    return await run(core, body)


__all__ = ["Stage", "auto_close", "casework", "confirm", "propose_remit", "reopen", "resolve", "withdraw"]
