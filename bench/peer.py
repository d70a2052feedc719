"""A minimal peer app for the click benchmark: what the least a bot could do for an Approve click
is, on the same stack (slack-bolt on aiohttp, SQLAlchemy async, the same database and event loop): one
conditional update, one insert, one post to the next person, inline. No outbox, no audit, no
checks of who may act, no retries.

    python -m bench.peer --port 3100 --database-url URL --api-url URL

``bench/click.py`` starts it in a child process, as it starts ``vws serve``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, update

from bot.loop import loop_factory
from bot.settings import Settings
from models.db import make_engine, make_sessionmaker

meta = MetaData()
cases = Table("peer_cases", meta, Column("id", Integer, primary_key=True), Column("stage", String(32)),
              Column("next_person", String(32)), Column("name", String(200)))  # fmt: skip
events = Table("peer_events", meta, Column("id", Integer, primary_key=True), Column("case_id", Integer),
               Column("what", String(32)))  # fmt: skip


def build(database_url: str, api_url: str, token: str, secret: str) -> web.Application:
    sessions = make_sessionmaker(make_engine(database_url))
    client = AsyncWebClient(token=token, base_url=api_url)
    bolt = AsyncApp(client=client, signing_secret=secret, process_before_response=True)

    @bolt.action("approve")
    async def approve(ack: Any, action: dict[str, Any]) -> None:
        case_id = int(action["value"])
        async with sessions() as s, s.begin():
            moved = await s.execute(update(cases).where(cases.c.id == case_id, cases.c.stage == "secretary")
                                    .values(stage="nem").returning(cases.c.next_person, cases.c.name))  # fmt: skip
            row = moved.first()
            if row is not None:
                await s.execute(insert(events).values(case_id=case_id, what="approved"))
        await ack()
        if row is not None:
            await client.chat_postMessage(channel=row.next_person, text=f"Approval needed: {row.name}")

    async def events_endpoint(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/slack/events", events_endpoint)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", default="xoxb-bench")
    parser.add_argument("--secret", default="bench-signing-secret")
    args = parser.parse_args()
    web.run_app(build(args.database_url, args.api_url, args.token, args.secret), host="127.0.0.1", port=args.port,
                print=None, access_log=None, loop=_loop())  # fmt: skip


def _loop() -> asyncio.AbstractEventLoop:
    """The event loop `vws serve` runs on (``VWS_EVENT_LOOP``), so that the two compare their
    work, not their loops."""
    return (loop_factory(Settings().event_loop) or asyncio.new_event_loop)()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
