"""The Web API: ``/api/<method>``, and the ``auth.``, ``users.``, ``conversations.`` and ``chat.`` methods.

Arguments come as JSON, a form or a query string; the token as a bearer header or a ``token``
argument. Answers use Slack's shapes and error names; an injected failure is answered before the
token is checked, and every call is recorded.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.sandbox.slack.model import (
    _CHANNEL_NAME,
    _EMAIL,
    _JSON_ARGS,
    JSON,
    Invitation,
    _ApiError,
    _Channel,
    _flag,
    _paginate,
    _split,
    _User,
)
from bot.sandbox.slack.views import _Views


class _WebApi(_Views):
    """What the bot calls: the Web API over the in-memory workspace."""

    # ------------------------------------------------------------------ Web API dispatch

    def _web_api_methods(self) -> dict[str, Callable[[JSON], JSON]]:
        """The Web API methods the stand-in answers, by name."""
        return {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.create": self._conversations_create,
            "conversations.invite": self._conversations_invite,
            "conversations.inviteShared": self._conversations_invite_shared,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "views.publish": self._views_publish,
        }

    def _next_failure(self, failures: list[Any] | None, args: JSON) -> Any:
        """The failure queued for this call (the first for its channel, or for any), taken off the queue."""
        for i, failure in enumerate(failures or []):
            if _to(args, failure.channel):
                return failures.pop(i) if failures is not None else None
        return None

    async def _on_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        at = self._now()
        headers: dict[str, str] = {}
        status = 200
        args: JSON = {}
        token: str | None = None
        try:
            args, token = await self._read_args(request)
            handler = self._methods.get(method)
            failures = self._failures.get(method)
            if handler is None:
                raise _ApiError("unknown_method", req_method=method)
            down = self._outage_status(method)
            if down is not None:
                status = down
                raise _ApiError("ratelimited" if down == 429 else "internal_error")
            failure = self._next_failure(failures, args)
            if failure is not None:
                if failure.error is None:
                    status = failure.status
                    if failure.retry_after is not None:
                        headers["Retry-After"] = str(failure.retry_after)
                    raise _ApiError("ratelimited" if status == 429 else "internal_error")
                raise _ApiError(failure.error)
            if not token:
                raise _ApiError("not_authed")
            if token not in self._tokens:
                raise _ApiError("invalid_auth")
            wait = self._throttled(method, args)
            if wait is not None:
                status = 429
                headers["Retry-After"] = str(max(1, math.ceil(wait)))
                raise _ApiError("ratelimited")
            for i, (channel, seconds) in enumerate(self._slow.get(method, [])):
                if _to(args, channel):
                    del self._slow[method][i]
                    await asyncio.sleep(seconds)
                    break
            answer = handler(args)
            if self._lose_answer.get(method, 0) > 0:  # done, but the answer never reaches the bot
                self._lose_answer[method] -= 1
                self._record(method, args, at, status, answer)
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=200)
        except _ApiError as exc:
            answer = exc.body()
        self._record(method, args, at, status, answer)
        return web.json_response(answer, status=status, headers=headers)

    async def _read_args(self, request: web.Request) -> tuple[JSON, str | None]:
        args: JSON = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _ApiError("invalid_json") from exc
                if not isinstance(body, dict):
                    raise _ApiError("invalid_json")
                args.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
            else:
                args.update(dict(parse_qsl(await request.text(), keep_blank_values=True)))
        token: str | None = None
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ").strip()
        body_token = args.pop("token", None)
        token = token or (str(body_token) if body_token else None)
        for key in _JSON_ARGS:
            value = args.get(key)
            if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
                try:
                    args[key] = json.loads(value)
                except ValueError as exc:
                    raise _ApiError(
                        f"invalid_{key}_format" if key == "blocks" else "invalid_arguments"
                    ) from exc
        return args, token

    # ------------------------------------------------------------------ auth. and users.

    def _auth_test(self, args: JSON) -> JSON:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: JSON) -> JSON:
        user = self._users.get(str(args.get("user", "")))
        if user is None:
            raise _ApiError("user_not_found")
        return {"ok": True, "user": self._user_json(user)}

    def _users_lookup_by_email(self, args: JSON) -> JSON:
        email = str(args.get("email") or "").lower()
        if not email:
            raise _ApiError("invalid_arguments")
        for user in self._users.values():
            if (user.email or "").lower() == email and (
                user.team == self.team_id or self._shares_channel_with(user)
            ):
                return {"ok": True, "user": self._user_json(user)}
        raise _ApiError("users_not_found")

    # ------------------------------------------------------------------ conversations.

    def _conversations_open(self, args: JSON) -> JSON:
        if args.get("channel"):
            found = self._channels.get(str(args["channel"]))
            if found is None or not (found.is_im or found.is_mpim):
                raise _ApiError("channel_not_found")
            channel, existed = found, True
        else:
            users = _split(args.get("users"))
            if not users:
                raise _ApiError("users_list_not_supplied")
            for uid in users:
                if uid not in self._users:
                    raise _ApiError("user_not_found")
            if len(users) > 8:
                raise _ApiError("too_many_users")
            if len(users) == 1:
                if users[0] == self.bot_user_id:
                    raise _ApiError("cannot_dm_bot")
                existed = f"D{users[0]}" in self._channels
                channel = self._im_for(users[0])
            else:
                channel, existed = self._mpim_for(users)
        answer: JSON = {"ok": True}
        if existed:
            answer.update({"no_op": True, "already_open": True})
        answer["channel"] = (
            self._channel_json(channel) if _flag(args.get("return_im")) else {"id": channel.id}
        )
        return answer

    def _conversations_create(self, args: JSON) -> JSON:
        name = str(args.get("name") or "")
        if not name:
            raise _ApiError("invalid_name_required")
        if len(name) > 80:
            raise _ApiError("invalid_name_maxlength")
        if not _CHANNEL_NAME.fullmatch(name):
            raise _ApiError("invalid_name_specials")
        if re.fullmatch(r"[_\-]+", name):
            raise _ApiError("invalid_name_punctuation")
        if self._by_name(name) is not None:
            raise _ApiError("name_taken")
        channel = _Channel(
            id=self._new_id("C"),
            name=name,
            created=self._now(),
            creator=self.bot_user_id,
            is_private=_flag(args.get("is_private")),
            members=[self.bot_user_id],
        )
        self._channels[channel.id] = channel
        return {"ok": True, "channel": self._channel_json(channel)}

    def _conversations_invite(self, args: JSON) -> JSON:
        channel = self._visible_channel(args.get("channel"))
        if channel.is_im or channel.is_mpim:
            raise _ApiError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise _ApiError("is_archived")
        if self.bot_user_id not in channel.members:
            raise _ApiError("not_in_channel")
        users = _split(args.get("users"))
        if not users:
            raise _ApiError("no_user")
        errors: list[JSON] = []
        valid: list[str] = []
        for uid in users:
            user = self._users.get(uid)
            if user is None:
                problem = "user_not_found"
            elif uid == self.bot_user_id:
                problem = "cant_invite_self"
            elif uid in channel.members:
                problem = "already_in_channel"
            elif user.team != self.team_id and user.team not in channel.shared_teams:
                problem = "user_team_not_in_channel"
            else:
                valid.append(uid)
                continue
            errors.append({"user": uid, "ok": False, "error": problem})
        if errors and not _flag(args.get("force")):
            raise _ApiError(errors[0]["error"], errors=errors)
        for uid in valid:
            channel.members.append(uid)
        answer: JSON = {"ok": True, "channel": self._channel_json(channel)}
        if errors:
            answer["errors"] = errors
        return answer

    def _conversations_invite_shared(self, args: JSON) -> JSON:
        channel = self._visible_channel(args.get("channel"))
        if channel.is_im or channel.is_mpim:
            raise _ApiError("method_not_supported_for_channel_type")
        if self.bot_user_id not in channel.members:
            raise _ApiError("not_in_channel")
        emails = _split(args.get("emails"))
        user_ids = _split(args.get("user_ids"))
        if len(emails) + len(user_ids) != 1:
            # Slack invites one e-mail address or one user id per call.
            raise _ApiError("invalid_arguments")
        if emails and not _EMAIL.fullmatch(emails[0]):
            raise _ApiError("invalid_email")
        if user_ids and user_ids[0] not in self._users:
            raise _ApiError("user_not_found")
        invitation = Invitation(
            id=self._new_id("I"),
            channel=channel.id,
            emails=emails,
            user_ids=user_ids,
            external_limited=_flag(args.get("external_limited", True)),
            at=self._now(),
        )
        self._invitations.append(invitation)
        return {"ok": True, "invite_id": invitation.id, "is_legacy_shared_channel": False}

    def _conversations_info(self, args: JSON) -> JSON:
        channel = self._visible_channel(args.get("channel"))
        return {
            "ok": True,
            "channel": self._channel_json(
                channel, include_num_members=_flag(args.get("include_num_members"))
            ),
        }

    def _conversations_members(self, args: JSON) -> JSON:
        channel = self._visible_channel(args.get("channel"))
        page, cursor = _paginate(channel.members, args, 100)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _conversations_history(self, args: JSON) -> JSON:
        channel = self._visible_channel(args.get("channel"))
        inclusive = _flag(args.get("inclusive"))
        oldest = self._ts_arg(args, "oldest", 0.0)
        latest = self._ts_arg(args, "latest", float("inf"))

        def in_range(ts: float) -> bool:
            return oldest <= ts <= latest if inclusive else oldest < ts < latest

        messages = [
            m for m in reversed(channel.messages) if self._shows_in_channel(m) and in_range(float(m["ts"]))
        ]
        page, cursor = _paginate(messages, args, 100)
        return {
            "ok": True,
            "messages": _with_metadata(page, args),
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    @staticmethod
    def _ts_arg(args: JSON, key: str, default: float) -> float:
        if not args.get(key):
            return default
        try:
            return float(args[key])
        except ValueError as exc:
            raise _ApiError(f"invalid_ts_{key}") from exc

    def _conversations_replies(self, args: JSON) -> JSON:
        channel = self._visible_channel(args.get("channel"))
        ts = str(args.get("ts") or "")
        if not ts:
            raise _ApiError("invalid_arguments")
        messages = self._thread_messages(channel, ts)
        if not messages:
            raise _ApiError("thread_not_found")
        page, cursor = _paginate(messages, args, 1000)
        page = _with_metadata(page, args)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    # ------------------------------------------------------------------ chat.

    def _chat_post_message(self, args: JSON) -> JSON:
        channel = self._postable_channel(args.get("channel"))
        self._check_content(args)
        message = self._bot_message(args)
        thread_ts = args.get("thread_ts")
        if thread_ts:
            parent = self._message(channel, str(thread_ts))
            message["thread_ts"] = parent.get("thread_ts", parent["ts"]) if parent else str(thread_ts)
            if _flag(args.get("reply_broadcast")):
                message["subtype"] = "thread_broadcast"
        self._add_message(channel, message)
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_update(self, args: JSON) -> JSON:
        channel = self._visible_channel(args.get("channel"))
        message = self._message(channel, str(args.get("ts") or ""))
        if message is None:
            raise _ApiError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise _ApiError("cant_update_message")
        self._check_content(args)
        self._edit_message(message, args)
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message["ts"],
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def _chat_post_ephemeral(self, args: JSON) -> JSON:
        channel = self._postable_channel(args.get("channel"))
        uid = str(args.get("user") or "")
        if uid not in self._users:
            raise _ApiError("user_not_found")
        if uid not in channel.members:
            raise _ApiError("user_not_in_channel")
        self._check_content(args)
        ephemeral = self._add_ephemeral(channel.id, uid, args, "chat.postEphemeral")
        return {"ok": True, "message_ts": ephemeral["ts"]}

    def _chat_delete(self, args: JSON) -> JSON:
        channel = self._visible_channel(args.get("channel"))
        message = self._message(channel, str(args.get("ts") or ""))
        if message is None:
            raise _ApiError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise _ApiError("cant_delete_message")
        self._remove_message(channel, message)
        return {"ok": True, "channel": channel.id, "ts": message["ts"]}

    # ------------------------------------------------------------------ files.

    def _files_get_upload_url(self, args: JSON) -> JSON:
        """Step 1 of an upload: a file id and where to POST the bytes (``/upload/<file id>``)."""
        name = str(args.get("filename") or "")
        if not name or not str(args.get("length") or "").isdigit():
            raise _ApiError("invalid_arguments")
        file_id = self._new_id("F")
        self._files[file_id] = {"id": file_id, "name": name, "title": name, "size": int(args["length"]), "content": None}
        return {"ok": True, "upload_url": f"{self.root_url}upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: JSON) -> JSON:
        """Step 3: share the uploaded files in a channel (and thread) as one message."""
        files = args.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError as exc:
                raise _ApiError("invalid_arguments") from exc
        if not isinstance(files, list) or not files:
            raise _ApiError("invalid_arguments")
        shared = []
        for f in files:
            known = self._files.get(str(f.get("id") if isinstance(f, dict) else ""))
            if known is None or known["content"] is None:
                raise _ApiError("file_not_found")
            known["title"] = str(f.get("title") or known["name"])
            shared.append({k: v for k, v in known.items() if k != "content"})
        if args.get("channel_id"):
            channel = self._postable_channel(args.get("channel_id"))
            message = self._bot_message({"text": str(args.get("initial_comment") or "")})
            message["files"] = copy.deepcopy(shared)
            if args.get("thread_ts"):
                parent = self._message(channel, str(args["thread_ts"]))
                message["thread_ts"] = parent.get("thread_ts", parent["ts"]) if parent else str(args["thread_ts"])
            self._add_message(channel, message)
        return {"ok": True, "files": shared}

    def uploaded(self, file_id: str) -> bytes | None:
        """The bytes of an uploaded file (for tests and the sandbox)."""
        found = self._files.get(file_id)
        return found["content"] if found else None

    def _check_content(self, args: JSON) -> None:
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            raise _ApiError("no_text")
        if len(str(args.get("text") or "")) > 40000:
            raise _ApiError("msg_too_long")
        blocks = args.get("blocks")
        if blocks is not None:
            if not isinstance(blocks, list) or len(blocks) > 50:
                raise _ApiError("invalid_blocks")
            if not all(isinstance(b, dict) and b.get("type") for b in blocks):
                raise _ApiError("invalid_blocks")
            block_ids = [b["block_id"] for b in blocks if b.get("block_id")]
            if len(block_ids) != len(set(block_ids)):
                raise _ApiError(
                    "invalid_blocks", response_metadata={"messages": ["[ERROR] duplicate block_id"]}
                )

    # ------------------------------------------------------------------ channels as the Web API sees them

    def _visible_channel(self, channel: Any) -> _Channel:
        """A channel the bot can see by id, as the Web API resolves it."""
        found = self._channels.get(str(channel or ""))
        if found is None or (found.is_private and self.bot_user_id not in found.members):
            raise _ApiError("channel_not_found")
        return found

    def _postable_channel(self, channel: Any) -> _Channel:
        """Where chat.postMessage/postEphemeral post: an id, a user id (their DM) or a name."""
        key = str(channel or "")
        if key in self._users and key not in self._channels:
            if key == self.bot_user_id:
                raise _ApiError("channel_not_found")
            return self._im_for(key)
        if key not in self._channels:
            by_name = self._by_name(key.lstrip("#"))
            if by_name is None:
                raise _ApiError("channel_not_found")
            key = by_name.id
        found = self._visible_channel(key)
        if found.is_archived:
            raise _ApiError("is_archived")
        if self.bot_user_id not in found.members:
            raise _ApiError("not_in_channel")
        return found

    def _mpim_for(self, users: list[str]) -> tuple[_Channel, bool]:
        everyone = sorted({*users, self.bot_user_id})
        channel_id = "G" + hashlib.sha1(",".join(everyone).encode()).hexdigest()[:10].upper()
        existing = self._channels.get(channel_id)
        if existing is not None:
            return existing, True
        names = "--".join(self._users[u].name for u in everyone)
        channel = _Channel(
            id=channel_id,
            name=f"mpdm-{names}-1",
            created=self._now(),
            creator=self.bot_user_id,
            is_private=True,
            is_mpim=True,
            members=everyone,
        )
        self._channels[channel_id] = channel
        return channel, False

    def _shares_channel_with(self, user: _User) -> bool:
        return any(user.id in c.members and c.shared_teams for c in self._channels.values())


def _with_metadata(messages: list[JSON], args: JSON) -> list[JSON]:
    """Messages as Slack returns them: their metadata only when ``include_all_metadata`` is asked for."""
    if _flag(args.get("include_all_metadata")):
        return messages
    return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]


def _to(args: JSON, channel: str | None) -> bool:
    """Whether a call is to ``channel`` (None: any; a user id means the bot's DM with them)."""
    return channel is None or args.get("channel") in (channel, f"D{channel}")
