"""How fast does the bot acknowledge ``/vws``? p50 and p99 at concurrency 20, against a bare
slack-bolt AsyncApp that acks at once, measured in the same run, on SQLite and on PostgreSQL.

    .venv/bin/python bench/ack.py [--requests 600] [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

All apps are served by the same aiohttp glue and receive the same signed slash commands
(``/vws propose``). The bot answers Slack only once the work is done (acknowledged means done):
it reads the person's associations and opens the form through a local Slack stand-in, then
acks. So beside the bare app, a minimal peer app does that same work the least way (one
query, a fixed form, ``views.open``, ack), which is the fair baseline for the bot's own cost.
Rounds alternate between them so that drift on the machine hits all alike.
Targets: the bot's p99 within 1.5x of the peer's, and under 300 ms, at concurrency 20.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.migrate import upgrade  # noqa: E402
from bot.sandbox.slack import SlackStandIn  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web import SLACK, QuietCollector, create_app, freeze_startup_objects  # noqa: E402
from models.db import make_engine  # noqa: E402

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
DIRECTORY = """
sharing: {NASUWT: {agreement: bench}, GMB: {agreement: bench}, UNISON: {agreement: bench}, Unite: {agreement: bench}}
national: {channel: C0NATIONAL, officers: [U0NAT1]}
local_associations:
  - name: Leeds
    secretary: U0SEC1
    nem: U0NEM1
    reps: [U0REP1]
    partner_reps: {GMB: [U0GMB1], UNISON: [U0UNS1], Unite: [U0UTE1]}
"""


def bare_app(client: AsyncWebClient) -> web.Application:
    bolt = AsyncApp(client=client, signing_secret=SECRET)

    @bolt.command("/vws")
    async def acks_at_once(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


def peer_app(client: AsyncWebClient, engine: Any) -> web.Application:
    """The same work as the bot's ``/vws propose``, the least way: read the association names,
    open a fixed form with them, then answer Slack."""
    bolt = AsyncApp(client=client, signing_secret=SECRET, process_before_response=True)

    @bolt.command("/vws")
    async def opens_form(ack, command, client) -> None:  # type: ignore[no-untyped-def]
        async with engine.connect() as conn:
            names = [r[0] for r in await conn.execute(text("SELECT name FROM local_associations ORDER BY name LIMIT 100"))]
        view = {"type": "modal", "callback_id": "peer", "title": {"type": "plain_text", "text": "Propose"},
                "submit": {"type": "plain_text", "text": "Send"}, "blocks": [
                    {"type": "input", "block_id": "a", "label": {"type": "plain_text", "text": "Association"},
                     "element": {"type": "static_select", "action_id": "a", "options": [
                         {"text": {"type": "plain_text", "text": n}, "value": n} for n in names]}},
                    {"type": "input", "block_id": "n", "label": {"type": "plain_text", "text": "Employer"},
                     "element": {"type": "plain_text_input", "action_id": "n"}}]}  # fmt: skip
        await client.views_open(trigger_id=command["trigger_id"], view=view)
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"


def run_standin(port_out: Any, triggers_out: Any, count: int) -> None:
    """In a subprocess: Slack's side of the bench, so that its work does not load the bot's CPU.
    Its clock stands still, so the triggers issued up front stay valid."""

    async def main() -> None:
        frozen = time.time()
        slack = SlackStandIn(token=TOKEN, now=lambda: frozen)
        await slack.start()
        slack.add_user("U0REP1", "rep")
        triggers_out.put([slack.issue_trigger("U0REP1") for _ in range(count)])
        port_out.put(slack.base_url)
        await asyncio.Event().wait()

    asyncio.run(main())


class Standin:
    def __init__(self, count: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        port_q, trig_q = ctx.Queue(), ctx.Queue()
        self.process = ctx.Process(target=run_standin, args=(port_q, trig_q, count), daemon=True)
        self.process.start()
        self.triggers: list[str] = trig_q.get(timeout=60)
        self.base_url: str = port_q.get(timeout=60)
        self.root_url = self.base_url.removesuffix("api/")

    def issue_trigger(self, user: str) -> str:
        return self.triggers.pop()

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


def signed(slack: Any) -> tuple[bytes, dict[str, str]]:
    body = urlencode({
        "token": "x", "team_id": "T0LOCAL", "channel_id": "DU0REP1", "user_id": "U0REP1", "user_name": "rep",
        "command": "/vws", "text": "propose", "api_app_id": "A0VWS",
        "response_url": f"{slack.root_url}response/none", "trigger_id": slack.issue_trigger("U0REP1"),
    }).encode()
    stamp = str(int(time.time()))
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return body, {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
                  "X-Slack-Signature": sig or ""}


async def load(http: aiohttp.ClientSession, url: str, slack: Any, n: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    queue = [signed(slack) for _ in range(n)]

    async def worker() -> None:
        while queue:
            body, headers = queue.pop()
            start = time.perf_counter()
            async with http.post(url, data=body, headers=headers) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] * 1000


async def one_database(label: str, url: str, requests: int, concurrency: int) -> dict[str, tuple[float, float]]:
    slack = Standin(count=requests * 3 + 300)
    settings = Settings(DATABASE_URL=url, SLACK_BOT_TOKEN=SecretStr(TOKEN), SLACK_SIGNING_SECRET=SecretStr(SECRET), SLACK_API_URL=slack.base_url)
    services = Services.build(settings)
    await upgrade(services.db)
    await services.start()
    await services.load_directory(DIRECTORY)
    bot_app = create_app(services)
    bot_runner, bot_url = await serve(bot_app)
    freeze_startup_objects()  # as `vws serve` does once the server is built, with its collector
    deciding = services.outbox.requests if services.outbox else None
    collector = asyncio.get_running_loop().create_task(QuietCollector(deciding).run())
    peer_session = aiohttp.ClientSession()
    peer_client = AsyncWebClient(token=TOKEN, base_url=slack.base_url, session=peer_session)
    apps = {
        "bare app": await serve(bare_app(AsyncWebClient(token=TOKEN, base_url=slack.base_url))),
        "peer app": await serve(peer_app(peer_client, services.db)),
        "VWS Bot": (bot_runner, bot_url),
    }
    lat: dict[str, list[float]] = {name: [] for name in apps}
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as http:
        for _, app_url in apps.values():  # warm up each
            await load(http, app_url, slack, 40, concurrency)
        rounds = 6
        for _ in range(rounds):
            for name, (_, app_url) in apps.items():
                lat[name] += await load(http, app_url, slack, requests // rounds, concurrency)
    await bot_app[SLACK].idle()  # let the bot's work after the acks finish
    collector.cancel()
    for runner, _ in apps.values():
        await runner.cleanup()
    await peer_session.close()
    await services.close()
    slack.stop()
    result = {name: (pct(v, 50), pct(v, 99)) for name, v in lat.items()}
    bot, peer, bare = result["VWS Bot"], result["peer app"], result["bare app"]
    print(f"{label:<11} " + " | ".join(f"{name} p50 {p50:6.1f} ms p99 {p99:6.1f} ms" for name, (p50, p99) in result.items())
          + f" | p99 ratio to the peer {bot[1] / peer[1]:.2f}x, to the bare app {bot[1] / bare[1]:.2f}x"
          f" ({len(lat['VWS Bot'])} requests each, concurrency {concurrency})")
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--pg", default=os.environ.get("VWS_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await one_database("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", args.requests, args.concurrency)
    if args.pg:
        name = f"vws_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.pg, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            await one_database("PostgreSQL", args.pg.rsplit("/", 1)[0] + "/" + name, args.requests, args.concurrency)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
