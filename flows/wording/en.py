"""The English catalogue: every message the bot says, by id (see :mod:`flows.wording`)."""

from __future__ import annotations

from flows.wording.en_away import MESSAGES as AWAY
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
    # Slack would not open a form (its trigger lives 3 s, and the bot was busy, or Slack failed).
    "form_not_opened.command": (
        "Slack would not let VWS Bot open the form in time. Nothing was recorded. Please type {command} again."
    ),
    "form_not_opened.button": (
        "Slack would not let VWS Bot open the form in time. Nothing was recorded. Please press the button again."
    ),
    # Teams: typed in an employer's partner channel or chat, not an answer, with the bot @mentioned.
    "teams.partner_hint": (
        "In this chat I only record each union's answer on the proposal: reply 'agree', or "
        "'disagree' followed by your reasons (no need to @mention me). For anything else, "
        "message me in a 1:1 chat."
    ),
    # Teams: a document the bot offered in a 1:1 chat (the Code as adopted, as a Word file).
    "teams.file.declined": (
        "Not sent: the Word document stays out of your OneDrive. Its text is in the card above; "
        "an organiser can also write the file with 'vws code report EMPLOYER --docx'."
    ),
    "teams.file.not_yours": (
        "That document is not yours to have, or no longer exists. Nothing was sent. Type 'status' for your items."
    ),
    "teams.file.bad_address": "Teams named an upload address that is not OneDrive's, so nothing was sent. Try again.",
    "teams.file.failed": "The Word document could not be uploaded to your OneDrive just now. Nothing was sent. Try again.",
    # Someone a decision should have told, whom the bot cannot reach (said to the person who acted).
    "reach.not_told": "Not told: {person}, because {reason}.",
    "reach.emailed": "E-mailed instead: {person}, because {reason}.",
    "reach.ask": "Please tell them yourself. An admin can add VWS Bot for them in Teams (see the README).",
    "reach.not_installed": "VWS Bot could not be added for them in Teams",
    "reach.removed": "they have removed VWS Bot in Teams",
    "reach.elsewhere": "their Teams account is in another organisation that has not added VWS Bot",
    "reach.no_chat": "the directory has no Slack or Teams account for them",
    "reach.not_here": "the directory has them only on a platform this bot does not run on",
}

MESSAGES: dict[str, str | tuple[str, str]] = {**COMMON, **SIGNUP, **CODE, **PARTNERSHIP, **AWAY, **PRIVACY}
_extra = set(AWAY) | set(PRIVACY)
_overlap = (set(AWAY) & set(PRIVACY)) | (_extra & (set(SIGNUP) | set(CODE) | set(PARTNERSHIP))) | (set(SIGNUP) & set(CODE)) | (set(SIGNUP) & set(PARTNERSHIP)) | (set(CODE) & set(PARTNERSHIP))
assert not _overlap, f"ids in two catalogues: {sorted(_overlap)}"
