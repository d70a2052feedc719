"""The ``vws`` command, run as a user runs it (a subprocess with DATABASE_URL set)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.migrate import head_revision
from flows.signup.journey import TABLE, Action
from tests.conftest import DIRECTORY, PG_URL


def vws(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "VWS_LOG_LEVEL": "WARNING"}
    env.pop("VWS_DIRECTORY", None)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def fresh_url(tmp_path: Path, db_url: str) -> str:
    return db_url if PG_URL else f"sqlite:///{tmp_path / 'cli.db'}"


def test_the_whole_journey_from_the_command_line(fresh_url: str, tmp_path: Path) -> None:
    if not PG_URL:
        refused = vws(fresh_url, "register")
        assert refused.returncode == 2 and "Run `vws db upgrade` first" in refused.stderr
        up = vws(fresh_url, "db", "upgrade")
        assert up.returncode == 0 and f"upgraded from empty to revision {head_revision()}" in up.stdout
    assert "up to date" in vws(fresh_url, "db", "upgrade").stdout

    directory = tmp_path / "directory.yaml"
    directory.write_text(DIRECTORY)
    loaded = vws(fresh_url, "directory", "load", str(directory))
    assert loaded.returncode == 0, loaded.stderr
    assert "added local association Leeds (secretary U0SEC1, NEM U0NEM1)" in loaded.stdout
    assert "nothing changed" in vws(fresh_url, "directory", "load", str(directory)).stdout

    demo = vws(fresh_url, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "=== The next cycle, on a different principle\nOK" in demo.stdout
    assert "Revocation" in demo.stdout

    audit = vws(fresh_url, "audit", "oakfield")
    assert audit.returncode == 0, audit.stderr
    steps = [line.split("  ")[-1].strip() for line in audit.stdout.splitlines()[1:]]  # in words, by the table's rows
    said = [next((a for a in Action if a.value in TABLE and TABLE.row(a).what in step), None) for step in steps]
    assert said[:3] == [Action.PROPOSE, Action.SECRETARY_APPROVE, Action.NEM_APPROVE]
    assert Action.OBJECTIVE_MET in said and said[-1] is Action.REVOKE

    out = vws(fresh_url, "register", "--all", "--csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["employer"], r["status"], r["cycle"], r["principle"]) for r in rows] == [
        ("Oakfield Primary School (demo)", "revoked", "2", "5")
    ]
    assert "No employers in the scheme yet." in vws(fresh_url, "register").stdout


def test_a_bad_directory_file_is_refused_with_the_entry_named(fresh_url: str, tmp_path: Path) -> None:
    vws(fresh_url, "db", "upgrade")
    bad = tmp_path / "bad.yaml"
    bad.write_text(DIRECTORY.replace("UNISON: [U0UNS1]", "UNISON: [someone]"))
    out = vws(fresh_url, "directory", "load", str(bad))
    assert out.returncode == 1
    assert "local_associations[0] (Leeds).partner_reps.UNISON[0]: 'someone' is neither" in out.stderr
    assert "Nothing was loaded." in out.stderr
    assert "No employers" in vws(fresh_url, "register", "--all").stdout


def test_a_setting_that_cannot_be_used_is_refused_with_its_name(fresh_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_url, "VWS_EVENT_LOOP": "fastest", "VWS_TIMEZONE": "Mars/Base"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "outbox"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "vws: VWS_EVENT_LOOP: Input should be 'uvloop' or 'asyncio'" in done.stderr
    assert "vws: VWS_TIMEZONE: 'Mars/Base' is not a known time zone (try Europe/London)" in done.stderr
    sandbox = subprocess.run([sys.executable, "-m", "bot.cli", "sandbox", "--port", "0"], capture_output=True, text=True,
                             env=env, timeout=60)  # fmt: skip
    assert sandbox.returncode == 2 and "Traceback" not in sandbox.stderr, sandbox.stderr
    assert "vws: VWS_EVENT_LOOP: Input should be 'uvloop' or 'asyncio'" in sandbox.stderr


def test_the_bot_runs_on_uvloop_where_it_is_installed_and_on_asyncio_when_asked() -> None:
    from bot.cli import run_loop

    async def loop_kind() -> str:
        return type(asyncio.get_running_loop()).__module__.split(".")[0]

    assert run_loop(loop_kind(), "asyncio") == "asyncio"
    assert run_loop(loop_kind(), "uvloop") == ("uvloop" if sys.platform != "win32" else "asyncio")
