"""GMB, UNISON and Unite agree (or not) that the employer is suitable: one voice per union.

The case's row lock is taken before the voices are read, so two unions speaking at once are
serialised and the third "agree" always sees the other two. A disagreement sends the proposal
back to the proposer with the reasons; the third agreement moves it on to the route.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import keys
from flows.core.unit import Core, run
from flows.directory import PARTNER_UNIONS, Who
from flows.notices import Kind, Notice, Outcome, ToPartnerSpace, text
from flows.signup.approvals import partner_request, rejected_notices
from flows.signup.case import Case, SignupSteps, ref, to_person
from flows.signup.journey import TABLE, Action
from flows.signup.proposal import proposal_facts
from flows.wording import say, say_str
from models.tables import Event, PartnerVoice


async def voice(
    core: Core,
    who: Who,
    employer_id: int,
    act: Action,
    *,
    revision: int | None = None,
    reasons: str | None = None,
) -> Outcome:
    t = TABLE.row(act)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
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
                employer_id=emp.id, revision=emp.revision, union=union, person_id=case.person.id,
                verdict=verdict, reasons=reasons_given, at=now,
            )
        )  # fmt: skip
        await s.flush()
        agreed = {u for u, v in case.voices.items() if v.verdict == "agree"} | ({union} if verdict == "agree" else set())
        waiting = [u for u in PARTNER_UNIONS if u not in agreed]
        if verdict == "disagree":
            await steps.move(s, t, case, reasons=reasons_given, payload={"union": union})
            return _disagreed(core, case, union, reasons_given)
        if waiting:
            # Stay in consultation; the event still records who spoke for the union.
            s.add(
                Event(
                    employer_id=emp.id, at=now, actor_id=case.person.id, action=t.action,
                    from_stage=emp.stage, to_stage=emp.stage, payload={"revision": emp.revision, "union": union},
                )
            )  # fmt: skip
            so_far = {u: (text(case.ref_of(v.person_id)), core.when(v.at))
                      for u, v in case.voices.items() if v.verdict == "agree"}  # fmt: skip
            so_far[union] = (text(ref(case.person)), core.when(now))
            agreed_so_far = {u: so_far[u] for u in PARTNER_UNIONS if u in so_far}
            return Outcome(
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
        await steps.move(s, t, case, payload={"union": union})
        return _all_agreed(core, case, union)

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
