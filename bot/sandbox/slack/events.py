"""Delivery: what Slack sends the bot, signed with its signing secret, and what comes back.

Slash commands, block actions, view submissions and closes, and Events API callbacks
(``message``, ``app_home_opened``) are POSTed to the bot's events URL as Slack sends them, with
``X-Slack-Signature``; Slack's retries can be replayed. Their ``trigger_id`` and
``response_url`` point back at the stand-in, and the bot's replies (a slash command's ack, a
view submission's ``response_action``, ``response_url`` posts) are applied to the workspace.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slack.model import (
    _SELECT_TYPES,
    JSON,
    MAX_VIEW_STACK,
    RESPONSE_URL_MAX_USES,
    RESPONSE_URL_TTL_SECONDS,
    SLACK_ACK_SECONDS,
    Delivery,
    _Channel,
    _flag,
    _Hook,
    _walk_elements,
)
from bot.sandbox.slack.webapi import _WebApi


class _Events(_WebApi):
    """What a person does in Slack, delivered to the bot, and the bot's replies applied."""

    # ------------------------------------------------------------------ delivery: what Slack sends

    def signed_headers(
        self,
        body: bytes,
        *,
        timestamp: int | str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> dict[str, str]:
        """Headers Slack would send with ``body``, signed (``v0`` HMAC-SHA256) at ``timestamp``."""
        if not self._signing_secret:
            raise RuntimeError("no signing secret: call connect(events_url, signing_secret) first")
        stamp = str(int(self._signing_now()) if timestamp is None else timestamp)
        signature = SignatureVerifier(self._signing_secret).generate_signature(timestamp=stamp, body=body)
        return {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or "",
        }

    async def deliver_raw(self, body: bytes, headers: Mapping[str, str]) -> Delivery:
        """POST exactly these bytes and headers to the bot (for signature and timestamp tests)."""
        if self.events_url is None:
            raise RuntimeError("no events URL: call connect(events_url, signing_secret) first")
        if self._session is None:
            raise RuntimeError("the stand-in is not started")
        started = time.monotonic()
        try:
            async with self._session.post(self.events_url, data=body, headers=dict(headers)) as response:
                text = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            reason = "did not answer in time" if isinstance(exc, TimeoutError) else "could not be reached"
            return Delivery(status=0, body="", payload={}, request_body=body, problems=[f"the bot {reason}"])
        delivery = Delivery(status=status, body=text, payload={}, request_body=body)
        elapsed = time.monotonic() - started
        if elapsed > SLACK_ACK_SECONDS:
            delivery.problems.append(f"the bot took {elapsed:.1f}s to answer; Slack gives up after 3s")
        if status != 200:
            delivery.problems.append(f"the bot answered HTTP {status}")
        return delivery

    async def slash_command(
        self, user: str, text: str, command: str = "/vws", channel: str | None = None
    ) -> Delivery:
        """A person runs a slash command (in ``channel``, or in their DM with the bot)."""
        person = self._known_user(user)
        target = self._lookup(channel) if channel else self._im_for(person.id)
        if person.id not in target.members:
            raise ValueError(f"{person.id} is not in {target.id}, so cannot run a command there")
        trigger_id = self.issue_trigger(person.id)
        hook = _Hook(user=person.id, channel=target.id, issued_at=self._now())
        response_url = self._new_hook(hook)
        form = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": target.id,
            "channel_name": "directmessage" if target.is_im else target.name,
            "user_id": person.id,
            "user_name": person.name,
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        body = urlencode(form).encode()
        delivery = await self._deliver(body, "application/x-www-form-urlencoded", form)
        delivery.trigger_id = trigger_id
        if delivery.status == 200 and delivery.body.strip():
            reply = delivery.json()
            if not isinstance(reply, dict):
                reply = {"text": delivery.body}
            self._apply_response(hook, reply, source="ack")
            self._touch()
        return delivery

    async def block_action(
        self,
        user: str,
        action_id: str,
        value: str | None = None,
        *,
        message: JSON | str | None = None,
        view: JSON | str | None = None,
        channel: str | None = None,
        block_id: str | None = None,
        selected_option: str | JSON | None = None,
    ) -> Delivery:
        """A person clicks or picks an element in a message (``message``: dict or ts) or a view
        (``view``: dict or id). The element's type, block and value are read from the blocks
        when it can be found there."""
        person = self._known_user(user)
        payload: JSON = {
            "type": "block_actions",
            "user": {"id": person.id, "username": person.name, "name": person.name, "team_id": person.team},
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        blocks: list[Any] = []
        if view is not None:
            stored = self._views.get(view if isinstance(view, str) else str(view.get("id")))
            if stored is None or not self._is_live(stored["id"]):
                raise ValueError("that view is not on the person's screen")
            blocks = stored.get("blocks", [])
            payload["container"] = {"type": "view", "view_id": stored["id"]}
            payload["view"] = copy.deepcopy(stored)
            payload["state"] = copy.deepcopy(stored.get("state", {"values": {}}))
        elif message is not None or channel is not None:
            target, original, ephemeral = self._find_message(message, channel, person.id)
            hook = _Hook(user=person.id, channel=target.id, issued_at=self._now())
            payload["channel"] = {"id": target.id, "name": "directmessage" if target.is_im else target.name}
            if original is not None:
                blocks = original.get("blocks", [])
                payload["container"] = {
                    "type": "message",
                    "message_ts": original["ts"],
                    "channel_id": target.id,
                    "is_ephemeral": ephemeral,
                }
                if ephemeral:
                    hook.ephemeral = original
                else:
                    payload["message"] = copy.deepcopy(original)
                    hook.message_ts = original["ts"]
            payload["state"] = {"values": {}}
            payload["response_url"] = self._new_hook(hook)
        else:
            raise ValueError("a block action happens in a message, a view or a channel")

        action = self._build_action(blocks, action_id, value, block_id, selected_option)
        trigger_id = self.issue_trigger(person.id)
        payload["trigger_id"] = trigger_id
        payload["actions"] = [action]
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery = await self._deliver(body, "application/x-www-form-urlencoded", payload)
        delivery.trigger_id = trigger_id
        return delivery

    async def suggest(self, user: str, view_id: str, block_id: str, typed: str = "") -> list[JSON]:
        """A person types into a searched (``external_select``) field of an open modal: Slack asks
        the bot for the choices (``block_suggestion``); returns the options it answered."""
        person = self._known_user(user)
        stored = self._views.get(view_id)
        if stored is None or not self._is_live(view_id):
            raise ValueError("that view is not on the person's screen")
        block = next((b for b in stored.get("blocks", []) if b.get("block_id") == block_id), None)
        element = (block or {}).get("element") or {}
        if element.get("type") != "external_select":
            raise ValueError(f"{block_id} is not a searched field")
        if len(typed) < int(element.get("min_query_length", 3)):
            return []
        payload: JSON = {
            "type": "block_suggestion",
            "user": {"id": person.id, "username": person.name, "name": person.name, "team_id": person.team},
            "container": {"type": "view", "view_id": view_id},
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "action_id": element.get("action_id"),
            "block_id": block_id,
            "value": typed,
            "team": {"id": self.team_id, "domain": self.team_domain},
            "view": copy.deepcopy(stored),
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery = await self._deliver(body, "application/x-www-form-urlencoded", payload)
        answer = delivery.json() or {}
        options = answer.get("options") if isinstance(answer, dict) else None
        if not isinstance(options, list) or len(options) > 100:
            raise AssertionError("Slack needs at most 100 options in a block_suggestion answer")
        return options

    async def view_submission(self, user: str, view_id: str, values: JSON | None = None) -> Delivery:
        """A person submits the open modal ``view_id`` with ``state.values``; the bot's
        ``response_action`` (errors, update, push, clear, or none: close) is applied."""
        person = self._known_user(user)
        stack = self._stacks.get(person.id, [])
        if not stack or stack[-1] != view_id:
            raise ValueError(f"{view_id} is not the modal on top of {person.id}'s screen")
        stored = self._views[view_id]
        values = copy.deepcopy(values or {})
        known_blocks = {b.get("block_id") for b in stored.get("blocks", []) if isinstance(b, dict)}
        unknown = sorted(set(values) - known_blocks)
        if unknown:
            raise ValueError(f"no blocks {unknown} in view {view_id}")
        stored["state"] = {"values": values}
        trigger_id = self.issue_trigger(person.id)
        payload: JSON = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": {"id": person.id, "username": person.name, "name": person.name, "team_id": person.team},
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id,
            "view": copy.deepcopy(stored),
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        delivery = await self._deliver(body, "application/x-www-form-urlencoded", payload)
        delivery.trigger_id = trigger_id
        if delivery.status == 200:
            self._apply_response_action(person.id, view_id, delivery)
            self._touch()
        return delivery

    async def close_view(self, user: str, view_id: str | None = None) -> Delivery | None:
        """A person closes a modal (``view_id``, or the one on top) with its Cancel button:
        it and any above it leave the screen; with ``notify_on_close`` the bot is sent
        ``view_closed`` (and that delivery is returned)."""
        person = self._known_user(user)
        stack = self._stacks.get(person.id, [])
        view_id = view_id or (stack[-1] if stack else None)
        if view_id is None or view_id not in stack:
            raise ValueError("that modal is not on the person's screen")
        stored = copy.deepcopy(self._views[view_id])
        self._close_view(person.id, view_id)
        self._touch()
        if not stored.get("notify_on_close") or self.events_url is None:
            return None
        payload: JSON = {
            "type": "view_closed",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": {"id": person.id, "username": person.name, "name": person.name, "team_id": person.team},
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "view": stored,
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._deliver(body, "application/x-www-form-urlencoded", payload)

    async def message_event(
        self,
        user: str,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Delivery:
        """A person posts a message the bot can see (recorded here too) and Slack sends the
        ``message`` event. With ``retry_num`` the same event (same ``event_id``) is redelivered
        with ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason``."""
        key = (user, channel, text, thread_ts)
        previous = self._sent_events.get(key)
        if retry_num is not None and previous is not None:
            return await self.redeliver(previous, retry_num=retry_num, reason=retry_reason)
        target = self._lookup(channel)
        if self.bot_user_id not in target.members:
            raise ValueError(f"the bot is not in {target.id}: Slack would not send this event")
        message = self.post_as_user(user, target.id, text, thread_ts)
        event: JSON = {**message, "channel": target.id, "event_ts": message["ts"]}
        event["channel_type"] = self._channel_type(target)
        if thread_ts:
            parent = self._message(target, thread_ts)
            if parent is not None:
                event["parent_user_id"] = parent.get("user")
        extra = self._retry_headers(retry_num, retry_reason)
        delivery = await self._deliver_event(event, is_ext_shared=bool(target.shared_teams), extra=extra)
        self._sent_events[key] = delivery
        return delivery

    async def app_home_opened(self, user: str) -> Delivery:
        """A person opens the bot's App Home tab."""
        person = self._known_user(user)
        event: JSON = {
            "type": "app_home_opened",
            "user": person.id,
            "channel": self._im_for(person.id).id,
            "tab": "home",
            "event_ts": self._new_ts(),
        }
        home = self.home_view(person.id)
        if home is not None:
            event["view"] = home
        return await self._deliver_event(event, is_ext_shared=False)

    async def redeliver(
        self, delivery: Delivery, *, retry_num: int = 1, reason: str = "http_timeout"
    ) -> Delivery:
        """Send an earlier event again, as Slack retries: same body, fresh signature, retry headers."""
        content_type = (
            "application/json"
            if delivery.request_body.startswith(b"{")
            else ("application/x-www-form-urlencoded")
        )
        again = await self._deliver(
            delivery.request_body, content_type, delivery.payload, self._retry_headers(retry_num, reason)
        )
        again.event_id = delivery.event_id
        return again

    # ------------------------------------------------------------------ delivery internals

    async def _deliver(
        self, body: bytes, content_type: str, payload: JSON, extra: Mapping[str, str] | None = None
    ) -> Delivery:
        headers = self.signed_headers(body, content_type=content_type)
        headers.update(extra or {})
        delivery = await self.deliver_raw(body, headers)
        delivery.payload = payload
        return delivery

    async def _deliver_event(
        self, event: JSON, *, is_ext_shared: bool, extra: Mapping[str, str] | None = None
    ) -> Delivery:
        self._counter += 1
        envelope: JSON = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{self._counter:08d}LOCAL",
            "event_time": int(self._now()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": is_ext_shared,
            "event_context": f"4-{secrets.token_hex(12)}",
        }
        body = json.dumps(envelope).encode()
        delivery = await self._deliver(body, "application/json", envelope, extra)
        delivery.event_id = envelope["event_id"]
        return delivery

    @staticmethod
    def _retry_headers(retry_num: int | None, reason: str) -> dict[str, str]:
        if retry_num is None:
            return {}
        return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason}

    def _build_action(
        self,
        blocks: list[Any],
        action_id: str,
        value: str | None,
        block_id: str | None,
        selected_option: str | JSON | None,
    ) -> JSON:
        found = next(
            (
                (bid, element)
                for bid, element in _walk_elements(blocks)
                if element.get("action_id") == action_id and block_id in (None, bid)
            ),
            None,
        )
        element: JSON = found[1] if found else {}
        kind = str(element.get("type") or ("static_select" if selected_option is not None else "button"))
        action: JSON = {
            "action_id": action_id,
            "block_id": block_id or (found[0] if found else None) or secrets.token_hex(3),
            "type": kind,
            "action_ts": self._new_ts(),
        }
        if kind == "button":
            action["text"] = element.get("text", {"type": "plain_text", "text": action_id})
            picked = value if value is not None else element.get("value")
            if picked is not None:
                action["value"] = picked
            if "style" in element:
                action["style"] = element["style"]
        elif kind in _SELECT_TYPES or selected_option is not None:
            wanted = selected_option if selected_option is not None else value
            if isinstance(wanted, dict):
                action["selected_option"] = wanted
            else:
                options = [o for o in element.get("options", []) if isinstance(o, dict)]
                option = next((o for o in options if o.get("value") == wanted), None)
                action["selected_option"] = option or {
                    "text": {"type": "plain_text", "text": str(wanted)},
                    "value": wanted,
                }
        elif kind == "datepicker":
            action["selected_date"] = value
        elif kind == "users_select":
            action["selected_user"] = value
        elif kind == "conversations_select":
            action["selected_conversation"] = value
        elif kind == "channels_select":
            action["selected_channel"] = value
        elif value is not None:
            action["value"] = value
        return action

    def _find_message(
        self, message: JSON | str | None, channel: str | None, user: str
    ) -> tuple[_Channel, JSON | None, bool]:
        """(channel, stored message or ephemeral, is_ephemeral) for a block action."""
        ts = message if isinstance(message, str) else (message or {}).get("ts")
        if isinstance(message, dict) and message.get("source") and message in self._ephemerals:
            stored = self._ephemerals[self._ephemerals.index(message)]
            return self._channels[stored["channel"]], stored, True
        if channel is not None:
            target = self._lookup(channel)
            if ts is None:
                return target, None, False
            found = self._message(target, str(ts))
            if found is None:
                raise ValueError(f"no message {ts} in {target.id}")
            return target, found, False
        for candidate in self._channels.values():
            found = self._message(candidate, str(ts))
            if found is not None:
                return candidate, found, False
        for ephemeral in self._ephemerals:
            if ephemeral["ts"] == ts and ephemeral["user"] == user:
                return self._channels[ephemeral["channel"]], ephemeral, True
        raise ValueError(f"no message {ts}")

    def _apply_response_action(self, user: str, view_id: str, delivery: Delivery) -> None:
        reply = delivery.json()
        if not delivery.body.strip():
            self._close_view(user, view_id)
            return
        if not isinstance(reply, dict):
            delivery.problems.append("the reply to a view submission must be empty or JSON")
            return
        action = reply.get("response_action")
        stack = self._stacks.get(user, [])
        if action == "errors":
            if not isinstance(reply.get("errors"), dict):
                delivery.problems.append("response_action errors needs an errors object")
        elif action == "clear":
            self._stacks[user] = []
        elif action in ("update", "push"):
            problems = self._view_problems(reply.get("view"), "modal")
            if problems:
                delivery.problems.extend(problems)
                return
            if action == "update":
                self._replace_view(view_id, reply["view"])
            elif len(stack) >= MAX_VIEW_STACK:
                delivery.problems.append("push_limit_reached")
            else:
                new = self._make_view(reply["view"], user, root=stack[0], previous=stack[-1])
                stack.append(new["id"])
        elif action is None:
            self._close_view(user, view_id)
        else:
            delivery.problems.append(f"unknown response_action {action!r}")

    # ------------------------------------------------------------------ response_url

    def _new_hook(self, hook: _Hook) -> str:
        token = secrets.token_urlsafe(16)
        self._hooks[token] = hook
        return f"{self.root_url}response/{token}"

    async def _on_upload(self, request: web.Request) -> web.Response:
        """Step 2 of a file upload: the bytes, POSTed to the URL ``files.getUploadURLExternal`` gave."""
        found = self._files.get(request.match_info["file_id"])
        if found is None:
            return web.Response(status=404, text="no such upload")
        found["content"] = await request.read()
        found["size"] = len(found["content"])
        return web.Response(text="OK - " + str(found["size"]))

    async def _on_response_url(self, request: web.Request) -> web.Response:
        hook = self._hooks.get(request.match_info["token"])
        raw = await request.text()
        try:
            body = (
                json.loads(raw)
                if raw.lstrip().startswith("{")
                else json.loads(dict(parse_qsl(raw)).get("payload", "{}"))
            )
        except ValueError:
            body = None
        at = self._now()
        status = 200
        answer: JSON = {"ok": True}
        if not isinstance(body, dict):
            status, answer = 400, {"ok": False, "error": "invalid_payload"}
        elif hook is None:
            status, answer = 404, {"ok": False, "error": "invalid_url"}
        elif at - hook.issued_at > RESPONSE_URL_TTL_SECONDS:
            status, answer = 404, {"ok": False, "error": "expired_url"}
        elif hook.uses >= RESPONSE_URL_MAX_USES:
            status, answer = 404, {"ok": False, "error": "used_url"}
        else:
            hook.uses += 1
            self._apply_response(hook, body, source="response_url")
        self._record("response_url", body if isinstance(body, dict) else {}, at, status, answer)
        return web.json_response(answer, status=status)

    def _apply_response(self, hook: _Hook, body: JSON, *, source: str) -> None:
        channel = self._channels[hook.channel]
        original = self._message(channel, hook.message_ts) if hook.message_ts else None
        if _flag(body.get("delete_original")):
            if original is not None:
                self._remove_message(channel, original)
            elif hook.ephemeral is not None and hook.ephemeral in self._ephemerals:
                self._ephemerals.remove(hook.ephemeral)
            return
        if _flag(body.get("replace_original")):
            if original is not None:
                self._edit_message(original, body)
                return
            if hook.ephemeral is not None and hook.ephemeral in self._ephemerals:
                hook.ephemeral["text"] = body.get("text", "")
                hook.ephemeral["blocks"] = body.get("blocks", [])
                return
        if body.get("response_type") == "in_channel":
            message = self._bot_message(body)
            if body.get("thread_ts"):
                message["thread_ts"] = body["thread_ts"]
            self._add_message(channel, message)
            return
        hook.ephemeral = self._add_ephemeral(channel.id, hook.user, body, source)
