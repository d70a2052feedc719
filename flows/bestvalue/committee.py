"""The Best Value committees' decision on each clause (approved, varied with text, rejected), and
the Code's annual review once it is adopted."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.bestvalue import adopted
from flows.bestvalue.adoption import doc_ref, space
from flows.bestvalue.case import AdoptionCase, AdoptionSteps, load_positions, to
from flows.bestvalue.process import TABLE, Action, Stage
from flows.core.unit import Core, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome, ToSpace
from flows.signup.case import ref
from flows.wording import say, say_str
from models.bestvalue import CommitteeOutcome


def next_review(on: date) -> date:
    try:
        return on.replace(year=on.year + 1)
    except ValueError:  # 29 February
        return on.replace(year=on.year + 1, day=28)


async def committee(core: Core, who: Who, adoption_id: int, answers: dict[str, Any]) -> Outcome:
    """One clause's committee outcome; the last one decided makes the Code adopted."""
    return await _decide(core, who, adoption_id, Action.COMMITTEE, answers)


async def committee_rest(core: Core, who: Who, adoption_id: int) -> Outcome:
    """The committees approved every clause not yet recorded, as submitted."""
    return await _decide(core, who, adoption_id, Action.COMMITTEE_REST, {})


async def _decide(core: Core, who: Who, adoption_id: int, act: Action, answers: dict[str, Any]) -> Outcome:
    t = TABLE.row(act)
    steps = AdoptionSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, adoption_id)
        got = await steps.check(s, t, case, inputs=answers)
        await steps.lock(s, case, t)
        await load_positions(s, case)
        assert case.person is not None
        now = core.now()
        if act is Action.COMMITTEE:
            c = got["committee"]
            wanted = [(c["clause"], c["outcome"], c["text"])]
        else:
            wanted = [(cl, "approved", None) for cl in case.code.clauses if cl.id not in case.outcomes]
        for clause, outcome, text in wanted:
            row = case.outcomes.get(clause.id)
            if row is None:
                row = CommitteeOutcome(adoption_id=case.id, clause_id=clause.id)
                s.add(row)
                case.outcomes[clause.id] = row
            row.outcome, row.text, row.person_id, row.at = outcome, text, case.person.id, now
            if act is Action.COMMITTEE:
                s.add(steps.record(case, t, {"clause": clause.ref, "outcome": outcome}))
        await s.flush()
        left = case.undecided()
        if left:
            c = got["committee"]
            return Outcome(ok=True, changed=True, reply=say(
                "code.committee.recorded", ref=c["clause"].ref, outcome=say_str(f"code.adopted.status.{c['outcome']}"),
                n=len(left), refs=", ".join(left[:12]) + ("…" if len(left) > 12 else "")))  # fmt: skip
        review_on = next_review(core.today())
        await steps.move(s, t, case, dest=Stage.ADOPTED.value, values={"adopted_at": now, "review_on": review_on},
                         payload={"review_on": review_on.isoformat()})  # fmt: skip
        return adopted_outcome(case, review_on)

    return await run(core, body)


def adopted_outcome(case: AdoptionCase, review_on: date) -> Outcome:
    counts: dict[str, int] = {}
    for _, clauses in adopted.adopted(case):
        for a in clauses:
            counts[a.status] = counts.get(a.status, 0) + 1
    summary = ", ".join(f"{n} {say_str(f'code.adopted.status.{k}') or k}" for k, n in sorted(counts.items()))
    next_steps = TABLE.offer(case, Action.INDICATOR, Action.SEEK)
    return Outcome(
        ok=True, changed=True,
        reply=say("code.adopted.done", employer=case.name, summary=summary),
        notices=[
            Notice(Kind.JOINED, ToSpace(space(case.id)), say_str("code.adopted.headline", employer=case.name),
                   body=(say("code.adopted.body", employer=case.name, summary=summary, who=ref(case.person)),
                         *((p,) for p in adopted.paragraphs(case))),
                   files=(doc_ref(case),), next_step=say("code.adopted.next", review_on=f"{review_on:%-d %B %Y}")),
            Notice(Kind.PROGRESS, to(case.row.lead), say_str("code.adopted.headline", employer=case.name),
                   body=(say("code.adopted.lead", employer=case.name),), buttons=next_steps),
        ],
    )  # fmt: skip


async def reviewed(core: Core, who: Who, adoption_id: int) -> Outcome:
    """The annual review is done: the next one is a year on."""
    t = TABLE.row(Action.REVIEWED)
    steps = AdoptionSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, adoption_id)
        await steps.check(s, t, case)
        review_on = next_review(max(case.row.review_on or core.today(), core.today()))
        await steps.move(s, t, case, values={"review_on": review_on}, payload={"review_on": review_on.isoformat()})
        return Outcome(ok=True, changed=True, reply=say("code.reviewed.done", employer=case.name,
                                                         review_on=f"{review_on:%-d %B %Y}"))  # fmt: skip

    return await run(core, body)
