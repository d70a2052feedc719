"""Every shared space leaves out a person whose union has recorded no basis for sharing them, and
tells whoever opened it (or posts in it) plainly who could not be added, why, and what to do: the
local partnership's space and the Best Value Code adoption's space, in Slack and in Teams (the
sign-up partner channel has its own test in test_privacy_sharing)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.code_fixtures import CODE_DIRECTORY
from tests.conftest import Clock
from tests.partnership_world import EXTRA_USERS, PARTNERSHIP_DIRECTORY
from tests.slack_harness import SlackWorld, start_world, stop_world, text_of
from tests.test_code_teams import CODE_DIRECTORY as TEAMS_CODE_DIRECTORY
from tests.test_partnership_slack import channel, raise_in_slack
from tests.test_teams import AAD, StandIn, Teams, card_text, services_on, teams_on
from tests.test_teams import standin as standin  # noqa: F401 - the fixture

GMB_AGREED = "  GMB: {agreement: VWS four-union data sharing agreement (test)}\n"
UNISON_AGREED = "  UNISON: {agreement: VWS four-union data sharing agreement (test)}\n"
HEADLINE = "no basis for sharing"


def told(world: SlackWorld, user: str) -> list[str]:
    return [text_of(m) for m in world.slack.dms_to(user) if HEADLINE in text_of(m)]


@pytest.fixture
async def partnership(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    assert GMB_AGREED in PARTNERSHIP_DIRECTORY
    w = await start_world(db_url, clock, PARTNERSHIP_DIRECTORY.replace(GMB_AGREED, ""))  # GMB has recorded no basis
    for uid, name in EXTRA_USERS.items():
        w.slack.add_user(uid, name, email=f"{name}@example.org")
    yield w
    await stop_world(w)


async def test_the_partnerships_space_leaves_them_out_and_tells_who_raised_the_issue(partnership: SlackWorld) -> None:
    world = partnership
    await raise_in_slack(world, "U0REP1")
    members = set(world.slack.members(channel(world)))
    assert {"U0REP1", "U0SEC1", "U0UNS1"} <= members and "U0GMB1" not in members
    [said] = told(world, "U0REP1")
    assert "Not added to the private space of Leeds: no basis for sharing" in said
    assert "did not add them to the private space of Leeds: 1 GMB rep." in said  # another union's, by count
    assert "Gary" not in said and "U0GMB1" not in said
    assert "record their union's sharing basis" in said and "directory file" in said
    assert told(world, "U0UNS1") == told(world, "U0GMB1") == []  # only whoever posted is told

    # Posting again in the space brings the same message up to date: no second one.
    await raise_in_slack(world, "U0REP1", title="Lunch duty rota for support staff")
    assert len(told(world, "U0REP1")) == 1


async def test_everyone_with_a_basis_means_nothing_to_tell(db_url: str, clock: Clock) -> None:
    world = await start_world(db_url, clock, PARTNERSHIP_DIRECTORY)
    try:
        await raise_in_slack(world, "U0REP1")
        assert "U0GMB1" in world.slack.members(channel(world))
        assert told(world, "U0REP1") == []
    finally:
        await stop_world(world)


@pytest.fixture
async def adoption(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    assert UNISON_AGREED in CODE_DIRECTORY
    w = await start_world(db_url, clock, CODE_DIRECTORY.replace(UNISON_AGREED, ""))  # UNISON has recorded no basis
    yield w
    await stop_world(w)


async def test_the_code_adoptions_space_leaves_them_out_and_tells_who_opened_it(adoption: SlackWorld) -> None:
    world = adoption
    await world.command("U0GMB1", "code start")
    sub = await world.submit("U0GMB1", employer_name="Leeds City Council", employer_kind="local_authority",
                             association="Leeds")  # fmt: skip
    assert sub.status == 200 and not sub.body, sub.body
    space = world.slack.channel_id("vws-code-leeds-city-council")
    assert "U0GMB1" in world.slack.members(space) and "U0UNS1" not in world.slack.members(space)
    [said] = told(world, "U0GMB1")
    assert "Not added to the Best Value Code space for Leeds City Council: no basis for sharing" in said
    assert ": 1 UNISON rep." in said and "Uma" not in said
    assert "then invite them to the space" in said


# --------------------------------------------------------------------------- Teams


@pytest.fixture
async def teams(db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]) -> AsyncIterator[Teams]:  # noqa: F811
    async with services_on(db_url, clock) as svc, teams_on(svc, standin, directory=TEAMS_CODE_DIRECTORY.replace(UNISON_AGREED, "")) as found:
        yield found


async def test_in_teams_the_code_adoptions_space_leaves_them_out_and_says_so(teams: Teams) -> None:
    s = teams.standin
    await teams.say("gmb", "code start")
    submit = s.cards_to(AAD["gmb"])[-1]["actions"][0]["data"]
    card = await teams.click("gmb", {**submit, "employer_name": "Leeds City Council", "employer_kind": "local_authority",
                                     "association": "Leeds", "branches": "GMB,UNISON"})  # fmt: skip
    assert "Started the adoption" in card_text(card)
    assert not [c for c in s.cards_to(AAD["uns"]) if "Section " in card_text(c)]  # UNISON's rep was left out
    [said] = [card_text(c) for c in s.cards_to(AAD["gmb"]) if HEADLINE in card_text(c)]
    assert "1 UNISON rep" in said and "record their union" in said
