"""The sign-up journey's forms: propose (and revise), reasons, the action plan, reviews, revocation.

Each field's ``name`` is the engine's field name, so field errors go straight back onto it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.core.forms import MAX_LISTED, Field, FieldKind, Form, Option, choice
from flows.core.payload import Payload
from flows.principles import PRINCIPLES
from flows.signup.journey import Action
from flows.signup.records import EmployerSummary
from flows.wording import say_str
from models.schemas import EmployerKind, Origin


def _employer_options(employers: Sequence[EmployerSummary]) -> tuple[Option, ...]:
    return tuple(Option(str(e.id), f"{e.name} ({e.association})", e.stage.label) for e in employers)


def _employer_field(employers: Sequence[EmployerSummary], employer_id: int | None, action: str) -> Field:
    """The employer to act on: listed, or (when there are more than a list can hold) searched."""
    initial = str(employer_id) if employer_id else (str(employers[0].id) if len(employers) == 1 else None)
    return choice("employer", say_str("field.employer"), _employer_options(employers), source=f"employers:{action}",
                  initial=initial, hint=say_str("field.employer.search") if len(employers) > MAX_LISTED else None)


def propose_form(
    associations: Sequence[str],
    mine: Sequence[str],
    *,
    initial: Mapping[str, str] | None = None,
    employer_id: int | None = None,
    revision: int | None = None,
) -> Form:
    """The proposal form; with ``employer_id`` it is the "revise and resubmit" form, filled in."""
    v = dict(initial or {})
    preset = v.get("association") or (mine[0] if len(mine) == 1 else None)
    fields = (
        Field("employer_name", say_str("field.employer"), max_length=150, initial=v.get("employer_name"),
              placeholder=say_str("field.employer_name.placeholder")),
        Field("employer_kind", say_str("field.employer_kind"), FieldKind.RADIO, initial=v.get("employer_kind"),
              options=tuple(Option(k.value, k.label.capitalize()) for k in EmployerKind)),
        choice("association", say_str("field.association"), tuple(Option(a, a) for a in associations),
               source="associations", initial=preset, first=tuple(Option(a, a) for a in mine)),
        Field("case_for", say_str("field.case_for"), FieldKind.LONG_TEXT, max_length=3000, initial=v.get("case_for"),
              hint=say_str("field.case_for.hint")),
        Field("to_employer", say_str("field.to_employer"), FieldKind.LONG_TEXT, required=False, max_length=3000,
              initial=v.get("to_employer"), hint=say_str("field.to_employer.hint")),
        Field("origin", say_str("field.origin"), FieldKind.RADIO, initial=v.get("origin", Origin.REP_IDENTIFIED.value),
              options=tuple(Option(o.value, o.label.capitalize()) for o in Origin)),
    )  # fmt: skip
    if employer_id is not None:
        return Form(
            "propose",
            say_str("form.resubmit.title"),
            say_str("form.resubmit.heading"),
            say_str("form.resubmit.submit"),
            Payload(Action.RESUBMIT, employer_id, revision),
            fields,
            notes=(say_str("form.resubmit.note"),),
        )
    return Form(
        "propose",
        say_str("form.propose.title"),
        say_str("form.propose.heading"),
        say_str("form.propose.submit"),
        Payload(Action.PROPOSE),
        fields,
    )


def reasons_form(payload: Payload, employer_name: str) -> Form:
    """Reasons before a rejection, a disagreement, a revocation or a withdrawal is sent."""
    a = payload.action
    return Form(
        "reasons",
        say_str(f"reasons.{a}.title"),
        employer_name,
        say_str(f"reasons.{a}.submit"),
        payload,
        (Field("reasons", say_str("field.reasons"), FieldKind.LONG_TEXT, max_length=3000,
               hint=say_str("field.reasons.hint", employer=employer_name[:100])),),  # fmt: skip
        notes=(say_str(f"reasons.{a}.prompt"),),
        danger=True,
    )


def plan_form(employers: Sequence[EmployerSummary], *, employer_id: int | None = None,
              avoid: Mapping[int, int] | None = None) -> Form:  # fmt: skip
    principles = tuple(
        Option(str(p.number), f"{p.number}. {p.short}", say_str("field.principle.example", example=p.example_objectives[0]))
        for p in PRINCIPLES
    )
    fields = (
        _employer_field(employers, employer_id, Action.AGREE_PLAN),
        Field("principle", say_str("field.principle"), FieldKind.RADIO, options=principles),
        Field("objectives", say_str("field.objectives"), FieldKind.LONG_TEXT, max_length=3000),
        Field("activities", say_str("field.activities"), FieldKind.LONG_TEXT, max_length=3000),
        Field("success_criteria", say_str("field.success_criteria"), FieldKind.LONG_TEXT, max_length=3000),
        Field("starts_on", say_str("field.starts_on"), FieldKind.DATE, required=False, hint=say_str("field.starts_on.hint")),
        Field("review_on", say_str("field.review_on"), FieldKind.DATE, required=False, hint=say_str("field.review_on.hint")),
        Field("workplan", say_str("field.workplan"), FieldKind.LONG_TEXT, required=False, max_length=3000,
              hint=say_str("field.workplan.hint")),
    )  # fmt: skip
    notes: tuple[str, ...] = ()
    if avoid:
        again = "; ".join(say_str("plan.avoid", employer=e.name, principle=avoid[e.id]) for e in employers if e.id in avoid)
        if again:
            notes = (say_str("plan.avoid.note", list=again),)
    return Form(
        "plan", say_str("form.plan.title"), say_str("form.plan.heading"), say_str("form.plan.submit"),
        Payload(Action.AGREE_PLAN, employer_id), fields, notes=notes,
    )  # fmt: skip


def _outcomes(actions: Sequence[Action]) -> tuple[Option, ...]:
    return tuple(Option(a.value, say_str(f"outcome.{a.value}")) for a in actions)


def not_met_form(employer_id: int, cycle: int | None, employer_name: str) -> Form:
    fields = (
        Field("outcome", say_str("field.what_next"), FieldKind.RADIO,
              options=_outcomes((Action.NOT_MET_EXTEND, Action.NOT_MET_NEW_PLAN))),
        Field("reasons", say_str("field.reasons"), FieldKind.LONG_TEXT, max_length=3000, hint=say_str("field.not_met.hint")),
        Field("review_on", say_str("field.new_review_on"), FieldKind.DATE, required=False, hint=say_str("field.new_review_on.hint")),
    )  # fmt: skip
    return Form(
        "review", say_str("form.not_met.title"), say_str("form.not_met.heading", employer=employer_name),
        say_str("form.review.submit"), Payload(Action.NOT_MET, employer_id, cycle=cycle), fields,
        notes=(say_str("form.not_met.note", employer=employer_name),),
    )  # fmt: skip


def review_form(employers: Sequence[EmployerSummary], *, employer_id: int | None = None) -> Form:
    fields = (
        _employer_field(employers, employer_id, Action.OBJECTIVE_MET),
        Field("outcome", say_str("field.outcome"), FieldKind.RADIO,
              options=_outcomes((Action.OBJECTIVE_MET, Action.NOT_MET_EXTEND, Action.NOT_MET_NEW_PLAN))),
        Field("reasons", say_str("field.reasons"), FieldKind.LONG_TEXT, required=False, max_length=3000,
              hint=say_str("field.review_reasons.hint")),
        Field("review_on", say_str("field.new_review_on"), FieldKind.DATE, required=False, hint=say_str("field.new_review_on.hint")),
        Field("confirm_early", say_str("field.confirm_early"), FieldKind.CHECKBOXES, required=False,
              options=(Option("yes", say_str("field.confirm_early.yes")),), hint=say_str("field.confirm_early.hint")),
    )  # fmt: skip
    return Form(
        "review", say_str("form.review.title"), say_str("form.review.heading"), say_str("form.review.submit"),
        Payload("review", employer_id), fields,
    )  # fmt: skip


def revoke_form(employers: Sequence[EmployerSummary], *, employer_id: int | None = None) -> Form:
    fields = (
        _employer_field(employers, employer_id, Action.REVOKE),
        Field("reasons", say_str("field.reasons"), FieldKind.LONG_TEXT, max_length=3000),
        Field("confirm", say_str("field.confirm_revoke"), FieldKind.CHECKBOXES, required=False,
              hint=say_str("field.confirm_revoke.hint"), options=(Option("yes", say_str("field.confirm_revoke.yes")),)),
    )  # fmt: skip
    return Form(
        "revoke", say_str("form.revoke.title"), say_str("form.revoke.heading"), say_str("form.revoke.submit"),
        Payload(Action.REVOKE, employer_id), fields, notes=(say_str("form.revoke.note"),), danger=True,
    )  # fmt: skip
