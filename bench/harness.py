"""What the request-path benchmarks share: a fresh database (SQLite file or a new PostgreSQL
database), the real server (aiohttp + bolt app + outbox worker) wired to the Slack stand-in, and
a way to time a request from when it is sent to when its effect reaches the stand-in (the modal
opened, the Home tab published, the next person's DM posted).

The stand-in runs in the benchmark's own process and event loop, so its work loads the same
CPU as the bot's; every figure is reported beside a baseline measured the same way in the same
run (10 employers against 30,000, or a minimal peer app), and the ratio is what counts.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import outbox
from bot.migrate import upgrade
from bot.sandbox.slack import SlackStandIn
from bot.sandbox.slack.model import Call
from bot.services import Services
from bot.settings import Settings
from models.db import make_engine

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ROOT = str(Path(__file__).resolve().parents[1])


@asynccontextmanager
async def database(kind: str, pg: str = PG) -> AsyncIterator[str]:
    """A URL for an empty database of ``kind`` ("SQLite" or "PostgreSQL"), removed afterwards."""
    if kind == "SQLite":
        with tempfile.TemporaryDirectory(prefix="vws-bench-") as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        return
    url = make_url(pg)
    name = f"vws_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def analyze(services: Services) -> None:
    """Fresh planner statistics after bulk loading (PostgreSQL; SQLite's ANALYZE likewise)."""
    async with services.db.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))
        await conn.commit()


@dataclass
class World:
    """``vws serve`` in a child process (as an operator runs it: its own CPU, its outbox worker),
    the stand-in it talks to, and the bench's own services on the same database (for the
    reminder sweep and for watching the outbox)."""

    slack: SlackStandIn
    services: Services
    proc: subprocess.Popen[bytes]
    healthy_s: float  # from starting `vws serve` to /healthz answering 200

    @property
    def events_url(self) -> str:
        return str(self.slack.events_url)

    async def close(self) -> None:
        stop_server(self.proc)
        await self.services.close()
        await self.slack.stop()

    async def idle(self, within: float = 600.0) -> None:
        """Until the outbox has nothing waiting (what the requests wrote is delivered)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            waiting = await outbox.counts(self.services.sessions)
            if not waiting.get("pending") and not waiting.get("claimed"):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError("the outbox did not empty")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve_bot(
    url: str,
    users: Iterable[str] = (),
    *,
    fill: Callable[[Services], Awaitable[Any]] | None = None,
    env: dict[str, str] | None = None,
) -> World:
    """Migrate ``url``, let ``fill`` write its data, then start ``vws serve`` on it against a
    stand-in that knows ``users``; returns once /healthz says 200."""
    slack = SlackStandIn(token=TOKEN)
    await slack.start()
    for uid in users:
        slack.add_user(uid, uid.lower())
    services = Services.build(Settings(DATABASE_URL=url))
    await upgrade(services.db)
    if fill is not None:
        await fill(services)
        await analyze(services)
    port = free_port()
    child_env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                 "SLACK_API_URL": slack.base_url, "VWS_LOG_LEVEL": "WARNING", **(env or {})}  # fmt: skip
    for name in ("SLACK_APP_TOKEN", "VWS_DIRECTORY", "MICROSOFT_APP_ID"):
        child_env.pop(name, None)
    proc, healthy = await start_server(
        ["-m", "bot.cli", "serve", "--no-clock", "--host", "127.0.0.1", "--port", str(port)], port, child_env)
    slack.connect(f"http://127.0.0.1:{port}/slack/events", SECRET)
    return World(slack, services, proc, healthy)


async def start_server(argv: list[str], port: int, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], float]:
    """``python argv`` in a child process; returns it and the seconds until /healthz said 200."""
    start = time.perf_counter()
    proc = subprocess.Popen(  # noqa: ASYNC220 - a child process for the length of the benchmark
        [sys.executable, *argv], env=env, stdout=subprocess.DEVNULL, stderr=None,
        cwd=ROOT,
    )  # fmt: skip
    try:
        await until_healthy(port, proc=proc, what=" ".join(argv))
    except RuntimeError:
        proc.kill()
        raise
    return proc, time.perf_counter() - start


async def until_healthy(port: int, *, within: float = 60.0, proc: subprocess.Popen[bytes] | None = None,
                        what: str = "vws serve") -> None:  # fmt: skip
    """Wait until http://127.0.0.1:``port``/healthz says 200; RuntimeError if ``proc`` exits first
    or ``within`` seconds pass."""
    deadline = time.perf_counter() + within
    async with aiohttp.ClientSession() as http:
        while True:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{what} exited")
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{what} did not become healthy in {within:g} s")
            await asyncio.sleep(0.02)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def reached(slack: SlackStandIn, since: int, match: Callable[[Call], bool], *, within: float = 30.0) -> Call:
    """The first call recorded at or after index ``since`` that ``match``es, waiting for it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    seen = since
    while True:
        calls = slack.calls()
        for call in calls[seen:]:
            if match(call):
                return call
        seen = len(calls)
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError("the stand-in never saw what the request should have done")
        changed = slack._changed  # the stand-in's own "something changed" event
        try:
            await asyncio.wait_for(changed.wait(), remaining)
        except TimeoutError:
            continue


def pct(values: list[float], p: int) -> float:
    """The ``p``th percentile, in milliseconds."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


class Failed(Exception):
    """A request the bot answered with a refusal or an apology instead of doing it."""


class Timings(list[float]):
    """Seconds each request took, and how many failed (not counted in the timings)."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = 0


async def concurrently(n: int, jobs: list[Callable[[], Awaitable[float]]]) -> Timings:
    """Run ``jobs`` with at most ``n`` in flight; their timings in completion order."""
    out = Timings()
    queue = list(reversed(jobs))

    async def worker() -> None:
        while queue:
            try:
                out.append(await queue.pop()())
            except (Failed, TimeoutError):
                out.failed += 1

    await asyncio.gather(*(worker() for _ in range(min(n, len(jobs)))))
    return out


def is_dm_to(slack: SlackStandIn, user: str) -> Callable[[Call], bool]:
    dm = slack.dm_channel(user)

    def match(call: Call) -> bool:
        return call.method == "chat.postMessage" and call.ok and call.args.get("channel") in (user, dm)

    return match
