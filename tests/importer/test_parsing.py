from datetime import datetime

import pytest

from crawlers.parsing import DateParseError, clean_inline, clean_text, parse_int, parse_timestamp


@pytest.mark.parametrize("text, expected", [
    ("2019/4/25 9:32:09", datetime(2019, 4, 25, 9, 32, 9)),
    ("2018-12-27 15:28:22", datetime(2018, 12, 27, 15, 28, 22)),
    ("2019-1-1 12:59:49", datetime(2019, 1, 1, 12, 59, 49)),
    ("2022-05-10", datetime(2022, 5, 10)),
    ("2019年4月25日", datetime(2019, 4, 25)),
    ("2019年4月25日 9时32分", datetime(2019, 4, 25, 9, 32)),
    ("2019年04月25日 09:32:10", datetime(2019, 4, 25, 9, 32, 10)),
    (" 2025-03-01 08:05 ", datetime(2025, 3, 1, 8, 5)),
    ("2019.4.25", datetime(2019, 4, 25)),
])
def test_timestamp_forms(text, expected):
    assert parse_timestamp(text) == expected


def test_unix_seconds_are_read_as_shanghai_time():
    assert parse_timestamp(1546300800) == datetime(2019, 1, 1, 8, 0)


def test_excel_serial_day():
    assert parse_timestamp(43580.5) == datetime(2019, 4, 25, 12, 0)


def test_empty_is_none_and_garbage_is_named():
    assert parse_timestamp("  ") is None
    with pytest.raises(DateParseError, match="上周三"):
        parse_timestamp("上周三")
    with pytest.raises(DateParseError, match="2019-02-30"):
        parse_timestamp("2019-02-30")


def test_clean_text_decodes_entities_strips_tags_and_spaces():
    raw = "尊敬的领导：&nbsp;您好！<br/>\u3000\u3000小区&lt;翠湖花园&gt;噪音_x000D_\n\n\n\n谢谢"

    cleaned = clean_text(raw)
    assert "<br/>" not in cleaned and "&lt;" not in cleaned and "_x000D_" not in cleaned
    assert "小区<翠湖花园>噪音" in cleaned
    assert "\n\n\n" not in cleaned


def test_clean_inline_joins_lines():
    assert clean_inline("市城市\n管理局 ") == "市城市 管理局"


def test_parse_int():
    assert parse_int("1,024") == 1024
    assert parse_int(3.0) == 3
    assert parse_int("") is None
    with pytest.raises(ValueError):
        parse_int("很多")
