"""``vws serve --processes N``: one listening socket, N server processes taking turns on it.

One process runs on one core (Python's event loop); a burst of forms or clicks on a machine with
more cores is answered sooner by several. The parent opens the socket and starts the processes
(each a whole ``vws serve`` with its own database connections and outbox worker, on PostgreSQL
claiming with ``FOR UPDATE SKIP LOCKED``, on SQLite taking the write lock in turn); it holds no
database connection itself. A process that dies is started again; SIGTERM or SIGINT stops them
all, each finishing what it is doing; one that refuses to start (exit 2: a setting that cannot be
used, a schema not migrated) stops them all. The reminder clock runs in the first process only,
when it runs in the server at all. A process whose parent is gone stops by itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

log = logging.getLogger(__name__)

#: A process that dies sooner than this after it started is started again only after a pause.
QUICK_DEATH = 5.0
STOP_WITHIN = 30.0


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket every process accepts on (inherited by them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024)
    sock.set_inheritable(True)
    return sock


def child_argv(index: int, fd: int, *, with_clock: bool | None, host: str, port: int) -> list[str]:
    """The command line of process ``index`` (0 is the first), accepting on inherited ``fd``."""
    argv = [sys.executable, "-m", "bot.cli", "serve", "--socket-fd", str(fd), "--process-index", str(index),
            "--parent-pid", str(os.getpid()), "--host", host, "--port", str(port)]  # fmt: skip
    clock = with_clock if index == 0 else False
    if clock is True:
        argv.append("--with-clock")
    elif clock is False:
        argv.append("--no-clock")
    return argv


def supervise(count: int, host: str, port: int, *, with_clock: bool | None, env: dict[str, str] | None = None) -> int:
    """Run ``count`` server processes on one socket until SIGTERM or SIGINT; returns the exit code."""
    if sys.platform == "win32":  # (a socket cannot be handed to a child process there)
        print("vws: --processes: several server processes need Linux or macOS; run one per port instead", file=sys.stderr)
        return 2
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        print(cannot_listen(host, port, exc), file=sys.stderr)
        return 2
    fd = sock.fileno()
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    children: dict[int, tuple[subprocess.Popen[bytes], float]] = {}
    waits: dict[int, float] = {}  # index: when it may be started again

    def start(i: int) -> None:
        argv = child_argv(i, fd, with_clock=with_clock, host=host, port=port)
        children[i] = (subprocess.Popen(argv, pass_fds=(fd,), env=env), time.monotonic())  # noqa: S603 - our own command

    print(f"VWS Bot: {count} server processes on http://{host}:{port} (health: /healthz); SIGTERM stops them.",
          flush=True)  # fmt: skip
    try:
        for i in range(count):
            start(i)
        while not stopping:
            now = time.monotonic()
            for i, (proc, started) in list(children.items()):
                if proc.poll() is None:
                    continue
                del children[i]
                quick = now - started < QUICK_DEATH
                if proc.returncode == 2:  # it refused to start (a setting, the schema): another try would too
                    print("vws: a server process could not start (its reason is above); stopping", file=sys.stderr)
                    return 2
                log.warning("serve: process %d stopped (exit %s); starting it again%s", i, proc.returncode,
                            " in a few seconds" if quick else "")  # fmt: skip
                waits[i] = now + (QUICK_DEATH if quick else 0.0)
            for i, at in list(waits.items()):
                if at <= now:
                    del waits[i]
                    start(i)
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop_all([p for p, _ in children.values()])
        sock.close()
    return 0


def _stop_all(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_WITHIN
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cannot_listen(host: str, port: int, exc: OSError) -> str:
    """What ``vws serve`` says when it cannot listen (the port is taken, or not this machine's address)."""
    return f"vws: --port: cannot listen on {host}:{port} ({exc.strerror or type(exc).__name__})"


async def until_parent_gone(parent: int, stopping: asyncio.Event) -> None:
    """One of the processes stops (sets ``stopping``) when ``parent``, the supervisor's pid, is
    no longer its parent: killed, not stopped. (No event says so: it is polled.)"""
    while os.getppid() == parent:  # noqa: ASYNC110 - polled
        await asyncio.sleep(1.0)
    log.warning("serve: the supervising process is gone; stopping")
    stopping.set()
