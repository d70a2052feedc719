"""The sandbox in a real browser: the whole journey, clicked through as each person.

Playwright for Python drives Debian's ``chromium`` (headless, through its executable path:
Playwright cannot download its own browser here). Screenshots go to ``test-artifacts/sandbox/``.
Skipped, saying why, when chromium or playwright is missing; ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import Sandbox

CHROMIUM = os.environ.get("VWS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "sandbox"
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]

try:
    from playwright.async_api import Page, async_playwright, expect
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None  # type: ignore[assignment]

# On a developer's machine without a browser the test is skipped; CI sets VWS_REQUIRE_BROWSER so
# that a missing browser fails the run instead of passing it quietly.
_MISSING = (
    "playwright is not installed (pip install playwright)" if async_playwright is None
    else f"no chromium at {CHROMIUM} (apt-get install chromium)" if not Path(CHROMIUM).exists()
    else None
)
if _MISSING and os.environ.get("VWS_REQUIRE_BROWSER"):
    raise RuntimeError(f"VWS_REQUIRE_BROWSER is set but {_MISSING}")
pytestmark = [pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")]

REP, SEC, NEM, GMB, UNISON, UNITE, NATIONAL = "U0REP1", "U0SEC1", "U0NEM1", "U0GMB1", "U0UNS1", "U0UTE1", "U0NAT1"
EMPLOYER = "Oakfield <Primary> & Co"


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    # A Monday morning in term time, so working-day rules and reminders behave as on a school day.
    box = Sandbox(tmp_path, start_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    await box.start()
    if not box.bot_running:
        await box.stop()
        pytest.fail(f"the bot could not start in the sandbox: {box.bot_problem}")
    yield box
    await box.stop()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    assert async_playwright is not None
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
        tab = await context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
        await browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


async def be(page: Page, who: str) -> None:
    await page.click(f'[data-persona="{who}"]')
    await expect(page.locator(f'[data-persona="{who}"]')).to_have_attribute("aria-pressed", "true")
    await expect(page.locator(".conv").first).to_be_visible()


async def open_conv(page: Page, name: str) -> None:
    """Open a conversation by its name (``vws``: the app) or, ending in ``*``, a name's beginning."""
    match = f'^="{name[:-1]}"' if name.endswith("*") else f'="{name}"'
    await page.click(f".conv[data-conv-name{match}]")
    await expect(page.locator(f".conv.active[data-conv-name{match}]")).to_be_visible()


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def last_message(page: Page) -> Any:
    return page.locator("#messages .msg").last


async def test_the_journey_in_the_browser(sandbox: Sandbox, page: Page) -> None:
    await page.goto(sandbox.url)
    await expect(page.locator("#welcome")).to_be_visible()
    await expect(page.locator(".persona")).to_have_count(len(sandbox.personas))
    await expect(page.locator(f'[data-persona="{GMB}"]')).to_contain_text("GMB rep")
    await shot(page, "00-welcome")

    # --- the rep proposes, through /vws and the modal (a required field is checked first)
    await be(page, REP)
    await page.fill("#composer", "/vws propose")
    await page.press("#composer", "Enter")
    modal = page.locator(".modal")
    await expect(modal).to_be_visible()
    await page.click("#modal-submit")
    await expect(modal.locator('[data-block-id="employer_name"] .bk-error')).to_be_visible()
    await page.fill('[data-block-id="employer_name"] input', EMPLOYER)
    await page.check('[data-block-id="employer_kind"] input[value="school"]')
    await page.select_option('[data-block-id="association"] select', "Leeds")
    await page.fill('[data-block-id="case_for"] textarea',
                    "The head asked about *staff wellbeing*.\nSee <@U0SEC1> & <!channel>")
    await shot(page, "01-rep-propose-modal")
    await page.click("#modal-submit")
    await expect(modal).to_have_count(0)
    await expect(last_message(page)).to_contain_text("Local Association Secretary")
    await expect(last_message(page)).to_contain_text(EMPLOYER)  # escaped text shown as typed
    await shot(page, "02-rep-proposed")

    # --- the Secretary approves from their DM
    await be(page, SEC)
    request = last_message(page)
    await expect(request).to_contain_text("Approval needed")
    await expect(request.locator(".bk-header")).to_contain_text("Oakfield")
    await expect(request).to_contain_text("<@U0SEC1> & <!channel>")  # user text never becomes a mention
    await expect(request.locator(".bk-btn.bk-primary")).to_have_text("Approve")
    await expect(request.locator(".bk-btn.bk-danger")).to_have_text("Reject")
    await expect(request.locator(".mention").first).to_have_text("@Rita")
    await shot(page, "03-secretary-request")
    await request.locator(".bk-btn.bk-primary").click()
    await expect(page.locator("#messages .msg").first).to_contain_text("Approved by")
    await expect(page.locator("#messages .msg").first.locator(".bk-btn")).to_have_count(0)
    await shot(page, "04-secretary-approved")

    # --- the NEM approves
    await be(page, NEM)
    await expect(last_message(page)).to_contain_text("Approval needed")
    await last_message(page).locator(".bk-btn.bk-primary").click()
    await expect(page.locator("#messages .msg").first).to_contain_text("Approved by")
    await shot(page, "05-nem-approved")

    # --- the partner unions: GMB and UNISON by button, Unite by a thread reply "agree"
    for who, union in ((GMB, "GMB"), (UNISON, "UNISON")):
        await be(page, who)
        await open_conv(page, "vws-oakfield*")
        root = page.locator("#messages .msg").first
        await expect(root.locator(".bk-btn.bk-primary")).to_be_visible()
        if who == GMB:
            await shot(page, "06-gmb-partner-channel")
        await root.locator(".bk-btn.bk-primary").click()
        await expect(page.locator("#messages")).to_contain_text(f"{union}")
        await expect(page.locator(".thread-link").first).to_be_visible()

    await be(page, UNITE)
    await open_conv(page, "vws-oakfield*")
    await page.locator("#messages .msg").first.hover()
    await page.locator("#messages .msg").first.locator(".reply-btn").click()
    await expect(page.locator("#thread")).to_be_visible()
    await page.fill("#thread-composer", "agree")
    await page.press("#thread-composer", "Enter")
    await expect(page.locator("#thread-messages")).to_contain_text("all three", timeout=10_000)
    await shot(page, "07-unite-agrees-in-thread")

    # --- what the rep sees now
    await be(page, REP)
    await expect(page.locator(".conv", has_text="vws-oakfield")).to_have_count(1)
    await expect(page.locator("#messages")).to_contain_text("have all agreed", timeout=10_000)
    await shot(page, "08-rep-all-agreed")

    # --- the App Home tab
    await page.click('#tabs button[data-tab="home"]')
    await expect(page.locator(".home-view")).to_be_visible(timeout=10_000)
    await expect(page.locator(".home-view")).to_contain_text("Oakfield")
    await shot(page, "09-rep-home")
    await page.click('#tabs button[data-tab="messages"]')

    # --- the clock moves; the page shows the new date
    await page.click('[data-step="week"]')
    await expect(page.locator("#clock-label")).to_contain_text("30 November 2026")
    await shot(page, "10-clock-moved")

    # --- the rep chooses the route and records the introduction, in the channel's thread
    await open_conv(page, "vws-oakfield*")
    await page.locator(".thread-link").first.click()
    thread = page.locator("#thread")
    await thread.locator('.bk-btn[data-action-id="vws:choose_route"]').first.click()
    await expect(thread).to_contain_text("Route agreed")
    await thread.locator('.bk-btn[data-action-id="vws:introduce"]').click()
    await expect(thread.locator('.bk-btn[data-action-id="vws:agree_plan"]')).to_be_visible()

    # --- the action plan, through a modal with radio buttons, multi-line text and date pickers
    await thread.locator('.bk-btn[data-action-id="vws:agree_plan"]').click()
    await expect(modal).to_be_visible()
    await page.check('[data-block-id="principle"] input[value="2"]')
    await page.fill('[data-block-id="objectives"] textarea', "Introduce mental health first aiders")
    await page.fill('[data-block-id="activities"] textarea', "Train six members of staff\nas first aiders")
    await page.fill('[data-block-id="success_criteria"] textarea', "Six trained by the spring")
    await page.fill('[data-block-id="review_on"] input', "2027-01-15")
    await shot(page, "11-plan-modal")
    await page.click("#modal-submit")
    await expect(modal).to_have_count(0)
    await expect(page.locator("#thread-messages, #messages")).to_contain_text(["joined"], timeout=10_000)
    await shot(page, "12-plan-agreed")

    # --- a month on, past the review date: the reminder sweep runs and the review falls due
    await page.fill("#clock-to", "2027-01-18")
    await page.click("#clock-form button")
    await expect(page.locator("#clock-label")).to_contain_text("18 January 2027")
    await open_conv(page, "vws")
    await expect(page.locator("#messages .msg").last).to_contain_text("Review due", timeout=10_000)
    await expect(page.locator("#messages .day").last).to_contain_text("January 2027")
    await shot(page, "13-rep-review-due")
