"""Exactly-once decisions when two processes act at the same moment.

Each racer has its own database engine (its own connections, as two bot processes would), and
they run concurrently. On PostgreSQL the conditional UPDATE makes the second wait for the first
and then find the case moved on; on SQLite the write lock does the same.
"""

from __future__ import annotations

import asyncio

from bot.services import Services
from bot.settings import Settings
from flows.engine import Engine
from flows.signup.journey import Action, Stage
from tests.conftest import DEP, GMB, NEM, REP, SEC, UNS, UTE, Clock
from tests.test_journey import PROPOSAL


async def _two_engines(db_url: str, clock: Clock) -> tuple[Services, Services]:
    a = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    b = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    return a, b


async def test_two_people_clicking_at_once_decide_once(services: Services, db_url: str, clock: Clock) -> None:
    out = await services.engine.propose(REP, PROPOSAL)
    emp = out.employer_id
    assert emp is not None
    a, b = await _two_engines(db_url, clock)
    try:
        results = await asyncio.gather(
            a.engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1),
            b.engine.decide(DEP, emp, Action.SECRETARY_REJECT, revision=1, reasons="not now"),
        )
        assert sorted(r.ok for r in results) == [False, True]
        loser = next(r for r in results if not r.ok)
        assert "Already decided" in loser.reply_text and loser.notices == []
        audit = [x.action for x in await services.engine.audit(emp)]
        assert len([x for x in audit if x.startswith("secretary_")]) == 1
        winner = next(r for r in results if r.ok)
        summary = await services.engine.summary(emp)
        assert summary is not None
        expected = Stage.AWAITING_NEM if "approved" in winner.reply_text else Stage.REJECTED
        assert summary.stage is expected
    finally:
        await a.close()
        await b.close()


async def test_the_same_click_delivered_twice_at_once_decides_once(services: Services, db_url: str, clock: Clock) -> None:
    emp = (await services.engine.propose(REP, PROPOSAL)).employer_id
    assert emp is not None
    await services.engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    a, b = await _two_engines(db_url, clock)
    try:
        results = await asyncio.gather(*(e.engine.decide(NEM, emp, Action.NEM_APPROVE, revision=1) for e in (a, b, a, b)))
        assert [r.ok for r in results].count(True) == 1
        assert sum(len(r.notices) for r in results if not r.ok) == 0
        audit = [x.action for x in await services.engine.audit(emp)]
        assert audit.count("nem_approve") == 1
    finally:
        await a.close()
        await b.close()


async def test_the_three_unions_agreeing_at_once_all_count(services: Services, db_url: str, clock: Clock) -> None:
    engine: Engine = services.engine
    emp = (await engine.propose(REP, PROPOSAL)).employer_id
    assert emp is not None
    await engine.decide(SEC, emp, Action.SECRETARY_APPROVE, revision=1)
    await engine.decide(NEM, emp, Action.NEM_APPROVE, revision=1)
    a, b = await _two_engines(db_url, clock)
    c = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    try:
        results = await asyncio.gather(
            a.engine.decide(GMB, emp, Action.PARTNER_AGREE, revision=1),
            b.engine.decide(UNS, emp, Action.PARTNER_AGREE, revision=1),
            c.engine.decide(UTE, emp, Action.PARTNER_AGREE, revision=1),
            a.engine.decide(UTE, emp, Action.PARTNER_AGREE, revision=1),  # a double click from Unite
        )
        assert [r.ok for r in results].count(True) == 3
        summary = await engine.summary(emp)
        assert summary is not None and summary.stage is Stage.PARTNERS_AGREED
        finals = [r for r in results if r.ok and "All three partner unions have now agreed" in r.reply_text]
        assert len(finals) == 1  # exactly one of them moved the case on and asked for the route
    finally:
        for svc in (a, b, c):
            await svc.close()


async def test_on_sqlite_writers_in_one_process_take_turns_in_the_order_they_came(db_url: str) -> None:
    """SQLite lets one writer in at a time; its own busy handler lets waiters poll at growing
    intervals, so a writer that has waited longest may keep losing to newcomers (under 20
    concurrent clicks some waited past Slack's 3 s). In one process, writers queue in order."""
    import pytest
    from sqlalchemy import Column, Integer, MetaData, Table, insert, select

    from models.db import make_engine, make_sessionmaker

    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's row locks queue writers themselves")
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    meta = MetaData()
    turns = Table("bench_turns", meta, Column("n", Integer))
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    first_in = asyncio.Event()

    async def writer(n: int, hold: float = 0.0) -> None:
        async with sessions() as s, s.begin():
            await s.execute(insert(turns).values(n=n))
            if n == 0:
                first_in.set()
            await asyncio.sleep(hold)

    async def connected() -> None:
        async with sessions() as s:
            await s.execute(select(turns.c.n))
            await asyncio.sleep(0.1)

    try:
        await asyncio.gather(*(connected() for _ in range(12)))  # the pool's connections open: none waits to connect
        tasks = [asyncio.create_task(writer(0, hold=0.8))]
        await first_in.wait()
        for n in range(1, 12):
            tasks.append(asyncio.create_task(writer(n)))
            await asyncio.sleep(0.05)  # each one comes a little after the one before
        await asyncio.gather(*tasks)
        async with sessions() as s:
            order = list((await s.execute(select(turns.c.n))).scalars())
        assert order == list(range(12))
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(meta.drop_all)
        await engine.dispose()


async def test_a_writer_that_fails_is_rolled_back_and_the_next_writer_gets_in(db_url: str) -> None:
    """A read hands its connection back without a ROLLBACK on SQLite (it began nothing); a
    writer that fails still has its transaction rolled back: nothing it wrote stays, and the
    next writer, on the same connection, is not refused."""
    from sqlalchemy import Column, Integer, MetaData, Table, insert, select

    from models.db import make_engine, make_sessionmaker, reading

    engine = make_engine(db_url, pool_size=1, max_overflow=0)  # one connection: each use is the same one
    sessions = make_sessionmaker(engine)
    meta = MetaData()
    rows = Table("bench_rolled_back", meta, Column("n", Integer))
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    try:
        async with reading(sessions) as r:
            assert list((await r.execute(select(rows.c.n))).scalars()) == []
        try:
            async with sessions() as s, s.begin():
                await s.execute(insert(rows).values(n=1))
                raise RuntimeError("the use case failed after writing")
        except RuntimeError:
            pass
        async with reading(sessions) as r:
            assert list((await r.execute(select(rows.c.n))).scalars()) == []  # the failed write is gone
        async with asyncio.timeout(5):
            async with sessions() as s, s.begin():
                await s.execute(insert(rows).values(n=2))
        async with reading(sessions) as r:
            assert list((await r.execute(select(rows.c.n))).scalars()) == [2]
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(meta.drop_all)
        await engine.dispose()


# --------------------------------------------------------------------------- a burst through Slack


async def test_a_burst_of_requests_is_decided_a_few_at_a_time_in_the_order_they_came(db_url: str, clock: Clock) -> None:
    """Through the real request path: with VWS_DECIDING_AT_ONCE=2, twelve reps' `/vws status` at
    once run at most two use cases together, and each is answered, the first come first."""
    from dataclasses import replace

    from tests.slack_harness import start_world, stop_world

    world = await start_world(db_url, clock)
    try:
        assert world.services.settings.deciding_at_once == 8  # the default
        await world.slack.slash_command("U0REP1", "help")  # (bolt's first request does its own set-up)
        dispatch = world.services.engine.dispatch
        dispatch.turns = asyncio.Semaphore(2)
        running, most, began = 0, 0, []
        status = dispatch.commands["status"]

        async def slow(core: object, who: object, rest: str) -> object:
            nonlocal running, most
            running += 1
            most = max(most, running)
            began.append(getattr(who, "slack", None))
            try:
                await asyncio.sleep(0.05)  # a use case waiting on its records
                return await status.run(core, who, rest)  # type: ignore[arg-type]
            finally:
                running -= 1

        dispatch.commands["status"] = replace(status, run=slow)  # type: ignore[arg-type]
        try:
            users = ["U0REP1", "U0SEC1", "U0NEM1", "U0GMB1", "U0UNS1", "U0UTE1"] * 2
            sent = []
            for u in users:  # one after another onto the wire, answered together
                sent.append(asyncio.create_task(world.slack.slash_command(u, "status")))
                await asyncio.sleep(0.005)
            answers = await asyncio.gather(*sent)
        finally:
            dispatch.commands["status"] = status
        assert all(a.status == 200 and a.body for a in answers), [(a.status, a.body[:80]) for a in answers]
        assert most == 2, most
        assert began == users  # first come, first decided
    finally:
        await stop_world(world)
