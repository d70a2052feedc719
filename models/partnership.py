"""The local social partnerships' tables: partnerships, who sits on them, the escalation ladder's
contacts, their remit and protocol, and the issues they resolve.

Trade union membership is special category data: a member is a person (already in ``people``)
and the side they sit for; nothing else about them is kept. Individual casework is never
stored: the screening question keeps it out, and an issue found to be casework later has its
free text erased (``title``, ``description``, ``group_affected``, attempts and notes), while
``partnership_events`` keeps that it happened, never what was said.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.register import ARTICLE_9D, AUDIT_KEPT, ISSUES, SOURCE_DIRECTORY, Privacy, none
from models.tables import Base, Person, utcnow


class Partnership(Base):
    """A local social partnership: one per local authority area.

    ``stage``, ``revision`` and ``version`` make it a case of the partnership's own table (its
    remit and protocol reviews are taken with the same conditional update as any decision).
    """

    __tablename__ = "partnerships"
    __privacy__ = none("local social partnerships", "name", "local_authority", "region", "nation", "stage")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    local_authority: Mapped[str] = mapped_column(String(200), unique=True)
    region: Mapped[str] = mapped_column(String(120), default="")
    nation: Mapped[str] = mapped_column(String(32), default="England")
    meet_every_weeks: Mapped[int | None] = mapped_column(Integer)
    next_meeting: Mapped[date | None] = mapped_column(Date)
    review_every_months: Mapped[int] = mapped_column(Integer, default=12)
    stage: Mapped[str] = mapped_column(String(32), default="active")
    stage_since: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnershipMember(Base):
    """Who sits on a partnership, and for which side (a union, the local authority, an association)."""

    __tablename__ = "partnership_members"
    __privacy__ = Privacy(
        holds="who sits on a partnership and for which side (a union)", purpose="the partnership's members",
        article9=ARTICLE_9D, source=SOURCE_DIRECTORY, personal=("person_id", "party"),
    )
    __table_args__ = (UniqueConstraint("partnership_id", "person_id", "party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(32))

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class PartnershipArea(Base):
    """Which NASUWT local associations a partnership's area covers (so a concern about an employer
    in the scheme finds its partnership)."""

    __tablename__ = "partnership_areas"
    __privacy__ = none("which associations a partnership covers")
    __table_args__ = (UniqueConstraint("partnership_id", "association_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("local_associations.id", ondelete="CASCADE"), index=True)


class EscalationContact(Base):
    """A regional (per region) or national (per nation) escalation contact, or a deputy."""

    __tablename__ = "escalation_contacts"
    __privacy__ = Privacy(
        holds="who is a regional or national escalation contact", purpose="the resolution ladder", article9=ARTICLE_9D,
        source=SOURCE_DIRECTORY, personal=("person_id",), not_personal=("level", "area"),
    )
    __table_args__ = (UniqueConstraint("level", "area", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))  # regional | national
    area: Mapped[str] = mapped_column(String(120), index=True)  # the region's or the nation's name
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    deputy: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class PartnershipDocument(Base):
    """One version of a partnership's remit (its areas, one a line) or protocol (the four themes),
    with the sides that took part in the review that agreed it and when it is next reviewed."""

    __tablename__ = "partnership_documents"
    __privacy__ = Privacy(
        holds="who recorded a remit or protocol", purpose="the partnership's remit and protocol",
        retention="the partnership's record", personal=("recorded_by_id",), not_personal=("kind", "body", "parties"),
    )
    __table_args__ = (UniqueConstraint("partnership_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # remit | protocol
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"areas": [...]} or {"themes": {...}}
    parties: Mapped[list[str]] = mapped_column(JSON, default=list)  # the sides that took part
    agreed_on: Mapped[date] = mapped_column(Date)
    next_review_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Issue(Base):
    """One issue on the resolution ladder: local, regional, national. One record whose level
    changes, with its attempts and notes carried up.

    ``revision`` counts the times it changed level (escalated or referred back): attempts are
    logged against it, so escalating again after a refer back needs a new attempt.
    """

    __tablename__ = "issues"
    __privacy__ = Privacy(
        holds="who raised an issue; its title, description and the group affected (may name people)",
        purpose="resolving issues on the ladder", article9=ARTICLE_9D, retention=ISSUES,
        personal=("raised_by_id", "title", "description", "group_affected", "remit_area"),
        free_text=("title", "description", "group_affected", "remit_area"), not_personal=("stage", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="RESTRICT"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"), index=True)
    stage: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16))  # local | regional | national
    revision: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    group_affected: Mapped[str | None] = mapped_column(Text)
    remit_area: Mapped[str | None] = mapped_column(Text)
    in_remit: Mapped[bool] = mapped_column(Boolean, default=True)
    remit_proposed_at: Mapped[datetime | None]
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    stage_since: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    posts: Mapped[int] = mapped_column(Integer, default=0)  # messages posted about it (their keys)
    closed_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    partnership: Mapped[Partnership] = relationship(lazy="joined", innerjoin=True)


class IssueAttempt(Base):
    """What was tried at one level, when, and the outcome (it did not resolve the issue)."""

    __tablename__ = "issue_attempts"
    __privacy__ = Privacy(
        holds="what was tried and its outcome, and who recorded it", purpose="resolving issues on the ladder",
        retention=ISSUES, personal=("person_id", "tried", "outcome"), free_text=("tried", "outcome"),
        not_personal=("level", "result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    tried: Mapped[str | None] = mapped_column(Text)
    tried_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(16))  # not_resolved | partly
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class IssueNote(Base):
    """Words that travel with an issue: why options are exhausted, a note on an escalation, a refer
    back's reasons, what was agreed. Free text, erased with the rest when it turns out to be casework."""

    __tablename__ = "issue_notes"
    __privacy__ = Privacy(
        holds="notes on an issue and who wrote them", purpose="resolving issues on the ladder", retention=ISSUES,
        personal=("person_id", "text"), free_text=("text",), not_personal=("level", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24))  # exhausted | note | refer_back | resolution | reopen
    text: Mapped[str | None] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnershipEvent(Base):
    """The partnerships' audit trail: one row per transition, appended and never changed. It
    records who did what and when, never free text (that is erased with casework)."""

    __tablename__ = "partnership_events"
    __privacy__ = Privacy(
        holds="who took each step of a partnership or issue", purpose="the partnerships' audit trail", article9=ARTICLE_9D,
        retention=AUDIT_KEPT, personal=("actor_id", "payload"), not_personal=("action", "from_stage", "to_stage", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="RESTRICT"), index=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id", ondelete="RESTRICT"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: the bot itself
    action: Mapped[str] = mapped_column(String(40))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16))  # the issue's level after the event
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(PartnershipEvent, "before_update")
@event.listens_for(PartnershipEvent, "before_delete")
def _partnership_events_are_append_only(_mapper: Any, _connection: Any, target: PartnershipEvent) -> None:
    raise RuntimeError("audit events are append-only: they are never updated or deleted")
