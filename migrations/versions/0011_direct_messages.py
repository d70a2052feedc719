"""where the bot's own direct messages to a person are, so erasure can delete them (issue 17)

Revision ID: 0011
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "direct_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=400), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("service_url", sa.String(length=400), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_direct_messages_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_messages")),
        sa.UniqueConstraint("platform", "channel", "message_id",
                            name=op.f("uq_direct_messages_platform_channel_message_id")),
    )
    op.create_index(op.f("ix_direct_messages_person_id"), "direct_messages", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_direct_messages_person_id"), table_name="direct_messages")
    op.drop_table("direct_messages")
