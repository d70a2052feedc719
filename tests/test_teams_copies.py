"""One case, every copy current: a request posted in Slack and decided in Teams loses its Slack
buttons and shows the outcome there too. The Slack side is the real bolt app against the Slack
stand-in; the Teams side real JWTs into /api/messages against the Bot Connector stand-in."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.teams import add_teams_routes
from tests import test_teams
from tests.conftest import DIRECTORY, Clock
from tests.slack_harness import SlackWorld, start_world, stop_world, text_of
from tests.slack_harness import buttons as slack_buttons
from tests.test_slack import PROPOSAL
from tests.test_teams import AAD, FakeConnections, StandIn, Teams, buttons, card_text, make_settings

standin = test_teams.standin

# The Secretary is on Slack and on Teams.
BOTH = DIRECTORY.replace(
    "secretary: {slack: U0SEC1, name: Sam Secretary}",
    f"secretary: {{slack: U0SEC1, teams: {AAD['sec']}, name: Sam Secretary}}",
)
assert BOTH != DIRECTORY



def both_platforms(world: SlackWorld, stand: StandIn) -> web.Application:
    """Teams mounted beside the running Slack world, its outbox worker delivering through both."""
    worker = world.services.outbox
    web_app = web.Application()
    teams_app = add_teams_routes(
        web_app, world.services, settings=make_settings(stand), connections=FakeConnections(),
        slack=world.bot.deliverer,
    )  # fmt: skip
    assert teams_app is not None and worker is not None
    worker.router = teams_app.router
    world.services.engine.after_commit = worker.wake
    return web_app

async def test_a_request_decided_in_teams_loses_its_buttons_in_slack(
    db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    world = await start_world(db_url, clock, directory=BOTH)
    try:
        web_app = both_platforms(world, stand)  # the server's running worker: from now on through both platforms

        # Rita proposes in Slack; the Secretary, not yet using Teams, is asked in Slack.
        await world.command("U0REP1", "propose")
        await world.submit("U0REP1", **PROPOSAL, association="Leeds")
        [asked] = [m for m in world.slack.dms_to("U0SEC1") if "Approve" in slack_buttons(m)]

        async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
            t = Teams(client, stand, key, world.services)
            # The Secretary opens Teams and approves from their items there.
            await t.say("sec", "status")
            status = stand.cards_to(AAD["sec"])[-1]
            approve = next(a for title, a in buttons(status).items() if title.startswith("Approve"))
            card = await t.click("sec", approve["data"])
            assert "Approved by Sam Secretary" in card_text(card)
            await world.settle()

        # The Slack copy of the request now shows the outcome, with no buttons.
        [now] = [m for m in world.slack.dms_to("U0SEC1") if m["ts"] == asked["ts"]]
        assert slack_buttons(now) == []
        assert "Approved by <@U0SEC1>" in text_of(now)
    finally:
        await stop_world(world)


async def test_a_slack_proposer_is_told_when_the_teams_secretary_cannot_be_reached(
    db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    teams_only = DIRECTORY.replace(
        "secretary: {slack: U0SEC1, name: Sam Secretary}", f"secretary: {{teams: {AAD['sec']}, name: Sam Secretary}}"
    )
    stand.tenant.elsewhere.add(AAD["sec"])  # Graph does not know them in the unions' tenant
    world = await start_world(db_url, clock, directory=teams_only)
    try:
        both_platforms(world, stand)

        await world.command("U0REP1", "propose")
        await world.submit("U0REP1", **PROPOSAL, association="Leeds")
        await world.settle()
        told = [text_of(m) for m in world.slack.dms_to("U0REP1") if "Not told" in text_of(m)]
        assert told and "Sam Secretary, because their Teams account is in another organisation" in told[-1]
        assert stand.cards_to(AAD["sec"]) == []
    finally:
        await stop_world(world)
