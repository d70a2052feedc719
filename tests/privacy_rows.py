"""One row of every kind: a row in every table (but ``people``), filled column by column from the
schema, every reference to a person pointing at one subject. A new table is covered without
changing this module."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text, insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Base

WHEN = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


def _value(table: str, col: Any, written: str) -> Any:
    t = col.type
    impl = getattr(t, "impl", t)
    if isinstance(impl, JSON) or isinstance(t, JSON):
        default = getattr(col.default, "arg", None)
        return [] if default is list else {}
    if isinstance(impl, DateTime):
        return WHEN
    if isinstance(impl, Date):
        return date(2027, 1, 4)
    if isinstance(impl, Boolean):
        return False
    if isinstance(impl, Integer):
        return 1
    if isinstance(impl, Float):
        return 1.0
    if isinstance(impl, Text):
        return f"{written} ({table}.{col.name})"
    if isinstance(impl, String):
        return f"{table}.{col.name}"[: impl.length or 200]
    raise AssertionError(f"no filler for {table}.{col.name} ({t!r})")


async def one_of_everything(s: AsyncSession, subject_id: int, subject_label: str,
                            overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Insert one row into every table but ``people``; returns the rows inserted, by table."""
    ids: dict[str, Any] = {"people": subject_id}
    inserted: dict[str, dict[str, Any]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("people", "national_office"):  # the subject; the one row the directory made
            continue
        row: dict[str, Any] = {}
        for col in table.columns:
            if col.primary_key and isinstance(col.type, Integer) and not col.foreign_keys:
                continue
            fks = list(col.foreign_keys)
            if fks:
                row[col.name] = ids[fks[0].column.table.name]
            else:
                row[col.name] = _value(table.name, col, f"written by {subject_label}")
        row.update((overrides or {}).get(table.name, {}))
        result = await s.execute(insert(table).values(**row))
        pk = result.inserted_primary_key
        ids[table.name] = pk[0] if pk and len(pk) == 1 else None
        inserted[table.name] = {**row, "id": ids[table.name]}
    return inserted


def outbox_notice(person_id: int, label: str) -> dict[str, Any]:
    return {"kind": "review_due", "to": {"t": "person", "id": person_id, "l": label},
            "headline": "Review due for Oakfield Primary School", "body": [], "facts": []}  # fmt: skip
