"""Acknowledged means done, with the real server process killed (SIGKILL) straight after it
answered Slack, and started again on the same database: nothing it acknowledged is lost.

``vws serve`` runs as a child process against the Slack stand-in; each trial is the Secretary's
Approve, answered, then the process killed before it could do anything else; the restarted
process must still ask the NEM (once: a message cut off by the kill is found by its metadata, not
posted again) and tell the Secretary.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.sandbox.slack import SlackStandIn
from bot.services import Services
from bot.settings import Settings
from flows.core.payload import Payload
from flows.signup.journey import Stage
from tests.conftest import DIRECTORY, REP, Clock
from tests.slack_harness import SECRET, TOKEN, USERS, text_of

TRIALS = 10
PROPOSAL = {
    "employer_kind": "school",
    "association": "Leeds",
    "case_for": "The head has asked the unions how to improve staff wellbeing.",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``vws serve`` in a child process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - a child process the test kills by hand
            [sys.executable, "-m", "bot.cli", "serve", "--no-clock", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"vws serve exited: {self.proc.stderr.read().decode()[-2000:] if self.proc.stderr else ''}")
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("vws serve did not become healthy")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    slack = SlackStandIn(token=TOKEN)
    await slack.start()
    for uid, name in USERS.items():
        slack.add_user(uid, name, email=f"{name}@example.org")
    yield slack
    await slack.stop()


async def proposals(db_url: str, clock: Clock, count: int, name: str) -> tuple[Services, list[int]]:
    """``count`` proposals ("{name} 0" …) waiting for the Secretary, made here with the outbox off
    (only the clicks on them are under test); the services, and the employers' ids."""
    local = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await local.start()
    await local.load_directory(DIRECTORY)
    local.engine.outbox = False
    employers = []
    for i in range(count):
        out = await local.engine.propose(REP, {**PROPOSAL, "employer_name": f"{name} {i}"})
        assert out.ok
        employers.append(out.employer_id)
    return local, employers


async def test_a_server_killed_right_after_each_ack_loses_nothing(
    db_url: str, clock: Clock, standin: SlackStandIn
) -> None:
    local, employers = await proposals(db_url, clock, TRIALS, "Killed School")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.base_url,
        "VWS_SLACK_CHANNEL_INTERVAL": "0",
        "VWS_OUTBOX_LEASE": "1",  # a dead process's claims are taken over after a second
        "VWS_LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_APP_TOKEN", None)
    # Two servers take turns, so one starts again while the other is clicked.
    servers = [Server(env), Server(env)]
    starting = [asyncio.ensure_future(s.start()) for s in servers]
    dm = standin.dm_channel("U0SEC1")
    try:
        for i, emp in enumerate(employers):
            server = servers[i % 2]
            await starting[i % 2]
            standin.connect(server.events_url, SECRET)
            value = Payload("secretary_approve", emp, 1).pack()
            d = await standin.block_action("U0SEC1", "vws:secretary_approve", value, channel=dm)
            server.kill()  # straight after Slack got its answer
            assert d.status == 200, d.problems
            starting[i % 2] = asyncio.ensure_future(server.start())  # the same database, a new process
        await asyncio.gather(*starting)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            asked = [m for m in standin.dms_to("U0NEM1") if "Approval needed" in text_of(m)]
            told = [e for e in standin.ephemerals("U0SEC1") if "You approved" in e["text"]]
            if len(asked) >= TRIALS and len(told) >= TRIALS:
                break
            await asyncio.sleep(0.1)
    finally:
        for task in starting:
            task.cancel()
        for server in servers:
            if server.proc is not None and server.proc.poll() is None:
                server.kill()
    for emp in employers:
        summary = await local.engine.summary(emp)
        assert summary is not None and summary.stage is Stage.AWAITING_NEM  # every decision was kept
    asked = [m for m in standin.dms_to("U0NEM1") if "Approval needed" in text_of(m)]
    told = [e for e in standin.ephemerals("U0SEC1") if "You approved" in e["text"]]
    names = sorted(re.match(r"Approval needed: (Killed School \d+)", text_of(m))[1] for m in asked)  # type: ignore[index]
    assert names == sorted(f"Killed School {i}" for i in range(TRIALS))  # each once: 0 lost of 10
    # The Secretary was told each time too. An answer shown only to them (ephemeral) cannot be
    # looked up afterwards, so one cut off by the kill may be shown again; never missing.
    assert {re.search(r"You approved (Killed School \d+)", e["text"])[1] for e in told} == {  # type: ignore[index]
        f"Killed School {i}" for i in range(TRIALS)
    }
    await local.close()
