"""The journey as people live it (issue 14, parts 4 to 6): refusals that give the true reason and
what to do instead, a re-proposed employer's history, the register and audit in words, forms
with nothing cut, and no live buttons left on finished cards. Walked in Slack, through signed
HTTP into the bolt app, the Web API played by the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of
from tests.test_lived import agreed, in_channel, joined
from tests.test_slack import PROPOSAL, employer_stage

REASON = "Made staff redundant without consultation"


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


def last_said(world: SlackWorld, user: str) -> str:
    """What the person was last told only for them (a command's answer)."""
    told = world.slack.ephemerals(user)
    assert told, f"{user} was told nothing"
    return text_of(told[-1])


async def revoked(world: SlackWorld) -> None:
    """In the scheme, then revoked by the NEM, with a reason."""
    await joined(world)
    await world.command("U0NEM1", "revoke")
    done = await world.submit("U0NEM1", reasons=REASON, confirm="yes")
    assert done.status == 200 and not done.body, done.body
    assert await employer_stage(world) is Stage.REVOKED


# --------------------------------------------------------------------------- the true reason


async def test_a_rep_trying_to_revoke_is_told_who_can_not_that_there_is_nothing_to_revoke(world: SlackWorld) -> None:
    await joined(world)
    await world.command("U0REP2", "revoke")  # a rep in Leeds, not the proposer
    said = last_said(world, "U0REP2")
    assert "no employer you can revoke" not in said
    assert "Only the National Executive Member for Leeds or a national officer can revoke" in said
    assert "Ask <@U0NEM1>." in said  # who to ask, by name
    assert world.slack.open_views("U0REP2") == []


async def test_someone_with_no_case_and_no_such_role_is_told_whose_step_it_is(world: SlackWorld) -> None:
    await world.command("U0GMB9", "revoke")  # a partner rep in Bradford, where nothing is in the scheme
    said = last_said(world, "U0GMB9")
    assert said.startswith("Only the National Executive Member for the employer's local association or a national "
                           "officer can revoke the membership of an employer.")  # fmt: skip


async def test_a_secretary_with_nothing_to_plan_is_told_so(world: SlackWorld) -> None:
    await world.command("U0SEC9", "plan")  # the Secretary for Bradford, where nothing waits
    assert last_said(world, "U0SEC9").startswith("Nothing waits for you to record an action plan for an employer just now.")


async def test_a_national_officer_with_nothing_to_revoke_is_not_told_about_every_case_in_the_country(
    world: SlackWorld,
) -> None:
    await agreed(world)  # a case in Leeds, not in the scheme yet
    await world.command("U0NAT1", "revoke")
    assert last_said(world, "U0NAT1").startswith("Nothing waits for you to revoke the membership of an employer just now.")
    await world.command("U0NAT1", "revoke oakfield")  # named: then its stage is the reason
    assert "You can't revoke the membership of Oakfield Primary School now: it is partner unions agreed" in last_said(
        world, "U0NAT1")


async def test_a_partner_rep_asking_for_the_plan_form_is_told_who_records_it(world: SlackWorld) -> None:
    await agreed(world)
    await world.command("U0GMB1", "plan")
    said = last_said(world, "U0GMB1")
    assert "can record an action plan for Oakfield Primary School" in said
    assert "Ask <@U0REP1>, <@U0SEC1> or <@U0DEP1>." in said


async def test_the_proposer_of_a_revoked_employer_is_told_it_was_revoked_and_what_can_be_done(world: SlackWorld) -> None:
    await revoked(world)
    await world.command("U0REP1", "plan")
    said = last_said(world, "U0REP1")
    assert "only the rep who proposed it" not in said.lower()  # she is the rep who proposed it
    assert "Oakfield Primary School was revoked by <@U0NEM1> on 23 Nov 2026" in said and REASON in said
    assert "/vws propose" in said  # what she can do instead
    await world.command("U0REP1", "review oakfield")
    assert "Oakfield Primary School was revoked" in last_said(world, "U0REP1")


async def test_the_proposer_of_a_withdrawn_employer_is_told_it_was_withdrawn(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Reject")
    await world.submit("U0SEC1", reasons="Not this term, please")
    rejection = world.last_dm("U0REP1")
    await world.click("U0REP1", rejection, "Withdraw")
    assert await employer_stage(world) is Stage.WITHDRAWN
    await world.command("U0REP1", "plan")
    said = last_said(world, "U0REP1")
    assert "Oakfield Primary School was withdrawn" in said and "/vws propose" in said
    after = now_of(world, "U0REP1", rejection)
    assert actions_blocks(after) == [] and "Withdrawn" in text_of(after)  # its buttons are spent


@pytest.mark.parametrize("word", ["plan", "review", "revoke"])
async def test_an_unknown_employer_name_gets_no_employer_matches_and_opens_nothing(world: SlackWorld, word: str) -> None:
    await joined(world) if word != "plan" else await _introduced(world)
    who = "U0NEM1" if word == "revoke" else "U0SEC1"
    await world.command(who, f"{word} nosuchschool")
    said = last_said(world, who)
    assert "No employer matches \u201cnosuchschool\u201d" in said
    assert "Oakfield Primary School" in said  # what to try instead: the ones the person can choose
    assert world.slack.open_views(who) == []  # no other employer's form opened quietly


async def _introduced(world: SlackWorld) -> str:
    channel, _ = await agreed(world)
    route = next(m for m in in_channel(world, channel) if buttons(m) == ["JCC agenda item", "Joint letter"])
    await world.click("U0GMB1", route, "JCC agenda item", channel=channel)
    step = next(m for m in in_channel(world, channel) if buttons(m) == ["Introduced to the employer"])
    await world.click("U0REP1", step, "Introduced to the employer", channel=channel)
    assert await employer_stage(world) is Stage.EMPLOYER_INTRODUCED
    return channel


async def test_a_name_that_matches_still_opens_that_employer(world: SlackWorld) -> None:
    await _introduced(world)
    await world.command("U0SEC1", "plan oakfield")
    view = world.top_view("U0SEC1")
    [employer] = [b for b in view["blocks"] if b.get("block_id") == "employer"]
    assert employer["element"]["initial_option"]["text"]["text"].startswith("Oakfield Primary School")


# --------------------------------------------------------------------------- a history shown


async def test_a_revoked_employer_proposed_again_shows_its_history_to_the_secretary_and_the_nem(world: SlackWorld) -> None:
    await revoked(world)
    await world.command("U0REP1", "propose")
    sub = await world.submit("U0REP1", **PROPOSAL)
    assert sub.status == 200 and not sub.body, sub.body
    request = text_of(world.last_dm("U0SEC1"))
    assert "Approval needed: Oakfield Primary School" in request
    assert "Proposed before" in request and "Revoked on 23 Nov 2026 by Nia NEM" in request and REASON in request
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    to_nem = text_of(world.last_dm("U0NEM1"))
    assert "Approval needed: Oakfield Primary School" in to_nem and REASON in to_nem


async def test_a_withdrawn_employer_proposed_again_shows_it_was_withdrawn(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Reject")
    await world.submit("U0SEC1", reasons="Not this term, please")
    await world.click("U0REP1", world.last_dm("U0REP1"), "Withdraw")
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    request = text_of(world.last_dm("U0SEC1"))
    assert "Withdrawn on 23 Nov 2026 by Rita Rep" in request
    assert "Rejected on 23 Nov 2026 by Sam Secretary (Local Association Secretary): Not this term, please" in request


async def test_a_first_proposal_has_no_history(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    assert "Proposed before" not in text_of(world.last_dm("U0SEC1"))


# --------------------------------------------------------------------------- finished cards


def actions_blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message.get("blocks", []) if b.get("type") == "actions"]


def now_of(world: SlackWorld, channel: str, message: dict[str, Any]) -> dict[str, Any]:
    """The stand-in's stored message as it is now (after any updates)."""
    return next(m for m in world.slack.messages_in(channel, include_replies=True) if m["ts"] == message["ts"])


async def test_the_plan_request_loses_its_button_once_the_plan_is_recorded(world: SlackWorld) -> None:
    from tests.test_slack import WORKPLAN

    channel = await _introduced(world)
    requests = [m for m in world.slack.messages_in(channel, include_replies=True) if buttons(m) == ["Record the action plan"]]
    assert requests, "no plan request"
    await world.command("U0SEC1", "plan")
    sub = await world.submit("U0SEC1", principle="2", objectives="Introduce mental health first aiders",
                             activities="Train six staff", success_criteria="Six first aiders in post", workplan=WORKPLAN,
                             review_on="2027-11-30")  # fmt: skip
    assert sub.status == 200 and not sub.body, sub.body
    for request in requests:  # in the channel and in the thread
        after = now_of(world, channel, request)
        assert actions_blocks(after) == []
        assert "Action plan recorded" in text_of(after) and "Recorded by <@U0SEC1>" in text_of(after)


async def test_the_partner_request_shows_each_union_that_agreed_and_is_closed_once_all_have(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    channel = world.slack.channel_id("vws-oakfield-primary-school")
    request = world.slack.messages_in(channel)[0]
    await world.click("U0GMB1", request, "Agree", channel=channel)
    after = now_of(world, channel, request)
    assert "GMB: agreed by" in text_of(after)  # GMB's part is done, and says so
    assert "Still to answer: UNISON, Unite" in text_of(after)
    assert buttons(after) == ["Agree", "Disagree"]  # for the unions still to answer
    await world.click("U0UNS1", after, "Agree", channel=channel)
    await world.click("U0UTE1", now_of(world, channel, request), "Agree", channel=channel)
    assert actions_blocks(now_of(world, channel, request)) == []


async def test_the_rejection_loses_its_buttons_once_the_proposal_is_resubmitted(world: SlackWorld) -> None:
    await world.command("U0REP1", "propose")
    await world.submit("U0REP1", **PROPOSAL)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Reject")
    await world.submit("U0SEC1", reasons="Not this term, please")
    rejection = world.last_dm("U0REP1")
    await world.click("U0REP1", rejection, "Revise and resubmit")
    sub = await world.submit("U0REP1", case_for="Revised: the head has asked us to work with them.")
    assert sub.status == 200 and not sub.body, sub.body
    after = now_of(world, "U0REP1", rejection)
    assert actions_blocks(after) == [] and "Resubmitted" in text_of(after)


# --------------------------------------------------------------------------- nothing cut


async def every_form(services: Any) -> dict[str, list[Any]]:
    """Every form the bot offers, built by its builder in flows/*/forms.py with realistic data."""
    from datetime import date, datetime

    from sqlalchemy import select

    from flows.bestvalue import forms as code_forms
    from flows.bestvalue.case import ContractCase, adoption_case
    from flows.core.payload import Payload
    from flows.partnership import forms as lsp_forms
    from flows.signup import forms as signup_forms
    from flows.signup.journey import TABLE
    from flows.signup.records import EmployerSummary
    from models.bestvalue import CodeAdoption, CodeContract
    from models.partnership_inputs import PROTOCOL_THEMES
    from tests.code_fixtures import start

    employers = [
        EmployerSummary(i, name, "school", "Leeds", "Yorkshire and the Humber", stage, 1, 1, 2, date(2027, 11, 30),
                        datetime(2026, 11, 23), None, None)  # fmt: skip
        for i, (name, stage) in enumerate(
            [("St Mary's Catholic Primary School", Stage.EMPLOYER_INTRODUCED), ("Learning Partners Academy Trust", Stage.JOINED),
             ("Leeds City Council", Stage.REVIEW_DUE)], start=1)  # fmt: skip
    ]
    aid = await start(services.engine)
    async with services.sessions() as s:
        row = (await s.execute(select(CodeAdoption).where(CodeAdoption.id == aid))).scalar_one()
        adoption = await adoption_case(s, services.engine, None, row)
    contract = ContractCase(CodeContract(id=1, adoption_id=aid, contract="School meals, 2027 to 2030",
                                         contractor="Northern Catering Services Ltd", stage="sought", revision=1),
                            adoption)  # fmt: skip
    issue = Payload("lsp_issue", 1)
    title = "Cover supervisors asked to teach whole classes"
    parties = ["NASUWT", "GMB", "UNISON", "Unite", "Leeds City Council", "NAHT"]
    return {
        "propose_form": [signup_forms.propose_form(["Bradford", "Leeds"], ["Leeds"]),
                         signup_forms.propose_form(["Leeds"], ["Leeds"], initial={"employer_name": "St Mary's"},
                                                   employer_id=1, revision=2)],
        "reasons_form": [signup_forms.reasons_form(Payload(t.action, 1, 1), "St Mary's Catholic Primary School")
                         for t in TABLE.rows if t.form == "reasons"],
        "plan_form": [signup_forms.plan_form(employers, employer_id=1, avoid={2: 3})],
        "not_met_form": [signup_forms.not_met_form(2, 1, "Learning Partners Academy Trust")],
        "review_form": [signup_forms.review_form(employers)],
        "revoke_form": [signup_forms.revoke_form(employers, employer_id=2)],
        "screen_form": [lsp_forms.screen_form(issue), lsp_forms.screen_form(issue, about="St Mary's")],
        "issue_form": [lsp_forms.issue_form(issue, [(1, "Leeds"), (2, "Bradford")], ["Workload", "Health and safety"],
                                            employer="St Mary's")],
        "attempt_form": [lsp_forms.attempt_form(issue, title, "local", date(2026, 11, 23))],
        "resolution_form": [lsp_forms.resolution_form(issue, title)],
        "escalate_form": [lsp_forms.escalate_form(issue, title, "regional")],
        "note_form": [lsp_forms.note_form(issue, title)],
        "refer_back_form": [lsp_forms.refer_back_form(issue, title, "local")],
        "reopen_form": [lsp_forms.reopen_form(issue, title)],
        "casework_form": [lsp_forms.casework_form(issue, title)],
        "remit_form": [lsp_forms.remit_form(issue, "Leeds", ["Workload", "Health and safety"], parties, ["Pay"])],
        "protocol_form": [lsp_forms.protocol_form(issue, "Leeds", {t: "" for t in PROTOCOL_THEMES}, parties)],
        "start_form": [code_forms.start_form(["Bradford", "Leeds"], ["Leeds"], ["GMB", "UNISON"])],
        "mark_form": [code_forms.mark_form(adoption, None), code_forms.mark_form(adoption, 1)],
        "committee_form": [code_forms.committee_form(adoption)],
        "indicator_form": [code_forms.indicator_form(adoption, [(1, "Gary GMB"), (2, "Uma UNISON")], 1)],
        "actual_form": [code_forms.actual_form([(1, "Service reviews with an equality impact assessment")], 1, "2025-26")],
        "seek_form": [code_forms.seek_form(adoption)],
        "response_form": [code_forms.response_form(contract)],
        "delivery_form": [code_forms.delivery_form(contract, "2025-26")],
    }


async def test_every_form_the_bot_offers_fits_slack_with_nothing_cut(db_url: str, clock: Clock) -> None:
    """Slack cuts an option's text or description at 75 characters, a title at 24: fixed wording
    is written to fit, so no form shows the renderer's "(cut: too long for Slack)"."""
    import inspect
    import json

    from bot.services import Services
    from bot.settings import Settings
    from bot.slack.render import CUT_MARK
    from bot.slack.views import form_view
    from flows.bestvalue import forms as code_forms
    from flows.partnership import forms as lsp_forms
    from flows.signup import forms as signup_forms
    from tests.code_fixtures import CODE_DIRECTORY

    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    try:
        await svc.load_directory(CODE_DIRECTORY)
        built = await every_form(svc)
    finally:
        await svc.close()
    builders = {name for m in (signup_forms, lsp_forms, code_forms) for name, fn in inspect.getmembers(m, inspect.isfunction)
                if fn.__module__ == m.__name__ and name.endswith("_form") and not name.startswith("_")}  # fmt: skip
    assert builders == set(built), "a form builder without realistic data here"
    cut = [(name, form.id) for name, forms in built.items() for form in forms if CUT_MARK.strip() in json.dumps(form_view(form), ensure_ascii=False)]
    assert cut == []


# --------------------------------------------------------------------------- the register and the audit, in words


async def register_of(world: SlackWorld, capsys: pytest.CaptureFixture[str], *, csv_out: bool = False) -> str:
    import argparse

    from bot.cli import cmd_register

    capsys.readouterr()
    assert await cmd_register(world.services, argparse.Namespace(all=True, csv="-" if csv_out else None)) == 0
    return capsys.readouterr().out


async def test_the_register_says_stages_in_words_and_gives_no_review_date_once_finished(
    world: SlackWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    await joined(world)
    [row] = list(csv.DictReader(io.StringIO(await register_of(world, capsys, csv_out=True))))
    assert row["status"] == "in the scheme" and row["kind"] == "school" and row["next_review"] == "2027-11-30"
    assert "review 30 Nov 2027" in await register_of(world, capsys)
    national = [m for m in world.slack.messages_in("C0NATIONAL") if m.get("bot_id")][-1]
    await world.click("U0NAT1", national, "Added to list", channel="C0NATIONAL")
    await world.command("U0NEM1", "revoke")
    await world.submit("U0NEM1", reasons=REASON, confirm="yes")
    listed = await register_of(world, capsys)
    assert "revoked" in listed and "review" not in listed  # finished: no next review
    revoked_msg = [m for m in world.slack.messages_in("C0NATIONAL") if "revoked" in text_of(m).lower()][-1]
    await world.click("U0NAT1", revoked_msg, "Taken off the list", channel="C0NATIONAL")
    listed = await register_of(world, capsys)
    assert "taken off the national list on 23 Nov 2026" in listed and "review" not in listed
    [row] = list(csv.DictReader(io.StringIO(await register_of(world, capsys, csv_out=True))))
    assert row["status"] == "revoked" and row["next_review"] == "" and row["taken_off_list"] == "2026-11-23"


async def test_the_audit_reads_in_words(world: SlackWorld, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from bot.cli import cmd_audit
    from flows.signup.journey import Action

    await revoked(world)
    capsys.readouterr()
    assert await cmd_audit(world.services, argparse.Namespace(employer="oakfield")) == 0
    out = capsys.readouterr().out
    assert "Rita Rep proposed the employer. Now waiting for the Local Association Secretary." in out
    assert "Sam Secretary approved as Local Association Secretary. Now waiting for the National Executive Member." in out
    assert "agreed for their union (GMB)." in out
    assert "agreed the route to the employer: an item on the Joint Consultative Committee agenda." in out
    assert "recorded the action plan the employer agreed (cycle 1, principle 2, review on 30 Nov 2027, " in out
    assert f"Nia NEM revoked the employer's membership of the scheme: {REASON}. Now revoked." in out
    codes = {c for c in {a.value for a in Action} | {s.value for s in Stage} if "_" in c}  # none reads as a word
    assert [w for w in out.replace(".", " ").split() if w in codes] == [] and "->" not in out and "=" not in out


async def test_the_review_request_loses_its_buttons_once_the_review_is_recorded(world: SlackWorld, clock: Clock) -> None:
    channel = await joined(world)
    clock.advance(days=375)
    assert (await world.services.engine.review_falls_due(1)).ok
    await world.settle()
    asked = [("U0REP1", world.last_dm("U0REP1")), ("U0SEC1", world.last_dm("U0SEC1"))]
    asked += [(channel, m) for m in world.slack.messages_in(channel, include_replies=True) if buttons(m) == ["Objective met", "Not met"]]
    assert len(asked) == 3 and all(buttons(m) == ["Objective met", "Not met"] for _, m in asked)  # two DMs, the channel
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Objective met")
    assert await employer_stage(world) is Stage.OBJECTIVE_MET
    for where, m in asked:
        after = now_of(world, where, m)
        assert actions_blocks(after) == [] and "Objective met" in text_of(after) and "<@U0SEC1>" in text_of(after)


async def test_a_review_request_loses_its_buttons_when_the_employer_is_revoked_instead(world: SlackWorld, clock: Clock) -> None:
    await joined(world)
    clock.advance(days=375)
    assert (await world.services.engine.review_falls_due(1)).ok
    await world.settle()
    asked = world.last_dm("U0REP1")
    await world.command("U0NEM1", "revoke")
    await world.submit("U0NEM1", reasons=REASON, confirm="yes")
    assert await employer_stage(world) is Stage.REVOKED
    after = now_of(world, "U0REP1", asked)
    assert actions_blocks(after) == [] and "Revoked: Oakfield Primary School" in text_of(after)
