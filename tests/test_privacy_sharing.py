"""Each union's basis for showing its reps to the other unions, from the directory file; a person
without one is not put in the partner channel, and the Secretary is told who is missing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.services import Services
from flows.directory import DirectoryError
from models.privacy import SharingBasis, SharingConsent
from tests.conftest import DIRECTORY, Clock
from tests.slack_harness import SlackWorld, start_world, stop_world, text_of
from tests.test_slack import propose

AGREED = "  Unite: {agreement: VWS four-union data sharing agreement (test)}\n"
# Unite by consent (one of its two Leeds reps gave it); GMB with no basis at all.
BY_CONSENT = DIRECTORY.replace(AGREED, "  Unite:\n    consent: {U0UTE1: 2026-10-01, U0UTE9: 2026-10-02}\n").replace(
    "  GMB: {agreement: VWS four-union data sharing agreement (test)}\n", "")


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock, directory=BY_CONSENT)
    yield w
    await stop_world(w)


async def test_the_directory_records_each_unions_basis_and_the_consents(services: Services) -> None:
    changes = await services.load_directory(BY_CONSENT)
    assert "GMB has no sharing basis any more: its reps are not put in shared spaces" in changes
    assert "Unite now shares its reps' roles by consent" in changes
    assert "Unite: consent to sharing from U0UTE1 (2026-10-01)" in changes
    async with services.sessions() as s:
        bases = {(b.union, b.basis, b.reference) for b in (await s.execute(select(SharingBasis))).scalars()}
        consents = [(c.union, c.given_on.isoformat()) for c in (await s.execute(select(SharingConsent))).scalars()]
    assert ("Unite", "consent", None) in bases and not any(b[0] == "GMB" for b in bases)
    assert sorted(consents) == [("Unite", "2026-10-01"), ("Unite", "2026-10-02")]
    assert await services.load_directory(BY_CONSENT) == []  # twice changes nothing


@pytest.mark.parametrize(("change", "where", "message"), [
    ("  Unite: {agreement: x, consent: {U0UTE1: 2026-10-01}}\n", "sharing.Unite",
     "give either 'agreement: <reference>' or 'consent'"),
    ("  Unite: {consent: {U0NOBODY: 2026-10-01}}\n", "sharing.Unite.consent.U0NOBODY", "is not a person in the directory"),
    ("  Unison Scotland: {agreement: x}\n", "sharing.Unison Scotland", "is not one of the unions"),
])  # fmt: skip
async def test_a_bad_sharing_entry_is_refused_naming_it(services: Services, change: str, where: str, message: str) -> None:
    bad = DIRECTORY.replace(AGREED, change)
    with pytest.raises(DirectoryError) as err:
        await services.load_directory(bad)
    assert str(err.value).startswith(where) and message in str(err.value)


async def test_a_rep_without_a_basis_is_not_put_in_the_partner_channel_and_the_secretary_is_told(
    world: SlackWorld,
) -> None:
    slack = world.slack
    await propose(world)
    await world.click("U0SEC1", world.last_dm("U0SEC1"), "Approve")
    await world.click("U0NEM1", world.last_dm("U0NEM1"), "Approve")
    await world.settle()
    channel = slack.channel_id("vws-oakfield-primary-school")
    members = set(slack.members(channel))
    assert {"U0UNS1", "U0UTE1", "U0REP1", "U0SEC1"} <= members  # UNISON by agreement, U0UTE1 by consent
    assert "U0GMB1" not in members  # GMB has recorded no basis
    assert slack.invitations(channel) == []  # the Unite rep known by e-mail gave no consent
    told = [text_of(m) for m in slack.dms_to("U0SEC1") if "no basis for sharing" in text_of(m)]
    assert len(told) == 1
    assert "1 GMB rep" in told[0] and "1 Unite rep" in told[0]
    assert "rep@unite.example.org" not in told[0] and "U0GMB1" not in told[0]  # another union's reps, by count


async def test_a_person_no_longer_in_the_directory_is_marked_and_back_again_is_not(services: Services) -> None:
    from models.tables import Person

    gone = DIRECTORY.replace("GMB: [U0GMB1]", "GMB: [U0GMB2]")
    changes = await services.load_directory(gone)
    assert "U0GMB1 is no longer in the directory: vws retention erases them after the retention period" in changes
    async with services.sessions() as s:
        marked = {p.slack_id: p.removed_on for p in (await s.execute(select(Person))).scalars()}
    assert marked["U0GMB1"] == services.engine.today()
    assert {k for k, v in marked.items() if v is not None} == {"U0GMB1"}  # officers, admins, reps: still in it
    assert not any("no longer" in c for c in await services.load_directory(gone))  # said once
    await services.load_directory(DIRECTORY)
    async with services.sessions() as s:
        back = (await s.execute(select(Person).where(Person.slack_id == "U0GMB1"))).scalar_one()
    assert back.removed_on is None


async def test_a_partnerships_space_leaves_out_a_union_member_without_a_basis(services: Services) -> None:
    from flows.partnership.case import space
    from models.partnership import Partnership
    from models.tables import Person
    from tests.partnership_world import PARTNERSHIP_DIRECTORY

    no_gmb = PARTNERSHIP_DIRECTORY.replace("  GMB: {agreement: VWS four-union data sharing agreement (test)}\n", "")
    for directory, gmb_shown in ((PARTNERSHIP_DIRECTORY, True), (no_gmb, False)):
        await services.load_directory(directory)
        async with services.sessions() as s:
            p = (await s.execute(select(Partnership))).scalars().one()
            to = await space(s, p)
            shown = {ref.id for ref in to.members}
            gary = (await s.execute(select(Person.id).where(Person.slack_id == "U0GMB1"))).scalar_one()
            rita = (await s.execute(select(Person.id).where(Person.slack_id == "U0REP1"))).scalar_one()
        assert (gary in shown) is gmb_shown
        assert rita in shown  # NASUWT has its agreement
