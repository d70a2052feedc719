"""Working-time rules for the reminder clock, checked against real UK dates and clock changes."""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.calendar import (
    DEFAULT_HOURS,
    DueMoment,
    Nation,
    WaitingMoment,
    WorkingHours,
    approval_waiting_moments,
    copies_secretary,
    partner_waiting_moment,
    review_due_moments,
    review_due_window,
    waited_working_days,
    workplan_due_moments,
    workplan_due_window,
)

LONDON = ZoneInfo("Europe/London")
ENG, WLS, SCT, NIR = Nation.ENGLAND, Nation.WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND
HOURS = DEFAULT_HOURS


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def london(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


# --- Nations ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "nation"),
    [
        ("England", ENG),
        ("england", ENG),
        ("  ENGLAND ", ENG),
        ("England and Wales", ENG),
        ("England & Wales", ENG),
        ("Wales", WLS),
        ("cymru", WLS),
        ("Scotland", SCT),
        ("SCT", SCT),
        ("Northern Ireland", NIR),
        ("northern  ireland", NIR),
        ("NI", NIR),
        ("N. Ireland", NIR),
        ("GB-NIR", NIR),
        (Nation.WALES, WLS),
    ],
)
def test_nation_parse_accepts_names_in_any_case_and_aliases(text: str, nation: Nation) -> None:
    assert Nation.parse(text) is nation


def test_nation_parse_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown nation 'Ireland'"):
        Nation.parse("Ireland")


def test_nations_use_the_holidays_package_subdivisions() -> None:
    assert [n.subdivision for n in Nation] == ["ENG", "WLS", "SCT", "NIR"]


# --- Working days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working_in"),
    [
        # Christmas 2027 falls on a weekend: substitute days on Monday 27 and Tuesday 28 everywhere.
        (date(2027, 12, 24), {ENG, WLS, SCT, NIR}),
        (date(2027, 12, 27), set()),
        (date(2027, 12, 28), set()),
        (date(2027, 12, 29), {ENG, WLS, SCT, NIR}),
        # Christmas 2026 is a Friday: Boxing Day (Saturday) is substituted on Monday 28.
        (date(2026, 12, 25), set()),
        (date(2026, 12, 28), set()),
        (date(2026, 12, 29), {ENG, WLS, SCT, NIR}),
        # Scotland's 2 January, and its substitute when 2 January 2027 is a Saturday.
        (date(2026, 1, 2), {ENG, WLS, NIR}),
        (date(2027, 1, 4), {ENG, WLS, NIR}),
        # St Andrew's Day 2025 is a Sunday: Scotland takes Monday 1 December.
        (date(2025, 12, 1), {ENG, WLS, NIR}),
        # Northern Ireland: St Patrick's Day, and 12 July (a Sunday in 2026, so Monday 13).
        (date(2026, 3, 17), {ENG, WLS, SCT}),
        (date(2026, 7, 13), {ENG, WLS, SCT}),
        (date(2027, 7, 12), {ENG, WLS, SCT}),
        # Easter 2026: Good Friday everywhere; Easter Monday everywhere but Scotland.
        (date(2026, 4, 3), set()),
        (date(2026, 4, 6), {SCT}),
        # An ordinary weekend and an ordinary weekday.
        (date(2026, 1, 10), set()),
        (date(2026, 1, 11), set()),
        (date(2026, 1, 12), {ENG, WLS, SCT, NIR}),
    ],
)
def test_working_days_follow_each_nations_bank_holidays(day: date, working_in: set[Nation]) -> None:
    assert {n for n in Nation if HOURS.is_working_day(day, n)} == working_in


def test_next_working_day_skips_a_weekend_and_substitute_days() -> None:
    assert HOURS.next_working_day(date(2027, 12, 24), ENG) == date(2027, 12, 29)
    assert HOURS.next_working_day(date(2026, 12, 31), SCT) == date(2027, 1, 5)
    assert HOURS.next_working_day(date(2026, 12, 31), ENG) == date(2027, 1, 4)


# --- Clock changes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 10, 24), utc(2025, 10, 24, 7)),  # Friday before the October change: BST
        (date(2025, 10, 27), utc(2025, 10, 27, 8)),  # Monday after it: GMT
        (date(2026, 3, 27), utc(2026, 3, 27, 8)),  # Friday before the March change: GMT
        (date(2026, 3, 30), utc(2026, 3, 30, 7)),  # Monday after it: BST
    ],
)
def test_local_morning_is_0800_london_either_side_of_a_clock_change(day: date, expected: datetime) -> None:
    morning = HOURS.local_morning(day)
    assert morning == expected
    assert morning.tzinfo is UTC
    assert morning.astimezone(LONDON).time() == time(8)


def test_a_deferral_across_the_october_change_lands_at_0800_gmt() -> None:
    friday_evening = london(2025, 10, 24, 18, 30)  # 17:30 UTC
    assert HOURS.next_sending_moment(friday_evening, ENG) == utc(2025, 10, 27, 8)


def test_a_deferral_across_the_march_change_lands_at_0800_bst() -> None:
    friday_evening = london(2026, 3, 27, 18, 30)  # 18:30 UTC
    assert HOURS.next_sending_moment(friday_evening, ENG) == utc(2026, 3, 30, 7)


# --- Working hours and deferral -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "working"),
    [
        (london(2026, 1, 9, 17, 59), True),  # Friday, winter
        (london(2026, 1, 9, 18, 0), False),
        (london(2026, 1, 9, 18, 1), False),
        (london(2026, 6, 12, 17, 59), True),  # Friday, summer (16:59 UTC)
        (london(2026, 6, 12, 18, 1), False),
        (utc(2026, 6, 12, 17, 1), False),  # 18:01 BST given in UTC
        (london(2026, 1, 13, 7, 59), False),
        (london(2026, 1, 13, 8, 0), True),
        (london(2026, 1, 10, 12, 0), False),  # Saturday
    ],
)
def test_working_moments_are_0800_to_1800_local_on_working_days(at: datetime, working: bool) -> None:
    assert HOURS.is_working_moment(at, ENG) is working


def test_friday_1759_goes_now_and_1801_waits_for_monday_morning() -> None:
    assert HOURS.next_sending_moment(london(2026, 1, 9, 17, 59), ENG) == utc(2026, 1, 9, 17, 59)
    assert HOURS.next_sending_moment(london(2026, 1, 9, 18, 1), ENG) == utc(2026, 1, 12, 8)
    # In summer the same local times are an hour earlier in UTC.
    assert HOURS.next_sending_moment(london(2026, 6, 12, 17, 59), ENG) == utc(2026, 6, 12, 16, 59)
    assert HOURS.next_sending_moment(london(2026, 6, 12, 18, 1), ENG) == utc(2026, 6, 15, 7)


def test_saturday_defers_to_monday_0800() -> None:
    assert HOURS.next_sending_moment(utc(2026, 1, 10, 10), ENG) == utc(2026, 1, 12, 8)
    assert HOURS.next_sending_moment(utc(2026, 10, 3, 10), ENG) == utc(2026, 10, 5, 7)


def test_bank_holiday_monday_defers_to_tuesday() -> None:
    may_day = london(2026, 5, 4, 10)
    assert HOURS.next_sending_moment(may_day, ENG) == utc(2026, 5, 5, 7)
    # Easter Monday is not a holiday in Scotland: the nudge goes at once there.
    easter_monday = london(2026, 4, 6, 10)
    assert HOURS.next_sending_moment(easter_monday, ENG) == utc(2026, 4, 7, 7)
    assert HOURS.next_sending_moment(easter_monday, SCT) == utc(2026, 4, 6, 9)


def test_before_hours_on_a_working_day_defers_to_that_morning() -> None:
    assert HOURS.next_sending_moment(utc(2026, 1, 13, 6, 30), ENG) == utc(2026, 1, 13, 8)
    assert HOURS.next_sending_moment(london(2026, 7, 14, 0, 5), ENG) == utc(2026, 7, 14, 7)


def test_christmas_2027_defers_from_christmas_eve_evening_to_wednesday() -> None:
    result = HOURS.next_sending_moment(london(2027, 12, 24, 18, 1), NIR)
    assert result == utc(2027, 12, 29, 8)
    assert result.tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        HOURS.next_sending_moment(datetime(2026, 1, 9, 12), ENG)
    with pytest.raises(ValueError, match="timezone-aware"):
        review_due_window(date(2026, 1, 1), datetime(2026, 1, 9, 12), ENG)


def test_working_hours_can_be_configured() -> None:
    hours = WorkingHours(tz=ZoneInfo("Europe/London"), start=time(9), end=time(17))
    assert hours.local_morning(date(2026, 7, 1)) == utc(2026, 7, 1, 8)
    assert hours.next_sending_moment(london(2026, 7, 3, 17, 0), ENG) == utc(2026, 7, 6, 8)
    with pytest.raises(ValueError, match="start before they end"):
        WorkingHours(start=time(18), end=time(8))


# --- Adding working days ------------------------------------------------------------------------


def test_add_working_days_across_a_weekend_and_a_bank_holiday() -> None:
    # Friday 1 May 2026, 14:00 BST; Monday 4 May is the May Day bank holiday.
    assert HOURS.add_working_days(london(2026, 5, 1, 14), 2, ENG) == utc(2026, 5, 6, 13)


def test_add_working_days_over_easter_differs_between_england_and_scotland() -> None:
    maundy_thursday = london(2026, 4, 2, 10)  # 09:00 UTC
    assert HOURS.add_working_days(maundy_thursday, 2, ENG) == utc(2026, 4, 8, 9)
    assert HOURS.add_working_days(maundy_thursday, 2, SCT) == utc(2026, 4, 7, 9)


def test_add_working_days_over_christmas() -> None:
    assert HOURS.add_working_days(london(2026, 12, 24, 10), 2, WLS) == utc(2026, 12, 30, 10)


def test_add_working_days_keeps_local_time_across_the_october_change() -> None:
    friday = london(2025, 10, 24, 10)  # 09:00 UTC
    assert HOURS.add_working_days(friday, 2, ENG) == utc(2025, 10, 28, 10)  # 10:00 GMT


def test_add_working_days_zero_and_negative() -> None:
    assert HOURS.add_working_days(london(2026, 1, 10, 12), 0, ENG) == utc(2026, 1, 10, 12)
    with pytest.raises(ValueError, match="negative"):
        HOURS.add_working_days(utc(2026, 1, 9, 12), -1, ENG)


# --- Reviews ------------------------------------------------------------------------------------


def test_review_moments_30_and_7_days_before_on_the_day_then_weekly() -> None:
    # Review date Monday 2 November 2026. 30 days before is Saturday 3 October (BST): deferred to
    # Monday 5 October 08:00 BST. The clocks go back on Sunday 25 October, so the rest are 08:00 GMT.
    moments = review_due_moments(date(2026, 11, 2), utc(2026, 11, 20), ENG)
    assert moments == [
        DueMoment("30 days before", utc(2026, 10, 5, 7), 0),
        DueMoment("7 days before", utc(2026, 10, 26, 8), 0),
        DueMoment("on the day", utc(2026, 11, 2, 8), 0),
        DueMoment("1 week overdue", utc(2026, 11, 9, 8), 1),
        DueMoment("2 weeks overdue", utc(2026, 11, 16, 8), 2),
    ]


def test_review_moments_until_is_inclusive() -> None:
    assert review_due_moments(date(2026, 11, 2), utc(2026, 11, 16, 8), ENG)[-1].label == "2 weeks overdue"
    assert review_due_moments(date(2026, 11, 2), utc(2026, 11, 16, 7, 59), ENG)[-1].label == "1 week overdue"
    assert review_due_moments(date(2026, 11, 2), utc(2026, 10, 5, 6, 59), ENG) == []


def test_review_window_before_anything_is_due() -> None:
    window = review_due_window(date(2026, 11, 2), utc(2026, 9, 1, 12), ENG)
    assert window.latest is None
    assert window.upcoming == DueMoment("30 days before", utc(2026, 10, 5, 7), 0)


def test_review_window_on_the_day_before_0800_is_still_the_7_day_nudge() -> None:
    window = review_due_window(date(2026, 11, 2), utc(2026, 11, 2, 7, 59), ENG)
    assert window.latest == DueMoment("7 days before", utc(2026, 10, 26, 8), 0)
    assert window.upcoming == DueMoment("on the day", utc(2026, 11, 2, 8), 0)


def test_review_three_years_overdue_finds_the_latest_weekly_moment_without_walking_the_weeks() -> None:
    calls: list[date] = []

    class CountingHours(WorkingHours):
        def is_working_day(self, d: date, nation: Nation) -> bool:
            calls.append(d)
            return super().is_working_day(d, nation)

    review_date = date(2023, 1, 10)  # a Tuesday
    now = utc(2026, 1, 15, 12)  # 1,101 days later
    window = review_due_window(review_date, now, ENG, CountingHours())

    assert window.latest == DueMoment("157 weeks overdue", utc(2026, 1, 13, 8), 157)
    assert window.upcoming == DueMoment("158 weeks overdue", utc(2026, 1, 20, 8), 158)
    assert len(calls) <= 4, f"looked at {len(calls)} days for one window"
    # The full list agrees, and is much longer than the work the window did.
    moments = review_due_moments(review_date, now, ENG)
    assert len(moments) == 3 + 157
    assert moments[-1] == window.latest


def test_review_overdue_on_a_bank_holiday_monday_is_deferred_and_the_window_knows() -> None:
    review_date = date(2023, 5, 8)  # a Monday; 156 weeks later is the May Day bank holiday 2026
    on_the_holiday = review_due_window(review_date, utc(2026, 5, 4, 12), ENG)
    assert on_the_holiday.latest == DueMoment("155 weeks overdue", utc(2026, 4, 27, 7), 155)
    assert on_the_holiday.upcoming == DueMoment("156 weeks overdue", utc(2026, 5, 5, 7), 156)

    tuesday_morning = review_due_window(review_date, utc(2026, 5, 5, 7), ENG)
    assert tuesday_morning.latest == DueMoment("156 weeks overdue", utc(2026, 5, 5, 7), 156)
    assert tuesday_morning.upcoming == DueMoment("157 weeks overdue", utc(2026, 5, 11, 7), 157)


@pytest.mark.parametrize("nation", list(Nation))
@pytest.mark.parametrize(
    "due", [date(2027, 11, 24), date(2027, 12, 20), date(2027, 12, 28), date(2026, 3, 17)]
)
def test_windows_agree_with_the_full_lists_at_every_hour(nation: Nation, due: date) -> None:
    # Sweep hour by hour through Christmas, New Year, St Patrick's Day and a clock change.
    start = datetime.combine(due - timedelta(days=35), time(0), tzinfo=UTC)
    end = start + timedelta(days=120)
    for moments_of, window_of in (
        (review_due_moments, review_due_window),
        (workplan_due_moments, workplan_due_window),
    ):
        moments = moments_of(due, end + timedelta(days=30), nation)
        times = [m.at for m in moments]
        assert times == sorted(times)
        now = start
        while now < end:
            window = window_of(due, now, nation)
            i = bisect.bisect_right(times, now)
            assert window.latest == (moments[i - 1] if i else None), now
            assert window.upcoming == moments[i], now
            assert window.upcoming.at > now
            now += timedelta(hours=1)


# --- Workplan actions ---------------------------------------------------------------------------


def test_workplan_moments_and_overdue_ordinals_differ_on_the_twelfth_of_july() -> None:
    # By-date Monday 6 July 2026. The first overdue nudge falls on Monday 13 July: Northern
    # Ireland's substitute day for the 12th (a Sunday), so there it goes on the Tuesday.
    until = utc(2026, 7, 31)
    expected_england = [
        DueMoment("7 days before", utc(2026, 6, 29, 7), 0),
        DueMoment("on the day", utc(2026, 7, 6, 7), 0),
        DueMoment("1 week overdue", utc(2026, 7, 13, 7), 1),
        DueMoment("2 weeks overdue", utc(2026, 7, 20, 7), 2),
        DueMoment("3 weeks overdue", utc(2026, 7, 27, 7), 3),
    ]
    assert workplan_due_moments(date(2026, 7, 6), until, ENG) == expected_england
    northern_ireland = workplan_due_moments(date(2026, 7, 6), until, NIR)
    assert northern_ireland[2] == DueMoment("1 week overdue", utc(2026, 7, 14, 7), 1)
    assert northern_ireland[:2] + northern_ireland[3:] == expected_england[:2] + expected_england[3:]


def test_the_secretary_is_copied_from_the_third_overdue_nudge() -> None:
    moments = workplan_due_moments(date(2026, 7, 6), utc(2026, 8, 10, 12), ENG)
    assert [(m.label, copies_secretary(m)) for m in moments] == [
        ("7 days before", False),
        ("on the day", False),
        ("1 week overdue", False),
        ("2 weeks overdue", False),
        ("3 weeks overdue", True),
        ("4 weeks overdue", True),
        ("5 weeks overdue", True),
    ]


def test_workplan_window_a_year_overdue() -> None:
    window = workplan_due_window(date(2025, 6, 12), london(2026, 6, 12, 12), SCT)
    # 2026-06-12 is exactly 52 weeks + 1 day later: the 52nd overdue nudge was on Thursday 11 June.
    assert window.latest == DueMoment("52 weeks overdue", utc(2026, 6, 11, 7), 52)
    assert window.upcoming == DueMoment("53 weeks overdue", utc(2026, 6, 18, 7), 53)
    assert copies_secretary(window.latest)


# --- Approvals and partner agreement left waiting -----------------------------------------------


def test_approval_chased_after_2_and_5_working_days() -> None:
    # Requested Friday 1 May 2026 at 14:00 BST; Monday 4 May is a bank holiday.
    assert approval_waiting_moments(london(2026, 5, 1, 14), ENG) == [
        WaitingMoment("after 2 working days", utc(2026, 5, 6, 13), 2),
        WaitingMoment("after 5 working days", utc(2026, 5, 11, 13), 5),
    ]


def test_approval_requested_out_of_hours_waits_from_the_next_working_morning() -> None:
    # Saturday 2 May 2026: the clock starts at 08:00 on Tuesday 5 May (after the bank holiday).
    saturday = approval_waiting_moments(london(2026, 5, 2, 10), ENG)
    assert saturday == [
        WaitingMoment("after 2 working days", utc(2026, 5, 7, 7), 2),
        WaitingMoment("after 5 working days", utc(2026, 5, 12, 7), 5),
    ]
    assert approval_waiting_moments(london(2026, 5, 1, 20), ENG) == saturday


def test_partner_agreement_chased_after_3_working_days_across_new_year() -> None:
    # Wednesday 30 December 2026: 1 January is a holiday everywhere; Scotland also takes Monday 4
    # January (for 2 January, a Saturday).
    requested = london(2026, 12, 30, 11)
    assert partner_waiting_moment(requested, ENG) == utc(2027, 1, 5, 11)
    assert partner_waiting_moment(requested, SCT) == utc(2027, 1, 6, 11)


def test_partner_agreement_over_christmas_2027() -> None:
    assert partner_waiting_moment(london(2027, 12, 23, 11), NIR) == utc(2027, 12, 30, 11)
    assert waited_working_days(london(2027, 12, 23, 11), 1, NIR) == utc(2027, 12, 24, 11)
