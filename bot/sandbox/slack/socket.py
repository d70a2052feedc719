"""Socket Mode, played locally: ``apps.connections.open`` hands the bot a WebSocket on this
stand-in, and everything the stand-in delivers (slash commands, clicks, form submissions,
events) goes over it as Slack's envelopes instead of HTTP.

Each envelope must be acknowledged (``{"envelope_id": …, "payload": …}``) within three seconds;
one that is not is sent again with ``retry_attempt`` counted up, as Slack does, up to three
times. ``lose_next_ack()`` makes the stand-in ignore the bot's next acknowledgement, to see the
redelivery handled once.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from bot.sandbox.slack.events import _Events
from bot.sandbox.slack.model import JSON, SLACK_ACK_SECONDS, Delivery, _ApiError

MAX_REDELIVERIES = 3


class _Socket(_Events):
    """Socket Mode on top of the stand-in's deliveries (see the module docstring)."""

    _app_tokens: set[str]
    _socket: web.WebSocketResponse | None
    _acks: dict[str, asyncio.Future[JSON]]
    _socket_ready: asyncio.Event
    _lose_acks: int
    envelopes: list[JSON]

    def _init_socket(self, app_tokens: set[str]) -> None:
        self._app_tokens = app_tokens
        self._socket = None
        self._acks = {}
        self._socket_ready = asyncio.Event()
        self._lose_acks = 0
        self.envelopes = []
        self._methods["apps.connections.open"] = self._apps_connections_open
        self.app.router.add_get("/link/", self._on_socket)

    # ------------------------------------------------------------------ the Web API side

    def _apps_connections_open(self, args: JSON) -> JSON:
        # The app-level token is checked by _on_api like any other; only app tokens may open one.
        return {"ok": True, "url": f"ws://{self._host}:{self._bound_port}/link/?ticket={secrets.token_hex(8)}"}

    def is_app_token(self, token: str | None) -> bool:
        return bool(token) and token in self._app_tokens

    async def wait_for_socket(self, within: float = 5.0) -> None:
        await asyncio.wait_for(self._socket_ready.wait(), within)

    def lose_next_ack(self, times: int = 1) -> None:
        self._lose_acks += times

    @property
    def socket_mode(self) -> bool:
        return bool(self._app_tokens)

    # ------------------------------------------------------------------ the WebSocket

    async def _on_socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": self.app_id},
                            "debug_info": {"host": "standin", "approximate_connection_time": 3600}})  # fmt: skip
        self._socket_ready.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
                if not envelope_id or envelope_id not in self._acks:
                    continue
                if self._lose_acks > 0:  # lost on the way back to Slack
                    self._lose_acks -= 1
                    continue
                future = self._acks[envelope_id]
                if not future.done():
                    future.set_result(data.get("payload") or {})
        finally:
            if self._socket is ws:
                self._socket = None
                self._socket_ready.clear()
        return ws

    async def _deliver(
        self, body: bytes, content_type: str, payload: JSON, extra: Mapping[str, str] | None = None
    ) -> Delivery:
        if not self.socket_mode:
            return await super()._deliver(body, content_type, payload, extra)
        if content_type == "application/json":
            envelope_payload: Any = json.loads(body)
            kind = "events_api"
        else:
            form = dict(parse_qsl(body.decode()))
            if "payload" in form:
                envelope_payload, kind = json.loads(form["payload"]), "interactive"
            else:
                envelope_payload, kind = form, "slash_commands"
        envelope_id = secrets.token_hex(12)
        for attempt in range(MAX_REDELIVERIES + 1):
            if self._socket is None:
                return Delivery(status=0, body="", payload=payload, request_body=body,
                                problems=["the bot is not connected in Socket Mode"])  # fmt: skip
            future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
            self._acks[envelope_id] = future
            envelope: JSON = {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": envelope_payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": attempt,
                "retry_reason": "timeout" if attempt else "",
            }
            self.envelopes.append(envelope)
            await self._socket.send_json(envelope)
            try:
                answer = await asyncio.wait_for(future, SLACK_ACK_SECONDS)
            except TimeoutError:
                continue  # not acknowledged: Slack sends it again
            finally:
                self._acks.pop(envelope_id, None)
            return Delivery(status=200, body=json.dumps(answer) if answer else "", payload=payload, request_body=body)
        return Delivery(status=0, body="", payload=payload, request_body=body,
                        problems=["the bot never acknowledged the envelope"])  # fmt: skip


__all__ = ["_ApiError", "_Socket"]
