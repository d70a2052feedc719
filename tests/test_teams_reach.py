"""Reaching people in Teams: the app is installed through Graph before the bot messages someone
first (Teams refuses otherwise, and so does the stand-in); a person Teams will not let the bot
reach hears on Slack when the directory has them there, else the notice is parked with a plain
reason; and whoever acted is told, with their confirmation, who was not told and why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.delivery import Recorder
from bot.outbox import parked
from bot.services import Services
from bot.settings import Settings
from bot.teams import TeamsApp, add_teams_routes
from bot.teams.adapter import TEAMS_APP
from flows.notices import Kind, ToPerson
from tests import test_teams
from tests.conftest import Clock
from tests.teams_graph import USER_INSTALL
from tests.test_teams import (
    AAD,
    CATALOG_APP_ID,
    DIRECTORY,
    PROPOSAL,
    FakeConnections,
    StandIn,
    Teams,
    card_text,
    last_card_with,
    make_settings,
)

standin = test_teams.standin
teams_services = test_teams.teams_services
teams = test_teams.teams

# The same people, the Secretary on Slack too.
BOTH = DIRECTORY.replace(
    f'secretary: {{teams: {AAD["sec"]}, name: Sam Secretary}}',
    f'secretary: {{teams: {AAD["sec"]}, slack: U0SEC1, name: Sam Secretary}}',
)
assert BOTH != DIRECTORY


@asynccontextmanager
async def with_slack(
    db_url: str, clock: Clock, stand: StandIn, key: rsa.RSAPrivateKey
) -> AsyncIterator[tuple[Teams, TeamsApp, Recorder]]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    await svc.load_directory(BOTH)
    slack = Recorder()
    web_app = web.Application()
    app = add_teams_routes(
        web_app, svc, settings=make_settings(stand), connections=FakeConnections(), slack=slack
    )
    assert app is not None
    try:
        async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
            yield Teams(client, stand, key, svc), app, slack
    finally:
        await svc.close()


def to_person(notices: list[Any], kind: Kind) -> list[Any]:
    return [n for n in notices if n.kind is kind and isinstance(n.to, ToPerson)]


async def test_the_app_is_installed_for_someone_who_never_wrote_before_their_chat_is_made(teams: Teams) -> None:
    s = teams.standin
    assert AAD["sec"] not in s.tenant.installed
    card = await teams.click("rep", {"op": "propose", **PROPOSAL})
    assert "Not told" not in card_text(card)
    [install] = [c for c in s.graph.of(USER_INSTALL) if c["match"]["user"] == AAD["sec"]]
    assert install["body"]["teamsApp@odata.bind"].endswith(f"/appCatalogs/teamsApps/{CATALOG_APP_ID}")
    assert AAD["sec"] in s.tenant.installed
    # Only then could the chat be made (the stand-in refuses it without the app, as Teams does).
    assert any(c["kind"] == "create" and c["body"]["members"][0]["id"] == AAD["sec"] for c in s.calls)
    assert "Approve" in card_text(last_card_with(s.cards_to(AAD["sec"]), "Approve"))


async def test_without_the_app_teams_refuses_and_the_stand_in_does_too(
    teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    # No catalogue id: the bot cannot install the app, so Teams will not let it make the chat.
    stand, key = standin
    web_app = web.Application()
    add_teams_routes(
        web_app,
        teams_services,
        settings=make_settings(stand, VWS_TEAMS_CATALOG_APP_ID=""),
        connections=FakeConnections(),
    )
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        t = Teams(client, stand, key, teams_services)
        card = await t.click("rep", {"op": "propose", **PROPOSAL})
        assert stand.graph.of(USER_INSTALL) == []
        assert "Not told: Sam Secretary, because VWS Bot could not be added for them in Teams" in card_text(card)
        assert not [c for c in stand.cards_to(AAD["sec"])]


async def test_someone_in_another_organisation_is_named_in_the_confirmation_and_the_notice_parked(
    teams: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    s = teams.standin
    s.tenant.elsewhere.add(AAD["sec"])  # Graph here does not know them
    card = await teams.click("rep", {"op": "propose", **PROPOSAL})
    text = card_text(card)
    assert "Not told: Sam Secretary, because their Teams account is in another organisation" in text
    assert "Please tell them yourself" in text and "Attention" in text
    assert s.cards_to(AAD["sec"]) == []
    # The notice is parked as failed, with a plain reason (and nothing about who).
    failed = await parked(teams.services.sessions)
    assert failed and any("not reachable in Teams" in error for *_, error, _ in failed)
    assert all(AAD["sec"] not in error and "Sam" not in error for *_, error, _ in failed)
    # Graph was asked once: the next notices to them do not ask again straight away.
    assert len([c for c in s.graph.of(USER_INSTALL) if c["match"]["user"] == AAD["sec"]]) == 1
    # Why is logged; who is not.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")
    assert "Graph did not install the app for a person" in logged
    assert AAD["sec"] not in logged and "Sam" not in logged


async def test_graph_still_throttling_is_tried_again_later_not_taken_as_a_refusal(teams: Teams) -> None:
    s = teams.standin
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    app = teams.client.server.app[TEAMS_APP]
    assert app.graph is not None
    app.graph.sleep = sleep
    s.graph.throttle[USER_INSTALL] = 600  # longer than the bot waits within a call
    card = await teams.click("rep", {"op": "propose", **PROPOSAL})
    assert "Not told" not in card_text(card) and waited == []
    # The outbox tried again (the stand-in throttles once) and the Secretary was reached.
    await teams.services.drain()
    assert await parked(teams.services.sessions) == []
    assert last_card_with(s.cards_to(AAD["sec"]), "Approve")


async def test_someone_who_removed_the_app_hears_in_slack(
    db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    async with with_slack(db_url, clock, stand, key) as (t, app, slack):
        await t.say("sec", "help")  # the Secretary uses the bot in Teams...
        assert await app.router.platform_for(await _pid(t, "sec")) == "teams"
        stand.tenant.installed.discard(AAD["sec"])  # ...then removes it
        card = await t.click("rep", {"op": "propose", **PROPOSAL})
        assert "Not told" not in card_text(card)
        [asked] = to_person(slack.notices, Kind.APPROVAL_REQUEST)
        assert asked.to.person.label == "Sam Secretary"
        # Teams refused it (403); from now on the Secretary hears in Slack.
        assert any(c["kind"] == "send" and c["conv"] == f"a:dm-{AAD['sec']}" for c in stand.calls)
        assert await app.router.platform_for(await _pid(t, "sec")) == "slack"
        assert await parked(t.services.sessions) == []


async def _pid(t: Teams, who: str) -> int:
    from flows.directory import Who, find_person

    async with t.services.sessions() as s:
        p = await find_person(s, Who(teams=AAD[who]))
        assert p is not None
        return p.id
