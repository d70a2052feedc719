"""The Best Value Code's forms: start an adoption, mark a clause, a committee outcome, an
indicator, an actual, a contractor's commitment, its response, and delivery after award.

Each field's ``name`` is what the use case reads, so field errors go straight back onto it."""

from __future__ import annotations

from collections.abc import Sequence

from flows.bestvalue.case import AdoptionCase, ContractCase
from flows.bestvalue.indicators import period_of
from flows.bestvalue.process import COMMITTEE_OUTCOMES, POSITIONS, RESPONSE_STAGE, Action
from flows.core.forms import Field, FieldKind, Form, Option
from flows.core.payload import Payload
from flows.wording import say_str
from models.code_schemas import UNIONS, CodeEmployerKind

F, K = Field, FieldKind


def _cut(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _options(values: Sequence[str], prefix: str) -> tuple[Option, ...]:
    return tuple(Option(v, say_str(f"{prefix}.{v}")) for v in values)


def start_form(associations: Sequence[str], mine: Sequence[str], branches: Sequence[str]) -> Form:
    fields = (
        F("employer_name", say_str("code.field.employer_name"), max_length=200,
          placeholder=say_str("code.field.employer_name.placeholder")),
        F("employer_kind", say_str("code.field.employer_kind"), K.RADIO, initial=CodeEmployerKind.LOCAL_AUTHORITY.value,
          options=tuple(Option(k.value, k.label.capitalize()) for k in CodeEmployerKind)),
        F("association", say_str("field.association"), K.SELECT, initial=mine[0] if len(mine) == 1 else None,
          options=tuple(Option(a, a) for a in associations)),
        F("branches", say_str("code.field.branches"), K.CHECKBOXES, initial=",".join(branches),
          options=tuple(Option(u, u) for u in UNIONS if u in branches) or tuple(Option(u, u) for u in UNIONS),
          hint=say_str("code.field.branches.hint")),
    )  # fmt: skip
    return Form("code_start", say_str("code.form.start.title"), say_str("code.form.start.heading"),
                say_str("code.form.start.submit"), Payload(Action.START), fields)  # fmt: skip


def _clauses(case: AdoptionCase, refs: Sequence[str] | None = None) -> tuple[Option, ...]:
    clauses = [c for c in case.code.clauses if refs is None or c.ref in refs]
    return tuple(Option(c.ref, _cut(f"{c.ref} {c.text}")) for c in clauses[:100])


def mark_form(case: AdoptionCase, section: int | None) -> Form:
    refs = [c.ref for c in case.code.in_section(section)] if section else None
    union = next(iter(case.unions), "")
    fields = (
        F("clause", say_str("code.field.clause"), K.SELECT, options=_clauses(case, refs),
          initial=refs[0] if refs and len(refs) == 1 else None),
        F("position", say_str("code.field.position"), K.RADIO, options=_options(POSITIONS, "code.position")),
        F("local_text", say_str("code.field.local_text"), K.LONG_TEXT, required=False, max_length=3000,
          hint=say_str("code.field.local_text.hint")),
        F("reason", say_str("code.field.reason"), K.LONG_TEXT, required=False, max_length=3000,
          hint=say_str("code.field.reason.hint")),
    )  # fmt: skip
    title = case.code.section(section).title if section and case.code.section(section) else case.name  # type: ignore[union-attr]
    return Form("code_mark", say_str("code.form.mark.title"), say_str("code.form.mark.heading", union=union, title=title),
                say_str("code.form.mark.submit"), Payload(Action.MARK, case.id, value=str(section) if section else None),
                fields, notes=(say_str("code.form.mark.note", employer=case.name),))  # fmt: skip


def committee_form(case: AdoptionCase) -> Form:
    left = case.undecided()
    fields = (
        F("clause", say_str("code.field.clause"), K.SELECT, options=_clauses(case, left or None)),
        F("outcome", say_str("code.field.committee_outcome"), K.RADIO, options=_options(COMMITTEE_OUTCOMES, "code.outcome")),
        F("text", say_str("code.field.varied_text"), K.LONG_TEXT, required=False, max_length=3000,
          hint=say_str("code.field.varied_text.hint")),
    )  # fmt: skip
    return Form("code_committee", say_str("code.form.committee.title"), say_str("code.form.committee.heading", employer=case.name),
                say_str("code.form.committee.submit"), Payload(Action.COMMITTEE, case.id), fields,
                notes=(say_str("code.form.committee.note", n=len(left)),))  # fmt: skip


def indicator_form(case: AdoptionCase, people: Sequence[tuple[int, str]], me: int | None) -> Form:
    fields = (
        F("about", say_str("code.field.about"), max_length=8, hint=say_str("code.field.about.hint")),
        F("name", say_str("code.field.indicator_name"), max_length=200),
        F("unit", say_str("code.field.unit"), max_length=40, initial="%", required=False),
        F("baseline", say_str("code.field.baseline"), max_length=20, required=False),
        F("direction", say_str("code.field.direction"), K.RADIO, initial="higher",
          options=_options(("higher", "lower"), "code.direction")),
        F("priority", say_str("code.field.priority"), K.RADIO, initial="medium", options=_options(("high", "medium", "low"), "code.priority")),
        F("measurable", say_str("code.field.measurable"), K.RADIO, initial="objective",
          options=_options(("objective", "subjective", "costly"), "code.measurable")),
        F("targets", say_str("code.field.targets"), K.LONG_TEXT, max_length=1000, hint=say_str("code.field.targets.hint")),
        F("owner", say_str("code.field.owner"), K.SELECT, initial=str(me) if me else None,
          options=tuple(Option(str(pid), label) for pid, label in people[:100])),
    )  # fmt: skip
    return Form("code_indicator", say_str("code.form.indicator.title"), say_str("code.form.indicator.heading", employer=case.name),
                say_str("code.form.indicator.submit"), Payload(Action.INDICATOR, case.id), fields)  # fmt: skip


def actual_form(indicators: Sequence[tuple[int, str]], chosen: int | None, today_period: str) -> Form:
    fields = (
        F("indicator", say_str("code.field.indicator"), K.SELECT, initial=str(chosen) if chosen else None,
          options=tuple(Option(str(i), _cut(n)) for i, n in indicators[:100])),
        F("period", say_str("code.field.period"), max_length=9, initial=today_period, hint=say_str("code.field.period.hint")),
        F("value", say_str("code.field.value"), max_length=20),
    )  # fmt: skip
    return Form("code_actual", say_str("code.form.actual.title"), say_str("code.form.actual.heading"),
                say_str("code.form.actual.submit"), Payload(Action.ACTUAL, chosen), fields)  # fmt: skip


def last_period(today_: object) -> str:
    """The financial year most recently ended (what an actual is usually recorded for)."""
    from datetime import date, timedelta

    assert isinstance(today_, date)
    return period_of(today_ - timedelta(days=366)) if today_.month < 4 else period_of(today_.replace(month=3, day=31))


def seek_form(case: AdoptionCase) -> Form:
    fields = (
        F("contract", say_str("code.field.contract"), max_length=200, placeholder=say_str("code.field.contract.placeholder")),
        F("contractor", say_str("code.field.contractor"), max_length=200),
    )
    return Form("code_seek", say_str("code.form.seek.title"), say_str("code.form.seek.heading", employer=case.name),
                say_str("code.form.seek.submit"), Payload(Action.SEEK, case.id), fields,
                notes=(say_str("code.form.seek.note"),))  # fmt: skip


def response_form(case: ContractCase) -> Form:
    fields = (
        F("response", say_str("code.field.response"), K.RADIO, options=_options(tuple(RESPONSE_STAGE), "code.response")),
        F("exceptions", say_str("code.field.exceptions"), required=False, max_length=300,
          hint=say_str("code.field.exceptions.hint")),
    )  # fmt: skip
    return Form("code_response", say_str("code.form.response.title"), say_str("code.form.response.heading", contractor=case.row.contractor),
                say_str("code.form.response.submit"), Payload(Action.RESPONSE, case.id), fields)  # fmt: skip


def delivery_form(case: ContractCase, today_period: str) -> Form:
    refs = [c.ref for s in case.adoption.code.sections if s.contract_compliance for c in case.adoption.code.in_section(s.number)]
    fields = (
        F("clause", say_str("code.field.clause"), K.SELECT, options=_clauses(case.adoption, refs)),
        F("period", say_str("code.field.period"), max_length=9, initial=today_period),
        F("delivered", say_str("code.field.delivered"), K.RADIO, options=_options(("met", "partly", "not_met"), "code.delivered")),
        F("note", say_str("code.field.note"), K.LONG_TEXT, required=False, max_length=2000),
    )  # fmt: skip
    return Form("code_delivery", say_str("code.form.delivery.title"), say_str("code.form.delivery.heading", contract=case.row.contract),
                say_str("code.form.delivery.submit"), Payload(Action.DELIVERY, case.id), fields)  # fmt: skip
