"""Malformed and hostile input on the real request path, case by case (the fuzz tests in
tests/test_fuzz.py generate many more): text is kept as typed minus control characters, over-long
answers are refused with their limit, off-shape clicks are answered as out of date, and what
people typed is shown exactly as typed, never as formatting."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest

from bot.slack.render import ZWSP, esc
from flows.core.forms import Field, FieldKind
from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, start_world, stop_world, text_of

PROPOSAL = {
    "employer_name": "Oakfield Primary School",
    "employer_kind": "school",
    "case_for": "The head has asked the unions how to improve staff wellbeing.",
    "origin": "employer_approached",
}
TYPED = "*bold* _italics_ ~strike~ `code` and\n> a quote, https://example.org"


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock)
    yield w
    await stop_world(w)


async def propose(world: SlackWorld, **changes: str) -> dict[str, object]:
    await world.command("U0REP1", "propose")
    d = await world.submit("U0REP1", **{**PROPOSAL, **changes})
    assert d.status == 200
    return d.json() if d.body.strip() else {}


async def test_control_characters_are_dropped_and_newlines_kept(world: SlackWorld) -> None:
    assert await propose(world, case_for="Line one\x00 with a NUL\x1b[31m\r\nline two\tand a tab.") == {}
    [employer] = await world.services.engine.register(everyone=True)
    proposal = await world.services.engine.proposal_of(employer.id)
    assert proposal is not None and proposal["case_for"] == "Line one with a NUL[31m\nline two\tand a tab."


async def test_an_over_long_answer_gets_a_field_error_with_the_limit(world: SlackWorld) -> None:
    body = await propose(world, case_for="x" * 5000)
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert isinstance(errors, dict) and "3000" in errors["case_for"] and "5000" in errors["case_for"]
    assert await world.services.engine.register(everyone=True) == []  # nothing created, nothing cut


async def test_a_button_value_that_is_not_a_string_is_answered_as_out_of_date(world: SlackWorld) -> None:
    await propose(world)
    request = world.last_dm("U0SEC1")
    payload = {
        "type": "block_actions", "user": {"id": "U0SEC1", "team_id": "T0LOCAL"}, "team": {"id": "T0LOCAL"},
        "actions": [{"type": "button", "action_id": "vws:secretary_approve", "value": {"p": 1}, "block_id": "b"}],
        "container": {"type": "message", "message_ts": request["ts"]}, "trigger_id": "1.2.3",
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    before = len(world.slack.dms_to("U0SEC1"))
    d = await world.slack.deliver_raw(body, world.slack.signed_headers(body))
    await world.settle()
    assert d.status == 200
    told = world.slack.dms_to("U0SEC1")[before:]
    assert any("no longer in use" in text_of(m) for m in told)
    [employer] = await world.services.engine.register(everyone=True)
    assert employer.stage is Stage.AWAITING_SECRETARY


@pytest.mark.parametrize("stamp", ["²" * 10, "١٧٠٠٠٠٠٠٠٠", "9" * 40, "-1"])
async def test_timestamps_that_are_not_ascii_digits_or_are_absurd_get_401(world: SlackWorld, stamp: str) -> None:
    body = urlencode({"command": "/vws", "text": "status", "user_id": "U0REP1"}).encode()
    headers = world.slack.signed_headers(body, timestamp=int(time.time()))
    headers["X-Slack-Request-Timestamp"] = stamp
    d = await world.slack.deliver_raw(body, headers)
    assert d.status == 401


async def test_typed_markup_shows_in_slack_exactly_as_typed(world: SlackWorld) -> None:
    await propose(world, case_for=TYPED)
    shown = text_of(world.last_dm("U0SEC1"))
    assert esc(TYPED) in shown  # the one escaping helper was used ...
    typed_back = shown.replace(ZWSP, "").replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    assert TYPED in typed_back  # ... and takes nothing away that a person sees
    for formatting in ("*bold*", "_italics_", "~strike~", "`code`", "\n> a quote"):
        assert formatting not in shown  # no mark is next to the text it would format


def test_esc_breaks_every_formatting_pattern() -> None:
    assert esc("*b*") == f"*{ZWSP}b*{ZWSP}"
    assert esc("> quoted\n  > again") == f"{ZWSP}&gt; quoted\n  {ZWSP}&gt; again"
    assert esc("a > b") == "a &gt; b"  # only a quote at the start of a line is one
    assert esc("snake_case") == f"snake_{ZWSP}case"


def test_every_text_field_declares_a_maximum_length() -> None:
    with pytest.raises(ValueError, match="max_length"):
        Field("notes", "Notes")
    with pytest.raises(ValueError, match="max_length"):
        Field("notes", "Notes", FieldKind.LONG_TEXT)
    assert Field("notes", "Notes", max_length=200).max_length == 200
    Field("when", "When", FieldKind.DATE)  # not text: no limit needed


@pytest.mark.parametrize("argument", ["#²", "²³", "#١٢", "#" + "9" * 30, "\x00"])
async def test_every_command_reads_numbers_strictly(world: SlackWorld, argument: str) -> None:
    """'²' passes str.isdigit() but not int(); 30 digits overflow a database integer."""
    await propose(world)
    for word in sorted(world.services.engine.dispatch.commands):
        for user in ("U0REP1", "U0SEC1", "U0NAT1"):
            d = await world.command(user, f"{word} {argument}")
            assert d.status == 200, (word, user, d.status, d.body[:200])
