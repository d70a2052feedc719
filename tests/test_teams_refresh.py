"""Universal Actions ``refresh``: a request card shows whoever opens it the case as it now stands."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from tests import test_teams
from tests.test_teams import AAD, PROPOSAL, Teams, buttons, card_text, last_card_with
from tests.test_teams_partner import to_partner_step

standin = test_teams.standin
teams_services = test_teams.teams_services
teams = test_teams.teams


async def opened(t: Teams, who: str, card: dict[str, Any]) -> dict[str, Any]:
    """What Teams shows ``who`` when they open ``card``: it invokes the card's refresh action."""
    refresh = card["refresh"]["action"]
    assert refresh["type"] == "Action.Execute"
    assert all(u.startswith("29:") for u in card["refresh"].get("userIds", []))
    a = t.activity(
        who,
        type="invoke",
        name="adaptiveCard/action",
        value={
            "action": {"type": "Action.Execute", "verb": refresh["verb"], "data": refresh["data"]},
            "trigger": "automatic",
        },
    )
    resp = await t.post(a)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["value"]


async def test_an_approval_request_shows_its_current_state_to_whoever_opens_it(
    teams: Teams, teams_services: Services
) -> None:
    s = teams.standin
    await teams.click("rep", {"op": "propose", **PROPOSAL})
    request = last_card_with(s.cards_to(AAD["sec"]), "Approve")
    assert request["version"] == "1.5"

    # The Secretary sees the live buttons, and the proposal.
    mine = await opened(teams, "sec", request)
    assert set(buttons(mine)) == {"Approve", "Reject"}
    assert "staff" in card_text(mine) and "waiting for you" in card_text(mine)
    # The rep, shown the same card, sees where it stands and no buttons.
    theirs = await opened(teams, "rep", request)
    assert "actions" not in theirs and "Secretary" in card_text(theirs)

    # Once approved, the Secretary's card no longer offers Approve: it says where the case is.
    await teams.click("sec", buttons(request)["Approve"]["data"])
    after = await opened(teams, "sec", request)
    assert "actions" not in after
    assert "Nothing here is waiting for you" in card_text(after) and "National Executive Member" in card_text(
        after
    )
    # ...and it keeps refreshing.
    assert after["refresh"]["action"]["data"]["op"] == "refresh"


async def test_in_a_shared_space_each_union_sees_its_own_view(teams: Teams) -> None:
    await to_partner_step(teams)
    ask = last_card_with(teams.standin.cards_to(AAD["gmb"]), "Agree")
    await teams.click("gmb", buttons(ask)["Agree"]["data"])
    assert "actions" not in await opened(teams, "gmb", ask)  # GMB has spoken
    assert set(buttons(await opened(teams, "uns", ask))) == {"Agree", "Disagree"}  # UNISON has not


async def test_cards_that_ask_nothing_have_no_refresh(teams: Teams) -> None:
    await teams.say("rep", "help")
    assert "refresh" not in teams.standin.cards_to(AAD["rep"])[-1]
