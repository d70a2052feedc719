"""What every part of the stand-in shares: its attributes, and the helpers over them.

:class:`_Base` declares, with their types, the attributes :class:`~bot.sandbox.slack.SlackStandIn`
sets in ``__init__``, so each part of the stand-in type-checks on its own. It holds what more
than one part needs: the addresses, recording calls and bumping the revision, storing and
finding messages, people and conversations as Slack shows them, and fresh ids and timestamps.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable

import aiohttp
from aiohttp import web

from bot.sandbox.limits import RateLimit
from bot.sandbox.slack.model import (
    JSON,
    Call,
    Clock,
    Delivery,
    Invitation,
    _Channel,
    _Failure,
    _Hook,
    _Trigger,
    _User,
)


class _Base:
    """The shared state of :class:`~bot.sandbox.slack.SlackStandIn` (set in its ``__init__``)."""

    team_id: str
    team_domain: str
    team_name: str
    bot_user_id: str
    bot_id: str
    bot_name: str
    app_id: str
    verification_token: str
    events_url: str | None
    app: web.Application

    _tokens: set[str]
    _signing_secret: str | None
    _now: Clock
    _signing_now: Clock
    _host: str
    _port: int
    _delivery_timeout: float

    _users: dict[str, _User]
    _channels: dict[str, _Channel]
    _views: dict[str, JSON]
    _view_owner: dict[str, str]
    _stacks: dict[str, list[str]]
    _homes: dict[str, str]
    _triggers: dict[str, _Trigger]
    _hooks: dict[str, _Hook]
    _ephemerals: list[JSON]
    _invitations: list[Invitation]
    _calls: list[Call]
    _failures: dict[str, list[_Failure]]
    _outages: list[tuple[float, int, str | None]]  # (until, HTTP status, method or None for all)
    _lose_answer: dict[str, int]
    _slow: dict[str, list[tuple[str | None, float]]]  # method: (channel or None, seconds) of calls answered late
    _post_limit: RateLimit | None
    _sent_events: dict[tuple[str, str, str, str | None], Delivery]
    _counter: int
    _last_ts_micros: int
    _changed: asyncio.Event
    _revision: int
    _files: dict[str, JSON]  # uploads: id, name, title, size and the bytes
    _stopping: bool

    _methods: dict[str, Callable[[JSON], JSON]]
    _runner: web.AppRunner | None
    _session: aiohttp.ClientSession | None
    _bound_port: int | None

    # ------------------------------------------------------------------ addresses

    @property
    def root_url(self) -> str:
        if self._bound_port is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://{self._host}:{self._bound_port}/"

    @property
    def base_url(self) -> str:
        """The Web API base URL to give slack_sdk: ``http://127.0.0.1:<port>/api/``."""
        return f"{self.root_url}api/"

    # ------------------------------------------------------------------ recording and revision

    def _record(self, method: str, args: JSON, at: float, status: int, response: JSON) -> None:
        self._calls.append(
            Call(
                method=method,
                args=copy.deepcopy(args),
                at=at,
                status=status,
                response=copy.deepcopy(response),
            )
        )
        self._touch()

    def _touch(self) -> None:
        """Something in the workspace may have changed: bump the revision and wake the waiters."""
        self._revision += 1
        self._wake()

    def _wake(self) -> None:
        """Wake everyone waiting for a change; each looks again at what it waits for."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ------------------------------------------------------------------ messages

    def _bot_message(self, args: JSON) -> JSON:
        message: JSON = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": str(args.get("text") or ""),
            "ts": self._new_ts(),
            "team": self.team_id,
        }
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key):
                message[key] = copy.deepcopy(args[key])
        return message

    def _edit_message(self, message: JSON, args: JSON) -> None:
        if "text" in args:
            message["text"] = str(args.get("text") or "")
        for key in ("blocks", "attachments"):
            if key in args:
                message[key] = copy.deepcopy(args[key])
        message["edited"] = {"user": self.bot_user_id, "ts": self._new_ts()}

    def _add_message(self, channel: _Channel, message: JSON) -> None:
        channel.messages.append(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self._message(channel, thread_ts)
            if parent is not None:
                self._refresh_thread(channel, parent)

    def _remove_message(self, channel: _Channel, message: JSON) -> None:
        channel.messages.remove(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self._message(channel, thread_ts)
            if parent is not None:
                self._refresh_thread(channel, parent)

    @staticmethod
    def _refresh_thread(channel: _Channel, parent: JSON) -> None:
        replies = [
            m for m in channel.messages if m.get("thread_ts") == parent["ts"] and m["ts"] != parent["ts"]
        ]
        parent["thread_ts"] = parent["ts"]
        parent["reply_count"] = len(replies)
        users = list(dict.fromkeys(str(m.get("user")) for m in replies))
        parent["reply_users"] = users
        parent["reply_users_count"] = len(users)
        parent["latest_reply"] = replies[-1]["ts"] if replies else parent["ts"]

    @staticmethod
    def _shows_in_channel(message: JSON) -> bool:
        thread_ts = message.get("thread_ts")
        return not thread_ts or thread_ts == message["ts"] or message.get("subtype") == "thread_broadcast"

    @staticmethod
    def _message(channel: _Channel, ts: str) -> JSON | None:
        return next((m for m in channel.messages if m["ts"] == ts), None)

    def _thread_messages(self, channel: _Channel, ts: str) -> list[JSON]:
        found = self._message(channel, ts)
        if found is None:
            return []
        root = str(found.get("thread_ts") or found["ts"])
        return [m for m in channel.messages if m["ts"] == root or m.get("thread_ts") == root]

    def _add_ephemeral(self, channel: str, user: str, args: JSON, source: str) -> JSON:
        ephemeral: JSON = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": str(args.get("text") or ""),
            "blocks": copy.deepcopy(args.get("blocks") or []),
            "ts": self._new_ts(),
            "source": source,
        }
        if args.get("thread_ts"):
            ephemeral["thread_ts"] = args["thread_ts"]
        self._ephemerals.append(ephemeral)
        return ephemeral

    def _outage_status(self, method: str) -> int | None:
        now = self._now()
        self._outages = [o for o in self._outages if o[0] > now]
        return next((status for _, status, m in self._outages if m in (None, method)), None)

    # ------------------------------------------------------------------ channels and users

    def _known_user(self, user: str) -> _User:
        found = self._users.get(user)
        if found is None:
            raise ValueError(f"unknown user {user!r}: add_user() first")
        return found

    def _im_for(self, user: str) -> _Channel:
        channel_id = f"D{user}"
        channel = self._channels.get(channel_id)
        if channel is None:
            channel = _Channel(
                id=channel_id,
                name=user,
                created=self._now(),
                creator=self.bot_user_id,
                is_private=True,
                is_im=True,
                im_user=user,
                members=[user, self.bot_user_id],
            )
            self._channels[channel_id] = channel
        return channel

    def _by_name(self, name: str) -> _Channel | None:
        return next(
            (c for c in self._channels.values() if c.name == name and not (c.is_im or c.is_mpim)), None
        )

    def _lookup(self, channel: str | None) -> _Channel:
        """A channel for the test-side helpers: an id, ``#name``, or a user id for the DM."""
        key = str(channel or "")
        if key in self._channels:
            return self._channels[key]
        if key in self._users:
            return self._im_for(key)
        found = self._by_name(key.lstrip("#"))
        if found is None:
            raise ValueError(f"unknown channel {channel!r}")
        return found

    def _channel_type(self, channel: _Channel) -> str:
        if channel.is_im:
            return "im"
        if channel.is_mpim:
            return "mpim"
        return "group" if channel.is_private else "channel"

    def _user_json(self, user: _User) -> JSON:
        profile: JSON = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "team": user.team,
        }
        if user.email:
            profile["email"] = user.email
        if user.is_bot and user.id == self.bot_user_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": user.id,
            "team_id": user.team,
            "name": user.name,
            "deleted": False,
            "real_name": user.real_name,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "updated": int(user.created),
        }

    def _channel_json(self, channel: _Channel, *, include_num_members: bool = False) -> JSON:
        if channel.is_im:
            body: JSON = {
                "id": channel.id,
                "created": int(channel.created),
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "user": channel.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        else:
            pending = [i for i in self._invitations if i.channel == channel.id and not i.accepted_by]
            body = {
                "id": channel.id,
                "name": channel.name,
                "name_normalized": channel.name,
                "is_channel": not channel.is_private and not channel.is_mpim,
                "is_group": False,
                "is_im": False,
                "is_mpim": channel.is_mpim,
                "is_private": channel.is_private,
                "created": int(channel.created),
                "creator": channel.creator,
                "is_archived": channel.is_archived,
                "is_general": False,
                "unlinked": 0,
                "is_shared": bool(channel.shared_teams),
                "is_ext_shared": bool(channel.shared_teams),
                "is_org_shared": False,
                "is_pending_ext_shared": bool(pending),
                "pending_shared": [],
                "shared_team_ids": [self.team_id, *channel.shared_teams],
                "context_team_id": self.team_id,
                "is_member": self.bot_user_id in channel.members,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
                "previous_names": [],
            }
        if include_num_members:
            body["num_members"] = len(channel.members)
        return body

    # ------------------------------------------------------------------ ids and time

    def _new_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}L{self._counter:07d}"

    def _new_hash(self) -> str:
        self._counter += 1
        return f"{int(self._now())}.{self._counter:08x}"

    def _new_ts(self) -> str:
        """A message timestamp from the clock, strictly increasing so each is unique."""
        micros = max(int(self._now() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
