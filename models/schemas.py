"""Pydantic inputs: what people type into forms and files, checked before anything is written.

Every error names the field it is about, in words a rep can act on.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.workplan import ActionLine, WorkplanError, check_numbers, parse_by_date, parse_table


class EmployerKind(StrEnum):
    SCHOOL = "school"
    MULTI_ACADEMY_TRUST = "multi_academy_trust"
    LOCAL_AUTHORITY = "local_authority"

    @property
    def label(self) -> str:
        return {
            "school": "school",
            "multi_academy_trust": "multi-academy trust",
            "local_authority": "local authority",
        }[self.value]


class Origin(StrEnum):
    REP_IDENTIFIED = "rep_identified"
    EMPLOYER_APPROACHED = "employer_approached"

    @property
    def label(self) -> str:
        return {
            "rep_identified": "identified by the rep",
            "employer_approached": "the employer approached the union",
        }[self.value]


class Route(StrEnum):
    JCC = "jcc"
    JOINT_LETTER = "joint_letter"

    @property
    def label(self) -> str:
        return {
            "jcc": "an item on the Joint Consultative Committee agenda",
            "joint_letter": "a joint letter from the unions",
        }[self.value]


Trimmed = Annotated[str, Field(min_length=1)]


def _clean(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


class ProposalIn(BaseModel):
    """A rep's proposal: the employer and the case for it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    employer_name: str = Field(min_length=2, max_length=150)
    employer_kind: EmployerKind
    association: str = Field(min_length=1, max_length=120)
    case_for: str = Field(min_length=10, max_length=3000)
    to_employer: str | None = Field(default=None, max_length=3000)  # for the JCC item or joint letter
    origin: Origin = Origin.REP_IDENTIFIED

    @field_validator("to_employer", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    _norm_name = field_validator("employer_name", "association", mode="before")(_clean)


class WorkplanActionIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    number: int = Field(ge=1)
    detail: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    by_date: date
    by_date_text: str = ""

    @model_validator(mode="before")
    @classmethod
    def _read_by_date(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("by_date"), str):
            raw = data["by_date"]
            data = {**data, "by_date": parse_by_date(raw), "by_date_text": data.get("by_date_text") or raw}
        return data


class PlanIn(BaseModel):
    """An action plan for one cycle. ``workplan`` may be a pasted table or a list of actions."""

    model_config = ConfigDict(str_strip_whitespace=True)

    principle: int = Field(ge=1, le=6)
    objectives: str = Field(min_length=3, max_length=3000)
    activities: str = Field(min_length=3, max_length=3000)
    success_criteria: str = Field(min_length=3, max_length=3000)
    starts_on: date | None = None
    review_on: date | None = None
    workplan: list[WorkplanActionIn] = Field(default_factory=list)

    @field_validator("workplan", mode="before")
    @classmethod
    def _read_table(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return []
            lines: list[ActionLine] = parse_table(value)  # raises WorkplanError naming each line
            return [
                {
                    "number": a.number,
                    "detail": a.detail,
                    "owner": a.owner,
                    "by_date": a.by_date,
                    "by_date_text": a.by_date_text,
                }
                for a in lines
            ]
        return value

    @field_validator("workplan")
    @classmethod
    def _numbers(cls, value: list[WorkplanActionIn]) -> list[WorkplanActionIn]:
        check_numbers([a.number for a in value])
        return value

    @model_validator(mode="after")
    def _dates(self) -> PlanIn:
        if self.starts_on and self.review_on and self.review_on <= self.starts_on:
            raise ValueError("review_on: the review date must be after the start date")
        return self


FIELD_LABELS = {
    "employer_name": "Employer",
    "employer_kind": "Kind of employer",
    "association": "Local association",
    "case_for": "Why this employer",
    "to_employer": "What to tell the employer",
    "origin": "Who started it",
    "principle": "Principle",
    "objectives": "Objectives",
    "activities": "Activities",
    "success_criteria": "Success criteria",
    "starts_on": "Start date",
    "review_on": "Review date",
    "workplan": "Workplan",
    "reasons": "Reasons",
    "route": "Route",
}


def _friendly(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "This is required."
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return "This is required." if n <= 1 else f"Write at least {n} characters."
    if kind == "string_too_long":
        return f"Keep this under {ctx.get('max_length')} characters."
    if (
        kind in ("less_than_equal", "greater_than_equal", "int_parsing")
        and err.get("loc", ("",))[0] == "principle"
    ):
        return "Choose one of the six principles (1 to 6)."
    if kind == "enum":
        return f"Choose one of: {ctx.get('expected', '')}."
    msg = str(err.get("msg", "This is not valid."))
    msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
    return msg[0].upper() + msg[1:] if msg else msg


def field_errors(exc: ValidationError | WorkplanError) -> dict[str, str]:
    """Turn validation errors into {field: message}, one message per field."""
    if isinstance(exc, WorkplanError):
        return {exc.field: "; ".join(exc.problems)}
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        fieldname = loc[0] if loc else "form"
        message = _friendly(dict(err))
        if fieldname == "workplan" and len(loc) > 1:
            message = f"action {int(loc[1]) + 1 if loc[1].isdigit() else loc[1]}: {message}"
        if (m := re.match(r"^(\w+): (.*)$", message)) and m[1] in FIELD_LABELS:
            fieldname, message = m[1], m[2][0].upper() + m[2][1:]
        out.setdefault(fieldname, message)
    return out
