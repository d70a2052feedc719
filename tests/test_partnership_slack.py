"""The partnership's issue ladder in Slack: signed requests into the bolt app (``/vws issue``, clicks
in the partnership's private channel and in direct messages, modals), the Web API played by the
local stand-in. Read against seed 004: resolve at the lowest level, escalate only when exhausted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from flows.partnership.journey import Stage
from models.partnership import Issue, IssueAttempt, IssueNote, PartnershipEvent
from tests.conftest import Clock
from tests.partnership_world import AREA, ATTEMPT, EXTRA_USERS, ISSUE, PARTNERSHIP_DIRECTORY
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock, PARTNERSHIP_DIRECTORY)
    for uid, name in EXTRA_USERS.items():
        w.slack.add_user(uid, name, email=f"{name}@example.org")
    yield w
    await stop_world(w)


async def count(world: SlackWorld, model: type) -> int:
    async with world.services.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def stage(world: SlackWorld) -> Stage:
    async with world.services.sessions() as s:
        return Stage((await s.execute(select(Issue.stage))).scalar_one())


async def raise_in_slack(world: SlackWorld, user: str, **changes: str) -> dict[str, Any]:
    """``/vws issue``: the screening question, then the issue; returns its card in the channel."""
    await world.command(user, "issue")
    assert world.top_view(user)["callback_id"] == "vws:screen"
    sub = await world.submit(user, casework="no")
    assert sub.status == 200 and sub.json()["response_action"] == "update"
    assert world.top_view(user)["callback_id"] == "vws:issue"
    sub = await world.submit(user, **{**ISSUE, **changes})
    assert sub.status == 200 and not sub.body, sub.body
    return card(world)


def channel(world: SlackWorld) -> str:
    return world.slack.channel_id("lsp-leeds")


def card(world: SlackWorld) -> dict[str, Any]:
    return [m for m in world.slack.messages_in(channel(world)) if m.get("bot_id")][0]


def thread(world: SlackWorld) -> list[dict[str, Any]]:
    """The replies in the issue's thread (its card is the root)."""
    root = card(world)
    return [m for m in world.slack.thread(channel(world), root["ts"]) if m["ts"] != root["ts"]]


async def test_screening_yes_stores_nothing_and_tells_the_person_privately(world: SlackWorld) -> None:
    await world.command("U0GMB1", "issue")
    view = world.top_view("U0GMB1")
    assert "contract, pay, discipline, grievance, capability or sickness" in text_of(view)
    sub = await world.submit("U0GMB1", casework="yes")
    assert sub.status == 200 and not sub.body  # the modal closes
    assert "stays with each union or professional association" in text_of(world.last_dm("U0GMB1"))
    assert world.slack.calls("conversations.create") == []  # nothing was posted anywhere
    for model in (Issue, IssueAttempt, IssueNote, PartnershipEvent):
        assert await count(world, model) == 0


async def test_the_issue_is_posted_in_the_partnerships_private_channel(world: SlackWorld) -> None:
    root = await raise_in_slack(world, "U0LAO1")  # the local authority's side
    [created] = world.slack.calls("conversations.create")
    assert created.args["name"] == "lsp-leeds" and created.args["is_private"]
    members = set(world.slack.members(channel(world)))
    assert {"U0REP1", "U0SEC1", "U0GMB1", "U0UNS1", "U0UTE1", "U0LAO1", "U0NAH1"} <= members
    assert "U0RGN1" not in members  # the regional level is not in the local space
    assert buttons(root) == ["Log attempt", "Resolved", "Escalate", "This is casework", "Withdraw"]
    assert "Issue #1: Cover supervision beyond the agreed limit" in text_of(root)
    assert "Issue #1 is raised in the Leeds partnership" in text_of(world.last_dm("U0LAO1"))


async def test_escalating_with_no_attempt_is_refused_and_stays_local(world: SlackWorld) -> None:
    root = await raise_in_slack(world, "U0GMB1")
    await world.click("U0GMB1", root, "Escalate", channel=channel(world))
    assert world.slack.open_views("U0GMB1") == []  # no form to fill in for nothing
    [refusal] = world.slack.ephemerals("U0GMB1")[-1:]
    assert "Log at least one attempt at local level that did not resolve it" in refusal["text"]
    assert await stage(world) is Stage.LOCAL


async def test_a_partner_union_escalates_without_consent_then_refer_back_needs_a_new_attempt(world: SlackWorld) -> None:
    slack = world.slack
    root = await raise_in_slack(world, "U0REP1")  # the NASUWT rep raises it
    await world.click("U0UNS1", root, "Log attempt", channel=channel(world))
    assert world.top_view("U0UNS1")["callback_id"] == "vws:attempt"
    sub = await world.submit("U0UNS1", tried=ATTEMPT["tried"], tried_on=ATTEMPT["tried_on"], outcome=ATTEMPT["outcome"])
    assert sub.status == 200 and not sub.body, sub.body
    assert any("Attempt logged on issue #1" in text_of(m) for m in thread(world))
    root = card(world)  # updated in place, with the attempt
    assert ATTEMPT["tried"] in text_of(root)

    # UNISON escalates: nobody else's consent is asked for.
    await world.click("U0UNS1", root, "Escalate", channel=channel(world))
    assert world.top_view("U0UNS1")["callback_id"] == "vws:escalate"
    await world.submit("U0UNS1", exhausted="The employer will not meet the support staff unions again.")
    assert await stage(world) is Stage.REGIONAL_ASKED
    told = next(m for m in thread(world) if "escalated to the regional level" in text_of(m))
    assert "Uma UNISON" in text_of(told) or "<@U0UNS1>" in text_of(told)
    assert buttons(told) == ["Add a note"]
    asked = slack.dms_to("U0RGN1")[-1]
    assert buttons(asked) == ["Acknowledge", "Refer back", "This is casework"]
    assert ATTEMPT["tried"] in text_of(asked) and "The employer will not meet" in text_of(asked)

    # The NASUWT rep adds a note; it travels with the escalation.
    await world.click("U0REP1", told, "Add a note", channel=channel(world))
    await world.submit("U0REP1", note="NASUWT would have tried one more JCC.")
    asked = slack.dms_to("U0RGN1")[-1]
    assert "NASUWT would have tried one more JCC." in text_of(asked)

    # The regional contact acknowledges (the card in the DM changes in place), then refers it back.
    await world.click("U0RGN1", asked, "Acknowledge")
    asked = slack.dms_to("U0RGN1")[-1]
    assert buttons(asked) == ["Log attempt", "Resolve", "Refer back", "Escalate to national", "This is casework"]
    await world.click("U0RGN1", asked, "Refer back")
    await world.submit("U0RGN1", reasons="Ask the local authority's adviser to mediate first.")
    assert await stage(world) is Stage.LOCAL
    assert any("Escalating it again needs a new attempt at the local level first" in text_of(m) for m in thread(world))

    # Escalating again needs a new attempt at local level.
    await world.click("U0GMB1", card(world), "Escalate", channel=channel(world))
    assert "Log at least one attempt at local level" in slack.ephemerals("U0GMB1")[-1]["text"]
    assert await stage(world) is Stage.LOCAL


async def test_casework_closes_it_and_erases_the_messages_too(world: SlackWorld) -> None:
    root = await raise_in_slack(world, "U0GMB1")
    await world.click("U0NAH1", root, "Log attempt", channel=channel(world))
    await world.submit("U0NAH1", tried=ATTEMPT["tried"], tried_on=ATTEMPT["tried_on"], outcome=ATTEMPT["outcome"])
    await world.click("U0NAH1", card(world), "This is casework", channel=channel(world))
    assert world.top_view("U0NAH1")["callback_id"] == "vws:casework"
    await world.submit("U0NAH1")
    assert await stage(world) is Stage.CASEWORK
    for m in world.slack.thread(channel(world), card(world)["ts"]):
        assert ISSUE["title"] not in text_of(m) and ATTEMPT["tried"] not in text_of(m)
    assert "closed as individual casework" in text_of(card(world)) and buttons(card(world)) == []


async def test_app_home_offers_raise_an_issue(world: SlackWorld) -> None:
    await world.slack.app_home_opened("U0LAO1")
    await world.settle()
    home = world.slack.home_view("U0LAO1")
    assert home is not None and "Local social partnership: Leeds" in text_of(home)
    button = next(el for b in home["blocks"] if b.get("type") == "actions" for el in b["elements"]
                  if el["text"]["text"] == "Raise an issue")  # fmt: skip
    await world.slack.block_action("U0LAO1", button["action_id"], button["value"], view=home)
    await world.settle()
    assert world.top_view("U0LAO1")["callback_id"] == "vws:screen"


async def test_the_remit_is_reviewed_with_who_took_part(world: SlackWorld) -> None:
    await world.command("U0SEC1", "remit")
    view = world.top_view("U0SEC1")
    remit = next(b for b in view["blocks"] if b.get("block_id") == "remit")
    assert view["callback_id"] == "vws:remit" and AREA in remit["element"]["initial_value"]
    sub = await world.submit("U0SEC1", remit="Better communications\nFair play and rewards for support staff",
                             parties="NASUWT,GMB,UNISON,Unite,local authority", next_review="2027-06-30")  # fmt: skip
    assert sub.status == 200 and not sub.body, sub.body
    posted = [m for m in world.slack.messages_in(channel(world)) if m.get("bot_id")][-1]
    assert "Remit reviewed: Leeds (version 2)" in text_of(posted) and "Not at this review: NAHT." in text_of(posted)
    await world.command("U0SEC1", "partnership")
    report = world.slack.ephemerals("U0SEC1")[-1]["text"]
    assert "Remit, version 2" in report and "Fair play and rewards for support staff" in report


async def test_casework_at_regional_leaves_no_summary_text_anywhere_in_the_database(world: SlackWorld) -> None:
    """Seed 004 does not apply to individual contractual disputes: once it is called casework, what
    was typed about it is gone from every table, the outbox of delivered notices included."""
    from sqlalchemy import text as sql

    from models.tables import Base

    root = await raise_in_slack(world, "U0GMB1")
    await world.click("U0GMB1", root, "Log attempt", channel=channel(world))
    await world.submit("U0GMB1", tried=ATTEMPT["tried"], tried_on=ATTEMPT["tried_on"], outcome=ATTEMPT["outcome"])
    await world.click("U0GMB1", card(world), "Escalate", channel=channel(world))
    await world.submit("U0GMB1", exhausted="The heads' side will not discuss it again this year.")
    told = next(m for m in thread(world) if "escalated to the regional level" in text_of(m))
    await world.click("U0UNS1", told, "Add a note", channel=channel(world))
    await world.submit("U0UNS1", note="It is mostly about Mrs Jones's contract, really.")
    asked = world.slack.dms_to("U0RGN1")[-1]
    await world.click("U0RGN1", asked, "Acknowledge")
    await world.click("U0RGN1", world.slack.dms_to("U0RGN1")[-1], "This is casework")
    assert world.top_view("U0RGN1")["callback_id"] == "vws:casework"
    await world.submit("U0RGN1")
    await world.settle()
    assert await stage(world) is Stage.CASEWORK
    said = [ISSUE["title"], ISSUE["description"], ISSUE["group_affected"], ATTEMPT["tried"], ATTEMPT["outcome"],
            "The heads' side will not discuss it again this year.", "Mrs Jones"]  # fmt: skip
    async with world.services.sessions() as s:
        dump = []
        for table in Base.metadata.sorted_tables:
            dump += [f"{table.name}: {tuple(r)!r}" for r in (await s.execute(sql(f"SELECT * FROM {table.name}"))).all()]
    everything = "\n".join(dump)
    assert "outbox: " in everything  # the notices went through the outbox
    for words in said:
        bad = sorted({line.split(":")[0] for line in dump if words in line or words.replace("'", "\\'") in line})
        assert not bad, (words, bad)


async def test_two_escalations_submitted_at_once_make_one(world: SlackWorld) -> None:
    """Any party may escalate; two parties doing it at the same moment escalate it once."""
    import asyncio

    root = await raise_in_slack(world, "U0GMB1")
    await world.click("U0GMB1", root, "Log attempt", channel=channel(world))
    await world.submit("U0GMB1", tried=ATTEMPT["tried"], tried_on=ATTEMPT["tried_on"], outcome=ATTEMPT["outcome"])
    for user in ("U0GMB1", "U0UNS1"):
        await world.click(user, card(world), "Escalate", channel=channel(world))
        assert world.top_view(user)["callback_id"] == "vws:escalate"
    views = {user: world.top_view(user) for user in ("U0GMB1", "U0UNS1")}
    answer = {"exhausted": {"value": {"type": "plain_text_input", "value": "The heads' side will not meet again."}}}
    results = await asyncio.gather(*(world.slack.view_submission(u, v["id"], answer) for u, v in views.items()))
    await world.settle()
    assert [r.status for r in results] == [200, 200]
    assert await stage(world) is Stage.REGIONAL_ASKED
    told = [m for m in thread(world) if "escalated to the regional level" in text_of(m)]
    assert len(told) == 1
    asked = [m for m in world.slack.dms_to("U0RGN1") if buttons(m) == ["Acknowledge", "Refer back", "This is casework"]]
    assert len(asked) == 1
    async with world.services.sessions() as s:
        escalations = (await s.execute(select(func.count()).select_from(PartnershipEvent)
                                       .where(PartnershipEvent.action == "escalate"))).scalar_one()  # fmt: skip
    assert escalations == 1
    said = {u: [e["text"] for e in world.slack.ephemerals(u)] + [text_of(m) for m in world.slack.dms_to(u)] for u in views}
    loser = [u for u, texts in said.items() if any(t.startswith("Already done:") for t in texts)]
    assert len(loser) == 1  # the one who came second is told it was already done, and by whom


async def test_an_unacknowledged_escalation_is_nudged_in_slack_at_3_then_the_deputy_at_5_working_days(
        world: SlackWorld, clock: Clock) -> None:  # fmt: skip
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from bot.clock import sweep

    london = ZoneInfo("Europe/London")
    clock.set(datetime(2026, 12, 23, 10, tzinfo=london).astimezone(UTC))  # a Wednesday, just before Christmas
    root = await raise_in_slack(world, "U0GMB1")
    await world.click("U0GMB1", root, "Log attempt", channel=channel(world))
    await world.submit("U0GMB1", tried=ATTEMPT["tried"], tried_on=ATTEMPT["tried_on"], outcome=ATTEMPT["outcome"])
    await world.click("U0GMB1", card(world), "Escalate", channel=channel(world))
    await world.submit("U0GMB1", exhausted="The heads' side will not meet again.")
    waiting = "Waiting for the regional level to acknowledge"
    heard: dict[str, list[datetime]] = {"U0RGN1": [], "U0RGD1": []}
    moments = [(23, 20), (24, 12), (25, 10), (26, 10), (28, 10), (29, 12), (30, 9), (30, 10), (30, 15), (31, 3),
               (31, 12), (32, 10), (35, 9), (35, 10), (35, 15), (36, 12), (39, 12)]  # 1 Jan is day 32
    for day, hour in moments:
        at = datetime(2026, 12, 1, hour, tzinfo=london).astimezone(UTC) + timedelta(days=day - 1)
        clock.set(at)
        before = {u: len(world.slack.dms_to(u)) for u in heard}
        await sweep(world.services, world.bot.outbound, at)
        await world.settle()
        for u in heard:
            heard[u] += [at for m in world.slack.dms_to(u)[before[u]:] if waiting in text_of(m)]
    # 3 working days: Thu 24, (Christmas, the Boxing Day holiday on Mon 28), Tue 29, Wed 30 December;
    # 5: Thu 31 December, (New Year's Day, the weekend), Monday 4 January: the deputy too.
    assert [a.astimezone(london) for a in heard["U0RGN1"]] == [datetime(2026, 12, 30, 10, tzinfo=london),
                                                               datetime(2027, 1, 4, 10, tzinfo=london)]  # fmt: skip
    assert [a.astimezone(london) for a in heard["U0RGD1"]] == [datetime(2027, 1, 4, 10, tzinfo=london)]
    nudge = next(m for m in world.slack.dms_to("U0RGN1") if waiting in text_of(m))
    assert buttons(nudge) == ["Acknowledge", "Refer back", "This is casework", "Snooze a week"]
