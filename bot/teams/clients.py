"""The SDK's Bot Connector clients, closed when done (see :class:`ClosingClientFactory`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from microsoft_agents.hosting.core import RestChannelServiceClientFactory

#: The Bot Connector clients the SDK opened during :func:`closing_clients` (to close them).
_OPENED: ContextVar[list[Any] | None] = ContextVar("vws_teams_opened_clients", default=None)


class ClosingClientFactory(RestChannelServiceClientFactory):
    """The SDK's client factory, noting each connector client it makes while
    :func:`closing_clients` is in force: ``create_conversation`` never closes its client (its
    HTTP session leaks, and is reported when collected), so the deliverer closes it."""

    async def create_connector_client(self, *args: Any, **kwargs: Any) -> Any:
        client = await super().create_connector_client(*args, **kwargs)
        opened = _OPENED.get()
        if opened is not None:
            opened.append(client)
        return client


@asynccontextmanager
async def closing_clients() -> AsyncIterator[None]:
    """Close the connector clients the SDK opens inside the block, however it ends."""
    opened: list[Any] = []
    token = _OPENED.set(opened)
    try:
        yield
    finally:
        _OPENED.reset(token)
        for client in opened:
            with contextlib.suppress(Exception):
                await client.close()
