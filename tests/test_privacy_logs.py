"""Logs hold no SQL parameters, typed text, names, e-mails or chat ids, at any level, on errors too.

A database error's text quotes what was written (PostgreSQL's ``DETAIL: Key (email)=(...)``, and
without ``hide_parameters`` SQLAlchemy's ``[parameters: ...]``); a library that logs the exception
(bolt's listener runner, the Agents SDK's turn error) would put it in the log. The requests here
go through the real request paths and fail on a real database error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import insert

from flows.core.dispatch import Dispatcher
from flows.directory import Who
from models.db import make_engine, make_sessionmaker
from models.tables import Employer, Person
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, start_world, stop_world
from tests.test_teams import Teams, standin, teams, teams_services  # noqa: F401 - fixtures

TYPED = "A reason typed by Rita about her school, never for the logs"
SECRETS = ("rep@unite.example.org", "Rita Rep", "Sam Secretary", "U0REP1", "U0SEC1", TYPED, "Oakfield")


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


def _failing_command(sessions: Any) -> Any:
    async def command(self: Dispatcher, who: Who, text: str) -> Any:
        # A real constraint violation, with typed text, a name and an e-mail among the parameters.
        async with sessions() as s, s.begin():
            for _ in range(2):
                await s.execute(insert(Person).values(email="rep@unite.example.org", name=f"Rita Rep: {TYPED}"))
        raise AssertionError("the insert above must fail")

    return command


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    # Everything any handler would write: messages and tracebacks, every logger, every level.
    return caplog.text + "\n".join(r.getMessage() for r in caplog.records)


async def test_a_database_error_during_a_slack_command_leaves_nothing_personal_in_the_logs(
    world: SlackWorld, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("slack_bolt", "sqlalchemy.engine", "aiosqlite", "asyncpg", "aiohttp"):
        logging.getLogger(name).setLevel(logging.DEBUG)  # as low as anyone could set them
    monkeypatch.setattr(Dispatcher, "command", _failing_command(world.services.sessions))
    try:
        d = await world.slack.slash_command("U0REP1", f"propose {TYPED}")
        assert d.status in (200, 500)
    finally:
        for name in ("slack_bolt", "sqlalchemy.engine", "aiosqlite", "asyncpg", "aiohttp"):
            logging.getLogger(name).setLevel(logging.WARNING)
    logged = _logged(caplog)
    assert "IntegrityError" in logged  # the failure is logged: by its kind, where it happened
    for secret in SECRETS:
        assert secret not in logged, secret
    assert "[parameters:" not in logged and "DETAIL" not in logged


async def test_a_database_error_during_a_teams_turn_leaves_nothing_personal_in_the_logs(
    teams: Teams, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(Dispatcher, "command", _failing_command(teams.services.sessions))
    await teams.post(teams.activity("rep", text=f"propose {TYPED}"))
    logged = _logged(caplog)
    assert "IntegrityError" in logged
    for secret in (*SECRETS, "Rita Rep"):
        assert secret not in logged, secret
    assert "[parameters:" not in logged and "DETAIL" not in logged


async def test_an_unreachable_database_during_a_request_is_logged_by_kind_only(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dead = make_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    world.services.engine.sessions = make_sessionmaker(dead)
    try:
        d = await world.slack.slash_command("U0REP1", f"propose {TYPED}")
        assert d.status == 200
    finally:
        await dead.dispose()
        world.services.engine.sessions = world.services.sessions
    logged = _logged(caplog)
    assert "unreachable" in logged
    for secret in SECRETS:
        assert secret not in logged, secret


async def test_an_integrity_error_logged_with_its_traceback_keeps_its_kind_and_loses_its_words(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Whoever logs a database exception (our code or a library), its words do not reach the log."""
    from bot.logs import install_redaction

    install_redaction()
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    caplog.set_level(logging.DEBUG)
    try:
        async with sessions() as s, s.begin():
            s.add(Person(email="rep@unite.example.org", name="Rita Rep"))
        async with sessions() as s, s.begin():
            await s.execute(insert(Employer).values(name="Oakfield", name_key="oakfield", kind="school",
                                                    association_id=999, proposer_id=999, origin="x",
                                                    case_for=TYPED, stage="draft"))  # fmt: skip
    except Exception as exc:  # noqa: BLE001
        logging.getLogger("some.library").error("failed: %s (%r)", exc, exc.orig if hasattr(exc, "orig") else exc,
                                                exc_info=True)  # fmt: skip
    finally:
        await engine.dispose()
    logged = _logged(caplog)
    assert "IntegrityError" in logged and "failed:" in logged
    for secret in SECRETS:
        assert secret not in logged, secret


async def test_what_a_click_sends_slack_is_not_even_formatted_for_slack_sdks_debug_log(
    world: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """slack_sdk formats each request's whole payload (names, what was typed) for a debug line
    whenever its own logger's level is unset, whatever the level it would be logged at; the bot
    sets those loggers' levels, so the payload is never formatted (nor costs the time to)."""
    from tests.test_away import propose, requests_in

    formatted: list[str] = []
    debug = logging.Logger.debug

    def seen(self: logging.Logger, msg: object, *args: object, **kwargs: Any) -> None:
        if self.name.startswith("slack_sdk"):
            formatted.append(self.name)
        debug(self, msg, *args, **kwargs)

    monkeypatch.setattr(logging.Logger, "debug", seen)
    await propose(world)
    await world.click("U0SEC1", requests_in(world, "U0SEC1")[-1], "Approve")
    assert requests_in(world, "U0NEM1"), "the NEM was asked (through the Web API and the response_url)"
    assert formatted == []
