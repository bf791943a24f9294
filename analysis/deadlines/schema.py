"""The typed TOML files of deadlines: the rules file and a calendar override file, as pydantic models.

Loaded through ``store.schema`` (``validate``), so every problem is one line ``file: key.path: reason``
(``deadline_rules.toml: rule.2.days: must be an integer >= 1, got 0``; ``2027.toml: makeup_workday.0.dates: make-up
working day 2027-02-10 is a Wed; …``). This module imports pydantic: ``analysis.deadlines.rules`` and
``analysis.deadlines.workcalendar`` import it inside the functions that read a file, so start-up stays light.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from analysis.deadlines.rules import Convention, DayUnit

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Channel = Literal["hotline", "mailbox", "feedback"]


def _problem(message: str) -> PydanticCustomError:
    """A validation error whose text is ``message`` as written (no "Value error," prefix)."""
    return PydanticCustomError("invalid", message.replace("{", "{{").replace("}", "}}"))


def _as_list(value: Any) -> Any:
    """A criterion may be written as one string or as a list of strings; surrounding spaces do not count."""
    if isinstance(value, str):
        value = [value]
    return [v.strip() if isinstance(v, str) else v for v in value] if isinstance(value, list) else value


# --------------------------------------------------------------------------------------------------
# analysis/data/deadline_rules.toml (or the file of the deadlines.rules_file setting)
# --------------------------------------------------------------------------------------------------


class RuleEntry(BaseModel):
    """One ``[[rule]]`` table; field meanings are documented at the top of ``deadline_rules.toml``."""

    model_config = ConfigDict(extra="forbid")

    id: NonEmpty
    type: Literal["deadline", "no_reply_duty"] = "deadline"
    days: Any = Field(None, validate_default=True)
    source: NonEmpty  # the policy this rule comes from: every deadline must be able to cite it
    label: str = ""
    day_unit: DayUnit = DayUnit.WORKING
    convention: Convention | None = None
    channels: tuple[Channel, ...] = ()
    kinds: tuple[NonEmpty, ...] = ()
    sources: tuple[NonEmpty, ...] = ()
    units: tuple[NonEmpty, ...] = ()
    categories: tuple[NonEmpty, ...] = ()
    admissibility: tuple[NonEmpty, ...] = ()
    priority: StrictInt = 0
    enabled: StrictBool = True

    _as_lists = field_validator("channels", "kinds", "sources", "units", "categories", "admissibility",
                                mode="before")(_as_list)

    @field_validator("days")
    @classmethod
    def _days(cls, value: Any, info: ValidationInfo) -> int:
        if info.data.get("type") == "no_reply_duty":
            if value not in (None, 0) or isinstance(value, bool):
                raise _problem("a no_reply_duty rule has no `days`")
            return 0
        if value is None:
            raise _problem("required: the number of days (an integer >= 1)")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _problem(f"must be an integer >= 1, got {value!r}")
        return value

    @model_validator(mode="after")
    def _duty_free_needs_criteria(self) -> RuleEntry:
        if self.type == "no_reply_duty" and not any((self.channels, self.kinds, self.sources, self.units,
                                                     self.categories, self.admissibility)):
            raise _problem("a no_reply_duty rule needs criteria (admissibility, kinds…): without them no letter "
                           "would have a deadline")
        return self


class RulesFile(BaseModel):
    """The whole rules file: ``version`` and the ``[[rule]]`` tables (at least one)."""

    version: StrictInt = 1
    rule: list[RuleEntry] = Field(min_length=1)

    @field_validator("rule")
    @classmethod
    def _unique_ids(cls, rules: list[RuleEntry]) -> list[RuleEntry]:
        seen: dict[str, int] = {}
        for number, entry in enumerate(rules):
            if entry.id in seen:
                raise _problem(f"duplicate id {entry.id!r} (rules {seen[entry.id]} and {number})")
            seen[entry.id] = number
        return rules


# --------------------------------------------------------------------------------------------------
# analysis/data/calendar_overrides/*.toml (and the deadlines.calendar_override_dir directory)
# --------------------------------------------------------------------------------------------------


def _one_day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _problem(f"{value!r} is not a date (write 2027-02-06 or \"2027-02-06\")")


def _days_of(value: Any) -> list[dt.date]:
    """A date, an ISO string, a range "A..B", or a list of those."""
    days: list[dt.date] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and ".." in item:
            first_text, last_text = item.split("..", 1)
            first, last = _one_day(first_text), _one_day(last_text)
            if last < first:
                raise _problem(f"range {item!r} ends before it starts")
            days.extend(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
        else:
            days.append(_one_day(item))
    if not days:
        raise _problem("no dates given")
    return days


class OverrideEntry(BaseModel):
    """One ``[[holiday]]`` or ``[[makeup_workday]]`` table: a holiday name and its dates."""

    name: NonEmpty
    dates: list[dt.date]

    _dates = field_validator("dates", mode="before")(_days_of)


class OverrideFile(BaseModel):
    """One year's override file, typed from the State Council notice (format: calendar_overrides/README.md)."""

    model_config = ConfigDict(extra="forbid")

    year: StrictInt
    notice: NonEmpty  # the State Council notice this was typed from
    holiday: list[OverrideEntry] = Field(default_factory=list, validate_default=True)
    makeup_workday: list[OverrideEntry] = []

    @field_validator("year")
    @classmethod
    def _supported(cls, year: int) -> int:
        from analysis.deadlines.workcalendar import SUPPORTED_FIRST_YEAR, SUPPORTED_LAST_YEAR

        if not SUPPORTED_FIRST_YEAR <= year <= SUPPORTED_LAST_YEAR:
            raise _problem(f"year {year} is outside the supported range {SUPPORTED_FIRST_YEAR}-{SUPPORTED_LAST_YEAR}")
        return year

    @field_validator("holiday", "makeup_workday")
    @classmethod
    def _near_the_year(cls, entries: list[OverrideEntry], info: ValidationInfo) -> list[OverrideEntry]:
        year = info.data.get("year")
        if year is None:
            return entries  # already reported
        for entry in entries:
            for day in entry.dates:
                if abs(day.year - year) > 1:
                    raise _problem(f"{day} is not in or next to {year}")
        if info.field_name == "holiday" and not any(d.year == year for e in entries for d in e.dates):
            raise _problem(f"no holiday in {year}: is `year` right?")
        return entries

    @field_validator("makeup_workday")
    @classmethod
    def _weekend_and_not_a_holiday(cls, entries: list[OverrideEntry], info: ValidationInfo) -> list[OverrideEntry]:
        from analysis.deadlines.workcalendar import WEEKDAYS_EN

        holidays = {d for e in info.data.get("holiday") or [] for d in e.dates}
        for entry in entries:
            for day in entry.dates:
                if day in holidays:
                    raise _problem(f"{day} is listed both as a holiday and as a make-up working day")
                if day.weekday() < 5:
                    raise _problem(f"make-up working day {day} is a {WEEKDAYS_EN[day.weekday()]}; a make-up working "
                                   "day is a Saturday or Sunday that becomes a working day")
        return entries
