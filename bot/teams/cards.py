"""Adaptive Cards: the one place that turns the flows' notices and the forms into Teams cards.

Every string a person typed goes through :func:`escape` here, once. Buttons and forms are
``Action.Submit`` (their data carries the verb ``vws``), and a card never has more than
:data:`MAX_ACTIONS` of them. Teams for iOS and Android do not deliver ``Action.Execute`` clicks
(microsoft/AdaptiveCards#9315), and an ``Action.Submit`` fallback never fires there because those
clients claim Universal Actions; reps decide on their phones, so every button is a Submit, which
every Teams client sends as a message activity (handled by the same dispatcher). A card that asks
someone to act carries a ``refresh`` action (a Universal Action, as the schema requires): when a
person opens it on desktop or web, Teams asks the bot for the card as it now stands for that
person (:func:`refreshed_card`), so a stale request shows who decided instead of live buttons.
Cards posted before this change (``Action.Execute`` with a Submit fallback) still work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flows.core.dispatch import ShowHelp
from flows.core.forms import Field, FieldKind, Form
from flows.core.payload import Payload
from flows.core.status import StatusSection
from flows.notices import Button, ButtonStyle, File, FileRef, Notice, PersonRef, Text
from flows.wording import day

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"  # "may the bot put this file in your OneDrive?"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"  # the file, once uploaded
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # ``refresh`` (a Universal Action) needs 1.5
MAX_ACTIONS = 6
MAX_REFRESH_USERS = 60  # Teams refreshes a card automatically for at most 60 listed people
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
    """An Adaptive Card (version 1.5, for ``refresh``) with at most six actions."""
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
    """A button: ``Action.Submit``, which Teams sends from every client, phones included."""
    out: dict[str, Any] = {"type": "Action.Submit", "title": title, "data": {"verb": VERB, **data}}
    if style == ButtonStyle.PRIMARY:
        out["style"] = "positive"
    elif style == ButtonStyle.DANGER:
        out["style"] = "destructive"
    return out


def button_action(b: Button, title: str | None = None, siblings: Sequence[Button] = ()) -> dict[str, Any]:
    """A notice's button as a card action. One that must be confirmed opens, in the card, what
    will happen and who will be told, with the button that does it (Action.ShowCard works on
    every Teams client, phones included). ``siblings`` are the buttons of the card it is on."""
    if b.confirm is None:
        return action(title or b.label, button_data(b, siblings), b.style)
    c = b.confirm
    return {
        "type": "Action.ShowCard",
        "title": title or b.label,
        "card": {
            "type": "AdaptiveCard",
            "body": [block(escape(c.title), weight="Bolder"), block(escape(c.text))],
            "actions": [action(c.yes, button_data(b, siblings), ButtonStyle.DANGER)],
        },
    }


def button_data(b: Button, siblings: Sequence[Button] = ()) -> dict[str, Any]:
    """What a click carries: the shared payload (action, case, its version, a value) and, in
    ``card``, the payloads of the card's buttons: Teams replaces the card with the answer to the
    click, and the answer keeps those of them still the person's to press (:func:`with_buttons`)."""
    out: dict[str, Any] = {"op": "button", "p": Payload.of(b).pack()}
    if siblings:
        out["card"] = carried(siblings)
    return out


def carried(buttons: Sequence[Button]) -> list[str]:
    """A card's buttons as the packed payloads its actions carry (at most :data:`MAX_ACTIONS`)."""
    return list(dict.fromkeys(Payload.of(b).pack() for b in buttons))[:MAX_ACTIONS]


def with_buttons(card_: dict[str, Any], buttons: Sequence[Button]) -> dict[str, Any]:
    """The card with ``buttons`` added after its own (none twice, at most :data:`MAX_ACTIONS`)."""
    actions = list(card_.get("actions", []))
    have = {a.get("data", {}).get("p") for a in actions}
    fresh = [b for b in buttons if Payload.of(b).pack() not in have]
    actions += [button_action(b, siblings=buttons) for b in fresh]
    return {**card_, "actions": actions[:MAX_ACTIONS]} if actions else card_


def file_consent(ref: FileRef, made: File) -> dict[str, Any]:
    """A file consent card's content: what the file is, its size, and (in both contexts, which
    Teams sends back with the answer) which document it is: the maker and its subject."""
    context = {"vws_file": ref.source, "subject": ref.subject}
    return {"description": f"{made.name}: the Word document, to keep or share (its text is in the card above).",
            "sizeInBytes": len(made.content), "acceptContext": context, "declineContext": context}  # fmt: skip


def notice_card(n: Notice, mentions: Mentions | None = None, may_act: Sequence[str] = ()) -> dict[str, Any]:
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
    for f in n.files:  # the text is above; in a 1:1 chat the file itself is offered beside (file consent)
        body.append(block(escape(f"Document: {f.name} (its text is above)"), isSubtle=True, size="Small"))
    actions = [button_action(b, siblings=n.buttons) for b in n.buttons]
    extra: dict[str, Any] = {}
    if t.entities:
        extra["msteams"] = {"entities": t.entities}
    if (r := refresh_of(n, may_act)) is not None:
        extra["refresh"] = r
    return card(body, actions, **extra)


def refresh_of(n: Notice, may_act: Sequence[str] = ()) -> dict[str, Any] | None:
    """The card's ``refresh``: for a request to act on an employer's case (a keyed notice with
    buttons). ``userIds`` lists the Teams ids of the people who may act on it (at most 60, as
    Teams allows), so in a chat or channel of any size their cards refresh as they open them;
    in one of up to 60 people Teams refreshes everyone's, and anyone can choose "Refresh card"."""
    if not (n.key and n.employer_id and n.buttons):
        return None
    revisions = {b.revision for b in n.buttons if b.revision is not None}
    about = Payload("refresh", n.employer_id, revisions.pop() if len(revisions) == 1 else None)
    out = refresh_action(about, n.headline, [b.action for b in n.buttons])
    if may_act:
        out["userIds"] = list(dict.fromkeys(may_act))[:MAX_REFRESH_USERS]
    return out


def refresh_action(about: Payload, title: str, actions: Sequence[str]) -> dict[str, Any]:
    """The ``refresh`` of a request card: which case, its version, and the actions it asked for."""
    data = {"verb": VERB, "op": "refresh", "p": about.pack(), "title": title[:200],
            "actions": list(dict.fromkeys(actions))[:MAX_ACTIONS]}  # fmt: skip
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
    actions = [button_action(b, siblings=buttons) for b in buttons]
    return card(body, actions, refresh=refresh)


def with_warnings(card_: dict[str, Any], lines: Sequence[Text]) -> dict[str, Any]:
    """The card with lines added in the attention colour (e.g. who could not be told)."""
    t = _Text({})
    body = [*card_.get("body", []), *(block(t(line), color="Attention", size="Small") for line in lines)]
    return {**card_, "body": body}


def text_card(message: str, *, title: str | None = None, attention: bool = False) -> dict[str, Any]:
    """A reply (plain text from the engine, escaped), one TextBlock per line: Teams clients do not
    all break a TextBlock's text at a single newline, and markdown would drop a line's indent, so
    the indent is kept as no-break spaces (a report's indicators under their clause)."""
    body = []
    if title:
        body.append(block(escape(title), weight="Bolder"))
    style: dict[str, Any] = {"color": "Attention"} if attention else {}
    lines = message.split("\n") if message else [""]
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip(" "))
        spacing = {"spacing": "None"} if i else {}
        body.append(block("\u00a0" * indent + escape(line[indent:]) or "\u00a0", **style, **spacing))
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


def _input(f: Field, value: str, errors: Mapping[str, str]) -> list[dict[str, Any]]:
    """One form field as an Adaptive Card input (its ``id`` is the field's name)."""
    field: dict[str, Any]
    if f.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        field = {"type": "Input.Text", "id": f.name, "label": f.label, "value": value,
                 "isMultiline": f.kind is FieldKind.LONG_TEXT, "isRequired": f.required,
                 "errorMessage": f"{f.label} is required."}  # fmt: skip
        if f.max_length:
            field["maxLength"] = f.max_length
        if f.placeholder:
            field["placeholder"] = f.placeholder
    elif f.kind is FieldKind.CHECKBOXES:  # the answer comes back as "a,b,c"
        field = {"type": "Input.ChoiceSet", "id": f.name, "label": f.label, "style": "expanded", "isMultiSelect": True,
                 "isRequired": f.required, "errorMessage": f"Choose the {f.label.lower().rstrip('?')}.",
                 "choices": [{"title": escape(o.label), "value": o.value} for o in f.options]}  # fmt: skip
        if value:
            field["value"] = value
    elif f.kind is FieldKind.SEARCH:  # typeahead: Teams asks the bot (application/search) as one types
        field = {"type": "Input.ChoiceSet", "id": f.name, "label": f.label, "style": "filtered",
                 "isRequired": f.required, "errorMessage": f"Choose the {f.label.lower().rstrip('?')}.",
                 "choices": [{"title": escape(o.label), "value": o.value} for o in f.options],
                 "choices.data": {"type": "Data.Query", "dataset": f.source or "", "count": 25}}  # fmt: skip
        if value:
            field["value"] = value
    elif f.kind in (FieldKind.SELECT, FieldKind.RADIO):
        field = {"type": "Input.ChoiceSet", "id": f.name, "label": f.label,
                 "style": "compact" if f.kind is FieldKind.SELECT else "expanded", "isRequired": f.required,
                 "errorMessage": f"Choose the {f.label.lower().rstrip('?')}.",
                 "choices": [{"title": escape(o.label), "value": o.value} for o in f.options]}  # fmt: skip
        if f.kind is FieldKind.MULTI:
            field["isMultiSelect"] = True  # the answer comes back as "a,b,c"
        if value:
            field["value"] = value
    else:
        field = {"type": "Input.Date", "id": f.name, "label": f.label, "value": value, "isRequired": f.required}
    out = [field]
    if f.hint:
        out.append(block(escape(f.hint), isSubtle=True, size="Small", spacing="None"))
    return [*out, *_errors(errors, f.name)]


SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"


def search_results(options: Sequence[Any]) -> dict[str, Any]:
    """The answer to a typeahead's ``application/search`` invoke."""
    return {"statusCode": 200, "type": SEARCH_RESPONSE,
            "value": {"results": [{"title": o.label, "value": o.value} for o in options]}}  # fmt: skip


def form_card(form: Form, carry: Sequence[str] = ()) -> dict[str, Any]:
    """A form as a card: its heading, what went wrong last time, its fields, and a submit action
    carrying the form's payload (``op`` is the form's id) and, in ``card``, the buttons of the
    card the form was opened from (packed payloads), for the answer to keep (:func:`with_buttons`)."""
    body: list[dict[str, Any]] = [block(escape(form.heading), weight="Bolder", size="Medium")]
    if form.problem:
        body.append(block(escape(form.problem), color="Attention"))
    body += [block(escape(n)) for n in form.notes]
    for f in form.fields:
        body += _input(f, str(form.values.get(f.name) or f.initial or ""), form.errors)
    style = ButtonStyle.DANGER if form.danger else ButtonStyle.PRIMARY
    data: dict[str, Any] = {"op": form.id, "p": form.payload.pack()}
    if carry:
        data["card"] = list(carry)[:MAX_ACTIONS]
    return card(body, [action(form.submit, data, style)])


def status_card(
    waiting: Sequence[tuple[str, str, Sequence[Button]]],
    proposals: Sequence[tuple[str, str]],
    reviews: Sequence[tuple[str, date | None]],
    sections: Sequence[StatusSection] = (),
) -> dict[str, Any]:
    """A person's open items. Buttons are offered for the first items only (six a card)."""
    body: list[dict[str, Any]] = [block("Your Valued Worker Scheme items", weight="Bolder", size="Medium")]
    actions: list[dict[str, Any]] = []
    if waiting:
        body.append(block("**Waiting for you**"))
        for name, stage, buttons in waiting:
            body.append(block(f"{escape(name)}: {escape(stage)}"))
            if len(actions) + len(buttons) <= MAX_ACTIONS:
                actions += [button_action(b, f"{b.label}: {name}"[:60], buttons) for b in buttons]
    if proposals:
        body.append(block("**Your proposals**"))
        body += [block(f"{escape(name)}: {escape(stage)}") for name, stage in proposals]
    if reviews:
        body.append(block("**Reviews coming up**"))
        body += [block(f"{escape(name)}: {day(on) if on else '?'}") for name, on in reviews]
    for section in sections:
        body.append(block(f"**{escape(section.heading)}**"))
        for item in section.items[:15]:
            body.append(block(escape(item.title + (f": {item.detail}" if item.detail else ""))))
            if len(actions) + len(item.buttons) <= MAX_ACTIONS:
                actions += [button_action(b, f"{b.label}: {item.title}"[:60], item.buttons) for b in item.buttons]
        if section.more:
            body.append(block(escape(f"…and {section.more} more."), isSubtle=True))
    if len(body) == 1:
        body.append(block("Nothing is waiting for you."))
    return card(body, actions)


def help_card(help: ShowHelp) -> dict[str, Any]:
    facts = [*help.commands, ("help", "this list")]
    body = [
        block("VWS Bot", weight="Bolder", size="Medium"),
        block("The Valued Worker Scheme, step by step, for NASUWT, GMB, UNISON and Unite reps."),
        {"type": "FactSet", "facts": [{"title": c, "value": escape(d)} for c, d in facts]},
    ]
    if help.unknown:
        body.insert(1, block(escape(f"I don't know '{help.unknown[:40]}'. These are the words I know:")))
    actions = [
        action("Propose an employer", {"op": "command", "command": "propose"}, ButtonStyle.PRIMARY),
        action("My items", {"op": "command", "command": "status"}),
    ]
    return card(body, actions)
