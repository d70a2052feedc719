"""Modals and App Home: ``views.open``, ``views.push``, ``views.update`` and ``views.publish``.

Views are checked as Slack checks them (type, title, blocks, lengths), a modal needs a fresh
``trigger_id`` (3 seconds, used once), a person's modals stack three deep at most, and
``hash`` guards against overwriting a view changed meanwhile.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from bot.sandbox.slack.model import (
    JSON,
    MAX_VIEW_STACK,
    TRIGGER_TTL_SECONDS,
    _ApiError,
    _flag,
    _text_of,
    _Trigger,
)
from bot.sandbox.slack.workspace import _Workspace


class _Views(_Workspace):
    """The ``views.*`` Web API methods, the checks on a view, triggers and modal stacks."""

    # ------------------------------------------------------------------ triggers

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

    # ------------------------------------------------------------------ views.* methods

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

    def _close_view(self, user: str, view_id: str) -> None:
        stack = self._stacks.get(user, [])
        if view_id in stack:
            del stack[stack.index(view_id) :]
