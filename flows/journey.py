"""The Valued Worker Scheme journey, declared as one table of stages and transitions.

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

Each row says which action moves a case from which stages to which stage, who may take it
and what they must supply. ``flows.actions`` carries the rows out; nothing else moves a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
        return STAGE_LABELS[self]


STAGE_LABELS: dict[Stage, str] = {
    Stage.AWAITING_SECRETARY: "waiting for the Local Association Secretary",
    Stage.AWAITING_NEM: "waiting for the National Executive Member",
    Stage.REJECTED: "rejected, can be revised and resubmitted",
    Stage.PARTNER_CONSULTATION: "with GMB, UNISON and Unite",
    Stage.PARTNERS_AGREED: "partner unions agreed; route to the employer to choose",
    Stage.ROUTE_AGREED: "route agreed; scheme to be introduced to the employer",
    Stage.EMPLOYER_INTRODUCED: "introduced to the employer; action plan to agree",
    Stage.JOINED: "in the scheme",
    Stage.REVIEW_DUE: "in the scheme, review due",
    Stage.OBJECTIVE_MET: "objective met; next cycle's plan to agree",
    Stage.NOT_MET: "objective not met; new plan to agree",
    Stage.REVOKED: "revoked",
    Stage.WITHDRAWN: "withdrawn",
}

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


class Role(StrEnum):
    """Who may act, always relative to the employer's local association."""

    REP = "rep"  # an NASUWT workplace rep of the association
    PROPOSER = "proposer"  # the rep who proposed this employer
    SECRETARY = "secretary"  # the Local Association Secretary, or the named deputy
    NEM = "nem"  # the association's National Executive Member
    PARTNER_REP = "partner_rep"  # a GMB, UNISON or Unite rep of the association
    NATIONAL_OFFICER = "national_officer"  # the national union's officers
    BOT = "bot"  # the bot itself (the reminder clock)


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
    ADDED_TO_LIST = "added_to_list"
    LOGO_SENT = "logo_sent"
    REVIEW_FALLS_DUE = "review_falls_due"
    OBJECTIVE_MET = "objective_met"
    NOT_MET_EXTEND = "not_met_extend"
    NOT_MET_NEW_PLAN = "not_met_new_plan"
    REVOKE = "revoke"
    WITHDRAW = "withdraw"


class Need(StrEnum):
    """What must be supplied with an action."""

    PROPOSAL = "proposal"  # employer name, kind, area, why, who started it
    REASONS = "reasons"
    ROUTE = "route"  # jcc | joint_letter
    PLAN = "plan"  # principle, objectives, activities, success criteria, review date, workplan
    REVIEW_DATE = "review_date"
    REVISION = "revision"  # which version of the proposal the decision is about


@dataclass(frozen=True)
class Transition:
    """One row of the journey table."""

    action: Action
    sources: frozenset[Stage]  # empty: the action creates the case
    dest: Stage | None  # None: the case stays where it is (a partial step, a national record)
    who: frozenset[Role]
    needs: frozenset[Need]
    what: str  # what happened, in the union's own words, for the audit trail

    def allows(self, stage: Stage | None) -> bool:
        if not self.sources:
            return stage is None
        return stage in self.sources


def _t(
    action: Action,
    sources: set[Stage] | frozenset[Stage],
    dest: Stage | None,
    who: set[Role],
    needs: set[Need],
    what: str,
) -> Transition:
    return Transition(action, frozenset(sources), dest, frozenset(who), frozenset(needs), what)


S, R, N = Stage, Role, Need
REVIEWABLE = {S.JOINED, S.REVIEW_DUE}

TRANSITIONS: tuple[Transition, ...] = (
    # action                 from                               to                        who                                       must supply
    _t(Action.PROPOSE,           set(),                             S.AWAITING_SECRETARY,     {R.REP},                                  {N.PROPOSAL}, "proposed the employer"),
    _t(Action.SECRETARY_APPROVE, {S.AWAITING_SECRETARY},            S.AWAITING_NEM,           {R.SECRETARY},                            {N.REVISION}, "approved as Local Association Secretary"),
    _t(Action.SECRETARY_REJECT,  {S.AWAITING_SECRETARY},            S.REJECTED,               {R.SECRETARY},                            {N.REVISION, N.REASONS}, "rejected as Local Association Secretary"),
    _t(Action.NEM_APPROVE,       {S.AWAITING_NEM},                  S.PARTNER_CONSULTATION,   {R.NEM},                                  {N.REVISION}, "approved as National Executive Member"),
    _t(Action.NEM_REJECT,        {S.AWAITING_NEM},                  S.REJECTED,               {R.NEM},                                  {N.REVISION, N.REASONS}, "rejected as National Executive Member"),
    _t(Action.RESUBMIT,          {S.REJECTED},                      S.AWAITING_SECRETARY,     {R.PROPOSER},                             {N.PROPOSAL}, "revised and resubmitted the proposal"),
    # partner_agree stays in consultation until the third union agrees, then moves on
    _t(Action.PARTNER_AGREE,     {S.PARTNER_CONSULTATION},          S.PARTNERS_AGREED,        {R.PARTNER_REP},                          {N.REVISION}, "agreed for their union"),
    _t(Action.PARTNER_DISAGREE,  {S.PARTNER_CONSULTATION},          S.REJECTED,               {R.PARTNER_REP},                          {N.REVISION, N.REASONS}, "disagreed for their union"),
    _t(Action.CHOOSE_ROUTE,      {S.PARTNERS_AGREED},               S.ROUTE_AGREED,           {R.PROPOSER, R.SECRETARY, R.PARTNER_REP}, {N.ROUTE}, "agreed the route to the employer"),
    _t(Action.INTRODUCE,         {S.ROUTE_AGREED},                  S.EMPLOYER_INTRODUCED,    {R.PROPOSER, R.SECRETARY},                set(), "introduced the scheme to the employer"),
    _t(Action.AGREE_PLAN,        {S.EMPLOYER_INTRODUCED, S.OBJECTIVE_MET, S.NOT_MET}, S.JOINED, {R.PROPOSER, R.SECRETARY},      {N.PLAN}, "recorded the action plan the employer agreed"),
    _t(Action.ADDED_TO_LIST,     IN_SCHEME,                         None,                     {R.NATIONAL_OFFICER},                     set(), "added the employer to the national list"),
    _t(Action.LOGO_SENT,         IN_SCHEME,                         None,                     {R.NATIONAL_OFFICER},                     set(), "sent the logo to the employer"),
    _t(Action.REVIEW_FALLS_DUE,  {S.JOINED},                        S.REVIEW_DUE,             {R.BOT},                                  set(), "review date reached"),
    _t(Action.OBJECTIVE_MET,     REVIEWABLE,                        S.OBJECTIVE_MET,          {R.PROPOSER, R.SECRETARY, R.NEM},         set(), "reviewed: objective met"),
    _t(Action.NOT_MET_EXTEND,    REVIEWABLE,                        S.JOINED,                 {R.PROPOSER, R.SECRETARY, R.NEM},         {N.REASONS, N.REVIEW_DATE}, "reviewed: not met, review period extended"),
    _t(Action.NOT_MET_NEW_PLAN,  REVIEWABLE,                        S.NOT_MET,                {R.PROPOSER, R.SECRETARY, R.NEM},         {N.REASONS}, "reviewed: not met, a new action plan to be agreed"),
    _t(Action.REVOKE,            IN_SCHEME,                         S.REVOKED,                {R.NEM, R.NATIONAL_OFFICER},              {N.REASONS}, "revoked the employer's membership of the scheme"),
    _t(Action.WITHDRAW,          BEFORE_JOINING,                    S.WITHDRAWN,              {R.PROPOSER, R.SECRETARY},                set(), "withdrew the proposal"),
)  # fmt: skip

BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}


def transition(action: Action | str) -> Transition:
    return BY_ACTION[Action(action)]

