"""a trigram index on employers' names on PostgreSQL, so a name typed in part (an operator's
`vws employer oak`, an issue raised about "oakfield") searches an index, not every employer in
the country (issue 11); SQLite, the embedded default for one process, scans. A PostgreSQL
that will not create the extension is upgraded without the index, and told so

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("vws.migrate")

SKIPPED = (
    "vws db upgrade: the database would not create the pg_trgm extension (%s), so employers' names "
    "are searched by a part of them without its index (a scan: slower with many employers, the "
    "same answers). pg_trgm ships with PostgreSQL and is trusted since PostgreSQL 13: a user with "
    "CREATE on the database may create it. To add the index, ask whoever administers the database "
    "to run, in it: `CREATE EXTENSION pg_trgm; CREATE INDEX ix_employers_name_key_trgm ON employers "
    "USING gin (name_key gin_trgm_ops);`"
)
INDEX = "ix_employers_name_key_trgm"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if context.is_offline_mode():  # an SQL script for an administrator: they run it as themselves
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    else:
        try:
            with bind.begin_nested():
                op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError as e:  # not allowed, or not installed: the schema goes on without the index
            log.warning(SKIPPED, str(e.orig).splitlines()[0][:200])
            return
    op.create_index(
        INDEX, "employers", ["name_key"], postgresql_using="gin", postgresql_ops={"name_key": "gin_trgm_ops"},
    )  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
