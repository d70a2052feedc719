"""what the unions say to the employer: a proposal's words for the JCC item or joint letter,
kept apart from the internal case notes; and when a revoked employer was taken off the national
list (issue 14)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("employers") as batch:
        batch.add_column(sa.Column("to_employer", sa.Text(), nullable=True))
        batch.add_column(sa.Column("off_list_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("proposal_revisions") as batch:
        batch.add_column(sa.Column("to_employer", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proposal_revisions") as batch:
        batch.drop_column("to_employer")
    with op.batch_alter_table("employers") as batch:
        batch.drop_column("off_list_at")
        batch.drop_column("to_employer")
