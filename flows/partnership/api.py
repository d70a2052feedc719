"""The partnership process's public API, as ``engine.partnerships``: one method per use case, for
the CLI, the demo and the tests (the adapters go through the dispatcher)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.payload import Payload
from flows.core.unit import Core, read
from flows.directory import Who
from flows.notices import Outcome
from flows.partnership import closing, documents, ladder, raising
from flows.partnership import report as reports
from flows.partnership.journey import Action, Level
from models.partnership import Issue

_BY_LEVEL = {
    "attempt": {Level.LOCAL: Action.LOG_ATTEMPT, Level.REGIONAL: Action.REGIONAL_ATTEMPT, Level.NATIONAL: Action.NATIONAL_ATTEMPT},
    "resolve": {Level.LOCAL: Action.RESOLVE, Level.REGIONAL: Action.REGIONAL_RESOLVE, Level.NATIONAL: Action.NATIONAL_RESOLVE},
    "escalate": {Level.LOCAL: Action.ESCALATE, Level.REGIONAL: Action.ESCALATE_NATIONAL, Level.NATIONAL: Action.ESCALATE_NATIONAL},
    "acknowledge": {Level.LOCAL: Action.ACKNOWLEDGE, Level.REGIONAL: Action.ACKNOWLEDGE, Level.NATIONAL: Action.NATIONAL_ACKNOWLEDGE},
    "refer_back": {Level.LOCAL: Action.REGIONAL_REFER_BACK, Level.REGIONAL: Action.REGIONAL_REFER_BACK,
                   Level.NATIONAL: Action.NATIONAL_REFER_BACK},
}  # fmt: skip


class Partnerships:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def _action(self, issue_id: int, what: str) -> str:
        async def q(s: AsyncSession) -> str:
            issue = await s.get(Issue, issue_id)
            return _BY_LEVEL[what][Level(issue.level) if issue else Level.LOCAL]

        return await read(self.core, q)

    async def screen(self, who: Who, casework: bool, partnership_id: int | None = None) -> Outcome:
        p = Payload(raising.SCREEN_ISSUE, partnership_id)
        return await raising.screened(self.core, who, p, {"casework": "yes" if casework else "no"})

    async def raise_issue(self, who: Who, data: dict[str, Any], partnership_id: int | None = None) -> Outcome:
        return await raising.raise_issue(self.core, who, Payload(Action.RAISE, partnership_id), data)

    async def raise_concern(self, who: Who, employer_id: int, data: dict[str, Any]) -> Outcome:
        return await raising.raise_issue(self.core, who, Payload(Action.RAISE_CONCERN, employer_id), data)

    async def log_attempt(self, who: Who, issue_id: int, data: dict[str, Any]) -> Outcome:
        return await ladder.log_attempt(self.core, who, issue_id, await self._action(issue_id, "attempt"), data)

    async def escalate(self, who: Who, issue_id: int, exhausted: str | None) -> Outcome:
        return await ladder.escalate(self.core, who, issue_id, await self._action(issue_id, "escalate"), exhausted)

    async def acknowledge(self, who: Who, issue_id: int) -> Outcome:
        return await ladder.acknowledge(self.core, who, issue_id, await self._action(issue_id, "acknowledge"))

    async def refer_back(self, who: Who, issue_id: int, reasons: str | None) -> Outcome:
        return await ladder.refer_back(self.core, who, issue_id, await self._action(issue_id, "refer_back"), reasons)

    async def add_note(self, who: Who, issue_id: int, note: str | None) -> Outcome:
        return await ladder.add_note(self.core, who, issue_id, note)

    async def resolve(self, who: Who, issue_id: int, resolution: str | None) -> Outcome:
        return await closing.resolve(self.core, who, issue_id, await self._action(issue_id, "resolve"), resolution)

    async def confirm(self, who: Who, issue_id: int) -> Outcome:
        return await closing.confirm(self.core, who, issue_id)

    async def reopen(self, who: Who, issue_id: int, reasons: str | None) -> Outcome:
        return await closing.reopen(self.core, who, issue_id, reasons)

    async def casework(self, who: Who, issue_id: int) -> Outcome:
        return await closing.casework(self.core, who, issue_id)

    async def withdraw(self, who: Who, issue_id: int) -> Outcome:
        return await closing.withdraw(self.core, who, issue_id)

    async def propose_remit(self, who: Who, issue_id: int) -> Outcome:
        return await closing.propose_remit(self.core, who, issue_id)

    async def review(self, who: Who, partnership_id: int, kind: str, answers: dict[str, Any]) -> Outcome:
        return await documents.review(self.core, who, partnership_id, kind, answers)

    async def report(self, query: str, who: Who | None = None) -> list[str]:
        return await reports.partnership_report(self.core, query, who)

    async def counts(self, nations: set[str] | None = None) -> list[reports.CountRow]:
        return await reports.counts(self.core, nations)
