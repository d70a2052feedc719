"""The engine: the clock, the time zone, the database, the dispatcher, and every process's use
cases as methods. Adapters, the reminder clock and the CLI call it; they never touch the tables.

Each method is one use case of :mod:`flows.signup` (load, check the row, move, audit, notices);
:attr:`Engine.dispatch` is the one map from action to use case the Slack and Teams adapters use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.core.dispatch import Dispatcher
from flows.core.outbox import HandOff
from flows.core.reach import Missed
from flows.core.unit import one_read
from flows.directory import Who
from flows.notices import Button, Notice, Outcome
from flows.signup import actions as signup_actions
from flows.signup import approvals, national, plan, proposal, records, review, revocation, route, status
from flows.signup.journey import Action
from flows.signup.records import AuditLine, EmployerSummary
from flows.signup.status import StatusView
from models.schemas import PlanIn, ProposalIn, Route
from models.tables import ActionPlan, Employer, WorkplanAction


class Engine:
    """The processes' public API (see the module docstring)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] | None = None,
        tz: ZoneInfo | str = "Europe/London",
        outbox: bool = True,
    ) -> None:
        self.sessions = sessions
        #: Write every use case's notices to the outbox in its transaction (off for ``vws demo``,
        #: which prints them instead).
        self.outbox = outbox
        #: Called after a use case committed notices (the delivery worker's wake-up).
        self.after_commit: Callable[[], None] | None = None
        #: The running delivery worker, which takes a use case's notices as it commits them.
        self.hand_off: HandOff | None = None
        #: Who of a decision's recipients the platforms already know they cannot reach, read in
        #: the decision's transaction (``bot.routing.Router.known_unreached``): (missed, unsure).
        self.reach: Callable[[AsyncSession, Sequence[Notice]], Awaitable[tuple[list[Missed], tuple[int, ...]]]] | None = None
        self.clock = clock or (lambda: datetime.now(UTC))
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.dispatch = Dispatcher(self)
        signup_actions.register(self.dispatch)
        from flows.bestvalue import actions as code_actions
        from flows.reminders.snooze import register as register_snooze

        code_actions.register(self.dispatch)

        register_snooze(self.dispatch)
        from flows.partnership import actions as partnership_actions
        from flows.partnership.api import Partnerships

        partnership_actions.register(self.dispatch)
        from flows.away import actions as away_actions

        away_actions.register(self.dispatch)
        from flows.signup import recorded

        recorded.register(self.dispatch)
        from flows.privacy.reminders import register_source as privacy_reminders

        privacy_reminders()  # the admins' nudges for data protection requests
        self.partnerships = Partnerships(self)  # the local social partnerships' use cases

    # ------------------------------------------------------------------ time

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def when(self, at: datetime) -> str:
        local = at.astimezone(self.tz)
        return f"{local.day} {local:%b %Y} at {local:%H:%M}"

    # ------------------------------------------------------------------ the sign-up journey

    async def propose(self, who: Who, data: ProposalIn | dict[str, Any]) -> Outcome:
        return await proposal.propose(self, who, data)

    async def resubmit(self, who: Who, employer_id: int, data: ProposalIn | dict[str, Any]) -> Outcome:
        return await proposal.resubmit(self, who, employer_id, data)

    async def decide(
        self, who: Who, employer_id: int, action: Action | str, *, revision: int | None = None, reasons: str | None = None
    ) -> Outcome:
        return await approvals.decide(self, who, employer_id, action, revision=revision, reasons=reasons)

    async def choose_route(self, who: Who, employer_id: int, route_chosen: Route | str) -> Outcome:
        return await route.choose_route(self, who, employer_id, route_chosen)

    async def introduce(self, who: Who, employer_id: int) -> Outcome:
        return await route.introduce(self, who, employer_id)

    async def agree_plan(self, who: Who, employer_id: int, data: PlanIn | dict[str, Any]) -> Outcome:
        return await plan.agree_plan(self, who, employer_id, data)

    async def complete_action(self, who: Who, action_id: int) -> Outcome:
        return await plan.complete_action(self, who, action_id)

    async def record_national(self, who: Who, employer_id: int, action: Action | str) -> Outcome:
        return await national.record_national(self, who, employer_id, action)

    async def taken_off_list(self, who: Who, employer_id: int) -> Outcome:
        return await national.taken_off_list(self, who, employer_id)

    async def review_falls_due(self, employer_id: int) -> Outcome:
        return await review.review_falls_due(self, employer_id)

    def review_due_notices(self, emp: Employer, plan_row: ActionPlan, lead: str = "") -> list[Notice]:
        return review.review_due_notices(emp, plan_row, lead)

    async def review(
        self,
        who: Who,
        employer_id: int,
        outcome: Action | str,
        *,
        reasons: str | None = None,
        new_review_date: date | str | None = None,
    ) -> Outcome:
        return await review.review(self, who, employer_id, outcome, reasons=reasons, new_review_date=new_review_date)

    async def revoke(self, who: Who, employer_id: int, reasons: str | None) -> Outcome:
        return await revocation.revoke(self, who, employer_id, reasons)

    async def withdraw(self, who: Who, employer_id: int, reasons: str | None = None) -> Outcome:
        return await revocation.withdraw(self, who, employer_id, reasons)

    # ------------------------------------------------------------------ reading

    async def status_for(self, who: Who) -> StatusView | None:
        """What waits for this person in every process (None: not in the directory)."""
        async with one_read(self):  # who the person is, and where, is looked up once
            view = await status.status_for(self, who)
            if view is not None:
                view.sections = await self.dispatch.status_sections(who)
        return view

    async def actionable(self, who: Who, action: Action | str) -> list[EmployerSummary]:
        return await status.actionable(self, who, action)

    async def offered(self, who: Who, employer_id: int, actions: Iterable[str]) -> tuple[Button, ...] | None:
        return await status.offered(self, who, employer_id, actions)

    async def summary(self, employer_id: int) -> EmployerSummary | None:
        return await records.summary(self, employer_id)

    async def find(self, query: str, *, limit: int = 50) -> list[EmployerSummary]:
        return await records.find(self, query, limit=limit)

    async def register(self, *, everyone: bool = False) -> list[EmployerSummary]:
        return await records.register(self, everyone=everyone)

    async def audit(self, employer_id: int) -> list[AuditLine]:
        return await records.audit(self, employer_id)

    async def plan_of(self, employer_id: int) -> tuple[ActionPlan, list[WorkplanAction]] | None:
        return await records.plan_of(self, employer_id)

    async def proposal_of(self, employer_id: int) -> dict[str, str] | None:
        return await proposal.proposal_of(self, employer_id)

    async def previous_principles(self, employer_ids: list[int]) -> dict[int, int]:
        return await records.previous_principles(self, employer_ids)

    async def propose_form(self, who: Who) -> tuple[list[str], list[str]]:
        """Every association, and those where the person is a rep (to preset the proposal form)."""
        return await status.associations(self, who)


def command_menu() -> list[tuple[str, str]]:
    """The commands offered in a chat platform's command menu (word, what it does), and help."""
    from flows.bestvalue import actions as code_actions

    d = Dispatcher(None)
    signup_actions.register(d)
    code_actions.register(d)
    from flows.away import actions as away_actions

    away_actions.register(d)
    return [(c.word, c.help) for c in d.commands.values() if c.menu] + [("help", "this list")]
