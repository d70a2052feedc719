"""Answers typed instead of clicked: "agree" (or "disagree" and the reasons) in an employer's
partner space, or in a rep's own chat when the space fell back to one chat per rep."""

from __future__ import annotations

import re

from flows.core import keys
from flows.core.unit import Core
from flows.directory import Who
from flows.notices import Outcome, Text
from flows.signup import approvals, records, status
from flows.signup.journey import Action
from flows.wording import say

_AGREE = frozenset({"agree", "agreed", "agrees"})
_DISAGREE = frozenset({"disagree", "disagreed", "disagrees"})


def typed_verdict(text: str) -> tuple[Action, str] | None:
    """(the partner union's answer, the reasons typed after it), or None for anything else."""
    words = (text or "").strip().split(maxsplit=1)
    if words and words[0].lower() == "i":  # "I agree"
        words = words[1].split(maxsplit=1) if len(words) > 1 else []
    if not words:
        return None
    first = re.sub(r"[^a-z]", "", words[0].lower())
    rest = words[1].strip() if len(words) > 1 else ""
    if first in _AGREE:
        return Action.PARTNER_AGREE, ""
    if first in _DISAGREE:
        return Action.PARTNER_DISAGREE, rest
    return None


def space_hint(space_key: str) -> Text | None:
    """What an employer's partner channel or chat is for (typed 'agree' / 'disagree ...'), said to
    someone who addressed the bot there with anything else; None for any other space."""
    return say("teams.partner_hint") if keys.partner_case(space_key) is not None else None


async def in_space(core: Core, who: Who, space_key: str, text: str) -> Outcome | None:
    """A reply typed in an employer's partner space (the space or request named by
    ``space_key``): the union's answer, or None when it is not one (it is left alone)."""
    case = keys.partner_case(space_key)
    found = typed_verdict(text)
    if case is None or found is None:
        return None
    employer_id, revision = case
    if revision is None:
        current = await records.summary(core, employer_id)
        if current is None:
            return None
        revision = current.revision
    act, reasons = found
    return await approvals.decide(core, who, employer_id, act, revision=revision, reasons=reasons or None)


async def in_channel(core: Core, who: Who, space_key: str, text: str) -> Outcome | None:
    """An answer typed at the top of an employer's partner channel, not in the proposal's thread:
    not taken (one union's answer belongs with the proposal it answers), but the person is told
    so, with the buttons to answer now. Anything else typed there is left alone."""
    case = keys.partner_case(space_key)
    if case is None or typed_verdict(text) is None:
        return None
    employer_id, _ = case
    offered = await status.offered(core, who, employer_id, (Action.PARTNER_AGREE, Action.PARTNER_DISAGREE))
    if not offered:
        return None  # not theirs to answer (or no longer asked): nothing to say
    return Outcome(ok=False, reply=say("reply.in_channel"), employer_id=employer_id, reply_buttons=offered)


async def in_private(core: Core, who: Who, text: str) -> Outcome | None:
    """An answer typed in the rep's own chat: fine when exactly one proposal waits for it (the
    partner space fell back to 1:1 chats); otherwise the rep is told where to answer."""
    found = typed_verdict(text)
    if found is None:
        return None
    act, reasons = found
    view = await status.status_for(core, who)
    waiting = [(s.id, b.revision) for s, buttons in (view.waiting if view else []) for b in buttons if b.action == act]
    if len(waiting) != 1:
        return Outcome(ok=False, reply=say("reply.where.several" if waiting else "reply.where"))
    employer_id, revision = waiting[0]
    return await approvals.decide(core, who, employer_id, act, revision=revision, reasons=reasons or None)
