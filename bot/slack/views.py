"""The modals (forms) people fill in Slack, and reading their answers back.

Each input's ``block_id`` is the engine's field name (``employer_name``, ``reasons``, …), so the
engine's field errors go straight back onto the form with ``response_action: errors``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.render import cut, esc, plain_safe
from flows.actions import EmployerSummary
from flows.principles import PRINCIPLES
from models.schemas import EmployerKind, Origin

PROPOSE = "vws:propose"
REASONS = "vws:reasons"
PLAN = "vws:plan"
REVIEW = "vws:review"
REVOKE = "vws:revoke"


def _pt(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=False)


def _option(value: str, label: str, description: str | None = None) -> Option:
    return Option(value=value, label=cut(plain_safe(label), 75),
                  description=cut(plain_safe(description), 75) if description else None)


def _text_input(block_id: str, label: str, *, multiline: bool = False, initial: str | None = None,
                optional: bool = False, hint: str | None = None, max_length: int | None = None,
                placeholder: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=_pt(label),
        element=PlainTextInputElement(action_id="value", multiline=multiline, initial_value=initial,
                                      max_length=max_length, placeholder=_pt(placeholder) if placeholder else None),
        optional=optional,
        hint=_pt(hint) if hint else None,
    )


def _select(block_id: str, label: str, options: Sequence[Option], *, initial: str | None = None,
            optional: bool = False, hint: str | None = None) -> InputBlock:
    initial_option = next((o for o in options if o.value == initial), None)
    return InputBlock(
        block_id=block_id,
        label=_pt(label),
        element=StaticSelectElement(action_id="value", options=list(options)[:100], initial_option=initial_option,
                                    placeholder=_pt("Choose…")),
        optional=optional,
        hint=_pt(hint) if hint else None,
    )


def _radios(block_id: str, label: str, options: Sequence[Option], *, initial: str | None = None,
            optional: bool = False) -> InputBlock:
    initial_option = next((o for o in options if o.value == initial), None)
    return InputBlock(block_id=block_id, label=_pt(label), optional=optional,
                      element=RadioButtonsElement(action_id="value", options=list(options)[:10], initial_option=initial_option))


def _date(block_id: str, label: str, *, initial: date | None = None, optional: bool = True, hint: str | None = None) -> InputBlock:
    return InputBlock(block_id=block_id, label=_pt(label), optional=optional, hint=_pt(hint) if hint else None,
                      element=DatePickerElement(action_id="value", initial_date=initial.isoformat() if initial else None))


def _modal(callback_id: str, title: str, blocks: list[Any], metadata: dict[str, Any], submit: str = "Submit") -> dict[str, Any]:
    view = View(type="modal", callback_id=callback_id, title=_pt(cut(title, 24)), submit=_pt(submit),
                close=_pt("Cancel"), blocks=blocks, private_metadata=json.dumps(metadata, separators=(",", ":")))
    return view.to_dict()


def _employer_options(employers: Sequence[EmployerSummary]) -> list[Option]:
    return [_option(str(e.id), f"{e.name} ({e.association})", e.stage.label) for e in employers]


# ----------------------------------------------------------------------------- forms


def propose_modal(associations: Sequence[str], mine: Sequence[str], *, initial: dict[str, str] | None = None,
                  employer_id: int | None = None) -> dict[str, Any]:
    """The proposal form; with ``employer_id`` it is the "revise and resubmit" form, filled in.

    The blank form depends only on the associations, so it is built (and checked by slack_sdk,
    which costs milliseconds) once per list and copied after that.
    """
    if initial is None and employer_id is None:
        preset = mine[0] if len(mine) == 1 else None
        return json.loads(_blank_propose_modal(tuple(associations), preset))
    return _propose_modal(associations, mine, initial or {}, employer_id)


@functools.lru_cache(maxsize=64)
def _blank_propose_modal(associations: tuple[str, ...], preset: str | None) -> str:
    return json.dumps(_propose_modal(associations, [preset] if preset else [], {}, None))


def _propose_modal(associations: Sequence[str], mine: Sequence[str], initial: dict[str, str],
                   employer_id: int | None) -> dict[str, Any]:
    kinds = [_option(k.value, k.label.capitalize()) for k in EmployerKind]
    origins = [_option(o.value, o.label.capitalize()) for o in Origin]
    preset = initial.get("association") or (mine[0] if len(mine) == 1 else None)
    blocks: list[Any] = [
        _text_input("employer_name", "Employer", initial=initial.get("employer_name"), max_length=150,
                    placeholder="e.g. Oakfield Primary School"),
        _radios("employer_kind", "Kind of employer", kinds, initial=initial.get("employer_kind")),
        _select("association", "Local association", [_option(a, a) for a in associations], initial=preset),
        _text_input("case_for", "Why this employer?", multiline=True, initial=initial.get("case_for"), max_length=3000,
                    hint="What makes them a good candidate; what the unions hope they will work on."),
        _radios("origin", "Who started it?", origins, initial=initial.get("origin", Origin.REP_IDENTIFIED.value)),
    ]
    if employer_id is not None:
        blocks.insert(0, ContextBlock(elements=[MarkdownTextObject(
            text="Change what the rejection asked for. The Secretary will see what you changed.")]))
        return _modal(PROPOSE, "Revise the proposal", blocks, {"employer": employer_id, "mode": "resubmit"}, "Resubmit")
    return _modal(PROPOSE, "Propose an employer", blocks, {"mode": "propose"}, "Send for approval")


def reasons_modal(action: str, employer_id: int, revision: int | None, employer_name: str, *, title: str,
                  prompt: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=esc(prompt))),
        _text_input("reasons", "Reasons", multiline=True, max_length=3000,
                    hint=f"These go to the people involved in {cut(employer_name, 100)}."),
    ]
    meta = {"action": action, "employer": employer_id, "revision": revision, **(extra or {})}
    return _modal(REASONS, title, blocks, meta)


def plan_modal(employers: Sequence[EmployerSummary], *, employer_id: int | None = None,
               avoid: dict[int, int] | None = None) -> dict[str, Any]:
    principles = [_option(str(p.number), f"{p.number}. {p.short}", f"e.g. {p.example_objectives[0]}") for p in PRINCIPLES]
    blocks: list[Any] = [
        _select("employer", "Employer", _employer_options(employers), initial=str(employer_id) if employer_id else None),
        _radios("principle", "Principle for this cycle", principles),
        _text_input("objectives", "Objectives", multiline=True, max_length=3000),
        _text_input("activities", "Activities", multiline=True, max_length=3000),
        _text_input("success_criteria", "Success criteria", multiline=True, max_length=3000),
        _date("starts_on", "Start date", hint="Leave empty for today."),
        _date("review_on", "Review date", hint="Leave empty for a year after the start."),
        _text_input("workplan", "Workplan", multiline=True, optional=True,
                    hint="One action a line: number | detail | owner | by-date, e.g. 1 | Agree a wellbeing policy "
                         "| Head teacher | End October 2027. A table pasted from Word works too."),
    ]
    if avoid:
        text = "; ".join(f"{e.name}: not principle {avoid[e.id]} again" for e in employers if e.id in avoid)
        if text:
            blocks.insert(1, ContextBlock(elements=[MarkdownTextObject(text=cut(esc("A new cycle needs a different principle. " + text), 3000))]))
    return _modal(PLAN, "Action plan", blocks, {"employer": employer_id})


def not_met_modal(employer_id: int, employer_name: str) -> dict[str, Any]:
    choices = [
        _option("not_met_extend", "Extend the review period"),
        _option("not_met_new_plan", "Agree a new action plan"),
    ]
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*{esc(employer_name)}* has not met its objective. What has been agreed?")),
        _radios("outcome", "What next", choices),
        _text_input("reasons", "Reasons", multiline=True, max_length=3000, hint="Why the objective was not met."),
        _date("review_on", "New review date", hint="Needed when the review period is extended."),
    ]
    return _modal(REVIEW, "Review: not met", blocks, {"employer": employer_id})


def review_modal(employers: Sequence[EmployerSummary], *, employer_id: int | None = None) -> dict[str, Any]:
    choices = [
        _option("objective_met", "Objective met: start a new cycle"),
        _option("not_met_extend", "Not met: extend the review period"),
        _option("not_met_new_plan", "Not met: agree a new action plan"),
    ]
    blocks = [
        _select("employer", "Employer", _employer_options(employers), initial=str(employer_id) if employer_id else None),
        _radios("outcome", "Outcome of the review", choices),
        _text_input("reasons", "Reasons", multiline=True, optional=True, max_length=3000,
                    hint="Needed when the objective was not met."),
        _date("review_on", "New review date", hint="Needed when the review period is extended."),
    ]
    return _modal(REVIEW, "Review", blocks, {"employer": employer_id})


def revoke_modal(employers: Sequence[EmployerSummary], *, employer_id: int | None = None) -> dict[str, Any]:
    blocks = [
        SectionBlock(text=MarkdownTextObject(text="Revocation is for an employer that acts outwith the agreed policy. "
                                                  "It leaves the scheme and the national list.")),
        _select("employer", "Employer", _employer_options(employers), initial=str(employer_id) if employer_id else None),
        _text_input("reasons", "Reasons", multiline=True, max_length=3000),
    ]
    return _modal(REVOKE, "Revoke membership", blocks, {"employer": employer_id}, "Revoke")


# ----------------------------------------------------------------------------- reading answers


def values(view: dict[str, Any]) -> dict[str, Any]:
    """The answers of a submitted view as {block_id: value}; empty answers are None."""
    out: dict[str, Any] = {}
    for block_id, actions in (view.get("state", {}).get("values", {}) or {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind == "plain_text_input":
                v = element.get("value")
            elif kind in ("static_select", "radio_buttons"):
                v = (element.get("selected_option") or {}).get("value")
            elif kind == "datepicker":
                v = element.get("selected_date")
            elif kind == "checkboxes":
                v = [o.get("value") for o in element.get("selected_options") or []]
            else:
                v = element.get("value")
            out[block_id] = v if v not in ("", None) else None
    return out


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
