"""What a process adds to a person's status (``/vws status``, App Home, the Teams status card).

Each process registers with the dispatcher a function that returns, for one person, its
sections: a heading, the items waiting (with the buttons derived from its table) and the rest.
Adapters render every section the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.notices import Button


@dataclass(frozen=True)
class StatusItem:
    title: str  # plain text: adapters escape it
    detail: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass
class StatusSection:
    heading: str
    items: list[StatusItem] = field(default_factory=list)
    more: int = 0  # items beyond those listed
