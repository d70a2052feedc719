"""The English catalogue: every message the bot says, by id (see :mod:`flows.wording`)."""

from __future__ import annotations

from flows.wording.en_partnership import MESSAGES as PARTNERSHIP
from flows.wording.en_signup import MESSAGES as SIGNUP

COMMON: dict[str, str | tuple[str, str]] = {
    "nothing_changed": "Nothing has changed.",
    "nothing_to_do": "Nothing to do.",
    "nothing_more": "Nothing more to do.",
    "for_information": "For your information; nothing to do.",
    "plain": "{text}",
}

MESSAGES: dict[str, str | tuple[str, str]] = {**COMMON, **SIGNUP, **PARTNERSHIP}
assert not set(SIGNUP) & set(PARTNERSHIP), f"ids in two catalogues: {sorted(set(SIGNUP) & set(PARTNERSHIP))}"
