"""Decision buttons work on Teams for iOS and Android.

Teams mobile does not deliver ``Action.Execute`` clicks (microsoft/AdaptiveCards#9315, open;
MicrosoftDocs/msteams-docs#13924), and a card's ``Action.Submit`` fallback never fires there
because the clients claim to support Universal Actions. So every button and form is an
``Action.Submit``: a tap arrives as a message activity whose ``value`` is the button's data and
whose ``replyToId`` is the card's message. Here that activity is what a phone sends, signed,
into /api/messages; the case is decided once, and every copy of the card is brought up to date.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.services import Services
from flows.core.payload import Payload
from flows.signup.journey import Stage
from tests import test_teams
from tests.conftest import Clock
from tests.slack_harness import buttons as slack_buttons
from tests.slack_harness import start_world, stop_world, text_of
from tests.teams_graph import graph_standin
from tests.test_slack import PROPOSAL as SLACK_PROPOSAL
from tests.test_teams import AAD, PROPOSAL, StandIn, Teams, buttons, card_text, last_card_with, stage
from tests.test_teams_copies import BOTH, both_platforms
from tests.test_teams_partner import CATALOG, PARTNERS, TEAM, in_space, space_activity, teams_app

standin = test_teams.standin
teams_services = test_teams.teams_services
teams = test_teams.teams


def posted(s: StandIn, aad: str, title: str) -> tuple[str, dict[str, Any]]:
    """(message id, card) of the last card sent to ``aad``'s 1:1 chat with a ``title`` button."""
    found = [(c["id"], a["content"]) for c in s.calls if c["kind"] == "send" and c.get("id")
             and c["conv"] in (f"a:chat-{aad}", f"a:dm-{aad}")
             for a in c["body"].get("attachments") or [] if title in buttons(a["content"])]  # fmt: skip
    assert found, f"no card with a {title!r} button"
    return found[-1]


def tap_activity(t: Teams, who: str, button: dict[str, Any], card_id: str, **inputs: Any) -> dict[str, Any]:
    """What Teams for iOS/Android sends when ``who`` taps an Action.Submit button: a message with
    no text, the button's data (and the card's inputs) as ``value``, in reply to the card."""
    assert button["type"] == "Action.Submit"
    return t.activity(who, value={**button["data"], **inputs}, replyToId=card_id)


async def tap(t: Teams, who: str, button: dict[str, Any], card_id: str, **inputs: Any) -> dict[str, Any]:
    resp = await t.post(tap_activity(t, who, button, card_id, **inputs))
    assert resp.status in (200, 201, 202), await resp.text()
    return resp


def updates_of(s: StandIn, card_id: str) -> list[dict[str, Any]]:
    return [a["content"] for c in s.calls if c["kind"] == "update" and c["aid"] == card_id
            for a in c["body"].get("attachments") or []]  # fmt: skip


def every_action(card: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for a in card.get("actions", []):
        out.append(a)
        if a["type"] == "Action.ShowCard":
            out += every_action(a["card"])
    return out


async def test_buttons_and_forms_are_action_submit_so_phones_can_press_them(teams: Teams) -> None:
    s = teams.standin
    await teams.say("rep", "propose")
    form = s.cards_to(AAD["rep"])[-1]
    assert [a["type"] for a in form["actions"]] == ["Action.Submit"]
    await teams.click("rep", {**form["actions"][0]["data"], **PROPOSAL})
    request = last_card_with(s.cards_to(AAD["sec"]), "Approve")
    actions = [a for a in every_action(request) if a["type"] != "Action.ShowCard"]
    assert actions and all(a["type"] == "Action.Submit" and "fallback" not in a for a in actions)
    assert all(a["data"]["verb"] == "vws" and a["data"]["op"] for a in actions)
    # The refresh stays a Universal Action (desktop and web refresh the card by themselves).
    assert request["refresh"]["action"]["type"] == "Action.Execute"


async def test_a_phone_tap_approves_exactly_once_and_the_card_shows_the_outcome(
    teams: Teams, teams_services: Services
) -> None:
    s = teams.standin
    await teams.say("sec", "help")  # the Secretary has Teams on their phone
    await teams.click("rep", {"op": "propose", **PROPOSAL})
    card_id, request = posted(s, AAD["sec"], "Approve")
    emp = Payload.unpack(buttons(request)["Approve"]["data"]["p"]).subject
    assert emp is not None

    first = tap_activity(teams, "sec", buttons(request)["Approve"], card_id)
    await teams.post(first)
    assert await stage(teams_services, emp) is Stage.AWAITING_NEM
    # The tapped card now says who decided, with no buttons.
    now = updates_of(s, card_id)
    assert now and "Approved by" in card_text(now[-1]) and "actions" not in now[-1]
    assert len([c for c in s.cards_to(AAD["nem"]) if "Approve" in buttons(c)]) == 1

    # Teams sends the same activity again (a retry): nothing more happens.
    calls = len(s.calls)
    await teams.post(first)
    assert len(s.calls) == calls
    # A second tap on the stale card: refused, the case unmoved, the NEM asked once.
    await tap(teams, "sec", buttons(request)["Approve"], card_id)
    assert "Already decided" in card_text(updates_of(s, card_id)[-1])
    assert await stage(teams_services, emp) is Stage.AWAITING_NEM
    assert len([c for c in s.cards_to(AAD["nem"]) if "Approve" in buttons(c)]) == 1


async def test_a_phone_tap_on_reject_opens_the_reasons_in_the_card_and_sends_them(
    teams: Teams, teams_services: Services
) -> None:
    s = teams.standin
    await teams.say("sec", "help")
    await teams.click("rep", {"op": "propose", **PROPOSAL})
    card_id, request = posted(s, AAD["sec"], "Reject")
    await tap(teams, "sec", buttons(request)["Reject"], card_id)
    form = updates_of(s, card_id)[-1]
    assert any(b.get("id") == "reasons" for b in form["body"])
    await tap(teams, "sec", form["actions"][0], card_id, reasons="Ofsted visit this term")
    assert "Rejected by" in card_text(updates_of(s, card_id)[-1])  # (the outbox's copy @mentions them)
    told = last_card_with(s.cards_to(AAD["rep"]), "Revise and resubmit")
    assert "Ofsted visit this term" in card_text(told)


async def test_a_tap_in_the_partner_channel_leaves_the_card_live_for_the_other_unions(
    teams_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    async with graph_standin(stand.tenant) as graph:
        settings = {"VWS_TEAMS_GRAPH_URL": graph.url, "VWS_TEAMS_PARTNER_TEAM_ID": TEAM,
                    "VWS_TEAMS_CATALOG_APP_ID": CATALOG}  # fmt: skip
        async with teams_app(teams_services, stand, key, **settings) as (t, _):
            await t.click("rep", {"op": "propose", **PROPOSAL})
            approve = buttons(last_card_with(stand.cards_to(AAD["sec"]), "Approve"))["Approve"]["data"]
            await t.click("sec", approve)
            approve = buttons(last_card_with(stand.cards_to(AAD["nem"]), "Approve"))["Approve"]["data"]
            await t.click("nem", approve)
            emp = Payload.unpack(approve["p"]).subject
            assert emp is not None
            [channel] = stand.tenant.channels
            [ask] = [c for c in stand.calls if c["kind"] == "send" and c["conv"] == channel]
            card = ask["body"]["attachments"][0]["content"]

            def tapped(who: str, title: str) -> dict[str, Any]:
                a = space_activity(t, who, f"{channel};messageid={ask['id']}", "channel",
                                   value=buttons(card)[title]["data"], replyToId=ask["id"])  # fmt: skip
                return a

            await t.post(tapped("gmb", "Agree"))
            # The channel's card is not turned into GMB's confirmation: it shows the tally, and
            # UNISON and Unite still have their buttons. GMB's confirmation is a reply in the thread.
            [now] = updates_of(stand, ask["id"])
            assert set(buttons(now)) == {"Agree", "Disagree"} and "Still to answer: UNISON, Unite" in card_text(now)
            said = [card_text(c) for _, c in in_space(t, channel)]
            assert any("Recorded: GMB agrees" in x for x in said)
            assert await stage(teams_services, emp) is Stage.PARTNER_CONSULTATION

            for who in PARTNERS[1:]:
                await t.post(tapped(who, "Agree"))
            assert await stage(teams_services, emp) is Stage.PARTNERS_AGREED
            # Now the case has moved on, the channel's card shows it, without buttons.
            now = updates_of(stand, ask["id"])[-1]
            assert "actions" not in now and "agreed" in card_text(now).lower()


async def test_a_phone_tap_in_teams_updates_the_slack_copy(
    db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    world = await start_world(db_url, clock, directory=BOTH)
    try:
        web_app = both_platforms(world, stand)
        await world.command("U0REP1", "propose")
        await world.submit("U0REP1", **SLACK_PROPOSAL, association="Leeds")
        [asked] = [m for m in world.slack.dms_to("U0SEC1") if "Approve" in slack_buttons(m)]
        async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
            t = Teams(client, stand, key, world.services)
            await t.say("sec", "status")
            status_id, status = posted(stand, AAD["sec"], next(iter(buttons(stand.cards_to(AAD["sec"])[-1]))))
            approve = next(a for title, a in buttons(status).items() if title.startswith("Approve"))
            await tap(t, "sec", approve, status_id)
            assert "Approved by Sam Secretary" in card_text(updates_of(stand, status_id)[-1])
            await world.settle()
        [now] = [m for m in world.slack.dms_to("U0SEC1") if m["ts"] == asked["ts"]]
        assert slack_buttons(now) == []
        assert "Approved by <@U0SEC1>" in text_of(now)
    finally:
        await stop_world(world)
