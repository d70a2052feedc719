"""The Best Value Code for Quality Employment: the code as loaded data, each employer's adoption of
it, the branches' positions clause by clause, committee outcomes, indicators with annual targets,
and contractors' commitments. Imported by :mod:`models.tables`, so there is one metadata.

Union membership is special category data: a position records which union branch spoke and the
directory person who spoke for it, nothing else about anyone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.register import ARTICLE_9D, AUDIT_KEPT, Privacy, none
from models.tables import Base, LocalAssociation, Person, utcnow

# --------------------------------------------------------------------------- the code, as loaded


class CodeTemplate(Base):
    """One version of the code, loaded from its data file (``flows/bestvalue/code_v*.yaml``)."""

    __tablename__ = "code_templates"
    __privacy__ = none("the Best Value Code as loaded", "title", "source", "digest", "criteria_heading", "criteria_intro")

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300), default="")
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the file's data: the same version twice must match
    criteria_heading: Mapped[str] = mapped_column(String(200), default="")
    criteria_intro: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeSection(Base):
    __tablename__ = "code_sections"
    __privacy__ = none("the Code's sections", "title")
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("code_templates.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    contract_compliance: Mapped[bool] = mapped_column(Boolean, default=False)


class CodeClause(Base):
    """A clause, numbered by its section and its place there (``3.2``)."""

    __tablename__ = "code_clauses"
    __privacy__ = none("the Code's clauses", "ref", "text")
    __table_args__ = (UniqueConstraint("template_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("code_templates.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("code_sections.id", ondelete="CASCADE"), index=True)
    section_number: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)


class CodeCriterion(Base):
    """One of the criteria for selecting contractors (Contract Compliance)."""

    __tablename__ = "code_criteria"
    __privacy__ = none("the Code's criteria for contractors", "text")
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("code_templates.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class CodeBranch(Base):
    """A union branch in a local association's area (from the directory's optional ``branches``).
    Its reps are ``roles`` rows (``branch_rep``, the association, the union)."""

    __tablename__ = "code_branches"
    __privacy__ = none("the union branches of an area", "union", "name")
    __table_args__ = (UniqueConstraint("association_id", "union"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("local_associations.id", ondelete="CASCADE"), index=True)
    union: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(120))


# --------------------------------------------------------------------------- an adoption


class CodeAdoption(Base):
    """One employer's adoption of the code: the branches agree its clauses, then committee, then delivery."""

    __tablename__ = "code_adoptions"
    __privacy__ = Privacy(
        holds="who leads the adoption", purpose="an employer's adoption of the Best Value Code", article9=ARTICLE_9D,
        retention="the adoption's record", personal=("lead_id",), not_personal=("employer_name", "employer_kind", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("code_templates.id"), index=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("local_associations.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id", ondelete="SET NULL"))
    employer_name: Mapped[str] = mapped_column(String(200))
    employer_kind: Mapped[str] = mapped_column(String(32))  # local_authority | trust | health_body
    lead_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    stage: Mapped[str] = mapped_column(String(32), index=True)
    stage_since: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime | None]
    adopted_at: Mapped[datetime | None]
    review_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    association: Mapped[LocalAssociation] = relationship(lazy="joined", innerjoin=True)
    lead: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    template: Mapped[CodeTemplate] = relationship(lazy="joined", innerjoin=True)


class AdoptionBranch(Base):
    """A union branch taking part in an adoption: one voice per branch on each clause."""

    __tablename__ = "code_adoption_branches"
    __privacy__ = none("the branches taking part in an adoption", "union")
    __table_args__ = (UniqueConstraint("adoption_id", "union"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("code_adoptions.id", ondelete="CASCADE"), index=True)
    union: Mapped[str] = mapped_column(String(16))


class ClausePosition(Base):
    """A branch's position on a clause (the latest counts: agreed, amend, not_agreed or park)."""

    __tablename__ = "code_positions"
    __privacy__ = Privacy(
        holds="a branch rep's position on a clause, their words and their union", purpose="the branches' positions",
        article9=ARTICLE_9D, retention="the adoption's record", personal=("person_id", "union", "local_text", "reason"),
        free_text=("local_text", "reason"), not_personal=("position",),
    )
    __table_args__ = (UniqueConstraint("adoption_id", "clause_id", "union"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("code_adoptions.id", ondelete="CASCADE"), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("code_clauses.id"))
    union: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    position: Mapped[str] = mapped_column(String(16))
    local_text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitteeOutcome(Base):
    """The Best Value committee's decision on one clause: approved, varied (with text) or rejected."""

    __tablename__ = "code_committee_outcomes"
    __privacy__ = Privacy(
        holds="who recorded the committee's outcome", purpose="the committee's decisions", retention="the adoption's record",
        personal=("person_id",), not_personal=("outcome", "text"),
    )
    __table_args__ = (UniqueConstraint("adoption_id", "clause_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("code_adoptions.id", ondelete="CASCADE"), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("code_clauses.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- indicators


class CodeIndicator(Base):
    """A performance indicator on a clause or a whole section, with annual targets."""

    __tablename__ = "code_indicators"
    __privacy__ = Privacy(
        holds="the indicator's owner", purpose="indicators and targets", retention="the adoption's record",
        personal=("owner_id",), not_personal=("name", "unit", "priority", "measurable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("code_adoptions.id", ondelete="CASCADE"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("code_clauses.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("code_sections.id"))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    baseline: Mapped[float | None] = mapped_column(Float)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[str] = mapped_column(String(16))  # high | medium | low
    measurable: Mapped[str] = mapped_column(String(16))  # objective | subjective | costly
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndicatorTarget(Base):
    """An indicator's target for one UK financial year (``2027-28``: April 2027 to March 2028)."""

    __tablename__ = "code_targets"
    __privacy__ = none("indicators' annual targets", "period")
    __table_args__ = (UniqueConstraint("indicator_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("code_indicators.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    target: Mapped[float] = mapped_column(Float)


class IndicatorActual(Base):
    """What an indicator came to in one year (the latest recorded counts)."""

    __tablename__ = "code_actuals"
    __privacy__ = Privacy(
        holds="who recorded a year's figure", purpose="indicators against targets", retention="the adoption's record",
        personal=("person_id",), not_personal=("period",),
    )
    __table_args__ = (UniqueConstraint("indicator_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("code_indicators.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    value: Mapped[float] = mapped_column(Float)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- contractors


class CodeContract(Base):
    """A tender or contract for which a contractor's commitment to the code is sought."""

    __tablename__ = "code_contracts"
    __privacy__ = none("contractors' commitments to the Code", "contract", "contractor", "stage", "response", "exceptions")

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("code_adoptions.id", ondelete="CASCADE"), index=True)
    contract: Mapped[str] = mapped_column(String(200))
    contractor: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(32), index=True)
    stage_since: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime | None]
    response: Mapped[str | None] = mapped_column(String(24))  # commit | commit_exceptions | decline | none
    exceptions: Mapped[list[str]] = mapped_column(JSON, default=list)  # clause numbers not committed to
    responded_at: Mapped[datetime | None]
    awarded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    adoption: Mapped[CodeAdoption] = relationship(lazy="joined", innerjoin=True)


class ContractDelivery(Base):
    """After award: whether a Contract Compliance clause was delivered in a year (committed against delivered)."""

    __tablename__ = "code_deliveries"
    __privacy__ = Privacy(
        holds="who recorded a clause's delivery, and their note", purpose="committed against delivered",
        retention="the adoption's record", personal=("person_id", "note"), free_text=("note",),
        not_personal=("period", "delivered"),
    )
    __table_args__ = (UniqueConstraint("contract_id", "clause_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("code_contracts.id", ondelete="CASCADE"), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("code_clauses.id"))
    period: Mapped[str] = mapped_column(String(7))
    delivered: Mapped[str] = mapped_column(String(16))  # met | partly | not_met
    note: Mapped[str | None] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- the audit trail


class CodeEvent(Base):
    """The code's audit trail: one row per step of an adoption (or of one of its contracts),
    appended and never changed."""

    __tablename__ = "code_events"
    __privacy__ = Privacy(
        holds="who took each step of an adoption, their reasons", purpose="the Code's audit trail", article9=ARTICLE_9D,
        retention=AUDIT_KEPT, personal=("actor_id", "reasons", "payload"), free_text=("reasons",),
        not_personal=("action", "from_stage", "to_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("code_adoptions.id", ondelete="RESTRICT"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("code_contracts.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: the bot
    action: Mapped[str] = mapped_column(String(40))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(CodeEvent, "before_update")
@event.listens_for(CodeEvent, "before_delete")
def _code_events_are_append_only(_mapper: Any, _connection: Any, target: CodeEvent) -> None:
    raise RuntimeError("audit events are append-only: they are never updated or deleted")
