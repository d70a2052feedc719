"""The sandbox starts with a Best Value Code adoption in progress, in its own private channel."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox.server import Sandbox
from flows.directory import Who
from tests.slack_harness import text_of


async def test_a_fresh_sandbox_has_an_adoption_in_progress(tmp_path: Path) -> None:
    box = Sandbox(tmp_path, start_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    await box.start()
    try:
        assert box.bot_running and box.standin is not None and box.services is not None
        channel = box.standin.channel_id("vws-code-leeds-city-council-demo")
        assert {"U0GMB1", "U0UNS1", "U0SEC1"} <= set(box.standin.members(channel))
        root = box.standin.messages_in(channel)[0]
        thread = box.standin.thread(channel, root["ts"])
        sections = [m for m in thread if "Section " in text_of(m) and " settled)" in text_of(m)]
        assert len(sections) == 12 and "(5 of 5 settled)" in text_of(sections[0])
        status = await box.services.engine.dispatch.command(Who(slack="U0UNS1"), "code status")
        assert "1. Consultation and involvement in Best Value: 5/5 settled" in status.reply_text  # type: ignore[union-attr]
    finally:
        await box.stop()
