"""Which event loop the bot's processes run on (``VWS_EVENT_LOOP``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """A maker of event loops: uvloop's where it is installed and chosen (the same asyncio, its
    loop written in C, a little less CPU on each request's network and thread hand-offs); None
    for asyncio's own (as ``asyncio.run`` makes it)."""
    if choice == "uvloop":
        try:
            import uvloop
        except ImportError:  # not installed (Windows): asyncio's own
            pass
        else:
            return uvloop.new_event_loop
    return None
