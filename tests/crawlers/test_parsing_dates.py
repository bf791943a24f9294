"""Page dates: labels, relative forms against the (frozen) clock, profile formats."""
from __future__ import annotations

from datetime import datetime

import pytest

from crawlers.parsing import DateParseError, parse_page_date

NOW = datetime(2025, 3, 12, 10, 0)


@pytest.mark.parametrize(("text", "expected"), [
    ("发布时间：2025-03-06 10:20", datetime(2025, 3, 6, 10, 20)),
    ("2025年3月6日", datetime(2025, 3, 6)),
    ("今天 08:01", datetime(2025, 3, 12, 8, 1)),
    ("昨天 16:05:09", datetime(2025, 3, 11, 16, 5, 9)),
    ("前天", datetime(2025, 3, 10)),
    ("5分钟前", datetime(2025, 3, 12, 9, 55)),
    ("3天前", datetime(2025, 3, 9, 10, 0)),
    ("[2025-03-06]", datetime(2025, 3, 6)),
    # zero-padded forms, as docs/profiles.md section 10 promises without date_formats
    ("留言时间：2025年02月03日 08时30分", datetime(2025, 2, 3, 8, 30)),
    ("2025年02月03日08时30分", datetime(2025, 2, 3, 8, 30)),
    ("2025-02-03 08:30", datetime(2025, 2, 3, 8, 30)),
    ("2025年2月3日 8时30分05秒", datetime(2025, 2, 3, 8, 30, 5)),
])
def test_page_dates(text, expected):
    assert parse_page_date(text, now=NOW) == expected


def test_profile_format_first():
    assert parse_page_date("06/03/2025", ["%d/%m/%Y"], NOW) == datetime(2025, 3, 6)


def test_not_a_date_names_the_text():
    with pytest.raises(DateParseError, match="今天下午"):
        parse_page_date("今天下午", now=NOW)
