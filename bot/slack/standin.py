"""A local stand-in for Slack, for end-to-end tests and the browser sandbox.

It plays both halves of Slack for a bot built on slack-bolt's ``AsyncApp`` in HTTP mode,
on 127.0.0.1, with nothing leaving the machine:

* **Web API.** ``POST /api/<method>`` (GET works too, as slack_sdk uses it for some methods)
  over an in-memory workspace: users, channels, DMs, messages and threads, ephemeral
  messages, modal view stacks and App Home. Answers use Slack's response shapes and error
  names, so ``AsyncWebClient(base_url=standin.base_url)`` works unchanged. Every call is
  recorded in order so tests can assert on what the bot did, and failures (HTTP 429 with
  ``Retry-After``, or ``{"ok": false, "error": ...}``) can be injected.
* **Delivery.** Slash commands, block actions, view submissions and Events API callbacks
  POSTed to the bot's events URL exactly as Slack sends them, signed with the bot's signing
  secret; their ``trigger_id`` and ``response_url`` point back here, and the bot's replies
  (``response_action``, ``response_url`` posts) are applied to the workspace.

The clock (``now``) is injectable, so a sandbox can move time: it drives message
timestamps, trigger expiry (3 seconds) and, unless ``signing_now`` is given, the request
timestamps the bot verifies.

Usage::

    async with SlackStandIn(token="xoxb-test") as slack:
        slack.add_user("U0ALICE", "alice", email="alice@example.org")
        app = AsyncApp(client=AsyncWebClient(token="xoxb-test", base_url=slack.base_url), ...)
        ...  # serve the app, then:
        slack.connect("http://127.0.0.1:3000/slack/events", signing_secret)
        await slack.slash_command("U0ALICE", "propose")
        await slack.wait_for("views.open")

Nothing here logs request bodies or tokens.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

__all__ = ["Call", "Delivery", "Invitation", "SlackStandIn"]

JSON = dict[str, Any]
Clock = Callable[[], float]

TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_TTL_SECONDS = 30 * 60
RESPONSE_URL_MAX_USES = 5
MAX_VIEW_STACK = 3
SLACK_ACK_SECONDS = 3.0

_JSON_ARGS = ("blocks", "attachments", "view", "metadata")
_CHANNEL_NAME = re.compile(r"[a-z0-9_\-]+")
_EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")
_SELECT_TYPES = {"static_select", "external_select", "overflow", "radio_buttons"}


class _ApiError(Exception):
    """A Slack API error answer: ``{"ok": false, "error": ...}`` plus any extra fields."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> JSON:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass(frozen=True)
class Call:
    """One Web API call (or ``response_url`` post) the stand-in received, in arrival order."""

    method: str
    args: JSON
    at: float
    status: int
    response: JSON

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class Delivery:
    """What happened when the stand-in sent one request to the bot."""

    status: int
    body: str
    payload: JSON
    request_body: bytes
    trigger_id: str | None = None
    event_id: str | None = None
    problems: list[str] = field(default_factory=list)

    def json(self) -> Any:
        """The bot's reply body parsed as JSON, or None when empty or not JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class Invitation:
    """A ``conversations.inviteShared`` invitation to another organisation."""

    id: str
    channel: str
    emails: list[str]
    user_ids: list[str]
    external_limited: bool
    at: float
    accepted_by: str | None = None


@dataclass
class _User:
    id: str
    name: str
    email: str | None
    team: str
    real_name: str
    is_bot: bool
    created: float


@dataclass
class _Channel:
    id: str
    name: str
    created: float
    creator: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    messages: list[JSON] = field(default_factory=list)
    shared_teams: list[str] = field(default_factory=list)


@dataclass
class _Trigger:
    id: str
    user: str
    issued_at: float
    used: bool = False


@dataclass
class _Hook:
    """Where a ``response_url`` posts land: the user, the channel and the original message."""

    user: str
    channel: str
    issued_at: float
    message_ts: str | None = None
    ephemeral: JSON | None = None
    uses: int = 0


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def _walk_elements(blocks: Iterable[Any]) -> Iterable[tuple[str | None, JSON]]:
    """(block_id, element) for every interactive element in a list of blocks."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        candidates: list[Any] = []
        if isinstance(block.get("elements"), list):
            candidates.extend(block["elements"])
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                candidates.append(block[key])
        for element in candidates:
            if isinstance(element, dict) and "action_id" in element:
                yield block_id, element


def _paginate(items: list[Any], args: JSON, default_limit: int) -> tuple[list[Any], str]:
    try:
        limit = int(args.get("limit") or default_limit)
        start = int(args["cursor"].removeprefix("next:")) if args.get("cursor") else 0
    except (ValueError, AttributeError) as exc:
        raise _ApiError("invalid_cursor") from exc
    limit = max(1, limit)
    page = items[start : start + limit]
    next_cursor = f"next:{start + limit}" if start + limit < len(items) else ""
    return page, next_cursor


class SlackStandIn:
    """Slack, played locally: a Web API for the bot to call and a signed sender of events.

    ``tokens`` are the bearer tokens the Web API accepts (``token`` is a shorthand for one).
    The bot is the workspace's bot user ``bot_user_id``; ``team_id`` is the home workspace.
    """

    def __init__(
        self,
        *,
        token: str | None = "xoxb-standin",
        tokens: Iterable[str] = (),
        team_id: str = "T0LOCAL",
        team_domain: str = "vws-local",
        team_name: str = "VWS Local",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        bot_name: str = "vws",
        app_id: str = "A0VWS",
        verification_token: str = "standin-verification-token",
        events_url: str | None = None,
        signing_secret: str | None = None,
        now: Clock = time.time,
        signing_now: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        delivery_timeout: float = 10.0,
    ) -> None:
        self._tokens = set(tokens) | ({token} if token else set())
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.verification_token = verification_token
        self.events_url = events_url
        self._signing_secret = signing_secret
        self._now = now
        self._signing_now = signing_now or now
        self._host = host
        self._port = port
        self._delivery_timeout = delivery_timeout

        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._views: dict[str, JSON] = {}
        self._view_owner: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._hooks: dict[str, _Hook] = {}
        self._ephemerals: list[JSON] = []
        self._invitations: list[Invitation] = []
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._sent_events: dict[tuple[str, str, str, str | None], Delivery] = {}
        self._counter = 0
        self._last_ts_micros = 0
        self._changed = asyncio.Event()
        self._revision = 0

        self._methods: dict[str, Callable[[JSON], JSON]] = {
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
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "views.publish": self._views_publish,
        }

        self.app = web.Application()
        self.app.router.add_route("*", "/api/{method}", self._on_api)
        self.app.router.add_post("/response/{token}", self._on_response_url)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._bound_port: int | None = None

        self._users[bot_user_id] = _User(
            id=bot_user_id,
            name=bot_name,
            email=None,
            team=team_id,
            real_name=bot_name,
            is_bot=True,
            created=self._now(),
        )

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> SlackStandIn:
        """Serve on the host and port given (port 0: an ephemeral port)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        address = self._runner.addresses[0]
        self._bound_port = int(address[1])
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._delivery_timeout))
        return self

    async def stop(self) -> None:
        """Stop serving and close the delivery session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackStandIn:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def root_url(self) -> str:
        if self._bound_port is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://{self._host}:{self._bound_port}/"

    @property
    def base_url(self) -> str:
        """The Web API base URL to give slack_sdk: ``http://127.0.0.1:<port>/api/``."""
        return f"{self.root_url}api/"

    def connect(self, events_url: str, signing_secret: str) -> None:
        """Say where the bot listens and which secret signs what is delivered to it."""
        self.events_url = events_url
        self._signing_secret = signing_secret

    # ------------------------------------------------------------------ workspace setup

    def add_user(
        self,
        id: str,
        name: str,
        email: str | None = None,
        team: str | None = None,
        *,
        real_name: str | None = None,
        is_bot: bool = False,
    ) -> str:
        """Add a person; a ``team`` other than the workspace's makes them another organisation's."""
        self._users[id] = _User(
            id=id,
            name=name,
            email=email,
            team=team or self.team_id,
            real_name=real_name or name,
            is_bot=is_bot,
            created=self._now(),
        )
        return id

    def add_channel(
        self,
        name: str,
        *,
        id: str | None = None,
        members: Iterable[str] = (),
        is_private: bool = False,
        bot_is_member: bool = True,
    ) -> str:
        """Add an existing channel (one the bot did not create); returns its id."""
        people = list(members)
        channel = _Channel(
            id=id or self._new_id("C"),
            name=name,
            created=self._now(),
            creator=people[0] if people else self.bot_user_id,
            is_private=is_private,
        )
        channel.members = list(dict.fromkeys([*people, *([self.bot_user_id] if bot_is_member else [])]))
        self._channels[channel.id] = channel
        return channel.id

    def dm_channel(self, user: str) -> str:
        """The id of the bot's DM with a user (stable: ``D`` + user id), creating it if needed."""
        return self._im_for(self._known_user(user).id).id

    def channel_id(self, name: str) -> str:
        """The id of the channel with this name (``#`` optional)."""
        found = self._by_name(name.lstrip("#"))
        if found is None:
            raise ValueError(f"no channel named {name!r}")
        return found.id

    def channel_info(self, channel: str) -> JSON:
        """The channel as ``conversations.info`` would show it."""
        return self._channel_json(self._lookup(channel), include_num_members=True)

    def members(self, channel: str) -> list[str]:
        """Member ids of a channel, in the order they joined."""
        return list(self._lookup(channel).members)

    def invitations(self, channel: str | None = None) -> list[Invitation]:
        """``conversations.inviteShared`` invitations, optionally for one channel."""
        wanted = self._lookup(channel).id if channel else None
        return [copy.deepcopy(i) for i in self._invitations if wanted in (None, i.channel)]

    def accept_invitation(self, invite_id: str, user: str | None = None) -> None:
        """The invited organisation accepts: the channel becomes shared and the person joins.

        ``user`` defaults to the known user with the invited e-mail address or user id.
        """
        invitation = next((i for i in self._invitations if i.id == invite_id), None)
        if invitation is None:
            raise ValueError(f"no invitation {invite_id!r}")
        if user is None:
            emails = {e.lower() for e in invitation.emails}
            match = [u for u in self._users.values() if (u.email or "").lower() in emails]
            match += [self._users[u] for u in invitation.user_ids if u in self._users]
            if not match:
                raise ValueError("add_user() the invited person first, or pass user=")
            user = match[0].id
        person = self._known_user(user)
        channel = self._channels[invitation.channel]
        if person.team != self.team_id and person.team not in channel.shared_teams:
            channel.shared_teams.append(person.team)
        if person.id not in channel.members:
            channel.members.append(person.id)
        invitation.accepted_by = person.id

    def post_as_user(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> JSON:
        """Record a person's message without delivering any event; returns the message."""
        target = self._lookup(channel)
        if user not in target.members:
            raise ValueError(f"{user} is not a member of {target.id}")
        message: JSON = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": self._new_ts(),
            "team": self._known_user(user).team,
        }
        if thread_ts:
            parent = self._message(target, thread_ts)
            message["thread_ts"] = parent.get("thread_ts", parent["ts"]) if parent else thread_ts
        self._add_message(target, message)
        self._touch()
        return copy.deepcopy(message)

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls in arrival order, optionally of one method (``response_url`` included)."""
        return [c for c in self._calls if method is None or c.method == method]

    async def wait_for(self, method: str, count: int = 1, *, within: float = 2.0) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` were recorded (bolt answers before
        the rest of a listener runs); returns them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while len(found := self.calls(method)) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{len(found)} of {count} {method} calls after {within}s")
            event = self._changed
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue
        return found

    def messages_in(self, channel: str, *, include_replies: bool = False) -> list[JSON]:
        """Messages in a channel (id, ``#name``, or a user id for the bot's DM with them), oldest first."""
        target = self._lookup(channel)
        return [copy.deepcopy(m) for m in target.messages if include_replies or self._shows_in_channel(m)]

    def dms_to(self, user: str, *, include_replies: bool = False) -> list[JSON]:
        """What the bot posted in its DM with a user, oldest first."""
        return [
            m
            for m in self.messages_in(user, include_replies=include_replies)
            if m.get("bot_id") == self.bot_id
        ]

    def thread(self, channel: str, ts: str) -> list[JSON]:
        """A thread: its parent first, then the replies, oldest first."""
        target = self._lookup(channel)
        return [copy.deepcopy(m) for m in self._thread_messages(target, ts)]

    def ephemerals(self, user: str, channel: str | None = None) -> list[JSON]:
        """Ephemeral messages a user can still see (``chat.postEphemeral``, ``response_url``, acks)."""
        wanted = self._lookup(channel).id if channel else None
        return [
            copy.deepcopy(e) for e in self._ephemerals if e["user"] == user and wanted in (None, e["channel"])
        ]

    def open_views(self, user: str) -> list[JSON]:
        """The user's open modal stack, bottom first (empty when no modal is open)."""
        return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user, [])]

    def home_view(self, user: str) -> JSON | None:
        """The App Home view published for a user, if any."""
        view_id = self._homes.get(user)
        return copy.deepcopy(self._views[view_id]) if view_id else None

    def view(self, view_id: str) -> JSON | None:
        """A view by id (modal or home, open or closed)."""
        found = self._views.get(view_id)
        return copy.deepcopy(found) if found else None

    # ------------------------------------------------------------------ for the sandbox page

    @property
    def revision(self) -> int:
        """A counter that grows whenever the workspace may have changed (a Web API call, a
        ``response_url`` post, a person's message, a reply applied to a modal)."""
        return self._revision

    async def wait_for_change(self, since: int, *, within: float = 25.0) -> int:
        """Wait until ``revision`` is past ``since`` (or ``within`` seconds pass); returns it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._revision <= since:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                break
        return self._revision

    def mark_changed(self) -> None:
        """Wake :meth:`wait_for_change` waiters for a change made outside the workspace (a
        sandbox moving its clock, say)."""
        self._touch()

    def people(self) -> list[JSON]:
        """Everyone in the workspace (the bot included) as ``users.info`` shows them."""
        return [self._user_json(u) for u in self._users.values()]

    def conversations_for(self, user: str) -> list[JSON]:
        """The conversations a person can see, as ``conversations.info`` shows them, plus their
        ``kind`` (``im``, ``mpim``, ``group`` or ``channel``) and ``members``: the person's DM
        with the bot first, then the others in the order they were made."""
        person = self._known_user(user)
        found = [c for c in self._channels.values() if person.id in c.members and not c.is_archived]
        found.sort(key=lambda c: (not c.is_im, c.created))
        return [
            {**self._channel_json(c), "kind": self._channel_type(c), "members": list(c.members)}
            for c in found
        ]

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

    def export_state(self) -> JSON:
        """The workspace as JSON-ready data (people, conversations and their messages, App Home
        views, ephemerals, invitations), so a sandbox can keep it between runs. Open modals,
        triggers, ``response_url`` hooks and recorded calls are not kept."""
        return {
            "version": 1,
            "counter": self._counter,
            "last_ts_micros": self._last_ts_micros,
            "users": [vars(u).copy() for u in self._users.values()],
            "channels": [copy.deepcopy(vars(c)) for c in self._channels.values()],
            "homes": {uid: copy.deepcopy(self._views[vid]) for uid, vid in self._homes.items()},
            "ephemerals": copy.deepcopy(self._ephemerals),
            "invitations": [vars(i).copy() for i in self._invitations],
        }

    def import_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`export_state` returned (replacing people and conversations
        with the same ids). Raises ValueError for data it does not understand."""
        if not isinstance(state, Mapping) or state.get("version") != 1:
            raise ValueError("not a stand-in state (version 1)")
        try:
            users = [_User(**u) for u in state.get("users", [])]
            channels = [_Channel(**c) for c in state.get("channels", [])]
            invitations = [Invitation(**i) for i in state.get("invitations", [])]
            homes = {str(uid): dict(view) for uid, view in dict(state.get("homes", {})).items()}
            ephemerals = [dict(e) for e in state.get("ephemerals", [])]
            counter = int(state.get("counter", 0))
            last_ts = int(state.get("last_ts_micros", 0))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a stand-in state: {exc}") from exc
        for user in users:
            self._users[user.id] = user
        for channel in channels:
            self._channels[channel.id] = channel
        for uid, view in homes.items():
            self._views[view["id"]] = view
            self._view_owner[view["id"]] = uid
            self._homes[uid] = view["id"]
        self._ephemerals.extend(ephemerals)
        self._invitations.extend(invitations)
        self._counter = max(self._counter, counter)
        self._last_ts_micros = max(self._last_ts_micros, last_ts)
        self._touch()

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, *, error: str | None = None
    ) -> None:
        """Make the next call of ``method`` fail (calls queue up).

        Without ``error`` it answers HTTP ``status`` (429 carries ``Retry-After``) with
        ``{"ok": false, "error": "ratelimited"}``; with ``error`` it answers HTTP 200 with
        ``{"ok": false, "error": error}``, as Slack does for API errors.
        """
        self._failures.setdefault(method, []).append(
            _Failure(status=200 if error else status, retry_after=retry_after, error=error)
        )

    def issue_trigger(self, user: str) -> str:
        """A fresh ``trigger_id`` for a user, as issued with a slash command or block action."""
        self._counter += 1
        trigger = _Trigger(
            id=f"{self._counter}.{int(self._now())}.{secrets.token_hex(8)}",
            user=user,
            issued_at=self._now(),
        )
        self._triggers[trigger.id] = trigger
        return trigger.id

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

    def _close_view(self, user: str, view_id: str) -> None:
        stack = self._stacks.get(user, [])
        if view_id in stack:
            del stack[stack.index(view_id) :]

    # ------------------------------------------------------------------ response_url

    def _new_hook(self, hook: _Hook) -> str:
        token = secrets.token_urlsafe(16)
        self._hooks[token] = hook
        return f"{self.root_url}response/{token}"

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

    # ------------------------------------------------------------------ Web API dispatch

    async def _on_api(self, request: web.Request) -> web.Response:
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
            if failures:
                failure = failures.pop(0)
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
            answer = handler(args)
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
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ------------------------------------------------------------------ Web API methods

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
            "messages": page,
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
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

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

    def _views_open(self, args: JSON) -> JSON:
        spec = self._view_spec(args, "modal")
        trigger = self._use_trigger(args)
        view = self._make_view(spec, trigger.user)
        self._stacks[trigger.user] = [view["id"]]
        return {"ok": True, "view": copy.deepcopy(view)}

    def _views_push(self, args: JSON) -> JSON:
        spec = self._view_spec(args, "modal")
        trigger = self._use_trigger(args)
        stack = self._stacks.get(trigger.user, [])
        if not stack:
            raise _ApiError("not_found")
        if len(stack) >= MAX_VIEW_STACK:
            raise _ApiError("push_limit_reached")
        view = self._make_view(spec, trigger.user, root=stack[0], previous=stack[-1])
        stack.append(view["id"])
        return {"ok": True, "view": copy.deepcopy(view)}

    def _views_update(self, args: JSON) -> JSON:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise _ApiError("invalid_arguments")
        current = (
            self._views.get(str(view_id))
            if view_id
            else next(
                (v for v in self._views.values() if external_id and v.get("external_id") == external_id), None
            )
        )
        if current is None or not self._is_live(current["id"]):
            raise _ApiError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        spec = self._view_spec(args, current["type"])
        return {"ok": True, "view": copy.deepcopy(self._replace_view(current["id"], spec))}

    def _views_publish(self, args: JSON) -> JSON:
        uid = str(args.get("user_id") or "")
        if uid not in self._users:
            raise _ApiError("user_not_found")
        spec = self._view_spec(args, "home")
        existing = self._homes.get(uid)
        if existing is not None:
            if args.get("hash") and args["hash"] != self._views[existing]["hash"]:
                raise _ApiError("hash_conflict")
            return {"ok": True, "view": copy.deepcopy(self._replace_view(existing, spec))}
        view = self._make_view(spec, uid)
        self._homes[uid] = view["id"]
        return {"ok": True, "view": copy.deepcopy(view)}

    # ------------------------------------------------------------------ views

    def _view_spec(self, args: JSON, kind: str) -> JSON:
        spec = args.get("view")
        problems = self._view_problems(spec, kind)
        if problems:
            raise _ApiError("invalid_arguments", response_metadata={"messages": problems})
        assert isinstance(spec, dict)
        return spec

    @staticmethod
    def _view_problems(spec: Any, kind: str) -> list[str]:
        if not isinstance(spec, dict):
            return ["[ERROR] missing required field: view"]
        problems: list[str] = []
        if spec.get("type") != kind:
            problems.append(f"[ERROR] must be '{kind}' [json-pointer:/view/type]")
        blocks = spec.get("blocks")
        if not isinstance(blocks, list):
            problems.append("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
            blocks = []
        elif len(blocks) > 100:
            problems.append("[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]")
        block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
        if len(block_ids) != len(set(block_ids)):
            problems.append("[ERROR] duplicate block_id [json-pointer:/view/blocks]")
        if kind == "modal":
            for key in ("title", "submit", "close"):
                text = _text_of(spec.get(key)) if spec.get(key) is not None else None
                if key == "title" and text is None:
                    problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
                elif text is not None and len(text) > 24:
                    problems.append(
                        f"[ERROR] must be less than 25 characters [json-pointer:/view/{key}/text]"
                    )
            has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
            if has_input and spec.get("submit") is None:
                problems.append(
                    "[ERROR] submit is required when an input block is present [json-pointer:/view/submit]"
                )
        if len(str(spec.get("private_metadata", ""))) > 3000:
            problems.append("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]")
        if len(str(spec.get("callback_id", ""))) > 255:
            problems.append("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
        return problems

    def _use_trigger(self, args: JSON) -> _Trigger:
        trigger_id = str(args.get("trigger_id") or args.get("interactivity_pointer") or "")
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise _ApiError("invalid_trigger_id")
        if self._now() - trigger.issued_at > TRIGGER_TTL_SECONDS:
            raise _ApiError("expired_trigger_id")
        if trigger.used:
            raise _ApiError("exchanged_trigger_id")
        trigger.used = True
        return trigger

    def _make_view(
        self, spec: JSON, user: str, *, root: str | None = None, previous: str | None = None
    ) -> JSON:
        view_id = self._new_id("V")
        view: JSON = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec["type"],
            "blocks": copy.deepcopy(spec.get("blocks", [])),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": copy.deepcopy(spec.get("title")),
            "clear_on_close": _flag(spec.get("clear_on_close", False)),
            "notify_on_close": _flag(spec.get("notify_on_close", False)),
            "close": copy.deepcopy(spec.get("close")),
            "submit": copy.deepcopy(spec.get("submit")),
            "previous_view_id": previous,
            "root_view_id": root or view_id,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = view
        self._view_owner[view_id] = user
        return view

    def _replace_view(self, view_id: str, spec: JSON) -> JSON:
        view = self._views[view_id]
        for key in ("blocks", "title", "close", "submit"):
            view[key] = copy.deepcopy(spec.get(key))
        view["blocks"] = view["blocks"] or []
        for key in ("private_metadata", "callback_id", "external_id"):
            view[key] = spec.get(key, "")
        view["clear_on_close"] = _flag(spec.get("clear_on_close", False))
        view["notify_on_close"] = _flag(spec.get("notify_on_close", False))
        view["hash"] = self._new_hash()
        return view

    def _is_live(self, view_id: str) -> bool:
        user = self._view_owner.get(view_id, "")
        return view_id in self._stacks.get(user, []) or self._homes.get(user) == view_id

    # ------------------------------------------------------------------ messages

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

    def _shares_channel_with(self, user: _User) -> bool:
        return any(user.id in c.members and c.shared_teams for c in self._channels.values())

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
