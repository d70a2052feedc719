"""What waits for a person, as Slack blocks: the App Home tab and ``/vws status``."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.render import buttons_block, cut, esc, plain_safe, to_dicts
from flows.core.dispatch import ShowHelp
from flows.principles import principle
from flows.signup.status import StatusView
from flows.wording import day


def help_text(help: ShowHelp) -> str:
    """The list of ``/vws`` commands (and, for a word not understood, that it was not)."""
    lines = ["*VWS Bot: the Valued Worker Scheme*"]
    lines += [f"• `/vws {esc(word)}`: {esc(what)}" for word, what in help.commands]
    lines += ["• `/vws help`: this message", "Approvals, agreements and reminders come to you as messages with buttons."]
    text = "\n".join(lines)
    if help.unknown is not None:
        word = esc(help.unknown.replace("`", "'")[:40])
        text = f"I don't know `{word}`. " + text
    return text

NOT_IN_DIRECTORY = (
    "You're not in the VWS directory yet, so there's nothing to show. "
    "Ask your Local Association Secretary to add you."
)


def status_blocks(view: StatusView | None, *, help: ShowHelp | None = None) -> list[dict[str, Any]]:
    blocks: list[Block] = []
    if view is None:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=NOT_IN_DIRECTORY)))
        return to_dicts(blocks)
    blocks.append(HeaderBlock(text=PlainTextObject(text="Waiting for you", emoji=False)))
    if view.waiting:
        for i, (e, buttons) in enumerate(view.waiting[:15]):
            blocks.append(SectionBlock(text=MarkdownTextObject(
                text=f"*{esc(e.name)}* ({esc(e.association)}): {esc(e.stage.label)}")))
            blocks.append(buttons_block(buttons, block_id=f"waiting-{i}"))
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="Nothing is waiting for you.")))
    if view.proposals:
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text=PlainTextObject(text="Your proposals", emoji=False)))
        lines = [f"• *{esc(e.name)}*: {esc(e.stage.label)}" for e in view.proposals[:20]]
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    if view.reviews:
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text=PlainTextObject(text="Next reviews", emoji=False)))
        lines = [f"• *{esc(e.name)}*: {day(e.review_on)}"
                 + (f" ({esc(principle(e.principle).title)})" if e.principle else "") for e in view.reviews if e.review_on]
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    if view.deadlines:
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text=PlainTextObject(text="Workplan deadlines", emoji=False)))
        lines = [f"• *{esc(e.name)}*, action {n}: {esc(detail[:120])} (by {esc(text)})"
                 for e, n, detail, _, text in view.deadlines]
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    for section in view.sections:
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text=PlainTextObject(text=cut(plain_safe(section.heading), 150), emoji=False)))
        if not section.items:
            blocks.append(SectionBlock(text=MarkdownTextObject(text="Nothing is waiting for you here.")))
        for j, item in enumerate(section.items[:15]):
            detail = f": {esc(item.detail)}" if item.detail else ""
            blocks.append(SectionBlock(text=MarkdownTextObject(text=cut(f"*{esc(item.title)}*{detail}", 3000))))
            if item.buttons:
                blocks.append(buttons_block(item.buttons, block_id=f"{section.heading[:40]}-{j}"))
        if section.more or len(section.items) > 15:
            more = section.more + max(0, len(section.items) - 15)
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"…and {more} more.")]))
    if view.more_waiting:
        blocks.insert(1 + 2 * min(len(view.waiting), 15), ContextBlock(elements=[MarkdownTextObject(
            text=f"…and {view.more_waiting} more waiting for you.")]))
    if help is not None:
        blocks.append(DividerBlock())
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=help_text(help))]))
    return to_dicts(blocks[:100])
