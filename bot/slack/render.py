"""Block Kit for the flows' notices: the one place that turns a Notice into a Slack message.

Everything a person typed is escaped here, once (``esc``), so ``<!channel>`` or ``<@U…>`` in a
form never pings anyone, and ``*bold*``, ``_italics_``, ``~strike~``, ```code``` or a ``> quote``
shows as typed instead of as formatting. Blocks are built with slack_sdk's models, which check Slack's limits;
text longer than a limit is cut with a visible marker (``cut``) rather than rejected by Slack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from flows.core.payload import Payload
from flows.notices import Button, ButtonStyle, Notice, PersonRef, Text

CUT_MARK = " … (cut: too long for Slack)"
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
FIELD_LIMIT = 2000
MAX_BLOCKS = 50
FALLBACK_LIMIT = 3000


#: Slack's mrkdwn has no escape for its formatting characters (a backslash shows as itself):
#: a zero-width space after each one breaks the pattern (a delimiter must be followed or
#: preceded by a visible character) and changes nothing a person sees.
ZWSP = "\u200b"
_FORMATTING = re.compile(r"([*_~`])")
_QUOTE = re.compile(r"^([ \t]*)&gt;", re.M)


def esc(value: str) -> str:
    """Escape user text for mrkdwn: &, < and > (Slack's three control characters, so no
    mention and no link), and every formatting character (so no bold, italics, strike, code
    or quote): what was typed shows as typed."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _FORMATTING.sub("\\1" + ZWSP, value)
    return _QUOTE.sub("\\1" + ZWSP + "&gt;", value)


def plain_safe(value: str) -> str:
    """User text for plain_text objects (headers, labels), where entities are not decoded.

    Angle brackets become look-alike quotes, so nothing in a header can ever be read as a
    mention or a link, whatever Slack does with plain text.
    """
    return value.replace("<", "\u2039").replace(">", "\u203a")


def cut(value: str, limit: int) -> str:
    """Shorten ``value`` to ``limit`` characters, ending with a visible marker when it was cut."""
    if len(value) <= limit:
        return value
    return value[: max(0, limit - len(CUT_MARK))].rstrip() + CUT_MARK


def split(value: str, limit: int) -> list[str]:
    """Split long text into pieces of at most ``limit`` characters, at line breaks where possible."""
    pieces: list[str] = []
    rest = value
    while len(rest) > limit:
        at = rest.rfind("\n", 0, limit)
        if at < limit // 2:
            at = rest.rfind(" ", 0, limit)
        if at <= 0:
            at = limit
        pieces.append(rest[:at])
        rest = rest[at:].lstrip("\n")
    pieces.append(rest)
    return pieces


@dataclass(frozen=True)
class People:
    """The directory's Slack IDs for the people a message mentions."""

    slack_ids: Mapping[int, str | None]

    def mention(self, ref: PersonRef) -> str:
        sid = self.slack_ids.get(ref.id)
        return f"<@{sid}>" if sid else esc(ref.label or "someone")

    def text(self, t: Text | str) -> str:
        if isinstance(t, str):
            return esc(t)
        return "".join(esc(p) if isinstance(p, str) else self.mention(p) for p in t)

    def plain(self, t: Text | str) -> str:
        """For notification fallbacks and plain-text objects: mentions still work there."""
        return self.text(t)


def button_value(button: Button) -> str:
    """What a click carries: the shared payload (action, case, its version, a value)."""
    return Payload.of(button).pack()


def action_id(button: Button, index: int = 0) -> str:
    """``vws:<action>`` (plus ``:<n>`` when two buttons in one message share an action)."""
    return f"vws:{button.action}" + (f":{index}" if index else "")


def buttons_block(buttons: Iterable[Button], block_id: str | None = None) -> ActionsBlock:
    elements = []
    seen: dict[str, int] = {}
    for b in buttons:
        n = seen.get(b.action, 0)
        seen[b.action] = n + 1
        style = None if b.style is ButtonStyle.DEFAULT else b.style.value
        confirm = None
        if b.confirm is not None:  # Slack asks first, in its own dialog
            confirm = ConfirmObject(
                title=PlainTextObject(text=cut(b.confirm.title, 100), emoji=False),
                text=PlainTextObject(text=cut(b.confirm.text, 300), emoji=False),
                confirm=PlainTextObject(text=cut(b.confirm.yes, 30), emoji=False),
                deny=PlainTextObject(text=cut(b.confirm.no, 30), emoji=False),
                style="danger",  # asked only before something that cannot simply be undone
            )
        elements.append(
            ButtonElement(
                text=PlainTextObject(text=cut(b.label, BUTTON_TEXT_LIMIT), emoji=False),
                action_id=action_id(b, n),
                value=button_value(b),
                style=style,
                confirm=confirm,
            )
        )
    return ActionsBlock(elements=elements[:25], block_id=block_id)


def notice_blocks(notice: Notice, people: People) -> list[Block]:
    headline = cut(plain_safe(notice.headline), HEADER_LIMIT)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=headline, emoji=False))]
    for paragraph in notice.body:
        for piece in split(people.text(paragraph), SECTION_LIMIT):
            blocks.append(SectionBlock(text=MarkdownTextObject(text=piece)))
    for label, value in notice.facts:
        text = f"*{esc(label)}*\n{esc(value)}"
        pieces = split(text, SECTION_LIMIT)
        for piece in pieces:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=piece)))
    if notice.next_step:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=cut("*Next:* " + people.text(notice.next_step), SECTION_LIMIT))]))
    if notice.buttons:
        blocks.append(buttons_block(notice.buttons))
    if len(blocks) > MAX_BLOCKS:
        keep = blocks[: MAX_BLOCKS - 2]
        keep.append(ContextBlock(elements=[MarkdownTextObject(text="_(The rest of this message was cut: too long for Slack.)_")]))
        if notice.buttons:
            keep.append(buttons_block(notice.buttons))
        blocks = keep
    return blocks


def notice_text(notice: Notice, people: People) -> str:
    """The notification fallback: the headline and the first paragraph."""
    first = people.text(notice.body[0]) if notice.body else ""
    return cut(esc(notice.headline) + (f": {first}" if first else ""), FALLBACK_LIMIT)


def to_dicts(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    """Serialise, letting slack_sdk check each block against Slack's limits."""
    return [b.to_dict() for b in blocks]

