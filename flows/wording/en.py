"""The English catalogue: every message the bot says, by id (see :mod:`flows.wording`)."""

from __future__ import annotations

from flows.wording.en_code import MESSAGES as CODE
from flows.wording.en_partnership import MESSAGES as PARTNERSHIP
from flows.wording.en_privacy import MESSAGES as PRIVACY
from flows.wording.en_signup import MESSAGES as SIGNUP

COMMON: dict[str, str | tuple[str, str]] = {
    "nothing_changed": "Nothing has changed.",
    "nothing_to_do": "Nothing to do.",
    "nothing_more": "Nothing more to do.",
    "for_information": "For your information; nothing to do.",
    "plain": "{text}",
    "database_down": (
        "VWS Bot can't reach its records just now. Nothing was recorded. Please try again in a few minutes."
    ),
}

MESSAGES: dict[str, str | tuple[str, str]] = {**COMMON, **SIGNUP, **CODE, **PARTNERSHIP, **PRIVACY}
_overlap = (set(PRIVACY) & (set(SIGNUP) | set(CODE) | set(PARTNERSHIP))) | (set(SIGNUP) & set(CODE)) | (set(SIGNUP) & set(PARTNERSHIP)) | (set(CODE) & set(PARTNERSHIP))
assert not _overlap, f"ids in two catalogues: {sorted(_overlap)}"
