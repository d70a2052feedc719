"""National scale: what one person's request costs with 10 employers in the country and with
30,000, in the same run, through the real server and the Slack stand-in; and a national morning's
reminders, found, queued and delivered at Slack's pace.

    .venv/bin/python bench/national.py [--employers 30000] [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]
    .venv/bin/python bench/national.py --no-pg --quick        # SQLite only, fewer samples

The data set is bench.dataset's national directory (300 local associations, 44 NEMs, a
Secretary, a rep and three partner reps each) with N employers in mixed stages, plus, in both
sizes alike, 100 proposals waiting for their Secretary (the Approve clicks' subjects) and 100
employers waiting for their action plan (the plan forms' subjects), in associations 1 to 100.

Each path is timed from the request leaving the stand-in to its effect arriving there:
- plan form: ``/vws plan`` by a Secretary, to ``views.open`` (Slack's trigger lives 3 s);
- App Home: ``app_home_opened``, to ``views.publish``;
- status: ``/vws status``, to the reply;
- Approve: the Secretary's Approve on App Home, to the NEM's DM (decided, committed, delivered
  by the outbox worker);
at concurrency 1 (and Approve at 20), and the plan form at concurrency 100, from one process and
again from ``vws serve --processes 2`` (``--processes``). Target: the 30,000 figure within 2x the
10 figure on every path; forms open in under 1 s p99 at concurrency 100.

Then the morning sweep at 09:00 on Tuesday 16 March 2027 (the last sweep at 18:00 the evening
before): the find (what fell due), the enqueue (ledger and outbox written, a batch per
transaction) and the delivery by the outbox worker to a stand-in that enforces Slack's
per-channel limit on chat.postMessage (1 a second, bursts of 3; 429 with Retry-After over it).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.dataset import NOW, People, populate  # noqa: E402
from bench.harness import (  # noqa: E402
    PG,
    Failed,
    Timings,
    World,
    concurrently,
    database,
    is_dm_to,
    pct,
    reached,
    serve_bot,
)
from bot import outbox  # noqa: E402
from bot.clock import sweep  # noqa: E402
from bot.outbox import OutboxSink  # noqa: E402
from bot.sandbox.slack.model import Call  # noqa: E402
from bot.services import Services  # noqa: E402
from flows import reminders  # noqa: E402
from flows.calendar import DEFAULT_HOURS  # noqa: E402
from flows.signup.journey import Stage  # noqa: E402
from models.tables import Employer, Nudge, SweepMark  # noqa: E402

EXTRA = 100  # subjects per kind, in associations 1..EXTRA
DELIVERY_SECONDS = 180.0  # how long the morning's delivery is watched (then: how far it got)
PROCESSES = 2  # the plan forms at concurrency 100 again, from `vws serve --processes` (1: not)
SINCE = NOW - timedelta(hours=15)  # the evening before


def _person_ids(a: int, nems: int = 44) -> tuple[int, int]:
    """(Secretary, rep) person ids of association index ``a``, in bench.dataset's numbering."""
    rep = 1 + nems + 1 + a * 5 + 1
    return rep - 1, rep


def _extra_name(kind: str, a: int) -> str:
    return f"Bench {kind} {a:03d} Academy"


async def fill(services: Services, employers: int, *, extra: int = EXTRA) -> People:
    """bench.dataset's national set with ``employers``, plus ``extra`` proposals waiting for their
    Secretary and ``extra`` employers waiting for their plan, in associations 1 to ``extra``."""
    assert extra <= 300, "one of each per association"
    who = await populate(services.sessions, employers=employers)
    rows: list[dict[str, Any]] = []
    base = employers
    for kind, stage in (("approve", Stage.AWAITING_SECRETARY), ("plan", Stage.EMPLOYER_INTRODUCED)):
        for a in range(extra):
            base += 1
            _, rep = _person_ids(a)
            name = _extra_name(kind, a)
            rows.append({
                "id": base, "name": name, "name_key": name.lower(), "kind": "school", "association_id": a + 1,
                "proposer_id": rep, "origin": "rep_identified", "case_for": "Staff asked for it.",
                "stage": stage.value, "stage_since": NOW - timedelta(hours=2), "version": 1, "revision": 1,
                "cycle": 0, "created_at": NOW - timedelta(days=3), "updated_at": NOW - timedelta(hours=2),
            })  # fmt: skip
    async with services.sessions() as s, s.begin():
        await s.execute(insert(Employer), rows)
        await s.execute(insert(SweepMark).values(name="reminders", swept_until=SINCE))
        if s.get_bind().dialect.name == "postgresql":
            await s.execute(text(f"SELECT setval(pg_get_serial_sequence('employers', 'id'), {base})"))
    return who


def _users(who: People) -> list[str]:
    return [*who.secretaries, *who.nems, *who.reps, *(u for us in who.partner_reps.values() for u in us), who.national]


Job = Callable[[], Awaitable[float]]


def plan_form(world: World, user: str) -> Job:
    async def job() -> float:
        since, start = len(world.slack.calls()), time.time()
        d = await world.slack.slash_command(user, "plan")
        if d.body.strip():  # answered at once, with no form: the bot could not open it in time
            raise Failed(d.body)
        call = await reached(world.slack, since, lambda c: c.method == "views.open" and c.args.get("trigger_id") == d.trigger_id)
        if not call.ok:  # e.g. expired_trigger_id: more than Slack's 3 s
            raise Failed(str(call.response.get("error")))
        return call.at - start

    return job


def app_home(world: World, user: str) -> Job:
    async def job() -> float:
        since, start = len(world.slack.calls()), time.time()
        await world.slack.app_home_opened(user)
        call = await reached(world.slack, since, lambda c: c.method == "views.publish" and c.args.get("user_id") == user)
        assert call.ok, call.response
        return call.at - start

    return job


def status(world: World, user: str) -> Job:
    dm = world.slack.dm_channel(user)

    def reply(c: Call) -> bool:  # the answer to the command, by response_url or as an ephemeral message
        return (c.method == "response_url" or (c.method == "chat.postEphemeral" and c.args.get("user") == user)) \
            and c.args.get("channel", dm) in (dm, user)  # fmt: skip

    async def job() -> float:
        since, start = len(world.slack.calls()), time.time()
        d = await world.slack.slash_command(user, "status")
        if d.body.strip():  # answered in the acknowledgement itself
            if "can't reach" in d.body:
                raise Failed(d.body)
            return time.time() - start
        return (await reached(world.slack, since, reply)).at - start

    return job


async def approve_button(world: World, user: str, employer: str) -> tuple[str, str]:
    """The (action_id, value) of the Approve button for ``employer`` on the person's App Home."""
    home = world.slack.home_view(user)
    if home is None or employer not in str(home):
        await world.slack.app_home_opened(user)
        await reached(world.slack, 0, lambda c: c.method == "views.publish" and c.args.get("user_id") == user
                      and employer in str(c.args.get("view")))  # fmt: skip
        home = world.slack.home_view(user)
    assert home is not None
    blocks = home["blocks"]
    for i, block in enumerate(blocks):
        if employer in str(block) or (i and employer in str(blocks[i - 1])):
            for el in block.get("elements", []) if block.get("type") == "actions" else []:
                if el.get("type") == "button" and el["text"]["text"] == "Approve":
                    return el["action_id"], el["value"]
            for el in [block.get("accessory") or {}]:
                if el.get("type") == "button" and el["text"]["text"] == "Approve":
                    return el["action_id"], el["value"]
    raise AssertionError(f"no Approve for {employer} on {user}'s Home")


def approve(world: World, who: People, a: int) -> tuple[Callable[[], Awaitable[None]], Job]:
    """(setup, job): the Secretary of association ``a`` approves its waiting proposal; timed to the
    NEM's DM about it."""
    user, nem, employer = who.secretaries[a], who.nems[a % len(who.nems)], _extra_name("approve", a)
    button: list[tuple[str, str]] = []

    async def setup() -> None:
        button.append(await approve_button(world, user, employer))

    async def job() -> float:
        action_id, value = button[0]
        dm = is_dm_to(world.slack, nem)
        since, start = len(world.slack.calls()), time.time()
        home = world.slack.home_view(user)
        await world.slack.block_action(user, action_id, value, view=home)
        call = await reached(world.slack, since, lambda c: dm(c) and employer in str(c.args), within=60)
        return call.at - start

    return setup, job


async def paths(world: World, who: People, samples: int) -> dict[str, Timings]:
    out: dict[str, Timings] = {}
    secs = [who.secretaries[a] for a in range(EXTRA)]
    for name, make in (("plan form", plan_form), ("App Home", app_home), ("status", status)):
        for job in [make(world, u) for u in secs[:5]]:  # warm up
            await job()
        out[name] = await concurrently(1, [make(world, secs[i % EXTRA]) for i in range(samples)])
        await world.idle()
    out["plan form, concurrency 100"] = await concurrently(
        100, [plan_form(world, secs[i % EXTRA]) for i in range(3 * EXTRA)])  # fmt: skip
    await world.idle()
    clicks = [approve(world, who, a) for a in range(EXTRA)]
    for setup, _ in clicks:
        await setup()
    half = EXTRA // 2
    out["Approve to the NEM's DM"] = await concurrently(1, [job for _, job in clicks[:half]])
    await world.idle()
    out["Approve to the NEM's DM, concurrency 20"] = await concurrently(20, [job for _, job in clicks[half:]])
    await world.idle()
    return out


async def morning(world: World) -> dict[str, float]:
    services = world.services
    await world.idle()
    async with services.sessions() as s:
        t0 = time.perf_counter()
        found = sum([1 async for _ in reminders.find_due(s, NOW, SINCE, DEFAULT_HOURS)])
        find_s = time.perf_counter() - t0
    world.slack.limit_posts(1.0, 3)
    posts_before = len([c for c in world.slack.calls("chat.postMessage") if c.ok])
    sink = OutboxSink(services.sessions, services.engine.now)  # `vws serve`'s worker finds them at its next poll
    t0 = time.perf_counter()
    report = await sweep(services, sink, NOW)
    enqueue_s = time.perf_counter() - t0
    emptied = True
    try:
        await world.idle(within=DELIVERY_SECONDS)
    except TimeoutError:  # reported as how far it got: posts delivered in that time
        emptied = False
    delivered_s = time.perf_counter() - t0
    posts = len([c for c in world.slack.calls("chat.postMessage") if c.ok]) - posts_before
    refused = len([c for c in world.slack.calls("chat.postMessage") if c.status == 429])
    async with services.sessions() as s:
        nudges = (await s.execute(select(func.count()).select_from(Nudge).where(Nudge.state == "sent"))).scalar_one()
    return {"found": found, "find_s": find_s, "queued": len(report.sent), "enqueue_s": enqueue_s,
            "delivered_s": delivered_s, "posts": posts, "refused_429": refused, "nudges_sent": nudges,
            "failed": (await outbox.counts(services.sessions)).get("failed", 0), "emptied": emptied,
            "waiting": sum(v for k, v in (await outbox.counts(services.sessions)).items() if k in ("pending", "claimed"))}  # fmt: skip


async def one(kind: str, employers: int, samples: int, pg: str) -> tuple[dict[str, Timings], dict[str, float]]:
    async with database(kind, pg) as url:
        people: list[People] = []

        async def filled(services: Services) -> None:
            people.append(await fill(services, employers))

        # VWS_SLACK_CHANNEL_INTERVAL as configured by default: the pacer keeps to Slack's rate
        world = await serve_bot(url, [], fill=filled)
        who = people[0]
        for uid in _users(who):
            world.slack.add_user(uid, uid.lower())
        world.slack.add_channel("vws-national", id="C9NATIONAL", members=[who.national])
        for channel, a in who.partner_spaces:
            world.slack.add_channel(f"vws-partners-{channel.lower()}", id=channel, is_private=True,
                                    members=[who.partner_reps[u][a] for u in ("GMB", "UNISON", "Unite")])  # fmt: skip
        try:
            timings = await paths(world, who, samples)
            sweep_figures = await morning(world)
            sweep_figures["healthy_s"] = world.healthy_s
        finally:
            await world.close()
        if PROCESSES > 1:  # the same forms again, from `vws serve --processes N` on the same database
            world = await serve_bot(url, _users(who), env={"VWS_PROCESSES": str(PROCESSES)})
            try:
                secs = [who.secretaries[a] for a in range(EXTRA)]
                for u in secs[:10]:
                    await plan_form(world, u)()
                timings[f"plan form, concurrency 100, {PROCESSES} processes"] = await concurrently(
                    100, [plan_form(world, secs[i % EXTRA]) for i in range(3 * EXTRA)])  # fmt: skip
            finally:
                await world.close()
    return timings, sweep_figures


def _report(kind: str, sizes: list[int], results: list[tuple[dict[str, Timings], dict[str, float]]]) -> None:
    small, big = results[0][0], results[-1][0]
    print(f"\n{kind}: per-person paths, {sizes[0]:,} against {sizes[-1]:,} employers (ms)")
    print(f"{'path':<40} {'p50 ratio':>9} {'p99 ratio':>9} | {'p50 small':>9} {'p99 small':>9} | {'p50 big':>8} "
          f"{'p99 big':>8} | failed (small, big)")  # fmt: skip
    for name in small:
        a50, a99, b50, b99 = pct(small[name], 50), pct(small[name], 99), pct(big[name], 50), pct(big[name], 99)
        print(f"{name:<40} {b50 / a50:>8.2f}x {b99 / a99:>8.2f}x | {a50:>9.1f} {a99:>9.1f} | {b50:>8.1f} {b99:>8.1f} | "
              f"{small[name].failed}, {big[name].failed}")  # fmt: skip
    for size, (_, m) in zip(sizes, results, strict=True):
        rate = m["posts"] / m["delivered_s"] if m["delivered_s"] else 0.0
        print(f"{kind}, {size:,} employers: `vws serve` answered /healthz 200 {m['healthy_s']:.2f} s after it started")
        print(f"{kind} morning sweep at {size:,} employers: {m['found']:,} due, find {m['find_s']:.3f} s; "
              f"{m['queued']:,} queued in {m['enqueue_s']:.2f} s; {m['posts']:,} posts delivered in "
              f"{m['delivered_s']:.1f} s ({rate:.0f}/s; {m['refused_429']:,} answered 429; {m['failed']} failed; "
              f"{'all delivered' if m['emptied'] else str(m['waiting']) + ' still waiting'})")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employers", type=int, default=30_000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="20 samples a path")
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--delivery-seconds", type=float, default=180.0)
    parser.add_argument("--processes", type=int, default=2,
                        help="also time the plan forms at concurrency 100 from `vws serve --processes N` (1: not)")
    args = parser.parse_args()
    samples = 20 if args.quick else args.samples
    sizes = [args.small, args.employers]
    global DELIVERY_SECONDS, PROCESSES  # noqa: PLW0603 - settings for the run
    DELIVERY_SECONDS, PROCESSES = args.delivery_seconds, args.processes
    for kind in (*(() if args.no_sqlite else ("SQLite",)), *(() if args.no_pg else ("PostgreSQL",))):
        results = [await one(kind, n, samples, args.pg) for n in sizes]
        _report(kind, sizes, results)


if __name__ == "__main__":
    asyncio.run(main())
