"""The issue resolution process and a partnership's reviews, declared as tables of stages and actions.

Read it against WAMG's framework process for issue resolution (shared/seeds/004_*):

    an issue arising from implementing the National Agreement (or, in England, performance
    management) is raised in the local social partnership, unless it is one person's casework
      -> the partnership tries to resolve it (each attempt logged: what, when, the outcome)
      -> any party may escalate it to the regional level, but only once options are exhausted
         here: at least one attempt at this level that did not resolve it, and their reasons
      -> the regional level acknowledges it, tries, resolves it, refers it back (with reasons),
         or escalates it to the national level on the same terms
      -> a resolution above local is posted down and closes when a local member confirms it
         (or after 10 working days, recorded as such)
      -> "this is casework", at any level, closes it and erases what was said.

One record whose level changes, with its attempts and notes carried up. Each row says from which
stages an action may be taken, to which stage it moves the issue, who may take it, what they
must supply and what else must hold; what a person may do now is derived from these rows.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from flows.core.roles import Role
from flows.core.table import Guard, Need, Offer, Table, row
from flows.notices import ButtonStyle, Text
from flows.wording import say, say_str

if TYPE_CHECKING:
    from flows.partnership.case import IssueCase


class Level(StrEnum):
    LOCAL = "local"
    REGIONAL = "regional"
    NATIONAL = "national"

    @property
    def label(self) -> str:
        return say_str(f"level.{self.value}")

    @property
    def up(self) -> Level:
        return Level.NATIONAL if self is not Level.LOCAL else Level.REGIONAL

    @property
    def down(self) -> Level:
        return Level.LOCAL if self is Level.REGIONAL else Level.REGIONAL


class Stage(StrEnum):
    """Where an issue stands. Stored as text in ``issues.stage``."""

    LOCAL = "local"  # with the local social partnership
    REGIONAL_ASKED = "regional_asked"  # escalated to the regional level, not yet acknowledged
    REGIONAL = "regional"  # acknowledged at the regional level
    NATIONAL_ASKED = "national_asked"  # escalated to the national level, not yet acknowledged
    NATIONAL = "national"  # acknowledged at the national level
    CONFIRMING = "confirming"  # resolved above local, posted down for a local member to confirm
    RESOLVED = "resolved"
    CASEWORK = "casework"  # closed: it was individual casework; what was said is erased
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return say_str(f"issue.stage.{self.value}")


class Action(StrEnum):
    RAISE = "raise_issue"
    RAISE_CONCERN = "raise_concern"  # about an employer in the Valued Worker Scheme
    LOG_ATTEMPT = "log_attempt"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    ADD_NOTE = "add_note"
    ACKNOWLEDGE = "acknowledge"
    REGIONAL_ATTEMPT = "regional_attempt"
    REGIONAL_RESOLVE = "regional_resolve"
    REGIONAL_REFER_BACK = "regional_refer_back"
    ESCALATE_NATIONAL = "escalate_national"
    NATIONAL_ACKNOWLEDGE = "national_acknowledge"
    NATIONAL_ATTEMPT = "national_attempt"
    NATIONAL_RESOLVE = "national_resolve"
    NATIONAL_REFER_BACK = "national_refer_back"
    CONFIRM = "confirm_resolved"
    REOPEN = "not_resolved"
    AUTO_CLOSE = "auto_close"
    CASEWORK = "casework"
    WITHDRAW = "withdraw_issue"
    PROPOSE_REMIT = "propose_remit"


#: Where an issue is open, and at which level each of its stages is worked.
OPEN = frozenset({Stage.LOCAL, Stage.REGIONAL_ASKED, Stage.REGIONAL, Stage.NATIONAL_ASKED, Stage.NATIONAL, Stage.CONFIRMING})
CLOSED = frozenset({Stage.RESOLVED, Stage.CASEWORK, Stage.WITHDRAWN})
ESCALATED = frozenset({Stage.REGIONAL_ASKED, Stage.REGIONAL, Stage.NATIONAL_ASKED, Stage.NATIONAL})
ASKED = frozenset({Stage.REGIONAL_ASKED, Stage.NATIONAL_ASKED})
WORKED = {Stage.LOCAL: Level.LOCAL, Stage.REGIONAL: Level.REGIONAL, Stage.NATIONAL: Level.NATIONAL}


# --------------------------------------------------------------------------- guards


def _tried_here(case: IssueCase) -> bool:
    return case.unresolved_attempts > 0


def _not_tried(case: IssueCase) -> Text:
    return say("issue.escalate.not_tried", level=case.level.label, nothing_changed=say_str("nothing_changed"))


def _below(case: IssueCase) -> bool:
    """The person is of a level below the issue's (local people on an escalated issue, the
    regional contacts once it is national): they may add a note that travels with it."""
    if case.roles & {Role.MEMBER, Role.RAISER}:
        return True
    return Role.REGIONAL in case.roles and case.level is Level.NATIONAL


TRIED_HERE = Guard["IssueCase"]("options tried at this level", _tried_here, _not_tried)
BELOW = Guard["IssueCase"](
    "a level below the issue's", _below, lambda c: say("issue.note.not_below", nothing_changed=say_str("nothing_changed"))
)
OUTSIDE_REMIT = Guard["IssueCase"](
    "outside the remit", lambda c: not c.row.in_remit, lambda c: say("issue.remit.inside", nothing_changed=say_str("nothing_changed"))
)
NOT_PROPOSED = Guard["IssueCase"]("not yet proposed for the remit", lambda c: c.row.remit_proposed_at is None)


S, R, N = Stage, Role, Need
LOCAL_PEOPLE = {R.MEMBER, R.RAISER}
P, D = ButtonStyle.PRIMARY, ButtonStyle.DANGER
LOCAL_DECIDE = (Action.RESOLVE, Action.ESCALATE, Action.WITHDRAW, Action.CASEWORK)
REGIONAL_DECIDE = (Action.ACKNOWLEDGE, Action.REGIONAL_RESOLVE, Action.REGIONAL_REFER_BACK, Action.ESCALATE_NATIONAL, Action.CASEWORK)
NATIONAL_DECIDE = (Action.NATIONAL_ACKNOWLEDGE, Action.NATIONAL_RESOLVE, Action.NATIONAL_REFER_BACK, Action.CASEWORK)
CONFIRMS = (Action.CONFIRM, Action.REOPEN, Action.AUTO_CLOSE, Action.CASEWORK)

TABLE = Table("issue", (
    # action                     from                                   to                  who                       must supply         what happened (the audit's words)
    row(Action.RAISE,            (),                                    S.LOCAL,            LOCAL_PEOPLE,             {N.ISSUE},          "raised the issue in the partnership", form="issue"),
    row(Action.RAISE_CONCERN,    (),                                    S.LOCAL,            {R.REP, R.PARTNER_REP, R.SECRETARY, R.NEM, R.PROPOSER}, {N.ISSUE},
        "raised a concern about an employer in the scheme", form="issue"),
    # local: the partnership works on it
    row(Action.LOG_ATTEMPT,      {S.LOCAL},                             None,               LOCAL_PEOPLE,             {N.ATTEMPT},        "logged an attempt at local level",
        offers=(Offer("Log attempt", P),), form="attempt"),
    row(Action.RESOLVE,          {S.LOCAL},                             S.RESOLVED,         LOCAL_PEOPLE,             {N.RESOLUTION},     "resolved it at local level",
        offers=(Offer("Resolved"),), form="resolution", rivals=LOCAL_DECIDE),
    row(Action.ESCALATE,         {S.LOCAL},                             S.REGIONAL_ASKED,   LOCAL_PEOPLE,             {N.EXHAUSTED},      "escalated it to the regional level",
        offers=(Offer("Escalate"),), guards=(TRIED_HERE,), form="escalate", rivals=LOCAL_DECIDE),
    row(Action.ADD_NOTE,         ESCALATED,                             None,               {*LOCAL_PEOPLE, R.REGIONAL}, {N.NOTE},        "added a note to the escalation",
        offers=(Offer("Add a note"),), guards=(BELOW,), form="note", waits_in=()),
    # regional
    row(Action.ACKNOWLEDGE,      {S.REGIONAL_ASKED},                    S.REGIONAL,         {R.REGIONAL},             (),                 "acknowledged it at regional level",
        offers=(Offer("Acknowledge", P),), rivals=REGIONAL_DECIDE),
    row(Action.REGIONAL_ATTEMPT, {S.REGIONAL},                          None,               {R.REGIONAL},             {N.ATTEMPT},        "logged an attempt at regional level",
        offers=(Offer("Log attempt", P),), form="attempt"),
    row(Action.REGIONAL_RESOLVE, {S.REGIONAL},                          S.CONFIRMING,       {R.REGIONAL},             {N.RESOLUTION},     "resolved it at regional level",
        offers=(Offer("Resolve"),), form="resolution", rivals=REGIONAL_DECIDE),
    row(Action.REGIONAL_REFER_BACK, {S.REGIONAL_ASKED, S.REGIONAL},     S.LOCAL,            {R.REGIONAL},             {N.REASONS},        "referred it back to the partnership",
        offers=(Offer("Refer back"),), form="refer_back", rivals=REGIONAL_DECIDE, shown_in={S.REGIONAL_ASKED}),
    row(Action.ESCALATE_NATIONAL, {S.REGIONAL},                         S.NATIONAL_ASKED,   {R.REGIONAL},             {N.EXHAUSTED},      "escalated it to the national level",
        offers=(Offer("Escalate to national"),), guards=(TRIED_HERE,), form="escalate", rivals=REGIONAL_DECIDE),
    # national
    row(Action.NATIONAL_ACKNOWLEDGE, {S.NATIONAL_ASKED},                S.NATIONAL,         {R.NATIONAL_CONTACT},     (),                 "acknowledged it at national level",
        offers=(Offer("Acknowledge", P),), rivals=NATIONAL_DECIDE),
    row(Action.NATIONAL_ATTEMPT, {S.NATIONAL},                          None,               {R.NATIONAL_CONTACT},     {N.ATTEMPT},        "logged an attempt at national level",
        offers=(Offer("Log attempt", P),), form="attempt"),
    row(Action.NATIONAL_RESOLVE, {S.NATIONAL},                          S.CONFIRMING,       {R.NATIONAL_CONTACT},     {N.RESOLUTION},     "resolved it at national level",
        offers=(Offer("Resolve"),), form="resolution", rivals=NATIONAL_DECIDE),
    row(Action.NATIONAL_REFER_BACK, {S.NATIONAL_ASKED, S.NATIONAL},     S.REGIONAL,         {R.NATIONAL_CONTACT},     {N.REASONS},        "referred it back to the regional level",
        offers=(Offer("Refer back"),), form="refer_back", rivals=NATIONAL_DECIDE, shown_in={S.NATIONAL_ASKED}),
    # a resolution above local, posted down
    row(Action.CONFIRM,          {S.CONFIRMING},                        S.RESOLVED,         LOCAL_PEOPLE,             (),                 "confirmed the resolution for the partnership",
        offers=(Offer("Confirm resolved", P),), rivals=CONFIRMS),
    row(Action.REOPEN,           {S.CONFIRMING},                        None,               LOCAL_PEOPLE,             {N.REASONS},        "said the resolution does not resolve it",
        offers=(Offer("Not resolved"),), form="reopen", rivals=CONFIRMS),  # back to the level that resolved it
    row(Action.AUTO_CLOSE,       {S.CONFIRMING},                        S.RESOLVED,         {R.BOT},                  (),                 "closed it: no local member confirmed within 10 working days",
        rivals=CONFIRMS),
    # at any level
    row(Action.CASEWORK,         OPEN,                                  S.CASEWORK,         {*LOCAL_PEOPLE, R.REGIONAL, R.NATIONAL_CONTACT}, (), "closed it as individual casework (what was said is erased)",
        offers=(Offer("This is casework", D),), form="casework", waits_in=(), rivals=(Action.CASEWORK,)),
    row(Action.WITHDRAW,         {S.LOCAL},                             S.WITHDRAWN,        LOCAL_PEOPLE,             (),                 "withdrew the issue",
        offers=(Offer("Withdraw"),), waits_in=(), rivals=LOCAL_DECIDE),
    row(Action.PROPOSE_REMIT,    OPEN,                                  None,               LOCAL_PEOPLE,             (),                 "asked for its area to be added to the remit at the next review",
        offers=(Offer("Add to the remit at the next review"),), guards=(OUTSIDE_REMIT, NOT_PROPOSED), waits_in=(),
        rivals=(Action.PROPOSE_REMIT,)),
))  # fmt: skip

#: The buttons an issue's card offers at each level (what the table allows is worked out per person).
LOCAL_BUTTONS = (Action.LOG_ATTEMPT, Action.RESOLVE, Action.ESCALATE, Action.CASEWORK, Action.WITHDRAW, Action.PROPOSE_REMIT)
REGIONAL_BUTTONS = (Action.ACKNOWLEDGE, Action.REGIONAL_ATTEMPT, Action.REGIONAL_RESOLVE, Action.REGIONAL_REFER_BACK,
                    Action.ESCALATE_NATIONAL, Action.CASEWORK)  # fmt: skip
NATIONAL_BUTTONS = (Action.NATIONAL_ACKNOWLEDGE, Action.NATIONAL_ATTEMPT, Action.NATIONAL_RESOLVE,
                    Action.NATIONAL_REFER_BACK, Action.CASEWORK)  # fmt: skip
ATTEMPTS = frozenset({Action.LOG_ATTEMPT, Action.REGIONAL_ATTEMPT, Action.NATIONAL_ATTEMPT})
RESOLVES = frozenset({Action.RESOLVE, Action.REGIONAL_RESOLVE, Action.NATIONAL_RESOLVE})
ESCALATES = frozenset({Action.ESCALATE, Action.ESCALATE_NATIONAL})
ACKNOWLEDGES = frozenset({Action.ACKNOWLEDGE, Action.NATIONAL_ACKNOWLEDGE})
REFERS_BACK = frozenset({Action.REGIONAL_REFER_BACK, Action.NATIONAL_REFER_BACK})


class PartnershipStage(StrEnum):
    ACTIVE = "active"


class DocAction(StrEnum):
    REVIEW_REMIT = "review_remit"
    REVIEW_PROTOCOL = "review_protocol"


#: A partnership's own table: its remit and its protocol, reviewed "in their entirety" by the partnership.
DOC_TABLE = Table("partnership", (
    row(DocAction.REVIEW_REMIT,    {PartnershipStage.ACTIVE}, None, {R.MEMBER}, {N.REMIT},    "recorded a review of the remit",
        offers=(Offer("Record a remit review"),), form="remit", waits_in=()),
    row(DocAction.REVIEW_PROTOCOL, {PartnershipStage.ACTIVE}, None, {R.MEMBER}, {N.PROTOCOL}, "recorded a review of the protocol",
        offers=(Offer("Record a protocol review"),), form="protocol", waits_in=()),
))  # fmt: skip


def what(action: str) -> str:
    """The audit's words for an action of either table."""
    for t in (TABLE, DOC_TABLE):
        if action in t:
            return t.row(action).what
    return action.replace("_", " ")
