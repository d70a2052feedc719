"""The sandbox's demo directory has a local social partnership: a newcomer can raise an issue
as the local authority's member and see it in the partnership's private channel."""

from __future__ import annotations

from typing import Any

from tests.partnership_world import ISSUE
from tests.test_sandbox import Page, eventually, with_bot

__all__ = ["with_bot"]  # the fixture, shared with the sandbox tests


def answers(modal: dict[str, Any], **given: str) -> dict[str, Any]:
    """A modal's values as the page sends them: text typed, or an option picked."""
    out: dict[str, Any] = {}
    for b in modal["blocks"]:
        if b.get("type") != "input" or b["block_id"] not in given:
            continue
        el, value = b["element"], given[b["block_id"]]
        if el["type"] == "plain_text_input":
            out[b["block_id"]] = {el["action_id"]: {"type": el["type"], "value": value}}
        else:
            out[b["block_id"]] = {el["action_id"]: {"type": el["type"], "selected_option": {"value": value}}}
    return out


async def test_a_newcomer_raises_an_issue_in_the_demo_partnership(with_bot: Page) -> None:
    page = with_bot
    personas = {p["id"]: p for p in (await page.state("U0LAO1"))["personas"]}
    assert personas["U0LAO1"]["role"] == "Local authority (Leeds partnership)"
    assert personas["U0RGN1"]["role"] == "Regional contact (Yorkshire and the Humber)"
    status, body = await page.post("/api/command", {"user": "U0LAO1", "text": "/vws issue"})
    assert status == 200 and body["ok"], body
    modal = (await eventually(page, "U0LAO1", lambda s: s["modal"] is not None))["modal"]
    status, body = await page.post("/api/submit", {"user": "U0LAO1", "view_id": modal["id"], "values": answers(modal, casework="no")})
    assert status == 200, body
    modal = (await eventually(page, "U0LAO1", lambda s: s["modal"] is not None and s["modal"]["callback_id"] == "vws:issue"))["modal"]
    status, body = await page.post("/api/submit", {"user": "U0LAO1", "view_id": modal["id"], "values": answers(modal, **ISSUE)})
    assert status == 200 and body["ok"], body

    def posted(s: dict[str, Any]) -> bool:
        return any(c.get("name") == "lsp-leeds" and "Cover supervision beyond the agreed limit" in str(c["messages"])
                   for c in s["conversations"])  # fmt: skip

    await eventually(page, "U0LAO1", posted)
