"""The stand-in's small pieces: what it records and hands back, what it keeps, and helpers.

Public: :class:`Call` (one Web API call received), :class:`Delivery` (one request sent to the
bot) and :class:`Invitation` (a Slack Connect invitation). The rest is internal to
:mod:`bot.sandbox.slack`: the limits Slack applies, the workspace's records (people,
conversations, triggers, ``response_url`` hooks, injected failures) and small helpers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

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
    channel: str | None = None  # only a call to this channel (None: the next call, wherever)


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
