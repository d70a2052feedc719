"""A process declared as one table: each row is an action a person (or the clock) may take.

A row says from which stages the action may be taken, to which stage it moves the case, who may
take it, what they must supply, which guards must hold, and how it is offered (its buttons).
Everything else is derived from the rows:

- :meth:`Table.available` answers "which actions may this person take on this case now", in the
  spirit of pytransitions' ``get_triggers``: the stage allows the row, the person's roles meet
  its ``who`` and every guard holds. Status lists, App Home, form pickers and card refreshes are
  all built on it.
- :meth:`Table.refusal_for` says why an action is *not* available, in the order a person needs to
  hear it (wrong stage, wrong person, a guard), and :func:`flows.core.unit.check` enforces the
  same rows, so what is offered is exactly what is accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from flows.core.roles import Role
from flows.notices import Button, ButtonStyle, Confirm, Text


class Need(StrEnum):
    """What must be supplied with an action (collected by a form before it runs)."""

    PROPOSAL = "proposal"  # employer name, kind, area, why, who started it
    REASONS = "reasons"
    ROUTE = "route"  # jcc | joint_letter
    PLAN = "plan"  # principle, objectives, activities, success criteria, review date, workplan
    REVIEW_DATE = "review_date"
    REVIEW_OUTCOME = "review_outcome"  # extend the review, or a new plan (after "not met")
    REVISION = "revision"  # which version of the proposal the decision is about
    # the Best Value Code (flows/bestvalue)
    ADOPTION = "adoption"  # the employer and the branches taking part
    POSITION = "position"  # a clause, and a branch's position on it (local wording, reasons)
    COMMITTEE = "committee"  # a clause's committee outcome (and the varied text)
    INDICATOR = "indicator"  # an indicator on a clause or section, with annual targets
    ACTUAL = "actual"  # what an indicator came to in a year
    CONTRACT = "contract"  # the tender or contract, and the contractor
    RESPONSE = "response"  # a contractor's answer (and the clauses excepted)
    DELIVERY = "delivery"  # after award: a Contract Compliance clause delivered in a year
    ISSUE = "issue"  # an issue for a local social partnership: title, what, the group, the remit area
    ATTEMPT = "attempt"  # what was tried, when, and the outcome
    RESOLUTION = "resolution"  # what was agreed
    EXHAUSTED = "exhausted"  # why options for resolution are exhausted at this level
    NOTE = "note"  # a note that travels with an escalation
    REMIT = "remit"  # a partnership's remit, who took part in the review, the next review
    PROTOCOL = "protocol"  # a partnership's protocol (four themes), who took part, the next review
    ABSENCE = "absence"  # away from, until, and who acts meanwhile (flows/away)
    HOW_TAKEN = "how_taken"  # how a decision recorded for someone was taken (by phone on..., at the meeting of...)


class Pin(StrEnum):
    """What a button carries of its subject's version, so a stale click changes nothing."""

    NONE = "none"
    REVISION = "revision"  # the proposal's revision
    CYCLE = "cycle"  # the action plan's cycle


class CaseLike(Protocol):
    """What the table needs of a loaded case: its stage, its id and versions, the person's roles."""

    @property
    def id(self) -> int: ...

    @property
    def stage(self) -> Any: ...

    @property
    def revision(self) -> int: ...

    @property
    def cycle(self) -> int: ...

    @property
    def roles(self) -> frozenset[Role]: ...


C = TypeVar("C", bound=CaseLike)


@dataclass(frozen=True)
class Offer:
    """One button through which a row is offered: its label, style and (optional) value, and
    ``confirm``: the question to ask before the click takes effect on a case (None: none)."""

    label: str
    style: ButtonStyle = ButtonStyle.DEFAULT
    value: str | None = None
    confirm: Callable[[Any], Confirm | None] | None = None


@dataclass(frozen=True)
class Guard(Generic[C]):
    """A condition on the case (beyond stage and role) that must hold for the row to be available.

    ``refusal`` says, in words, why it does not hold; None means "already done": the process
    then says who did it and when (:meth:`flows.core.unit.Steps.already`).
    """

    name: str
    holds: Callable[[C], bool]
    refusal: Callable[[C], Text] | None = None


@dataclass(frozen=True)
class Transition:
    """One row of a process table."""

    action: str
    sources: frozenset[str]  # empty: the action creates the case
    dest: str | None  # None: the case stays where it is (a partial step, a record)
    who: frozenset[Role]
    needs: frozenset[Need] = frozenset()
    what: str = ""  # what happened, in the union's own words, for the audit trail
    guards: tuple[Guard[Any], ...] = ()
    offers: tuple[Offer, ...] = ()  # how it is offered as buttons; empty: a command or the clock
    waits_in: frozenset[str] | None = None  # stages in which it is a to-do (None: every source)
    shown_in: frozenset[str] = frozenset()  # more stages in which its buttons show beside to-dos
    pins: Pin = Pin.NONE
    form: str | None = None  # the form that collects ``needs`` before it runs
    rivals: tuple[str, ...] = ()  # actions that count as the same decision ("already decided")

    def allows(self, stage: Any) -> bool:
        if not self.sources:
            return stage is None
        return stage is not None and str(stage) in self.sources

    def waits(self, stage: Any) -> bool:
        """Whether, in ``stage``, this action is something the case waits for."""
        stages = self.sources if self.waits_in is None else self.waits_in
        return stage is not None and str(stage) in stages

    def shows(self, stage: Any) -> bool:
        return self.waits(stage) or (stage is not None and str(stage) in self.shown_in)

    def buttons(self, case: CaseLike) -> tuple[Button, ...]:
        """The buttons that offer this row on ``case``, carrying what the click acts on."""
        rev = case.revision if self.pins is Pin.REVISION else None
        cycle = case.cycle if self.pins is Pin.CYCLE else None
        return tuple(
            Button(
                self.action,
                o.label,
                case.id,
                rev,
                value=o.value,
                style=o.style,
                needs=tuple(n for n in Need if n in self.needs and n is not Need.REVISION),
                cycle=cycle,
                confirm=o.confirm(case) if o.confirm is not None else None,
            )
            for o in self.offers
        )


def row(
    action: StrEnum | str,
    sources: Iterable[StrEnum | str],
    dest: StrEnum | str | None,
    who: Collection[Role],
    needs: Collection[Need] = (),
    what: str = "",
    **kw: Any,
) -> Transition:
    """A row, written the way the tables read: action, from, to, who, must supply, what."""
    for k in ("waits_in", "shown_in"):
        if kw.get(k) is not None:
            kw[k] = frozenset(str(s) for s in kw[k])
    kw["rivals"] = tuple(str(a) for a in kw.get("rivals", ()))
    return Transition(
        str(action),
        frozenset(str(s) for s in sources),
        str(dest) if dest is not None else None,
        frozenset(who),
        frozenset(needs),
        what,
        **kw,
    )


@dataclass(frozen=True)
class Refused:
    """Why an action is not available: the stage, the person, or a guard."""

    reason: str  # "stage" | "who" | "guard"
    guard: Guard[Any] | None = None


TABLES: dict[str, Table] = {}
"""Every process's table, by name (what a button's action is a row of, for :func:`row_of`)."""


def row_of(action: str) -> Transition | None:
    """The row of any process's table an action belongs to (None: no table's, e.g. a snooze)."""
    return next((t.by_action[action] for t in TABLES.values() if action in t.by_action), None)


@dataclass
class Table:
    """A process's rows, in the order they are offered."""

    name: str
    rows: tuple[Transition, ...]
    by_action: dict[str, Transition] = field(init=False)

    def __post_init__(self) -> None:
        self.by_action = {t.action: t for t in self.rows}
        assert len(self.by_action) == len(self.rows), f"{self.name}: an action appears twice"
        TABLES[self.name] = self

    def row(self, action: StrEnum | str) -> Transition:
        return self.by_action[str(action)]

    def __contains__(self, action: object) -> bool:
        return str(action) in self.by_action

    def refusal_for(self, t: Transition, case: CaseLike) -> Refused | None:
        """Why ``t`` cannot be taken on ``case`` by this person now; None when it can."""
        if not t.allows(case.stage):
            return Refused("stage")
        if not (case.roles & t.who):
            return Refused("who")
        for g in t.guards:
            if not g.holds(case):
                return Refused("guard", g)
        return None

    def available(self, case: CaseLike) -> list[Transition]:
        """The rows this person may take on ``case`` now (stage, role and guards)."""
        return [t for t in self.rows if self.refusal_for(t, case) is None]

    def to_do(self, case: CaseLike) -> tuple[Button, ...]:
        """The buttons for what waits for this person on ``case`` (empty: nothing waits).

        An item waits when an available row waits in its stage; the buttons shown are those of
        the rows that wait, and of rows shown beside them (Withdraw beside Revise and resubmit).
        """
        rows = self.available(case)
        if not any(t.waits(case.stage) for t in rows):
            return ()
        return tuple(b for t in rows if t.shows(case.stage) for b in t.buttons(case))

    def offer(self, case: CaseLike, *actions: StrEnum | str, roles: Collection[Role] | None = None) -> tuple[Button, ...]:
        """The buttons of ``actions`` (in table order) as the case offers them, whoever is asked.

        A notice to a person asks with the buttons of the rows its recipient's role may take
        (``roles``; default: whoever is acting on ``case``): the buttons come from the rows, so
        their labels, styles and what they carry are declared once.
        """
        wanted = {str(a) for a in actions}
        out: list[Button] = []
        for t in self.rows:
            if t.action not in wanted:
                continue
            if roles is not None and not (set(roles) & t.who):
                continue
            out += t.buttons(case)
        return tuple(out)
