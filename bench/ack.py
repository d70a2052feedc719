"""How fast does the bot acknowledge ``/vws``? p50 and p99 at concurrency 20, against a bare
slack-bolt AsyncApp that acks at once, measured in the same run, on SQLite and on PostgreSQL.

    .venv/bin/python bench/ack.py [--requests 600] [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Both apps are served by the same aiohttp glue and receive the same signed slash commands
(``/vws propose``: the bot acks, then reads the directory and opens the form through a local
Slack stand-in). Rounds alternate between the two so that drift on the machine hits both.
Target: the bot's p99 within 1.5x of the bare app's.
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
from bot.web import SLACK, create_app, freeze_startup_objects  # noqa: E402
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


async def one_database(label: str, url: str, requests: int, concurrency: int) -> tuple[float, float, float, float]:
    slack = Standin(count=requests * 2 + 200)
    settings = Settings(DATABASE_URL=url, SLACK_BOT_TOKEN=SecretStr(TOKEN), SLACK_SIGNING_SECRET=SecretStr(SECRET), SLACK_API_URL=slack.base_url)
    services = Services.build(settings)
    await upgrade(services.db)
    await services.start()
    await services.load_directory(DIRECTORY)
    bot_app = create_app(services)
    bot_runner, bot_url = await serve(bot_app)
    freeze_startup_objects()  # as `vws serve` does once the server is built
    bare_runner, bare_url = await serve(bare_app(AsyncWebClient(token=TOKEN, base_url=slack.base_url)))
    bot_lat: list[float] = []
    bare_lat: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as http:
        await load(http, bare_url, slack, 40, concurrency)  # warm up both
        await load(http, bot_url, slack, 40, concurrency)
        rounds = 6
        for _ in range(rounds):
            bare_lat += await load(http, bare_url, slack, requests // rounds, concurrency)
            bot_lat += await load(http, bot_url, slack, requests // rounds, concurrency)
    await bot_app[SLACK].idle()  # let the bot's work after the acks finish
    await bot_runner.cleanup()
    await bare_runner.cleanup()
    await services.close()
    slack.stop()
    result = (pct(bare_lat, 50), pct(bare_lat, 99), pct(bot_lat, 50), pct(bot_lat, 99))
    print(f"{label:<11} bare app p50 {result[0]:6.1f} ms  p99 {result[1]:6.1f} ms | "
          f"VWS bot p50 {result[2]:6.1f} ms  p99 {result[3]:6.1f} ms | p99 ratio {result[3] / result[1]:.2f}x "
          f"({len(bot_lat)} requests each, concurrency {concurrency})")
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
