"""Erasure: refused while an open case needs the person; then a tombstone keeps the record and a
full dump of the database holds neither their ids nor their e-mail nor their name."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from bot.services import Services
from flows.privacy.erase import erase
from models.privacy import PrivacyAction
from models.tables import Base, Employer, Event, LocalAssociation, Person, Role
from tests.privacy_rows import WHEN, one_of_everything, outbox_notice
from tests.test_cli import vws

SECRETS = ("U0REP1", "29:rita-teams-id", "rita@example.org", "Rita Rep")


async def dump(services: Services) -> str:
    """Every row of every table, as text."""
    out: list[str] = []
    async with services.sessions() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).mappings():
                out.append(json.dumps({table.name: dict(row)}, default=str, ensure_ascii=False))
    return "\n".join(out)


async def _world(services: Services) -> tuple[int, int]:
    async with services.sessions() as s, s.begin():
        rita = (await s.execute(select(Person).where(Person.slack_id == "U0REP1"))).scalar_one()
        rita.teams_id, rita.email = "29:rita-teams-id", "rita@example.org"
        sam = (await s.execute(select(Person).where(Person.slack_id == "U0SEC1"))).scalar_one()
        await one_of_everything(s, rita.id, "Rita Rep (rita@example.org)", {
            "outbox": {"notice": outbox_notice(rita.id, "Rita Rep"), "state": "sent", "sent_at": WHEN},
        })  # fmt: skip
        emp = (await s.execute(select(Employer.id))).scalar_one()
        await s.execute(insert(Event).values(employer_id=emp, actor_id=sam.id, action="note", to_stage="joined",
                                             reasons="Asked Rita Rep (U0REP1) to chase", payload={"who": "Rita Rep"}))  # fmt: skip
        return rita.id, sam.id


async def test_erasure_is_refused_naming_what_needs_them_then_leaves_no_identifier(services: Services) -> None:
    rita, sam = await _world(services)
    async with services.sessions() as s, s.begin():
        person = await s.get(Person, rita)
        assert person is not None
        refused = await erase(s, person, WHEN)
        await s.rollback()
    assert refused.refused
    assert any("they proposed employer #" in b and "still open" in b for b in refused.blockers)
    assert any("Secretary of local association #" in b for b in refused.blockers)
    assert SECRETS[0] in await dump(services)  # nothing was erased

    async with services.sessions() as s, s.begin():  # the admin reassigns
        await s.execute(update(Employer).where(Employer.proposer_id == rita).values(stage="withdrawn"))
        await s.execute(update(LocalAssociation).values(secretary_id=sam, deputy_id=None, nem_id=sam)
                        .where(LocalAssociation.secretary_id == rita))  # fmt: skip
        events_before = len((await s.execute(select(Event))).all())
        person = await s.get(Person, rita)
        assert person is not None
        done = await erase(s, person, WHEN)
    assert not done.refused
    assert done.tombstone == f"former NASUWT rep #{rita}"
    everything = await dump(services)
    for secret in SECRETS:
        assert secret not in everything, secret
    async with services.sessions() as s:
        person = await s.get(Person, rita)
        assert person is not None and person.label == f"former NASUWT rep #{rita}"
        assert (person.slack_id, person.teams_id, person.email, person.name) == (None, None, None, None)
        assert (await s.execute(select(Role).where(Role.person_id == rita))).first() is None
        events = (await s.execute(select(Event).order_by(Event.id))).scalars().all()
        assert len(events) == events_before  # the audit trail stays
        assert events[0].actor_id == rita and events[0].reasons == "(erased)"  # her words redacted
        assert events[-1].actor_id == sam and events[-1].reasons == f"Asked former NASUWT rep #{rita} (former NASUWT rep #{rita}) to chase"
        actions = (await s.execute(select(PrivacyAction.action, PrivacyAction.table_name))).all()
        assert ("redact", "events") in actions and ("erase", "people") in actions
        # Every other change to the audit trail is still refused.
        events[0].reasons = "changed"
        with pytest.raises(RuntimeError, match="append-only"):
            await s.flush()


async def test_vws_erase_dry_run_changes_nothing_and_refusal_names_the_blocker(services: Services, db_url: str) -> None:
    rita, _ = await _world(services)
    before = await dump(services)
    refused = vws(db_url, "erase", "U0REP1")
    assert refused.returncode == 1 and "is still needed; nothing was erased" in refused.stderr
    assert "they proposed employer #1, still open" in refused.stderr
    async with services.sessions() as s, s.begin():
        await s.execute(update(Employer).values(stage="revoked"))
        await s.execute(update(LocalAssociation).values(secretary_id=None, deputy_id=None, nem_id=None))
    before = await dump(services)
    dry = vws(db_url, "erase", "rita@example.org", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"Would erase person #{rita}: now 'former NASUWT rep #{rita}'" in dry.stdout
    assert "Dry run: nothing was changed." in dry.stdout
    assert await dump(services) == before
    real = vws(db_url, "erase", "29:rita-teams-id")
    assert real.returncode == 0, real.stderr
    after: Any = await dump(services)
    assert "rita@example.org" not in after
    assert "already erased" in vws(db_url, "erase", f"#{rita}").stdout
