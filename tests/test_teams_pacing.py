"""Teams limits how fast a bot may post in one conversation (about 60 messages in 30 s, and 7 a
second) and answers 429 beyond it. The deliverer paces each conversation, as the Slack one paces
each channel, and a conversation Teams throttled waits alone: nobody else's messages wait with it.

The Bot Connector stand-in enforces a per-conversation limit (a token bucket, 429 with Retry-After).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from bot.delivery import TryLater
from bot.sandbox.limits import RateLimit
from bot.services import Services
from bot.teams import add_teams_routes
from bot.teams.adapter import TeamsApp
from flows.notices import Kind, Notice, PersonRef, ToPerson
from models.tables import Person
from tests.test_teams import AAD, FakeConnections, StandIn, Teams, make_settings
from tests.test_teams import standin as standin  # noqa: F401 - the fixture
from tests.test_teams import teams_services as teams_services  # noqa: F401 - the fixture


async def _world(services: Services, stand: StandIn, key: rsa.RSAPrivateKey, interval: float) -> tuple[Teams, TeamsApp]:
    app = web.Application()
    teams_app = add_teams_routes(app, services, settings=make_settings(stand, VWS_TEAMS_CONVERSATION_INTERVAL=interval),
                                 connections=FakeConnections())  # fmt: skip
    assert teams_app is not None
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    t = Teams(client, stand, key, services)
    await t.say("rep", "help")  # both have talked to the bot: their 1:1 conversations exist
    await t.say("sec", "help")
    return t, teams_app


async def _to(services: Services, role: str, headline: str) -> Notice:
    async with services.sessions() as s:
        pid = (await s.execute(select(Person.id).where(Person.teams_id == AAD[role]))).scalar_one()
    return Notice(Kind.PROGRESS, ToPerson(PersonRef(pid)), headline)


@pytest.fixture
async def paced(teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]) -> AsyncIterator[tuple[Teams, TeamsApp]]:  # noqa: F811
    stand, key = standin
    t, app = await _world(teams_services, stand, key, interval=0.6)
    stand.limit = RateLimit(2.0, 1)  # two a second in a conversation, no burst
    yield t, app
    await t.client.close()


async def test_posts_to_one_conversation_keep_to_teams_pace_and_no_one_else_waits(
    paced: tuple[Teams, TeamsApp], teams_services: Services  # noqa: F811
) -> None:
    t, app = paced
    notices = [await _to(teams_services, "rep", f"Update {n}") for n in range(3)]
    notices.append(await _to(teams_services, "sec", "For the Secretary"))
    before = len(t.standin.calls)
    await asyncio.gather(*(app.deliverer.send(n, ident=f"pace-{i}") for i, n in enumerate(notices)))
    calls = t.standin.calls[before:]
    assert [c for c in calls if c["kind"] == "throttled"] == []  # Teams never had to refuse one
    rep = [c["at"] for c in calls if c["kind"] == "send" and c["conv"] == f"a:dm-{AAD['rep']}"]
    sec = [c["at"] for c in calls if c["kind"] == "send" and c["conv"] == f"a:dm-{AAD['sec']}"]
    assert len(rep) == 3 and len(sec) == 1
    assert all(b - a >= 0.55 for a, b in zip(rep, rep[1:], strict=False))
    assert sec[0] < rep[1]  # the Secretary's message did not queue behind the rep's


async def test_a_conversation_teams_throttled_waits_its_retry_after_alone(
    teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]  # noqa: F811
) -> None:
    stand, key = standin
    t, app = await _world(teams_services, stand, key, interval=0)  # no pacing of our own: Teams says when
    stand.limit = RateLimit(0.2, 1)  # one every five seconds: longer than the deliverer will hold a post
    try:
        first, second, third = [await _to(teams_services, "rep", f"Update {n}") for n in range(3)]
        await app.deliverer.send(first, ident="a")
        with pytest.raises(TryLater) as refused:
            await app.deliverer.send(second, ident="b")
        assert refused.value.after and refused.value.after >= 1  # Teams' Retry-After, for the outbox
        sends = len(stand.calls)
        with pytest.raises(TryLater):  # held back here: not sent to Teams to be refused again
            await app.deliverer.send(third, ident="c")
        assert len(stand.calls) == sends
        await app.deliverer.send(await _to(teams_services, "sec", "Meanwhile"), ident="d")  # others go at once
        assert stand.calls[-1]["kind"] == "send" and stand.calls[-1]["conv"] == f"a:dm-{AAD['sec']}"
    finally:
        await t.client.close()
