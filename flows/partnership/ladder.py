"""Working an issue up the ladder: attempts, escalation (no veto; only once options are exhausted
at the level it is at), notes that travel with it, acknowledgement, and referring it back.

Every step is one use case in :func:`flows.core.unit.run`: load, check the row, a conditional
``UPDATE … WHERE stage = :seen AND revision = :rev``, the audit event (ids only), and the notices.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.roles import Role
from flows.core.unit import Core, run
from flows.directory import Who
from flows.notices import Notice, Outcome, Text
from flows.partnership.case import IssueCase, IssueSteps, missing_from_space, ref
from flows.partnership.journey import (
    ACKNOWLEDGES,
    ATTEMPTS,
    ESCALATES,
    REFERS_BACK,
    TABLE,
    Action,
    Level,
    Stage,
)
from flows.partnership.summary import (
    contacts,
    dossier,
    level_cards,
    offered,
    space_card,
    thread_note,
    to_each,
)
from flows.wording import day, say, say_str
from models.partnership import IssueAttempt, IssueNote
from models.partnership_inputs import AttemptIn


async def after(s: AsyncSession, core: Core, case: IssueCase, *, levels: tuple[tuple[Level, int], ...] = (),
                lead: Text = ()) -> list[Notice]:  # fmt: skip
    """The issue's cards as they now stand: its card in the space, and each level's card named."""
    await s.flush()
    await s.refresh(case.row)
    d = await dossier(s, case.row)
    out = [await space_card(s, case, d, core), *await missing_from_space(s, case.row.partnership, case.person)]
    for level, revision in levels:
        out += await level_cards(s, case, d, core, level, revision=revision, lead=lead)
    return out


def _current_level_card(case: IssueCase) -> tuple[tuple[Level, int], ...]:
    return ((case.level, case.revision),) if case.level is not Level.LOCAL else ()


async def log_attempt(core: Core, who: Who, issue_id: int, action: str, answers: dict[str, Any]) -> Outcome:
    """Any member (or, above local, the level's contacts) logs what was tried, when and the outcome."""
    if action not in ATTEMPTS:
        raise ValueError(action)
    t = TABLE.row(action)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        got = await steps.check(s, t, case, inputs=answers)
        a: AttemptIn = got["attempt"]
        attempt = IssueAttempt(issue_id=case.id, revision=case.revision, level=case.row.level, tried=a.tried,
                               tried_on=a.tried_on, outcome=a.outcome, result=a.result,
                               person_id=case.person.id if case.person else None, at=core.now())  # fmt: skip
        s.add(attempt)
        await s.flush()
        await steps.move(s, t, case, payload={"attempt": attempt.id}, values={"last_activity_at": core.now()})
        note = await thread_note(
            s, case.row, say_str("attempt.posted.headline", id=case.id, level=case.level.label),
            [say("attempt.posted.body", who=ref(case.person), on=day(a.tried_on))],
            facts_=((say_str("fact.tried"), a.tried), (say_str("fact.outcome"), a.outcome),
                    (say_str("fact.result"), say_str(f"attempt.result.{a.result}"))),
        )  # fmt: skip
        cards = await after(s, core, case, levels=_current_level_card(case))
        return Outcome(ok=True, changed=True, reply=say("attempt.reply", id=case.id, level=case.level.label),
                       notices=[note, *cards])  # fmt: skip

    return await run(core, body)


async def escalate(core: Core, who: Who, issue_id: int, action: str, exhausted: str | None) -> Outcome:
    """Any party escalates, without anyone's consent, once options here are exhausted; the others
    are told at once, and may add a note that travels with it."""
    if action not in ESCALATES:
        raise ValueError(action)
    t = TABLE.row(action)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        reasons: str = (await steps.check(s, t, case, inputs={"exhausted": exhausted}))["exhausted"]
        was, up, old_rev = case.level, case.level.up, case.revision
        s.add(IssueNote(issue_id=case.id, revision=old_rev, level=was.value, kind="exhausted", text=reasons,
                        person_id=case.person.id if case.person else None, at=core.now()))  # fmt: skip
        now = core.now()
        await steps.move(
            s, t, case, payload={"level": up.value, "to_revision": old_rev + 1},
            values={"level": up.value, "revision": old_rev + 1, "last_activity_at": now},
        )  # fmt: skip
        await s.flush()
        await s.refresh(case.row)
        asked = await contacts(s, case.row, up)
        thread = await thread_note(
            s, case.row, say_str("escalated.headline", id=case.id, level=up.label),
            [say("escalated.body", who=ref(case.person), side=case.side() or was.label, level=up.label),
             say("escalated.others")],
            facts_=((say_str("fact.why_exhausted"), reasons),),
            buttons=offered(case, (Action.ADD_NOTE,), {Role.MEMBER}),
        )  # fmt: skip
        notices = [thread]
        levels: list[tuple[Level, int]] = [(up, case.revision)]
        if was is Level.REGIONAL:  # the regional card of the round just ended, and the other regional contacts
            levels.append((Level.REGIONAL, old_rev))
            # the same message (and key, so that it can be erased with the rest) to each of them
            notices += to_each(await contacts(s, case.row, Level.REGIONAL), thread, but=case.person.id if case.person else None)
        notices += await after(s, core, case, levels=tuple(levels),
                               lead=say("escalated.lead", who=ref(case.person), level=up.label))  # fmt: skip
        reply = "escalated.reply" if asked else "escalated.reply.nobody"
        return Outcome(ok=True, changed=True, reply=say(reply, id=case.id, level=up.label), notices=notices)

    return await run(core, body)


async def add_note(core: Core, who: Who, issue_id: int, note: str | None) -> Outcome:
    """A note that travels with an escalation (from a level below the issue's)."""
    t = TABLE.row(Action.ADD_NOTE)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        text: str = (await steps.check(s, t, case, inputs={"note": note}))["note"]
        n = IssueNote(issue_id=case.id, revision=case.revision, level=case.row.level, kind="note", text=text,
                      person_id=case.person.id if case.person else None, at=core.now())  # fmt: skip
        s.add(n)
        await s.flush()
        await steps.move(s, t, case, payload={"note": n.id}, values={"last_activity_at": core.now()})
        thread = await thread_note(s, case.row, say_str("note.posted.headline", id=case.id),
                                   [say("note.posted.body", who=ref(case.person), level=case.level.label)],
                                   facts_=((say_str("fact.note"), text),))  # fmt: skip
        cards = await after(s, core, case, levels=_current_level_card(case))
        return Outcome(ok=True, changed=True, reply=say("note.reply", id=case.id, level=case.level.label),
                       notices=[thread, *cards])  # fmt: skip

    return await run(core, body)


async def acknowledge(core: Core, who: Who, issue_id: int, action: str) -> Outcome:
    """The level's contact acknowledges the escalation: the acknowledgement clock stops."""
    if action not in ACKNOWLEDGES:
        raise ValueError(action)
    t = TABLE.row(action)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, values={"last_activity_at": core.now()})
        thread = await thread_note(s, case.row, say_str("acknowledged.headline", id=case.id, level=case.level.label),
                                   [say("acknowledged.body", who=ref(case.person), level=case.level.label)])  # fmt: skip
        cards = await after(s, core, case, levels=_current_level_card(case),
                            lead=say("acknowledged.lead", who=ref(case.person)))  # fmt: skip
        return Outcome(ok=True, changed=True, reply=say("acknowledged.reply", id=case.id), notices=[thread, *cards])

    return await run(core, body)


async def refer_back(core: Core, who: Who, issue_id: int, action: str, reasons: str | None) -> Outcome:
    """Back down a level, with reasons; escalating again then needs a new attempt there."""
    if action not in REFERS_BACK:
        raise ValueError(action)
    t = TABLE.row(action)
    steps = IssueSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, issue_id)
        text: str = (await steps.check(s, t, case, inputs={"reasons": reasons}))["reasons"]
        was, down, old_rev = case.level, case.level.down, case.revision
        s.add(IssueNote(issue_id=case.id, revision=old_rev, level=was.value, kind="refer_back", text=text,
                        person_id=case.person.id if case.person else None, at=core.now()))  # fmt: skip
        await steps.move(
            s, t, case, payload={"level": down.value, "to_revision": old_rev + 1},
            values={"level": down.value, "revision": old_rev + 1, "last_activity_at": core.now()},
        )  # fmt: skip
        await s.flush()
        await s.refresh(case.row)
        thread = await thread_note(
            s, case.row, say_str("referred.headline", id=case.id, level=down.label),
            [say("referred.body", who=ref(case.person), level=was.label), say("referred.again", level=down.label)],
            facts_=((say_str("fact.reasons"), text),),
        )  # fmt: skip
        levels = [(was, old_rev)] + ([(down, case.revision)] if down is not Level.LOCAL else [])
        cards = await after(s, core, case, levels=tuple(levels), lead=say("referred.lead", who=ref(case.person), level=was.label))
        return Outcome(ok=True, changed=True, reply=say("referred.reply", id=case.id, level=down.label),
                       notices=[thread, *cards])  # fmt: skip

    return await run(core, body)


def stage_of(level: Level) -> Stage:
    return {Level.LOCAL: Stage.LOCAL, Level.REGIONAL: Stage.REGIONAL, Level.NATIONAL: Stage.NATIONAL}[level]
