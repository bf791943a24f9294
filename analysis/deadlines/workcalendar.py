"""The Chinese working-day calendar: statutory holidays, make-up working days (调休) and working-day arithmetic.

Where each year's days come from, first match wins:

1. **Override file** (``YearSource.OVERRIDE``): a TOML file typed from the State Council's holiday notice
   (国务院办公厅关于 YYYY 年部分节假日安排的通知), read from the packaged ``analysis/data/calendar_overrides/``
   and from the directory named by the ``deadlines.calendar_override_dir`` setting (which wins for the same
   year). See ``analysis/data/calendar_overrides/README.md`` for the format.
2. **chinesecalendar** (``YearSource.OFFICIAL``): the years the installed library carries (2004-2026 in 1.11).
3. **Provisional** (``YearSource.PROVISIONAL``): a year whose notice is not out yet (or before 2004): weekends
   plus the statutory holidays of the 全国年节及纪念日放假办法 in force that year, computed from the solar and
   lunar calendars, with a substitute weekday for a holiday falling on a weekend (article 6 of that 办法).
   Make-up working days cannot be predicted, so there are none. Such a year is flagged: results touching it
   carry ``provisional=True`` and a ``ProvisionalCalendarWarning`` is emitted. Never a crash.

Arithmetic (all on ``datetime.date``; the calendar is one byte per day, a cumulative working-day count and its
inverse (the day of the k-th working day), so every operation is a few array lookups, and the bulk ``*_ordinals``
variants are vectorised with numpy, imported on their first use: the scalar path (``workdays add``) does not load
numpy):

- ``add_workdays(d, n)``: the n-th working day after ``d`` (``d`` itself not counted; n = 0 gives ``d``;
  negative n counts backwards).
- ``workdays_between(a, b)``: the number of working days in ``(a, b]`` (negative when ``b < a``), so that
  ``add_workdays(a, workdays_between(a, b)) == b`` whenever ``b`` is a working day.
- ``next_workday(d)``: ``d`` when it is a working day, else the first working day after it.

The deadline policy (receipt on a non-working day, counting conventions, rules) lives in
``analysis.deadlines.rules`` and ``analysis.deadlines.compute``; this module knows only days. Override files are
typed by ``analysis.deadlines.schema.OverrideFile``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import warnings
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from analysis import DATA_DIR

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

SUPPORTED_FIRST_YEAR = 2000
SUPPORTED_LAST_YEAR = 2099  # lunardate's range ends in 2099
# Bump when the provisional computation changes: it is part of the calendar fingerprint.
PROVISIONAL_RULES_VERSION = "2"
PACKAGED_OVERRIDE_DIR = DATA_DIR / "calendar_overrides"
# date.toordinal() of 1970-01-01: converts numpy datetime64[D] to ordinals and back.
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# Canonical Chinese holiday names, their English names, and the spellings accepted in override files.
HOLIDAY_NAMES_EN = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明": "Qingming Festival",
    "劳动节": "Labour Day",
    "端午": "Dragon Boat Festival",
    "中秋": "Mid-Autumn Festival",
    "国庆节": "National Day",
    "抗战胜利纪念日": "Victory Day (70th anniversary)",
}
_NAME_ALIASES = {
    "元旦节": "元旦", "新年": "元旦", "清明节": "清明", "五一": "劳动节", "五一劳动节": "劳动节",
    "国际劳动节": "劳动节", "端午节": "端午", "中秋节": "中秋", "国庆": "国庆节",
}


class DayKind(IntEnum):
    WORKDAY = 0          # an ordinary Monday-Friday
    WEEKEND = 1          # an ordinary Saturday or Sunday
    HOLIDAY = 2          # a statutory holiday, a day off in lieu, or a weekend inside a holiday block
    MAKEUP_WORKDAY = 3   # 调休上班: a Saturday or Sunday worked to make up for a holiday


class YearSource(StrEnum):
    OVERRIDE = "override"
    OFFICIAL = "chinesecalendar"
    PROVISIONAL = "provisional"


class CalendarError(ValueError):
    """A calendar problem with a clear reason (bad override file, date out of range)."""


class CalendarOverrideError(CalendarError):
    pass


class CalendarRangeError(CalendarError):
    pass


class ProvisionalCalendarWarning(UserWarning):
    """A result depends on a year whose holiday notice is not known: weekends + statutory holidays only."""


def canonical_holiday_name(name: str) -> str:
    name = name.strip()
    return _NAME_ALIASES.get(name, name)


def holiday_name_en(name: str) -> str:
    return HOLIDAY_NAMES_EN.get(name, name)


def format_day(d: dt.date, lang: str = "en", with_year: bool = True) -> str:
    """``Fri 2025-01-24`` / ``2025-01-24（周五）``; without the year: ``Sun 01-26``."""
    text = d.isoformat() if with_year else d.strftime("%m-%d")
    if lang == "zh":
        return f"{text}（{WEEKDAYS_ZH[d.weekday()]}）"
    return f"{WEEKDAYS_EN[d.weekday()]} {text}"


# --------------------------------------------------------------------------------------------------
# Override files
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarOverride:
    """One year's holidays and make-up working days, typed from the State Council notice."""

    year: int
    path: Path
    notice: str
    holidays: Mapping[dt.date, str]
    makeup_workdays: Mapping[dt.date, str]

    def digest(self) -> str:
        payload = {
            "year": self.year,
            "holidays": sorted((d.isoformat(), n) for d, n in self.holidays.items()),
            "makeup": sorted((d.isoformat(), n) for d, n in self.makeup_workdays.items()),
        }
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def parse_override_file(path: Path) -> CalendarOverride:
    """Read and validate one override file (``analysis.deadlines.schema.OverrideFile``); a problem is a
    CalendarOverrideError with one line per problem: ``file: key.path: reason``."""
    from analysis.deadlines.schema import OverrideFile
    from store.schema import read_toml, validate
    from store.settings import ConfigError

    path = Path(path)
    try:
        parsed = validate(OverrideFile, read_toml(path), str(path))
    except ConfigError as exc:
        raise CalendarOverrideError(str(exc)) from None

    def days(entries: Iterable) -> dict[dt.date, str]:
        return {day: canonical_holiday_name(entry.name) for entry in entries for day in entry.dates}

    return CalendarOverride(year=parsed.year, path=path, notice=parsed.notice, holidays=days(parsed.holiday),
                            makeup_workdays=days(parsed.makeup_workday))


def load_overrides(directories: Iterable[Path | str | None]) -> dict[int, CalendarOverride]:
    """Overrides from the given directories (``*.toml``); a later directory wins for the same year.

    Two files for the same year inside one directory is an error (which one is right?).
    Missing directories are skipped.
    """
    result: dict[int, CalendarOverride] = {}
    for directory in directories:
        if not directory:
            continue
        directory = Path(directory)
        if not directory.is_dir():
            continue
        in_this_dir: dict[int, CalendarOverride] = {}
        for path in sorted(directory.glob("*.toml")):
            override = parse_override_file(path)
            if override.year in in_this_dir:
                raise CalendarOverrideError(
                    f"{path}: year {override.year} is already defined by {in_this_dir[override.year].path}")
            in_this_dir[override.year] = override
        result.update(in_this_dir)
    return result


# --------------------------------------------------------------------------------------------------
# Provisional years
# --------------------------------------------------------------------------------------------------


def _lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    from lunardate import LunarDate

    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> dt.date:
    from chinese_calendar import get_solar_terms

    for day, term in get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30)):
        if term == "清明":
            return day
    return dt.date(year, 4, 5)  # unreachable for 1900-2100; the usual date otherwise


def statutory_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The statutory holiday days of ``year`` (one entry per day of entitlement), by the rules in force.

    全国年节及纪念日放假办法: 1999 (New Year 1, Spring Festival 初一-初三, Labour Day 3, National Day 3);
    2008 revision (Spring Festival 除夕-初二, Labour Day 1, adds Qingming, Dragon Boat, Mid-Autumn);
    2013 revision (Spring Festival 初一-初三); 2024 revision in force from 2025 (Spring Festival 除夕-初三,
    Labour Day 2).
    """
    new_year = _lunar_to_solar(year, 1, 1)
    eve = new_year - dt.timedelta(days=1)
    days: list[tuple[dt.date, str]] = [(dt.date(year, 1, 1), "元旦")]
    if year >= 2025:
        spring = [eve, new_year, new_year + dt.timedelta(1), new_year + dt.timedelta(2)]
        labour = [dt.date(year, 5, 1), dt.date(year, 5, 2)]
    elif year >= 2014:
        spring = [new_year, new_year + dt.timedelta(1), new_year + dt.timedelta(2)]
        labour = [dt.date(year, 5, 1)]
    elif year >= 2008:
        spring = [eve, new_year, new_year + dt.timedelta(1)]
        labour = [dt.date(year, 5, 1)]
    else:
        spring = [new_year, new_year + dt.timedelta(1), new_year + dt.timedelta(2)]
        labour = [dt.date(year, 5, 1), dt.date(year, 5, 2), dt.date(year, 5, 3)]
    days += [(d, "春节") for d in spring]
    if year >= 2008:
        days.append((_qingming(year), "清明"))
    days += [(d, "劳动节") for d in labour]
    if year >= 2008:
        days.append((_lunar_to_solar(year, 5, 5), "端午"))
        days.append((_lunar_to_solar(year, 8, 15), "中秋"))
    days += [(dt.date(year, 10, d), "国庆节") for d in (1, 2, 3)]
    return sorted(days)


def provisional_holidays(year: int) -> dict[dt.date, str]:
    """Days off of a year with no notice: the statutory days, plus a substitute weekday (补假) for each one
    falling on a weekend or on another holiday, plus the weekend days enclosed by a holiday block."""
    off: dict[dt.date, str] = {}
    needing_substitute: list[tuple[dt.date, str]] = []
    for day, name in statutory_holidays(year):
        if day.weekday() >= 5 or day in off:
            needing_substitute.append((day, name))
        off.setdefault(day, name)
    for day, name in needing_substitute:
        substitute = day + dt.timedelta(days=1)
        while substitute.weekday() >= 5 or substitute in off:
            substitute += dt.timedelta(days=1)
        off[substitute] = name
    # A weekend day between two days off of the same holiday belongs to the holiday block (display only).
    for day, name in list(off.items()):
        for gap in (2, 3):
            other = day + dt.timedelta(days=gap)
            if off.get(other) == name:
                for i in range(1, gap):
                    inner = day + dt.timedelta(days=i)
                    if inner.weekday() >= 5:
                        off.setdefault(inner, name)
    return {d: n for d, n in off.items() if d.year == year}


# --------------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecialSpan:
    """A run of consecutive holiday days (one or more holidays) or one make-up working day, for explanations."""

    kind: DayKind  # HOLIDAY or MAKEUP_WORKDAY
    first: dt.date
    last: dt.date
    names: tuple[str, ...]  # canonical Chinese names, in date order
    provisional: bool

    @property
    def name(self) -> str:
        return "、".join(self.names)

    def describe(self, lang: str = "en") -> str:
        if self.kind == DayKind.MAKEUP_WORKDAY:
            if lang == "zh":
                return f"{format_day(self.first, 'zh', with_year=False)}{self.name}调休上班"
            return f"{format_day(self.first, with_year=False)} is a make-up working day"
        span = self.first.strftime("%m-%d")
        if self.last != self.first:
            span += (".." if lang == "en" else "至") + self.last.strftime("%m-%d")
        if lang == "zh":
            return f"{span}{self.name}放假" + ("（暂定）" if self.provisional else "")
        names = " and ".join(holiday_name_en(n) for n in self.names)
        return f"{span} {names} holiday" + (" (provisional)" if self.provisional else "")


_HOLIDAY = int(DayKind.HOLIDAY)  # plain ints: comparing with IntEnum members is slow
_MAKEUP = int(DayKind.MAKEUP_WORKDAY)


class WorkCalendar:
    """Working days for ``SUPPORTED_FIRST_YEAR``-``SUPPORTED_LAST_YEAR``; build with ``get_calendar()``."""

    def __init__(self, overrides: Mapping[int, CalendarOverride] | None = None):
        import chinese_calendar

        self.overrides = dict(overrides or {})
        self.first_day = dt.date(SUPPORTED_FIRST_YEAR, 1, 1)
        self.last_day = dt.date(SUPPORTED_LAST_YEAR, 12, 31)
        self._first_ordinal = self.first_day.toordinal()
        size = self.last_day.toordinal() - self._first_ordinal + 1

        official_years = {d.year for d in chinese_calendar.holidays}
        self.library_version = getattr(chinese_calendar, "__version__", "?")
        self.library_years = (min(official_years), max(official_years))

        # Weekends first: one byte per day (a DayKind), a week's pattern repeated from the first day's weekday.
        first_weekday = self.first_day.weekday()
        week = bytes(DayKind.WEEKEND if (first_weekday + i) % 7 >= 5 else DayKind.WORKDAY for i in range(7))
        kind = bytearray((week * (size // 7 + 1))[:size])
        names: dict[int, str] = {}
        self.year_sources: dict[int, YearSource] = {}

        def mark(day: dt.date, day_kind: DayKind, name: str) -> None:
            index = day.toordinal() - self._first_ordinal
            if 0 <= index < size:
                kind[index] = day_kind
                names[index] = name

        for year in range(SUPPORTED_FIRST_YEAR, SUPPORTED_LAST_YEAR + 1):
            if year in self.overrides:
                self.year_sources[year] = YearSource.OVERRIDE
            elif year in official_years:
                self.year_sources[year] = YearSource.OFFICIAL
            else:
                self.year_sources[year] = YearSource.PROVISIONAL
                for day, name in provisional_holidays(year).items():
                    mark(day, DayKind.HOLIDAY, name)

        english_to_chinese = {h.value: h.chinese for h in chinese_calendar.Holiday}
        for day, english in chinese_calendar.holidays.items():
            if self.year_sources.get(day.year) == YearSource.OFFICIAL:
                mark(day, DayKind.HOLIDAY, canonical_holiday_name(english_to_chinese.get(english, english)))
        for day, english in chinese_calendar.workdays.items():
            if self.year_sources.get(day.year) == YearSource.OFFICIAL and day.weekday() >= 5:
                mark(day, DayKind.MAKEUP_WORKDAY, canonical_holiday_name(english_to_chinese.get(english, english)))
        # Overrides last: they win, including their entries dated just across the year boundary.
        for override in sorted(self.overrides.values(), key=lambda o: o.year):
            for day, name in override.holidays.items():
                mark(day, DayKind.HOLIDAY, name)
            for day, name in override.makeup_workdays.items():
                mark(day, DayKind.MAKEUP_WORKDAY, name)

        self._kind = bytes(kind)
        self._names = names
        # 1 for a working day (an ordinary weekday or a make-up working day), else 0.
        self._is_workday = self._kind.translate(bytes([1, 0, 0, 1]) + bytes(252))
        # _cum[i] = number of working days in [first_day, day i]: the n-th working day after day i is the
        # working day numbered _cum[i] + n.
        self._cum = array("q", itertools.accumulate(self._is_workday))
        # The inverse: _workday_at[k - 1] is the index of the k-th working day, so "the working day numbered k"
        # is one array lookup instead of a binary search.
        self._workday_at = array("q", itertools.compress(range(size), self._is_workday))
        provisional_day = bytearray(size)
        for year, source in self.year_sources.items():
            if source == YearSource.PROVISIONAL:
                first, last = self._index(dt.date(year, 1, 1)), self._index(dt.date(year, 12, 31))
                provisional_day[first:last + 1] = b"\x01" * (last - first + 1)
        self._provisional_day = bytes(provisional_day)
        self.fingerprint = self._compute_fingerprint()

    # ---- identity ------------------------------------------------------------------------------

    def _compute_fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(self._kind)
        digest.update(json.dumps(sorted((y, s.value) for y, s in self.year_sources.items())).encode())
        digest.update(json.dumps(sorted(self._names.items()), ensure_ascii=False).encode())
        digest.update(PROVISIONAL_RULES_VERSION.encode())
        return digest.hexdigest()[:16]

    @property
    def provisional_years(self) -> list[int]:
        return [y for y, s in sorted(self.year_sources.items()) if s == YearSource.PROVISIONAL]

    def describe(self) -> str:
        """One line naming where each year comes from (for logs and the calendar-change record)."""
        def ranges(years: list[int]) -> str:
            parts: list[str] = []
            for year in years:
                if parts and parts[-1][1] == year - 1:
                    parts[-1] = (parts[-1][0], year)
                else:
                    parts.append((year, year))  # type: ignore[arg-type]
            return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in parts)  # type: ignore[misc]

        official = [y for y, s in self.year_sources.items() if s == YearSource.OFFICIAL]
        text = f"chinesecalendar {self.library_version}: {ranges(sorted(official)) or 'none'}"
        if self.overrides:
            text += "; overrides: " + ", ".join(
                f"{o.year} ({o.path.name})" for o in sorted(self.overrides.values(), key=lambda o: o.year))
        return text + f"; provisional: {ranges(self.provisional_years)}"

    # ---- single days ---------------------------------------------------------------------------

    def _index(self, day: dt.date) -> int:
        if isinstance(day, dt.datetime):
            day = day.date()
        index = day.toordinal() - self._first_ordinal
        if not 0 <= index < len(self._kind):
            raise CalendarRangeError(
                f"{day.isoformat()} is outside the supported calendar range "
                f"{self.first_day.isoformat()}..{self.last_day.isoformat()}")
        return index

    def _day(self, index: int) -> dt.date:
        return dt.date.fromordinal(int(index) + self._first_ordinal)

    def day_kind(self, day: dt.date) -> DayKind:
        return DayKind(self._kind[self._index(day)])

    def is_workday(self, day: dt.date) -> bool:
        return bool(self._is_workday[self._index(day)])

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday a day off or a make-up working day belongs to (Chinese canonical name), else None."""
        return self._names.get(self._index(day))

    def year_source(self, year: int) -> YearSource:
        if year not in self.year_sources:
            raise CalendarRangeError(
                f"year {year} is outside the supported range {SUPPORTED_FIRST_YEAR}-{SUPPORTED_LAST_YEAR}")
        return self.year_sources[year]

    def is_provisional(self, year: int) -> bool:
        return self.year_source(year) == YearSource.PROVISIONAL

    # ---- arithmetic ----------------------------------------------------------------------------

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` when it is a working day, else the first working day after it."""
        index = self._index(day)
        if self._is_workday[index]:
            return self._day(index)
        return self._day(self._search(int(self._cum[index]) + 1))

    def add_workdays(self, day: dt.date, n: int, *, warn: bool = True) -> dt.date:
        """The n-th working day after ``day`` (``day`` itself not counted); n < 0 counts backwards."""
        index = self._index(day)
        if n == 0:
            return self._day(index)
        if n > 0:
            result = self._day(self._search(int(self._cum[index]) + n))
        else:
            # The working days before `day` are numbered up to _cum[index] - is_workday(day).
            target = int(self._cum[index]) - int(self._is_workday[index]) + n + 1
            if target < 1:
                raise CalendarRangeError(f"{-n} working days before {day} is before {self.first_day}")
            result = self._day(self._search(target))
        if warn:
            self.warn_if_provisional(min(day, result), max(day, result))
        return result

    def workdays_between(self, start: dt.date, end: dt.date, *, warn: bool = True) -> int:
        """Working days in ``(start, end]``; negative (``-(working days in (end, start])``) when end < start."""
        count = int(self._cum[self._index(end)]) - int(self._cum[self._index(start)])
        if warn:
            self.warn_if_provisional(min(start, end), max(start, end))
        return count

    def _search(self, target: int) -> int:
        """The index of the working day numbered ``target``."""
        if not 1 <= target <= len(self._workday_at):
            raise CalendarRangeError(f"the result falls outside {self.first_day.isoformat()}.."
                                     f"{self.last_day.isoformat()}")
        return int(self._workday_at[target - 1])

    # ---- provisional flags ---------------------------------------------------------------------

    def provisional_years_between(self, first: dt.date, last: dt.date) -> list[int]:
        """The provisional years among those of the days in ``[first, last]``."""
        if last < first:
            first, last = last, first
        return [y for y in range(first.year, last.year + 1) if self.year_sources.get(y) == YearSource.PROVISIONAL]

    def warn_if_provisional(self, first: dt.date, last: dt.date) -> list[int]:
        years = self.provisional_years_between(first, last)
        if years:
            warn_provisional(years, self)
        return years

    # ---- explanation ---------------------------------------------------------------------------

    def special_days(self, after: dt.date, through: dt.date) -> list[SpecialSpan]:
        """Holiday runs and make-up working days touching ``(after, through]``, in date order.

        A holiday run (consecutive holiday days, several holidays merged) is shown whole, even where it extends
        beyond the window.
        """
        first, last = self._index(after) + 1, self._index(through)
        spans: list[SpecialSpan] = []
        if last < first:
            return spans
        kinds = self._kind
        special = [index for index in range(first, last + 1) if kinds[index] in (_HOLIDAY, _MAKEUP)]
        covered_until = -1  # the last index of the holiday run already emitted
        for index in special:
            if kinds[index] == _MAKEUP:
                spans.append(SpecialSpan(DayKind.MAKEUP_WORKDAY, self._day(index), self._day(index),
                                         (self._names.get(index, ""),), bool(self._provisional_day[index])))
                continue
            if index <= covered_until:
                continue
            start, end = index, index
            while start > 0 and kinds[start - 1] == _HOLIDAY:
                start -= 1
            while end + 1 < len(kinds) and kinds[end + 1] == _HOLIDAY:
                end += 1
            covered_until = end
            names = tuple(dict.fromkeys(self._names.get(i, "") for i in range(start, end + 1)))
            spans.append(SpecialSpan(DayKind.HOLIDAY, self._day(start), self._day(end), names,
                                     any(self._provisional_day[start:end + 1])))
        return spans

    # ---- vectorised (ordinals: int64 arrays of date.toordinal()) ---------------------------------

    @cached_property
    def _arrays(self) -> SimpleNamespace:
        """numpy views of the day arrays, built on the first vectorised call (the scalar path never needs them)."""
        import numpy as np

        return SimpleNamespace(
            is_workday=np.frombuffer(self._is_workday, dtype=np.uint8).astype(bool),
            cum=np.frombuffer(self._cum, dtype=np.int64),
            workday_at=np.frombuffer(self._workday_at, dtype=np.int64),
            provisional_cum=np.cumsum(np.frombuffer(self._provisional_day, dtype=np.uint8), dtype=np.int32))

    def indices(self, ordinals: np.ndarray) -> np.ndarray:
        import numpy as np

        indices = np.asarray(ordinals, dtype=np.int64) - self._first_ordinal
        if indices.size and (indices.min() < 0 or indices.max() >= len(self._kind)):
            bad = int(indices.min() if indices.min() < 0 else indices.max()) + self._first_ordinal
            raise CalendarRangeError(
                f"{dt.date.fromordinal(bad).isoformat()} is outside the supported calendar range "
                f"{self.first_day.isoformat()}..{self.last_day.isoformat()}")
        return indices

    def is_workday_ordinals(self, ordinals: np.ndarray) -> np.ndarray:
        return self._arrays.is_workday[self.indices(ordinals)]

    def cum_ordinals(self, ordinals: np.ndarray) -> np.ndarray:
        """The cumulative working-day number of each day (differences count working days)."""
        return self._arrays.cum[self.indices(ordinals)]

    def ordinals_of_cum(self, targets: np.ndarray) -> np.ndarray:
        """The working day whose cumulative number is each target."""
        import numpy as np

        targets = np.asarray(targets, dtype=np.int64)
        if targets.size and (targets.min() < 1 or targets.max() > len(self._workday_at)):
            raise CalendarRangeError(f"a result falls outside {self.first_day}..{self.last_day}")
        return self._arrays.workday_at[targets - 1] + self._first_ordinal

    def next_workday_ordinals(self, ordinals: np.ndarray) -> np.ndarray:
        indices = self.indices(ordinals)
        arrays = self._arrays
        return self.ordinals_of_cum(arrays.cum[indices] + (~arrays.is_workday[indices]))

    def add_workdays_ordinals(self, ordinals: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """Vectorised ``add_workdays`` for n >= 1 (no warning: check ``provisional_ordinals``)."""
        import numpy as np

        return self.ordinals_of_cum(self.cum_ordinals(ordinals) + np.asarray(n, dtype=np.int64))

    def provisional_ordinals(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """True where ``[first, last]`` touches a provisional year."""
        import numpy as np

        first_index, last_index = self.indices(first), self.indices(last)
        provisional_cum = self._arrays.provisional_cum
        before = np.where(first_index > 0, provisional_cum[np.maximum(first_index - 1, 0)], 0)
        return (provisional_cum[last_index] - before) > 0


_warned: set[tuple[str, int]] = set()


def warn_provisional(years: Sequence[int], calendar: WorkCalendar | None = None) -> None:
    """Emit ``ProvisionalCalendarWarning`` for these years (always via ``warnings``; logged once per year at INFO:
    batch callers such as ``compute_deadlines`` log their own summary at WARNING)."""
    years = sorted(set(years))
    text = ", ".join(map(str, years))
    where = calendar.library_version if calendar else "?"
    message = (f"no State Council holiday notice for {text} in chinesecalendar {where} and no override file: "
               f"using a provisional calendar (weekends + statutory holidays, no make-up working days). "
               f"Type the notice into an override file (see analysis/data/calendar_overrides/README.md).")
    warnings.warn(message, ProvisionalCalendarWarning, stacklevel=3)
    for year in years:
        key = (calendar.fingerprint if calendar else "", year)
        if key not in _warned:
            _warned.add(key)
            logger.info("calendar %s is provisional: %s", year, message)


# --------------------------------------------------------------------------------------------------
# The process-wide calendar
# --------------------------------------------------------------------------------------------------


def override_directories() -> list[Path]:
    """The packaged override directory, then the configured one (which wins for the same year)."""
    from store.settings import get_settings

    return [PACKAGED_OVERRIDE_DIR, get_settings().path("deadlines.calendar_override_dir", "calendar_overrides")]


def _directory_state(directories: Sequence[Path]) -> tuple:
    state = []
    for directory in directories:
        if directory.is_dir():
            for path in sorted(directory.glob("*.toml")):
                stat = path.stat()
                state.append((str(path.resolve()), stat.st_mtime_ns, stat.st_size))
    return tuple(state)


@lru_cache(maxsize=4)
def _build_calendar(directories: tuple[Path, ...], state: tuple) -> WorkCalendar:
    return WorkCalendar(load_overrides(directories))


def get_calendar(override_dirs: Sequence[Path | str] | None = None) -> WorkCalendar:
    """The calendar with the overrides found now (rebuilt when an override file is added or edited)."""
    directories = tuple(Path(d) for d in (override_dirs if override_dirs is not None else override_directories()))
    return _build_calendar(directories, _directory_state(directories))


def datetime64_to_ordinals(values: np.ndarray) -> np.ndarray:
    """numpy datetime64 (any unit) -> date ordinals (int64)."""
    import numpy as np

    return values.astype("datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL


def ordinals_to_datetime64(ordinals: np.ndarray) -> np.ndarray:
    import numpy as np

    return (np.asarray(ordinals, dtype=np.int64) - _EPOCH_ORDINAL).astype("datetime64[D]")


__all__ = [
    "CalendarError",
    "CalendarOverride",
    "CalendarOverrideError",
    "CalendarRangeError",
    "DayKind",
    "ProvisionalCalendarWarning",
    "SpecialSpan",
    "WorkCalendar",
    "YearSource",
    "canonical_holiday_name",
    "datetime64_to_ordinals",
    "format_day",
    "get_calendar",
    "holiday_name_en",
    "load_overrides",
    "ordinals_to_datetime64",
    "parse_override_file",
    "provisional_holidays",
    "statutory_holidays",
    "warn_provisional",
]
