"""Socket Mode, the README's choice for a small server: the bot connects out over a WebSocket
(``apps.connections.open``), gets Slack's envelopes on it and acknowledges each after deciding.
The stand-in plays Slack's side, and sends again an envelope that was not acknowledged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from bot.sandbox.slack import SlackStandIn
from bot.services import Services
from bot.settings import Settings
from bot.web import SLACK, create_app
from flows.signup.journey import Stage
from tests.conftest import DIRECTORY, Clock
from tests.slack_harness import SECRET, TOKEN, USERS, SlackWorld, buttons, text_of
from tests.test_slack import PROPOSAL, employer_stage

APP_TOKEN = "xapp-1-test-socket-mode"


@dataclass
class SocketWorld(SlackWorld):
    handler: Any = None


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SocketWorld]:
    slack = SlackStandIn(token=TOKEN, app_token=APP_TOKEN)
    await slack.start()
    for uid, name in USERS.items():
        slack.add_user(uid, name, email=f"{name}@example.org")
    slack.add_channel("vws-national", id="C0NATIONAL", members=["U0NAT1"])
    settings = Settings(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                        SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=slack.base_url, VWS_SLACK_CHANNEL_INTERVAL=0)  # fmt: skip
    services = Services.build(settings, clock=clock)
    await services.start()
    await services.load_directory(DIRECTORY)
    app = create_app(services)
    runner = web.AppRunner(app)
    await runner.setup()  # no site: in Socket Mode nothing listens for Slack
    bot = app[SLACK]
    handler = bot.socket_mode(APP_TOKEN)  # as `vws serve` runs it
    await handler.connect_async()
    await slack.wait_for_socket()
    w = SocketWorld(slack, services, runner, app, "socket", handler)
    yield w
    await handler.close_async()
    await runner.cleanup()
    await services.close()
    await slack.stop()


async def test_the_journey_over_socket_mode_and_a_redelivered_envelope_counts_once(world: SocketWorld) -> None:
    slack = world.slack
    assert [c.method for c in slack.calls()][:1] == ["apps.connections.open"]
    d = await world.command("U0REP1", "propose")
    assert d.status == 200 and slack.envelopes[-1]["type"] == "slash_commands"
    sub = await world.submit("U0REP1", **PROPOSAL)
    assert sub.status == 200 and not sub.body
    assert slack.envelopes[-1]["type"] == "interactive"
    request = world.last_dm("U0SEC1")
    assert buttons(request) == ["Approve", "Reject"]
    await world.click("U0SEC1", request, "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    assert await employer_stage(world) is Stage.PARTNER_CONSULTATION

    # GMB agrees in the thread; the bot's acknowledgement is lost, so Slack sends the event again.
    channel = slack.channel_id("vws-oakfield-primary-school")
    root = slack.messages_in(channel)[0]
    slack.lose_next_ack()
    reply = await slack.message_event("U0GMB1", channel, "agree", thread_ts=root["ts"])
    await world.settle()
    assert reply.status == 200
    sent = [e for e in slack.envelopes if e["type"] == "events_api"]
    assert [e["retry_attempt"] for e in sent] == [0, 1]  # delivered, not acknowledged, delivered again
    thread = slack.thread(channel, root["ts"])
    assert len([m for m in thread if "GMB agrees" in text_of(m)]) == 1
    audit = await world.services.engine.audit(1)
    assert [a.payload.get("union") for a in audit if a.action == "partner_agree"] == ["GMB"]


async def test_a_socket_mode_request_counts_as_one_being_decided(world: SocketWorld) -> None:
    """Over Socket Mode, as over HTTP, a request counts while it is being decided, so the
    delivery worker's bookkeeping and the server's full garbage collections wait for it; and
    once it is answered it counts no more."""
    worker = world.services.outbox
    assert worker is not None
    dispatch = world.services.engine.dispatch
    seen: list[int] = []
    real = dispatch.command

    async def watched(who: object, text: str) -> object:
        seen.append(worker.requests.count)
        return await real(who, text)  # type: ignore[arg-type]

    dispatch.command = watched  # type: ignore[method-assign]
    try:
        answered = await world.command("U0REP1", "status")
    finally:
        dispatch.command = real  # type: ignore[method-assign]
    assert answered.status == 200
    assert seen and seen[0] >= 1, seen
    await world.settle()
    assert worker.requests.count == 0
