from datetime import date

import pytest

from reports.period import Period, PeriodError


def test_half_months_and_neighbours():
    second = Period.parse("2024-02-16:2024-02-29")  # leap year
    assert second.previous() == Period(date(2024, 2, 1), date(2024, 2, 15))
    assert second.next() == Period(date(2024, 3, 1), date(2024, 3, 15))
    assert Period.parse("2024-01-01:2024-01-15").previous() == Period(date(2023, 12, 16), date(2023, 12, 31))
    assert Period.containing(date(2019, 11, 30)).key == "2019-11-16:2019-11-30"
    assert Period.last_completed(date(2019, 12, 1)).key == "2019-11-16:2019-11-30"
    assert second.label_zh == "2024年2月下半月" and second.slug == "2024-02-b"


@pytest.mark.parametrize("text, reason", [
    ("2024-03-02:2024-03-15", "starts on the 1st or the 16th"),
    ("2024-03-16:2024-03-30", "ends on 2024-03-31"),
    ("2024-03-01", "expected START:END"),
    ("2024-13-01:2024-13-15", "YYYY-MM-DD"),
])
def test_bad_periods_say_why(text, reason):
    with pytest.raises(PeriodError, match=reason):
        Period.parse(text)
