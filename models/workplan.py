"""Workplan actions as people write them in union documents.

By-dates come as ISO dates, ``31/10/2027``, ``31 October 2027``, ``End October 2027``,
``October 2027`` or ``End 2027`` (the action plan in the seeds uses the last two forms). Tables
are pasted from Word documents as ``number | detail | owner | by-date`` lines, or with tabs.
Action numbers are checked, never silently renumbered: a duplicate or a gap is an error.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


class WorkplanError(ValueError):
    """Bad workplan input. ``field`` names what was wrong, ``problems`` lists each problem."""

    def __init__(self, problems: list[str], field: str = "workplan") -> None:
        self.problems = problems
        self.field = field
        super().__init__("; ".join(problems))


def _month(word: str) -> int | None:
    return _MONTHS.get(word.lower().rstrip("."))


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_by_date(value: str) -> date:
    """The date an action is due by, from what people write. Raises ValueError naming the value."""
    raw = value
    text = " ".join(value.strip().split())
    text = re.sub(r"(?i)^(by|before)\s+", "", text)
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text):
            return date(int(m[3]), int(m[2]), int(m[1]))  # UK order: day/month/year
        if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+\.?),?\s+(\d{4})", text):
            if (month := _month(m[2])) is not None:
                return date(int(m[3]), month, int(m[1]))
        if m := re.fullmatch(r"(?i)(?:end(?:\s+of)?\s+)?([A-Za-z]+\.?)\s+(\d{4})", text):
            if (month := _month(m[1])) is not None:
                return _last_day(int(m[2]), month)
        if m := re.fullmatch(r"(?i)end(?:\s+of)?\s+(\d{4})", text):
            return date(int(m[1]), 12, 31)
    except ValueError:
        pass  # e.g. 31/02/2027: fall through to the message below
    raise ValueError(
        f"by-date {raw!r} is not a date we can read: write it like 2027-10-31, 31/10/2027, "
        "End October 2027 or End 2027"
    )


@dataclass(frozen=True)
class ActionLine:
    """One workplan action as written: number, detail, owner, by-date."""

    number: int
    detail: str
    owner: str
    by_date: date
    by_date_text: str


def parse_table(text: str) -> list[ActionLine]:
    """Workplan lines pasted as ``number | detail | owner | by-date`` (or tab-separated).

    A header row (``Action Number | Action Detail | ...``) and blank lines are skipped. Every
    problem is reported at once, each naming its line, and the numbering is checked.
    """
    lines: list[ActionLine] = []
    problems: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or set(raw.strip()) <= set("|-+: \t"):
            continue  # blank, or a markdown-style rule
        sep = "|" if "|" in raw else "\t"
        cells = [c.strip() for c in raw.strip().strip("|").split(sep)]
        if sep == "\t":
            cells = [c for c in cells if c]
        if lineno == 1 and cells and not cells[0].isdigit() and "number" in cells[0].lower():
            continue  # header
        if len(cells) != 4:
            problems.append(
                f"line {lineno}: expected 4 parts (number | detail | owner | by-date), found {len(cells)}"
            )
            continue
        number, detail, owner, by = cells
        if not (number.isascii() and number.isdigit() and len(number) <= 6):
            problems.append(f"line {lineno}: action number {number!r} is not a whole number")
            continue
        if not detail:
            problems.append(f"line {lineno}: action {number} has no detail")
        if not owner:
            problems.append(f"line {lineno}: action {number} has no owner")
        try:
            when = parse_by_date(by)
        except ValueError as exc:
            problems.append(f"line {lineno}: {exc}")
            continue
        lines.append(ActionLine(int(number), detail, owner, when, by))
    if problems:
        raise WorkplanError(problems)
    check_numbers([a.number for a in lines])
    return lines


def check_numbers(numbers: list[int]) -> None:
    """Action numbers must run 1, 2, 3... with no duplicate and no gap. Never renumber."""
    problems: list[str] = []
    seen: set[int] = set()
    for n in numbers:
        if n in seen:
            problems.append(f"action number {n} is used more than once")
        seen.add(n)
    if 0 in seen:
        problems.append("action number 0 is not allowed: numbers start at 1")
    if seen - {0}:
        missing = sorted(set(range(1, max(seen) + 1)) - seen)
        if missing:
            problems.append("action number " + ", ".join(map(str, missing)) + " is missing")
    if problems:
        raise WorkplanError(problems)
