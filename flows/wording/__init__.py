"""Every word the bot says, in one catalogue per language, keyed by message id.

The conventions are gettext's and Babel's: a message id names a message (``approval.headline``),
the message has named placeholders in Python brace format (``"Approval needed: {employer}"``),
and a message that varies with a number is a pair (singular, plural) chosen by ``n``. A second
language (Welsh first) is a second catalogue with the same ids: a message it lacks falls back
to English.

:func:`say` returns a :class:`flows.notices.Text`: a placeholder given a
:class:`~flows.notices.PersonRef` stays a person (adapters make it a mention), and everything
else becomes plain text that adapters escape when they render it. :func:`say_str` is for plain
strings (headlines, labels), where a person is written by name.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flows.notices import PersonRef, Text
from flows.wording import en

Message = str | tuple[str, str]

CATALOGUES: dict[str, Mapping[str, Message]] = {"en": en.MESSAGES}
DEFAULT_LANGUAGE = "en"
_language = DEFAULT_LANGUAGE
_FORMATTER = string.Formatter()


def use_language(code: str) -> None:
    """Say everything in ``code`` from now on (messages it lacks stay in English)."""
    global _language
    if code not in CATALOGUES:
        raise ValueError(f"no catalogue for {code!r}; there are: {', '.join(sorted(CATALOGUES))}")
    _language = code


def add_catalogue(code: str, messages: Mapping[str, Message]) -> None:
    unknown = set(messages) - set(en.MESSAGES)
    if unknown:
        raise ValueError(f"catalogue {code!r} has ids the English one does not: {sorted(unknown)[:5]}")
    CATALOGUES[code] = messages


def template(msgid: str, n: int | None = None) -> str:
    """The message ``msgid`` in the current language (English when it lacks one)."""
    found = CATALOGUES[_language].get(msgid)
    if found is None:
        found = en.MESSAGES.get(msgid)
    if found is None:
        raise KeyError(f"no message {msgid!r} in the catalogue")
    if isinstance(found, tuple):
        return found[0] if n == 1 else found[1]
    return found


def say(msgid: str, /, n: int | None = None, **values: Any) -> Text:
    """The message as a Text: people stay people, the rest is text to escape when rendered."""
    out: list[str | PersonRef] = []
    for literal, name, spec, conversion in _FORMATTER.parse(template(msgid, n)):
        if literal:
            out.append(literal)
        if name is None:
            continue
        value = n if name == "n" and name not in values else values[name]
        if isinstance(value, PersonRef):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(p for p in value if p != "")
        else:
            if conversion:
                value = _FORMATTER.convert_field(value, conversion)
            if isinstance(value, date) and not isinstance(value, datetime) and spec in ("", "weekday"):
                out.append(day(value, weekday=spec == "weekday"))  # one way of saying a date
            else:
                out.append(format(value, spec or ""))
    return _join(out)


def due_by(typed: str | None, d: date) -> str:
    """A workplan by-date as people read it: the plan's own words where they name a month or a
    year ("End October 2027", "End 2027"), else the date the one way ("31 Mar 2027")."""
    import re

    t = " ".join((typed or "").split())
    t = re.sub(r"(?i)^(by|before)\s+", "", t)
    if re.fullmatch(r"(?i)(end(\s+of)?\s+)?\d{4}", t):
        return f"End {d.year}"
    if re.fullmatch(r"(?i)(end(\s+of)?\s+)?[a-z]+\.?\s+\d{4}", t):
        return f"End {d:%B %Y}"
    return day(d)


def day(d: date, *, weekday: bool = False) -> str:
    """A date the way people read it here: "5 Mar 2027" (or "Friday 5 Mar 2027")."""
    said = f"{d.day} {d:%b %Y}"
    return f"{d:%A} {said}" if weekday else said


def say_str(msgid: str, /, n: int | None = None, **values: Any) -> str:
    """The message as plain text (a person is written by name)."""
    return "".join(p if isinstance(p, str) else (p.label or f"person {p.id}") for p in say(msgid, n, **values))


def _join(parts: list[str | PersonRef]) -> Text:
    out: list[str | PersonRef] = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] += p
        elif p != "":
            out.append(p)
    return tuple(out)
