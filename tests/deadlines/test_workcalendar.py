"""The working-day calendar: official years with their make-up days, provisional years, overrides."""
from __future__ import annotations

import random
import re
import warnings
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import numpy as np
import pytest

from analysis.deadlines.workcalendar import (
    CalendarOverrideError,
    CalendarRangeError,
    DayKind,
    ProvisionalCalendarWarning,
    WorkCalendar,
    YearSource,
    get_calendar,
    load_overrides,
    parse_override_file,
    provisional_holidays,
    statutory_holidays,
)

D = date

OVERRIDE_2027 = """
year = 2027
notice = "test notice typed for the tests (not the real 2027 notice)"

[[holiday]]
name = "元旦"
dates = "2027-01-01..2027-01-03"

[[holiday]]
name = "春节"
dates = "2027-02-05..2027-02-12"

[[makeup_workday]]
name = "春节"
dates = ["2027-02-13"]

[[makeup_workday]]
name = "元旦"
dates = "2027-01-09"
"""


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- official years -----------------------------------------------------------------------------


def test_every_day_of_the_library_years_matches_chinesecalendar(calendar):
    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    day = D(first, 1, 1)
    mismatches = []
    while day <= D(last, 12, 31):
        if calendar.is_workday(day) != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += timedelta(days=1)
    assert mismatches == []
    assert calendar.year_source(2025) == YearSource.OFFICIAL


def test_spring_festival_2024_with_its_make_up_sundays(calendar):
    assert calendar.day_kind(D(2024, 2, 4)) == DayKind.MAKEUP_WORKDAY  # Sunday worked
    assert calendar.day_kind(D(2024, 2, 18)) == DayKind.MAKEUP_WORKDAY  # Sunday worked
    assert all(not calendar.is_workday(D(2024, 2, d)) for d in range(10, 18))
    assert calendar.holiday_name(D(2024, 2, 12)) == "春节"
    # Fri 02-09 (除夕) was a working day in 2024; the next one is the make-up Sunday after the break.
    assert calendar.add_workdays(D(2024, 2, 9), 1) == D(2024, 2, 18)
    assert calendar.add_workdays(D(2024, 2, 2), 1) == D(2024, 2, 4)
    # (Fri 02-02, Mon 02-19]: Sun 04 (make-up), Mon 05 .. Fri 09, Sun 18 (make-up), Mon 19
    assert calendar.workdays_between(D(2024, 2, 2), D(2024, 2, 19)) == 8


def test_national_day_2024_with_its_make_up_days(calendar):
    assert calendar.day_kind(D(2024, 9, 29)) == DayKind.MAKEUP_WORKDAY  # Sunday
    assert calendar.day_kind(D(2024, 10, 12)) == DayKind.MAKEUP_WORKDAY  # Saturday
    assert calendar.add_workdays(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert calendar.add_workdays(D(2024, 9, 30), 1) == D(2024, 10, 8)
    assert calendar.add_workdays(D(2024, 10, 11), 1) == D(2024, 10, 12)


def test_spring_festival_2025(calendar):
    assert calendar.day_kind(D(2025, 1, 26)) == DayKind.MAKEUP_WORKDAY
    assert calendar.day_kind(D(2025, 2, 8)) == DayKind.MAKEUP_WORKDAY
    assert calendar.add_workdays(D(2025, 1, 24), 5) == D(2025, 2, 7)
    spans = calendar.special_days(D(2025, 1, 24), D(2025, 2, 7))
    assert [s.describe() for s in spans] == ["Sun 01-26 is a make-up working day",
                                             "01-28..02-04 Spring Festival holiday"]


def test_national_day_2025_with_mid_autumn_inside(calendar):
    assert calendar.day_kind(D(2025, 9, 28)) == DayKind.MAKEUP_WORKDAY
    assert calendar.day_kind(D(2025, 10, 11)) == DayKind.MAKEUP_WORKDAY
    assert calendar.add_workdays(D(2025, 9, 26), 3) == D(2025, 9, 30)
    assert calendar.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert calendar.add_workdays(D(2025, 10, 9), 2) == D(2025, 10, 11)
    assert calendar.holiday_name(D(2025, 10, 6)) == "中秋"
    assert calendar.workdays_between(D(2025, 9, 30), D(2025, 10, 9)) == 1


def test_arithmetic_round_trips_on_random_days(calendar):
    rng = random.Random(4)
    for _ in range(500):
        start = D(2004, 1, 1) + timedelta(days=rng.randrange(365 * 24))
        n = rng.randrange(0, 40)
        due = calendar.add_workdays(start, n, warn=False)
        assert calendar.workdays_between(start, due, warn=False) == n
        if n:
            assert calendar.is_workday(due)
            # Back n from the due date: the start itself, or the last working day before a day off.
            expected = start if calendar.is_workday(start) else calendar.add_workdays(start, -1, warn=False)
            assert calendar.add_workdays(due, -n, warn=False) == expected
        assert calendar.workdays_between(due, start, warn=False) == -n


def test_backwards_counting(calendar):
    assert calendar.add_workdays(D(2025, 2, 7), -5) == D(2025, 1, 24)  # the inverse of the 5-day example
    assert calendar.add_workdays(D(2025, 2, 7), -4) == D(2025, 1, 26)  # the make-up Sunday counts
    assert calendar.add_workdays(D(2025, 2, 5), -1) == D(2025, 1, 27)
    assert calendar.add_workdays(D(2025, 2, 1), -1) == D(2025, 1, 27)  # from inside the holiday


def test_next_workday(calendar):
    assert calendar.next_workday(D(2025, 1, 30)) == D(2025, 2, 5)
    assert calendar.next_workday(D(2025, 1, 26)) == D(2025, 1, 26)
    assert calendar.next_workday(D(2025, 3, 8)) == D(2025, 3, 10)


def test_vectorised_operations_agree_with_the_scalar_ones(calendar):
    rng = np.random.default_rng(7)
    days = rng.integers(D(2004, 1, 1).toordinal(), D(2030, 1, 1).toordinal(), 2000)
    n = rng.integers(1, 30, 2000)
    dues = calendar.add_workdays_ordinals(days, n)
    for day, k, due in zip(days[:300], n[:300], dues[:300], strict=True):
        assert calendar.add_workdays(D.fromordinal(int(day)), int(k), warn=False) == D.fromordinal(int(due))
    nxt = calendar.next_workday_ordinals(days[:300])
    assert [D.fromordinal(int(x)) for x in nxt] == [calendar.next_workday(D.fromordinal(int(x))) for x in days[:300]]


def test_out_of_range_is_a_clear_error(calendar):
    with pytest.raises(CalendarRangeError, match="2150-01-01 is outside the supported calendar range"):
        calendar.add_workdays(D(2150, 1, 1), 3)
    with pytest.raises(CalendarRangeError):
        calendar.add_workdays_ordinals(np.array([D(1990, 1, 1).toordinal()]), 1)


# ---- provisional years --------------------------------------------------------------------------


def test_statutory_days_are_days_off_in_every_official_year():
    # Checks the lunar/solar-term computation and the rules by era against the published calendars.
    for year in range(2004, 2027):
        wrongly_working = [d for d, _ in statutory_holidays(year) if chinese_calendar.is_workday(d)]
        assert wrongly_working == [], year


def test_statutory_holidays_2027_by_the_2025_rules():
    days = dict(statutory_holidays(2027))
    assert [d for d, n in sorted(days.items()) if n == "春节"] == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7),
                                                                   D(2027, 2, 8)]  # 除夕 .. 初三
    assert days[D(2027, 4, 5)] == "清明"
    assert days[D(2027, 6, 9)] == "端午"
    assert days[D(2027, 9, 15)] == "中秋"
    assert [d for d, n in days.items() if n == "劳动节"] == [D(2027, 5, 1), D(2027, 5, 2)]


def test_provisional_year_gives_substitute_weekdays_for_weekend_holidays():
    off = provisional_holidays(2027)
    # Spring Festival Fri 02-05 .. Mon 02-08 with Sat and Sun inside: two substitute weekdays follow.
    assert {D(2027, 2, 9), D(2027, 2, 10)} <= set(off)
    assert D(2027, 2, 11) not in off
    # Labour Day 2027 is Sat-Sun: Mon and Tue off.
    assert {D(2027, 5, 3), D(2027, 5, 4)} <= set(off)


def test_year_boundary_2026_to_2027_is_provisional_warned_and_does_not_crash(calendar):
    assert calendar.year_source(2026) == YearSource.OFFICIAL
    assert calendar.is_provisional(2027)
    with pytest.warns(ProvisionalCalendarWarning, match="2027"):
        due = calendar.add_workdays(D(2026, 12, 29), 5)
    # Wed 12-30, Thu 12-31, (Fri 01-01 New Year) Mon 01-04, Tue 01-05, Wed 01-06
    assert due == D(2027, 1, 6)
    with pytest.warns(ProvisionalCalendarWarning):
        assert calendar.workdays_between(D(2026, 12, 31), D(2027, 1, 4)) == 1
    assert calendar.provisional_years_between(D(2026, 12, 29), due) == [2027]


def test_official_year_computation_does_not_warn(calendar):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        calendar.add_workdays(D(2025, 1, 24), 5)


# ---- overrides ----------------------------------------------------------------------------------


def test_override_takes_precedence_and_removes_the_provisional_flag(tmp_path):
    write(tmp_path, "2027.toml", OVERRIDE_2027)
    overrides = load_overrides([tmp_path])
    calendar = WorkCalendar(overrides)
    assert calendar.year_source(2027) == YearSource.OVERRIDE
    assert not calendar.is_provisional(2027)
    assert calendar.day_kind(D(2027, 2, 13)) == DayKind.MAKEUP_WORKDAY
    assert not calendar.is_workday(D(2027, 2, 12))
    assert calendar.is_workday(D(2027, 2, 15))  # provisional had no substitute here either; still working
    assert calendar.is_workday(D(2027, 1, 9))   # a Saturday worked
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert calendar.add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 13)
    assert calendar.fingerprint != WorkCalendar().fingerprint
    assert "overrides: 2027 (2027.toml)" in calendar.describe()


def test_get_calendar_picks_up_an_override_added_to_the_configured_directory(tmp_path, monkeypatch):
    directory = tmp_path / "overrides"
    directory.mkdir()
    monkeypatch.setenv("HOTLINE_DEADLINES_CALENDAR_OVERRIDE_DIR", str(directory))
    from store.settings import get_settings

    get_settings.cache_clear()
    before = get_calendar()
    assert before.is_provisional(2027)
    write(directory, "2027.toml", OVERRIDE_2027)
    after = get_calendar()
    assert after.year_source(2027) == YearSource.OVERRIDE
    assert after.fingerprint != before.fingerprint


# Each problem is one line "file: key.path: reason" (store.schema). Before the typed schema the messages said
# "`year` is required", "`notice` ... is required", "[[holiday]] #1: `name` is required", "unknown keys [...]";
# the key path now names the table and the key in the same line ("holiday.0.name", 0-based).
@pytest.mark.parametrize(("text", "message"), [
    ("notice = 'x'\n[[holiday]]\nname='春节'\ndates='2027-02-05'\n", "2027.toml: year: Field required"),
    ("year = 2027\n[[holiday]]\nname='春节'\ndates='2027-02-05'\n", "2027.toml: notice: Field required"),
    ("year = 2150\nnotice='n'\n[[holiday]]\nname='春节'\ndates='2150-02-05'\n",
     "2027.toml: year: year 2150 is outside the supported range 2000-2099"),
    (("year = 2027\nnotice='n'\n[[holiday]]\nname='春节'\ndates='2027-02-05'\n"
     "[[makeup_workday]]\nname='春节'\ndates='2027-02-10'\n"), "2027.toml: makeup_workday: make-up working day 2027-02-10 is a Wed"),
    (("year = 2027\nnotice='n'\n[[holiday]]\nname='春节'\ndates='2027-02-06'\n"
     "[[makeup_workday]]\nname='春节'\ndates='2027-02-06'\n"),
     "2027.toml: makeup_workday: 2027-02-06 is listed both as a holiday and as a make-up working day"),
    ("year = 2027\nnotice='n'\n[[holiday]]\nname='春节'\ndates='2027-02-10..2027-02-05'\n",
     "2027.toml: holiday.0.dates: range '2027-02-10..2027-02-05' ends before it starts"),
    ("year = 2027\nnotice='n'\n[[holiday]]\nname='春节'\ndates='2027-13-01'\n",
     "2027.toml: holiday.0.dates: '2027-13-01' is not a date"),
    ("year = 2027\nnotice='n'\n[[holiday]]\nname='春节'\ndates='2029-02-05'\n",
     "2027.toml: holiday: 2029-02-05 is not in or next to 2027"),
    ("year = 2027\nnotice='n'\n[[holiday]]\nname='元旦'\ndates='2026-12-31'\n", "2027.toml: holiday: no holiday in 2027"),
    ("year = 2027\nnotice='n'\n[[holiday]]\ndates='2027-02-05'\n", "2027.toml: holiday.0.name: Field required"),
    ("year = 2027\nnotice='n'\nholidays = 3\n", "2027.toml: holidays: Extra inputs are not permitted"),
    ("year = = 2027", "2027.toml: not valid TOML"),
])
def test_bad_override_files_name_the_file_and_the_reason(tmp_path, text, message):
    path = write(tmp_path, "2027.toml", text)
    with pytest.raises(CalendarOverrideError, match=re.escape(message)) as info:
        parse_override_file(path)
    assert str(path) in str(info.value)


def test_two_files_for_one_year_in_a_directory_is_an_error(tmp_path):
    write(tmp_path, "a.toml", OVERRIDE_2027)
    write(tmp_path, "b.toml", OVERRIDE_2027)
    with pytest.raises(CalendarOverrideError, match="already defined by"):
        load_overrides([tmp_path])


def test_a_later_directory_wins_for_the_same_year(tmp_path):
    first, second = tmp_path / "packaged", tmp_path / "configured"
    first.mkdir()
    second.mkdir()
    write(first, "2027.toml", OVERRIDE_2027)
    write(second, "2027.toml", OVERRIDE_2027.replace("2027-02-05..2027-02-12", "2027-02-05..2027-02-11"))
    overrides = load_overrides([first, second])
    assert D(2027, 2, 12) not in overrides[2027].holidays
    assert overrides[2027].path.parent == second
