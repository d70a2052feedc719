"""English: data protection (issue 17). Message id -> message (see flows.wording)."""

from __future__ import annotations

MESSAGES: dict[str, str | tuple[str, str]] = {
    "privacy_due.headline": "Data protection request #{id} ({kind}) is due {when}",
    "privacy_due.in": ("in {n} day", "in {n} days"),
    "privacy_due.today": "today",
    "privacy_due.body": "It was received on {received} and must be answered by {due}.",
    "privacy_due.next": "Answer it, then close it with `vws requests close {id}` (or extend it within the first month).",
    "sharing_space.headline": "Not added to {space}: no basis for sharing",
    "sharing_space.body": (
        "Their union has recorded neither the unions' data sharing agreement nor their consent to being "
        "shown to the other unions, so the bot did not add them to {space}: {names}."
    ),
    "sharing_space.next.partnership": (
        "Ask an admin to record their union's sharing basis (the agreement, or each person's consent) in the "
        "directory file; the bot adds them with the space's next post."
    ),
    "sharing_space.next.adoption": (
        "Ask an admin to record their union's sharing basis (the agreement, or each person's consent) in the "
        "directory file, then invite them to the space."
    ),
    "sharing_space.partnership": "the private space of {name}",
    "sharing_space.adoption": "the Best Value Code space for {employer}",
}
