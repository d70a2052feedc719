"""Each employer's partner consultation in Teams is private to its people: a private channel in
the partner team whose members are that employer's partner reps, the proposer and the Secretary.
"agree" typed there counts without an @mention (the manifest asks for resource-specific
consent); request cards list who may act (refresh.userIds); the command menu is offered in
personal scope only; Graph's throttling is waited out."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.services import Services
from bot.settings import Settings
from bot.teams import TeamsApp, add_teams_routes
from bot.teams.package import build_teams_package
from bot.teams.settings import TeamsSettings
from flows.core.payload import Payload
from flows.signup.journey import Stage
from tests import test_teams
from tests.conftest import Clock
from tests.teams_graph import CHANNEL, USER_INSTALL, GraphStandIn, graph_standin
from tests.test_teams import (
    AAD,
    APP_ID,
    PROPOSAL,
    TENANT,
    FakeConnections,
    StandIn,
    Teams,
    buttons,
    card_text,
    last_card_with,
    make_settings,
    stage,
)

standin = test_teams.standin
teams = test_teams.teams
teams_services = test_teams.teams_services

TEAM = "7e57c0de-0000-4000-8000-000000007ea3"
# York's people: another association, other partner reps.
YORK = {
    role: f"00000000-0000-0000-0001-{i:012d}" for i, role in enumerate(["rep", "sec", "nem", "gmb", "uns", "ute"], 1)
}
AAD_ALL = {**AAD, **{f"y{k}": v for k, v in YORK.items()}}

DIRECTORY = test_teams.DIRECTORY + f"""
  - name: York
    secretary: {{teams: {YORK["sec"]}, name: Yan Secretary}}
    nem: {{teams: {YORK["nem"]}, name: Yvo NEM}}
    reps: [{{teams: {YORK["rep"]}, name: Yara Rep}}]
    partner_reps:
      GMB: [{{teams: {YORK["gmb"]}}}]
      UNISON: [{{teams: {YORK["uns"]}}}]
      Unite: [{{teams: {YORK["ute"]}}}]
"""


class Both(Teams):
    """The Teams harness, with York's people too."""

    def aad_of(self, who: str) -> str:
        return AAD_ALL[who]

    def in_channel(self, who: str, channel: str, **kw: Any) -> dict[str, Any]:
        """An activity from ``who`` in a channel: Teams lets only those who can see it post there."""
        assert self.standin.tenant.can_see(AAD_ALL[who], channel), f"{who} cannot see that channel"
        a = self.activity(who, **kw)
        a["conversation"] = {"id": channel, "conversationType": "channel", "tenantId": TENANT, "isGroup": True}
        return a


@asynccontextmanager
async def world(
    db_url: str, clock: Clock, stand: StandIn, key: rsa.RSAPrivateKey, **settings: Any
) -> AsyncIterator[tuple[Both, TeamsApp, GraphStandIn]]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    await svc.load_directory(DIRECTORY)
    try:
        async with graph_standin(stand.tenant, **settings.pop("refuse", {})) as graph:
            web_app = web.Application()
            app = add_teams_routes(
                web_app,
                svc,
                settings=make_settings(stand, VWS_TEAMS_GRAPH_URL=graph.url, VWS_TEAMS_PARTNER_TEAM_ID=TEAM, **settings),
                connections=FakeConnections(),
            )
            assert app is not None
            async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
                yield Both(client, stand, key, svc), app, graph
    finally:
        await svc.close()


async def to_partners(t: Both, prefix: str, employer: str, association: str) -> int:
    s = t.standin
    await t.click(f"{prefix}rep", {"op": "propose", **PROPOSAL, "employer_name": employer, "association": association})
    approve = buttons(last_card_with(s.cards_to(AAD_ALL[f"{prefix}sec"]), "Approve"))["Approve"]["data"]
    await t.click(f"{prefix}sec", approve)
    approve = buttons(last_card_with(s.cards_to(AAD_ALL[f"{prefix}nem"]), "Approve"))["Approve"]["data"]
    await t.click(f"{prefix}nem", approve)
    emp = Payload.unpack(approve["p"]).subject
    assert emp is not None and await stage(t.services, emp) is Stage.PARTNER_CONSULTATION
    return emp


async def test_each_employer_has_a_private_channel_only_its_people_can_see(
    db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    async with world(db_url, clock, stand, key) as (t, app, graph):
        await to_partners(t, "", "Oakfield Primary School", "Leeds")
        await to_partners(t, "y", "Minster Academy", "York")
        made = graph.of(CHANNEL)
        assert [c["body"]["membershipType"] for c in made] == ["private", "private"]
        leeds, york = list(stand.tenant.channels)
        members = {GraphStandIn.user_of(m) for m in made[0]["body"]["members"]}
        assert members == {AAD[w] for w in ("gmb", "uns", "ute", "rep", "sec")}
        assert [m["roles"] for m in made[0]["body"]["members"]].count(["owner"]) == 1
        # A rep for York's employer cannot see Leeds's channel, nor Leeds's reps York's.
        assert stand.tenant.channels_of(YORK["gmb"]) == {york}
        assert stand.tenant.channels_of(AAD["gmb"]) == {leeds}
        assert not stand.tenant.can_see(AAD["nem"], leeds)  # not a member: the NEM is told in their chat
        with pytest.raises(AssertionError, match="not a member"):  # Teams would not let York's GMB rep post there
            await t.post(t.activity("ygmb", text="agree", conversation={
                "id": leeds, "conversationType": "channel", "tenantId": TENANT, "isGroup": True}))  # fmt: skip
        # Each request card went to its own channel only.
        posted = {conv.split(";")[0] for conv, c in stand.cards() if "suitable" in card_text(c)}
        assert posted == {leeds, york}


async def test_agree_typed_without_a_mention_counts_and_cards_list_who_may_act(
    db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    async with world(db_url, clock, stand, key) as (t, app, graph):
        for who in ("gmb", "uns"):
            await t.say(who, "help")  # they have written to the bot: Teams gave their 29: ids
        emp = await to_partners(t, "", "Oakfield Primary School", "Leeds")
        [leeds] = stand.tenant.channels
        [(_, request)] = [(conv, c) for conv, c in stand.cards() if conv == leeds]
        # The card refreshes by itself for the people who may act whose Teams ids the bot knows.
        assert {"29:gmb", "29:uns"} <= set(request["refresh"]["userIds"])
        space = await app.deliverer.store.conversation(f"partner:{emp}")
        assert space is not None
        thread = f"{leeds};messageid={space.reference['root_id']}"
        # Typed in the thread, no @mention (resource-specific consent delivers it): it counts.
        resp = await t.post(t.in_channel("gmb", thread, text="agree"))
        assert resp.status in (200, 201, 202)
        said = [card_text(c) for conv, c in stand.cards() if conv.split(";")[0] == leeds]
        assert any("GMB agrees" in x for x in said)
        # With an @mention too, the mention is taken off first.
        mention = "<at>VWS Bot</at>"
        await t.post(t.in_channel("uns", thread, text=f"{mention} agree", entities=[
            {"type": "mention", "text": mention, "mentioned": {"id": f"28:{APP_ID}", "name": "VWS Bot"}}]))  # fmt: skip
        said = [card_text(c) for conv, c in stand.cards() if conv.split(";")[0] == leeds]
        assert any("UNISON agrees" in x for x in said)
        # The hint says no mention is needed.
        await t.post(t.in_channel("ute", thread, text=f"{mention} what now?", entities=[
            {"type": "mention", "text": mention, "mentioned": {"id": f"28:{APP_ID}", "name": "VWS Bot"}}]))  # fmt: skip
        said = [card_text(c) for conv, c in stand.cards() if conv.split(";")[0] == leeds]
        assert "no need to @mention me" in said[-1]


async def test_a_request_to_one_person_lists_them_for_refresh(teams: Teams) -> None:
    await teams.say("sec", "help")
    await teams.click("rep", {"op": "propose", **PROPOSAL})
    request = last_card_with(teams.standin.cards_to(AAD["sec"]), "Approve")
    assert request["refresh"]["userIds"] == ["29:sec"]
    # Every button works on phones, where Universal Actions do not: each is an Action.Submit.
    assert all(a["type"] == "Action.Submit" and "fallback" not in a for a in request["actions"])


async def test_graph_throttling_is_waited_out_and_the_call_made_again(
    db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    async with world(db_url, clock, stand, key) as (t, app, graph):
        waited: list[float] = []

        async def sleep(seconds: float) -> None:
            waited.append(seconds)

        assert app.graph is not None
        app.graph.sleep = sleep
        graph.throttle[USER_INSTALL] = 7  # Graph's answer to the first install: 429, Retry-After: 7
        await t.click("rep", {"op": "propose", **PROPOSAL})
        installs = [c for c in graph.of(USER_INSTALL) if c["match"]["user"] == AAD["sec"]]
        assert len(installs) == 2 and waited == [7.0]
        assert last_card_with(stand.cards_to(AAD["sec"]), "Approve")
        # One HTTP session for every Graph call.
        assert app.graph._http is not None and not app.graph._http.closed


def test_the_manifest_asks_for_consent_to_read_typed_replies_and_offers_commands_in_1_1_only(
    tmp_path: Path,
) -> None:
    path = build_teams_package(tmp_path, TeamsSettings(MICROSOFT_APP_ID=APP_ID))
    with zipfile.ZipFile(path) as z:
        m = json.loads(z.read("manifest.json"))
    rsc = m["authorization"]["permissions"]["resourceSpecific"]
    assert {(p["name"], p["type"]) for p in rsc} == {
        ("ChannelMessage.Read.Group", "Application"),
        ("ChatMessage.Read.Chat", "Application"),
    }
    assert m["webApplicationInfo"]["id"] == APP_ID  # RSC needs it
    assert [c["scopes"] for c in m["bots"][0]["commandLists"]] == [["personal"]]
