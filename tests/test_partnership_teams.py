"""The partnership's issue ladder in Teams: signed POST /api/messages, the stand-in Bot Connector,
Adaptive Cards; the same dispatcher as Slack, so no per-action code in the adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from flows.partnership.journey import Stage
from models.partnership import Issue
from tests import test_teams
from tests.conftest import Clock
from tests.partnership_world import ATTEMPT, ISSUE
from tests.test_teams import (
    AAD,
    DIRECTORY,
    StandIn,
    Teams,
    buttons,
    card_text,
    services_on,
    teams_on,
)

standin = test_teams.standin

TEAMS_PARTNERSHIP = DIRECTORY + f"""
regions:
  - name: Yorkshire and the Humber
    contacts: [{{teams: {AAD["dep"]}, name: Rowan Regional}}]
nations:
  - name: England
    contacts: [{{teams: {AAD["nat"]}, name: Nell National}}]
partnerships:
  - name: Leeds
    local_authority: Leeds City Council
    region: Yorkshire and the Humber
    members:
      NASUWT: [{{teams: {AAD["rep"]}}}]
      GMB: [{{teams: {AAD["gmb"]}}}]
      UNISON: [{{teams: {AAD["uns"]}}}]
      Unite: [{{teams: {AAD["ute"]}}}]
"""


@pytest.fixture
async def teams(db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]) -> AsyncIterator[Teams]:
    async with services_on(db_url, clock) as svc, teams_on(svc, standin, directory=TEAMS_PARTNERSHIP) as found:
        yield found


async def stage(teams: Teams) -> Stage:
    async with teams.services.sessions() as s:
        return Stage((await s.execute(select(Issue.stage))).scalar_one())


async def test_the_ladder_in_teams(teams: Teams) -> None:
    s = teams.standin
    await teams.say("gmb", "issue")
    screen = s.cards_to(AAD["gmb"])[-1]
    assert any(b.get("id") == "casework" for b in screen["body"])
    casework = await teams.click("gmb", {**screen["actions"][0]["data"], "casework": "yes"})
    assert "stays with each union" in card_text(casework)
    form = await teams.click("gmb", {**screen["actions"][0]["data"], "casework": "no"})  # the next form, in its place
    assert {"title", "description", "group_affected", "remit_area"} <= {b.get("id") for b in form["body"]}
    done = await teams.click("gmb", {**form["actions"][0]["data"], **ISSUE})
    assert "is raised in the Leeds partnership" in card_text(done)

    # No shared channel could be made: each member has the issue's card in their chat with the bot.
    issue_card = next(c for c in s.cards_to(AAD["rep"]) if "Escalate" in buttons(c))
    refused = await teams.click("rep", buttons(issue_card)["Escalate"]["data"])
    assert "Log at least one attempt" in card_text(refused) and await stage(teams) is Stage.LOCAL
    attempt = await teams.click("rep", buttons(issue_card)["Log attempt"]["data"])
    assert any(b.get("id") == "tried" for b in attempt["body"])
    logged = await teams.click("rep", {**attempt["actions"][0]["data"], **{k: ATTEMPT[k] for k in ("tried", "tried_on", "outcome")},
                                       "result": "not_resolved"})  # fmt: skip
    assert "Logged on issue" in card_text(logged)
    escalate = await teams.click("uns", buttons(issue_card)["Escalate"]["data"])
    await teams.click("uns", {**escalate["actions"][0]["data"], "exhausted": "The employer will not meet us again."})
    assert await stage(teams) is Stage.REGIONAL_ASKED

    asked = next(c for c in s.cards_to(AAD["dep"]) if "Acknowledge" in buttons(c))
    assert "The employer will not meet us again" in card_text(asked) and ATTEMPT["tried"] in card_text(asked)
    ack = await teams.click("dep", buttons(asked)["Acknowledge"]["data"])
    assert "Acknowledged" in card_text(ack) and await stage(teams) is Stage.REGIONAL
    assert any("Acknowledge" not in buttons(c) and "Escalate to national" in buttons(c) for c in s.cards_to(AAD["dep"], "update"))

    # A Teams user's status shows their partnership, with Raise an issue.
    await teams.say("uns", "status")
    status = s.cards_to(AAD["uns"])[-1]
    assert "Local social partnership: Leeds" in card_text(status)
