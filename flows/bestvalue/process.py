"""The Best Value Code, declared as two tables: an employer's adoption, and a contract within it.

Read against shared/seeds/003: each section's clauses "need to be agreed (or amended to take
account of local circumstances) by trade union branches before seeking corporate support and
approval of the Code", which "should be submitted for approval at corporate and departmental
Best Value committees"; "performance indicators and annual targets can be developed"; and the
Code "should be submitted to potential contractors seeking their commitment to adopt and
implement the Code if they are awarded a contract".

    a branch rep (or the Secretary) starts an adoption with the branches taking part
      -> each branch marks each clause: agreed, amend locally, not agreed, or park
         (a clause is settled when every branch has given a position other than park)
      -> the lead submits the Code as adopted to committee (only once every clause is settled)
      -> the lead records each clause's committee outcome: approved, varied, rejected
      -> adopted: indicators with annual targets, actuals, contractors, the annual review
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from flows.core.roles import Role
from flows.core.table import Guard, Need, Offer, Table, row
from flows.notices import ButtonStyle
from flows.wording import say, say_str

if TYPE_CHECKING:
    from flows.bestvalue.case import AdoptionCase


class Stage(StrEnum):
    """Where an adoption stands (``code_adoptions.stage``)."""

    NEGOTIATING = "negotiating"  # the branches are agreeing the clauses
    AT_COMMITTEE = "at_committee"  # submitted to the Best Value committees
    ADOPTED = "adopted"  # every clause has its committee outcome

    @property
    def label(self) -> str:
        return say_str(f"code.stage.{self.value}")


class ContractStage(StrEnum):
    """Where a contractor's commitment stands (``code_contracts.stage``)."""

    DRAFTED = "drafted"  # the request is drafted with the Code as adopted
    SENT = "sent"  # sent to the contractor; a response is awaited
    COMMITTED = "committed"  # commits in full
    COMMITTED_EXCEPTIONS = "committed_exceptions"  # commits, except named clauses
    DECLINED = "declined"
    NO_RESPONSE = "no_response"
    AWARDED = "awarded"  # the contract was awarded: committed against delivered is tracked

    @property
    def label(self) -> str:
        return say_str(f"code.contract_stage.{self.value}")


class Action(StrEnum):
    START = "code_start"
    MARK = "code_mark"
    AGREE_SECTION = "code_agree_section"
    SUBMIT = "code_submit"
    COMMITTEE = "code_committee"
    COMMITTEE_REST = "code_committee_rest"
    INDICATOR = "code_indicator"
    ACTUAL = "code_actual"
    SEEK = "code_seek"
    REVIEWED = "code_reviewed"
    # a contract within an adoption
    SENT = "code_sent"
    RESPONSE = "code_response"
    AWARD = "code_award"
    DELIVERY = "code_delivery"


# --------------------------------------------------------------------------- guards


def _one_branch(case: AdoptionCase) -> bool:
    return len(case.unions) == 1


def _settled(case: AdoptionCase) -> bool:
    return not case.unsettled()


ONE_BRANCH = Guard["AdoptionCase"]("one branch", _one_branch, lambda c: say("code.several_branches"))
ALL_SETTLED = Guard["AdoptionCase"](
    "every clause settled",
    _settled,
    lambda c: say("code.submit.unsettled", n=len(c.unsettled()), refs=", ".join(c.unsettled())),
)

S, R, N, C = Stage, Role, Need, ContractStage
P = ButtonStyle.PRIMARY
LEADS = {R.LEAD, R.SECRETARY}
LIVE = {S.NEGOTIATING, S.AT_COMMITTEE, S.ADOPTED}

TABLE = Table("code", (
    # action              from                 to               who                       must supply       what happened (the audit's words)
    row(Action.START,         (),                S.NEGOTIATING,  {R.BRANCH_REP, R.SECRETARY}, {N.ADOPTION},    "started the adoption of the Best Value Code", form="code_start"),
    row(Action.MARK,          {S.NEGOTIATING},   None,           {R.BRANCH_REP},            {N.POSITION},     "gave their branch's position on a clause",
        offers=(Offer("Mark a clause", P),), guards=(ONE_BRANCH,), form="code_mark"),
    row(Action.AGREE_SECTION, {S.NEGOTIATING},   None,           {R.BRANCH_REP},            (),               "agreed a section as written for their branch",
        offers=(Offer("Agree the section as written"),), guards=(ONE_BRANCH,), waits_in=()),
    row(Action.SUBMIT,        {S.NEGOTIATING},   S.AT_COMMITTEE, LEADS,                     (),               "submitted the Code as adopted to committee",
        offers=(Offer("Submit to committee", P),), guards=(ALL_SETTLED,), rivals=(Action.SUBMIT,)),
    row(Action.COMMITTEE,     {S.AT_COMMITTEE},  None,           LEADS,                     {N.COMMITTEE},    "recorded a clause's committee outcome",
        offers=(Offer("Record a committee outcome", P),), form="code_committee"),
    row(Action.COMMITTEE_REST, {S.AT_COMMITTEE}, S.ADOPTED,      LEADS,                     (),               "recorded the committee's approval of the remaining clauses",
        offers=(Offer("Approve the rest as submitted"),), waits_in=(), rivals=(Action.COMMITTEE_REST, Action.COMMITTEE)),
    row(Action.INDICATOR,     LIVE,              None,           LEADS | {R.BRANCH_REP},    {N.INDICATOR},    "added a performance indicator",
        offers=(Offer("Add an indicator"),), waits_in=(), form="code_indicator"),
    row(Action.ACTUAL,        LIVE,              None,           LEADS | {R.INDICATOR_OWNER}, {N.ACTUAL},     "recorded an indicator's actual",
        offers=(Offer("Record actual", P),), waits_in=(), form="code_actual"),
    row(Action.SEEK,          {S.ADOPTED},       None,           LEADS,                     {N.CONTRACT},     "drafted a request for a contractor's commitment",
        offers=(Offer("Seek contractor commitment"),), waits_in=(), form="code_seek"),
    row(Action.REVIEWED,      {S.ADOPTED},       None,           LEADS,                     (),               "reviewed the Code (annual review)",
        offers=(Offer("Code reviewed", P),), waits_in=()),
))  # fmt: skip

CONTRACT_TABLE = Table("code_contract", (
    row(Action.SENT,      {C.DRAFTED},  C.SENT,     LEADS, (),            "sent the request to the contractor",
        offers=(Offer("Mark as sent", P),), rivals=(Action.SENT,)),
    row(Action.RESPONSE,  {C.SENT, C.NO_RESPONSE}, None, LEADS, {N.RESPONSE}, "recorded the contractor's response",
        offers=(Offer("Record the response", P),), form="code_response", waits_in={C.SENT}),
    row(Action.AWARD,     {C.SENT, C.COMMITTED, C.COMMITTED_EXCEPTIONS, C.DECLINED, C.NO_RESPONSE}, C.AWARDED, LEADS, (),
        "recorded that the contract was awarded", offers=(Offer("Contract awarded"),), waits_in=(), rivals=(Action.AWARD,)),
    row(Action.DELIVERY,  {C.AWARDED},  None,       LEADS, {N.DELIVERY},  "recorded delivery of a Contract Compliance clause",
        offers=(Offer("Record delivery"),), waits_in=(), form="code_delivery"),
))  # fmt: skip

RESPONSE_STAGE = {
    "commit": C.COMMITTED,
    "commit_exceptions": C.COMMITTED_EXCEPTIONS,
    "decline": C.DECLINED,
    "none": C.NO_RESPONSE,
}
POSITIONS = ("agreed", "amend", "not_agreed", "park")
COMMITTEE_OUTCOMES = ("approved", "varied", "rejected")
