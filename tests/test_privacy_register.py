"""The register of processing is generated from the tables' own declarations, and cannot miss one."""

from __future__ import annotations

import dataclasses

import pytest

from flows.privacy.register import undeclared
from models.tables import Base, Person
from tests.test_cli import vws


def test_every_table_declares_and_every_column_that_could_be_personal_is_classified() -> None:
    assert undeclared() == []
    assert len(Base.metadata.tables) >= 40


def test_a_column_holding_personal_data_without_a_declaration_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    declared = Person.__privacy__
    monkeypatch.setattr(Person, "__privacy__", dataclasses.replace(
        declared, personal=tuple(c for c in declared.personal if c != "email")))  # fmt: skip
    assert undeclared() == ["people.email: not classified as personal or not personal"]
    monkeypatch.delattr(Person, "__privacy__")
    assert "people: no __privacy__ declaration" in undeclared()


def test_vws_privacy_register_prints_it_from_the_schema(db_url: str) -> None:
    out = vws(db_url, "privacy", "register")
    assert out.returncode == 0, out.stderr
    assert "people: chat identity (Slack or Teams id), e-mail address, display name" in out.stdout
    assert "  retention: 90 days after delivery" in out.stdout  # the outbox, with the period in force
    assert "Article 9(2)(d)" in out.stdout
    md = vws(db_url, "privacy", "register", "--md")
    assert md.returncode == 0, md.stderr
    assert "| Table | Personal data | Purpose | Lawful basis | Article 9 condition | Recipients | Retention | Source |" in md.stdout
    rows = [line for line in md.stdout.splitlines() if line.startswith("| `")]
    assert {r.split("`")[1] for r in rows} >= {"people", "roles", "events", "outbox", "issues", "partner_voices"}


def test_the_register_uses_the_periods_a_union_set(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VWS_RETENTION_OUTBOX_DAYS", "30")
    out = vws(db_url, "privacy", "register")
    assert "  retention: 30 days after delivery" in out.stdout
