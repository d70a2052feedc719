"""A running bot (the real aiohttp server and bolt app) wired to the Slack stand-in, for tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.slack import Delivery, SlackStandIn
from bot.services import Services
from bot.settings import Settings
from bot.web import SLACK, create_app
from tests.conftest import DIRECTORY, Clock

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
USERS = {
    "U0REP1": "rita", "U0REP2": "ravi", "U0SEC1": "sam", "U0DEP1": "dee", "U0NEM1": "nia",
    "U0GMB1": "gary", "U0UNS1": "uma", "U0UTE1": "una", "U0NAT1": "nadia", "U0ADM1": "adam",
    "U0REP9": "rob", "U0SEC9": "sue", "U0GMB9": "gus", "U0UNS9": "ula", "U0UTE9": "ugo",
}  # fmt: skip


@dataclass
class SlackWorld:
    slack: SlackStandIn
    services: Services
    runner: web.AppRunner
    app: web.Application
    url: str

    @property
    def bot(self) -> Any:
        return self.app[SLACK]

    async def settle(self) -> None:
        await self.bot.idle()

    async def command(self, user: str, text: str) -> Delivery:
        d = await self.slack.slash_command(user, text)
        await self.settle()
        return d

    def last_dm(self, user: str) -> dict[str, Any]:
        return self.slack.dms_to(user)[-1]

    async def click(self, user: str, message: dict[str, Any], label: str, *, channel: str | None = None) -> Delivery:
        for block in message.get("blocks", []):
            for el in block.get("elements", []) if block.get("type") == "actions" else []:
                if el.get("type") == "button" and el["text"]["text"] == label:
                    d = await self.slack.block_action(user, el["action_id"], el.get("value"), message=message,
                                                      channel=channel or message.get("channel"), block_id=block.get("block_id"))
                    await self.settle()
                    return d
        raise AssertionError(f"no {label!r} button in {json.dumps(message.get('blocks'))[:500]}")

    def top_view(self, user: str) -> dict[str, Any]:
        views = self.slack.open_views(user)
        assert views, f"{user} has no open modal"
        return views[-1]

    async def submit(self, user: str, **answers: str | None) -> Delivery:
        view = self.top_view(user)
        values: dict[str, Any] = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            bid = block["block_id"]
            el = block["element"]
            answer = answers.get(bid)
            kind = el["type"]
            if kind == "plain_text_input":
                values[bid] = {"value": {"type": kind, "value": answer if answer is not None else el.get("initial_value")}}
            elif kind in ("static_select", "radio_buttons"):
                chosen = {"value": answer} if answer is not None else el.get("initial_option")
                values[bid] = {"value": {"type": kind, "selected_option": chosen}}
            elif kind == "checkboxes":
                ticked = answer.split(",") if answer is not None else [o["value"] for o in el.get("initial_options") or []]
                values[bid] = {"value": {"type": kind, "selected_options": [{"value": v} for v in ticked if v]}}
            elif kind == "datepicker":
                values[bid] = {"value": {"type": kind, "selected_date": answer or el.get("initial_date")}}
            elif kind == "checkboxes":  # answer: "a,b" (None keeps what is ticked)
                ticked = answer.split(",") if answer is not None else [o["value"] for o in el.get("initial_options") or []]
                values[bid] = {"value": {"type": kind, "selected_options": [{"value": v} for v in ticked if v]}}
        d = await self.slack.view_submission(user, view["id"], values)
        await self.settle()
        return d


def text_of(message: dict[str, Any]) -> str:
    """All the text of a message's blocks, as Slack would receive it."""
    out = [message.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                out.append(node["text"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(message.get("blocks", []))
    return "\n".join(out)


def buttons(message: dict[str, Any]) -> list[str]:
    return [el["text"]["text"] for b in message.get("blocks", []) if b.get("type") == "actions" for el in b["elements"]]


async def start_world(db_url: str, clock: Clock, directory: str = DIRECTORY, **settings_kw: Any) -> SlackWorld:
    slack = SlackStandIn(token=TOKEN)
    await slack.start()
    for uid, name in USERS.items():
        slack.add_user(uid, name, email=f"{name}@example.org")
    slack.add_channel("vws-national", id="C0NATIONAL", members=["U0NAT1"])
    settings_kw.setdefault("VWS_SLACK_CHANNEL_INTERVAL", 0)  # pacing has its own tests
    settings = Settings(DATABASE_URL=db_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.base_url,
                        **settings_kw)
    services = Services.build(settings, clock=clock)
    await services.start()
    await services.load_directory(directory)
    app = create_app(services)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/slack/events"
    slack.connect(url, SECRET)
    return SlackWorld(slack, services, runner, app, url)


async def stop_world(world: SlackWorld) -> None:
    await world.runner.cleanup()
    await world.services.close()
    await world.slack.stop()
