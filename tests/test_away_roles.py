"""Away from the other processes' roles too (issue 14, part 7): a regional escalation contact of a
local social partnership, or a branch rep in a Best Value Code adoption, says they are away and
who acts for them, chosen from those allowed to hold that role (another contact for the same
region, another rep of the same union's branch); anyone else is refused, naming who may be
chosen. Meanwhile the requests go to the delegate, the delegate may act, and the audit reads
"Y for X". Walked in Slack (signed HTTP into the bolt app, the stand-in Web API)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from models.bestvalue import CodeEvent
from models.partnership import PartnershipEvent
from models.tables import Person
from tests.code_fixtures import CODE_DIRECTORY
from tests.conftest import Clock
from tests.partnership_world import ATTEMPT
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of
from tests.test_away import away, choices
from tests.test_code_slack import CHANNEL as CODE_CHANNEL
from tests.test_partnership_slack import card, channel, raise_in_slack
from tests.test_partnership_slack import world as world  # noqa: F401 - the fixture


async def person_id(world: SlackWorld, slack_id: str) -> int:
    async with world.services.sessions() as s:
        return int((await s.execute(select(Person.id).where(Person.slack_id == slack_id))).scalar_one())


async def escalated(world: SlackWorld) -> None:
    root = await raise_in_slack(world, "U0GMB1")
    await world.click("U0GMB1", root, "Log attempt", channel=channel(world))
    await world.submit("U0GMB1", tried=ATTEMPT["tried"], tried_on=ATTEMPT["tried_on"], outcome=ATTEMPT["outcome"])
    await world.click("U0GMB1", card(world), "Escalate", channel=channel(world))
    await world.submit("U0GMB1", exhausted="The heads' side will not meet again.")


async def test_a_regional_contact_away_may_choose_only_another_contact_for_the_region(world: SlackWorld) -> None:
    await world.command("U0RGN1", "away")
    view = world.top_view("U0RGN1")
    assert list(choices(view, "delegate")) == ["Rhys Deputy"]
    gary = str(await person_id(world, "U0GMB1"))  # a partnership member, not a regional contact
    refused = await world.submit("U0RGN1", until_on="2026-12-04", delegate=gary)
    error = refused.json()["errors"]["delegate"]
    assert "Choose someone who may act for you" in error and "Rhys Deputy" in error


async def test_a_regional_contact_away_has_the_escalation_sent_to_their_delegate_who_acknowledges_it_for_them(
    world: SlackWorld,
) -> None:
    done = await away(world, "U0RGN1", "Rhys Deputy", until="2026-12-04")
    assert done.status == 200 and not done.body, done.body
    await escalated(world)
    assert [m for m in world.slack.dms_to("U0RGN1") if "Acknowledge" in buttons(m)] == []
    [asked] = [m for m in world.slack.dms_to("U0RGD1") if "Acknowledge" in buttons(m)]
    assert "You're acting for <@U0RGN1>, who is away until 4 Dec 2026" in text_of(asked)
    said = [text_of(m) for m in (*world.slack.ephemerals("U0GMB1"), *world.slack.dms_to("U0GMB1"))]
    assert any("<@U0RGN1> is away until 4 Dec 2026; sent to <@U0RGD1>." in t for t in said)  # the escalation's answer
    await world.click("U0RGD1", asked, "Acknowledge")
    async with world.services.sessions() as s:
        ev = (await s.execute(select(PartnershipEvent).where(PartnershipEvent.action == "acknowledge"))).scalar_one()
    assert ev.actor_id == await person_id(world, "U0RGD1") and ev.payload.get("for") == await person_id(world, "U0RGN1")
    report = "\n".join(await world.services.engine.partnerships.report("Leeds"))
    assert "Rhys Deputy for Rowan Regional" in report  # the audit, as the partnership's report prints it


# --------------------------------------------------------------------------- a branch rep on the Best Value Code

CODE_TWO_GMB = CODE_DIRECTORY.replace(
    "GMB: {name: Leeds GMB, reps: [U0GMB1]}", "GMB: {name: Leeds GMB, reps: [U0GMB1, {slack: U0GMB2, name: Gail GMB}]}"
)
assert CODE_TWO_GMB != CODE_DIRECTORY


@pytest.fixture
async def code_world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock, CODE_TWO_GMB)
    w.slack.add_user("U0GMB2", "gail", email="gail@example.org")
    yield w
    await stop_world(w)


async def test_a_branch_rep_away_hands_their_branchs_voice_to_another_rep_of_the_branch_who_marks_a_clause_for_them(
    code_world: SlackWorld,
) -> None:
    w = code_world
    await w.command("U0GMB1", "away")
    assert list(choices(w.top_view("U0GMB1"), "delegate")) == ["Gail GMB"]  # another rep of Leeds GMB, no one else
    nobody = str(await person_id(w, "U0UNS1"))  # UNISON's branch rep may not speak for GMB
    refused = await w.submit("U0GMB1", until_on="2026-12-04", delegate=nobody)
    assert "Gail GMB" in refused.json()["errors"]["delegate"]
    ok = await w.submit("U0GMB1", until_on="2026-12-04", delegate=choices(w.top_view("U0GMB1"), "delegate")["Gail GMB"])
    assert ok.status == 200 and not ok.body, ok.body

    await w.command("U0UNS1", "code start")
    await w.submit("U0UNS1", employer_name="Leeds City Council", employer_kind="local_authority", association="Leeds")
    channel = w.slack.channel_id(CODE_CHANNEL)
    root = w.slack.messages_in(channel)[0]
    post = next(m for m in w.slack.thread(channel, root["ts"]) if "Section 3:" in text_of(m))
    await w.click("U0GMB2", post, "Mark a clause", channel=channel)
    done = await w.submit("U0GMB2", clause="3.2", position="agreed", local_text=None, reason=None)
    assert done.status == 200 and not done.body, done.body
    async with w.services.sessions() as s:
        ev = (await s.execute(select(CodeEvent).where(CodeEvent.action == "code_mark"))).scalar_one()
    assert ev.actor_id == await person_id(w, "U0GMB2") and ev.payload.get("for") == await person_id(w, "U0GMB1")


async def test_the_reminder_of_an_unacknowledged_escalation_goes_to_the_delegate_too(world: SlackWorld, clock: Clock) -> None:
    from datetime import UTC, datetime

    from bot.clock import sweep

    await away(world, "U0RGN1", "Rhys Deputy", until="2026-12-04")
    await escalated(world)
    at = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # Thursday: three working days without an acknowledgement
    clock.set(at)
    await sweep(world.services, world.bot.outbound, at)
    await world.settle()
    waiting = "Waiting for the regional level to acknowledge"
    assert not any(waiting in text_of(m) for m in world.slack.dms_to("U0RGN1"))
    [nudge] = [m for m in world.slack.dms_to("U0RGD1") if waiting in text_of(m)]
    assert "You're acting for <@U0RGN1>, who is away until 4 Dec 2026" in text_of(nudge)
    assert "Acknowledge" in buttons(nudge)
