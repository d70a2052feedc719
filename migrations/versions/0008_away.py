"""absences: a person away between two dates, and who acts for them meanwhile (issue 14, part 7)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_absences_person_id_people"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["delegate_id"], ["people.id"], name=op.f("fk_absences_delegate_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    op.create_index("ix_absences_person_until", "absences", ["person_id", "until_on"])
    op.create_index("ix_absences_delegate_until", "absences", ["delegate_id", "until_on"])


def downgrade() -> None:
    op.drop_index("ix_absences_delegate_until", table_name="absences")
    op.drop_index("ix_absences_person_until", table_name="absences")
    op.drop_table("absences")
