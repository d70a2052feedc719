"""Who of a decision's recipients the bot cannot reach in chat, told to the person who acted.

A platform adapter works out who (``bot.routing.Router``); this is what the person who acted is
told, with their confirmation: "E-mailed instead: …" for someone the notice went to by e-mail,
"Not told: …" for someone it could not go to at all, then what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flows.notices import Notice, PersonRef, Text, ToPerson
from flows.wording import say, say_str


@dataclass(frozen=True)
class Missed:
    """A recipient the bot cannot reach in Slack or Teams: ``why`` is a wording id
    (``reach.elsewhere``...); ``emailed`` when the notice goes to their e-mail instead."""

    person: PersonRef
    why: str
    emailed: bool = False


def recipients(notices: Iterable[Notice]) -> dict[int, PersonRef]:
    """The people (directory ids) the notices are to, each once, in order."""
    people: dict[int, PersonRef] = {}
    for n in notices:
        if n.place is None and isinstance(n.to, ToPerson) and n.to.person.id:
            people.setdefault(n.to.person.id, n.to.person)
    return people


def reach_lines(missed: Sequence[Missed]) -> list[Text]:
    """One line per person, and what to do when anyone was not told at all."""
    lines = [
        say("reach.emailed" if m.emailed else "reach.not_told", person=m.person, reason=say_str(m.why))
        for m in missed
    ]
    if any(not m.emailed for m in missed):
        lines.append(say("reach.ask"))
    return lines


def joined(lines: Sequence[Text]) -> Text:
    """Lines as one text, a line break between them."""
    return tuple(part for i, line in enumerate(lines) for part in ((("\n",) if i else ()) + tuple(line)))
