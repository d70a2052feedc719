"""The port through which notices leave the bot: each chat adapter implements ``Deliverer``.

The flows return notices; whoever called them (a listener, the reminder clock, the CLI) hands
them to a Deliverer. ``Recorder`` keeps them in memory (tests, ``vws remind --dry-run``) and
``Printer`` writes them as plain text (the CLI with no chat platform configured).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from flows.notices import Notice, ToNational, ToPartnerSpace, ToPerson, ToSpace


class Deliverer(Protocol):
    async def deliver(self, notices: Sequence[Notice]) -> None:
        """Send each notice to its recipient; must not raise for one bad recipient (log it instead)."""
        ...


@dataclass
class Recorder:
    notices: list[Notice] = field(default_factory=list)

    async def deliver(self, notices: Sequence[Notice]) -> None:
        self.notices.extend(notices)


def describe_recipient(notice: Notice) -> str:
    to = notice.to
    if isinstance(to, ToPerson):
        return f"to {to.person.label or f'person {to.person.id}'}"
    if isinstance(to, ToPartnerSpace):
        return f"in the partner channel of employer #{to.employer_id}"
    if isinstance(to, ToSpace):
        return f"in the shared space {to.key}"
    if isinstance(to, ToNational):
        return "to the national union"
    return "to ?"


@dataclass
class Printer:
    out: TextIO = sys.stdout

    async def deliver(self, notices: Sequence[Notice]) -> None:
        for n in notices:
            body = n.as_plain().replace("\n", "\n    ")
            print(f"--- {describe_recipient(n)}\n    {body}", file=self.out)
