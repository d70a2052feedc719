"""GMB, UNISON and Unite agree (or not) that the employer is suitable: one voice per union.

The case's row lock is taken before the voices are read, so two unions speaking at once are
serialised and the third "agree" always sees the other two. A disagreement sends the proposal
back to the proposer with the reasons; the third agreement moves it on to the route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import keys
from flows.core.roles import Role
from flows.core.unit import Core, run
from flows.directory import PARTNER_UNIONS, Who
from flows.notices import Kind, Notice, Outcome, ToPartnerSpace, text
from flows.signup.approvals import partner_request, rejected_notices
from flows.signup.case import Case, SignupSteps, ref, to_person
from flows.signup.journey import TABLE, Action
from flows.signup.proposal import proposal_facts
from flows.wording import say, say_str
from models.tables import Event, PartnerVoice, Person


@dataclass(frozen=True)
class RecordedVoice:
    """A union's voice recorded for its rep: who (their directory id), which union, how it was
    given, and ``then``: what the recording adds to the outcome, in the same transaction."""

    person_id: int
    union: str
    how: str
    then: Callable[[AsyncSession, Case, Person, Outcome], Awaitable[Outcome]]


async def voice(
    core: Core,
    who: Who,
    employer_id: int,
    act: Action,
    *,
    revision: int | None = None,
    reasons: str | None = None,
    recorded: RecordedVoice | None = None,
) -> Outcome:
    """One union's voice; with ``recorded``, the voice of that union's rep, recorded for them by
    someone else (:mod:`flows.signup.recorded`), who then acts with their role for them."""
    t = TABLE.row(act)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        extra: dict[str, object] = {}
        them: Person | None = None
        if recorded is not None:
            them = await s.get(Person, recorded.person_id)
            assert them is not None
            case.roles = case.roles | {Role.PARTNER_REP}
            case.unions = frozenset({recorded.union})
            case.acting_for = ((them, frozenset({Role.PARTNER_REP})),)
            extra = {"for": them.id, "how_taken": recorded.how}
        seen_version = case.row.version
        got = await steps.check(s, t, case, rev=revision, inputs={"reasons": reasons}, guards=False)
        await steps.lock(s, case, t, revision)
        await steps.load_voices(s, case)
        await steps.check_guards(s, t, case)
        assert case.person is not None
        emp = case.row
        union = next(iter(case.unions))
        now = core.now()
        verdict = "agree" if act is Action.PARTNER_AGREE else "disagree"
        reasons_given = got.get("reasons")
        s.add(
            PartnerVoice(
                employer_id=emp.id, revision=emp.revision, union=union,
                person_id=them.id if them is not None else case.person.id,
                verdict=verdict, reasons=reasons_given, at=now,
            )
        )  # fmt: skip
        await s.flush()
        agreed = {u for u, v in case.voices.items() if v.verdict == "agree"} | ({union} if verdict == "agree" else set())
        waiting = [u for u in PARTNER_UNIONS if u not in agreed]
        if recorded is not None:  # an undo finds the case exactly so: the lock, and the move if it moves
            extra["version_after"] = seen_version + (2 if verdict == "disagree" or not waiting else 1)
        if verdict == "disagree":
            await steps.move(s, t, case, reasons=reasons_given, payload={"union": union, **extra})
            out = _disagreed(core, case, union, reasons_given)
        elif waiting:
            # Stay in consultation; the event still records who spoke for the union.
            s.add(
                Event(
                    employer_id=emp.id, at=now, actor_id=case.person.id, action=t.action,
                    from_stage=emp.stage, to_stage=emp.stage, payload={"revision": emp.revision, "union": union, **extra},
                )
            )  # fmt: skip
            so_far = {u: (text(case.ref_of(v.person_id)), core.when(v.at))
                      for u, v in case.voices.items() if v.verdict == "agree"}  # fmt: skip
            so_far[union] = (text(ref(case.person)), core.when(now))
            agreed_so_far = {u: so_far[u] for u in PARTNER_UNIONS if u in so_far}
            out = Outcome(
                ok=True,
                changed=True,
                employer_id=emp.id,
                reply=say("partner.agrees.reply", union=union),
                notices=[
                    Notice(
                        Kind.PARTNER_VOICE,
                        ToPartnerSpace(emp.id),
                        say_str("partner.agrees.headline", union=union),
                        body=(say("partner.agrees.body", who=ref(case.person), union=union),),
                        employer_id=emp.id,
                        next_step=say("partner.agrees.waiting", unions=", ".join(waiting)),
                    ),
                    partner_request(case, ToPartnerSpace(emp.id), agreed_so_far),  # who has answered, on the card
                ],
            )
        else:
            await steps.move(s, t, case, payload={"union": union, **extra})
            out = _all_agreed(core, case, union)
        if recorded is not None and them is not None:
            out = await recorded.then(s, case, them, out)
        return out

    return await run(core, body)


def _disagreed(core: Core, case: Case, union: str, reasons: str | None) -> Outcome:
    emp = case.row
    thread = Notice(
        Kind.PARTNER_VOICE,
        ToPartnerSpace(emp.id),
        say_str("partner.disagrees.headline", union=union, employer=emp.name),
        body=(say("partner.disagrees.body", who=ref(case.person), union=union),),
        facts=((say_str("fact.reasons"), reasons or ""),),
        employer_id=emp.id,
        next_step=say("partner.disagrees.next", proposer=ref(emp.proposer)),
    )
    closed = Notice(
        Kind.DECIDED,
        ToPartnerSpace(emp.id),
        say_str("partner.not_agreed.headline", employer=emp.name),
        body=(say("partner.not_agreed.body", union=union, who=ref(case.person), when=core.when(core.now())),),
        facts=proposal_facts(emp),
        employer_id=emp.id,
        replaces=keys.partner(emp.id, emp.revision),
    )
    return Outcome(
        ok=True,
        changed=True,
        employer_id=emp.id,
        reply=say("partner.disagrees.reply", union=union, proposer=ref(emp.proposer)),
        notices=[closed, thread, *rejected_notices(case, say_str("role_title.partner", union=union), reasons)],
    )


def _all_agreed(core: Core, case: Case, union: str) -> Outcome:
    from flows.signup.route import route_request

    emp = case.row
    return Outcome(
        ok=True,
        changed=True,
        employer_id=emp.id,
        reply=say("partner.all_agreed.reply", union=union),
        notices=[
            Notice(
                Kind.DECIDED,
                ToPartnerSpace(emp.id),
                say_str("partner.agreed.headline", employer=emp.name),
                body=(say("partner.agreed.body", union=union, who=ref(case.person), when=core.when(core.now())),),
                facts=proposal_facts(emp),
                employer_id=emp.id,
                replaces=keys.partner(emp.id, emp.revision),
            ),
            route_request(case),
            Notice(
                Kind.PROGRESS,
                to_person(emp.proposer),
                say_str("partner.agreed_to_proposer.headline", employer=emp.name),
                body=(say("partner.agreed_to_proposer.body", employer=emp.name),),
                employer_id=emp.id,
                next_step=say("partner.agreed_to_proposer.next"),
            ),
        ],
    )
