"""The database tables. The database is the truth: every state of the journey is a row.

Trade union membership is special category data (UK GDPR, article 9). The directory keeps
only what the journey needs to reach people: a chat ID and/or an e-mail, an optional display
name, and which role a person holds where. Nothing else about a person is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.register import (
    ARTICLE_9D,
    AUDIT_KEPT,
    BOT_ONLY,
    PROPOSALS,
    SOURCE_DIRECTORY,
    Privacy,
    none,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, always stored and returned as an aware UTC datetime.

    SQLite has no time zones; without this, values would come back naive there and aware
    on PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC moment is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def only_on(dialect: str, index: Index) -> Index:
    """An index that exists on one database only (the migration creates it there alone), e.g. a
    trigram index, which SQLite has no use for."""
    index.info["dialect"] = dialect
    return index.ddl_if(dialect=dialect)


def in_schema(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic's ``include_object`` for a database of this dialect: leaves out the indexes
    :func:`only_on` another one."""

    def include(obj: Any, _name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        return not (type_ == "index" and obj.info.get("dialect", dialect) != dialect)

    return include


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}
    __privacy__: ClassVar[Privacy]  # each table's entry in the register of processing (models/register.py)


# --------------------------------------------------------------------------- directory


class Person(Base):
    """Someone the bot may need to reach: a chat identity and/or an e-mail, nothing more."""

    __tablename__ = "people"
    __privacy__ = Privacy(
        holds="chat identity (Slack or Teams id), e-mail address, display name; being in the directory implies union membership",
        purpose="reaching the people who decide and take part in each union's steps", article9=ARTICLE_9D,
        source=SOURCE_DIRECTORY, personal=("slack_id", "teams_id", "email", "name"), not_personal=("tombstone",),
        retention="while the person is in the directory; erased {retention_removed_days} days after they left it "
        "(unless something open needs them), or on request (vws erase)",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    teams_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # After erasure (vws erase): ids, e-mail and name are cleared and the record points here.
    tombstone: Mapped[str | None] = mapped_column(String(80))  # "former Unite rep #12"
    erased_at: Mapped[datetime | None]
    # When a directory load found them no longer in it (no role, office or seat): vws retention
    # erases them once the period is over, unless something open needs them.
    removed_on: Mapped[date | None] = mapped_column(Date)

    roles: Mapped[list[Role]] = relationship(back_populates="person", cascade="all, delete-orphan", lazy="raise")

    @property
    def label(self) -> str:
        """How to name the person in plain text (CLI, audit, logs never get this)."""
        return self.tombstone or self.name or self.email or self.slack_id or self.teams_id or f"person {self.id}"


class LocalAssociation(Base):
    """An NASUWT local association and the officers who decide for its area."""

    __tablename__ = "local_associations"
    __privacy__ = Privacy(
        holds="which person is the association's Secretary, deputy and NEM", purpose="routing approvals to the officers",
        article9=ARTICLE_9D, source=SOURCE_DIRECTORY, personal=("secretary_id", "deputy_id", "nem_id"),
        not_personal=("name", "region", "nation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    region: Mapped[str] = mapped_column(String(120), default="")
    nation: Mapped[str] = mapped_column(String(32), default="England", server_default="England")
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    nem_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    # Loaded with the association in the same query: a case is one SELECT, whoever decides it.
    secretary: Mapped[Person | None] = relationship(foreign_keys=[secretary_id], lazy="joined")
    deputy: Mapped[Person | None] = relationship(foreign_keys=[deputy_id], lazy="joined")
    nem: Mapped[Person | None] = relationship(foreign_keys=[nem_id], lazy="joined")


class Held(StrEnum):
    """The roles a person can hold in the directory, as stored in ``roles.role``.

    The officers of an association (Secretary, deputy, NEM) are columns of the association.
    """

    REP = "rep"  # an NASUWT workplace rep of the association
    PARTNER_REP = "partner_rep"  # a GMB, UNISON or Unite rep of the association
    NATIONAL_OFFICER = "national_officer"  # an officer of the national union
    BRANCH_REP = "branch_rep"  # speaks for a union branch on the Best Value Code


class Role(Base):
    """A role a person holds: a workplace rep (NASUWT), a partner-union rep, a national officer."""

    __tablename__ = "roles"
    __privacy__ = Privacy(
        holds="union role held and the union (trade union membership)", purpose="who may take which step, for which union",
        article9=ARTICLE_9D, source=SOURCE_DIRECTORY, retention="while the directory file lists the role",
        personal=("person_id", "role", "union"),
    )
    __table_args__ = (UniqueConstraint("person_id", "role", "association_id", "union"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))  # rep | partner_rep | national_officer
    association_id: Mapped[int | None] = mapped_column(
        ForeignKey("local_associations.id", ondelete="CASCADE"), index=True
    )
    union: Mapped[str] = mapped_column(String(16))  # NASUWT | GMB | UNISON | Unite

    person: Mapped[Person] = relationship(back_populates="roles")


class NationalOffice(Base):
    """The national union's settings: one row."""

    __tablename__ = "national_office"
    __privacy__ = none("where the national union is told", "channel")

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str | None] = mapped_column(String(200))


class Absence(Base):
    """A person away from ``starts_on`` to ``until_on`` (both days included), whose requests go
    to ``delegate_id`` meanwhile. It ends by itself after ``until_on``; ``ended_at`` is set when
    the person says they are back early (``/vws away off``), or replaced it by a new absence."""

    __tablename__ = "absences"
    __privacy__ = Privacy(
        holds="that a person (an officer or rep) is away, for which days, and who acts for them",
        purpose="sending requests to whoever acts for someone away", article9=ARTICLE_9D,
        recipients="the delegate, and the people whose requests go to the delegate (told who is away until when)",
        retention="while the absence lasts and as the record of who acted for whom; removed on erasure",
        source="the person themselves (/vws away)", personal=("person_id", "delegate_id"),
    )
    __table_args__ = (Index("ix_absences_person_until", "person_id", "until_on"),
                      Index("ix_absences_delegate_until", "delegate_id", "until_on"))  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    until_on: Mapped[date] = mapped_column(Date)
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- the journey


class Employer(Base):
    """One employer's way through the scheme: the proposal, its stage, and its place on the list."""

    __tablename__ = "employers"
    __privacy__ = Privacy(
        holds="who proposed the employer; the case notes and the words to the employer (may name people)",
        purpose="the employer's way through the scheme", article9=ARTICLE_9D, retention=PROPOSALS,
        personal=("proposer_id", "case_for", "to_employer"), free_text=("case_for", "to_employer"),
        not_personal=("name", "name_key", "kind", "origin", "stage", "route"),
    )
    __table_args__ = (
        # One live case per employer per area; withdrawn and revoked ones may be proposed again.
        Index(
            "uq_employers_live_name",
            "association_id",
            "name_key",
            unique=True,
            sqlite_where=text("stage NOT IN ('withdrawn', 'revoked')"),
            postgresql_where=text("stage NOT IN ('withdrawn', 'revoked')"),
        ),
        Index("ix_employers_association_stage", "association_id", "stage"),  # a Secretary's cases by stage
        # A name typed in part ("oak" for "Oakfield Primary"): LIKE '%oak%' searches this, not every row.
        only_on("postgresql", Index("ix_employers_name_key_trgm", "name_key", postgresql_using="gin",
                                    postgresql_ops={"name_key": "gin_trgm_ops"})),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # school | multi_academy_trust | local_authority
    association_id: Mapped[int] = mapped_column(ForeignKey("local_associations.id"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)  # a rep's own proposals
    origin: Mapped[str] = mapped_column(String(32))  # rep_identified | employer_approached
    case_for: Mapped[str] = mapped_column(Text)  # the unions' own notes: never shown to the employer
    to_employer: Mapped[str | None] = mapped_column(Text)  # what the JCC item or joint letter says to it
    stage: Mapped[str] = mapped_column(String(32), index=True)
    stage_since: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    route: Mapped[str | None] = mapped_column(String(16))  # jcc | joint_letter
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime | None]
    added_to_list_at: Mapped[datetime | None]
    logo_sent_at: Mapped[datetime | None]
    left_list_at: Mapped[datetime | None]  # when it left the scheme (revoked)
    off_list_at: Mapped[datetime | None]  # when the national union recorded taking it off the list
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    association: Mapped[LocalAssociation] = relationship(lazy="joined", innerjoin=True)
    proposer: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class ProposalRevision(Base):
    """Each version of a proposal, so approvers of a resubmission can see what changed."""

    __tablename__ = "proposal_revisions"
    __privacy__ = Privacy(
        holds="each version of a proposal's words and who wrote it", purpose="showing approvers what changed",
        article9=ARTICLE_9D, retention=PROPOSALS, personal=("author_id", "case_for", "to_employer"),
        free_text=("case_for", "to_employer"), not_personal=("name", "kind", "origin"),
    )
    __table_args__ = (UniqueConstraint("employer_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(32))
    case_for: Mapped[str] = mapped_column(Text)
    to_employer: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerVoice(Base):
    """One partner union's say on a proposal: one voice per union per revision."""

    __tablename__ = "partner_voices"
    __privacy__ = Privacy(
        holds="a partner union rep's agreement or disagreement and reasons (their union)",
        purpose="recording each partner union's say", article9=ARTICLE_9D, retention=PROPOSALS,
        personal=("person_id", "union", "verdict", "reasons"), free_text=("reasons",),
    )
    __table_args__ = (UniqueConstraint("employer_id", "revision", "union"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    union: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    verdict: Mapped[str] = mapped_column(String(16))  # agree | disagree
    reasons: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionPlan(Base):
    """The action plan for one cycle: one principle, what will be done, and when it is reviewed."""

    __tablename__ = "action_plans"
    __privacy__ = Privacy(
        holds="who agreed the plan", purpose="the employer's action plan and its review", article9=ARTICLE_9D,
        retention="the case's record while the employer is in the scheme", personal=("agreed_by_id",),
        not_personal=("objectives", "activities", "success_criteria", "status", "previous_failure_reasons"),
    )
    __table_args__ = (UniqueConstraint("employer_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    principle: Mapped[int] = mapped_column(Integer)
    objectives: Mapped[str] = mapped_column(Text)
    activities: Mapped[str] = mapped_column(Text)
    success_criteria: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date, index=True)
    # active | met | not_met | revoked
    status: Mapped[str] = mapped_column(String(16), default="active")
    previous_failure_reasons: Mapped[str | None] = mapped_column(Text)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    agreed_at: Mapped[datetime] = mapped_column(default=utcnow)

    actions: Mapped[list[WorkplanAction]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="WorkplanAction.number"
    )


class WorkplanAction(Base):
    """A line of the workplan: action number, detail, owner, by-date."""

    __tablename__ = "workplan_actions"
    __privacy__ = Privacy(
        holds="the action's owner (as written, and the directory person)", purpose="reminding owners of workplan actions",
        retention="the case's record while the employer is in the scheme", personal=("owner", "owner_person_id"),
        not_personal=("detail", "by_date_text", "status"),
    )
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        Index("ix_workplan_actions_status_by_date", "status", "by_date"),  # the sweep: open actions falling due
        # A person's own actions (most have only an owner as written: partial, or the planner
        # takes the NULLs for one huge value and walks the country's actions instead)
        Index("ix_workplan_actions_owner_person_id", "owner_person_id", sqlite_where=text("owner_person_id IS NOT NULL"),
              postgresql_where=text("owner_person_id IS NOT NULL")),  # fmt: skip
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))  # as written in the plan
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    by_date: Mapped[date] = mapped_column(Date, index=True)
    by_date_text: Mapped[str] = mapped_column(String(64))  # as written, e.g. "End October 2027"
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | done
    done_at: Mapped[datetime | None]

    plan: Mapped[ActionPlan] = relationship(back_populates="actions")


class Event(Base):
    """The audit trail: one row per transition, appended and never changed."""

    __tablename__ = "events"
    __privacy__ = Privacy(
        holds="who took each step, their reasons, and people named in it", purpose="the audit trail of decisions",
        article9=ARTICLE_9D, retention=AUDIT_KEPT, personal=("actor_id", "reasons", "payload"), free_text=("reasons",),
        not_personal=("action", "from_stage", "to_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: the bot itself
    action: Mapped[str] = mapped_column(String(40))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Person | None] = relationship()


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _events_are_append_only(_mapper: Any, _connection: Any, target: Event) -> None:
    raise RuntimeError("audit events are append-only: they are never updated or deleted")


# --------------------------------------------------------------------------- adapters' bookkeeping


class PostedMessage(Base):
    """A message the bot posted that it may need to find again (to update it, or reply in its thread)."""

    __tablename__ = "posted_messages"
    __privacy__ = Privacy(
        holds="the direct-message channel of a message the bot posted", purpose="updating or threading the bot's own messages",
        recipients=BOT_ONLY, retention="while the case lasts; a person's direct messages deleted on erasure",
        personal=("channel",), not_personal=("platform", "key", "message_id", "thread_id"),
    )
    __table_args__ = (UniqueConstraint("platform", "key", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))  # slack | teams
    key: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[str | None] = mapped_column(String(200))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeamsConversation(Base):
    """Where the Teams adapter can reach someone proactively: a stored conversation reference.

    ``key`` says whose conversation it is: ``person:<id>`` (the 1:1 chat with a person),
    ``partner:<employer id>`` (the partner unions' channel or group chat for an employer) or
    ``national`` (the national union's channel).
    """

    __tablename__ = "teams_conversations"
    __privacy__ = Privacy(
        holds="the Teams conversation reference for reaching a person", purpose="sending Teams messages proactively",
        recipients=BOT_ONLY, source="Microsoft Teams, when the person first talked to the bot",
        personal=("key", "person_id", "conversation_id", "reference"), not_personal=("service_url", "tenant_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(400))
    service_url: Mapped[str] = mapped_column(String(400))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # personal | groupChat | channel
    reference: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxItem(Base):
    """A notice waiting to be delivered, or delivered, or parked after repeated failure. Once
    delivered, ``notice`` is emptied: the row keeps that it was sent, not what it said.

    Written in the same transaction as the state change that caused it (the transactional
    outbox). ``lane`` orders notices about one case; ``next_at`` is the earliest moment to try
    (backoff, or a platform's Retry-After); a ``claimed`` row belongs to ``claimed_by`` until
    ``lease_until``, after which another worker takes it over; ``done`` lists the platforms that
    already accepted it (a notice to a space open on both); ``error`` is the platform's error
    code, never what the notice said. ``nudge_id`` links a reminder to its ledger row, marked
    sent when this is delivered.
    """

    __tablename__ = "outbox"
    __privacy__ = Privacy(
        holds="notices waiting or sent: who they were to and what they said", purpose="delivering every notice exactly once",
        article9=ARTICLE_9D, recipients=BOT_ONLY, retention="{retention_outbox_days} days after delivery",
        source="written by the bot", personal=("notice",),
        not_personal=("lane", "state", "claimed_by", "done", "unknown", "error"),
    )
    __table_args__ = (
        Index("ix_outbox_state_next_at", "state", "next_at"),
        Index("ix_outbox_lane_id", "lane", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lane: Mapped[str] = mapped_column(String(120))
    notice: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending | claimed | sent | failed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    done: Mapped[list[str]] = mapped_column(JSON, default=list)
    unknown: Mapped[list[str]] = mapped_column(JSON, default=list)  # platforms whose last outcome is unknown
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(80))
    nudge_id: Mapped[int | None] = mapped_column(ForeignKey("nudges.id", ondelete="SET NULL"), index=True)


class InboundEvent(Base):
    """Events already handled, so that a platform's retry of the same event changes nothing."""

    __tablename__ = "inbound_events"
    __privacy__ = Privacy(
        holds="", purpose="ignoring a platform's retry of an event already handled", recipients=BOT_ONLY,
        retention="{retention_inbound_days} days", source="Slack and Teams", not_personal=("platform", "event_id"),
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Nudge(Base):
    """The reminder ledger: one row per nudge found due, unique per (kind, subject, due moment).

    ``due`` rows wait to be claimed (from ``send_at``, the next working morning when one was found
    out of hours); a ``claimed`` row belongs to ``claimed_by`` until ``lease_until``, after which
    another clock may take it over; a ``queued`` row's notices are in the outbox, and it is
    ``sent`` once they were delivered; ``sent``, ``skipped`` (no longer due, superseded, or
    everyone snoozed) and ``failed`` rows are done with.
    """

    __tablename__ = "nudges"
    __privacy__ = Privacy(
        holds="when a reminder about a case fell due and was sent (to whom: its outbox row)",
        purpose="sending each reminder once", recipients=BOT_ONLY,
        retention="{retention_outbox_days} days after it was sent or skipped", source="written by the bot",
        not_personal=("kind", "subject", "state", "claimed_by"),
    )
    __table_args__ = (UniqueConstraint("kind", "subject", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime]
    send_at: Mapped[datetime]
    # due | claimed | sent | skipped | failed
    state: Mapped[str] = mapped_column(String(16), default="due", index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]


class SweepMark(Base):
    """How far the reminder clock has looked: nudges due up to ``swept_until`` are in the ledger.

    The next sweep only looks for nudges that fell due after it, so a sweep reads the rows that
    could have a new nudge, not every open review and workplan action.
    """

    __tablename__ = "sweep_marks"
    __privacy__ = none("how far the reminder clock has looked", "name")

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    swept_until: Mapped[datetime | None]


class Snooze(Base):
    """A person's request to hear no more of one reminder until a moment."""

    __tablename__ = "snoozes"
    __privacy__ = Privacy(
        holds="a person's request to hear no more of one reminder until a moment", purpose="honouring snoozes",
        recipients=BOT_ONLY, retention="until the snooze ends or the person is erased",
        personal=("person_id",), not_personal=("kind", "subject"),
    )
    __table_args__ = (UniqueConstraint("person_id", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(100))
    until: Mapped[datetime]


# The Best Value Code's tables share this metadata (imported last: they build on the ones above).
from models import bestvalue as _bestvalue  # noqa: E402,F401

# The local social partnerships' tables live in their own module; importing it here puts them in
# ``Base.metadata`` wherever the tables are used.
from models import partnership as _partnership  # noqa: E402, F401

# Data protection: sharing bases, requests and what was done about them (issue 17).
from models import privacy as _privacy  # noqa: E402, F401
