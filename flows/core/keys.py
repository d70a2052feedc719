"""The keys of messages the bot may need to find again, and of the places it posts to.

A notice with a ``key`` is remembered under it when posted (``posted_messages``), so a later
notice can replace it (``replaces``) wherever it went; conversation keys name where the Teams
adapter can reach a person or a space. This module is the only place that builds or reads them.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------- messages


def approval(employer_id: int, revision: int, approver: str) -> str:
    """An approval request to the Secretary (``secretary``) or the NEM (``nem``)."""
    return f"approval:{employer_id}:r{revision}:{approver}"


def rejected(employer_id: int, revision: int) -> str:
    return f"rejected:{employer_id}:r{revision}"


def partner(employer_id: int, revision: int) -> str:
    """The partner unions' request: the root of the consultation's thread."""
    return f"partner:{employer_id}:r{revision}"


_PARTNER = re.compile(r"^partner:(\d+):r(\d+)$")


def parse_partner(key: str) -> tuple[int, int] | None:
    """(employer id, revision) of a partner request's key; None for any other key."""
    m = _PARTNER.match(key)
    return (int(m[1]), int(m[2])) if m else None


def partner_case(key: str) -> tuple[int, int | None] | None:
    """(employer id, revision or None) of any key that names an employer's partner space or
    request: the request's message, the Slack channel's key, the Teams conversation's key."""
    if (found := parse_partner(key)) is not None:
        return found
    m = re.match(r"^(?:partner-space|partner):(\d+)$", key)
    return (int(m[1]), None) if m else None


def route(employer_id: int) -> str:
    return f"route:{employer_id}"


def draft(employer_id: int) -> str:
    return f"draft:{employer_id}"


def introduce(employer_id: int) -> str:
    return f"introduce:{employer_id}"


def plan(employer_id: int, cycle: int) -> str:
    return f"plan:{employer_id}:c{cycle}"


def review(employer_id: int, cycle: int, review_on: object) -> str:
    """The review request for a cycle's review date (a review extended gets a new one)."""
    return f"review:{employer_id}:c{cycle}:{review_on}"


def national(employer_id: int) -> str:
    return f"national:{employer_id}"


def national_revoked(employer_id: int) -> str:
    """The national union's message about a revocation (its "Taken off the list" button)."""
    return f"national-revoked:{employer_id}"


def reminder(kind: str, subject: str, due_at: object, to: object, employer_id: int | None = None) -> str:
    """One reminder card: the nudge (kind, subject, the moment it fell due) and where it went
    (``p<person id>``, ``partners`` for the employer's partner space, ``space=<key>``,
    ``national``), so what finishes it can update every copy and what a snooze touches only the
    snoozer's own. Over the column's width, the nudge is hashed (where it went is kept)."""
    from flows.notices import ToNational, ToPartnerSpace, ToPerson, ToSpace

    if isinstance(to, ToPerson):
        where = f"p{to.person.id}"
    elif isinstance(to, ToPartnerSpace):
        where = "partners"
    elif isinstance(to, ToSpace):
        where = f"space={to.key}"
    else:
        assert isinstance(to, ToNational)
        where = "national"
    stamp = due_at.strftime("%Y%m%dT%H%M") if hasattr(due_at, "strftime") else str(due_at)
    return f"{reminders_of(kind, subject)}{stamp}|{where}"


def reminders_of(kind: str, subject: str) -> str:
    """What the keys of every card of one reminder (any due moment, anywhere) start with."""
    head = f"remind|{kind}|{subject}|"
    if len(head) > 120:
        import hashlib

        head = f"remind|{kind}|h{hashlib.sha256(subject.encode()).hexdigest()[:32]}|"
    return head


def reminder_place(key: str) -> str | None:
    """Where a reminder card's key says it went (see :func:`reminder`); None for another key."""
    if not key.startswith("remind|"):
        return None
    return key.rpartition("|")[2]


# --------------------------------------------------------------------------- places


def partner_space(employer_id: int) -> str:
    """Where an employer's partner channel (and its current thread root) is kept (Slack)."""
    return f"partner-space:{employer_id}"


def space_keys(to: object) -> tuple[str, str]:
    """Where a shared space is kept: (its Slack key, its Teams conversation key)."""
    from flows.notices import ToPartnerSpace, ToSpace

    if isinstance(to, ToPartnerSpace):
        return partner_space(to.employer_id), partner_conversation(to.employer_id)
    assert isinstance(to, ToSpace)
    return f"space:{to.key}", f"space:{to.key}"


def person_conversation(person_id: int) -> str:
    """A person's 1:1 chat with the bot (Teams)."""
    return f"person:{person_id}"


def unreachable_person(person_id: int) -> str:
    """Why the Teams adapter could not reach a person lately (the app could not be installed,
    or they removed it): kept so the next notice does not try again at once (Teams)."""
    return f"unreachable:{person_id}"


def partner_conversation(employer_id: int) -> str:
    """The partner unions' channel or group chat for an employer (Teams)."""
    return f"partner:{employer_id}"


NATIONAL_CONVERSATION = "national"
PARTNER_CONVERSATIONS = "partner:%"  # a LIKE pattern for every partner conversation
PARTNER_REQUESTS = "partner:%"  # a LIKE pattern for every partner request's key
