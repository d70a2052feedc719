"""Finding everything about one person, table by table, from the schema itself: every column
that refers to a person (``people.id``) and every free-text column the register names. A new
table with a reference to a person is found without changing this module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.schema import Column

from flows.core.forms import digits
from flows.directory import EMAIL, SLACK_ID
from models.register import Privacy
from models.tables import Base, OutboxItem, Person

PEOPLE = "people"


def privacy_of(table: Table) -> Privacy | None:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            found = mapper.class_.__dict__.get("__privacy__")
            return found if isinstance(found, Privacy) else None
    return None


def person_columns(table: Table) -> list[Column[Any]]:
    """The columns of ``table`` that refer to a person."""
    return [c for c in table.columns if any(fk.column.table.name == PEOPLE for fk in c.foreign_keys)]


def tables_about_people() -> Iterator[tuple[Table, list[Column[Any]]]]:
    for table in Base.metadata.sorted_tables:
        cols = person_columns(table)
        if cols and table.name != PEOPLE:
            yield table, cols


async def find_subject(s: AsyncSession, ident: str) -> Person | None:
    """A person by Slack id, Teams id, e-mail address, or ``#id``."""
    ident = ident.strip()
    if ident.startswith("#") and digits(ident[1:]):
        return await s.get(Person, int(ident[1:]))
    if EMAIL.match(ident):
        col = Person.email
        ident = ident.lower()
    elif SLACK_ID.match(ident):
        col = Person.slack_id
    else:
        col = Person.teams_id
    return (await s.execute(select(Person).where(col == ident))).scalar_one_or_none()


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def words_of(person: Person) -> list[str]:
    """What names or identifies the person in text: their name, e-mail and chat ids."""
    return [w for w in (person.name, person.email, person.slack_id, person.teams_id) if w and len(w) >= 3]


async def rows_referring(s: AsyncSession, table: Table, cols: list[Column[Any]], pid: int) -> list[dict[str, Any]]:
    rows = await s.execute(select(table).where(or_(*(c == pid for c in cols))).order_by(*table.primary_key.columns))
    return [dict(r._mapping) for r in rows]


async def rows_naming(s: AsyncSession, table: Table, person: Person) -> list[dict[str, Any]]:
    """Rows whose free text names the person (their name, e-mail or chat id)."""
    privacy = privacy_of(table)
    words = words_of(person)
    if privacy is None or not privacy.free_text or not words:
        return []
    conds = [table.c[col].contains(w, autoescape=True) for col in privacy.free_text for w in words]
    rows = await s.execute(select(table).where(or_(*conds)).order_by(*table.primary_key.columns))
    return [dict(r._mapping) for r in rows]


def notice_is_about(notice: dict[str, Any], person: Person) -> bool:
    """Whether an outbox notice is to the person, invites them, or names them."""
    to = notice.get("to") or {}
    if to.get("t") == "person" and to.get("id") == person.id:
        return True
    if any(m.get("p") == person.id for m in to.get("members", [])):
        return True
    text = json.dumps(notice, ensure_ascii=False)
    return any(w in text for w in words_of(person))


async def outbox_about(s: AsyncSession, person: Person) -> list[OutboxItem]:
    rows = (await s.execute(select(OutboxItem).order_by(OutboxItem.id))).scalars()
    return [r for r in rows if notice_is_about(r.notice or {}, person)]
