"""Erasure deletes the bot's own direct messages to the person, where the platform allows:
erase writes the deletions to the outbox with the tombstone, and the delivery worker deletes them
(Slack ``chat.delete``; Teams ``DELETE /v3/conversations/{id}/activities/{id}``), with retries.
Through the real paths: the bolt app and the Slack stand-in, the Teams endpoint and its stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from bot.outbox import parked
from flows.core.outbox import enqueue_deletions
from models.privacy import DirectMessage
from models.tables import Employer, OutboxItem, Person
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, start_world, stop_world
from tests.test_cli import vws
from tests.test_slack import propose
from tests.test_teams import AAD, Teams, buttons, last_card_with, standin, teams, teams_services  # noqa: F401 - the Teams fixtures
from tests.test_teams import PROPOSAL as TEAMS_PROPOSAL


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


async def _rita_has_dms(world: SlackWorld) -> int:
    await propose(world)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.settle()
    assert world.slack.dms_to("U0REP1"), "the bot wrote to Rita"
    async with world.services.sessions() as s, s.begin():  # the admin closes her case first
        await s.execute(update(Employer).values(stage="withdrawn"))
        return (await s.execute(select(Person.id).where(Person.slack_id == "U0REP1"))).scalar_one()


async def test_erasure_deletes_the_bots_direct_messages_to_them_in_slack(world: SlackWorld, db_url: str) -> None:
    rita = await _rita_has_dms(world)
    sent = len(world.slack.dms_to("U0REP1"))
    sam_before = world.slack.dms_to("U0SEC1")
    async with world.services.sessions() as s:
        kept = (await s.execute(select(DirectMessage).where(DirectMessage.person_id == rita))).scalars().all()
    assert len(kept) == sent and {d.platform for d in kept} == {"slack"}  # what the bot recorded as it delivered

    dry = vws(db_url, "erase", "U0REP1", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"{sent} of the bot's direct messages to them would be deleted in Slack and Teams." in dry.stdout
    assert len(world.slack.dms_to("U0REP1")) == sent  # a dry run deletes nothing

    real = vws(db_url, "erase", "U0REP1")
    assert real.returncode == 0, real.stderr
    assert f"queued {sent} of the bot's direct messages to them for deletion ({sent} in Slack)" in real.stdout
    await world.services.drain()  # the delivery worker deletes them
    assert world.slack.dms_to("U0REP1") == []
    assert len(world.slack.calls("chat.delete")) == sent
    assert world.slack.dms_to("U0SEC1") == sam_before  # nobody else's
    async with world.services.sessions() as s:
        assert (await s.execute(select(DirectMessage).where(DirectMessage.person_id == rita))).first() is None
        assert (await s.execute(select(DirectMessage))).first() is not None  # Sam's are kept
        rows = (await s.execute(select(OutboxItem).where(OutboxItem.lane == f"erase:{rita}"))).scalars().all()
    assert len(rows) == sent and {(r.state, str(r.notice)) for r in rows} == {("sent", "{}")}


async def test_slack_deletes_only_the_bots_own_messages_and_one_already_gone_is_done(world: SlackWorld) -> None:
    slack = world.slack
    dm = slack.dm_channel("U0REP1")
    hers = slack.post_as_user("U0REP1", dm, "a message of her own")
    async with world.services.sessions() as s, s.begin():
        await enqueue_deletions(s, [
            {"platform": "slack", "channel": dm, "message": hers["ts"], "service_url": None},  # not the bot's
            {"platform": "slack", "channel": dm, "message": "1700000000.000001", "service_url": None},  # gone
        ], lane="erase:test")  # fmt: skip
    await world.services.drain()
    assert [m["ts"] for m in slack.messages_in(dm)] == [hers["ts"]]  # hers stays
    async with world.services.sessions() as s:
        rows = (await s.execute(select(OutboxItem).where(OutboxItem.lane == "erase:test").order_by(OutboxItem.id))).scalars().all()
    assert [(r.state, r.error) for r in rows] == [("failed", "cant_delete_message"), ("sent", None)]
    [listed] = await parked(world.services.sessions)  # what `vws outbox` shows the admin
    assert listed[2:4] == ("deleting a slack message", "cant_delete_message")


# --------------------------------------------------------------------------- Teams


async def test_erasure_deletes_the_bots_messages_in_their_teams_chat(teams: Teams, db_url: str) -> None:  # noqa: F811
    s = teams.standin
    await teams.say("rep", "propose")
    form = s.cards_to(AAD["rep"])[-1]
    await teams.click("rep", {**form["actions"][0]["data"], **TEAMS_PROPOSAL})
    await teams.click("sec", buttons(last_card_with(s.cards_to(AAD["sec"]), "Approve"))["Approve"]["data"])
    mine = s.live_to(AAD["rep"])  # the form (an answer in the turn) and the news, sent proactively
    assert len(mine) >= 2
    secretary = s.live_to(AAD["sec"])
    async with teams.services.sessions() as db, db.begin():
        await db.execute(update(Employer).values(stage="withdrawn"))

    dry = vws(db_url, "erase", AAD["rep"], "--dry-run")
    assert f"{len(mine)} of the bot's direct messages to them would be deleted" in dry.stdout, dry.stdout + dry.stderr
    real = vws(db_url, "erase", AAD["rep"])
    assert real.returncode == 0, real.stderr
    assert f"({len(mine)} in Teams)" in real.stdout
    await teams.services.drain()
    assert s.live_to(AAD["rep"]) == set()  # the stand-in holds no message from the bot to them
    assert s.live_to(AAD["sec"]) == secretary
    deletes = [c for c in s.calls if c["kind"] == "delete"]
    assert {c["aid"] for c in deletes} == mine and all(c["conv"] == f"a:dm-{AAD['rep']}" for c in deletes)

    # Deleting again (a retry after a lost answer) finds it gone: done, not parked.
    async with teams.services.sessions() as db, db.begin():
        await enqueue_deletions(db, [{"platform": "teams", "channel": f"a:dm-{AAD['rep']}", "message": sorted(mine)[0],
                                      "service_url": s.url + "/"}], lane="erase:again")  # fmt: skip
    await teams.services.drain()
    async with teams.services.sessions() as db:
        [row] = (await db.execute(select(OutboxItem).where(OutboxItem.lane == "erase:again"))).scalars().all()
    assert (row.state, row.error) == ("sent", None)
