"""English: data protection (issue 17). Message id -> message (see flows.wording)."""

from __future__ import annotations

MESSAGES: dict[str, str | tuple[str, str]] = {
    "privacy_due.headline": "Data protection request #{id} ({kind}) is due {when}",
    "privacy_due.in": ("in {n} day", "in {n} days"),
    "privacy_due.today": "today",
    "privacy_due.body": "It was received on {received} and must be answered by {due}.",
    "privacy_due.next": "Answer it, then close it with `vws requests close {id}` (or extend it within the first month).",
}
