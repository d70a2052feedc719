"""Hostile and malformed requests, generated (hypothesis), on the real request path.

Slack: signed HTTP into the bolt app (the stand-in's signing), built from the real shapes of
every kind of request the bot accepts (a slash command, a click on every button action the bot
has, a submission of every form, a searched field's suggestion, a message event, App Home),
with values mutated: wrong types, control characters, huge numbers, non-ASCII digits, over-long
text, keys missing. Teams: the same for activities and invokes, with valid test tokens. Every
answer must be below 500, nothing may be logged at ERROR, and an invalid request changes no
state (every table but the outbox and the delivery bookkeeping is compared before and after).

Runs are deterministic (``derandomize``) and bounded (``max_examples``), so CI is stable.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from flows.core.payload import Payload
from models.tables import Base
from tests.conftest import Clock
from tests.slack_harness import SECRET, SlackWorld, start_world, stop_world

#: Tables whose rows are the bot's state. The outbox (an answer to a refused click is a notice),
#: the inbound event ledger, posted-message references and sweep marks are delivery bookkeeping.
NOT_STATE = {"outbox", "inbound_events", "posted_messages", "direct_messages", "sweep_marks"}

FUZZ = settings(
    max_examples=int(os.environ.get("VWS_FUZZ_EXAMPLES", "40")),  # more for a deeper run by hand
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------- values an attacker sends

NASTY_TEXT = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\x1b[31m", "²", "١٢٣", "-1", "1e309", "9" * 40, "NaN", "null", "{}", "[]",
    "<!channel>", "*bold*", "v1|secretary_approve|1|1||", "v1|x|99999999999999|||", "v2|a||||", "%ff",
    "x" * 5000, "\u202e", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), NASTY_TEXT, st.text(max_size=30),
)
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                       max_leaves=6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with one to three of its values replaced by something hostile, or removed."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = data
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSONISH)
    return data


# --------------------------------------------------------------------------- the world


class Errors(logging.Handler):
    """Every record logged at ERROR or above while the test runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


class Loop:
    """One event loop for a whole property test (hypothesis calls the test synchronously)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)


async def state_of(world_services: Any) -> str:
    """A digest of every row of every state table."""
    digest = hashlib.sha256()
    async with world_services.sessions() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_STATE:
                continue
            rows = (await s.execute(select(table))).all()
            digest.update(table.name.encode())
            digest.update(repr(sorted(map(repr, rows))).encode())
    return digest.hexdigest()


PROPOSAL = {
    "employer_name": "Oakfield Primary School",
    "employer_kind": "school",
    "case_for": "The head has asked the unions how to improve staff wellbeing.",
    "origin": "employer_approached",
}


@pytest.fixture
def slack_world(db_url: str, clock: Clock) -> Iterator[tuple[Loop, SlackWorld]]:
    loop = Loop()
    world: SlackWorld = loop.run(start_world(db_url, clock))

    async def setup() -> None:  # a case waiting for the Secretary: real buttons to click
        await world.command("U0REP1", "propose")
        await world.submit("U0REP1", **PROPOSAL)

    loop.run(setup())
    yield loop, world
    loop.run(stop_world(world))
    loop.loop.close()


def signed_form(world: SlackWorld, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return body, world.slack.signed_headers(body)


def sign(world: SlackWorld, body: bytes, content_type: str) -> dict[str, str]:
    """Slack's v0 signature over raw bytes (which need not be UTF-8)."""
    stamp = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + mac}


def signed_json(world: SlackWorld, envelope: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(envelope).encode()
    return body, world.slack.signed_headers(body, content_type="application/json")


def _user(uid: str) -> dict[str, Any]:
    return {"id": uid, "username": uid.lower(), "name": uid.lower(), "team_id": "T0LOCAL"}


def slack_bases(world: SlackWorld) -> dict[str, Callable[[], dict[str, Any]]]:
    """A real request of each kind the bot accepts, each one refused or harmless as it stands
    (so any change of state from a mutation of it is a defect)."""
    services = world.services
    actions = sorted(services.engine.dispatch.actions)
    request = world.last_dm("U0SEC1")  # the Secretary's approval request, with live buttons
    channel = request.get("channel") or "D0SEC1"
    emp = int(Payload.unpack(next(
        el["value"] for b in request["blocks"] if b.get("type") == "actions" for el in b["elements"]
    )).subject or 0)

    def click() -> dict[str, Any]:  # the proposer clicking the Secretary's buttons: refused
        return {
            "type": "block_actions", "user": _user("U0REP1"), "api_app_id": "A0LOCAL", "token": "x",
            "team": {"id": "T0LOCAL", "domain": "local"}, "trigger_id": "1.2.3",
            "container": {"type": "message", "message_ts": request["ts"], "channel_id": channel},
            "channel": {"id": channel, "name": "directmessage"},
            "message": request, "response_url": world.slack.base_url + "hooks/none",
            "actions": [{"type": "button", "action_id": f"vws:{actions[0]}", "block_id": "b",
                         "value": Payload(actions[0], emp, 99).pack(), "action_ts": "1"}],
        }

    def submit() -> dict[str, Any]:  # a form for a stale revision of the case: refused
        return {
            "type": "view_submission", "user": _user("U0REP1"), "api_app_id": "A0LOCAL", "token": "x",
            "team": {"id": "T0LOCAL", "domain": "local"}, "trigger_id": "1.2.3",
            "view": {"id": "V0", "type": "modal", "callback_id": "vws:reasons",
                     "private_metadata": json.dumps({"p": Payload("secretary_reject", emp, 99).pack()}),
                     "blocks": [{"type": "input", "block_id": "reasons"}],
                     "state": {"values": {"reasons": {"value": {"type": "plain_text_input", "value": "Not now"}}}}},
        }

    def suggest() -> dict[str, Any]:
        return {"type": "block_suggestion", "user": _user("U0REP1"), "action_id": "vws-search:employers",
                "block_id": "employer", "value": "oak", "api_app_id": "A0LOCAL", "team": {"id": "T0LOCAL"},
                "view": {"id": "V0", "type": "modal", "callback_id": "vws:propose"}}

    def message() -> dict[str, Any]:
        return {"token": "x", "team_id": "T0LOCAL", "api_app_id": "A0LOCAL", "type": "event_callback",
                "event_id": f"Ev{time.monotonic_ns()}", "event_time": 1,
                "event": {"type": "message", "user": "U0REP1", "channel": "D0REP1", "channel_type": "im",
                          "text": "what is this", "ts": "1.000001", "event_ts": "1.000001"}}

    def home() -> dict[str, Any]:
        return {"token": "x", "team_id": "T0LOCAL", "api_app_id": "A0LOCAL", "type": "event_callback",
                "event_id": f"Ev{time.monotonic_ns()}", "event_time": 1,
                "event": {"type": "app_home_opened", "user": "U0REP1", "channel": "D0REP1", "tab": "home"}}

    return {"block_actions": click, "view_submission": submit, "block_suggestion": suggest,
            "message": message, "app_home_opened": home}


SLASH_BASE = {"token": "x", "team_id": "T0LOCAL", "team_domain": "local", "channel_id": "D0REP1",
              "channel_name": "directmessage", "user_id": "U0REP1", "user_name": "rita", "command": "/vws",
              "text": "status", "api_app_id": "A0LOCAL", "response_url": "http://127.0.0.1:9/x", "trigger_id": "1.2.3"}


# --------------------------------------------------------------------------- Slack properties

#: What can travel in an HTTP header at all (aiohttp refuses control characters before sending).
HEADER_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f")


def test_slack_header_variants_get_401_and_touch_nothing(slack_world: tuple[Loop, SlackWorld], errors: Errors) -> None:
    loop, world = slack_world
    body = urlencode(SLASH_BASE).encode()
    before = loop.run(state_of(world.services))
    calls = len(world.slack.calls())

    @FUZZ
    @given(stamp=st.one_of(
        st.none(), st.sampled_from(["", "²", "١٧٠٠٠٠٠٠٠٠", "1e9", " 1", "+1", "0x10", "-" + str(int(time.time()))]),
        st.integers(min_value=-(2**80), max_value=2**80).map(str), st.text(HEADER_CHARS, max_size=20),
    ), signature=st.one_of(st.none(), st.just("valid"), st.text(HEADER_CHARS, max_size=80)))
    def check(stamp: str | None, signature: str | None) -> None:
        headers = world.slack.signed_headers(body, timestamp=int(time.time()))
        if stamp is None:
            del headers["X-Slack-Request-Timestamp"]
        else:
            headers["X-Slack-Request-Timestamp"] = stamp
        if signature is None:
            del headers["X-Slack-Signature"]
        elif signature != "valid":
            headers["X-Slack-Signature"] = signature
        d = loop.run(world.slack.deliver_raw(body, headers))
        assert d.status == 401 or (stamp is not None and stamp.isascii() and stamp.isdigit()
                                   and abs(int(stamp) - time.time()) < 300 and signature == "valid"), (stamp, d.status)

    check()
    loop.run(world.settle())
    assert len(world.slack.calls()) >= calls  # (answers to the rare valid ones are allowed)
    assert loop.run(state_of(world.services)) == before
    assert not errors.records, [r.getMessage() for r in errors.records]


def test_slack_garbage_bodies_get_a_plain_answer(slack_world: tuple[Loop, SlackWorld], errors: Errors) -> None:
    loop, world = slack_world
    before = loop.run(state_of(world.services))

    @FUZZ
    @given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                          JSONISH.map(lambda v: json.dumps(v).encode()),
                          JSONISH.map(lambda v: urlencode({"payload": json.dumps(v)}).encode())),
           content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", ""]))
    def check(body: bytes, content_type: str) -> None:
        headers = sign(world, body, content_type)
        d = loop.run(world.slack.deliver_raw(body, headers))
        assert d.status < 500, (body[:100], d.status, d.body[:200])

    check()
    loop.run(world.settle())
    assert loop.run(state_of(world.services)) == before
    assert not errors.records, [r.getMessage() for r in errors.records]


@pytest.mark.parametrize("kind", ["block_actions", "view_submission", "block_suggestion", "message", "app_home_opened", "slash"])
def test_slack_mutated_requests_never_crash_or_change_state(
    slack_world: tuple[Loop, SlackWorld], errors: Errors, kind: str
) -> None:
    loop, world = slack_world
    bases = slack_bases(world)
    before = loop.run(state_of(world.services))
    base = SLASH_BASE if kind == "slash" else bases[kind]()
    actions = sorted(world.services.engine.dispatch.actions)  # every button and form the bot has
    emp = int(Payload.unpack(base["actions"][0]["value"]).subject or 0) if kind == "block_actions" else 0

    @st.composite
    def aimed(draw: st.DrawFn) -> dict[str, Any]:
        """The base aimed at any of the bot's actions (a stale revision of the real case, or a
        case that does not exist), then mutated."""
        data = copy.deepcopy(base)
        action = draw(st.sampled_from(actions))
        packed = Payload(action, draw(st.sampled_from([emp, 10**11])), 99).pack()
        if kind == "block_actions":
            data["actions"][0].update(action_id=f"vws:{action}", value=packed)
        elif kind == "view_submission":
            data["view"]["private_metadata"] = json.dumps({"p": packed})
        return draw(mutated(data))

    @FUZZ
    @given(data=aimed())
    def check(data: dict[str, Any]) -> None:
        if kind == "slash":
            body = urlencode({k: json.dumps(v) if not isinstance(v, str) else v for k, v in data.items()}).encode()
            headers = world.slack.signed_headers(body)
        elif kind in ("message", "app_home_opened"):
            data["event_id"] = f"Ev{time.monotonic_ns()}"
            body, headers = signed_json(world, data)
        else:
            body, headers = signed_form(world, data)
        d = loop.run(world.slack.deliver_raw(body, headers))
        loop.run(world.settle())
        assert d.status < 500, (kind, d.status, d.body[:200])

    check()
    assert loop.run(state_of(world.services)) == before
    assert not errors.records, [r.getMessage() for r in errors.records]


# --------------------------------------------------------------------------- Teams properties

STRANGER = "99999999-0000-0000-0000-000000000000"  # an Entra object id the directory does not know


@pytest.fixture
def teams_world(db_url: str, clock: Clock) -> Iterator[tuple[Loop, Any]]:
    """The Teams endpoint with valid test tokens (tests/test_teams.py's stand-in), on one loop,
    with a case waiting for the Secretary."""
    from contextlib import AsyncExitStack

    from tests.test_teams import DIRECTORY, PROPOSAL, Teams, services_on, serving_standin, teams_on

    loop = Loop()

    stack = AsyncExitStack()

    async def build() -> Teams:
        standin = await stack.enter_async_context(serving_standin())
        svc = await stack.enter_async_context(services_on(db_url, clock))
        teams = await stack.enter_async_context(teams_on(svc, standin, directory=DIRECTORY))
        await teams.say("rep", "propose")
        submit = teams.standin.cards_to(AAD_REP(teams))[-1]["actions"][0]
        await teams.click("rep", {**submit["data"], **PROPOSAL})
        return teams

    teams = loop.run(build())
    yield loop, teams
    loop.run(stack.aclose())
    loop.loop.close()


def AAD_REP(teams: Any) -> str:  # noqa: N802 - reads as the constant it stands for
    from tests.test_teams import AAD

    return AAD["rep"]


def teams_bases(teams: Any) -> dict[str, dict[str, Any]]:
    """A real activity of each kind the bot handles, from someone the directory does not know
    (so each is refused or harmless as it stands)."""
    from tests.test_teams import AAD, buttons, last_card_with

    approve = buttons(last_card_with(teams.standin.cards_to(AAD["sec"]), "Approve"))["Approve"]["data"]

    def stranger(**kw: Any) -> dict[str, Any]:
        a: dict[str, Any] = teams.activity("rep", **kw)
        a["from"] = {"id": "29:stranger", "aadObjectId": STRANGER}
        a["conversation"]["id"] = "a:dm-stranger"
        return a

    return {
        "message": stranger(text="status"),
        "card_action": stranger(type="invoke", name="adaptiveCard/action",
                                value={"action": {"type": "Action.Execute", "verb": "vws", "data": approve}}),
        "submit": stranger(value={**approve, "reasons": "Not now"}),
        "search": stranger(type="invoke", name="application/search",
                           value={"dataset": "employers", "queryText": "oak", "queryOptions": {"skip": 0, "top": 15}}),
        "installed": stranger(type="conversationUpdate", membersAdded=[{"id": f"28:{teams.token and 'bot'}"}]),
    }


@pytest.mark.parametrize("kind", ["message", "card_action", "submit", "search", "installed"])
def test_teams_mutated_activities_never_crash_or_change_state(
    teams_world: tuple[Loop, Any], errors: Errors, kind: str
) -> None:
    loop, teams = teams_world
    base = teams_bases(teams)[kind]
    before = loop.run(state_of(teams.services))
    actions = sorted(teams.services.engine.dispatch.actions)  # every button and form the bot has

    @st.composite
    def aimed(draw: st.DrawFn) -> dict[str, Any]:
        """A card action or a form's submission aimed at any of the bot's actions (on the real
        case, or one that does not exist), then mutated."""
        data = copy.deepcopy(base)
        packed = Payload(draw(st.sampled_from(actions)), draw(st.sampled_from([1, 10**11])), 99).pack()
        if kind == "card_action":
            data["value"]["action"]["data"]["p"] = packed
        elif kind == "submit":
            data["value"]["p"] = packed
        return draw(mutated(data))

    @FUZZ
    @given(data=aimed())
    @example(data={**base, "name": "composeExtension/query"})  # an invoke the bot does not offer
    @example(data={**base, "value": {"action": {"data": {"op": "button", "p": 7}}}})
    @example(data={**base, "text": "status\x00" * 3})
    def check(data: dict[str, Any]) -> None:
        resp = loop.run(teams.post(data))
        assert resp.status < 500, (kind, resp.status)

    check()
    assert loop.run(state_of(teams.services)) == before
    assert not errors.records, [r.getMessage() for r in errors.records]


def test_teams_garbage_bodies_get_a_plain_answer(teams_world: tuple[Loop, Any], errors: Errors) -> None:
    loop, teams = teams_world
    before = loop.run(state_of(teams.services))

    @FUZZ
    @given(body=st.one_of(st.binary(max_size=200), JSONISH.map(lambda v: json.dumps(v).encode())))
    def check(body: bytes) -> None:
        async def post() -> int:
            resp = await teams.client.post("/api/messages", data=body, headers={
                "Authorization": f"Bearer {teams.token()}", "Content-Type": "application/json"})
            await resp.read()
            return int(resp.status)

        status = loop.run(post())
        assert status < 500 and status != 200, status

    check()
    assert loop.run(state_of(teams.services)) == before
    assert not errors.records, [r.getMessage() for r in errors.records]
