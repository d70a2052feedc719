"""The whole journey through the engine's public API, with every branch of the flowchart."""

from __future__ import annotations

from datetime import date

from flows.engine import Engine
from flows.notices import Kind, Notice, ToNational, ToPartnerSpace, ToPerson, plain
from flows.signup.journey import Action, Stage
from tests.conftest import DEP, GMB, NAT, NEM, REP, SEC, UNS, UTE, Clock, slack

PROPOSAL = {
    "employer_name": "Oakfield Primary School",
    "employer_kind": "school",
    "association": "Leeds",
    "case_for": "The head has asked the unions how to improve staff wellbeing.",
    "origin": "employer_approached",
}

PLAN = {
    "principle": 2,
    "objectives": "Introduce mental health first aiders",
    "activities": "Train six staff as mental health first aiders",
    "success_criteria": "Six trained first aiders in post, teaching and support staff",
    "workplan": (
        "Action Number | Action Detail | Action Owner | Action By date\n"
        "1 | Agree the training provider | Head teacher | End January 2027\n"
        "2 | Train the first aiders | <@U0REP1> | 31/03/2027\n"
    ),
}


def to(notices: list[Notice], kind: Kind) -> list[Notice]:
    return [n for n in notices if n.kind is kind]


async def person_id(engine: Engine, slack_id: str) -> int:
    from flows.directory import find_person

    async with engine.sessions() as s:
        p = await find_person(s, slack(slack_id))
        assert p is not None
        return p.id


async def stage(engine: Engine, employer_id: int) -> Stage:
    summary = await engine.summary(employer_id)
    assert summary is not None
    return summary.stage


async def propose(engine: Engine, **changes: str) -> int:
    out = await engine.propose(REP, {**PROPOSAL, **changes})
    assert out.ok, out.reply_text
    assert out.employer_id is not None
    return out.employer_id


async def to_partners(engine: Engine) -> int:
    emp = await propose(engine)
    assert (await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)).ok
    assert (await engine.decide(NEM, emp, Action.NEM_APPROVE, revision=1)).ok
    return emp


async def to_joined(engine: Engine) -> int:
    emp = await to_partners(engine)
    for who in (GMB, UNS, UTE):
        assert (await engine.decide(who, emp, Action.PARTNER_AGREE, revision=1)).ok
    assert (await engine.choose_route(REP, emp, "jcc")).ok
    assert (await engine.introduce(REP, emp)).ok
    out = await engine.agree_plan(SEC, emp, PLAN)
    assert out.ok, out.reply_text
    return emp


async def test_proposal_goes_to_the_secretary_with_approve_and_reject(engine: Engine) -> None:
    out = await engine.propose(REP, PROPOSAL)
    assert out.ok and out.changed
    assert "gone to your Local Association Secretary" in out.reply_text
    [request] = out.notices
    assert request.kind is Kind.APPROVAL_REQUEST
    assert isinstance(request.to, ToPerson) and request.to.person.id == await person_id(engine, "U0SEC1")
    assert [b.label for b in request.buttons] == ["Approve", "Reject"]
    assert [b.action for b in request.buttons] == ["secretary_approve", "secretary_reject"]
    assert request.buttons[1].needs  # reject needs reasons
    assert ("Why this employer", PROPOSAL["case_for"]) in request.facts
    assert await stage(engine, out.employer_id or 0) is Stage.AWAITING_SECRETARY


async def test_the_happy_path_to_joined_and_the_national_list(engine: Engine) -> None:
    emp = await propose(engine)
    out = await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    assert out.ok
    decided = to(out.notices, Kind.DECIDED)[0]
    assert decided.replaces == f"approval:{emp}:r1:secretary" and not decided.buttons
    assert "Approved by Sam Secretary on 23 Nov 2026 at 10:00" in plain(decided.body[0])
    nem_request = to(out.notices, Kind.APPROVAL_REQUEST)[0]
    assert isinstance(nem_request.to, ToPerson) and nem_request.to.person.id == await person_id(engine, "U0NEM1")
    assert await stage(engine, emp) is Stage.AWAITING_NEM

    out = await engine.decide(NEM, emp, Action.NEM_APPROVE, revision=1)
    assert out.ok
    [opening] = to(out.notices, Kind.PARTNER_REQUEST)
    assert isinstance(opening.to, ToPartnerSpace) and opening.to.open_space
    member_ids = {m.id for m in opening.to.members}
    for rep in ("U0GMB1", "U0UNS1", "U0UTE1", "U0REP1", "U0SEC1"):
        assert await person_id(engine, rep) in member_ids
    assert opening.to.invite_emails == ("rep@unite.example.org",)
    assert [b.label for b in opening.buttons] == ["Agree", "Disagree"]
    assert await stage(engine, emp) is Stage.PARTNER_CONSULTATION

    out = await engine.decide(GMB, emp, Action.PARTNER_AGREE, revision=1)
    assert out.ok and "Still waiting for: UNISON, Unite" in out.notices[0].as_plain()
    out = await engine.decide(UNS, emp, Action.PARTNER_AGREE, revision=1)
    assert "Still waiting for: Unite" in out.notices[0].as_plain()
    assert await stage(engine, emp) is Stage.PARTNER_CONSULTATION
    out = await engine.decide(UTE, emp, Action.PARTNER_AGREE, revision=1)
    assert "All three partner unions have now agreed" in out.reply_text
    [route] = to(out.notices, Kind.ROUTE_REQUEST)
    assert [b.label for b in route.buttons] == ["JCC agenda item", "Joint letter"]
    assert await stage(engine, emp) is Stage.PARTNERS_AGREED

    out = await engine.choose_route(GMB, emp, "joint_letter")
    assert out.ok
    [draft] = to(out.notices, Kind.DRAFT)
    letter = draft.as_plain()
    # Written for the employer: never the unions' own case notes (issue 14; tests/test_lived.py).
    assert "Oakfield Primary School" in letter and PROPOSAL["case_for"] not in letter
    assert "NASUWT, GMB, UNISON and Unite" in letter
    assert await stage(engine, emp) is Stage.ROUTE_AGREED

    assert (await engine.introduce(REP, emp)).ok
    assert await stage(engine, emp) is Stage.EMPLOYER_INTRODUCED

    out = await engine.agree_plan(SEC, emp, PLAN)
    assert out.ok, out.reply_text
    assert await stage(engine, emp) is Stage.JOINED
    national = [n for n in out.notices if isinstance(n.to, ToNational)]
    assert [b.label for b in national[0].buttons] == ["Added to list", "Logo sent"]
    nem_told = [n for n in out.notices if isinstance(n.to, ToPerson) and n.to.person.id == await person_id(engine, "U0NEM1")]
    assert nem_told and "has joined" in nem_told[0].headline
    summary = await engine.summary(emp)
    assert summary is not None and summary.principle == 2 and summary.review_on == date(2027, 11, 23)
    plan = await engine.plan_of(emp)
    assert plan is not None
    _, actions = plan
    assert [(a.number, a.by_date) for a in actions] == [(1, date(2027, 1, 31)), (2, date(2027, 3, 31))]
    assert actions[1].owner_person_id == await person_id(engine, "U0REP1")
    assert actions[0].owner_person_id is None and actions[0].by_date_text == "End January 2027"

    out = await engine.record_national(NAT, emp, Action.ADDED_TO_LIST)
    assert out.ok and [b.label for b in out.notices[0].buttons] == ["Logo sent"]
    out = await engine.record_national(NAT, emp, Action.LOGO_SENT)
    assert out.ok and out.notices[0].buttons == ()
    again = await engine.record_national(NAT, emp, Action.LOGO_SENT)
    assert not again.ok and "Already decided: You sent the logo" in again.reply_text
    listed = await engine.register()
    assert [(e.name, e.stage, e.principle) for e in listed] == [("Oakfield Primary School", Stage.JOINED, 2)]
    assert listed[0].added_to_list_at is not None and listed[0].logo_sent_at is not None


async def test_secretary_rejection_needs_reasons_and_they_reach_the_proposer(engine: Engine) -> None:
    emp = await propose(engine)
    out = await engine.decide(SEC, emp, Action.SECRETARY_REJECT, revision=1, reasons="  ")
    assert not out.ok and out.errors == {"reasons": "Give your reasons."}
    assert await stage(engine, emp) is Stage.AWAITING_SECRETARY

    out = await engine.decide(SEC, emp, Action.SECRETARY_REJECT, revision=1, reasons="Ofsted visit this term")
    assert out.ok
    [rejected] = to(out.notices, Kind.REJECTED)
    assert isinstance(rejected.to, ToPerson) and rejected.to.person.id == await person_id(engine, "U0REP1")
    assert ("Reasons", "Ofsted visit this term") in rejected.facts
    assert [b.label for b in rejected.buttons] == ["Revise and resubmit", "Withdraw"]
    assert await stage(engine, emp) is Stage.REJECTED


async def test_resubmission_shows_the_approver_what_changed(engine: Engine) -> None:
    emp = await propose(engine)
    await engine.decide(SEC, emp, Action.SECRETARY_REJECT, revision=1, reasons="Say more about support staff")
    same = await engine.resubmit(REP, emp, PROPOSAL)
    assert not same.ok and "Nothing in the proposal has changed" in same.reply_text
    revised = {**PROPOSAL, "case_for": PROPOSAL["case_for"] + " Support staff have asked for this too."}
    out = await engine.resubmit(REP, emp, revised)
    assert out.ok, out.reply_text
    [spent, request] = out.notices  # the rejection loses its buttons; the Secretary is asked again
    assert spent.replaces == f"rejected:{emp}:r1" and not spent.buttons
    facts = dict(request.facts)
    assert facts["Why it was rejected"] == "Say more about support staff"
    assert "now: " + revised["case_for"] in facts["Changed: Why this employer"]
    assert request.buttons[0].revision == 2
    assert await stage(engine, emp) is Stage.AWAITING_SECRETARY
    # A click on the old request (version 1) must not approve version 2.
    stale = await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    assert not stale.ok and "earlier version" in stale.reply_text
    assert (await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=2)).ok
    assert await stage(engine, emp) is Stage.AWAITING_NEM


async def test_nem_rejection_tells_the_proposer_and_the_secretary(engine: Engine) -> None:
    emp = await propose(engine)
    await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    out = await engine.decide(NEM, emp, Action.NEM_REJECT, revision=1, reasons="Wait for the MAT to settle")
    assert out.ok
    told = {n.to.person.id for n in out.notices if isinstance(n.to, ToPerson) and n.kind is not Kind.DECIDED}
    assert told == {await person_id(engine, "U0REP1"), await person_id(engine, "U0SEC1")}
    assert await stage(engine, emp) is Stage.REJECTED


async def test_partner_disagreement_sends_it_back_with_reasons(engine: Engine) -> None:
    emp = await to_partners(engine)
    await engine.decide(GMB, emp, Action.PARTNER_AGREE, revision=1)
    out = await engine.decide(UNS, emp, Action.PARTNER_DISAGREE, revision=1, reasons="Outsourced cleaners unpaid")
    assert out.ok
    assert await stage(engine, emp) is Stage.REJECTED
    [rejected] = to(out.notices, Kind.REJECTED)
    assert ("Reasons", "Outsourced cleaners unpaid") in rejected.facts
    # Resubmitted, it needs every voice again for the new version.
    await engine.resubmit(REP, emp, {**PROPOSAL, "case_for": PROPOSAL["case_for"] + " Cleaners now included."})
    await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=2)
    await engine.decide(NEM, emp, Action.NEM_APPROVE, revision=2)
    out = await engine.decide(GMB, emp, Action.PARTNER_AGREE, revision=2)
    assert out.ok and "Still waiting for: UNISON, Unite" in out.notices[0].as_plain()


async def test_one_voice_per_union(engine: Engine) -> None:
    emp = await to_partners(engine)
    assert (await engine.decide(UTE, emp, Action.PARTNER_AGREE, revision=1)).ok
    out = await engine.decide(UTE, emp, Action.PARTNER_AGREE, revision=1)
    assert not out.ok and "Unite has already spoken" in out.reply_text and "you agreed on 23 Nov 2026" in out.reply_text
    # Another Unite rep (known only by e-mail) can't give a second Unite voice either.
    out = await engine.decide(slack("U0UTE1"), emp, Action.PARTNER_DISAGREE, revision=1, reasons="changed my mind")
    assert not out.ok
    assert await stage(engine, emp) is Stage.PARTNER_CONSULTATION
    audit = await engine.audit(emp)
    assert [(a.action, a.payload.get("union")) for a in audit if a.action.startswith("partner")] == [("partner_agree", "Unite")]


async def test_objective_met_starts_a_new_cycle_on_a_different_principle(engine: Engine, clock: Clock) -> None:
    emp = await to_joined(engine)
    early = await engine.review_falls_due(emp)
    assert not early.ok
    clock.advance(days=366)
    out = await engine.review_falls_due(emp)
    assert out.ok and await stage(engine, emp) is Stage.REVIEW_DUE
    assert {b.label for n in out.notices for b in n.buttons} == {"Objective met", "Not met"}
    out = await engine.review(REP, emp, Action.OBJECTIVE_MET)
    assert out.ok and await stage(engine, emp) is Stage.OBJECTIVE_MET
    same = await engine.agree_plan(SEC, emp, PLAN)
    assert not same.ok and "different principle" in same.errors["principle"]
    out = await engine.agree_plan(SEC, emp, {**PLAN, "principle": 5, "objectives": "Set up a JCC", "workplan": ""})
    assert out.ok, out.reply_text
    summary = await engine.summary(emp)
    assert summary is not None and (summary.cycle, summary.principle, summary.stage) == (2, 5, Stage.JOINED)


async def test_not_met_extend_moves_the_review_date(engine: Engine, clock: Clock) -> None:
    emp = await to_joined(engine)
    clock.advance(days=366)
    await engine.review_falls_due(emp)
    no_reasons = await engine.review(SEC, emp, Action.NOT_MET_EXTEND, new_review_date="2028-03-31")
    assert not no_reasons.ok and "reasons" in no_reasons.errors
    past = await engine.review(SEC, emp, Action.NOT_MET_EXTEND, reasons="Training delayed", new_review_date="2020-01-01")
    assert not past.ok and "future" in past.errors["review_on"]
    out = await engine.review(SEC, emp, Action.NOT_MET_EXTEND, reasons="Training delayed", new_review_date="31/03/2028")
    assert out.ok, out.reply_text
    summary = await engine.summary(emp)
    assert summary is not None and summary.stage is Stage.JOINED and summary.review_on == date(2028, 3, 31)
    [ev] = [a for a in await engine.audit(emp) if a.action == "not_met_extend"]
    assert ev.reasons == "Training delayed" and ev.payload["old_review_on"] == "2027-11-23"


async def test_not_met_new_plan_records_why_the_last_one_failed(engine: Engine, clock: Clock) -> None:
    emp = await to_joined(engine)
    clock.advance(days=366)
    out = await engine.review(NEM, emp, Action.NOT_MET_NEW_PLAN, reasons="Provider went bust")
    assert out.ok and await stage(engine, emp) is Stage.NOT_MET
    out = await engine.agree_plan(REP, emp, {**PLAN, "objectives": "Use the council's provider"})
    assert out.ok
    plan = await engine.plan_of(emp)
    assert plan is not None and plan[0].previous_failure_reasons == "Provider went bust" and plan[0].cycle == 2


async def test_revocation_needs_reasons_and_takes_the_employer_off_the_list(engine: Engine) -> None:
    emp = await to_joined(engine)
    await engine.record_national(NAT, emp, Action.ADDED_TO_LIST)
    refused = await engine.revoke(REP, emp, "they broke the policy")
    assert not refused.ok and "Only the National Executive Member for Leeds or a national officer" in refused.reply_text
    assert not (await engine.revoke(NEM, emp, "")).ok
    out = await engine.revoke(NEM, emp, "Acted outwith the agreed redundancy policy")
    assert out.ok
    national = [n for n in out.notices if isinstance(n.to, ToNational)][0]
    assert "Take the employer off the national list" in national.as_plain()
    assert await stage(engine, emp) is Stage.REVOKED
    assert await engine.register() == []
    # A revoked employer may be proposed again later, as a new case.
    assert (await engine.propose(REP, PROPOSAL)).ok


async def test_withdrawal_clears_the_waiting_approval(engine: Engine) -> None:
    emp = await propose(engine)
    await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    out = await engine.withdraw(REP, emp, "Head has left")
    assert out.ok
    [cleared] = to(out.notices, Kind.DECIDED)
    assert cleared.replaces == f"approval:{emp}:r1:nem" and not cleared.buttons
    assert await stage(engine, emp) is Stage.WITHDRAWN
    late = await engine.decide(NEM, emp, Action.NEM_APPROVE, revision=1)
    assert not late.ok and "withdrew the proposal" in late.reply_text


async def test_deputy_may_decide_for_the_secretary(engine: Engine) -> None:
    emp = await propose(engine)
    out = await engine.decide(DEP, emp, Action.SECRETARY_APPROVE, revision=1)
    assert out.ok
    late = await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    assert not late.ok
    assert "Already decided: U0DEP1 approved as Local Association Secretary on 23 Nov 2026 at 10:00" in late.reply_text


async def test_same_click_twice_decides_once(engine: Engine) -> None:
    emp = await propose(engine)
    first = await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    second = await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    assert first.ok and first.changed
    assert not second.ok and not second.changed and second.notices == []
    assert "Already decided: You approved" in second.reply_text
    # A reject arriving after the approval is answered with the approval, too.
    reject = await engine.decide(SEC, emp, Action.SECRETARY_REJECT, revision=1, reasons="no")
    assert not reject.ok and "approved as Local Association Secretary" in reject.reply_text
    assert [a.action for a in await engine.audit(emp)] == ["propose", "secretary_approve"]


async def test_the_wrong_person_is_refused_and_nothing_changes(engine: Engine) -> None:
    emp = await propose(engine)
    for who, action in (
        (REP, Action.SECRETARY_APPROVE),  # the proposer cannot approve their own proposal
        (NEM, Action.SECRETARY_APPROVE),  # the NEM decides after the Secretary, not instead
        (slack("U0SEC9"), Action.SECRETARY_APPROVE),  # Bradford's Secretary, wrong area
        (GMB, Action.SECRETARY_APPROVE),
    ):
        out = await engine.decide(who, emp, action, revision=1)
        assert not out.ok
        assert "Only the Local Association Secretary for Leeds (or their deputy)" in out.reply_text
        assert "Nothing has changed" in out.reply_text
    stranger = await engine.decide(slack("U0NOBODY"), emp, Action.SECRETARY_APPROVE, revision=1)
    assert not stranger.ok and "not in the VWS directory" in stranger.reply_text
    assert await stage(engine, emp) is Stage.AWAITING_SECRETARY
    assert [a.action for a in await engine.audit(emp)] == ["propose"]
    # Someone from another area's partner unions cannot speak for Leeds.
    await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    await engine.decide(NEM, emp, Action.NEM_APPROVE, revision=1)
    assert not (await engine.decide(slack("U0GMB9"), emp, Action.PARTNER_AGREE, revision=1)).ok
    assert not (await engine.record_national(REP, emp, Action.ADDED_TO_LIST)).ok


async def test_only_reps_of_the_area_may_propose(engine: Engine) -> None:
    out = await engine.propose(slack("U0REP9"), PROPOSAL)  # a Bradford rep proposing in Leeds
    assert not out.ok and "Only an NASUWT rep in Leeds" in out.reply_text
    assert await engine.register(everyone=True) == []


async def test_bad_proposal_input_names_the_fields(engine: Engine) -> None:
    out = await engine.propose(REP, {**PROPOSAL, "employer_name": " ", "employer_kind": "shop", "case_for": "short"})
    assert not out.ok
    assert set(out.errors) == {"employer_name", "employer_kind", "case_for"}
    out = await engine.propose(REP, {**PROPOSAL, "association": "Narnia"})
    assert not out.ok and "Choose one of: Bradford, Leeds" in out.errors["association"]
    assert await engine.register(everyone=True) == []


async def test_the_same_employer_cannot_be_proposed_twice_while_live(engine: Engine) -> None:
    await propose(engine)
    out = await engine.propose(slack("U0REP2"), {**PROPOSAL, "employer_name": "oakfield  primary school"})
    assert not out.ok and "already in the scheme's journey" in out.errors["employer_name"]


async def test_bad_plan_input_names_the_fields_and_writes_nothing(engine: Engine) -> None:
    emp = await to_partners(engine)
    for who in (GMB, UNS, UTE):
        await engine.decide(who, emp, Action.PARTNER_AGREE, revision=1)
    await engine.choose_route(REP, emp, "jcc")
    await engine.introduce(REP, emp)
    bad_table = PLAN["workplan"].replace("2 | Train", "1 | Train")
    out = await engine.agree_plan(SEC, emp, {**PLAN, "workplan": bad_table})
    assert not out.ok and out.errors == {"workplan": "Action number 1 is used more than once"}
    out = await engine.agree_plan(SEC, emp, {**PLAN, "workplan": "1 | Do it | Head | soonish"})
    assert not out.ok and "'soonish'" in out.errors["workplan"]
    out = await engine.agree_plan(SEC, emp, {**PLAN, "principle": 9})
    assert not out.ok and out.errors["principle"] == "Choose one of the six principles (1 to 6)."
    assert await stage(engine, emp) is Stage.EMPLOYER_INTRODUCED
    assert await engine.plan_of(emp) is None


async def test_audit_trail_records_who_what_when_and_why(engine: Engine, clock: Clock) -> None:
    emp = await propose(engine)
    clock.advance(hours=2)
    await engine.decide(SEC, emp, Action.SECRETARY_REJECT, revision=1, reasons="Too soon")
    lines = await engine.audit(emp)
    assert [(a.actor, a.action, a.from_stage, a.to_stage, a.reasons) for a in lines] == [
        ("Rita Rep", "propose", None, "awaiting_secretary", None),
        ("Sam Secretary", "secretary_reject", "awaiting_secretary", "rejected", "Too soon"),
    ]
    assert lines[1].at.hour == 12 and lines[1].at.tzinfo is not None


async def test_status_lists_what_waits_for_each_person(engine: Engine) -> None:
    emp = await propose(engine)
    sec = await engine.status_for(SEC)
    assert sec is not None and [(e.id, [b.label for b in bs]) for e, bs in sec.waiting] == [(emp, ["Approve", "Reject"])]
    rep = await engine.status_for(REP)
    assert rep is not None and [e.id for e in rep.proposals] == [emp] and rep.waiting == []
    assert await engine.status_for(slack("U0NOBODY")) is None


async def test_the_nem_is_offered_the_review_they_may_record(engine: Engine, clock: Clock) -> None:
    emp = await to_joined(engine)
    clock.advance(days=366)
    assert (await engine.review_falls_due(emp)).ok
    nem = await engine.status_for(NEM)
    assert nem is not None
    assert [(e.id, [b.label for b in bs]) for e, bs in nem.waiting] == [(emp, ["Objective met", "Not met"])]
    out = await engine.review(NEM, emp, Action.OBJECTIVE_MET)
    assert out.ok and await stage(engine, emp) is Stage.OBJECTIVE_MET
