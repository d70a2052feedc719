"""Subject access: the export finds every kind of row about the person, names others only by role,
and carries the register's purposes, recipients, retention and sources."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import insert, select

from bot.services import Services
from flows.privacy.records import find_subject, tables_about_people
from flows.privacy.sar import as_markdown, subject_access
from models.tables import Employer, Event, Person
from tests.privacy_rows import WHEN, one_of_everything, outbox_notice
from tests.test_cli import vws


async def _fill(services: Services) -> Person:
    async with services.sessions() as s, s.begin():
        rita = (await s.execute(select(Person).where(Person.slack_id == "U0REP1"))).scalar_one()
        sam = (await s.execute(select(Person).where(Person.slack_id == "U0SEC1"))).scalar_one()
        await one_of_everything(s, rita.id, "Rita Rep", {
            "outbox": {"notice": outbox_notice(rita.id, "Rita Rep"), "state": "sent", "sent_at": WHEN},
        })  # fmt: skip
        emp = (await s.execute(select(Employer.id))).scalar_one()
        # Sam's words name Rita: found, with Sam only by role.
        await s.execute(insert(Event).values(employer_id=emp, actor_id=sam.id, action="note", to_stage="joined",
                                             reasons="Asked Rita Rep to chase the head; Sam Secretary", payload={}))  # fmt: skip
    return rita


async def test_the_export_finds_every_kind_of_row_about_the_person(services: Services) -> None:
    rita = await _fill(services)
    async with services.sessions() as s:
        data = await subject_access(s, rita, services.settings, WHEN)
    kinds = {t.name for t, _ in tables_about_people()}
    assert len(kinds) >= 25
    assert kinds <= set(data["records"]), kinds - set(data["records"])
    assert data["records"]["people"]["rows"][0]["slack_id"] == "U0REP1"
    assert {r["role"] for r in data["records"]["roles"]["rows"]} >= {"rep", "roles.role"}
    assert [n["headline"] for n in data["notices"]["rows"]] == ["Review due for Oakfield Primary School"]
    assert len(data["nudges"]["rows"]) == 1  # the reminder ledger row of the notice sent to her
    [named] = data["named_in"]["events"]["rows"]
    assert named["actor_id"] == "another person (actor)"
    assert named["reasons"] == "Asked Rita Rep to chase the head; another person"
    assert data["records"]["events"]["rows"][0]["actor_id"] == "you"
    # The register's information comes with each kind of record.
    outbox = data["notices"]["register"]
    assert outbox["retention"] == "90 days after delivery" and outbox["recipients"] and outbox["purpose"]
    assert "Article 9(2)(d)" in data["records"]["roles"]["register"]["article_9"]
    # Other people only by role.
    text = json.dumps(data, default=str)
    for other in ("Sam Secretary", "U0SEC1", "U0NEM1", "Nia NEM"):
        assert other not in text, other
    md = as_markdown(data)
    assert "## Records: roles" in md and "## Where you are named: events" in md
    assert "**How long it is kept:** 90 days after delivery" in md


async def test_a_person_is_found_by_slack_id_teams_id_or_email(services: Services) -> None:
    async with services.sessions() as s, s.begin():
        s.add(Person(teams_id="29:teams-person", email="t@example.org"))
    async with services.sessions() as s:
        by_teams = await find_subject(s, "29:teams-person")
        by_email = await find_subject(s, "T@example.org")
        by_slack = await find_subject(s, "U0REP1")
        assert by_teams is not None and by_email is not None and by_teams.id == by_email.id
        assert by_slack is not None and by_slack.name == "Rita Rep"
        assert await find_subject(s, "U0NOBODY") is None


async def test_vws_sar_writes_json_and_markdown(services: Services, db_url: str, tmp_path: Path) -> None:
    await _fill(services)
    out = vws(db_url, "sar", "U0REP1", "--out", str(tmp_path / "rita"))
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "rita.json").read_text())
    assert {t.name for t, _ in tables_about_people()} <= set(data["records"])
    assert "## Records: workplan_actions" in (tmp_path / "rita.md").read_text()
    assert "Rita" not in out.stdout and "U0REP1" not in out.stdout
    missing = vws(db_url, "sar", "nobody@example.org", "--out", str(tmp_path / "x"))
    assert missing.returncode == 1 and "sar: PERSON: no one in the directory is 'nobody@example.org'" in missing.stderr
