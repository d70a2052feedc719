"""A directory with a local social partnership (Leeds), its regional and national escalation
contacts, and helpers to drive issues through the engine, for the partnership tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from flows.directory import Who
from flows.engine import Engine
from models.partnership import Issue
from tests.conftest import DIRECTORY, slack

PARTNERSHIP_DIRECTORY = DIRECTORY + """
regions:
  - name: Yorkshire and the Humber
    contacts: [{slack: U0RGN1, name: Rowan Regional}]
    deputies: [{slack: U0RGD1, name: Rhys Deputy}]
nations:
  - name: England
    contacts: [{slack: U0NTL1, name: Nell National}]
    deputies: [{slack: U0NTD1, name: Nat Deputy}]
partnerships:
  - name: Leeds
    local_authority: Leeds City Council
    region: Yorkshire and the Humber
    nation: England
    local_associations: [Leeds]
    members:
      NASUWT: [{slack: U0REP1, name: Rita Rep}, U0SEC1]
      GMB: [{slack: U0GMB1, name: Gary GMB}]
      UNISON: [{slack: U0UNS1, name: Uma UNISON}]
      Unite: [U0UTE1]
      local authority: [{slack: U0LAO1, name: Lena LA}]
      NAHT: [{slack: U0NAH1, name: Hari NAHT}]
    meet_every_weeks: 6
    next_meeting: 2026-12-09
"""

EXTRA_USERS = {"U0LAO1": "lena", "U0NAH1": "hari", "U0RGN1": "rowan", "U0RGD1": "rhys", "U0NTL1": "nell", "U0NTD1": "nat"}

LA, NAHT = slack("U0LAO1"), slack("U0NAH1")
REGIONAL, REGIONAL_DEPUTY = slack("U0RGN1"), slack("U0RGD1")
NATIONAL, NATIONAL_DEPUTY = slack("U0NTL1"), slack("U0NTD1")

AREA = "Implementing the National Agreement: raising standards and tackling workload"
ISSUE = {
    "title": "Cover supervision beyond the agreed limit",
    "description": "Support staff have covered lessons far beyond the agreed limit since September.",
    "group_affected": "teaching assistants in primary schools",
    "remit_area": AREA,
}
ATTEMPT = {
    "tried": "Raised at the JCC with the head teachers' representatives",
    "tried_on": "2026-11-20",
    "outcome": "They would not change the rota this term",
    "result": "not_resolved",
}


async def raise_issue(engine: Engine, who: Who, **changes: Any) -> int:
    out = await engine.partnerships.raise_issue(who, {**ISSUE, **changes})
    assert out.ok, out.reply_text
    async with engine.sessions() as s:
        return int((await s.execute(select(Issue.id).order_by(Issue.id.desc()).limit(1))).scalar_one())


async def issue_row(engine: Engine, issue_id: int) -> Issue:
    async with engine.sessions() as s:
        found = await s.get(Issue, issue_id)
        assert found is not None
        return found


async def to_regional(engine: Engine, who: Who) -> int:
    """An issue raised, tried once at local level and escalated (not yet acknowledged)."""
    issue = await raise_issue(engine, who)
    assert (await engine.partnerships.log_attempt(who, issue, ATTEMPT)).ok
    out = await engine.partnerships.escalate(who, issue, "The heads' side will not discuss it again this year.")
    assert out.ok, out.reply_text
    return issue
