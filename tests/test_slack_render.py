"""Block Kit rendering: escaping once, Slack's limits checked by slack_sdk, over-long text cut
with a visible marker rather than rejected by Slack."""

from __future__ import annotations

import json

import pytest

from bot.slack.render import CUT_MARK, People, cut, esc, notice_blocks, notice_text, split, to_dicts
from flows.core.payload import Payload
from flows.notices import Button, ButtonStyle, Kind, Notice, PersonRef, ToPerson, text

PEOPLE = People({1: "U0REP1", 2: None})


def notice(**kw: object) -> Notice:
    base: dict[str, object] = {"kind": Kind.APPROVAL_REQUEST, "to": ToPerson(PersonRef(1)), "headline": "Approval needed"}
    base.update(kw)
    return Notice(**base)  # type: ignore[arg-type]


def test_escape_and_mentions() -> None:
    assert esc("a & <b> <!channel>") == "a &amp; &lt;b&gt; &lt;!channel&gt;"
    assert PEOPLE.text(text(PersonRef(1, "Rita"), " & ", PersonRef(2, "Una <x>"))) == "<@U0REP1> &amp; Una &lt;x&gt;"


def test_cut_marks_what_it_cut() -> None:
    assert cut("short", 10) == "short"
    long = cut("x" * 200, 150)
    assert len(long) == 150 and long.endswith(CUT_MARK)


def test_split_keeps_every_character_at_line_breaks() -> None:
    paragraphs = "\n".join(f"line {i} " + "y" * 90 for i in range(100))
    pieces = split(paragraphs, 3000)
    assert all(len(p) <= 3000 for p in pieces)
    assert "\n".join(pieces) == paragraphs


def test_long_messages_fit_slacks_limits_and_say_they_were_cut() -> None:
    n = notice(
        headline="Approval needed: " + "Very Long Academy Trust Name " * 10,
        body=(text("w" * 7000),),
        facts=tuple((f"Fact {i}", "v" * 2500) for i in range(60)),
        buttons=(Button("secretary_approve", "Approve", 1, 1, style=ButtonStyle.PRIMARY),
                 Button("secretary_reject", "Reject", 1, 1, style=ButtonStyle.DANGER)),
        next_step=text("Decide"),
    )
    blocks = to_dicts(notice_blocks(n, PEOPLE))  # slack_sdk raises if any limit is broken
    assert len(blocks) == 50
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"].endswith(CUT_MARK)
    assert len(blocks[0]["text"]["text"]) <= 150
    assert "cut: too long for Slack" in json.dumps(blocks[-2])
    assert blocks[-1]["type"] == "actions" and [e["style"] for e in blocks[-1]["elements"]] == ["primary", "danger"]
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(notice_text(n, PEOPLE)) <= 3000


def test_headers_never_carry_a_mention() -> None:
    blocks = to_dicts(notice_blocks(notice(headline="Approval needed: <!channel> <@U0NEM1>"), PEOPLE))
    assert "<" not in blocks[0]["text"]["text"] and ">" not in blocks[0]["text"]["text"]


def test_two_buttons_with_the_same_action_get_distinct_ids() -> None:
    n = notice(buttons=(Button("choose_route", "JCC agenda item", 1, value="jcc"),
                        Button("choose_route", "Joint letter", 1, value="joint_letter")))
    actions = to_dicts(notice_blocks(n, PEOPLE))[-1]["elements"]
    assert [a["action_id"] for a in actions] == ["vws:choose_route", "vws:choose_route:1"]
    assert [Payload.unpack(a["value"]).value for a in actions] == ["jcc", "joint_letter"]


async def test_the_pacer_spaces_messages_in_one_channel_and_holds_up_no_other() -> None:
    from bot.slack.delivery import Pacer

    now = [100.0]
    slept: list[tuple[str, float]] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append((current, seconds))

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=fake_sleep)
    for current in ("C1", "C1", "C2", "C1"):
        await pacer.wait(current)
    assert slept == [("C1", 1.0), ("C1", 2.0)]  # the second and third post in C1 wait; C2 does not
    now[0] = 110.0
    slept.clear()
    current = "C1"
    await pacer.wait("C1")  # quiet for a while: no wait
    assert slept == []


async def test_the_pacer_lets_a_short_burst_go_at_once_then_keeps_the_pace_and_none_after_a_refusal() -> None:
    from bot.slack.delivery import Pacer

    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=fake_sleep, burst=2, patience=10.0)
    for _ in range(4):
        await pacer.wait("C1")
    assert slept == [1.0, 2.0]  # two at once, then one a second
    now[0] = 110.0
    slept.clear()
    pacer.hold("C1", 3.0)  # Slack answered 429 with Retry-After: 3
    await pacer.wait("C1")
    await pacer.wait("C1")
    assert slept == [3.0, 4.0]  # no burst straight after a refusal


async def test_the_pacer_hands_a_post_back_rather_than_hold_a_worker_for_long() -> None:
    """A channel with a queue longer than the pacer's patience: the post goes back to the outbox to
    be tried when the channel is free, without counting as a failed try or taking the slot."""
    from bot.delivery import TryLater
    from bot.slack.delivery import Pacer

    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=fake_sleep, patience=2.0)
    for _ in range(3):
        await pacer.wait("C1")  # waits of 0, 1 and 2 seconds: within its patience
    with pytest.raises(TryLater) as handed_back:
        await pacer.wait("C1")
    assert handed_back.value.after == 3.0 and not handed_back.value.counts
    assert slept == [1.0, 2.0]
    await pacer.wait("C2")  # another channel is not held up
    now[0] = 103.0
    await pacer.wait("C1")  # the slot it did not take is free when it comes back
    assert slept == [1.0, 2.0]


async def test_a_post_handed_back_keeps_its_slot_so_a_long_queue_is_handed_back_once_each() -> None:
    """Thirty reminders to one Secretary's DM at once: each post is handed back at most once, told
    when its own slot comes, and posted then. (Without keeping the slot, every post handed back
    came back at the same moment and all but a few were handed back again, over and over: a
    national morning spent its time claiming and returning the same rows.)"""
    from bot.delivery import TryLater
    from bot.slack.delivery import Pacer

    now = [100.0]

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=fake_sleep, patience=2.0)
    returns: dict[str, float] = {}
    for i in range(30):
        try:
            await pacer.wait("D1", ident=f"vws-{i}")
        except TryLater as back:
            assert back.after is not None and not back.counts
            returns[f"vws-{i}"] = 100.0 + back.after
        now[0] = 100.0  # all at once
    assert len(returns) == 27 and sorted(returns.values()) == [103.0 + k for k in range(27)]
    posted = []
    for ident, at in sorted(returns.items(), key=lambda kv: kv[1]):
        now[0] = at  # the outbox tries each again when it was told
        await pacer.wait("D1", ident=ident)  # never handed back twice
        posted.append(now[0])
    assert posted == sorted(returns.values())
    now[0] = 200.0
    await pacer.wait("D1", ident="vws-new")  # the queue is gone: the next post goes at once
    assert now[0] == 200.0
