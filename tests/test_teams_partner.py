"""The partner unions' step in Teams: a channel through Microsoft Graph, else a group chat, else
each rep's 1:1 chat; and agreement typed as a reply there. Graph and the Bot Connector are local
stand-ins; every request to the bot is a signed POST /api/messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.services import Services
from bot.teams import TeamsApp, add_teams_routes
from bot.teams.store import partner_key
from flows.core.payload import Payload
from flows.signup.journey import Stage
from tests import test_teams
from tests.teams_graph import CHANNEL, CHAT, INSTALL, MEMBER, GraphStandIn, graph_standin
from tests.test_teams import (
    AAD,
    APP_ID,
    PROPOSAL,
    TENANT,
    FakeConnections,
    FakeTokens,
    StandIn,
    Teams,
    buttons,
    card_text,
    last_card_with,
    make_settings,
    stage,
)

# The Bot Connector stand-in and the services with the Teams directory, as in test_teams.
standin = test_teams.standin
teams_services = test_teams.teams_services

TEAM = "7e57c0de-0000-4000-8000-000000007ea3"
CATALOG = "cccccccc-0000-0000-0000-000000000001"
PARTNERS = ("gmb", "uns", "ute")


@asynccontextmanager
async def teams_app(
    services: Services, stand: StandIn, key: rsa.RSAPrivateKey, **settings: Any
) -> AsyncIterator[tuple[Teams, TeamsApp]]:
    web_app = web.Application()
    app = add_teams_routes(
        web_app, services, settings=make_settings(stand, **settings), connections=FakeConnections()
    )
    assert app is not None
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        yield Teams(client, stand, key, services), app


async def to_partner_step(t: Teams) -> int:
    """Propose, and have the Secretary and the NEM approve, all in Teams."""
    s = t.standin
    await t.click("rep", {"op": "propose", **PROPOSAL})
    approve = buttons(last_card_with(s.cards_to(AAD["sec"]), "Approve"))["Approve"]["data"]
    await t.click("sec", approve)
    approve = buttons(last_card_with(s.cards_to(AAD["nem"]), "Approve"))["Approve"]["data"]
    await t.click("nem", approve)
    emp = Payload.unpack(approve["p"]).subject
    assert emp is not None
    assert await stage(t.services, emp) is Stage.PARTNER_CONSULTATION
    return emp


def in_space(t: Teams, conversation: str) -> list[tuple[str, dict[str, Any]]]:
    """Cards the bot posted in a conversation or in one of its threads."""
    return [(conv, card) for conv, card in t.standin.cards() if conv.split(";")[0] == conversation]


def space_activity(t: Teams, who: str, conversation: str, kind: str, **kw: Any) -> dict[str, Any]:
    """An activity from a rep in a channel (thread) or group chat."""
    a = t.activity(who, **kw)
    a["conversation"] = {"id": conversation, "conversationType": kind, "tenantId": TENANT, "isGroup": True}
    return a


def typed(t: Teams, who: str, conversation: str, kind: str, text: str) -> dict[str, Any]:
    """A message that @mentions the bot, as Teams sends it from a channel or group chat."""
    mention = "<at>VWS Bot</at>"
    return space_activity(
        t,
        who,
        conversation,
        kind,
        text=f"{mention} {text}",
        entities=[
            {"type": "mention", "text": mention, "mentioned": {"id": f"28:{APP_ID}", "name": "VWS Bot"}}
        ],
    )


async def send(t: Teams, activity: dict[str, Any]) -> None:
    resp = await t.post(activity)
    assert resp.status in (200, 201, 202), await resp.text()


def added_users(graph: GraphStandIn) -> set[str]:
    return {GraphStandIn.user_of(c["body"]) for c in graph.of(MEMBER)}


# --------------------------------------------------------------------------- a channel in the team


async def test_a_channel_is_made_in_the_partner_team_and_the_step_happens_there(
    teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    async with graph_standin(stand.tenant) as graph:
        async with teams_app(
            teams_services,
            stand,
            key,
            VWS_TEAMS_GRAPH_URL=graph.url,
            VWS_TEAMS_PARTNER_TEAM_ID=TEAM,
            VWS_TEAMS_CATALOG_APP_ID=CATALOG,
        ) as (t, _):
            emp = await to_partner_step(t)

            [made] = graph.of(CHANNEL)
            assert made["match"]["team"] == TEAM
            assert made["body"]["displayName"] == "vws-oakfield-primary-school"
            assert made["auth"] == f"Bearer {FakeTokens.TOKEN}"
            assert graph.of(CHAT) == []
            # The partner reps (and the proposer and Secretary) are made members of the team.
            assert {AAD[w] for w in PARTNERS} <= added_users(graph)
            assert all(c["match"]["team"] == TEAM for c in graph.of(MEMBER))

            # The proposal card is posted in the new channel, proactively, with Agree and Disagree.
            channel = "19:channel1@thread.tacv2"
            [(conv, card)] = in_space(t, channel)
            assert conv == channel
            assert "Is Oakfield Primary School suitable" in card_text(card)
            assert set(buttons(card)) == {"Agree", "Disagree"}
            # ...and not in each rep's 1:1 chat.
            for who in PARTNERS:
                assert not [c for c in t.standin.cards_to(AAD[who]) if "Agree" in buttons(c)]

            # GMB agrees on the card in the channel; the news goes to the proposal's thread.
            click = space_activity(
                t,
                "gmb",
                channel,
                "channel",
                type="invoke",
                name="adaptiveCard/action",
                value={
                    "action": {
                        "type": "Action.Execute",
                        "verb": "vws",
                        "data": buttons(card)["Agree"]["data"],
                    }
                },
            )
            resp = await t.post(click)
            assert resp.status == 200
            assert "Recorded: GMB agrees" in card_text((await resp.json())["value"])
            later = [(conv, c) for conv, c in in_space(t, channel) if "GMB agrees" in card_text(c)]
            assert later and all(conv.startswith(f"{channel};messageid=") for conv, _ in later)
            assert await stage(t.services, emp) is Stage.PARTNER_CONSULTATION


# --------------------------------------------------------------------------- a group chat


async def test_no_channel_permission_makes_a_group_chat_with_the_reps_and_the_bot(
    teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    async with graph_standin(stand.tenant, **{CHANNEL: 403}) as graph:
        async with teams_app(
            teams_services,
            stand,
            key,
            VWS_TEAMS_GRAPH_URL=graph.url,
            VWS_TEAMS_PARTNER_TEAM_ID=TEAM,
            VWS_TEAMS_CATALOG_APP_ID=CATALOG,
        ) as (t, _):
            emp = await to_partner_step(t)

            # (The people were added to the team first: a private channel's members must be.)
            assert len(graph.of(CHANNEL)) == 1 and graph.tenant.channels == {}
            [chat] = graph.of(CHAT)
            assert chat["body"]["chatType"] == "group"
            members = {GraphStandIn.user_of(m) for m in chat["body"]["members"]}
            assert {AAD[w] for w in (*PARTNERS, "rep", "sec")} == members
            [install] = graph.of(INSTALL)
            assert install["match"]["chat"] == "19:chat1@thread.v2"
            assert install["body"]["teamsApp@odata.bind"].endswith(f"/appCatalogs/teamsApps/{CATALOG}")

            chat_id = "19:chat1@thread.v2"
            [(conv, card)] = in_space(t, chat_id)
            assert conv == chat_id and set(buttons(card)) == {"Agree", "Disagree"}
            for who in PARTNERS:
                assert not [c for c in t.standin.cards_to(AAD[who]) if "Agree" in buttons(c)]

            # Typed replies in the group chat count as each union's voice.
            await send(t, typed(t, "gmb", chat_id, "groupChat", "agree"))
            await send(t, typed(t, "uns", chat_id, "groupChat", "Agreed!"))
            said = [card_text(c) for _, c in in_space(t, chat_id)]
            assert any("Recorded: GMB agrees" in x for x in said)
            assert any("UNISON agrees" in x and "Still waiting for: Unite" in x for x in said)
            assert await stage(t.services, emp) is Stage.PARTNER_CONSULTATION
            await send(t, typed(t, "ute", chat_id, "groupChat", "agree"))
            assert await stage(t.services, emp) is Stage.PARTNERS_AGREED
            # The proposal card in the chat is replaced by the outcome, without buttons.
            updated = [c for conv, c in t.standin.cards("update") if conv == chat_id]
            assert updated and "Agreed: Oakfield Primary School" in card_text(updated[-1])
            assert "actions" not in updated[-1]


# --------------------------------------------------------------------------- 1:1 chats


async def test_graph_refusing_both_falls_back_to_each_reps_own_chat(
    teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    stand, key = standin
    async with graph_standin(stand.tenant, **{CHANNEL: 403, CHAT: 403}) as graph:
        async with teams_app(
            teams_services,
            stand,
            key,
            VWS_TEAMS_GRAPH_URL=graph.url,
            VWS_TEAMS_PARTNER_TEAM_ID=TEAM,
            VWS_TEAMS_CATALOG_APP_ID=CATALOG,
        ) as (t, _):
            emp = await to_partner_step(t)
            assert len(graph.of(CHANNEL)) == 1 and len(graph.of(CHAT)) == 1 and graph.of(INSTALL) == []
            assert not [c for c, _ in t.standin.cards() if c.startswith("19:")]
            for who in PARTNERS:
                ask = last_card_with(t.standin.cards_to(AAD[who]), "Agree")
                assert "Is Oakfield Primary School suitable" in card_text(ask)
            card = await t.click("gmb", buttons(ask)["Agree"]["data"])
            assert "Recorded: GMB agrees" in card_text(card)
            # Later news reaches each member of the space in their own chat.
            assert any("GMB agrees" in card_text(c) for c in t.standin.cards_to(AAD["uns"]))
            assert await stage(t.services, emp) is Stage.PARTNER_CONSULTATION
            # With no shared space, "agree" typed in a rep's own chat with the bot counts for
            # their union (the card there says so); the third agreement completes the step.
            await t.say("uns", "agree")
            assert any("UNISON agrees" in card_text(c) for c in t.standin.cards_to(AAD["gmb"]))
            assert await stage(t.services, emp) is Stage.PARTNER_CONSULTATION
            await t.say("ute", "Agreed.")
            assert await stage(t.services, emp) is Stage.PARTNERS_AGREED
            # Typed again, it changes nothing: nothing is waiting for Unite's answer any more.
            await t.say("ute", "agree")
            assert await stage(t.services, emp) is Stage.PARTNERS_AGREED
            voices = [a.payload.get("union") for a in await t.services.engine.audit(emp) if a.action == "partner_agree"]
            assert voices == ["GMB", "UNISON", "Unite"]
    # Why Graph said no is logged; who was involved, the team and the tokens are not.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")
    assert "Graph did not make a partner channel" in logged
    for secret in (*AAD.values(), TEAM, FakeTokens.TOKEN, "Oakfield"):
        assert secret not in logged


# --------------------------------------------------------------------------- typed replies


async def test_typed_answers_in_the_partner_channel(
    teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    async with graph_standin(stand.tenant) as graph:
        async with teams_app(
            teams_services, stand, key, VWS_TEAMS_GRAPH_URL=graph.url, VWS_TEAMS_PARTNER_TEAM_ID=TEAM
        ) as (t, app):
            emp = await to_partner_step(t)
            channel = "19:channel1@thread.tacv2"
            space = await app.deliverer.store.conversation(partner_key(emp))
            assert space is not None and space.kind == "channel"
            thread = f"{channel};messageid={space.reference['root_id']}"  # the proposal card's thread

            def said() -> list[str]:
                return [card_text(c) for _, c in in_space(t, channel)]

            # GMB agrees by typing, in the proposal's thread.
            await send(t, typed(t, "gmb", thread, "channel", "Agreed."))
            assert any("GMB agrees" in x and "Still waiting for: UNISON, Unite" in x for x in said())

            # Chat that is not an answer: a short hint when the bot is addressed, else silence.
            before = len(said())
            await send(t, space_activity(t, "uns", thread, "channel", text="Shall we meet on Tuesday?"))
            assert len(said()) == before
            await send(t, typed(t, "uns", thread, "channel", "what is this?"))
            assert "reply 'agree', or 'disagree' followed by your reasons" in said()[-1]
            # A command is not run where everyone would see the answer.
            await send(t, typed(t, "uns", thread, "channel", "status"))
            assert "Your Valued Worker Scheme items" not in said()[-1]
            assert await stage(t.services, emp) is Stage.PARTNER_CONSULTATION

            # The NASUWT rep is not a partner union's voice.
            await send(t, typed(t, "rep", thread, "channel", "agree"))
            assert "Attention" in said()[-1]

            # Disagreeing needs reasons; with them, it is recorded and the reasons reach the rep.
            await send(t, typed(t, "ute", thread, "channel", "disagree"))
            assert "reason" in said()[-1].lower() and "Attention" in said()[-1]
            assert await stage(t.services, emp) is Stage.PARTNER_CONSULTATION
            await send(t, typed(t, "ute", thread, "channel", "disagree Their recognition agreement lapsed"))
            assert any("Unite disagrees" in x for x in said())
            assert await stage(t.services, emp) is not Stage.PARTNER_CONSULTATION
            told = [
                c for c in t.standin.cards_to(AAD["rep"]) if "recognition agreement lapsed" in card_text(c)
            ]
            assert told
