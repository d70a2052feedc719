"""The partnership process's forms: the screening question, an issue, an attempt, a resolution,
an escalation, a note, reasons, "this is casework", and the remit and protocol reviews.

Each field's ``name`` is the use case's field name, so field errors go straight back onto it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flows.core.forms import Field, FieldKind, Form, Option
from flows.core.payload import Payload
from flows.wording import say_str
from models.partnership_inputs import OTHER_AREA, PROTOCOL_THEMES, RESULTS


def screen_form(payload: Payload, about: str | None = None) -> Form:
    """The question that comes first: casework never enters the partnership's process."""
    notes = (say_str("form.screen.note"),) if about is None else (say_str("form.screen.concern", employer=about),
                                                                 say_str("form.screen.note"))  # fmt: skip
    return Form(
        "screen", say_str("form.screen.title"), say_str("form.screen.heading"), say_str("form.screen.submit"), payload,
        (Field("casework", say_str("form.screen.question"), FieldKind.RADIO,
               options=(Option("yes", say_str("form.screen.yes")), Option("no", say_str("form.screen.no")))),),
        notes=notes,
    )  # fmt: skip


def issue_form(
    payload: Payload, partnerships: Sequence[tuple[int, str]], areas: Sequence[str], *, employer: str | None = None
) -> Form:
    """Title, what is happening, the group affected (a group, not names), the remit area."""
    fields: list[Field] = []
    if len(partnerships) > 1:
        fields.append(Field("partnership", say_str("field.partnership"), FieldKind.SELECT,
                            options=tuple(Option(str(i), n) for i, n in partnerships)))  # fmt: skip
    options = tuple(Option(a[:150], a[:75]) for a in areas[:99]) + (Option(OTHER_AREA, say_str("field.remit_area.other")),)
    fields += [
        Field("title", say_str("field.issue_title"), max_length=150, placeholder=say_str("field.issue_title.placeholder")),
        Field("description", say_str("field.description"), FieldKind.LONG_TEXT, max_length=3000,
              hint=say_str("field.description.hint")),
        Field("group_affected", say_str("field.group_affected"), max_length=200, hint=say_str("field.group_affected.hint")),
        Field("remit_area", say_str("field.remit_area"), FieldKind.SELECT, options=options),
        Field("other_area", say_str("field.other_area"), required=False, max_length=150,
              hint=say_str("field.other_area.hint")),
    ]  # fmt: skip
    notes = (say_str("form.issue.concern", employer=employer),) if employer else (say_str("form.issue.note"),)
    return Form("issue", say_str("form.issue.title"), say_str("form.issue.heading"), say_str("form.issue.submit"),
                payload, tuple(fields), notes=notes)  # fmt: skip


def attempt_form(payload: Payload, title: str, level: str, today: date) -> Form:
    fields = (
        Field("tried", say_str("field.tried"), FieldKind.LONG_TEXT, max_length=2000, hint=say_str("field.tried.hint")),
        Field("tried_on", say_str("field.tried_on"), FieldKind.DATE, initial=today.isoformat()),
        Field("outcome", say_str("field.outcome_of_attempt"), FieldKind.LONG_TEXT, max_length=2000),
        Field("result", say_str("field.result"), FieldKind.RADIO, initial=RESULTS[0],
              options=tuple(Option(r, say_str(f"attempt.result.{r}")) for r in RESULTS)),
    )  # fmt: skip
    return Form("attempt", say_str("form.attempt.title"), say_str("form.attempt.heading", title=title, level=level),
                say_str("form.attempt.submit"), payload, fields, notes=(say_str("form.attempt.note"),))  # fmt: skip


def _text_form(form_id: str, payload: Payload, title: str, name: str, *, danger: bool = False, **kw: Any) -> Form:
    return Form(
        form_id, say_str(f"form.{form_id}.title"), say_str(f"form.{form_id}.heading", title=title, **kw),
        say_str(f"form.{form_id}.submit"), payload,
        (Field(name, say_str(f"form.{form_id}.field"), FieldKind.LONG_TEXT, max_length=3000,
               hint=say_str(f"form.{form_id}.hint")),),
        notes=(say_str(f"form.{form_id}.note", **kw),), danger=danger,
    )  # fmt: skip


def resolution_form(payload: Payload, title: str) -> Form:
    return _text_form("resolution", payload, title, "resolution")


def escalate_form(payload: Payload, title: str, up: str) -> Form:
    return _text_form("escalate", payload, title, "exhausted", up=up)


def note_form(payload: Payload, title: str) -> Form:
    return _text_form("note", payload, title, "note")


def refer_back_form(payload: Payload, title: str, down: str) -> Form:
    return _text_form("refer_back", payload, title, "reasons", down=down)


def reopen_form(payload: Payload, title: str) -> Form:
    return _text_form("reopen", payload, title, "reasons")


def casework_form(payload: Payload, title: str) -> Form:
    """Confirm: this closes the issue and erases what was said (the audit keeps that it happened)."""
    return Form("casework", say_str("form.casework.title"), say_str("form.casework.heading", title=title),
                say_str("form.casework.submit"), payload, (), notes=(say_str("form.casework.note"),), danger=True)  # fmt: skip


def _review_fields(parties: Sequence[str], took_part: Sequence[str] = ()) -> tuple[Field, ...]:
    return (
        Field("parties", say_str("field.took_part"), FieldKind.MULTI, initial=",".join(took_part) or None,
              options=tuple(Option(p, p) for p in parties), hint=say_str("field.took_part.hint")),
        Field("next_review", say_str("field.next_review"), FieldKind.DATE, required=False,
              hint=say_str("field.next_review.hint")),
    )  # fmt: skip


def remit_form(payload: Payload, name: str, areas: Sequence[str], parties: Sequence[str], proposed: Sequence[str]) -> Form:
    notes = [say_str("form.remit.note")]
    if proposed:
        notes.append(say_str("form.remit.proposed", areas="; ".join(proposed)))
    fields = (
        Field("remit", say_str("field.remit"), FieldKind.LONG_TEXT, max_length=4000, initial="\n".join(areas),
              hint=say_str("field.remit.hint")),
        *_review_fields(parties),
    )  # fmt: skip
    return Form("remit", say_str("form.remit.title"), say_str("form.remit.heading", partnership=name),
                say_str("form.remit.submit"), payload, fields, notes=tuple(notes))  # fmt: skip


def protocol_form(payload: Payload, name: str, themes: dict[str, str], parties: Sequence[str]) -> Form:
    fields = tuple(
        Field(t, say_str(f"protocol.theme.{t}"), FieldKind.LONG_TEXT, max_length=3000, initial=themes.get(t),
              hint=say_str(f"protocol.hint.{t}"))
        for t in PROTOCOL_THEMES
    ) + _review_fields(parties)  # fmt: skip
    return Form("protocol", say_str("form.protocol.title"), say_str("form.protocol.heading", partnership=name),
                say_str("form.protocol.submit"), payload, fields, notes=(say_str("form.protocol.note"),))  # fmt: skip
