"""The register of processing, generated from each table's ``__privacy__`` declaration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.sql.schema import Column, Table

from models.register import Privacy
from models.tables import Base

PERSON_TABLE = "people"


@dataclass(frozen=True)
class Entry:
    table: str
    about: str  # the table's docstring, first line
    privacy: Privacy
    retention: str  # with the settings' periods filled in


def _declared() -> dict[str, tuple[type[Any] | None, Privacy | None]]:
    found: dict[str, tuple[type[Any] | None, Privacy | None]] = {t.name: (None, None) for t in Base.metadata.tables.values()}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        table = mapper.local_table
        if isinstance(table, Table):
            found[table.name] = (cls, cls.__dict__.get("__privacy__"))
    return found


def could_be_personal(column: Column[Any]) -> bool:
    """Whether a column must be classified: text, identifiers and JSON, and references to a person."""
    if any(fk.column.table.name == PERSON_TABLE for fk in column.foreign_keys):
        return True
    if column.foreign_keys or column.primary_key and column.name == "id":
        return False
    return isinstance(column.type, String | Text | JSON) or isinstance(getattr(column.type, "impl", None), String)


def undeclared() -> list[str]:
    """What the register is missing: tables without a declaration, columns not classified, and
    declarations naming columns that do not exist. Empty when the register is complete."""
    problems: list[str] = []
    declared = _declared()
    for name, table in sorted(Base.metadata.tables.items()):
        _cls, privacy = declared.get(name, (None, None))
        if privacy is None:
            problems.append(f"{name}: no __privacy__ declaration")
            continue
        columns = {c.name for c in table.columns}
        named = set(privacy.personal) | set(privacy.not_personal)
        for col in table.columns:
            if could_be_personal(col) and col.name not in named:
                problems.append(f"{name}.{col.name}: not classified as personal or not personal")
        for col_name in sorted(named - columns):
            problems.append(f"{name}.{col_name}: declared but no such column")
        for col_name in sorted(set(privacy.free_text) - set(privacy.personal)):
            problems.append(f"{name}.{col_name}: free text must be declared personal")
        if privacy.personal and not privacy.holds:
            problems.append(f"{name}: has personal columns but says nothing of what it holds")
    return problems


def register(settings: Any) -> list[Entry]:
    """The register, table by table, with the retention periods in force."""
    periods = {k: v for k, v in vars(settings).items() if k.startswith("retention_")}
    out: list[Entry] = []
    for name, (cls, privacy) in sorted(_declared().items()):
        if privacy is None:
            continue
        about = ((cls.__doc__ or "").strip().splitlines() or [""])[0] if cls is not None else ""
        out.append(Entry(name, about, privacy, privacy.retention.format(**periods)))
    return out


def holding(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.privacy.holds]


def as_text(entries: list[Entry]) -> list[str]:
    lines = ["Register of processing (generated from the schema)", ""]
    for e in holding(entries):
        p = e.privacy
        lines += [
            f"{e.table}: {p.holds}",
            f"  purpose: {p.purpose}",
            f"  lawful basis: {p.basis}",
            f"  article 9: {p.article9}",
            f"  recipients: {p.recipients}",
            f"  retention: {e.retention}",
            f"  source: {p.source}",
            f"  personal columns: {', '.join(p.personal) or '(none)'}",
            "",
        ]
    others = [e.table for e in entries if not e.privacy.holds]
    lines.append(f"Tables holding no personal data: {', '.join(others)}")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(entries: list[Entry]) -> list[str]:
    lines = [
        "# Register of processing",
        "",
        "Generated from the schema by `vws privacy register --md`.",
        "",
        "| Table | Personal data | Purpose | Lawful basis | Article 9 condition | Recipients | Retention | Source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in holding(entries):
        p = e.privacy
        lines.append("| " + " | ".join(_cell(x) for x in (f"`{e.table}`", p.holds, p.purpose, p.basis, p.article9,
                                                          p.recipients, e.retention, p.source)) + " |")  # fmt: skip
    others = ", ".join(f"`{e.table}`" for e in entries if not e.privacy.holds)
    lines += ["", f"Tables holding no personal data: {others}."]
    return lines
