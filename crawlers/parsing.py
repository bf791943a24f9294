"""Field parsing shared by the importer and the spiders: timestamps, text clean-up, integers."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

_TAG = re.compile(r"<\s*(br|/p|/div|/li|/tr)\s*/?\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]{0,500}>")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Most cells need no clean-up at all; checking that first keeps imports fast.
_NEEDS_CLEANING = re.compile(r"[<&\r\n\t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]|_x000|  ")

_DATE_PATTERNS = [
    # 2019/4/25 9:32:09, 2018-12-27 15:28:22, 2019-1-1 12:59, 2019.4.25, 2022-05-10
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
               r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{1,2})(?::(?P<S>\d{1,2})(?:\.\d+)?)?)?$"),
    # 2019年4月25日, 2019年4月25日 9时32分, 2019年4月25日 09:32:10
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?"
               r"(?:\s*(?P<H>\d{1,2})\s*[时:：]\s*(?P<M>\d{1,2})\s*分?(?:\s*[:：]?\s*(?P<S>\d{1,2})\s*秒?)?)?$"),
    # 20190425 or 20190425 093209
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:\s*(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$"),
]
_EXCEL_EPOCH = datetime(1899, 12, 30)


class DateParseError(ValueError):
    pass


def parse_timestamp(value: object) -> datetime | None:
    """A naive local datetime from the forms Chinese exports and pages use; None for empty input.

    Raises DateParseError with the offending text when the value is not empty and not a date.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None) if value.tzinfo is None
                else value.astimezone(_shanghai()).replace(tzinfo=None))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(float(value))
    text = clean_inline(str(value))
    if not text:
        return None
    text = text.replace("：", ":")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
            try:
                return datetime(parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"])
            except ValueError as exc:
                raise DateParseError(f"not a valid date: {text!r} ({exc})") from None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_number(float(text))
    raise DateParseError(f"unrecognised date format: {text!r}")


def _shanghai():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def _from_number(number: float) -> datetime:
    """Unix seconds/milliseconds (APIs) or an Excel serial day number (spreadsheets)."""
    if number > 1e11:  # milliseconds
        number /= 1000
    if number > 1e8:
        return datetime.fromtimestamp(number, _shanghai()).replace(tzinfo=None)
    if 20000 < number < 80000:  # Excel serial days: 1954..2119
        return _EXCEL_EPOCH + timedelta(days=number)
    raise DateParseError(f"a number that is neither a Unix time nor an Excel date: {number!r}")


def clean_text(value: object) -> str | None:
    """Multi-line text: HTML entities decoded, tags and odd spaces removed, blank runs collapsed; None if empty."""
    if value is None:
        return None
    text = str(value)
    if not _NEEDS_CLEANING.search(text):
        return text.strip() or None
    if "_x000" in text:  # Excel's escape of control characters (_x000D_ is a carriage return)
        text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if "<" in text:  # tags first: an escaped &lt;小区名&gt; is text, not a tag
        text = _TAG.sub("\n", text)
        text = _ANY_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return text or None


def clean_inline(value: object) -> str:
    """A one-line field (title, unit, id): clean_text with every line break turned into a space."""
    text = clean_text(value)
    if not text:
        return ""
    return _SPACES.sub(" ", text.replace("\n", " ")).strip() if "\n" in text else text


def parse_int(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        return int(value)
    text = clean_inline(value).replace(",", "")
    if not text:
        return None
    return int(float(text))


_RELATIVE = re.compile(r"^(?P<n>\d+)\s*(?P<unit>秒|分钟|小时|天|日)前$")
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_DATE_LABEL = re.compile(r"^(?:[\u4e00-\u9fff]{2,6}\s*[:：]\s*)")


def parse_page_date(value: object, formats: tuple[str, ...] | list[str] = (), now: datetime | None = None
                    ) -> datetime | None:
    """A date as web pages print it: a label ("发布时间："), relative forms (今天 09:30, 3天前, 5分钟前),
    explicit strptime ``formats`` from a site profile, then everything parse_timestamp knows.

    Raises DateParseError naming the text when it is not empty and not a date.
    """
    if value is None or isinstance(value, (datetime, date, int, float)):
        return parse_timestamp(value)
    text = clean_inline(value)
    if not text:
        return None
    text = _DATE_LABEL.sub("", text).strip("[]【】() ")
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    now = now or datetime.now(_shanghai()).replace(tzinfo=None)
    match = _RELATIVE.match(text)
    if match:
        n = int(match.group("n"))
        unit = match.group("unit")
        delta = {"秒": timedelta(seconds=n), "分钟": timedelta(minutes=n), "小时": timedelta(hours=n)}.get(
            unit, timedelta(days=n))
        return (now - delta).replace(microsecond=0)
    for word, days_back in _DAY_WORDS.items():
        if text.startswith(word):
            day = (now - timedelta(days=days_back)).date()
            rest = text[len(word):].strip()
            clock = re.fullmatch(r"(\d{1,2})[:：](\d{2})(?::(\d{2}))?", rest) if rest else None
            if rest and not clock:
                raise DateParseError(f"unrecognised date format: {text!r}")
            hour, minute, second = (int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)) \
                if clock else (0, 0, 0)
            return datetime(day.year, day.month, day.day, hour, minute, second)
    return parse_timestamp(text)
