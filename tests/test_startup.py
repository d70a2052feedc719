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
