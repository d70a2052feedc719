"""Adaptive Cards: the one place that turns the flows' notices and the forms into Teams cards.

Every string a person typed goes through :func:`escape` here, once. Buttons are Universal
Actions (``Action.Execute``, verb ``vws``) with an ``Action.Submit`` fallback carrying the same
data, and a card never has more than :data:`MAX_ACTIONS` of them. A card that asks someone to act
carries a ``refresh`` action: when a person opens it, Teams asks the bot for the card as it now
stands for that person (:func:`refreshed_card`), so a stale request shows who decided instead of
live buttons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from flows.journey import Need
from flows.notices import Button, ButtonStyle, Notice, PersonRef, Text
from flows.principles import PRINCIPLES

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # Universal Actions and ``refresh`` need 1.5; older clients use the Submit fallback
MAX_ACTIONS = 6
VERB = "vws"  # every button and form posts this verb; ``data["op"]`` says what to do

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def escape(value: str) -> str:
    """Make user text inert in a TextBlock: no markdown, no links, no mentions, no date functions."""
    return _MARKDOWN.sub(r"\\\1", value).replace("\r", "")


Mentions = Mapping[int, str]  # person id -> Teams user id, for people who can be @mentioned


class _Text:
    """Renders a notice Text, turning people into Teams mentions where we know their Teams id."""

    def __init__(self, mentions: Mentions) -> None:
        self.mentions = mentions
        self.entities: list[dict[str, Any]] = []

    def __call__(self, t: Text | str) -> str:
        if isinstance(t, str):
            return escape(t)
        out = []
        for part in t:
            if isinstance(part, PersonRef):
                out.append(self.person(part))
            else:
                out.append(escape(part))
        return "".join(out)

    def person(self, p: PersonRef) -> str:
        label = p.label or f"person {p.id}"
        teams_id = self.mentions.get(p.id)
        if not teams_id:
            return escape(label)
        shown = f"<at>{escape(label)}</at>"
        entity = {"type": "mention", "text": shown, "mentioned": {"id": teams_id, "name": label}}
        if entity not in self.entities:
            self.entities.append(entity)
        return shown


def card(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = (), **extra: Any) -> dict[str, Any]:
    """An Adaptive Card (version 1.4, so Universal Actions work) with at most six actions."""
    out: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
    }
    if actions:
        out["actions"] = list(actions)[:MAX_ACTIONS]
    out.update(extra)
    return out


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def block(value: str, **style: Any) -> dict[str, Any]:
    """A TextBlock of already-escaped text."""
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def action(
    title: str, data: dict[str, Any], style: ButtonStyle | str = ButtonStyle.DEFAULT
) -> dict[str, Any]:
    """A Universal Action button, falling back to Action.Submit on clients without them."""
    payload = {"verb": VERB, **data}
    out: dict[str, Any] = {
        "type": "Action.Execute",
        "title": title,
        "verb": VERB,
        "data": payload,
        "fallback": {"type": "Action.Submit", "title": title, "data": payload},
    }
    if style == ButtonStyle.PRIMARY:
        out["style"] = "positive"
    elif style == ButtonStyle.DANGER:
        out["style"] = "destructive"
    return out


def button_data(b: Button, key: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"op": "button", "action": b.action, "employer_id": b.employer_id}
    if b.revision is not None:
        data["revision"] = b.revision
    if b.value is not None:
        data["value"] = b.value
    if b.needs:
        data["needs"] = [n.value for n in b.needs]
    if key:
        data["key"] = key
    return data


def notice_card(n: Notice, mentions: Mentions | None = None) -> dict[str, Any]:
    """A notice as a card: headline, body, facts, next step and its buttons."""
    t = _Text(mentions or {})
    body: list[dict[str, Any]] = [block(escape(n.headline), weight="Bolder", size="Medium")]
    body += [block(t(b)) for b in n.body]
    if n.facts:
        body.append(
            {"type": "FactSet", "facts": [{"title": escape(k), "value": escape(v)} for k, v in n.facts]}
        )
    if n.next_step:
        body.append(block("**Next:** " + t(n.next_step), isSubtle=True))
    key = n.key or n.replaces
    actions = [action(b.label, button_data(b, key), b.style) for b in n.buttons]
    extra: dict[str, Any] = {}
    if t.entities:
        extra["msteams"] = {"entities": t.entities}
    if (r := refresh_of(n)) is not None:
        extra["refresh"] = r
    return card(body, actions, **extra)


def refresh_of(n: Notice) -> dict[str, Any] | None:
    """The card's ``refresh``: for a request to act on an employer's case (a keyed notice with
    buttons). No ``userIds``: Teams then refreshes the card for everyone who opens it in a chat
    or channel of up to 60 people; in a bigger one a person can choose "Refresh card"."""
    if not (n.key and n.employer_id and n.buttons):
        return None
    data: dict[str, Any] = {
        "verb": VERB,
        "op": "refresh",
        "employer_id": n.employer_id,
        "title": n.headline[:200],
        "actions": [b.action for b in n.buttons][:MAX_ACTIONS],
    }
    revisions = {b.revision for b in n.buttons if b.revision is not None}
    if len(revisions) == 1:
        data["revision"] = revisions.pop()
    return {"action": {"type": "Action.Execute", "verb": VERB, "data": data}}


def refreshed_card(
    title: str,
    employer: str,
    stage: str,
    facts: Sequence[tuple[str, str]],
    buttons: Sequence[Button],
    refresh: dict[str, Any],
) -> dict[str, Any]:
    """A request card as it stands now for the person looking: the buttons still theirs to press,
    or, when the case has moved on, where it is now (no buttons)."""
    body: list[dict[str, Any]] = [block(escape(title), weight="Bolder", size="Medium")]
    if facts:
        body.append(
            {"type": "FactSet", "facts": [{"title": escape(k), "value": escape(v)} for k, v in facts]}
        )
    if buttons:
        body.append(block(escape(f"{employer} is waiting for you."), isSubtle=True))
    else:
        body.append(
            block(escape(f"Now: {employer}: {stage}. Nothing here is waiting for you."), isSubtle=True)
        )
    actions = [action(b.label, button_data(b), b.style) for b in buttons]
    return card(body, actions, refresh=refresh)


def text_card(message: str, *, title: str | None = None, attention: bool = False) -> dict[str, Any]:
    """A short reply (plain text from the engine, escaped)."""
    body = []
    if title:
        body.append(block(escape(title), weight="Bolder"))
    body.append(block(escape(message), **({"color": "Attention"} if attention else {})))
    return card(body)


def decided_card(previous: Notice | None, message: str) -> dict[str, Any]:
    """What a card turns into after the person's click: what happened, no live buttons."""
    body = [block(escape(message))]
    if previous is not None:
        body.insert(0, block(escape(previous.headline), weight="Bolder"))
    return card(body)


# --------------------------------------------------------------------------- forms


def _errors(errors: Mapping[str, str], name: str) -> list[dict[str, Any]]:
    return (
        [block(escape(errors[name]), color="Attention", size="Small", spacing="None")]
        if name in errors
        else []
    )


def _input_text(
    name: str,
    label: str,
    value: str = "",
    *,
    multiline: bool = False,
    required: bool = True,
    errors: Mapping[str, str] = {},
    placeholder: str = "",
) -> list[dict[str, Any]]:  # noqa: B006
    field = {
        "type": "Input.Text",
        "id": name,
        "label": label,
        "value": value,
        "isMultiline": multiline,
        "isRequired": required,
        "errorMessage": f"{label} is required.",
    }
    if placeholder:
        field["placeholder"] = placeholder
    return [field, *_errors(errors, name)]


def _choice(
    name: str,
    label: str,
    choices: Iterable[tuple[str, str]],
    value: str = "",
    *,
    errors: Mapping[str, str] = {},
    required: bool = True,
) -> list[dict[str, Any]]:  # noqa: B006
    field = {
        "type": "Input.ChoiceSet",
        "id": name,
        "label": label,
        "style": "compact",
        "isRequired": required,
        "errorMessage": f"Choose the {label.lower()}.",
        "choices": [{"title": title, "value": v} for v, title in choices],
    }
    if value:
        field["value"] = value
    return [field, *_errors(errors, name)]


KINDS = (
    ("school", "School"),
    ("multi_academy_trust", "Multi-academy trust"),
    ("local_authority", "Local authority"),
)
ORIGINS = (
    ("rep_identified", "I identified the employer"),
    ("employer_approached", "The employer approached the union"),
)


def proposal_form(
    associations: Sequence[str],
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    employer_id: int | None = None,
    problem: str | None = None,
) -> dict[str, Any]:
    """Propose an employer (or revise a rejected proposal, when ``employer_id`` is given)."""
    v, e = dict(values or {}), dict(errors or {})
    title = (
        "Revise and resubmit the proposal"
        if employer_id
        else "Propose an employer for the Valued Worker Scheme"
    )
    body: list[dict[str, Any]] = [block(escape(title), weight="Bolder", size="Medium")]
    if problem:
        body.append(block(escape(problem), color="Attention"))
    body += _input_text("employer_name", "Employer", str(v.get("employer_name", "")), errors=e)
    body += _choice("employer_kind", "Kind of employer", KINDS, str(v.get("employer_kind", "")), errors=e)
    body += _choice(
        "association",
        "Local association",
        [(a, escape(a)) for a in associations],
        str(v.get("association", associations[0] if len(associations) == 1 else "")),
        errors=e,
    )
    body += _input_text("case_for", "Why this employer", str(v.get("case_for", "")), multiline=True, errors=e)
    body += _choice("origin", "Who started it", ORIGINS, str(v.get("origin", "rep_identified")), errors=e)
    data: dict[str, Any] = {"op": "resubmit" if employer_id else "propose"}
    if employer_id:
        data["employer_id"] = employer_id
    return card(body, [action("Send to the Secretary", data, ButtonStyle.PRIMARY)])


def plan_form(
    employers: Sequence[tuple[int, str]],
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    problem: str | None = None,
) -> dict[str, Any]:
    """Record the action plan the employer agreed."""
    v, e = dict(values or {}), dict(errors or {})
    body: list[dict[str, Any]] = [
        block("Record the action plan the employer agreed", weight="Bolder", size="Medium")
    ]
    if problem:
        body.append(block(escape(problem), color="Attention"))
    body += _choice(
        "employer_id",
        "Employer",
        [(str(i), escape(name)) for i, name in employers],
        str(v.get("employer_id", employers[0][0] if len(employers) == 1 else "")),
        errors=e,
    )
    body += _choice(
        "principle",
        "Principle",
        [(str(p.number), escape(p.title)) for p in PRINCIPLES],
        str(v.get("principle", "")),
        errors=e,
    )
    body += _input_text("objectives", "Objectives", str(v.get("objectives", "")), multiline=True, errors=e)
    body += _input_text("activities", "Activities", str(v.get("activities", "")), multiline=True, errors=e)
    body += _input_text(
        "success_criteria", "Success criteria", str(v.get("success_criteria", "")), multiline=True, errors=e
    )
    body += [
        {
            "type": "Input.Date",
            "id": "review_on",
            "label": "Review date (a year on if blank)",
            "value": str(v.get("review_on", "")),
        },
        *_errors(e, "review_on"),
    ]
    body += _input_text(
        "workplan",
        "Workplan (Action Number | Action Detail | Action Owner | Action By date)",
        str(v.get("workplan", "")),
        multiline=True,
        required=False,
        errors=e,
    )
    return card(body, [action("Record the plan", {"op": "agree_plan"}, ButtonStyle.PRIMARY)])


REVIEW_OUTCOMES = (
    ("objective_met", "Objective met: start the next cycle"),
    ("not_met_extend", "Not met: extend the review period"),
    ("not_met_new_plan", "Not met: agree a new action plan"),
)


def review_form(
    employers: Sequence[tuple[int, str]],
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    not_met: bool = False,
    problem: str | None = None,
) -> dict[str, Any]:
    """Record a review: objective met, or not met (extend, or a new plan), with reasons."""
    v, e = dict(values or {}), dict(errors or {})
    body: list[dict[str, Any]] = [block("Record the review", weight="Bolder", size="Medium")]
    if problem:
        body.append(block(escape(problem), color="Attention"))
    outcomes = [o for o in REVIEW_OUTCOMES if not (not_met and o[0] == "objective_met")]
    body += _choice(
        "employer_id",
        "Employer",
        [(str(i), escape(name)) for i, name in employers],
        str(v.get("employer_id", employers[0][0] if len(employers) == 1 else "")),
        errors=e,
    )
    body += _choice("outcome", "Outcome", outcomes, str(v.get("outcome", outcomes[0][0])), errors=e)
    body += _input_text(
        "reasons",
        "Reasons (when not met)",
        str(v.get("reasons", "")),
        multiline=True,
        required=False,
        errors=e,
    )
    body += [
        {
            "type": "Input.Date",
            "id": "new_review_date",
            "label": "New review date (when extended)",
            "value": str(v.get("new_review_date", "")),
        },
        *_errors(e, "new_review_date"),
    ]
    return card(body, [action("Record the review", {"op": "review"}, ButtonStyle.PRIMARY)])


def reasons_form(
    data: Mapping[str, Any],
    title: str,
    label: str = "Reasons",
    errors: Mapping[str, str] | None = None,
    *,
    heading: str | None = None,
) -> dict[str, Any]:
    """Ask for reasons before a rejection, disagreement or revocation is sent."""
    body: list[dict[str, Any]] = []
    if heading:
        body.append(block(escape(heading), weight="Bolder"))
    body.append(block(escape(f"{title}: give your reasons. They go back to the people concerned.")))
    body += _input_text("reasons", label, multiline=True, errors=errors or {})
    kept = {k: v for k, v in data.items() if k in ("action", "employer_id", "revision", "value", "key")}
    return card(
        body, [action(f"Send: {title}", {"op": "button", **kept, "with_inputs": True}, ButtonStyle.DANGER)]
    )


def status_card(
    waiting: Sequence[tuple[str, str, Sequence[Button]]],
    proposals: Sequence[tuple[str, str]],
    reviews: Sequence[tuple[str, date | None]],
) -> dict[str, Any]:
    """A person's open items. Buttons are offered for the first items only (six a card)."""
    body: list[dict[str, Any]] = [block("Your Valued Worker Scheme items", weight="Bolder", size="Medium")]
    actions: list[dict[str, Any]] = []
    if waiting:
        body.append(block("**Waiting for you**"))
        for name, stage, buttons in waiting:
            body.append(block(f"{escape(name)}: {escape(stage)}"))
            if len(actions) + len(buttons) <= MAX_ACTIONS:
                actions += [action(f"{b.label}: {name}"[:60], button_data(b), b.style) for b in buttons]
    if proposals:
        body.append(block("**Your proposals**"))
        body += [block(f"{escape(name)}: {escape(stage)}") for name, stage in proposals]
    if reviews:
        body.append(block("**Reviews coming up**"))
        body += [block(f"{escape(name)}: {on.strftime('%-d %b %Y') if on else '?'}") for name, on in reviews]
    if len(body) == 1:
        body.append(block("Nothing is waiting for you."))
    return card(body, actions)


HELP = (
    ("propose", "propose an employer for the scheme"),
    ("plan", "record the action plan an employer agreed"),
    ("review", "record a review of an employer's objective"),
    ("status", "what is waiting for you"),
    ("help", "this list"),
)


def help_card() -> dict[str, Any]:
    body = [
        block("VWS Bot", weight="Bolder", size="Medium"),
        block("The Valued Worker Scheme, step by step, for NASUWT, GMB, UNISON and Unite reps."),
        {"type": "FactSet", "facts": [{"title": c, "value": d} for c, d in HELP]},
    ]
    actions = [
        action("Propose an employer", {"op": "command", "command": "propose"}, ButtonStyle.PRIMARY),
        action("My items", {"op": "command", "command": "status"}),
    ]
    return card(body, actions)


def needs_of(data: Mapping[str, Any]) -> set[Need]:
    out: set[Need] = set()
    for n in data.get("needs") or ():
        try:
            out.add(Need(n))
        except ValueError:
            continue
    return out
