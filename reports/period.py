"""Publication periods: the 1st-15th and the 16th-end of each month (每半月公开), as the work plans require."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta


class PeriodError(ValueError):
    """A period string that is not a half month."""


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        last_day = calendar.monthrange(self.start.year, self.start.month)[1]
        if self.start.day == 1:
            expected_end = self.start.replace(day=15)
        elif self.start.day == 16:
            expected_end = self.start.replace(day=last_day)
        else:
            raise PeriodError(
                f"period {self.start.isoformat()}:{self.end.isoformat()}: a period starts on the 1st or the 16th "
                "of a month (half months: 1st-15th, 16th-end)"
            )
        if self.end != expected_end:
            raise PeriodError(
                f"period {self.start.isoformat()}:{self.end.isoformat()}: the half month starting "
                f"{self.start.isoformat()} ends on {expected_end.isoformat()}"
            )

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2024-03-01:2024-03-15`` (the CLI form)."""
        parts = text.strip().split(":")
        if len(parts) != 2:
            raise PeriodError(f"period {text!r}: expected START:END, e.g. 2024-03-01:2024-03-15")
        try:
            start, end = (date.fromisoformat(p.strip()) for p in parts)
        except ValueError as exc:
            raise PeriodError(f"period {text!r}: dates must be YYYY-MM-DD ({exc})") from None
        return cls(start, end)

    @classmethod
    def containing(cls, day: date) -> Period:
        if day.day <= 15:
            return cls(day.replace(day=1), day.replace(day=15))
        return cls(day.replace(day=16), day.replace(day=calendar.monthrange(day.year, day.month)[1]))

    @classmethod
    def last_completed(cls, today: date) -> Period:
        """The latest period that has ended before ``today`` (what the biweekly job summarises)."""
        return cls.containing(today).previous()

    def previous(self) -> Period:
        return Period.containing(self.start - timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.end + timedelta(days=1))

    @property
    def start_dt(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def end_exclusive_dt(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time())

    @property
    def first_half(self) -> bool:
        return self.start.day == 1

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}:{self.end.isoformat()}"

    @property
    def slug(self) -> str:
        """For file and directory names: ``2019-11-b``."""
        return f"{self.start:%Y-%m}-{'a' if self.first_half else 'b'}"

    @property
    def label_zh(self) -> str:
        half = "上半月" if self.first_half else "下半月"
        return f"{self.start.year}年{self.start.month}月{half}"

    @property
    def range_zh(self) -> str:
        return f"{self.start.year}年{self.start.month}月{self.start.day}日至{self.end.month}月{self.end.day}日"

    def __str__(self) -> str:
        return self.key
