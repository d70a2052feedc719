"""a trigram index on employers' names on PostgreSQL, so a name typed in part (an operator's
`vws employer oak`, an issue raised about "oakfield") searches an index, not every employer in
the country (issue 11); SQLite, the embedded default for one process, scans

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEEDS = (
    "The database would not create the pg_trgm extension ({error}). It ships with PostgreSQL and "
    "is trusted since PostgreSQL 13 (the database's owner may create it). Ask whoever administers "
    "the database to run `CREATE EXTENSION pg_trgm;` in it, then run `vws db upgrade` again."
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as e:
        raise RuntimeError(NEEDS.format(error=type(e.orig).__name__)) from None
    op.create_index(
        "ix_employers_name_key_trgm", "employers", ["name_key"],
        postgresql_using="gin", postgresql_ops={"name_key": "gin_trgm_ops"},
    )  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_employers_name_key_trgm", table_name="employers")
