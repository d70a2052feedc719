"""The Valued Worker Scheme journey, declared as one table of stages and actions.

Read it against the flowchart in NASUWT's advice to representatives (shared/seeds/000_*):

    workplace rep proposes an employer
      -> Local Association Secretary approves (or rejects, with reasons back to the rep)
      -> National Executive Member approves (or rejects, with reasons)
      -> GMB, UNISON and Unite agree it is suitable (one voice per union)
      -> the route to the employer: a JCC agenda item or a joint letter
      -> the scheme is introduced to the employer
      -> the employer agrees an action plan: it has joined (NEM informed, national union told,
         added to the list, logo sent)
      -> at each review: objective met (new cycle, different principle), or not met (extend
         the review, or a new plan noting why the last one failed)
      -> revocation where the employer acts outwith the agreed policy.

Each row says which action moves a case from which stages to which stage, who may take it,
what they must supply, what else must hold, and how it is offered as buttons. The use cases in
this package carry the rows out; nothing else moves a case, and what a person may do now is
derived from these rows (:meth:`flows.core.table.Table.available`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from flows.core.roles import Role
from flows.core.table import Guard, Need, Offer, Pin, Table, Transition, row
from flows.notices import ButtonStyle, Confirm, Text, text
from flows.wording import say, say_str

if TYPE_CHECKING:
    from flows.signup.case import Case


class Stage(StrEnum):
    """Where an employer's case stands. Stored as text in ``employers.stage``."""

    AWAITING_SECRETARY = "awaiting_secretary"  # proposed; the Local Association Secretary decides
    AWAITING_NEM = "awaiting_nem"  # the National Executive Member decides
    REJECTED = "rejected"  # reasons went back to the proposer, who may revise and resubmit
    PARTNER_CONSULTATION = "partner_consultation"  # GMB, UNISON and Unite each give one voice
    PARTNERS_AGREED = "partners_agreed"  # all three agreed; the route is to be chosen
    ROUTE_AGREED = "route_agreed"  # JCC agenda item or joint letter
    EMPLOYER_INTRODUCED = "employer_introduced"  # the scheme is before the employer
    JOINED = "joined"  # action plan agreed: in the scheme, working on this cycle's objective
    REVIEW_DUE = "review_due"  # the review date has come
    OBJECTIVE_MET = "objective_met"  # a new cycle's plan, on a different principle, is to be agreed
    NOT_MET = "not_met"  # a new plan is to be agreed, with the reasons the last one failed
    REVOKED = "revoked"  # removed from the scheme and the list
    WITHDRAWN = "withdrawn"  # the proposal was dropped before the employer joined

    @property
    def label(self) -> str:
        return say_str(f"stage.{self.value}")


#: Stages in which the employer is in the scheme (and on the national list once added).
IN_SCHEME = frozenset({Stage.JOINED, Stage.REVIEW_DUE, Stage.OBJECTIVE_MET, Stage.NOT_MET})
#: Stages before joining, from which a proposal can still be withdrawn.
BEFORE_JOINING = frozenset(
    {
        Stage.AWAITING_SECRETARY,
        Stage.AWAITING_NEM,
        Stage.REJECTED,
        Stage.PARTNER_CONSULTATION,
        Stage.PARTNERS_AGREED,
        Stage.ROUTE_AGREED,
        Stage.EMPLOYER_INTRODUCED,
    }
)
FINISHED = frozenset({Stage.REVOKED, Stage.WITHDRAWN})
REVIEWABLE = frozenset({Stage.JOINED, Stage.REVIEW_DUE})
PLANNABLE = frozenset({Stage.EMPLOYER_INTRODUCED, Stage.OBJECTIVE_MET, Stage.NOT_MET})


class Action(StrEnum):
    """Every action a person (or the clock) can take on a case."""

    PROPOSE = "propose"
    SECRETARY_APPROVE = "secretary_approve"
    SECRETARY_REJECT = "secretary_reject"
    NEM_APPROVE = "nem_approve"
    NEM_REJECT = "nem_reject"
    RESUBMIT = "resubmit"
    PARTNER_AGREE = "partner_agree"
    PARTNER_DISAGREE = "partner_disagree"
    CHOOSE_ROUTE = "choose_route"
    INTRODUCE = "introduce"
    AGREE_PLAN = "agree_plan"
    WORKPLAN_DONE = "workplan_done"
    ADDED_TO_LIST = "added_to_list"
    LOGO_SENT = "logo_sent"
    REVIEW_FALLS_DUE = "review_falls_due"
    OBJECTIVE_MET = "objective_met"
    NOT_MET = "not_met"  # "Not met": a form that chooses between the two rows after it
    NOT_MET_EXTEND = "not_met_extend"
    NOT_MET_NEW_PLAN = "not_met_new_plan"
    REVOKE = "revoke"
    TAKEN_OFF_LIST = "taken_off_list"
    WITHDRAW = "withdraw"


# --------------------------------------------------------------------------- guards


def _one_union(case: Case) -> bool:
    return len(case.unions) <= 1


def _not_spoken(case: Case) -> bool:
    return not (case.unions & set(case.voices))


def _spoken(case: Case) -> Text:
    union = next(iter(sorted(case.unions & set(case.voices))))
    v = case.voices[union]
    verb = say_str("partner.verb.agree" if v.verdict == "agree" else "partner.verb.disagree")
    who: object = "you" if case.person and v.person_id == case.person.id else case.ref_of(v.person_id)
    return say(
        "partner.already_spoken", union=union, employer=case.name, who=who, verb=verb, when=case.when(v.at)
    )


ONE_UNION = Guard["Case"]("one union", _one_union, lambda c: say("partner.several_unions"))
ONE_VOICE = Guard["Case"]("one voice per union", _not_spoken, _spoken)
NOT_LISTED = Guard["Case"]("not on the list yet", lambda c: c.row.added_to_list_at is None)
NO_LOGO = Guard["Case"]("logo not sent yet", lambda c: c.row.logo_sent_at is None)
STILL_LISTED = Guard["Case"]("on the list, not yet taken off",
                             lambda c: c.row.added_to_list_at is not None and c.row.off_list_at is None)  # fmt: skip


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _confirm_withdraw(case: Case) -> Confirm:
    """Withdrawing cannot be undone: say so, and who will be told, before the click counts. (The
    same button goes to several people, so it names everyone concerned: apart from the one who
    clicks, they are the ones told.)"""
    emp = case.row
    assoc = emp.association
    told: list[str] = []
    for person, title in ((emp.proposer, "confirm.proposer"), (assoc.secretary, "confirm.secretary")):
        if person is not None:
            told.append(say_str("confirm.named", name=person.name, role=say_str(title)) if person.name else say_str(title))
    if case.stage is Stage.AWAITING_NEM and assoc.nem is not None:
        told.append(say_str("confirm.named", name=assoc.nem.name, role=say_str("confirm.nem")) if assoc.nem.name
                    else say_str("confirm.nem"))  # fmt: skip
    if case.stage in (Stage.PARTNER_CONSULTATION, Stage.PARTNERS_AGREED, Stage.ROUTE_AGREED, Stage.EMPLOYER_INTRODUCED):
        told.append(say_str("confirm.partner_channel"))
    return Confirm(
        say_str("confirm.withdraw.title"),
        say_str("confirm.withdraw.text", employer=emp.name, told=_and(told) if told else say_str("confirm.nobody")),
        say_str("confirm.withdraw.yes"),
        say_str("confirm.no"),
    )


S, R, N = Stage, Role, Need
DECIDE = (Action.SECRETARY_APPROVE, Action.SECRETARY_REJECT, Action.WITHDRAW)
NEM_DECIDE = (Action.NEM_APPROVE, Action.NEM_REJECT, Action.WITHDRAW)
VOICE = (Action.PARTNER_AGREE, Action.PARTNER_DISAGREE, Action.WITHDRAW)
REVIEWS = (Action.OBJECTIVE_MET, Action.NOT_MET_EXTEND, Action.NOT_MET_NEW_PLAN, Action.REVOKE)
P, D = ButtonStyle.PRIMARY, ButtonStyle.DANGER
REVIEWERS = {R.PROPOSER, R.SECRETARY, R.NEM}

TABLE = Table("signup", (
    # action                 from                   to                      who                               must supply                 what happened (the audit's words)
    row(Action.PROPOSE,           (),                   S.AWAITING_SECRETARY,   {R.REP},                          {N.PROPOSAL},               "proposed the employer", form="propose"),
    row(Action.SECRETARY_APPROVE, {S.AWAITING_SECRETARY}, S.AWAITING_NEM,       {R.SECRETARY},                    {N.REVISION},               "approved as Local Association Secretary",
        offers=(Offer("Approve", P),), pins=Pin.REVISION, rivals=DECIDE),
    row(Action.SECRETARY_REJECT,  {S.AWAITING_SECRETARY}, S.REJECTED,           {R.SECRETARY},                    {N.REVISION, N.REASONS},    "rejected as Local Association Secretary",
        offers=(Offer("Reject", D),), pins=Pin.REVISION, rivals=DECIDE, form="reasons"),
    row(Action.NEM_APPROVE,       {S.AWAITING_NEM},     S.PARTNER_CONSULTATION, {R.NEM},                          {N.REVISION},               "approved as National Executive Member",
        offers=(Offer("Approve", P),), pins=Pin.REVISION, rivals=NEM_DECIDE),
    row(Action.NEM_REJECT,        {S.AWAITING_NEM},     S.REJECTED,             {R.NEM},                          {N.REVISION, N.REASONS},    "rejected as National Executive Member",
        offers=(Offer("Reject", D),), pins=Pin.REVISION, rivals=NEM_DECIDE, form="reasons"),
    row(Action.RESUBMIT,          {S.REJECTED},         S.AWAITING_SECRETARY,   {R.PROPOSER},                     {N.PROPOSAL},               "revised and resubmitted the proposal",
        offers=(Offer("Revise and resubmit", P),), pins=Pin.REVISION, form="propose"),
    # partner_agree stays in consultation until the third union agrees, then moves on
    row(Action.PARTNER_AGREE,     {S.PARTNER_CONSULTATION}, S.PARTNERS_AGREED,  {R.PARTNER_REP},                  {N.REVISION},               "agreed for their union",
        offers=(Offer("Agree", P),), pins=Pin.REVISION, guards=(ONE_UNION, ONE_VOICE), rivals=VOICE),
    row(Action.PARTNER_DISAGREE,  {S.PARTNER_CONSULTATION}, S.REJECTED,         {R.PARTNER_REP},                  {N.REVISION, N.REASONS},    "disagreed for their union",
        offers=(Offer("Disagree", D),), pins=Pin.REVISION, guards=(ONE_UNION, ONE_VOICE), rivals=VOICE, form="reasons"),
    row(Action.CHOOSE_ROUTE,      {S.PARTNERS_AGREED},  S.ROUTE_AGREED,         {R.PROPOSER, R.SECRETARY, R.PARTNER_REP}, {N.ROUTE},          "agreed the route to the employer",
        offers=(Offer("JCC agenda item", value="jcc"), Offer("Joint letter", value="joint_letter"))),
    row(Action.INTRODUCE,         {S.ROUTE_AGREED},     S.EMPLOYER_INTRODUCED,  {R.PROPOSER, R.SECRETARY},        (),                         "introduced the scheme to the employer",
        offers=(Offer("Introduced to the employer", P),)),
    row(Action.AGREE_PLAN,        PLANNABLE,            S.JOINED,               {R.PROPOSER, R.SECRETARY},        {N.PLAN},                   "recorded the action plan the employer agreed",
        offers=(Offer("Record the action plan", P),), form="plan"),
    row(Action.WORKPLAN_DONE,     IN_SCHEME,            None,                   {R.ACTION_OWNER, R.PROPOSER, R.SECRETARY}, (),                "marked a workplan action done",
        offers=(Offer("Mark done", P),), waits_in=()),
    row(Action.ADDED_TO_LIST,     IN_SCHEME,            None,                   {R.NATIONAL_OFFICER},             (),                         "added the employer to the national list",
        offers=(Offer("Added to list", P),), guards=(NOT_LISTED,), rivals=(Action.ADDED_TO_LIST,)),
    row(Action.LOGO_SENT,         IN_SCHEME,            None,                   {R.NATIONAL_OFFICER},             (),                         "sent the logo to the employer",
        offers=(Offer("Logo sent"),), guards=(NO_LOGO,), rivals=(Action.LOGO_SENT,)),
    row(Action.REVIEW_FALLS_DUE,  {S.JOINED},           S.REVIEW_DUE,           {R.BOT},                          (),                         "review date reached"),
    row(Action.OBJECTIVE_MET,     REVIEWABLE,           S.OBJECTIVE_MET,        REVIEWERS,                        (),                         "reviewed: objective met",
        offers=(Offer("Objective met", P),), waits_in={S.REVIEW_DUE}, pins=Pin.CYCLE, rivals=REVIEWS),
    row(Action.NOT_MET,           REVIEWABLE,           None,                   REVIEWERS,                        {N.REVIEW_OUTCOME, N.REASONS}, "reviewed: objective not met",
        offers=(Offer("Not met"),), waits_in={S.REVIEW_DUE}, pins=Pin.CYCLE, rivals=REVIEWS, form="review"),
    row(Action.NOT_MET_EXTEND,    REVIEWABLE,           S.JOINED,               REVIEWERS,                        {N.REASONS, N.REVIEW_DATE}, "reviewed: not met, review period extended",
        waits_in=(), rivals=REVIEWS, form="review"),
    row(Action.NOT_MET_NEW_PLAN,  REVIEWABLE,           S.NOT_MET,              REVIEWERS,                        {N.REASONS},                "reviewed: not met, a new action plan to be agreed",
        waits_in=(), rivals=REVIEWS, form="review"),
    row(Action.REVOKE,            IN_SCHEME,            S.REVOKED,              {R.NEM, R.NATIONAL_OFFICER},      {N.REASONS},                "revoked the employer's membership of the scheme",
        waits_in=(), form="revoke"),
    row(Action.TAKEN_OFF_LIST,    {S.REVOKED},          None,                   {R.NATIONAL_OFFICER},             (),                         "took the employer off the national list",
        offers=(Offer("Taken off the list", P),), guards=(STILL_LISTED,), rivals=(Action.TAKEN_OFF_LIST,)),
    row(Action.WITHDRAW,          BEFORE_JOINING,       S.WITHDRAWN,            {R.PROPOSER, R.SECRETARY},        (),                         "withdrew the proposal",
        offers=(Offer("Withdraw", confirm=_confirm_withdraw),), waits_in=(), shown_in={S.REJECTED}),
))  # fmt: skip

#: The review outcomes a "Not met" form chooses between.
NOT_MET_OUTCOMES = (Action.NOT_MET_EXTEND, Action.NOT_MET_NEW_PLAN)
REVIEW_OUTCOMES = (Action.OBJECTIVE_MET, *NOT_MET_OUTCOMES)
#: The decisions that :func:`flows.signup.approvals.decide` takes.
DECISIONS = frozenset(
    {
        Action.SECRETARY_APPROVE,
        Action.SECRETARY_REJECT,
        Action.NEM_APPROVE,
        Action.NEM_REJECT,
        Action.PARTNER_AGREE,
        Action.PARTNER_DISAGREE,
    }
)


def transition(action: Action | str) -> Transition:
    return TABLE.row(action)


__all__ = [
    "BEFORE_JOINING",
    "DECISIONS",
    "FINISHED",
    "IN_SCHEME",
    "PLANNABLE",
    "REVIEWABLE",
    "TABLE",
    "Action",
    "Need",
    "Role",
    "Stage",
    "text",
    "transition",
]
