"""indexes for reads scoped to a person: an association's cases by stage, a rep's own proposals,
and the open workplan actions by their date (issue 11)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_employers_association_stage", "employers", ["association_id", "stage"])
    op.create_index("ix_employers_proposer_id", "employers", ["proposer_id"])
    op.create_index("ix_workplan_actions_status_by_date", "workplan_actions", ["status", "by_date"])


def downgrade() -> None:
    op.drop_index("ix_workplan_actions_status_by_date", table_name="workplan_actions")
    op.drop_index("ix_employers_proposer_id", table_name="employers")
    op.drop_index("ix_employers_association_stage", table_name="employers")
