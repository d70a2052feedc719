"""What each table declares about the personal data it holds: the register of processing is
generated from these declarations (``vws privacy register``), so it cannot drift from the schema.

Every table has a ``__privacy__`` next to its definition. Its columns are classified: a column
that could hold personal data (text, an identifier, JSON, or a reference to a person) must be named
in ``personal`` or in ``not_personal``; numbers, flags, dates and references to rows that are not
people are not personal by their type. ``tests/test_privacy_register.py`` fails on a column that is
neither.

``retention`` may name a setting in braces (``{retention_outbox_days}``): the register prints the
period the retention sweep (``vws retention``) actually applies.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The lawful bases and conditions the tables use (UK GDPR articles 6 and 9).
LEGITIMATE = "Article 6(1)(f) legitimate interests: the four unions running the Valued Worker Scheme together"
ARTICLE_9D = (
    "Article 9(2)(d): a trade union's legitimate activities with its members; shown to the other unions "
    "on each union's recorded sharing basis (consent or the unions' agreement)"
)
NO_SPECIAL = "none: holds no special category data"
LEGAL_OBLIGATION = "Article 6(1)(c) legal obligation: answering data protection requests"

UNIONS_RECIPIENTS = "the four unions' reps and officers taking part in the case, and the directory's admins"
BOT_ONLY = "no one: the bot's own bookkeeping, read only by its operators"
KEPT_WHILE = "while the person is in the directory; erased on request (vws erase)"
AUDIT_KEPT = "kept as the record of decisions; the person's name and words erased on request (vws erase)"
SOURCE_DIRECTORY = "the directory file, maintained by each union's admins"
SOURCE_PERSON = "typed or chosen by the person in Slack or Teams"


@dataclass(frozen=True)
class Privacy:
    """A table's entry in the register of processing."""

    holds: str  # the categories of personal data, in words ("" when it holds none)
    purpose: str
    basis: str = LEGITIMATE  # the lawful basis (article 6)
    article9: str = NO_SPECIAL  # the article 9 condition, when it holds special category data
    recipients: str = UNIONS_RECIPIENTS
    retention: str = KEPT_WHILE
    source: str = SOURCE_PERSON
    personal: tuple[str, ...] = ()  # columns holding personal data
    not_personal: tuple[str, ...] = ()  # text or identifier columns that do not
    free_text: tuple[str, ...] = ()  # the personal columns people typed (redacted on erasure)


def none(purpose: str, *not_personal: str) -> Privacy:
    """A table that holds no personal data."""
    return Privacy(holds="", purpose=purpose, basis="not applicable", recipients="not applicable",
                   retention="not applicable (no personal data)", source="not applicable",
                   not_personal=not_personal)  # fmt: skip


PROPOSALS = (
    "the case's record; a rejected or withdrawn proposal's personal data pseudonymised "
    "{retention_proposal_months} months after it closed"
)
ISSUES = (
    "free text erased at once when found to be casework, and {retention_issue_months} months after the issue closed"
)
