"""Pydantic inputs of the local social partnerships' forms: an issue, an attempt, a remit and a
protocol review. Every error names the field it is about, in words a rep can act on."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.workplan import parse_by_date

OTHER_AREA = "other"  # the remit-area choice for "something else (outside the remit)"
PROTOCOL_THEMES = ("focus_participation", "ways_of_working", "communication_dissemination", "processes")
RESULTS = ("not_resolved", "partly")

_NAMED = re.compile(r"<@|@\w|[^@\s<>]+@[^@\s<>]+\.\w")  # a mention or an e-mail: a named person


def _clean(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def _date(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        v = value.strip()
        try:
            return date.fromisoformat(v)
        except ValueError:
            try:
                return parse_by_date(v)
            except ValueError:
                raise ValueError("Give a date, like 2027-03-31 or 31/03/2027.") from None
    return value if value not in ("",) else None


def _list(value: Any) -> Any:
    """Check boxes answer with a list; Teams with "a,b,c"."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _someone(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("Tick the sides that took part in the review.")
    return value


class IssueIn(BaseModel):
    """An issue for the partnership: about a group, never about named people."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=150)
    description: str = Field(min_length=10, max_length=3000)
    group_affected: str = Field(min_length=3, max_length=200)
    remit_area: str = Field(min_length=1, max_length=200)
    other_area: str | None = Field(default=None, max_length=150)

    _norm = field_validator("title", "group_affected", "other_area", mode="before")(_clean)

    @field_validator("group_affected")
    @classmethod
    def _a_group(cls, v: str) -> str:
        if _NAMED.search(v):
            raise ValueError("Describe a group (like 'teaching assistants in primary schools'), not named people.")
        return v


class AttemptIn(BaseModel):
    """What was tried, when, and its outcome: an attempt that did not (or only partly) resolve it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    tried: str = Field(min_length=3, max_length=2000)
    tried_on: date
    outcome: str = Field(min_length=3, max_length=2000)
    result: str = "not_resolved"

    _read_date = field_validator("tried_on", mode="before")(_date)

    @field_validator("result")
    @classmethod
    def _result(cls, v: str) -> str:
        if v not in RESULTS:
            raise ValueError("Choose whether it did not resolve it, or only partly.")
        return v


class RemitIn(BaseModel):
    """A remit as reviewed "in its entirety": its areas, one a line; the sides that took part."""

    model_config = ConfigDict(str_strip_whitespace=True)

    remit: str = Field(min_length=3, max_length=4000)
    parties: list[str] = Field(default_factory=list, validate_default=True)
    next_review: date | None = None

    _read_date = field_validator("next_review", mode="before")(_date)
    _read_parties = field_validator("parties", mode="before")(_list)
    _took_part = field_validator("parties")(_someone)

    @property
    def areas(self) -> list[str]:
        out: list[str] = []
        for line in self.remit.splitlines():
            area = " ".join(line.strip().lstrip("-*•0123456789.) ").split())
            if area and area.lower() not in {a.lower() for a in out}:
                out.append(area[:200])
        return out

    @field_validator("remit")
    @classmethod
    def _some_areas(cls, v: str) -> str:
        lines = [x for x in v.splitlines() if x.strip(" -*•")]
        if not lines:
            raise ValueError("Write the remit's areas, one a line.")
        if len(lines) > 30:
            raise ValueError("Keep the remit to 30 areas at most.")
        return v


class ProtocolIn(BaseModel):
    """A protocol under its four themes: focus and participation, ways of working, communication
    and dissemination, processes."""

    model_config = ConfigDict(str_strip_whitespace=True)

    focus_participation: str = Field(min_length=3, max_length=3000)
    ways_of_working: str = Field(min_length=3, max_length=3000)
    communication_dissemination: str = Field(min_length=3, max_length=3000)
    processes: str = Field(min_length=3, max_length=3000)
    parties: list[str] = Field(default_factory=list, validate_default=True)
    next_review: date | None = None

    _read_date = field_validator("next_review", mode="before")(_date)
    _read_parties = field_validator("parties", mode="before")(_list)
    _took_part = field_validator("parties")(_someone)

    @property
    def themes(self) -> dict[str, str]:
        return {t: getattr(self, t) for t in PROTOCOL_THEMES}
