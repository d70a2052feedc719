"""Loading the directory file: upserts, reported changes, and bad files rejected whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.services import Services
from flows.directory import DirectoryError, parse_directory
from models.tables import LocalAssociation, Person, Role
from tests.conftest import DIRECTORY


async def count(services: Services, model: type) -> int:
    async with services.sessions() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_loading_the_same_file_again_changes_nothing(services: Services) -> None:
    assert await services.load_directory(DIRECTORY) == []


async def test_changes_are_reported_and_removed_roles_are_dropped(services: Services) -> None:
    changed = DIRECTORY.replace("GMB: [U0GMB1]", "GMB: [U0GMB2]").replace("    deputy: U0DEP1\n", "")
    changes = await services.load_directory(changed)
    assert "added person U0GMB2" in changes
    assert "added Leeds: GMB rep U0GMB2" in changes
    assert "removed partner rep U0GMB1 (GMB)" in changes
    assert "Leeds: deputy (none)" in changes
    async with services.sessions() as s:
        gmb = (await s.execute(select(Role.person_id).where(Role.union == "GMB", Role.association_id == 1))).scalars().all()
        assert len(gmb) == 1
        leeds = (await s.execute(select(LocalAssociation).where(LocalAssociation.name == "Leeds"))).scalar_one()
        assert leeds.deputy_id is None


async def test_a_person_may_carry_slack_teams_and_email(services: Services) -> None:
    changed = DIRECTORY.replace("deputy: U0DEP1", "deputy: {slack: U0DEP1, teams: 29:abc-teams-id, email: Dep@Example.org}")
    changes = await services.load_directory(changed)
    assert changes == ["updated U0DEP1: teams, email"]
    async with services.sessions() as s:
        p = (await s.execute(select(Person).where(Person.slack_id == "U0DEP1"))).scalar_one()
        assert (p.teams_id, p.email) == ("29:abc-teams-id", "dep@example.org")


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ("GMB: [U0GMB1]", "local_associations[0] (Leeds).partner_reps.GMB[0]", "'gmb-rep' is neither a Slack user ID"),
        ("nem: {slack: U0NEM1, name: Nia NEM}", "local_associations[0] (Leeds)", "'nem' is required"),
        ("region: Yorkshire and the Humber\n    secretary: {slack", "local_associations[0] (Leeds)", "unknown key 'colour'"),
        ("Unite: [U0UTE1,", "local_associations[0] (Leeds).partner_reps", "'RMT' is not a partner union"),
        ("- name: Bradford", "local_associations[1] (Leeds)", "the name 'Leeds' appears twice"),
    ],
)
async def test_a_bad_file_names_the_entry_and_loads_nothing(services: Services, change: str, where: str, message: str) -> None:
    replacement = {
        "GMB: [U0GMB1]": "GMB: [gmb-rep]",
        "nem: {slack: U0NEM1, name: Nia NEM}": "",
        "region: Yorkshire and the Humber\n    secretary: {slack": "region: Yorkshire and the Humber\n    colour: red\n    secretary: {slack",
        "Unite: [U0UTE1,": "RMT: [U0RMT1]\n      Unite: [U0UTE1,",
        "- name: Bradford": "- name: Leeds",
    }[change]
    bad = DIRECTORY.replace(change, replacement, 1) + "\n"
    bad = bad.replace("U0SEC9", "U0NEWSEC")  # would be a new person, if anything were loaded
    people_before = await count(services, Person)
    with pytest.raises(DirectoryError) as err:
        async with services.sessions() as s, s.begin():
            from flows.directory import load_directory

            await load_directory(s, bad)
    assert err.value.where == where
    assert message in str(err.value)
    assert await count(services, Person) == people_before


def test_not_yaml_is_a_clear_error() -> None:
    with pytest.raises(DirectoryError, match=r"line 3: not valid YAML"):
        parse_directory("national:\n  channel: [unclosed\n")


async def test_a_mid_file_problem_leaves_nothing_half_written(services: Services) -> None:
    # The first association is new and valid; the second matches two different existing people.
    bad = """
local_associations:
  - name: York
    secretary: U0YORKSEC
    nem: U0YORKNEM
  - name: Hull
    secretary: {slack: U0SEC1, email: rep@unite.example.org}
    nem: U0NEM1
"""
    with pytest.raises(DirectoryError, match=r"local_associations\[1\] \(Hull\).secretary: U0SEC1 matches two different"):
        await services.load_directory(bad)
    async with services.sessions() as s:
        names = (await s.execute(select(LocalAssociation.name))).scalars().all()
    assert sorted(names) == ["Bradford", "Leeds"]
