"""Pydantic inputs of the Best Value Code: an adoption, an indicator with its targets, a contract.

Every error names the field it is about (``field_errors`` in :mod:`models.schemas`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

UNIONS = ("NASUWT", "GMB", "UNISON", "Unite")
PERIOD = re.compile(r"^(\d{4})[-/](\d{2}|\d{4})$")


class CodeEmployerKind(StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    TRUST = "trust"
    HEALTH_BODY = "health_body"

    @property
    def label(self) -> str:
        return {"local_authority": "local authority", "trust": "trust", "health_body": "health body"}[self.value]


def financial_year(value: str) -> str:
    """A UK financial year as ``2027-28`` (April 2027 to March 2028); accepts 2027/28 and 2027-2028."""
    m = PERIOD.match(value.strip())
    if not m:
        raise ValueError(f"{value.strip()!r} is not a year like 2027-28")
    start, end = int(m[1]), m[2]
    if int(end[-2:]) != (start + 1) % 100 or (len(end) == 4 and int(end) != start + 1):
        raise ValueError(f"{value.strip()!r}: a financial year runs from April to the next March, like 2027-28")
    return f"{start}-{(start + 1) % 100:02d}"


def number(value: Any, what: str = "a number") -> float:
    """A number as people type it: ``90``, ``90%``, ``1,200``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value or "").strip().rstrip("%").replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{str(value).strip()!r} is not {what}") from None


class AdoptionIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    employer_name: str = Field(min_length=2, max_length=200)
    employer_kind: CodeEmployerKind = CodeEmployerKind.LOCAL_AUTHORITY
    association: str = Field(min_length=1, max_length=120)
    branches: list[str] = Field(min_length=1)

    @field_validator("branches", mode="before")
    @classmethod
    def _branches(cls, v: Any) -> Any:
        items = v.split(",") if isinstance(v, str) else list(v or [])
        out: list[str] = []
        for item in items:
            name = str(item).strip()
            if not name:
                continue
            match = next((u for u in UNIONS if u.lower() == name.lower()), None)
            if match is None:
                raise ValueError(f"{name!r} is not one of the unions ({', '.join(UNIONS)})")
            if match not in out:
                out.append(match)
        return out


class IndicatorIn(BaseModel):
    """An indicator on a clause (``3.2``) or a whole section (``3``), with a target per year."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    about: str = Field(min_length=1, max_length=8)  # a clause number or a section number
    name: str = Field(min_length=3, max_length=200)
    unit: str = Field(default="%", max_length=40)
    baseline: float | None = None
    direction: str = "higher"  # higher | lower is better
    priority: str = "medium"  # high | medium | low
    measurable: str = "objective"  # objective | subjective | costly
    targets: dict[str, float] = Field(min_length=1)

    @field_validator("baseline", mode="before")
    @classmethod
    def _baseline(cls, v: Any) -> Any:
        return None if v in (None, "") else number(v)

    @field_validator("direction")
    @classmethod
    def _direction(cls, v: str) -> str:
        v = v.lower().split()[0] if v.strip() else "higher"
        if v not in ("higher", "lower"):
            raise ValueError("choose whether higher or lower is better")
        return v

    @field_validator("priority")
    @classmethod
    def _priority(cls, v: str) -> str:
        if v.lower() not in ("high", "medium", "low"):
            raise ValueError("choose high, medium or low")
        return v.lower()

    @field_validator("measurable")
    @classmethod
    def _measurable(cls, v: str) -> str:
        if v.lower() not in ("objective", "subjective", "costly"):
            raise ValueError("choose objective, subjective or costly")
        return v.lower()

    @field_validator("targets", mode="before")
    @classmethod
    def _targets(cls, v: Any) -> Any:
        """``2027-28: 90; 2028-29: 95`` (or a mapping)."""
        if isinstance(v, dict):
            return {financial_year(str(k)): number(t, "a target") for k, t in v.items()}
        out: dict[str, float] = {}
        for part in re.split(r"[;\n]+", str(v or "")):
            if not part.strip():
                continue
            year, sep, target = part.partition(":")
            if not sep:
                year, _, target = part.strip().partition(" ")
            out[financial_year(year)] = number(target, "a target")
        return out


class ContractIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    contract: str = Field(min_length=2, max_length=200)
    contractor: str = Field(min_length=2, max_length=200)
