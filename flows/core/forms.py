"""Forms, platform-neutral: what a person must fill in before an action can run.

A :class:`Form` lists its fields (name, label, kind, limits, choices, what is filled in already)
and carries the :class:`~flows.core.payload.Payload` that submitting it acts on. The Slack
adapter renders it as a modal (``callback_id = "vws:" + form.id``, each input's ``block_id`` the
field's name), the Teams adapter as an Adaptive Card; either sends the answers back, keyed by
field name, to :func:`flows.core.dispatch.Dispatcher.submit`, whose field errors land on the
same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from flows.core.payload import Payload


class FieldKind(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines
    SELECT = "select"  # one of a list (a drop-down)
    RADIO = "radio"  # one of a few, all shown
    DATE = "date"
    MULTI = "multi"  # any of a few, all shown (check boxes); the answer is a list of values


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
    initial: str | None = None
    options: tuple[Option, ...] = ()


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
