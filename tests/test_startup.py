"""Start-up: a server without Teams configured never loads the Teams SDK (0.4 s of imports),
and nothing but ``vws db`` loads alembic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BUILD = """
import sys
from bot.services import Services
from bot.settings import Settings
from bot.web import create_app
create_app(Services.build(Settings()))
loaded = sorted({m.split('.')[0] for m in sys.modules if m.startswith(('microsoft_agents', 'alembic'))})
print(','.join(loaded) or 'none')
"""


def test_a_slack_only_server_is_built_without_the_teams_sdk_or_alembic(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_APP", "TEAMS_", "VWS_TEAMS"))}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/start.db", SLACK_BOT_TOKEN="xoxb-start",
               SLACK_SIGNING_SECRET="start-secret")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", BUILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "none"


async def test_full_garbage_collections_wait_for_a_quiet_moment_not_a_request() -> None:
    """A full collection of Python's garbage pauses the whole process for milliseconds; left to
    Python it lands in the middle of whichever click is being decided. The server runs them
    itself: none while a request is being decided or just after (requests keep coming), one once
    no request has come or gone for a moment, and one after ``at_most`` seconds whatever the load
    (so memory is still reclaimed under constant traffic)."""
    import asyncio
    import contextlib
    import gc

    from bot.outbox import Requests
    from bot.web import LEFT_TO_QUIET, QuietCollector

    requests = Requests()
    now = [1000.0]
    collected: list[float] = []
    quiet = QuietCollector(requests, quiet=1.0, every=30.0, at_most=300.0, clock=lambda: now[0],
                           collect=lambda: collected.append(now[0]))  # fmt: skip
    requests.started()
    requests.changed_at = now[0] = 1000.0
    for step in range(5):  # a request being decided: never now
        now[0] = 1000.0 + 5 * step
        assert not quiet.due()
    requests.finished()
    requests.changed_at = now[0] = 1020.0
    now[0] = 1020.5
    assert not quiet.due()  # just after one: the next may be on its way
    now[0] = 1021.2
    assert quiet.due()  # quiet for a second: now
    quiet.collected()
    now[0] = 1040.0
    assert not quiet.due()  # quiet, but one ran 19 s ago: not yet
    now[0] = 1051.5
    assert quiet.due()
    quiet.collected()
    requests.started()  # constant traffic from here on
    for t in (1100.0, 1200.0, 1300.0):
        now[0] = requests.changed_at = t
        assert not quiet.due()
    now[0] = 1351.6  # at_most after the last: now, whatever the load
    assert quiet.due()

    ran = asyncio.Event()
    real = QuietCollector(Requests(), quiet=0.01, every=0.0, at_most=60.0, collect=ran.set, look=0.005)
    task = asyncio.get_running_loop().create_task(real.run())
    before = gc.get_threshold()
    try:
        await asyncio.wait_for(ran.wait(), 2.0)  # nothing is happening: it collects
        assert gc.get_threshold()[2] == LEFT_TO_QUIET  # Python's own full collections wait for it
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert gc.get_threshold() == before  # and are back once it stops
