"""Positions typed instead of clicked, in an adoption's space (or, where the space fell back to
one chat per rep, in a rep's own chat): "3.2 agreed", "3.2 park", "3.2 not agreed: the reason",
"3.2 amend: the local wording; reason: why"."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.bestvalue import adoption
from flows.bestvalue.process import Stage
from flows.bestvalue.status import cases_of
from flows.core.unit import Core, read
from flows.directory import Who, find_person
from flows.notices import Outcome, Text
from flows.wording import say

_TYPED = re.compile(
    r"^\s*(?:clause\s+)?(?P<ref>\d{1,2}\.\d{1,2})\s*[:\-–]?\s*"
    r"(?P<word>agreed?|amend(?:ed)?(?:\s+locally)?|not\s+agreed?|disagreed?|park(?:ed)?)\b\s*[:\-–]?\s*(?P<rest>.*)$",
    re.I | re.S,
)
_REASON = re.compile(r"[;\n]\s*(?:reason|because|why)\s*[:\-–]?\s*", re.I)
_SPACE = re.compile(r"^(?:space:)?adoption:(\d+)$")


def typed(text: str) -> dict[str, Any] | None:
    """The answers of a typed position, or None when the text is not one."""
    m = _TYPED.match(text or "")
    if m is None:
        return None
    word = re.sub(r"\s+", " ", m["word"].lower())
    rest = m["rest"].strip()
    if word.startswith("amend"):
        wording, _, reason = (p.strip() for p in _split(rest))
        return {"clause": m["ref"], "position": "amend", "local_text": wording, "reason": reason}
    if word.startswith("not") or word.startswith("disagree"):
        return {"clause": m["ref"], "position": "not_agreed", "reason": rest.removeprefix("because").strip()}
    if word.startswith("park"):
        return {"clause": m["ref"], "position": "park", "reason": rest}
    return {"clause": m["ref"], "position": "agreed"}


def _split(rest: str) -> tuple[str, str, str]:
    found = _REASON.search(rest)
    if found is None:
        return rest, "", ""
    return rest[: found.start()], "", rest[found.end():]


def space_hint(space_key: str) -> Text | None:
    """What an adoption's shared chat is for, said to someone who addressed the bot there with
    something that is not a position; None for any other space."""
    return say("code.space_hint") if _SPACE.match(space_key) else None


async def in_space(core: Core, who: Who, space_key: str, text: str) -> Outcome | None:
    m = _SPACE.match(space_key)
    answers = typed(text)
    if m is None or answers is None:
        return None
    return await adoption.mark(core, who, int(m[1]), answers)


async def in_private(core: Core, who: Who, text: str) -> Outcome | None:
    answers = typed(text)
    if answers is None:
        return None

    async def q(s: AsyncSession) -> list[int]:
        person = await find_person(s, who)
        if person is None:
            return []
        return [c.id for c in await cases_of(s, core, person) if c.stage is Stage.NEGOTIATING and c.unions]

    found = await read(core, q)
    if len(found) != 1:
        return Outcome(ok=False, reply=say("code.reply.where.several" if found else "code.reply.where"))
    return await adoption.mark(core, who, found[0], answers)


__all__ = ["in_private", "in_space", "space_hint", "typed"]
