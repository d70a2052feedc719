"""Data protection's own tables: each union's basis for showing its reps to the other unions,
data protection requests (access, erasure, rectification, objection) with their ICO due dates, and
a record of what erasure, redaction and retention did (which rows, never what they said).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.register import ARTICLE_9D, BOT_ONLY, LEGAL_OBLIGATION, SOURCE_DIRECTORY, Privacy, none
from models.tables import Base, utcnow


class SharingBasis(Base):
    """A union's basis for showing its reps' roles to the other unions and employer-side spaces:
    ``agreement`` (the unions' agreement, ``reference`` naming it) or ``consent`` (each person's,
    in ``sharing_consents``). A union without a row has none: its people are not put in shared spaces."""

    __tablename__ = "sharing_bases"
    __privacy__ = none("each union's basis for sharing its reps' roles", "union", "basis", "reference")

    id: Mapped[int] = mapped_column(primary_key=True)
    union: Mapped[str] = mapped_column(String(16), unique=True)
    basis: Mapped[str] = mapped_column(String(16))  # agreement | consent
    reference: Mapped[str | None] = mapped_column(String(200))


class SharingConsent(Base):
    """A person's consent to being shown to the other unions as their union's rep, and when given."""

    __tablename__ = "sharing_consents"
    __table_args__ = (UniqueConstraint("person_id", "union"),)
    __privacy__ = Privacy(
        holds="a person's consent to being shown to the other unions, and its date", purpose="the sharing basis",
        article9="Article 9(2)(a): explicit consent", basis="Article 6(1)(a) consent", source=SOURCE_DIRECTORY,
        personal=("person_id", "union"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    union: Mapped[str] = mapped_column(String(16))
    given_on: Mapped[date] = mapped_column(Date)


class PrivacyRequest(Base):
    """A data protection request: its kind, when received, when due (the ICO's rule), and its status."""

    __tablename__ = "privacy_requests"
    __privacy__ = Privacy(
        holds="who asked what of the unions' data protection, and when", purpose="answering requests in time",
        basis=LEGAL_OBLIGATION, article9=ARTICLE_9D, recipients="the directory's admins",
        retention="kept as the record of requests answered", source="the admin recording the request",
        personal=("person_id", "note"), not_personal=("kind", "status", "extension_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # access | erasure | rectification | objection
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    extended_to: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | done | refused
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrivacyAction(Base):
    """What erasure, redaction or retention did: the table, row and column, never the words.

    The one sanctioned change to the append-only audit trails (redacting a person's words) is
    recorded here, row by row."""

    __tablename__ = "privacy_actions"
    __privacy__ = Privacy(
        holds="which tombstoned person an erasure was about", purpose="accounting for erasure and retention",
        recipients=BOT_ONLY, retention="kept as the record of what was erased", source="written by the bot",
        personal=("person_id",), not_personal=("action", "table_name", "column_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(24))  # erase | redact | delete | pseudonymise
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_requests.id", ondelete="SET NULL"))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int | None] = mapped_column(Integer)
    column_name: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=1)


class DirectMessage(Base):
    """Where one of the bot's own direct messages to a person is, so erasure can delete it: the
    platform's reference to the message and nothing it said (Slack: the DM channel and the
    message's ``ts``; Teams: the 1:1 conversation, its service URL and the activity id)."""

    __tablename__ = "direct_messages"
    __table_args__ = (UniqueConstraint("platform", "channel", "message_id"),)
    __privacy__ = Privacy(
        holds="where the bot's own direct messages to a person are (the platform's message reference, not the words)",
        purpose="deleting the bot's messages to a person when they are erased", recipients=BOT_ONLY,
        retention="until the person is erased: then the messages are deleted in Slack or Teams, and these rows with them",
        source="written by the bot as it delivers", personal=("person_id", "channel"),
        not_personal=("platform", "message_id", "service_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))  # slack | teams
    channel: Mapped[str] = mapped_column(String(400))  # the DM channel, or the 1:1 conversation
    message_id: Mapped[str] = mapped_column(String(200))  # Slack's ts, or Teams' activity id
    service_url: Mapped[str | None] = mapped_column(String(400))  # Teams: where the conversation lives
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
