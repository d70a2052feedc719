"""Who may act: roles are always relative to a case (its local association, its proposer)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A person's standing on one case. Computed from the directory and the case, never stored."""

    REP = "rep"  # an NASUWT workplace rep of the case's association
    PROPOSER = "proposer"  # the rep who proposed this employer
    SECRETARY = "secretary"  # the Local Association Secretary, or the named deputy
    NEM = "nem"  # the association's National Executive Member
    PARTNER_REP = "partner_rep"  # a GMB, UNISON or Unite rep of the association
    NATIONAL_OFFICER = "national_officer"  # the national union's officers
    ACTION_OWNER = "action_owner"  # the owner of a workplan action (for that action only)
    BRANCH_REP = "branch_rep"  # speaks for a union branch taking part in a Best Value Code adoption
    LEAD = "lead"  # the rep who started a Best Value Code adoption (takes it to committee, to contractors)
    INDICATOR_OWNER = "indicator_owner"  # the owner of a Best Value Code indicator (for that indicator only)
    BOT = "bot"  # the bot itself (the reminder clock)
    MEMBER = "member"  # a member of the local social partnership (any side)
    RAISER = "raiser"  # whoever raised the issue (a rep raising a concern about a scheme member)
    REGIONAL = "regional"  # a regional escalation contact (or deputy) for the partnership's region
    NATIONAL_CONTACT = "national_contact"  # a national escalation contact (or deputy) for its nation
