"""Registering the national union's Teams channel: national officers and admins only."""

from __future__ import annotations

from sqlalchemy import update

from bot.services import Services
from bot.teams.store import NATIONAL_KEY
from flows.notices import Kind, Notice, ToNational
from models.tables import Person
from tests import test_teams
from tests.test_teams import AAD, StandIn, card_text
from tests.test_teams_partner import send, space_activity, teams_app, typed

standin = test_teams.standin
teams_services = test_teams.teams_services

NATIONAL = "19:nationalchannel@thread.tacv2"
OTHER = "19:otherchannel@thread.tacv2"


def to_national(headline: str) -> Notice:
    return Notice(Kind.NATIONAL, ToNational(), headline, employer_id=None)


def posted(stand: StandIn, conversation: str) -> list[str]:
    return [card_text(c) for conv, c in stand.cards() if conv.split(";")[0] == conversation]


async def test_a_national_officer_registers_the_channel_and_national_notices_go_there(
    teams_services: Services, standin: tuple[StandIn, object]
) -> None:
    stand, key = standin
    async with teams_app(teams_services, stand, key) as (t, app):  # type: ignore[arg-type]
        await send(
            t, typed(t, "nat", f"{NATIONAL};messageid=1700000000001", "channel", "register national channel")
        )
        [answer] = posted(stand, NATIONAL)
        assert "this is now the national union's channel" in answer
        await app.router.deliver([to_national("Oakfield Primary School has joined the scheme")])
        news = [c for c in stand.calls if c["kind"] == "send" and "has joined" in card_text(c["body"])]
        # A new post in the channel (Teams threads by conversation id), not a reply in the thread
        # where the channel was registered.
        assert [c["conv"] for c in news] == [NATIONAL]


async def test_an_admin_may_register_it_too(
    teams_services: Services, standin: tuple[StandIn, object]
) -> None:
    stand, key = standin
    async with teams_services.sessions() as s, s.begin():
        await s.execute(update(Person).where(Person.teams_id == AAD["dep"]).values(is_admin=True))
    async with teams_app(teams_services, stand, key) as (t, app):  # type: ignore[arg-type]
        await send(t, typed(t, "dep", NATIONAL, "channel", "Register the national channel"))
        assert "this is now the national union's channel" in posted(stand, NATIONAL)[-1]
        assert await app.deliverer.store.has(NATIONAL_KEY)


async def test_anyone_else_is_refused_and_nothing_changes(
    teams_services: Services, standin: tuple[StandIn, object]
) -> None:
    stand, key = standin
    async with teams_app(teams_services, stand, key) as (t, app):  # type: ignore[arg-type]
        # The real national channel is registered first; a rep then tries to take it elsewhere.
        await send(t, typed(t, "nat", NATIONAL, "channel", "register national channel"))
        for who in ("rep", "sec", "gmb"):
            await send(t, typed(t, who, OTHER, "channel", "register national channel"))
            assert "Only a national officer or an admin" in posted(stand, OTHER)[-1]
        # Typed without mentioning the bot in a channel it reads, it is refused the same way.
        await send(t, space_activity(t, "rep", OTHER, "channel", text="register national channel"))
        assert "Only a national officer or an admin" in posted(stand, OTHER)[-1]
        # A national officer in a 1:1 chat is told where to type it.
        await t.say("nat", "register national channel")
        assert "in the national union's Teams channel" in card_text(t.standin.cards_to(AAD["nat"])[-1])

        await app.router.deliver([to_national("Oakfield Primary School has joined the scheme")])
        assert any("has joined" in x for x in posted(stand, NATIONAL))
        assert not any("has joined" in x for x in posted(stand, OTHER))
