"""E-mail when chat cannot reach someone: a person the bot can reach in neither Slack nor Teams,
whose e-mail the directory has, gets the notice by e-mail through the outbox, and the person
who acted is told who was e-mailed instead. The real server and bolt app against the Slack
stand-in, Teams through signed requests against its stand-in, and a local SMTP server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.mail import SUBJECT
from bot.outbox import parked
from bot.services import Services
from bot.settings import Settings
from tests import test_teams
from tests.conftest import DIRECTORY, Clock
from tests.slack_harness import SlackWorld, start_world, stop_world, text_of
from tests.slack_harness import buttons as slack_buttons
from tests.smtp_standin import SmtpStandIn
from tests.test_slack import propose
from tests.test_teams import AAD, APP_ID, StandIn, buttons, card_text, last_card_with
from tests.test_teams import PROPOSAL as TEAMS_PROPOSAL
from tests.test_teams_copies import both_platforms
from tests.test_teams_partner import teams_app

standin = test_teams.standin

NIA = "nia.nem@leeds.example.org"
SAM = "sam.secretary@leeds.example.org"
LINK = "https://leeds-unions.slack.com"
# The Leeds NEM has no Slack or Teams account in the directory, only an e-mail address.
NEM_BY_EMAIL = DIRECTORY.replace("nem: {slack: U0NEM1, name: Nia NEM}", f"nem: {{email: {NIA}, name: Nia NEM}}")
assert NEM_BY_EMAIL != DIRECTORY


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpStandIn]:
    server = SmtpStandIn()
    await server.start()
    yield server
    await server.stop()


async def world_with_email(db_url: str, clock: Clock, smtp: SmtpStandIn, directory: str) -> SlackWorld:
    return await start_world(db_url, clock, directory=directory, VWS_SMTP_URL=smtp.url,
                             VWS_SMTP_FROM="VWS Bot <vws-bot@unions.example.org>", VWS_EMAIL_LINK=LINK)  # fmt: skip


async def propose_and_approve(world: SlackWorld) -> None:
    await propose(world, association="Leeds")
    [asked] = [m for m in world.slack.dms_to("U0SEC1") if "Approve" in slack_buttons(m)]
    await world.click("U0SEC1", asked, "Approve")
    await world.services.drain()
    await world.settle()
    await world.services.drain()


async def test_a_person_with_only_an_email_is_emailed_and_the_approver_told(
    db_url: str, clock: Clock, smtp: SmtpStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await world_with_email(db_url, clock, smtp, NEM_BY_EMAIL)
    try:
        await propose_and_approve(world)
        [mail] = smtp.to(NIA)
        assert mail.sender == "vws-bot@unions.example.org"
        # The subject says nothing about who they are or what it is about.
        assert mail.message["Subject"] == SUBJECT
        assert "Oakfield" not in SUBJECT and "union" not in SUBJECT.lower() and "NEM" not in SUBJECT
        # The body says what happened and what to do next, and where.
        body = mail.text
        assert "Oakfield Primary School" in body and "Sam Secretary" in body
        assert "What to do next" in body and LINK in body and "Approve" in body
        assert "cannot reach you in Slack or Teams" in body
        assert mail.message.get_content_type() == "text/plain"
        # The Secretary's confirmation says who was e-mailed instead of told in chat.
        said = [text_of(m) for m in [*world.slack.dms_to("U0SEC1"), *world.slack.ephemerals("U0SEC1")]]
        assert any("E-mailed instead: Nia NEM, because the directory has no Slack or Teams account" in t
                   for t in said), said  # fmt: skip
        assert not any("Not told" in t for t in said)
        # No address in the logs.
        assert NIA not in caplog.text
    finally:
        await stop_world(world)


async def test_a_teams_person_in_another_organisation_is_emailed_instead(
    db_url: str, clock: Clock, smtp: SmtpStandIn, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, _ = standin
    teams_only = DIRECTORY.replace(
        "secretary: {slack: U0SEC1, name: Sam Secretary}",
        f"secretary: {{teams: {AAD['sec']}, email: {SAM}, name: Sam Secretary}}",
    )
    stand.tenant.elsewhere.add(AAD["sec"])  # Graph does not know them in the unions' tenant
    world = await world_with_email(db_url, clock, smtp, teams_only)
    try:
        both_platforms(world, stand)
        await propose(world, association="Leeds")
        await world.settle()
        await world.services.drain()
        assert stand.cards_to(AAD["sec"]) == []
        [mail] = smtp.to(SAM)
        assert "Oakfield Primary School" in mail.text and "Approve" in mail.text
        told = [text_of(m) for m in world.slack.dms_to("U0REP1") if "E-mailed instead" in text_of(m)]
        assert told and "Sam Secretary, because their Teams account is in another organisation" in told[-1]
        assert not any("Not told" in text_of(m) for m in world.slack.dms_to("U0REP1"))
    finally:
        await stop_world(world)


async def test_a_busy_mail_server_is_tried_again_and_a_refusal_parks_the_notice(
    db_url: str, clock: Clock, smtp: SmtpStandIn
) -> None:
    smtp.busy = 1  # the first DATA gets "451 try again later"
    world = await world_with_email(db_url, clock, smtp, NEM_BY_EMAIL)
    try:
        await propose_and_approve(world)
        assert len(smtp.to(NIA)) == 1  # tried again, sent once

        # A server that refuses the address for good: the notice is parked, with the SMTP code.
        smtp.refuse[NIA] = 550
        await propose(world, employer_name="Elm Academy", association="Leeds")
        asked = [m for m in world.slack.dms_to("U0SEC1") if "Approve" in slack_buttons(m)][-1]
        await world.click("U0SEC1", asked, "Approve")
        await world.services.drain()
        assert len(smtp.to(NIA)) == 1
        failed = await parked(world.services.sessions)
        assert [error for *_, error, _ in failed] == ["smtp_550"]
    finally:
        await stop_world(world)


async def test_a_teams_approver_is_told_who_was_emailed_instead(
    db_url: str, clock: Clock, smtp: SmtpStandIn, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    stand, key = standin
    directory = test_teams.DIRECTORY.replace(
        f"nem: {{teams: {AAD['nem']}, name: Nia NEM}}", f"nem: {{email: {NIA}, name: Nia NEM}}"
    )
    assert directory != test_teams.DIRECTORY
    svc = Services.build(Settings(DATABASE_URL=db_url, VWS_SMTP_URL=smtp.url), clock=clock)
    await svc.start()
    await svc.load_directory(directory)
    try:
        async with teams_app(svc, stand, key) as (t, _):
            await t.click("rep", {"op": "propose", **TEAMS_PROPOSAL})
            request = last_card_with(stand.cards_to(AAD["sec"]), "Approve")
            card = await t.click("sec", buttons(request)["Approve"]["data"])
            assert r"E\\-mailed instead: Nia NEM, because the directory has no Slack or Teams account" in card_text(card)
            assert "Not told" not in card_text(card)
            [mail] = smtp.to(NIA)
            # With Teams, the e-mail says where to answer: VWS Bot's chat in Teams.
            assert f"https://teams.microsoft.com/l/chat/0/0?users=28:{APP_ID}" in mail.text
    finally:
        await svc.close()
