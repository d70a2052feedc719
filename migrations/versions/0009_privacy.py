"""data protection (issue 17): each union's sharing basis and its reps' consents, data protection
requests with their due dates, a record of what erasure and retention did, a person's tombstone
and when they left the directory

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("tombstone", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("removed_on", sa.Date(), nullable=True))
    op.create_table(
        "sharing_bases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("union", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_bases")),
        sa.UniqueConstraint("union", name=op.f("uq_sharing_bases_union")),
    )
    op.create_table(
        "sharing_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("union", sa.String(length=16), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_sharing_consents_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_consents")),
        sa.UniqueConstraint("person_id", "union", name=op.f("uq_sharing_consents_person_id_union")),
    )
    op.create_index(op.f("ix_sharing_consents_person_id"), "sharing_consents", ["person_id"])
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_privacy_requests_person_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    op.create_index(op.f("ix_privacy_requests_due_on"), "privacy_requests", ["due_on"])
    op.create_index(op.f("ix_privacy_requests_status"), "privacy_requests", ["status"])
    op.create_table(
        "privacy_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("column_name", sa.String(length=64), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_privacy_actions_person_id_people"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["request_id"], ["privacy_requests.id"],
                                name=op.f("fk_privacy_actions_request_id_privacy_requests"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_actions")),
    )


def downgrade() -> None:
    op.drop_table("privacy_actions")
    op.drop_index(op.f("ix_privacy_requests_status"), table_name="privacy_requests")
    op.drop_index(op.f("ix_privacy_requests_due_on"), table_name="privacy_requests")
    op.drop_table("privacy_requests")
    op.drop_index(op.f("ix_sharing_consents_person_id"), table_name="sharing_consents")
    op.drop_table("sharing_consents")
    op.drop_table("sharing_bases")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("removed_on")
        batch.drop_column("erased_at")
        batch.drop_column("tombstone")
