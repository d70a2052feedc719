"""an index on workplan actions' owners, for a person's own open actions (issue 11: App Home and
`/vws status` walked every open action in the country to find one person's)

Revision ID: 0014
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_workplan_actions_owner_person_id", "workplan_actions", ["owner_person_id"],
        sqlite_where=sa.text("owner_person_id IS NOT NULL"), postgresql_where=sa.text("owner_person_id IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_workplan_actions_owner_person_id", table_name="workplan_actions")
