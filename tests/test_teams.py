"""Teams end to end: signed requests to POST /api/messages, a stand-in Bot Connector that records
what the bot sent, and the journey from proposal to action plan through Adaptive Cards."""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.delivery import Recorder
from bot.sandbox.limits import RateLimit
from bot.services import Services
from bot.settings import Settings
from bot.teams import add_teams_routes, build_teams_app, teams_routes
from bot.teams.settings import TeamsSettings
from flows.core.payload import Payload
from flows.directory import Who
from flows.signup.journey import Stage
from tests.conftest import Clock
from tests.teams_graph import CHAT, GraphStandIn, Tenant

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CATALOG_APP_ID = "cccccccc-0000-0000-0000-000000000001"
AAD = {
    role: f"00000000-0000-0000-0000-{i:012d}"
    for i, role in enumerate(["rep", "sec", "nem", "gmb", "uns", "ute", "nat", "dep"], start=1)
}

DIRECTORY = f"""
sharing:
  NASUWT: {{agreement: VWS four-union data sharing agreement (test)}}
  GMB: {{agreement: VWS four-union data sharing agreement (test)}}
  UNISON: {{agreement: VWS four-union data sharing agreement (test)}}
  Unite: {{agreement: VWS four-union data sharing agreement (test)}}
national:
  officers: [{{teams: {AAD["nat"]}}}]
local_associations:
  - name: Leeds
    secretary: {{teams: {AAD["sec"]}, name: Sam Secretary}}
    deputy: {{teams: {AAD["dep"]}}}
    nem: {{teams: {AAD["nem"]}, name: Nia NEM}}
    reps: [{{teams: {AAD["rep"]}, name: Rita Rep}}, {{slack: U0REP2, name: Sid Slack}}]
    partner_reps:
      GMB: [{{teams: {AAD["gmb"]}}}]
      UNISON: [{{teams: {AAD["uns"]}}}]
      Unite: [{{teams: {AAD["ute"]}}}]
"""

PROPOSAL = {
    "employer_name": "Oakfield Primary School",
    "employer_kind": "school",
    "association": "Leeds",
    "case_for": "The head has asked the unions how to improve **staff** wellbeing.",
    "origin": "employer_approached",
}
PLAN = {
    "principle": "2",
    "objectives": "Introduce mental health first aiders",
    "activities": "Train six staff as mental health first aiders",
    "success_criteria": "Six trained first aiders in post",
    "workplan": "Action Number | Action Detail | Action Owner | Action By date\n1 | Agree the provider | Head teacher | End January 2027\n",
}


# --------------------------------------------------------------------------- Microsoft stand-in


@dataclass
class StandIn:
    """Records Bot Connector calls (and serves the token signing keys) on 127.0.0.1.

    As strict as Teams about who can be messaged first: a 1:1 conversation is created, and a
    message sent in one, only for a person with the app installed (Graph installs it, or the
    person has written to the bot); anyone else gets Teams' 403. A Graph stand-in is mounted at
    ``/graph`` (without ``Chat.Create``), sharing the same :class:`Tenant`."""

    jwks: dict[str, Any]
    calls: list[dict[str, Any]] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    url: str = ""
    tenant: Tenant = field(default_factory=Tenant)
    personal: dict[str, str] = field(default_factory=dict)  # 1:1 conversation id -> the person's object id
    live: dict[str, set[str]] = field(default_factory=dict)  # conversation id -> the bot's activities not deleted
    #: what a conversation accepts, as Teams limits a bot; over it, 429
    limit: RateLimit | None = None

    def __post_init__(self) -> None:
        self.graph = GraphStandIn(refuse={CHAT: 403}, tenant=self.tenant)

    def app(self) -> web.Application:
        app = web.Application()
        app.add_subapp("/graph", self.graph.app())
        app.router.add_get("/keys", self.keys)
        app.router.add_post("/v3/conversations", self.create)
        app.router.add_post("/v3/conversations/{conv}/activities", self.send)
        app.router.add_post("/v3/conversations/{conv}/activities/{aid}", self.send)
        app.router.add_put("/v3/conversations/{conv}/activities/{aid}", self.update)
        app.router.add_delete("/v3/conversations/{conv}/activities/{aid}", self.delete)
        return app

    async def keys(self, request: web.Request) -> web.Response:
        return web.json_response(self.jwks)

    async def _record(self, request: web.Request, kind: str) -> dict[str, Any]:
        body = await request.json()
        call = {
            "kind": kind,
            "conv": request.match_info.get("conv"),
            "aid": request.match_info.get("aid"),
            "auth": request.headers.get("Authorization"),
            "body": body,
        }
        self.calls.append(call)
        return call

    @staticmethod
    def _not_installed() -> web.Response:
        return web.json_response(
            {"error": {"code": "BotNotInConversationRoster", "message": "The bot is not part of the conversation roster."}},
            status=403,
        )

    def wrote(self, conversation: str, object_id: str) -> None:
        """A person wrote to the bot in their 1:1 chat: the app is installed for them."""
        self.tenant.installed.add(object_id)
        self.personal[conversation] = object_id

    async def create(self, request: web.Request) -> web.Response:
        call = await self._record(request, "create")
        member = call["body"]["members"][0]["id"]
        if member not in self.tenant.installed:
            return self._not_installed()
        self.personal[f"a:dm-{member}"] = member
        return web.json_response({"id": f"a:dm-{member}", "activityId": f"c{next(self.ids)}"})

    async def send(self, request: web.Request) -> web.Response:
        conv = (request.match_info.get("conv") or "").split(";")[0]
        wait = self.limit.take(conv) if self.limit is not None else None
        if wait is not None:
            call = await self._record(request, "throttled")
            return web.json_response({"error": {"code": "Throttled", "message": "Too many requests"}}, status=429,
                                     headers={"Retry-After": str(max(1, math.ceil(wait)))})  # fmt: skip
        call = await self._record(request, "send")
        call["at"] = time.monotonic()
        person = self.personal.get(call["conv"] or "")
        if person is not None and person not in self.tenant.installed:
            return self._not_installed()
        call["id"] = made = f"m{next(self.ids)}"  # the message's id, as a later click or update names it
        self.live.setdefault(conv, set()).add(made)
        return web.json_response({"id": made})

    async def update(self, request: web.Request) -> web.Response:
        await self._record(request, "update")
        return web.json_response({"id": request.match_info["aid"]})

    async def delete(self, request: web.Request) -> web.Response:
        """As Teams: a bot deletes only its own activity, one that is still there (else 404)."""
        conv, aid = request.match_info["conv"].split(";")[0], request.match_info["aid"]
        self.calls.append({"kind": "delete", "conv": conv, "aid": aid, "auth": request.headers.get("Authorization"),
                           "body": {}})  # fmt: skip
        if aid not in self.live.get(conv, set()):
            return web.json_response({"error": {"code": "NotFound", "message": "Activity not found"}}, status=404)
        self.live[conv].discard(aid)
        return web.Response(status=200)

    def live_to(self, aad: str) -> set[str]:
        """The bot's activities still in a person's 1:1 chat."""
        return {aid for conv in (f"a:chat-{aad}", f"a:dm-{aad}") for aid in self.live.get(conv, set())}

    def cards(self, kind: str = "send") -> list[tuple[str, dict[str, Any]]]:
        out = []
        for c in self.calls:
            if c["kind"] == kind:
                for a in c["body"].get("attachments") or []:
                    out.append((c["conv"], a["content"]))
        return out

    def cards_to(self, aad: str, kind: str = "send") -> list[dict[str, Any]]:
        return [card for conv, card in self.cards(kind) if conv in (f"a:chat-{aad}", f"a:dm-{aad}")]


def card_text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["title"]: a for a in card.get("actions", [])}


class FakeTokens:
    """Stands in for MSAL: every outbound call gets this bearer token."""

    TOKEN = "outbound-test-token"

    @property
    def configuration(self) -> Any:
        return None

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return self.TOKEN


class FakeConnections:
    def get_token_provider(self, claims_identity: Any, service_url: str) -> FakeTokens:
        return FakeTokens()

    def get_default_connection(self) -> FakeTokens:
        return FakeTokens()

    def get_connection(self, name: str) -> FakeTokens:
        return FakeTokens()


# --------------------------------------------------------------------------- fixtures


@dataclass
class Teams:
    client: TestClient
    standin: StandIn
    key: rsa.RSAPrivateKey
    services: Services
    seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    app: Any = None  # the TeamsApp (its router, deliverer), when a test needs it

    def token(self, *, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": "https://api.botframework.com",
            "aud": APP_ID,
            "iat": now - 10,
            "nbf": now - 10,
            "exp": now + 3600,
            "serviceurl": self.standin.url,
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": "test-key"})

    def aad_of(self, who: str) -> str:
        return AAD[who]

    def activity(self, who: str, **kw: Any) -> dict[str, Any]:
        aad = self.aad_of(who)
        return {
            "type": "message",
            "id": f"act-{next(self.seq)}",
            "channelId": "msteams",
            "serviceUrl": self.standin.url,
            "from": {"id": f"29:{who}", "aadObjectId": aad},
            "recipient": {"id": f"28:{APP_ID}", "name": "VWS Bot"},
            "conversation": {"id": f"a:dm-{aad}", "conversationType": "personal", "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}},
            **kw,
        }

    async def post(self, activity: dict[str, Any], *, token: str | None = "default") -> Any:
        headers = {}
        if token == "default":
            token = self.token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conv, sender = activity.get("conversation"), activity.get("from")
        conv = conv if isinstance(conv, dict) else {}
        sender = sender if isinstance(sender, dict) else {}
        aad, conv_id = sender.get("aadObjectId"), conv.get("id")
        if conv.get("conversationType") == "personal" and isinstance(aad, str) and aad and isinstance(conv_id, str):
            self.standin.wrote(conv_id, aad)  # (a malformed activity, as the fuzz tests send, is no person writing)
        if conv.get("conversationType") == "channel":  # only who can see a channel can post in it
            assert self.standin.tenant.can_see(sender.get("aadObjectId", ""), conv["id"]), "not a member"
        resp = await self.client.post("/api/messages", json=activity, headers=headers)
        await resp.read()
        await self.services.drain()  # what the turn wrote to the outbox is delivered before the test looks
        return resp

    async def say(self, who: str, text: str) -> Any:
        resp = await self.post(self.activity(who, text=text))
        assert resp.status in (200, 201, 202), await resp.text()
        return resp

    async def click(self, who: str, data: dict[str, Any], activity_id: str | None = None) -> dict[str, Any]:
        a = self.activity(
            who,
            type="invoke",
            name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": "vws", "data": data}, "trigger": "manual"},
        )
        if activity_id:
            a["id"] = activity_id
        resp = await self.post(a)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        return body["value"]


def make_settings(standin: StandIn, **kw: Any) -> TeamsSettings:
    values: dict[str, Any] = {
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "s3cret-never-logged",
        "MICROSOFT_APP_TENANT_ID": TENANT,
        "VWS_TEAMS_JWKS_URL": f"{standin.url}/keys",
        "VWS_TEAMS_SERVICE_URL": standin.url + "/",
        "VWS_TEAMS_GRAPH_URL": f"{standin.url}/graph/v1.0",
        "VWS_TEAMS_CATALOG_APP_ID": CATALOG_APP_ID,
        "VWS_TEAMS_STANDIN_SERVICE_URLS": standin.url,  # the stand-in Bot Connector: http, loopback
        # Posts to one conversation are not spaced out in real time (test_teams_pacing tests that).
        "VWS_TEAMS_CONVERSATION_INTERVAL": 0,
    }
    return TeamsSettings(**{**values, **kw})


@pytest.fixture
async def teams_services(db_url: str, clock: Clock) -> AsyncIterator[Services]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    await svc.load_directory(DIRECTORY)
    yield svc
    await svc.close()


@asynccontextmanager
async def serving_standin(kind: type[StandIn] | None = None) -> AsyncIterator[tuple[StandIn, rsa.RSAPrivateKey]]:
    """A Bot Connector stand-in (``kind``, a StandIn by default) on a local port, with the key
    its JWKS publishes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "test-key", "use": "sig", "alg": "RS256"})
    stand = (kind or StandIn)({"keys": [jwk]})
    server = TestServer(stand.app(), host="127.0.0.1")
    await server.start_server()
    stand.url = str(server.make_url("")).rstrip("/")
    try:
        yield stand, key
    finally:
        await server.close()


@pytest.fixture
async def standin() -> AsyncIterator[tuple[StandIn, rsa.RSAPrivateKey]]:
    async with serving_standin() as found:
        yield found


@asynccontextmanager
async def teams_on(
    svc: Services, standin: tuple[StandIn, rsa.RSAPrivateKey], *, directory: str | None = None
) -> AsyncIterator[Teams]:
    """Teams' /api/messages on ``svc`` (its directory loaded from ``directory`` first), served on a
    local port against the stand-in; the Teams app is ``teams.app``."""
    if directory is not None:
        await svc.load_directory(directory)
    stand, key = standin
    app = web.Application()
    teams_app = add_teams_routes(app, svc, settings=make_settings(stand), connections=FakeConnections())
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Teams(client, stand, key, svc, app=teams_app)
    finally:
        await client.close()


@asynccontextmanager
async def services_on(db_url: str, clock: Clock) -> AsyncIterator[Services]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def teams(teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]) -> AsyncIterator[Teams]:
    async with teams_on(teams_services, standin) as found:
        yield found


# --------------------------------------------------------------------------- the journey


async def stage(services: Services, employer_id: int) -> Stage:
    s = await services.engine.summary(employer_id)
    assert s is not None
    return s.stage


def last_card_with(cards: list[dict[str, Any]], title: str) -> dict[str, Any]:
    found = [c for c in cards if title in buttons(c)]
    assert found, f"no card with a {title!r} button"
    return found[-1]


async def test_the_whole_journey_in_teams(teams: Teams) -> None:
    s = teams.standin
    # The rep opens the propose form from the command menu.
    await teams.say("rep", "propose")
    form = s.cards_to(AAD["rep"])[-1]
    assert {"employer_name", "employer_kind", "association", "case_for", "origin"} <= {
        b.get("id") for b in form["body"]
    }
    submit = form["actions"][0]
    assert submit["type"] == "Action.Submit"  # what Teams for iOS and Android send (test_teams_mobile)
    assert all(c["auth"] == f"Bearer {FakeTokens.TOKEN}" for c in s.calls)

    # A missing field comes back on the form, nothing is created.
    card = await teams.click("rep", {**submit["data"], **{**PROPOSAL, "case_for": "short"}})
    assert "Write at least 10 characters" in card_text(card)
    card = await teams.click("rep", {**submit["data"], **PROPOSAL})
    assert "Secretary" in card_text(card)

    # The Secretary, who never wrote to the bot, is reached proactively (a 1:1 chat is created).
    assert any(c["kind"] == "create" and c["body"]["members"][0]["id"] == AAD["sec"] for c in s.calls)
    request = last_card_with(s.cards_to(AAD["sec"]), "Approve")
    assert set(buttons(request)) == {"Approve", "Reject"} and len(request["actions"]) <= 6
    assert r"\\*\\*staff\\*\\*" in card_text(request)  # user text is escaped, not rendered as markdown
    approve = buttons(request)["Approve"]["data"]
    emp = Payload.unpack(approve["p"]).subject
    assert emp is not None

    # The rep cannot approve their own proposal.
    refused = await teams.click("rep", approve)
    assert "Secretary" in card_text(refused) and await stage(teams.services, emp) is Stage.AWAITING_SECRETARY

    decided = await teams.click("sec", approve, activity_id="click-1")
    assert "Approved by Sam Secretary on 23 Nov 2026 at 10:00" in card_text(decided)
    assert "actions" not in decided
    # The request card posted earlier is refreshed in place too.
    assert any("Approved by <at>Sam Secretary</at>" in card_text(c) for c in s.cards_to(AAD["sec"], "update"))
    assert await stage(teams.services, emp) is Stage.AWAITING_NEM

    # Double submissions: the same activity again, and a second click, change nothing.
    again = await teams.click("sec", approve, activity_id="click-1")
    assert "already done" in card_text(again)
    again = await teams.click("sec", approve)
    assert "Already decided" in card_text(again)
    assert await stage(teams.services, emp) is Stage.AWAITING_NEM

    # The NEM asks to reject: reasons first; then thinks again and approves.
    nem_request = last_card_with(s.cards_to(AAD["nem"]), "Approve")
    reasons = await teams.click("nem", buttons(nem_request)["Reject"]["data"])
    assert any(b.get("id") == "reasons" for b in reasons["body"])
    assert await stage(teams.services, emp) is Stage.AWAITING_NEM
    await teams.click("nem", buttons(nem_request)["Approve"]["data"])
    assert await stage(teams.services, emp) is Stage.PARTNER_CONSULTATION

    # Partner unions: each rep is asked in Teams; one voice per union.
    for who in ("gmb", "uns", "ute"):
        ask = last_card_with(s.cards_to(AAD[who]), "Agree")
        card = await teams.click(who, buttons(ask)["Agree"]["data"])
    assert "All three partner unions have now agreed" in card_text(card)
    card = await teams.click("ute", buttons(ask)["Agree"]["data"])
    assert "Attention" in card_text(card)  # a late second Unite voice is refused
    assert await stage(teams.services, emp) is Stage.PARTNERS_AGREED

    # The route, the introduction, then the plan from the command menu.
    route = last_card_with(s.cards_to(AAD["rep"]), "JCC agenda item")
    await teams.click("rep", buttons(route)["JCC agenda item"]["data"])
    assert await stage(teams.services, emp) is Stage.ROUTE_AGREED
    intro = last_card_with(s.cards_to(AAD["rep"]), "Introduced to the employer")
    await teams.click("rep", buttons(intro)["Introduced to the employer"]["data"])
    assert await stage(teams.services, emp) is Stage.EMPLOYER_INTRODUCED

    await teams.say("rep", "plan")
    plan_form = s.cards_to(AAD["rep"])[-1]
    assert any(b.get("id") == "principle" for b in plan_form["body"])
    card = await teams.click("rep", {**plan_form["actions"][0]["data"], "employer": str(emp), **PLAN})
    assert await stage(teams.services, emp) is Stage.JOINED, card_text(card)

    # Status shows the national officer's next steps, with buttons (at most six).
    await teams.say("nat", "status")
    status = s.cards_to(AAD["nat"])[-1]
    assert "Added to list" in " ".join(buttons(status)) and len(status["actions"]) <= 6


async def test_rejection_asks_for_reasons_and_they_reach_the_rep(teams: Teams) -> None:
    s = teams.standin
    await teams.say("rep", "propose")
    await teams.click("rep", {"op": "propose", **PROPOSAL})
    request = last_card_with(s.cards_to(AAD["sec"]), "Reject")
    reject = buttons(request)["Reject"]["data"]
    form = await teams.click("sec", reject)
    send = form["actions"][0]["data"]
    empty = await teams.click("sec", {**send, "reasons": "  "})
    assert "Give your reasons" in card_text(empty)
    done = await teams.click("sec", {**send, "reasons": "Ofsted visit this term"})
    assert "Rejected by Sam Secretary" in card_text(done)
    told = last_card_with(s.cards_to(AAD["rep"]), "Revise and resubmit")
    assert "Ofsted visit this term" in card_text(told)


async def test_action_submit_updates_the_card(teams: Teams) -> None:
    s = teams.standin
    await teams.click("rep", {"op": "propose", **PROPOSAL})
    request = last_card_with(s.cards_to(AAD["sec"]), "Approve")
    assert buttons(request)["Approve"]["type"] == "Action.Submit"
    data = buttons(request)["Approve"]["data"]
    resp = await teams.post(teams.activity("sec", value=data, replyToId="m42"))
    assert resp.status in (200, 202)
    updates = [c for c in s.calls if c["kind"] == "update" and c["aid"] == "m42"]
    assert updates and "Approved by Sam Secretary" in json.dumps(updates[-1]["body"])


async def test_help_and_unknown_people(teams: Teams) -> None:
    await teams.say("rep", "help")
    assert "propose" in card_text(teams.standin.cards_to(AAD["rep"])[-1])
    stranger = teams.activity("rep")
    stranger["from"] = {"id": "29:stranger", "aadObjectId": "99999999-0000-0000-0000-000000000000"}
    stranger["conversation"]["id"] = "a:dm-stranger"
    stranger["text"] = "propose"
    assert (await teams.post(stranger)).status in (200, 202)
    last = [c for conv, c in teams.standin.cards() if conv == "a:dm-stranger"][-1]
    assert "Only NASUWT workplace reps" in card_text(last)


# --------------------------------------------------------------------------- security


@pytest.mark.parametrize(
    "case",
    ["missing", "forged", "expired", "wrong_audience", "wrong_issuer", "malformed", "service_url_mismatch"],
)
async def test_bad_tokens_are_refused(teams: Teams, case: str) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = {
        "missing": None,
        "forged": teams.token(key=other),
        "expired": teams.token(
            exp=int(time.time()) - 3600, iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200
        ),
        "wrong_audience": teams.token(aud="someone-else"),
        "wrong_issuer": teams.token(iss="https://evil.example.com"),
        "malformed": "not.a.jwt",
        "service_url_mismatch": teams.token(serviceurl="https://elsewhere.example.com"),
    }[case]
    resp = await teams.post(teams.activity("rep", text="propose"), token=token)
    assert resp.status == 401
    assert teams.standin.calls == []  # nothing reached the bot


async def test_tenant_allow_list(teams: Teams) -> None:
    a = teams.activity("rep", text="help")
    a["conversation"]["tenantId"] = "ffffffff-0000-0000-0000-000000000000"
    a["channelData"] = {"tenant": {"id": "ffffffff-0000-0000-0000-000000000000"}}
    assert (await teams.post(a)).status == 403
    assert teams.standin.calls == []


async def test_anonymous_only_in_development_mode(
    teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, _ = standin
    for dev, expected in ((False, 401), (True, 202)):
        app = web.Application()
        app.add_routes(
            teams_routes(
                teams_services,
                make_settings(stand, VWS_TEAMS_DEV_ANONYMOUS=dev),
                connections=FakeConnections(),
            )
        )
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            t = Teams(
                client, stand, rsa.generate_private_key(public_exponent=65537, key_size=2048), teams_services
            )
            resp = await t.post(t.activity("rep", text="help"), token=None)
            assert resp.status == expected


async def test_no_routes_without_credentials(teams_services: Services) -> None:
    assert teams_routes(teams_services, TeamsSettings(MICROSOFT_APP_ID=None)) == []


async def test_secrets_are_not_logged(teams: Teams, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    await teams.post(teams.activity("rep", text="propose"), token=teams.token(aud="x"))
    await teams.say("rep", "propose")
    # (the stand-in's own access log shows the URLs it was called on; that is the test's, not the bot's)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")
    assert "s3cret-never-logged" not in logged
    assert AAD["rep"] not in logged
    assert teams.token()[:40] not in logged


# --------------------------------------------------------------------------- one person, two platforms


async def test_mixed_case_the_slack_rep_and_the_teams_secretary(teams: Teams) -> None:
    app = build_teams_app(
        teams.services,
        make_settings(teams.standin),
        connections=FakeConnections(),
        slack=(slack := Recorder()),
    )
    out = await teams.services.engine.propose(Who(slack="U0REP2"), PROPOSAL)  # proposed in Slack
    assert out.ok
    await teams.services.drain()
    assert slack.notices == []  # the Secretary is on Teams only: nothing for Slack
    request = last_card_with(teams.standin.cards_to(AAD["sec"]), "Approve")
    # The Secretary rejects in Teams; the reasons go back to the rep in Slack.
    app.agent.deliver = app.router
    data = buttons(request)["Reject"]["data"]
    out_card = await app.agent.handle(
        Who(teams=AAD["sec"]), {**data, "with_inputs": True, "reasons": "Not yet"}
    )
    await teams.services.drain()
    assert "Rejected by" in card_text(out_card)
    [to_rep] = [n for n in slack.notices if n.kind.value == "rejected"]
    assert ("Reasons", "Not yet") in to_rep.facts
    assert (
        await app.router.platform_for(out.employer_id and (await _pid(teams, Who(slack="U0REP2")))) == "slack"
    )


async def _pid(teams: Teams, who: Who) -> int:
    from flows.directory import find_person

    async with teams.services.sessions() as s:
        p = await find_person(s, who)
        assert p is not None
        return p.id
