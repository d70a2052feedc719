"""The Best Value Code in Teams: the start form as a card, the sections reaching each branch's rep
(one 1:1 chat each when no shared space can be made), a field error shown on the form again, and
positions typed in the rep's own chat ("3.2 agreed")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import Clock
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
from tests.test_teams import standin as standin  # noqa: F401 - the fixture

CODE_DIRECTORY = DIRECTORY + f"""    branches:
      GMB: {{reps: [{{teams: {AAD["gmb"]}}}]}}
      UNISON: {{reps: [{{teams: {AAD["uns"]}}}]}}
"""


@pytest.fixture
async def teams(db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]) -> AsyncIterator[Teams]:
    async with services_on(db_url, clock) as svc, teams_on(svc, standin, directory=CODE_DIRECTORY) as found:
        yield found


def txt(card: dict) -> str:  # type: ignore[type-arg]
    """A card's text without the escaping of markdown characters (``3\\.2`` reads ``3.2``)."""
    return card_text(card).replace("\\\\", "")


def section_card(cards: list, number: int) -> dict:  # type: ignore[type-arg]
    return [c for c in cards if f"Section {number}:" in txt(c)][-1]  # type: ignore[no-any-return]


async def test_an_adoption_in_teams(teams: Teams) -> None:
    s = teams.standin
    await teams.say("gmb", "code start")
    form = s.cards_to(AAD["gmb"])[-1]
    branches = next(b for b in form["body"] if b.get("id") == "branches")
    assert branches["isMultiSelect"] is True and branches["value"] == "GMB,UNISON"
    submit = form["actions"][0]["data"]
    card = await teams.click("gmb", {**submit, "employer_name": "Leeds City Council", "employer_kind": "local_authority",
                                     "association": "Leeds", "branches": "GMB,UNISON"})  # fmt: skip
    assert "Started the adoption" in txt(card), txt(card)

    # Each branch's rep gets the sections in their own chat with the bot.
    for who in ("gmb", "uns"):
        assert len([c for c in s.cards_to(AAD[who]) if "Section " in txt(c) and " settled" in txt(c)]) == 12
    post = section_card(s.cards_to(AAD["gmb"]), 3)
    assert set(buttons(post)) == {"Mark a clause", "Agree the section as written"}

    # Mark a clause: Not agreed without a reason comes back on the form, naming the field.
    mark_form = await teams.click("gmb", buttons(post)["Mark a clause"]["data"])
    assert any(b.get("id") == "position" for b in mark_form["body"])
    again = await teams.click("gmb", {**mark_form["actions"][0]["data"], "clause": "3.2", "position": "not_agreed"})
    assert "Give the reason for your branch" in txt(again) and any(b.get("id") == "reason" for b in again["body"])
    done = await teams.click("gmb", {**mark_form["actions"][0]["data"], "clause": "3.2", "position": "agreed"})
    assert "Recorded for GMB: 3.2" in txt(done)

    # UNISON types its position in its own chat: the clause is settled, and each rep's card says so.
    await teams.say("uns", "3.2 agreed")
    # (the answer comes in the turn; the branches' news follows from the outbox)
    assert any("1 of 51 clauses are settled" in txt(c) for c in s.cards_to(AAD["uns"])[-3:])
    assert "1 of 3 settled" in txt(section_card(s.cards_to(AAD["gmb"], "update"), 3))

    await teams.say("gmb", "code status")
    status = s.cards_to(AAD["gmb"])[-1]
    assert "3. Information disclosure: 1/3 settled" in txt(status)
