"""By-dates as union documents write them, and workplan tables pasted from Word."""

from __future__ import annotations

from datetime import date

import pytest

from models.workplan import WorkplanError, parse_by_date, parse_table


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("2027-10-31", date(2027, 10, 31)),
        ("31/10/2027", date(2027, 10, 31)),
        ("1/2/2027", date(2027, 2, 1)),  # UK order: 1 February
        ("End October 2027", date(2027, 10, 31)),
        ("end of February 2028", date(2028, 2, 29)),
        ("End November 2008", date(2008, 11, 30)),
        ("End 2027", date(2027, 12, 31)),
        ("October 2027", date(2027, 10, 31)),
        ("31 Oct 2027", date(2027, 10, 31)),
        ("  by 3rd March 2027 ", date(2027, 3, 3)),
    ],
)
def test_by_dates_people_write(written: str, meant: date) -> None:
    assert parse_by_date(written) == meant


@pytest.mark.parametrize("written", ["soon", "next term", "31/02/2027", "End Smarch 2027", "2027", "10/31/2027", ""])
def test_anything_else_is_an_error_naming_the_value(written: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_by_date(written)
    assert repr(written) in str(err.value)


SEED_TABLE = (
    "Action Number\tAction Detail\tAction Owner\tAction By date\n"
    "1\tProduce an updated Model Learning Agreement\tGovernment Skills\tEnd October 2008\n"
    "0\tProduce a sector map showing distribution of Union Learning Reps. within government\tTrade Union side\tEnd November 2008\n"
    "3\tAgreed MLA to circulate to Employers\tGovernment Skills\tEnd November 2008\n"
    "4\tTUS to circulate to its members a general awareness\tTrade Union side\tEnd 2008\n"
)


def test_the_seed_workplan_has_its_numbering_problems_reported_not_renumbered() -> None:
    with pytest.raises(WorkplanError) as err:
        parse_table(SEED_TABLE)
    assert err.value.problems == ["action number 0 is not allowed: numbers start at 1", "action number 2 is missing"]


def test_a_pasted_table_with_pipes_and_a_header() -> None:
    lines = parse_table(SEED_TABLE.replace("\t", " | ").replace("\n0 |", "\n2 |"))
    assert [(a.number, a.owner, a.by_date) for a in lines] == [
        (1, "Government Skills", date(2008, 10, 31)),
        (2, "Trade Union side", date(2008, 11, 30)),
        (3, "Government Skills", date(2008, 11, 30)),
        (4, "Trade Union side", date(2008, 12, 31)),
    ]
    assert lines[3].by_date_text == "End 2008"


def test_every_bad_line_is_reported_at_once() -> None:
    with pytest.raises(WorkplanError) as err:
        parse_table("1 | Do it | Head | soon\nx | Do more | Head | End 2027\n3 | only three | parts\n")
    assert err.value.problems == [
        "line 1: by-date 'soon' is not a date we can read: write it like 2027-10-31, 31/10/2027, End October 2027 or End 2027",
        "line 2: action number 'x' is not a whole number",
        "line 3: expected 4 parts (number | detail | owner | by-date), found 3",
    ]


def test_duplicates_are_reported() -> None:
    with pytest.raises(WorkplanError, match="action number 2 is used more than once"):
        parse_table("1 | a | b | End 2027\n2 | c | d | End 2027\n2 | e | f | End 2027")
