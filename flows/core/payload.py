"""The one button payload: what a click acts on, packed into a short string for any platform.

Like aiogram's ``CallbackData``: a version prefix, then the fields, separated by ``|``, the free
text one percent-escaped. Slack carries it as a button's ``value``; Teams as ``data["p"]`` of an
Adaptive Card action. :meth:`Payload.unpack` refuses anything that is not exactly this shape
(a forged, truncated or foreign value), so nothing downstream sees a half-read click.

    v1|secretary_approve|12|3||          the Secretary approves case 12, revision 3
    v1|objective_met|12||2|              the review of case 12's cycle 2
    v1|snooze|12|||review%3Aplan%3A7     snooze the review reminder of plan 7
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from flows.notices import Button

VERSION = "v1"
MAX_PACKED = 2000  # Slack's limit for a button value
MAX_VALUE = 400
_ACTION = re.compile(r"^[a-z][a-z_]{0,39}$")
_INT = re.compile(r"^[0-9]{1,12}$")


class BadPayload(ValueError):
    """A click whose payload is not one the bot made (forged, truncated or from an old release)."""


@dataclass(frozen=True)
class Payload:
    """What a button or a form acts on: an action, its subject (a case id), the subject's version
    (revision and/or cycle) and a value (the route chosen, the reminder to snooze...)."""

    action: str
    subject: int | None = None
    rev: int | None = None
    cycle: int | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if not _ACTION.match(self.action):
            raise BadPayload("action")
        for n in (self.subject, self.rev, self.cycle):
            if n is not None and not 0 <= n < 10**12:
                raise BadPayload("number")
        if self.value is not None and len(self.value) > MAX_VALUE:
            raise BadPayload("value")

    @classmethod
    def of(cls, button: Button) -> Payload:
        return cls(button.action, button.employer_id, button.revision, button.cycle, button.value)

    def pack(self) -> str:
        fields = [VERSION, self.action, _int(self.subject), _int(self.rev), _int(self.cycle)]
        fields.append(quote(self.value, safe="") if self.value is not None else "")
        return "|".join(fields)

    @classmethod
    def unpack(cls, raw: object) -> Payload:
        """The payload packed in ``raw``; raises :class:`BadPayload` for anything else."""
        if not isinstance(raw, str) or not raw or len(raw) > MAX_PACKED:
            raise BadPayload("not a payload")
        parts = raw.split("|")
        if len(parts) != 6 or parts[0] != VERSION:
            raise BadPayload("shape")
        _, action, subject, rev, cycle, value = parts
        try:
            text = unquote(value, errors="strict") if value else None
        except UnicodeDecodeError:
            raise BadPayload("value") from None
        return cls(action, _parse(subject), _parse(rev), _parse(cycle), text)

    def with_value(self, value: str | None) -> Payload:
        return Payload(self.action, self.subject, self.rev, self.cycle, value)


def _int(n: int | None) -> str:
    return "" if n is None else str(n)


def _parse(s: str) -> int | None:
    if s == "":
        return None
    if not _INT.match(s):
        raise BadPayload("number")
    return int(s)
