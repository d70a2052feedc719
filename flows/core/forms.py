"""Forms, platform-neutral: what a person must fill in before an action can run.

A :class:`Form` lists its fields (name, label, kind, limits, choices, what is filled in already)
and carries the :class:`~flows.core.payload.Payload` that submitting it acts on. The Slack
adapter renders it as a modal (``callback_id = "vws:" + form.id``, each input's ``block_id`` the
field's name), the Teams adapter as an Adaptive Card; either sends the answers back, keyed by
field name, to :func:`flows.core.dispatch.Dispatcher.submit`, whose field errors land on the
same fields.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeGuard

from flows.core.payload import Payload


class FieldKind(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines
    SELECT = "select"  # one of a list (a drop-down)
    RADIO = "radio"  # one of a few, all shown
    DATE = "date"
    CHECKBOXES = "checkboxes"  # several of a few, all shown (the answer is a list of values)
    SEARCH = "search"  # one of many, found by typing (``source`` names where the choices come from)
    MULTI = "checkboxes"  # the same as CHECKBOXES (an alias: the partnerships' name for it)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    description: str | None = None


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    max_length: int | None = None
    hint: str | None = None
    placeholder: str | None = None
    initial: str | None = None  # for CHECKBOXES: the values ticked, comma-separated
    options: tuple[Option, ...] = ()  # for SEARCH: what is offered before anything is typed
    source: str | None = None  # for SEARCH: the dispatcher's options source (Dispatcher.options)

    def __post_init__(self) -> None:
        if self.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT) and not self.max_length:
            raise ValueError(f"text field {self.name!r} declares no max_length")
        if self.max_length and self.max_length > MAX_TEXT:
            raise ValueError(f"text field {self.name!r}: max_length above {MAX_TEXT}")


#: No text answer is longer than this, whatever a form declares (Slack's plain_text_input takes
#: 3,000; the longest field here, a partnership's remit, 4,000). Anything longer is refused at
#: the edge with a field error saying so, before any use case sees it.
MAX_TEXT = 4000
#: Control characters people cannot type but a forged request can carry (PostgreSQL refuses
#: NUL; the rest garble what others are shown). Newlines and tabs are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """Typed text as the bot keeps it: control characters (but newlines and tabs) removed,
    ``\\r\\n`` as ``\\n``, and surrogates (which no encoding can store) replaced."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    if any(unicodedata.category(c) == "Cs" for c in value):
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def digits(value: object, most: int = 12) -> TypeGuard[str]:
    """True for a whole number as people and ids write it: 1 to ``most`` ASCII digits. (Python's
    ``str.isdigit()`` also says yes to "²" and "١٢", which ``int()`` refuses or reads as a number
    nobody typed; and an unbounded one overflows a database integer.)"""
    return isinstance(value, str) and 0 < len(value) <= most and value.isascii() and value.isdigit()


def too_long(n: int, got: int) -> str:
    """The field error for text over a limit (the limit, and how long it was)."""
    from flows.wording import say_str

    return say_str("field.too_long", n=n, got=got)


def clean_answers(answers: Mapping[str, Any], limits: Mapping[str, int | None] | None = None
                  ) -> tuple[dict[str, Any], dict[str, str]]:  # fmt: skip
    """A form's answers with their text cleaned (:func:`clean_text`), and a field error for each
    one longer than its field's ``max_length`` (``limits``) or :data:`MAX_TEXT`."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in answers.items():
        if isinstance(value, str):
            value = clean_text(value)
            limit = min((limits or {}).get(name) or MAX_TEXT, MAX_TEXT)
            if len(value) > limit:
                errors[name] = too_long(limit, len(value))
        elif isinstance(value, list | tuple):
            value = [clean_text(v) if isinstance(v, str) else v for v in value]
            if any(isinstance(v, str) and len(v) > MAX_TEXT for v in value):
                errors[name] = too_long(MAX_TEXT, max(len(v) for v in value if isinstance(v, str)))
        out[name] = value
    return out, errors


#: A list longer than this is searched, not shown whole (Slack's static select takes 100).
MAX_LISTED = 100


def choice(name: str, label: str, options: tuple[Option, ...], *, source: str, initial: str | None = None,
           required: bool = True, hint: str | None = None, first: tuple[Option, ...] = ()) -> Field:  # fmt: skip
    """A choice of one: listed when the options fit (a drop-down, ``first`` at the top), searched
    by typing when they do not (``source`` then answers what was typed; ``first`` is offered
    before anything is typed), never silently cut."""
    firsts = {o.value for o in first}
    ordered = (*first, *(o for o in options if o.value not in firsts))
    if len(ordered) <= MAX_LISTED:
        return Field(name, label, FieldKind.SELECT, required=required, hint=hint, initial=initial, options=ordered)
    shown = first or tuple(o for o in options if o.value == initial)
    return Field(name, label, FieldKind.SEARCH, required=required, hint=hint, initial=initial, options=shown, source=source)


@dataclass(frozen=True)
class Form:
    """One form: ``id`` names it (``propose``, ``reasons``, ``plan``, ``review``, ``revoke``...)."""

    id: str
    title: str  # short (a Slack modal title has 24 characters)
    heading: str  # the longer title a card shows
    submit: str
    payload: Payload
    fields: tuple[Field, ...]
    notes: tuple[str, ...] = ()  # plain paragraphs shown above the fields
    danger: bool = False  # the submit button does something that cannot be undone
    values: dict[str, str] = field(default_factory=dict)  # answers to show again (after an error)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # what went wrong with the last submission, shown at the top

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def ticked(value: object) -> list[str]:
    """The values ticked in a CHECKBOXES field, however the platform sent them: Slack a list,
    Teams one comma-separated string."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return []
