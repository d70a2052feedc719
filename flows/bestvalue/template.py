"""The code as data: read a versioned data file, load it once, and read it back.

Loading the same version twice changes nothing; a version already loaded with different text is
refused (a change of wording is a new version, and adoptions keep the version they started on).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.bestvalue import CodeClause, CodeCriterion, CodeSection, CodeTemplate

DATA_FILE = "code_v1.yaml"


class TemplateError(ValueError):
    """A data file that cannot be loaded."""


class SectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: int = Field(ge=1, le=99)
    title: str = Field(min_length=1, max_length=200)
    contract_compliance: bool = False
    clauses: list[str] = Field(min_length=1)


class CriteriaIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    heading: str = ""
    intro: str = ""
    criteria: list[str] = Field(default_factory=list)


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    source: str = ""
    sections: list[SectionIn] = Field(min_length=1)
    contractor_criteria: CriteriaIn = Field(default_factory=CriteriaIn)


def bundled() -> str:
    """The data file shipped with the bot."""
    return resources.files("flows.bestvalue").joinpath(DATA_FILE).read_text(encoding="utf-8")


def parse(source: str) -> TemplateIn:
    try:
        data = yaml.safe_load(source)
        parsed = TemplateIn.model_validate(data)
    except yaml.YAMLError as exc:
        raise TemplateError(f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise TemplateError(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None
    numbers = [s.number for s in parsed.sections]
    if numbers != list(range(1, len(numbers) + 1)):
        raise TemplateError("sections must be numbered 1, 2, 3, ... in order")
    return parsed


def digest(t: TemplateIn) -> str:
    return hashlib.sha256(json.dumps(t.model_dump(), sort_keys=True).encode()).hexdigest()


async def load(s: AsyncSession, source: str) -> tuple[int, bool]:
    """Load a version of the code. Returns (version, whether anything was added)."""
    t = parse(source)
    d = digest(t)
    have = (await s.execute(select(CodeTemplate).where(CodeTemplate.version == t.version))).scalar_one_or_none()
    if have is not None:
        if have.digest != d:
            raise TemplateError(
                f"version {t.version} is already loaded with different text: give the new text a new version"
            )
        return t.version, False
    row = CodeTemplate(
        version=t.version, title=t.title, source=t.source, digest=d,
        criteria_heading=t.contractor_criteria.heading, criteria_intro=t.contractor_criteria.intro,
    )  # fmt: skip
    s.add(row)
    await s.flush()
    for sec in t.sections:
        srow = CodeSection(template_id=row.id, number=sec.number, title=sec.title,
                           contract_compliance=sec.contract_compliance)  # fmt: skip
        s.add(srow)
        await s.flush()
        for i, text in enumerate(sec.clauses, start=1):
            s.add(CodeClause(template_id=row.id, section_id=srow.id, section_number=sec.number, number=i,
                             ref=f"{sec.number}.{i}", text=" ".join(text.split())))  # fmt: skip
    for i, text in enumerate(t.contractor_criteria.criteria, start=1):
        s.add(CodeCriterion(template_id=row.id, number=i, text=" ".join(text.split())))
    await s.flush()
    return t.version, True


@dataclass(frozen=True)
class Code:
    """One loaded version of the code: its sections and clauses in order, and the criteria."""

    template: CodeTemplate
    sections: tuple[CodeSection, ...]
    clauses: tuple[CodeClause, ...]
    criteria: tuple[CodeCriterion, ...]

    def clause(self, ref: str) -> CodeClause | None:
        return next((c for c in self.clauses if c.ref == ref), None)

    def in_section(self, number: int) -> tuple[CodeClause, ...]:
        return tuple(c for c in self.clauses if c.section_number == number)

    def section(self, number: int) -> CodeSection | None:
        return next((x for x in self.sections if x.number == number), None)

    def by_id(self, clause_id: int) -> CodeClause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)


async def code_of(s: AsyncSession, template_id: int) -> Code:
    t = await s.get(CodeTemplate, template_id)
    assert t is not None
    sections = (await s.execute(
        select(CodeSection).where(CodeSection.template_id == template_id).order_by(CodeSection.number))).scalars()
    clauses = (await s.execute(select(CodeClause).where(CodeClause.template_id == template_id)
                               .order_by(CodeClause.section_number, CodeClause.number))).scalars()
    criteria = (await s.execute(
        select(CodeCriterion).where(CodeCriterion.template_id == template_id).order_by(CodeCriterion.number))).scalars()
    return Code(t, tuple(sections), tuple(clauses), tuple(criteria))  # fmt: skip


async def latest(s: AsyncSession) -> CodeTemplate | None:
    """The newest version loaded (new adoptions start on it)."""
    return (await s.execute(select(CodeTemplate).order_by(CodeTemplate.version.desc()).limit(1))).scalar_one_or_none()
