"""The flows' forms as Slack modals, and reading their answers back.

Each input's ``block_id`` is the form field's name (``employer_name``, ``reasons``, …), so the
engine's field errors go straight back onto the form with ``response_action: errors``; the
modal's private metadata carries the form's payload (what submitting it acts on).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.render import cut, esc, plain_safe
from flows.core.forms import Field, FieldKind, Form
from flows.core.forms import Option as FormOption
from flows.core.payload import BadPayload, Payload

PREFIX = "vws:"  # every modal's callback_id is PREFIX + the form's id
SEARCH_PREFIX = "vws-search:"  # a searched field's action_id: SEARCH_PREFIX + its options source


def _pt(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=False)


def _option(value: str, label: str, description: str | None = None) -> Option:
    return Option(value=value, label=cut(plain_safe(label), 75),
                  description=cut(plain_safe(description), 75) if description else None)


def _element(f: Field, value: str | None) -> Any:
    options = [_option(o.value, o.label, o.description) for o in f.options]
    initial = next((o for o in options if o.value == value), None)
    if f.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        return PlainTextInputElement(action_id="value", multiline=f.kind is FieldKind.LONG_TEXT, initial_value=value,
                                     max_length=f.max_length, placeholder=_pt(f.placeholder) if f.placeholder else None)
    if f.kind is FieldKind.SELECT:
        return StaticSelectElement(action_id="value", options=options[:100], initial_option=initial,
                                   placeholder=_pt("Choose…"))
    if f.kind is FieldKind.RADIO:
        return RadioButtonsElement(action_id="value", options=options[:10], initial_option=initial)
    if f.kind is FieldKind.CHECKBOXES:
        ticked = set((value or "").split(","))
        return CheckboxesElement(action_id="value", options=options[:10],
                                 initial_options=[o for o in options[:10] if o.value in ticked] or None)
    if f.kind is FieldKind.SEARCH:  # choices come from the bot as the person types (block_suggestion)
        return ExternalDataSelectElement(action_id=SEARCH_PREFIX + (f.source or ""), initial_option=initial,
                                     min_query_length=0, placeholder=_pt("Type to search…"))
    return DatePickerElement(action_id="value", initial_date=value or None)


def option_json(o: FormOption) -> dict[str, Any]:
    """One choice of a searched field, as Slack's options answer wants it."""
    return _option(o.value, o.label, o.description).to_dict()


def search_source(action_id: str) -> str | None:
    """The options source of a searched field, from its element's action_id."""
    return action_id.removeprefix(SEARCH_PREFIX) if action_id.startswith(SEARCH_PREFIX) else None


def _input(f: Field, value: str | None) -> InputBlock:
    return InputBlock(block_id=f.name, label=_pt(cut(f.label, 2000)), element=_element(f, value),
                      optional=not f.required, hint=_pt(cut(f.hint, 2000)) if f.hint else None)


def form_view(form: Form) -> dict[str, Any]:
    """A form as a modal: one input per field, its ``block_id`` the field's name.

    A form with nothing filled in after an error depends only on its definition, so it is built
    (and checked by slack_sdk, which costs milliseconds) once and copied after that.
    """
    if not form.values and not form.errors and not form.problem:
        return json.loads(_cached(form.id, form.title, form.submit, form.payload, form.fields, form.notes))
    return _build(form)


@functools.lru_cache(maxsize=256)
def _cached(fid: str, title: str, submit: str, payload: Payload, fields: tuple[Field, ...],
            notes: tuple[str, ...]) -> str:
    return json.dumps(_build(Form(fid, title, title, submit, payload, fields, notes)))


def _build(form: Form) -> dict[str, Any]:
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=cut(esc(n), 3000))) for n in form.notes]
    if form.problem:
        blocks.insert(0, ContextBlock(elements=[MarkdownTextObject(text=cut(esc(form.problem), 3000))]))
    for f in form.fields:
        blocks.append(_input(f, form.values.get(f.name, f.initial)))
    meta = {"p": form.payload.pack()}
    view = View(type="modal", callback_id=PREFIX + form.id, title=_pt(cut(form.title, 24)), submit=_pt(cut(form.submit, 24)),
                close=_pt("Cancel"), blocks=blocks, private_metadata=json.dumps(meta, separators=(",", ":")))
    return view.to_dict()


# ----------------------------------------------------------------------------- reading answers


def payload_of(private_metadata: str) -> Payload:
    """What a submitted form acts on (from its private metadata); raises BadPayload for a view
    the bot did not make."""
    try:
        data = json.loads(private_metadata or "{}")
    except ValueError:
        raise BadPayload("metadata") from None
    if not isinstance(data, dict):
        raise BadPayload("metadata")
    return Payload.unpack(data.get("p"))
