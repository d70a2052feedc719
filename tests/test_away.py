"""Absence and delegation (issue 14, part 7), walked in Slack (signed HTTP into the bolt app, the
Web API played by the stand-in): a Secretary or an NEM says they're away, from and until when, and
who acts for them; requests go to that person at once, the requester is told, the delegate may act
and the audit says so; a loop is refused on the form; it ends by itself, or with `/vws away off`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import sweep
from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of
from tests.test_slack import PROPOSAL, employer_stage
from tests.test_teams import AAD, card_text, last_card_with, standin, teams, teams_services  # noqa: F401 - the Teams fixtures
from tests.test_teams import PROPOSAL as TEAMS_PROPOSAL
from tests.test_teams import buttons as card_buttons

# Leeds and Bradford each with their own NEM, so that one NEM can act for the other.
DIRECTORY = """
national:
  channel: C0NATIONAL
  officers: [U0NAT1]
local_associations:
  - name: Leeds
    region: Yorkshire and the Humber
    secretary: {slack: U0SEC1, name: Sam Secretary}
    deputy: {slack: U0DEP1, name: Dee Deputy}
    nem: {slack: U0NEM1, name: Nia NEM}
    reps: [{slack: U0REP1, name: Rita Rep}, U0REP2]
    partner_reps:
      GMB: [U0GMB1]
      UNISON: [U0UNS1]
      Unite: [U0UTE1]
  - name: Bradford
    region: Yorkshire and the Humber
    secretary: U0SEC9
    nem: {slack: U0NEM9, name: Ned NEM}
    reps: [U0REP9]
    partner_reps:
      GMB: [U0GMB9]
      UNISON: [U0UNS9]
      Unite: [U0UTE9]
admins: [U0ADM1]
"""


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock, directory=DIRECTORY)
    w.slack.add_user("U0NEM9", "ned", email="ned@example.org")
    yield w
    await stop_world(w)


def choices(view: dict[str, Any], block_id: str) -> dict[str, str]:
    """A drop-down's choices in a modal: label -> value."""
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return {o["text"]["text"]: o["value"] for o in block["element"]["options"]}


async def away(world: SlackWorld, user: str, delegate: str, until: str, starts: str | None = None) -> Any:
    """``/vws away`` and the form sent: from (default today), until, and who acts."""
    await world.command(user, "away")
    view = world.top_view(user)
    return await world.submit(user, starts_on=starts, until_on=until, delegate=choices(view, "delegate")[delegate])


async def propose(world: SlackWorld, name: str = "Oakfield Primary School") -> None:
    await world.command("U0REP1", "propose")
    sub = await world.submit("U0REP1", **{**PROPOSAL, "employer_name": name})
    assert sub.status == 200 and not sub.body, sub.body


def requests_in(world: SlackWorld, user: str) -> list[dict[str, Any]]:
    return [m for m in world.slack.dms_to(user) if "Approve" in buttons(m)]


async def test_a_secretary_away_sends_new_requests_to_the_deputy_at_once_and_the_audit_says_for_whom(
    world: SlackWorld,
) -> None:
    await world.command("U0SEC1", "away")
    view = world.top_view("U0SEC1")
    assert list(choices(view, "delegate")) == ["Dee Deputy"]  # who may act for a Secretary: their deputy
    done = await world.submit("U0SEC1", until_on="2026-12-04", delegate=choices(view, "delegate")["Dee Deputy"])
    assert done.status == 200 and not done.body, done.body
    assert "You're away from 23 Nov 2026 to 4 Dec 2026" in text_of(world.last_dm("U0SEC1"))
    told = world.last_dm("U0DEP1")
    assert "Sam Secretary is away until 4 Dec 2026: their requests come to you" in text_of(told)

    await propose(world)
    assert requests_in(world, "U0SEC1") == []  # nothing waits for the absent Secretary
    [request] = requests_in(world, "U0DEP1")
    assert "acting for <@U0SEC1>, who is away until 4 Dec 2026" in text_of(request)
    assert "<@U0SEC1> is away until 4 Dec 2026; sent to <@U0DEP1>." in text_of(world.last_dm("U0REP1"))

    await world.click("U0DEP1", request, "Approve")
    assert await employer_stage(world) is Stage.AWAITING_NEM
    [line] = [a for a in await world.services.engine.audit(1) if a.action == "secretary_approve"]
    assert line.actor == "Dee Deputy for Sam Secretary"


async def test_an_nem_away_hands_decisions_to_another_nem_who_may_then_act(world: SlackWorld) -> None:
    await world.command("U0NEM1", "away")
    assert "Ned NEM" in choices(world.top_view("U0NEM1"), "delegate")  # another NEM, from the directory
    await away(world, "U0NEM1", "Ned NEM", until="2026-11-30")
    await propose(world)
    await world.click("U0SEC1", requests_in(world, "U0SEC1")[-1], "Approve")
    assert "<@U0NEM1> is away until 30 Nov 2026; sent to <@U0NEM9>." in text_of(world.slack.ephemerals("U0SEC1")[-1])
    assert requests_in(world, "U0NEM1") == []
    [request] = requests_in(world, "U0NEM9")
    await world.click("U0NEM9", request, "Approve")  # Bradford's NEM, acting for Leeds's
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION
    [line] = [a for a in await world.services.engine.audit(1) if a.action == "nem_approve"]
    assert line.actor == "Ned NEM for Nia NEM"


async def test_the_delegate_sees_what_waits_for_the_absent_nem_in_their_status(world: SlackWorld) -> None:
    await away(world, "U0NEM1", "Ned NEM", until="2026-11-30")
    await propose(world)
    await world.click("U0SEC1", requests_in(world, "U0SEC1")[-1], "Approve")
    await world.command("U0NEM9", "status")
    status = world.slack.ephemerals("U0NEM9")[-1]
    assert "Oakfield Primary School" in text_of(status) and "Approve" in buttons(status)


async def test_without_an_absence_another_nem_may_not_act(world: SlackWorld) -> None:
    await propose(world)
    await world.click("U0SEC1", requests_in(world, "U0SEC1")[-1], "Approve")
    await world.click("U0NEM9", requests_in(world, "U0NEM1")[-1], "Approve")
    assert "Only the National Executive Member for Leeds" in world.slack.ephemerals("U0NEM9")[-1]["text"]
    assert await employer_stage(world) is Stage.AWAITING_NEM


async def test_a_delegation_that_would_loop_is_refused_on_the_delegate_field(world: SlackWorld) -> None:
    await away(world, "U0NEM1", "Ned NEM", until="2026-12-04")
    refused = await away(world, "U0NEM9", "Nia NEM", starts="2026-11-30", until="2026-12-11")
    errors = refused.json()["errors"]
    assert list(errors) == ["delegate"]
    assert "Nia NEM is away then too and sends their requests to you" in errors["delegate"]
    # After Nia is back, Ned may send his to her.
    ok = await away(world, "U0NEM9", "Nia NEM", starts="2026-12-07", until="2026-12-11")
    assert ok.status == 200 and not ok.body, ok.body


async def test_dates_are_checked_on_their_fields(world: SlackWorld) -> None:
    await world.command("U0SEC1", "away")
    view = world.top_view("U0SEC1")
    dee = choices(view, "delegate")["Dee Deputy"]
    assert "until_on" in (await world.submit("U0SEC1", until_on=None, delegate=dee)).json()["errors"]
    before = await world.submit("U0SEC1", starts_on="2026-12-01", until_on="2026-11-30", delegate=dee)
    assert "can't be before the first" in before.json()["errors"]["until_on"]


async def test_a_rep_cannot_hand_on_their_proposals(world: SlackWorld) -> None:
    await world.command("U0REP1", "away")
    assert world.slack.open_views("U0REP1") == []
    said = text_of(world.slack.ephemerals("U0REP1")[-1])
    assert "Only a Local Association Secretary (or deputy), a National Executive Member" in said


async def test_the_absence_ends_by_itself_and_reminders_after_it_go_to_the_secretary(
    world: SlackWorld, clock: Clock
) -> None:
    await away(world, "U0SEC1", "Dee Deputy", until="2026-11-24")  # Monday and Tuesday
    await propose(world)
    assert len(requests_in(world, "U0DEP1")) == 1
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # Wednesday: back, and two working days waited
    await sweep(world.services, world.bot.outbound, clock())
    await world.settle()
    chase = world.last_dm("U0SEC1")
    assert "has waited 2 working days for you to decide" in text_of(chase) and "acting for" not in text_of(chase)
    assert len(requests_in(world, "U0DEP1")) == 1  # nothing more for the deputy
    await propose(world, "Beech Hill Academy")
    assert "Beech Hill Academy" in text_of(requests_in(world, "U0SEC1")[-1])


async def test_away_off_ends_it_early_and_tells_the_delegate(world: SlackWorld) -> None:
    await away(world, "U0SEC1", "Dee Deputy", until="2026-12-04")
    await propose(world, "Beech Hill Academy")
    assert len(requests_in(world, "U0DEP1")) == 1 and requests_in(world, "U0SEC1") == []
    await world.command("U0SEC1", "away off")
    assert "Welcome back" in text_of(world.slack.ephemerals("U0SEC1")[-1])
    assert "Sam Secretary is back" in text_of(world.last_dm("U0DEP1"))
    [back] = requests_in(world, "U0SEC1")  # what still waits comes back to the Secretary
    assert "Beech Hill Academy" in text_of(back)
    await propose(world)
    assert len(requests_in(world, "U0DEP1")) == 1 and len(requests_in(world, "U0SEC1")) == 2
    await world.command("U0SEC1", "away off")
    assert "You're not down as away" in text_of(world.slack.ephemerals("U0SEC1")[-1])


async def test_a_request_already_waiting_goes_to_the_delegate_when_the_absence_starts(world: SlackWorld) -> None:
    await propose(world)
    assert len(requests_in(world, "U0SEC1")) == 1
    await away(world, "U0SEC1", "Dee Deputy", until="2026-12-04")
    assert "1 request waiting for you has gone to <@U0DEP1> now" in text_of(world.last_dm("U0SEC1"))
    [request] = requests_in(world, "U0DEP1")
    await world.click("U0DEP1", request, "Approve")
    assert await employer_stage(world) is Stage.AWAITING_NEM


async def test_a_chain_of_absences_is_followed_and_bounded(world: SlackWorld) -> None:
    # Sam away to Dee, Dee away to Sam is a loop; Dee away is fine when Sam is not.
    await away(world, "U0SEC1", "Dee Deputy", until="2026-12-04")
    refused = await away(world, "U0DEP1", "Sam Secretary", until="2026-11-27")
    assert "delegate" in refused.json()["errors"]


# --------------------------------------------------------------------------- the same in Teams


async def test_in_teams_away_opens_a_card_and_the_deputy_gets_the_request(teams: Any) -> None:  # noqa: F811
    s = teams.standin
    await teams.say("sec", "away")
    form = s.cards_to(AAD["sec"])[-1]
    fields = {b.get("id"): b for b in form["body"]}
    assert {"starts_on", "until_on", "delegate"} <= set(fields)
    [deputy] = fields["delegate"]["choices"]  # the deputy is the only one who may act for a Secretary
    send = form["actions"][0]["data"]
    missing = await teams.click("sec", {**send, "delegate": deputy["value"]})
    assert "Give your last day away" in card_text(missing)
    done = await teams.click("sec", {**send, "until_on": "2026-12-04", "delegate": deputy["value"]})
    assert "You're away from 23 Nov 2026 to 4 Dec 2026" in card_text(done)
    await teams.say("rep", "propose")
    await teams.click("rep", {"op": "propose", **TEAMS_PROPOSAL})
    request = last_card_with(s.cards_to(AAD["dep"]), "Approve")
    assert "who is away until 4 Dec 2026" in card_text(request)
    assert not any("Approve" in card_buttons(c) for c in s.cards_to(AAD["sec"]))
    await teams.say("sec", "away off")
    assert any("Welcome back" in card_text(c) for c in s.cards_to(AAD["sec"]))
    assert "Approve" in card_buttons(s.cards_to(AAD["sec"])[-1])  # what still waits comes back to her


# --------------------------------------------------------------------------- a chain is bounded

NEMS = ["U0NEMA", "U0NEMB", "U0NEMC", "U0NEMD", "U0NEME"]
CHAIN = "local_associations:\n" + "".join(
    f"  - name: Area {n[-1]}\n    secretary: U0SEC{n[-1]}\n    nem: {{slack: {n}, name: NEM {n[-1]}}}\n    reps: [U0REP{n[-1]}]\n"
    for n in NEMS
)


@pytest.fixture
async def chain_world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock, directory=CHAIN)
    for n in NEMS:
        for uid in (n, f"U0SEC{n[-1]}", f"U0REP{n[-1]}"):
            w.slack.add_user(uid, uid.lower(), email=f"{uid.lower()}@example.org")
    yield w
    await stop_world(w)


async def test_a_chain_longer_than_three_is_refused_at_creation_and_never_followed_further(chain_world: SlackWorld) -> None:
    w = chain_world
    for person, delegate in (("U0NEMD", "NEM E"), ("U0NEMC", "NEM D"), ("U0NEMB", "NEM C")):
        ok = await away(w, person, delegate, until="2026-12-04")
        assert ok.status == 200 and not ok.body, ok.body
    too_long = await away(w, "U0NEMA", "NEM B", until="2026-12-04")  # A to B to C to D to E: four hops
    assert "their requests already pass through several people" in too_long.json()["errors"]["delegate"]
    # Made the other way round (A first, E last), the chain is still followed for three hops only.
    await w.command("U0NEMD", "away off")
    assert (await away(w, "U0NEMA", "NEM B", until="2026-12-04")).status == 200
    assert (await away(w, "U0NEMD", "NEM E", until="2026-12-04")).status == 200
    await w.command("U0REPA", "propose")
    await w.submit("U0REPA", **{**PROPOSAL, "association": "Area A"})
    await w.click("U0SECA", w.last_dm("U0SECA"), "Approve")
    assert [u for u in NEMS if requests_in(w, u)] == ["U0NEMD"]  # A -> B -> C -> D, and no further


# --------------------------------------------------------------------------- other reminders


async def test_a_review_reminder_for_a_secretary_away_goes_to_the_deputy(services: Any, clock: Clock) -> None:
    from flows.core.forms import Form
    from flows.core.payload import Payload
    from flows.notices import ToPerson
    from tests.conftest import SEC
    from tests.test_reminders import joined_with, london, sweep_at

    engine = services.engine
    await joined_with(engine, "")  # review due Tuesday 23 November 2027
    clock.set(london(2027, 11, 22, 9, 0))
    form = await engine.dispatch.press(SEC, Payload("away"))
    assert isinstance(form, Form)
    [deputy] = next(f for f in form.fields if f.name == "delegate").options
    out = await engine.dispatch.submit(SEC, Payload("away"), {"until_on": "2027-11-26", "delegate": deputy.value})
    assert out.ok, out.reply_text
    sent = await sweep_at(services, clock, london(2027, 11, 23, 9, 0))  # the review's day
    people = sorted(n.to.person.label for n in sent if isinstance(n.to, ToPerson))
    assert people == ["Rita Rep", deputy.label]  # not the Secretary, who is away
    [to_deputy] = [n for n in sent if isinstance(n.to, ToPerson) and n.to.person.label == deputy.label]
    assert "who is away until 26 Nov 2027" in to_deputy.as_plain()
    assert [b.label for b in to_deputy.buttons] == ["Objective met", "Not met", "Snooze a week"]
    later = await sweep_at(services, clock, london(2027, 11, 30, 9, 0))  # back: a week overdue goes to her again
    assert "Sam Secretary" in [n.to.person.label for n in later if isinstance(n.to, ToPerson)]
