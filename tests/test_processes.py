"""``vws serve --processes 2``: two server processes on one port, each deciding and delivering;
one that dies is started again and nothing it acknowledged is lost; SIGTERM stops them all.

The real command in a child process, against the Slack stand-in, clicked through signed HTTP.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import until_healthy
from bot.sandbox.slack import SlackStandIn
from flows.core.payload import Payload
from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.slack_harness import SECRET, TOKEN, text_of
from tests.test_kill import _free_port, proposals
from tests.test_kill import standin as standin  # noqa: F401 - the Slack stand-in fixture

CLICKS = 8


def _children(parent: int) -> set[int]:
    """The pids of ``parent``'s child processes (from /proc)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    """Running (a zombie, exited but not yet reaped by whoever adopted it, is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def _two_children(parent: int, other_than: set[int] = frozenset(), within: float = 30.0) -> set[int]:  # type: ignore[assignment]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = _children(parent)
        if len(found) == 2 and not (found & other_than):
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"expected two fresh server processes, found {_children(parent)}")


async def test_two_processes_share_the_port_survive_a_kill_and_stop_on_sigterm(
    db_url: str, clock: Clock, standin: SlackStandIn
) -> None:
    slack = standin
    local, employers = await proposals(db_url, clock, CLICKS, "Shared School")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.base_url, "VWS_SLACK_CHANNEL_INTERVAL": "0", "VWS_OUTBOX_LEASE": "1",
           "VWS_LOG_LEVEL": "WARNING"}  # fmt: skip
    env.pop("SLACK_APP_TOKEN", None)
    env.pop("VWS_PROCESSES", None)
    parent = subprocess.Popen(  # noqa: ASYNC220 - the server under test, stopped by hand
        [sys.executable, "-m", "bot.cli", "serve", "--processes", "2", "--no-clock", "--host", "127.0.0.1",
         "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        await until_healthy(port, within=30)
        first = await _two_children(parent.pid)
        slack.connect(f"http://127.0.0.1:{port}/slack/events", SECRET)
        dm = slack.dm_channel("U0SEC1")

        async def click(emp: int) -> None:
            d = await slack.block_action("U0SEC1", "vws:secretary_approve", Payload("secretary_approve", emp, 1).pack(),
                                         channel=dm)  # fmt: skip
            assert d.status == 200, d.problems

        await asyncio.gather(*(click(e) for e in employers[: CLICKS // 2]))
        os.kill(min(first), signal.SIGKILL)  # one of them dies; the other goes on answering
        await asyncio.sleep(0.5)  # (a click sent on a connection to the dead one fails as in Slack, not retried)
        await asyncio.gather(*(click(e) for e in employers[CLICKS // 2:]))
        await _two_children(parent.pid, other_than={min(first)})  # started again
        await until_healthy(port, within=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len([m for m in slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]) >= CLICKS:
                break
            await asyncio.sleep(0.1)
        children = _children(parent.pid)
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(40) == 0
        out = (parent.stdout.read() if parent.stdout else b"").decode()
        assert "2 server processes" in out
        assert len(children) == 2 and not any(_alive(pid) for pid in children)  # all stopped
    finally:
        if parent.poll() is None:
            for pid in _children(parent.pid):
                os.kill(pid, signal.SIGKILL)
            parent.kill()
            parent.wait()
    for emp in employers:
        summary = await local.engine.summary(emp)
        assert summary is not None and summary.stage is Stage.AWAITING_NEM  # every decision was kept
    asked = [m for m in slack.dms_to("U0NEM1") if "Approval needed" in text_of(m)]
    names = sorted(re.match(r"Approval needed: (Shared School \d+)", text_of(m))[1] for m in asked)  # type: ignore[index]
    assert names == sorted(f"Shared School {i}" for i in range(CLICKS))  # each NEM asked once
    await local.close()


def test_a_number_of_processes_that_cannot_be_used_is_refused_with_its_name(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    env.pop("VWS_PROCESSES", None)
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--processes", "0"], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "vws: --processes: give a number from 1 to 64" in done.stderr, done.stderr
    env["VWS_PROCESSES"] = "lots"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "vws: VWS_PROCESSES: Input should be a valid integer" in done.stderr, done.stderr


def test_a_port_in_use_is_refused_with_its_name(db_url: str) -> None:
    import socket

    env = {**os.environ, "DATABASE_URL": db_url}
    env.pop("VWS_PROCESSES", None)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        for processes in ("2", "1"):
            done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--processes", processes, "--host",
                                   "127.0.0.1", "--port", str(port)], capture_output=True, text=True, env=env,
                                  timeout=60)  # fmt: skip
            assert done.returncode == 2 and f"vws: --port: cannot listen on 127.0.0.1:{port}" in done.stderr, done.stderr
            assert "Traceback" not in done.stderr


def test_processes_that_cannot_start_stop_the_whole_server(tmp_path: Path) -> None:
    """A schema not migrated: each process refuses to start (exit 2), and so does the parent,
    rather than starting them again and again."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    env.pop("VWS_PROCESSES", None)
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--processes", "2", "--host", "127.0.0.1",
                           "--port", str(_free_port())], capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Run `vws db upgrade` first" in done.stderr and "a server process could not start" in done.stderr
    assert "Traceback" not in done.stderr


async def test_processes_whose_parent_is_killed_while_they_start_stop_by_themselves(db_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": db_url, "VWS_LOG_LEVEL": "WARNING"}
    env.pop("VWS_PROCESSES", None)
    env.pop("SLACK_APP_TOKEN", None)
    parent = subprocess.Popen(  # noqa: ASYNC220 - killed by hand at once
        [sys.executable, "-m", "bot.cli", "serve", "--processes", "2", "--no-clock", "--host", "127.0.0.1",
         "--port", str(_free_port())], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    children = await _two_children(parent.pid)  # started, not yet serving
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):  # noqa: ASYNC110 - polled
        await asyncio.sleep(0.2)
    left = [pid for pid in children if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "a server process outlived its killed parent"
