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
