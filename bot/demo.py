"""``vws demo``: one employer's whole journey through the engine, printed as each person would be told.

It loads the demo directory (one local association, its officers and reps) and then acts as
each of them in turn, through the same public API the Slack and Teams adapters use.
"""

from __future__ import annotations

from datetime import timedelta

from bot.delivery import Printer
from bot.services import Services
from flows.directory import Who
from flows.notices import Outcome
from flows.signup.journey import Action


async def run_demo(svc: Services) -> int:
    from bot.cli import demo_directory

    printer = Printer()
    engine = svc.engine
    engine.outbox = False  # the demo prints what each person would be told; it sends nothing
    print("Loading the demo directory:")
    for change in await svc.load_directory(demo_directory()):
        print(f"  {change}")

    rep, sec, nem = Who(slack="U0REP1"), Who(slack="U0SEC1"), Who(slack="U0NEM1")
    gmb, unison, unite, national = Who(slack="U0GMB1"), Who(slack="U0UNS1"), Who(slack="U0UTE1"), Who(slack="U0NAT1")

    async def step(title: str, outcome: Outcome) -> Outcome:
        print(f"\n=== {title}\n{'OK' if outcome.ok else 'REFUSED'}: {outcome.reply_text}")
        await printer.deliver(outcome.notices)
        if not outcome.ok:
            raise SystemExit(1)
        return outcome

    existing = [e for e in await engine.find("Oakfield Primary School (demo)") if e.stage.value not in ("revoked", "withdrawn")]
    if existing:
        print(f"\nThe demo employer is already here (#{existing[0].id}); see `vws audit '#{existing[0].id}'`.")
        return 0

    out = await step("The rep proposes an employer", await engine.propose(rep, {
        "employer_name": "Oakfield Primary School (demo)",
        "employer_kind": "school",
        "association": "Leeds",
        "case_for": "The head teacher asked the unions how to improve staff wellbeing.",
        "origin": "employer_approached",
    }))
    emp = out.employer_id
    assert emp is not None
    await step("The Local Association Secretary approves", await engine.decide(sec, emp, Action.SECRETARY_APPROVE, revision=1))
    await step("The NEM approves", await engine.decide(nem, emp, Action.NEM_APPROVE, revision=1))
    for who, union in ((gmb, "GMB"), (unison, "UNISON"), (unite, "Unite")):
        await step(f"{union} agrees", await engine.decide(who, emp, Action.PARTNER_AGREE, revision=1))
    await step("The route: a JCC agenda item", await engine.choose_route(rep, emp, "jcc"))
    await step("The scheme is introduced to the employer", await engine.introduce(rep, emp))
    await step("The employer agrees an action plan", await engine.agree_plan(sec, emp, {
        "principle": 2,
        "objectives": "Introduce mental health first aiders",
        "activities": "Train six members of staff as mental health first aiders",
        "success_criteria": "Six trained first aiders in post, from teaching and support staff",
        "workplan": "1 | Agree the training provider | Head teacher | End January 2027\n"
                    "2 | Train the first aiders | U0REP1 | 31/03/2027",
    }))
    await step("The national union adds it to the list", await engine.record_national(national, emp, Action.ADDED_TO_LIST))
    await step("The national union sends the logo", await engine.record_national(national, emp, Action.LOGO_SENT))

    print("\n(The demo now moves its clock a year on, to the review.)")
    start = engine.clock
    engine.clock = lambda: start() + timedelta(days=366)
    try:
        await step("The review falls due", await engine.review_falls_due(emp))
        await step("Review: objective met", await engine.review(sec, emp, Action.OBJECTIVE_MET))
        await step("The next cycle, on a different principle", await engine.agree_plan(rep, emp, {
            "principle": 5,
            "objectives": "Set up a Joint Consultative Committee with all four unions",
            "activities": "Agree a constitution; meet each half term",
            "success_criteria": "Three JCC meetings held, minutes shared with staff",
        }))
        concern = {
            "title": "Support staff restructured without consultation",
            "description": "The employer restructured support staff roles without consulting the unions, against the agreed policy.",
            "group_affected": "support staff at the school",
            "remit_area": "Fair play and rewards for support staff",
        }
        await step("First, a concern goes to the Leeds local social partnership", await engine.partnerships.raise_concern(
            rep, emp, concern))
        issue = await _latest_issue(svc)
        await step("The partnership logs what was tried", await engine.partnerships.log_attempt(gmb, issue, {
            "tried": "Raised at the JCC", "tried_on": engine.today().isoformat(),
            "outcome": "The employer would not reverse the restructure", "result": "not_resolved"}))
        await step("GMB escalates it: the options here are exhausted", await engine.partnerships.escalate(
            gmb, issue, "The employer refuses to reopen the restructure locally."))
        await step("The regional contact acknowledges it", await engine.partnerships.acknowledge(Who(slack="U0RGN1"), issue))
        await step("Revocation: the employer acted outwith the agreed policy", await engine.revoke(
            nem, emp, "Restructured support staff without consulting the unions, against the agreed policy"))
    finally:
        engine.clock = start
    print(f"\nDone. See the history with: vws audit '#{emp}'   and the register with: vws register --all")
    print("The partnership's remit, protocol, issues and history: vws partnership Leeds")
    return 0


async def _latest_issue(svc: Services) -> int:
    from sqlalchemy import func, select

    from models.partnership import Issue

    async with svc.sessions() as s:
        return int((await s.execute(select(func.max(Issue.id)))).scalar_one())
