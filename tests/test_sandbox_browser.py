"""The sandbox in a real browser: the whole journey, clicked through as each person, and the
start of it again on a phone (390 x 844, touch), where the menu, the form and the clock must fit.

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


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """The screenshots folder, emptied once for the tests in this file."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


async def _browse(**context: Any) -> AsyncIterator[Page]:
    assert async_playwright is not None
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        tab = await (await browser.new_context(locale="en-GB", **context)).new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
        await browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
async def page(artifacts: Path) -> AsyncIterator[Page]:
    async for tab in _browse(viewport={"width": 1440, "height": 900}):
        yield tab


PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def phone(artifacts: Path) -> AsyncIterator[Page]:
    async for tab in _browse(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
                             reduced_motion="reduce"):  # the menu opens at once, not sliding in
        yield tab


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
    # Seven weeks of daily sweeps (every process's reminders): give them time on a busy machine.
    await expect(page.locator("#clock-label")).to_contain_text("18 January 2027", timeout=30_000)
    await open_conv(page, "vws")
    await expect(page.locator("#messages .msg").last).to_contain_text("Review due", timeout=10_000)
    await expect(page.locator("#messages .day").last).to_contain_text("January 2027")
    await shot(page, "13-rep-review-due")


# ---------------------------------------------------------------- on a phone


async def on_screen(page: Page, selector: str) -> None:
    """``selector`` is wholly inside the phone's screen, so it can be seen and tapped."""
    await expect(page.locator(selector)).to_be_visible()
    box = await page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= PHONE["width"] + 0.5, (selector, box)
    assert box["y"] + box["height"] <= PHONE["height"] + 0.5, (selector, box)


async def fits(page: Page) -> None:
    """Nothing sticks out sideways: the page is no wider than the phone."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


async def drafts(page: Page) -> list[str]:
    """The modal drafts the page keeps in this tab's sessionStorage."""
    keys: list[str] = await page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('vws-draft:'))")
    return keys


async def be_on_phone(page: Page, who: str, screenshot: str | None = None) -> None:
    await page.locator("#menu-button").tap()
    await expect(page.locator("#drawer")).to_be_visible()
    await on_screen(page, f'[data-persona="{who}"]')
    if screenshot:
        await shot(page, screenshot)
    await page.locator(f'[data-persona="{who}"]').tap()
    await expect(page.locator(f'[data-persona="{who}"]')).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#drawer")).to_be_hidden()  # the menu closes on a choice
    await on_screen(page, "#messages")


async def test_on_a_phone_propose_and_approve_by_tapping(sandbox: Sandbox, phone: Page) -> None:
    page = phone
    await page.goto(sandbox.url)
    await expect(page.locator("#welcome")).to_be_visible()
    await expect(page.locator("#drawer")).to_be_hidden()  # the people are behind the menu
    await on_screen(page, "#menu-button")
    await fits(page)
    await shot(page, "phone-00-welcome")
    await page.locator("#menu-button").tap()
    await on_screen(page, f'[data-persona="{REP}"]')
    await shot(page, "phone-01-menu")
    await page.locator(f'[data-persona="{REP}"]').tap()
    await expect(page.locator("#drawer")).to_be_hidden()

    # --- the conversation has the whole width (once the drawer's slide has finished)
    for _ in range(100):
        box = await page.locator("#messages").bounding_box()
        if box is not None and box["x"] == 0 and box["width"] == PHONE["width"]:
            break
        await page.wait_for_timeout(50)
    assert box is not None and box["x"] == 0 and box["width"] == PHONE["width"], box
    await on_screen(page, "#composer")
    await page.locator("#composer").tap()
    await page.fill("#composer", "/vws propose")
    await page.locator("#composer-form .send").tap()
    modal = page.locator(".modal")
    await expect(modal).to_be_visible()
    await on_screen(page, ".modal")
    await on_screen(page, "#modal-submit")
    await on_screen(page, "#modal-close")
    await fits(page)

    # --- what is typed survives a reload of the page
    await page.fill('[data-block-id="employer_name"] input', EMPLOYER)
    await page.locator('[data-block-id="employer_kind"] label', has_text="School").tap()
    await page.select_option('[data-block-id="association"] select', "Leeds")
    await page.fill('[data-block-id="case_for"] textarea', "Asked about staff wellbeing")
    await page.reload()
    await expect(modal).to_be_visible()
    await expect(page.locator('[data-block-id="employer_name"] input')).to_have_value(EMPLOYER)
    await expect(page.locator('[data-block-id="employer_kind"] input[value="school"]')).to_be_checked()
    await expect(page.locator('[data-block-id="association"] select')).to_have_value("Leeds")
    await expect(page.locator('[data-block-id="case_for"] textarea')).to_have_value("Asked about staff wellbeing")
    await on_screen(page, "#modal-submit")
    await shot(page, "phone-02-propose-form")
    await page.locator("#modal-submit").tap()
    await expect(modal).to_have_count(0)
    await expect(last_message(page)).to_contain_text("Local Association Secretary")
    await fits(page)
    await shot(page, "phone-03-proposed")
    assert await drafts(page) == []  # a submitted form's draft is gone

    # --- a cancelled form's draft goes too
    await page.fill("#composer", "/vws propose")
    await page.locator("#composer-form .send").tap()
    await page.fill('[data-block-id="employer_name"] input', "Not this one")
    assert len(await drafts(page)) == 1
    await page.locator("#modal-close").tap()
    await expect(modal).to_have_count(0)
    assert await drafts(page) == []

    # --- the Secretary approves, having picked themselves through the menu
    await be_on_phone(page, SEC, "phone-04-menu-with-conversations")
    request = last_message(page)
    await expect(request).to_contain_text("Approval needed")
    await request.locator(".bk-btn.bk-primary").scroll_into_view_if_needed()
    await on_screen(page, "#messages .msg >> nth=-1 >> .bk-btn.bk-primary")
    await fits(page)
    await shot(page, "phone-05-approval-request")
    await request.locator(".bk-btn.bk-primary").tap()
    await expect(page.locator("#messages .msg").first).to_contain_text("Approved by")
    await shot(page, "phone-06-approved")

    # --- App Home fits, and the clock is in reach
    await page.locator('#tabs button[data-tab="home"]').tap()
    await expect(page.locator(".home-view")).to_be_visible(timeout=10_000)
    await fits(page)
    await shot(page, "phone-07-home")
    await page.locator("#clock-toggle").tap()
    await on_screen(page, '[data-step="day"]')
    await on_screen(page, "#clock-form button")
    await shot(page, "phone-08-clock-moves")
    await page.locator('[data-step="day"]').tap()
    await expect(page.locator("#toast")).to_contain_text("The sandbox clock is now Tuesday 24 November 2026, 09:00")
    await expect(page.locator("#clock-label")).to_contain_text("24 November 2026")
    await on_screen(page, "#toast")
    await fits(page)
    await shot(page, "phone-09-clock-moved")
