"""Benchmark: one reminder sweep over 10,000 employers and 100,000 workplan actions.

    .venv/bin/python bench/sweep.py                      # a fresh SQLite file
    .venv/bin/python bench/sweep.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
    VWS_BENCH_DATABASE_URL=... .venv/bin/python bench/sweep.py

On PostgreSQL a fresh database is created next to the one named in the URL, and dropped after.

The sweep is the first of a working morning (Tuesday 16 March 2027, 08:00:30 London; the last sweep
was at 18:00 the evening before), the busiest of the day: it finds the reviews, workplan deadlines
and waiting decisions that fell due overnight. Dates are random (seeded) but plausible: by-dates from
200 days ago to a year ahead, a third of the actions done, reviews over the coming year, a few
hundred proposals waiting for a decision.

It reports, for the full data set and for a copy with a tenth of the rows that are not due (the same
due ones):
- find: the query of what fell due (flows.reminders.find_due), time and peak memory;
- ledger: step 1 of a sweep (bot.clock.discover): find, then write what fell due to the ledger;
- sweep: a whole sweep (ledger, claims, notices built and written to the outbox, a batch per
  transaction, as `vws serve`'s clock does; the outbox worker's delivery is bench/national.py's);
- quiet: the sweep a minute later, when nothing new is due (what 599 of the day's 600 sweeps do).
Peak memory is measured with tracemalloc on a second, identical run (tracemalloc slows Python down).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select, text, update  # noqa: E402

from bench.harness import PG, database  # noqa: E402
from bot.clock import discover, sweep  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.outbox import OutboxSink  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows import reminders  # noqa: E402
from flows.calendar import (  # noqa: E402
    DEFAULT_HOURS,
    Nation,
    approval_waiting_moments,
    partner_waiting_moment,
    review_due_window,
    workplan_due_window,
)
from flows.notices import Notice  # noqa: E402
from flows.signup.journey import Stage  # noqa: E402
from models.tables import (  # noqa: E402
    ActionPlan,
    Employer,
    LocalAssociation,
    Nudge,
    OutboxItem,
    Person,
    SweepMark,
    WorkplanAction,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 3, 16, 8, 0, 30, tzinfo=LONDON).astimezone(UTC)
SINCE = datetime(2027, 3, 15, 18, 0, tzinfo=LONDON).astimezone(UTC)
TODAY = NOW.astimezone(LONDON).date()
NATIONS = ["England"] * 7 + ["Wales", "Scotland", "Northern Ireland"]
T = TypeVar("T")


class DropDeliverer:
    """Counts notices and drops them: the benchmark is of the clock, not of a chat platform."""

    def __init__(self) -> None:
        self.count = 0

    async def deliver(self, notices: Sequence[Notice]) -> None:
        self.count += len(notices)


def build_rows(employers: int, actions: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """The whole data set, with each workplan action marked as due at NOW or not."""
    rnd = random.Random(seed)
    n_assoc = max(1, employers // 200)
    people = [{"id": i + 1, "slack_id": f"U{i + 1:08d}", "name": None} for i in range(n_assoc * 3)]
    assocs = [
        {
            "id": a + 1,
            "name": f"Association {a + 1}",
            "region": "",
            "nation": NATIONS[a % len(NATIONS)],
            "secretary_id": 3 * a + 1,
            "deputy_id": None,
            "nem_id": 3 * a + 2,
        }
        for a in range(n_assoc)
    ]
    emps: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    acts: list[dict[str, Any]] = []
    for e in range(employers):
        a = e % n_assoc
        created = NOW - timedelta(days=rnd.randint(1, 400))
        waiting = rnd.random() < 0.03
        stage = (
            rnd.choice([Stage.AWAITING_SECRETARY, Stage.AWAITING_NEM, Stage.PARTNER_CONSULTATION])
            if waiting
            else Stage.JOINED
        )
        since = NOW - timedelta(hours=rnd.randint(1, 24 * 20)) if waiting else created
        emps.append(
            {
                "id": e + 1,
                "name": f"Employer {e + 1}",
                "name_key": f"employer {e + 1}",
                "kind": "school",
                "association_id": a + 1,
                "proposer_id": 3 * a + 3,
                "origin": "rep_identified",
                "case_for": "Staff wellbeing.",
                "stage": stage.value,
                "stage_since": since,
                "version": 1,
                "revision": 1,
                "cycle": 0 if waiting else 1,
                "created_at": created,
                "updated_at": since,
            }
        )
        if not waiting:
            plans.append(
                {
                    "id": e + 1,
                    "employer_id": e + 1,
                    "cycle": 1,
                    "principle": rnd.randint(1, 6),
                    "objectives": "Objective",
                    "activities": "Activities",
                    "success_criteria": "Criteria",
                    "starts_on": created.date(),
                    "review_on": TODAY + timedelta(days=rnd.randint(-20, 365)),
                    "status": "active",
                    "agreed_at": created,
                }
            )
    numbers: dict[int, int] = {}
    for i in range(actions):  # shared out over the plans: about ten each
        plan_id: int = plans[i % len(plans)]["id"]  # a plan's id is its employer's
        a = (plan_id - 1) % n_assoc
        numbers[plan_id] = n = numbers.get(plan_id, 0) + 1
        by = TODAY + timedelta(days=rnd.randint(-200, 365))
        acts.append(
            {
                "id": i + 1,
                "plan_id": plan_id,
                "number": n,
                "detail": "Do the thing",
                "owner": "Head teacher" if n % 2 else f"<@U{3 * a + 3:08d}>",
                "owner_person_id": None if n % 2 else 3 * a + 3,
                "by_date": by,
                "by_date_text": by.isoformat(),
                "status": "done" if rnd.random() < 0.33 else "open",
                "done_at": None,
            }
        )
    return {"people": people, "assocs": assocs, "employers": emps, "plans": plans, "actions": acts}


def expected_due(rows: dict[str, list[dict[str, Any]]]) -> tuple[int, set[int]]:
    """How many nudges fell due in (SINCE, NOW], worked out row by row; and which actions are due."""
    nation = {a["id"]: Nation.parse(a["nation"]) for a in rows["assocs"]}
    emp_nation = {e["id"]: nation[e["association_id"]] for e in rows["employers"]}

    def new(at: datetime | None) -> bool:
        return at is not None and SINCE < at <= NOW

    count = 0
    for p in rows["plans"]:
        w = review_due_window(p["review_on"], NOW, emp_nation[p["employer_id"]], DEFAULT_HOURS)
        count += new(w.latest and w.latest.at)
    due_actions = set()
    for wa in rows["actions"]:
        if wa["status"] != "open":
            continue
        w = workplan_due_window(wa["by_date"], NOW, emp_nation[wa["plan_id"]], DEFAULT_HOURS)
        if new(w.latest and w.latest.at):
            due_actions.add(wa["id"])
    count += len(due_actions)
    for e in rows["employers"]:
        n = emp_nation[e["id"]]
        if e["stage"] == Stage.PARTNER_CONSULTATION.value:
            count += new(partner_waiting_moment(e["stage_since"], n))
        elif e["stage"] in (Stage.AWAITING_SECRETARY.value, Stage.AWAITING_NEM.value):
            ms = [m.at for m in approval_waiting_moments(e["stage_since"], n) if m.at <= NOW]
            count += new(ms[-1] if ms else None)
    return count, due_actions


async def load(services: Services, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Bulk inserts, a chunk at a time."""
    async with services.db.begin() as conn:
        for model, key in (
            (Person, "people"),
            (LocalAssociation, "assocs"),
            (Employer, "employers"),
            (ActionPlan, "plans"),
            (WorkplanAction, "actions"),
        ):
            data = rows[key]
            for i in range(0, len(data), 10_000):
                await conn.execute(insert(model), data[i : i + 10_000])
        await conn.execute(insert(SweepMark).values(name="reminders", swept_until=SINCE))
    if services.db.dialect.name == "postgresql":
        async with services.db.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))


async def reset(services: Services) -> None:
    async with services.sessions() as s, s.begin():
        await s.execute(delete(OutboxItem))
        await s.execute(delete(Nudge))
        await s.execute(update(SweepMark).values(swept_until=SINCE))


async def timed(fn: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    start = time.perf_counter()
    result = await fn()
    return result, time.perf_counter() - start


async def traced(fn: Callable[[], Awaitable[Any]]) -> float:
    """Peak memory (MiB) of a run under tracemalloc."""
    tracemalloc.start()
    try:
        await fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def run_one(url: str, rows: dict[str, list[dict[str, Any]]], label: str, *, find_only: bool = False) -> dict[str, Any]:
    services = Services.build(Settings(DATABASE_URL=url), clock=lambda: NOW)
    await upgrade(services.db)
    t0 = time.perf_counter()
    await load(services, rows)
    built = time.perf_counter() - t0
    hours = DEFAULT_HOURS

    async def find() -> int:
        async with services.sessions() as s:
            return sum([1 async for _ in reminders.find_due(s, NOW, SINCE, hours)])

    async def ledger() -> int:
        return await discover(services, NOW)

    async def full() -> int:  # as `vws serve`'s clock does it: into the outbox, a batch a transaction
        report = await sweep(services, OutboxSink(services.sessions, lambda: NOW), NOW)
        return len(report.sent)

    async def quiet() -> int:
        return len((await sweep(services, DropDeliverer(), NOW + timedelta(minutes=1))).sent)

    found, find_s = await timed(find)
    find_mb = await traced(find)
    if find_only:
        await services.close()
        return {"label": label, "actions": len(rows["actions"]), "employers": len(rows["employers"]), "built_s": built,
                "found": found, "sent": 0, "ledger": 0, "find_s": find_s, "find_mb": find_mb, "discover_s": float("nan"),
                "discover_mb": float("nan"), "sweep_s": float("nan"), "sweep_mb": float("nan"), "quiet_s": float("nan")}  # fmt: skip
    _, discover_s = await timed(ledger)
    await reset(services)
    discover_mb = await traced(ledger)
    await reset(services)
    sent, sweep_s = await timed(full)
    await reset(services)
    sweep_mb = await traced(full)
    _, quiet_s = await timed(quiet)
    async with services.sessions() as s:
        notices_rows = (await s.execute(select(func.count()).select_from(Nudge))).scalar_one()
    await services.close()
    return {
        "label": label,
        "actions": len(rows["actions"]),
        "employers": len(rows["employers"]),
        "built_s": built,
        "found": found,
        "sent": sent,
        "ledger": notices_rows,
        "find_s": find_s,
        "find_mb": find_mb,
        "discover_s": discover_s,
        "discover_mb": discover_mb,
        "sweep_s": sweep_s,
        "sweep_mb": sweep_mb,
        "quiet_s": quiet_s,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=10_000)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("VWS_BENCH_DATABASE_URL"))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--find-only", action="store_true", help="time only the find (a 1M-action run)")
    parser.add_argument("--full-only", action="store_true", help="skip the copy with a tenth of the rows not due")
    args = parser.parse_args()

    rows = build_rows(args.employers, args.actions)
    expected, due_actions = expected_due(rows)
    # The same data with a tenth of the actions that are not due: every due one is kept.
    rnd = random.Random(1)
    small = dict(rows)
    small["actions"] = [a for a in rows["actions"] if a["id"] in due_actions or rnd.random() < 0.1]

    kinds = [*(() if args.no_sqlite else ("SQLite",)), *(("PostgreSQL",) if args.database_url else ())]

    print(
        f"Sweep at {NOW.astimezone(LONDON):%a %d %b %Y %H:%M:%S} London, last sweep {SINCE.astimezone(LONDON):%a %H:%M}."
    )
    print(f"Expected nudges due, worked out row by row: {expected}\n")
    header = (
        f"{'database':<11} {'employers':>9} {'actions':>8} {'load s':>7} {'found':>6} {'find s':>7} "
        f"{'find MiB':>9} {'ledger s':>9} {'ledger MiB':>11} {'sweep s':>8} {'sweep MiB':>10} {'sent':>5} {'quiet s':>8}"
    )
    print(header)
    print("-" * len(header))
    for db_label in kinds:
        for data, label in ((rows, "full"), *(() if args.full_only else ((small, "tenth"),))):
            async with database(db_label, args.database_url or PG) as url:  # a fresh one, removed after
                r = await run_one(url, data, label, find_only=args.find_only)
            assert r["found"] == expected, (r["found"], expected)
            print(
                f"{db_label:<11} {r['employers']:>9,} {r['actions']:>8,} {r['built_s']:>7.2f} {r['found']:>6,} "
                f"{r['find_s']:>7.3f} {r['find_mb']:>9.2f} {r['discover_s']:>9.3f} {r['discover_mb']:>11.2f} {r['sweep_s']:>8.3f} {r['sweep_mb']:>10.2f} "
                f"{r['sent']:>5,} {r['quiet_s']:>8.3f}"
            )
    print(
        "\nfind: the query of what fell due; ledger: find, then write them to the ledger (step 1 "
        "of a sweep); sweep: a whole sweep, its notices written to the outbox a batch per transaction; "
        "quiet: the next minute's sweep, nothing new. "
        "MiB: tracemalloc peak of a second identical run."
    )


if __name__ == "__main__":
    asyncio.run(main())
