""""Not told: …" is kept with the decision: for the people a decision's notices are to whom the
bot already knows it cannot reach, the note to the person who acted is written to the outbox in
the decision's own transaction, so a process that dies right after answering loses nothing."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from tests import test_teams
from tests.conftest import DIRECTORY, Clock
from tests.slack_harness import SlackWorld, start_world, stop_world, text_of
from tests.slack_harness import buttons as slack_buttons
from tests.test_slack import propose
from tests.test_teams import AAD, StandIn
from tests.test_teams_copies import both_platforms

standin = test_teams.standin

NO_CHAT = DIRECTORY.replace("nem: {slack: U0NEM1, name: Nia NEM}", "nem: {email: nia@leeds.example.org, name: Nia NEM}")
assert NO_CHAT != DIRECTORY
NOT_TOLD = "Not told: Nia NEM, because the directory has no Slack or Teams account for them."


def dies_after_answering(world: SlackWorld) -> list[Any]:
    """From now on, whatever the Slack app would do after answering is lost (the process died)."""
    lost: list[Any] = []

    def later(work: Any) -> None:
        lost.append(work)
        work.close()

    world.bot.inflight.later = later
    return lost


def told(world: SlackWorld, user: str) -> list[str]:
    return [text_of(m) for m in [*world.slack.dms_to(user), *world.slack.ephemerals(user)]]


async def test_the_not_told_note_is_written_with_the_decision(db_url: str, clock: Clock) -> None:
    world = await start_world(db_url, clock, directory=NO_CHAT)
    try:
        await propose(world, association="Leeds")
        [asked] = [m for m in world.slack.dms_to("U0SEC1") if "Approve" in slack_buttons(m)]
        lost = dies_after_answering(world)
        await world.click("U0SEC1", asked, "Approve")
        assert lost  # the after-answer work never ran
        await world.services.drain()
        said = told(world, "U0SEC1")
        assert sum(NOT_TOLD in t for t in said) == 1, said
    finally:
        await stop_world(world)


async def test_the_note_is_said_once_when_nothing_dies(db_url: str, clock: Clock) -> None:
    world = await start_world(db_url, clock, directory=NO_CHAT)
    try:
        await propose(world, association="Leeds")
        [asked] = [m for m in world.slack.dms_to("U0SEC1") if "Approve" in slack_buttons(m)]
        await world.click("U0SEC1", asked, "Approve")
        await world.services.drain()
        await world.settle()
        await world.services.drain()
        said = told(world, "U0SEC1")
        assert sum(NOT_TOLD in t for t in said) == 1, said
    finally:
        await stop_world(world)


async def test_a_teams_person_known_unreachable_is_in_the_note_written_with_the_decision(
    db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    """A Teams Secretary the bot already failed to reach (remembered for 12 hours) is named in
    the proposer's confirmation from the decision's own transaction; the note is not lost if
    the process dies after answering, and not said twice when it does not."""
    stand, _ = standin
    teams_only = DIRECTORY.replace(
        "secretary: {slack: U0SEC1, name: Sam Secretary}", f"secretary: {{teams: {AAD['sec']}, name: Sam Secretary}}"
    )
    stand.tenant.elsewhere.add(AAD["sec"])
    world = await start_world(db_url, clock, directory=teams_only)
    try:
        both_platforms(world, stand)
        await propose(world, association="Leeds")
        await world.settle()
        await world.services.drain()
        first = "Sam Secretary, because their Teams account is in another organisation"
        assert sum(first in t for t in told(world, "U0REP1")) == 1
        # The rep proposes another employer; the bot now knows it cannot reach the Secretary.
        dies_after_answering(world)
        await propose(world, employer_name="Elm Academy", association="Leeds")
        await world.services.drain()
        assert sum(first in t for t in told(world, "U0REP1")) == 2
    finally:
        await stop_world(world)
