"""Every word the bot says comes from one catalogue, keyed by message id; a second language is a
second catalogue with the same ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows import wording
from flows.notices import PersonRef, plain
from flows.wording import en

FLOWS = Path(__file__).resolve().parent.parent / "flows"


def test_every_message_the_code_names_is_in_the_english_catalogue() -> None:
    named: set[str] = set()
    for path in FLOWS.rglob("*.py"):
        named |= set(re.findall(r'say(?:_str)?\(\s*"([^"{}]+)"', path.read_text(encoding="utf-8")))
    assert named, "the code names no messages: the pattern above is wrong"
    assert sorted(named - set(en.MESSAGES)) == []


def test_placeholders_keep_people_as_people() -> None:
    text = wording.say("propose.done", employer="Oakfield <Primary>", secretary=PersonRef(7, "Sam"))
    assert PersonRef(7, "Sam") in text
    assert plain(text).startswith("Thanks. Your proposal for Oakfield <Primary> has gone to")


def test_plurals_follow_the_number() -> None:
    assert wording.say_str("remind.days_overdue", n=1) == "1 day overdue"
    assert wording.say_str("remind.days_overdue", n=3) == "3 days overdue"


def test_a_second_language_is_a_second_catalogue() -> None:
    wording.add_catalogue("cy", {"approval.headline": "Angen cymeradwyaeth: {employer}"})
    try:
        wording.use_language("cy")
        assert wording.say_str("approval.headline", employer="Ysgol Gynradd") == "Angen cymeradwyaeth: Ysgol Gynradd"
        # What the Welsh catalogue lacks is said in English.
        assert wording.say_str("nothing_changed") == "Nothing has changed."
    finally:
        wording.use_language("en")
    with pytest.raises(ValueError, match="ids the English one does not"):
        wording.add_catalogue("xx", {"no.such.message": "?"})


def _templates() -> list[tuple[str, str]]:
    out = []
    for msgid, message in en.MESSAGES.items():
        for t in message if isinstance(message, tuple) else (message,):
            out.append((msgid, t))
    return out


def test_no_message_puts_an_apostrophe_s_after_a_name() -> None:
    """"{employer}'s" turns St Mary's into "St Mary's's" and Learning Partners into
    "Learning Partners's": messages say "the action plan for {employer}" instead."""
    assert [msgid for msgid, t in _templates() if re.search(r"\}['\u2019]s\b", t)] == []


def test_dates_are_said_one_way() -> None:
    """People see "1 Dec 2027" everywhere (with the weekday where it helps): never "01 December 2027"."""
    import datetime as dt

    assert [msgid for msgid, t in _templates() if re.search(r"\{\w+:%", t)] == []
    assert wording.say_str("review.due.body", employer="St Mary's", principle="Principle 2",
                           review_on=dt.date(2027, 12, 1)).endswith("due for review on 1 Dec 2027.")  # fmt: skip
    assert wording.day(dt.date(2027, 3, 5)) == "5 Mar 2027"
    assert wording.day(dt.date(2027, 3, 5), weekday=True) == "Friday 5 Mar 2027"


def test_a_count_that_can_be_one_has_a_singular() -> None:
    """"{n} working days" says "1 working days" when n is 1: a message counting with ``n`` is a
    (singular, plural) pair, like "remind.days_overdue"."""
    counted = re.compile(r"\{n\}\s+(?:[a-z-]+\s+){0,2}?([a-z]+s)\b")
    assert [msgid for msgid, message in en.MESSAGES.items()
            if isinstance(message, str) and counted.search(message)] == []  # fmt: skip
    assert wording.say_str("remind.in_days", n=1) == "in 1 day"
    assert "1 working day " in wording.say_str("remind.approval.body", employer="St Mary's", n=1, title="Secretary")


def test_a_median_of_one_day_is_one_day() -> None:
    assert "median 1 day)" in wording.say_str("report.counts.row", theme="Workload", region="Yorkshire", level="local",
                                               n=1, open=1, days=wording.say_str("report.days", n=1, days="1"))  # fmt: skip
