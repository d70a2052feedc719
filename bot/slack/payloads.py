"""The shapes of what Slack sends the bot, checked at the edge (pydantic) before anything reads them.

Two levels:

- :func:`envelope_problem` is what ``bot.web`` (and Socket Mode) check before bolt sees a
  request: the parts bolt itself routes on (the kind of request, who sent it, the action, view
  or event being there with the right types). A request that fails is garbage: HTTP 400.
- The models (:class:`SlashCommand`, :class:`BlockActions`, :class:`ViewSubmission`,
  :class:`BlockSuggestion`, :class:`MessageEvent`, :class:`AppHomeOpened`) are what the
  listeners read. A request that fails one was sent by someone the bot can answer: it is told
  plainly (a stale button, a field error), never a 500.

Ids are Slack's: capital letters and ASCII digits, bounded; timestamps ``digits.digits``. Text
is bounded too (a longer one is refused, not cut).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_]{0,39}$")]
Ts = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}\.[0-9]{1,9}$")]
ActionId = Annotated[str, StringConstraints(max_length=255)]
Short = Annotated[str, StringConstraints(max_length=3000)]
Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://")]

#: The longest message text the bot reads (Slack's own limit for a message is 40,000).
MAX_MESSAGE = 40000


class _Shape(BaseModel):
    """Unknown keys are allowed (Slack adds fields); known ones must have the right type."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class User(_Shape):
    id: SlackId


class Channel(_Shape):
    id: SlackId


class Container(_Shape):
    type: str | None = None
    channel_id: SlackId | None = None
    thread_ts: Ts | None = None
    message_ts: Ts | None = None
    view_id: str | None = None


class Message(_Shape):
    ts: Ts | None = None
    thread_ts: Ts | None = None


class ViewRef(_Shape):
    id: str | None = None
    type: str | None = None


class Action(_Shape):
    action_id: ActionId
    type: str | None = None
    value: Annotated[str, StringConstraints(max_length=2000)] | None = None
    block_id: str | None = None


class BlockActions(_Shape):
    type: Literal["block_actions"]
    user: User
    actions: list[Action] = Field(min_length=1, max_length=25)
    trigger_id: Short | None = None
    response_url: Url | None = None
    container: Container | None = None
    channel: Channel | None = None
    message: Message | None = None
    view: ViewRef | None = None


class Selected(_Shape):
    value: Annotated[str, StringConstraints(max_length=2000)]


class InputValue(_Shape):
    type: str
    value: str | None = None
    selected_option: Selected | None = None
    selected_date: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] | None = None
    selected_options: list[Selected] | None = None


class InputBlock(_Shape):
    type: str | None = None
    block_id: str | None = None


class SubmittedView(_Shape):
    callback_id: ActionId
    private_metadata: Short = ""
    state: dict[str, Any] = Field(default_factory=dict)  # read field by field: see answers()
    blocks: list[InputBlock] = Field(default_factory=list)


class ViewSubmission(_Shape):
    type: Literal["view_submission"]
    user: User
    view: SubmittedView


class BlockSuggestion(_Shape):
    type: Literal["block_suggestion"]
    user: User
    action_id: ActionId
    value: Annotated[str, StringConstraints(max_length=2000)] = ""


class SlashCommand(_Shape):
    command: Annotated[str, StringConstraints(max_length=40)]
    user_id: SlackId
    text: Annotated[str, StringConstraints(max_length=MAX_MESSAGE)] = ""
    trigger_id: Short | None = None
    channel_id: SlackId | None = None
    response_url: Url | None = None


class MessageEvent(_Shape):
    type: Literal["message"]
    user: SlackId | None = None
    channel: SlackId | None = None
    channel_type: str | None = None
    text: Annotated[str, StringConstraints(max_length=MAX_MESSAGE)] | None = None
    thread_ts: Ts | None = None
    subtype: str | None = None
    bot_id: str | None = None


class AppHomeOpened(_Shape):
    type: Literal["app_home_opened"]
    user: SlackId
    tab: str | None = None


_M = TypeVar("_M", bound=_Shape)

# --------------------------------------------------------------------------- what bolt routes on

Name = Annotated[str, StringConstraints(max_length=255)]


class _HasId(_Shape):
    id: Name | None = None
    team_id: Name | None = None
    enterprise_id: Name | None = None
    app_installed_team_id: Name | None = None


class _BoltReads(_Shape):
    """Everything bolt's own context extraction reads (``slack_bolt.request.internals``), at the
    top of a request, in its event, message, item and authorizations, with the types it assumes:
    bolt crashes (a 500) on ``"team": true`` or an event whose ``user`` is ``false``."""

    authorizations: list[_BoltReads] | None = None
    is_enterprise_install: bool | Literal["true", "false"] | None = None
    enterprise: _HasId | Name | None = None
    enterprise_id: Name | None = None
    team: _HasId | Name | None = None
    team_id: Name | None = None
    user: _HasId | Name | None = None
    user_id: Name | None = None
    user_team: Name | None = None
    channel: _HasId | Name | None = None
    channel_id: Name | None = None
    thread_ts: Name | None = None
    view: _HasId | None = None
    message: _BoltReads | None = None
    previous_message: _BoltReads | None = None
    item: _BoltReads | None = None
    assistant_thread: _BoltReads | None = None
    event: _BoltReads | None = None
    is_ext_shared_channel: bool | None = None
    response_url: Url | None = None
    response_urls: list[_ResponseUrl] | None = None
    function_execution_id: Name | None = None
    bot_access_token: Name | None = None
    function_data: _FunctionData | None = None
    inputs: dict[str, Any] | None = None


class _ResponseUrl(_Shape):
    response_url: Url


class _FunctionData(_Shape):
    execution_id: Name | None = None
    inputs: dict[str, Any] | None = None


_BoltReads.model_rebuild()


class _Event(_Shape):
    type: Annotated[str, StringConstraints(max_length=100)]


class _EventCallback(_Shape):
    type: Literal["event_callback"]
    event: _Event
    event_id: Annotated[str, StringConstraints(max_length=200)] | None = None


class _Challenge(_Shape):
    type: Literal["url_verification"]
    challenge: Short


class _Who(_Shape):
    type: Literal["block_actions", "view_submission", "view_closed", "block_suggestion", "shortcut",
                  "message_action"]
    user: User


class _RouteAction(_Shape):
    action_id: ActionId


class _ActionsRoute(_Who):
    actions: list[_RouteAction] = Field(min_length=1, max_length=25)


class _RouteView(_Shape):
    callback_id: ActionId
    type: Annotated[str, StringConstraints(max_length=40)]  # bolt reads it (workflow steps)


class _ViewRoute(_Who):
    view: _RouteView


class _SuggestRoute(_Who):
    action_id: ActionId


class _SlashRoute(_Shape):
    command: Annotated[str, StringConstraints(max_length=40)]
    user_id: SlackId


_ROUTES: dict[str, type[_Shape]] = {
    "block_actions": _ActionsRoute, "view_submission": _ViewRoute, "view_closed": _ViewRoute,
    "block_suggestion": _SuggestRoute, "event_callback": _EventCallback, "url_verification": _Challenge,
}


def parse_body(body: bytes, content_type: str) -> dict[str, Any] | None:
    """Slack's request body as a dict, the way bolt reads it; None when it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        if "application/json" in content_type:
            data = json.loads(text)
        else:
            form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
            if "payload" in form:
                data = json.loads(form["payload"][0])
            else:
                data = {k: v[0] for k, v in form.items()}
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def envelope_problem(body: bytes, content_type: str) -> str | None:
    """Why this request is garbage (a short reason, never its content), or None when bolt may
    route it."""
    data = parse_body(body, content_type)
    if data is None:
        return "not a Slack request body"
    kind = data.get("type")
    model = _ROUTES.get(kind) if isinstance(kind, str) else None
    if model is None and "command" in data:
        model = _SlashRoute
    if model is None:
        return "not a kind of request the bot accepts"
    try:
        model.model_validate(data)
        _BoltReads.model_validate(data)
    except ValidationError:
        return f"a malformed {model.__name__.strip('_').lower()}"
    return None


def answers(view: SubmittedView) -> tuple[dict[str, Any], list[str]]:
    """A submitted view's answers as {block_id: value} (None when empty), and the blocks whose
    answer could not be read (they get a field error)."""
    out: dict[str, Any] = {}
    unreadable: list[str] = []
    values = view.state.get("values")
    if not isinstance(values, dict):
        return out, ([b.block_id for b in view.blocks if b.type == "input" and b.block_id][:1] or ["form"])
    for block_id, actions in values.items():
        if not isinstance(block_id, str) or len(block_id) > 255:
            continue
        if not isinstance(actions, dict) or not actions:
            unreadable.append(block_id)
            continue
        for element in actions.values():
            found = read(InputValue, element)
            if found is None:
                unreadable.append(block_id)
                break
            if found.type in ("static_select", "radio_buttons", "external_select"):
                v: Any = found.selected_option.value if found.selected_option else None
            elif found.type == "datepicker":
                v = found.selected_date
            elif found.type == "checkboxes":
                v = [o.value for o in found.selected_options or []]
            else:
                v = found.value
            out[block_id] = v if v not in ("", None) else None
    return out, unreadable


def read(model: type[_M], data: Any) -> _M | None:
    """``data`` as ``model``, or None when it does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError:
        return None
