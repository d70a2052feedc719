"""Setting up and inspecting the stand-in's workspace, from the test's (or the sandbox's) side.

People, channels and invitations; what was posted where (messages, threads, ephemerals, modals,
App Home); the recorded Web API calls; the revision counter a page long-polls; saving and
restoring the workspace; and failures to inject into the next Web API call.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterable, Mapping
from typing import Any

from bot.sandbox.limits import RateLimit
from bot.sandbox.slack.base import _Base
from bot.sandbox.slack.model import JSON, Call, Invitation, _Channel, _Failure, _User


class _Workspace(_Base):
    """The workspace's public side: set it up, look at it, save and restore it."""

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

    @property
    def stopping(self) -> bool:
        """True from :meth:`release_waiters` (which ``stop()`` calls) until the next ``start()``."""
        return self._stopping

    async def wait_for_change(self, since: int, *, within: float = 25.0) -> int:
        """Wait until ``revision`` is past ``since`` (or ``within`` seconds pass, or the stand-in
        is stopping); returns it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._revision <= since and not self._stopping:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                break
        return self._revision

    def release_waiters(self) -> None:
        """End every pending :meth:`wait_for_change` now (each returns the current revision), and
        answer later ones at once, until the next ``start()``. ``stop()`` does this first; a server
        that long-polls through the stand-in calls it before it stops serving, so its pending
        polls do not hold up its shutdown."""
        self._stopping = True
        self._wake()

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

    def outage(self, seconds: float, *, status: int = 500, method: str | None = None) -> None:
        """Answer every call (of ``method``, or of any method) with HTTP ``status`` for ``seconds``
        from now, as Slack does when it is down."""
        self._outages.append((self._now() + seconds, status, method))

    def limit_posts(self, per_second: float = 1.0, burst: int = 3) -> None:
        """Enforce Slack's limit on ``chat.postMessage``: about ``per_second`` messages a second in
        each channel, with short bursts of ``burst`` allowed (a token bucket per channel, on the
        real clock). Over it, HTTP 429 with ``Retry-After``, as Slack answers."""
        self._post_limit = RateLimit(per_second, burst)

    def _throttled(self, method: str, args: JSON) -> float | None:
        """Seconds to wait before this call would be accepted, or None when it may go now."""
        if method != "chat.postMessage" or self._post_limit is None:
            return None
        return self._post_limit.take(str(args.get("channel") or ""))

    def slow_next(self, method: str, seconds: float, *, channel: str | None = None) -> None:
        """Answer the next call of ``method`` (to ``channel``, if given; a user id means the bot's
        DM with them) only after ``seconds``, as Slack sometimes does; it is done when answered."""
        self._slow.setdefault(method, []).append((channel, seconds))

    def lose_answer(self, method: str, times: int = 1) -> None:
        """Do the next ``times`` calls of ``method``, then drop the connection before answering:
        the bot cannot know the call was done (the case where a blind retry posts twice)."""
        self._lose_answer[method] = self._lose_answer.get(method, 0) + times

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, *, error: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Make the next call of ``method`` fail (calls queue up); with ``channel``, the next call
        of it to that channel (a user id means the bot's DM with them).

        Without ``error`` it answers HTTP ``status`` (429 carries ``Retry-After``) with
        ``{"ok": false, "error": "ratelimited"}``; with ``error`` it answers HTTP 200 with
        ``{"ok": false, "error": error}``, as Slack does for API errors.
        """
        self._failures.setdefault(method, []).append(
            _Failure(status=200 if error else status, retry_after=retry_after, error=error, channel=channel)
        )
