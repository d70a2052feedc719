"""The click path: from the Secretary's Approve to the NEM's direct message arriving at the Slack
stand-in, p50 and p99 at concurrency 1 and 20, beside a minimal peer app measured in the same run.

    .venv/bin/python bench/click.py [--clicks 100] [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--no-pg]

VWS Bot runs as ``vws serve`` in a child process: the click is decided and committed with its
notices before Slack is answered, then the outbox worker posts the NEM's request (and the
Secretary's and the rep's notices). The peer (``bench/peer.py``, also a child process, on the
same database) does the least: one conditional update, one insert, ack, one post, inline.
Both are clicked through the same stand-in, in alternating rounds so that drift on the machine
hits both. Target: the bot's click-to-DM p99 within 3x the peer's; the bot's ack p99 (the HTTP
answer to the click) under 300 ms at concurrency 20.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bench.harness import (  # noqa: E402
    PG,
    SECRET,
    TOKEN,
    Timings,
    concurrently,
    database,
    free_port,
    is_dm_to,
    pct,
    reached,
    serve_bot,
    start_server,
    stop_server,
)
from bench.national import _extra_name, _users, approve_button, fill  # noqa: E402
from bench.peer import cases, meta  # noqa: E402
from bot.services import Services  # noqa: E402


async def run(kind: str, clicks: int, pg: str, processes: int = 1) -> dict[str, Timings]:
    rounds = 4
    per = clicks // (rounds * 2)  # per round, per concurrency
    async with database(kind, pg) as url:
        people = []

        async def filled(services: Services) -> None:
            who = await fill(services, 10, extra=clicks)
            people.append(who)
            async with services.db.begin() as conn:
                await conn.run_sync(meta.create_all)
                await conn.execute(insert(cases), [
                    {"id": a + 1, "stage": "secretary", "next_person": who.nems[a % len(who.nems)],
                     "name": f"Peer case {a:03d}"} for a in range(clicks)])  # fmt: skip

        world = await serve_bot(url, fill=filled, env={"VWS_PROCESSES": str(processes)})
        who = people[0]
        for uid in _users(who):
            world.slack.add_user(uid, uid.lower())
        bot_url = world.events_url
        port = free_port()
        peer, _ = await start_server(["-m", "bench.peer", "--port", str(port), "--database-url", url,
                                      "--api-url", world.slack.base_url, "--token", TOKEN, "--secret", SECRET], port)  # fmt: skip
        peer_url = f"http://127.0.0.1:{port}/slack/events"
        slack = world.slack
        acks: dict[str, Timings] = {"VWS Bot": Timings(), "peer": Timings()}

        def bot_click(a: int) -> object:
            user, nem, employer = who.secretaries[a], who.nems[a % len(who.nems)], _extra_name("approve", a)
            button: list[tuple[str, str]] = []

            async def job() -> float:
                if not button:
                    button.append(await approve_button(world, user, employer))
                action_id, value = button[0]
                dm = is_dm_to(slack, nem)
                since, start = len(slack.calls()), time.time()
                d = await slack.block_action(user, action_id, value, channel=slack.dm_channel(user))
                acks["VWS Bot"].append(time.time() - start)
                assert d.status == 200, d.status
                return (await reached(slack, since, lambda c: dm(c) and employer in str(c.args), within=60)).at - start

            return job

        def peer_click(a: int) -> object:
            user, nem = who.secretaries[a], who.nems[a % len(who.nems)]

            async def job() -> float:
                dm = is_dm_to(slack, nem)
                since, start = len(slack.calls()), time.time()
                d = await slack.block_action(user, "approve", str(a + 1), channel=slack.dm_channel(user))
                acks["peer"].append(time.time() - start)
                assert d.status == 200, d.status
                return (await reached(slack, since, lambda c: dm(c) and f"Peer case {a:03d}" in str(c.args), within=60)).at - start

            return job

        for a in range(clicks):  # the Approve buttons as the Secretaries' App Home shows them (not timed)
            await approve_button(world, who.secretaries[a], _extra_name("approve", a))
        out: dict[str, Timings] = {}
        for concurrency in (1, 20):
            for name in ("VWS Bot", "peer"):
                out[f"{name}, concurrency {concurrency}"] = Timings()
        acks["VWS Bot"], acks["peer"] = Timings(), Timings()
        n = 0
        try:
            for concurrency in (1, 20):
                for _ in range(rounds):
                    batch = list(range(n, n + per))
                    n += per
                    slack.connect(peer_url, SECRET)
                    got = await concurrently(concurrency, [peer_click(a) for a in batch])  # type: ignore[misc]
                    out[f"peer, concurrency {concurrency}"].extend(got)
                    out[f"peer, concurrency {concurrency}"].failed += got.failed
                    slack.connect(bot_url, SECRET)
                    got = await concurrently(concurrency, [bot_click(a) for a in batch])  # type: ignore[misc]
                    out[f"VWS Bot, concurrency {concurrency}"].extend(got)
                    out[f"VWS Bot, concurrency {concurrency}"].failed += got.failed
                    await world.idle()
                if concurrency == 20:
                    out["VWS Bot ack, concurrency 20"] = acks["VWS Bot"]
                    out["peer ack, concurrency 20"] = acks["peer"]
                acks["VWS Bot"], acks["peer"] = Timings(), Timings()
        finally:
            stop_server(peer)
            await world.close()
    return out


def report(kind: str, out: dict[str, Timings]) -> None:
    print(f"\n{kind}: Approve click to the NEM's DM (ms)")
    print(f"{'':<30} {'p50':>8} {'p99':>8} {'n':>5} {'failed':>6}")
    for name, t in out.items():
        print(f"{name:<30} {pct(t, 50):>8.1f} {pct(t, 99):>8.1f} {len(t):>5} {t.failed:>6}")
    for c in (1, 20):
        bot, peer = out[f"VWS Bot, concurrency {c}"], out[f"peer, concurrency {c}"]
        print(f"concurrency {c}: p50 ratio {pct(bot, 50) / pct(peer, 50):.2f}x, p99 ratio {pct(bot, 99) / pct(peer, 99):.2f}x")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clicks", type=int, default=120, help="per concurrency level, bot and peer each (at most 150)")
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--processes", type=int, default=1, help="the bot as `vws serve --processes N` (the peer: one)")
    args = parser.parse_args()
    for kind in (*(() if args.no_sqlite else ("SQLite",)), *(() if args.no_pg else ("PostgreSQL",))):
        label = kind if args.processes == 1 else f"{kind}, VWS Bot in {args.processes} processes"
        report(label, await run(kind, args.clicks * 2, args.pg, args.processes))


if __name__ == "__main__":
    asyncio.run(main())
