"""Deadline rules: the policy settings, the declarative rules (``analysis/data/deadline_rules.toml``) and their loader.

A rule says how many days a message gets (working or calendar days, which counting convention) and which messages
it applies to (channels, kinds, sources, units, categories, admissibility); each cites its policy source. The file
is validated by the pydantic model in ``analysis.deadlines.schema`` (imported when a file is loaded), so errors
name the file, the key path and the reason. ``RuleSet.match`` picks the rule of a message.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis import DATA_DIR

PACKAGED_RULES_FILE = DATA_DIR / "deadline_rules.toml"


class DeadlineError(ValueError):
    """A deadline problem with a clear reason (bad rule file, bad extension, unknown message)."""


class Convention(StrEnum):
    # 民法典 第二百零一条: the day of receipt is not counted; due the N-th working day after it (the default)
    GENERAL_RULE = "general_rule"
    NEXT_WORKING_DAY = "next_working_day"      # non-working receipt deemed received the next working day, then N
    RECEIPT_DAY_COUNTS = "receipt_day_counts"  # the (deemed) day of receipt is day 1


class DayUnit(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"



# --------------------------------------------------------------------------------------------------
# Policy settings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlinePolicy:
    """The ``deadlines.*`` settings that shape computations (defaults = the documented policy)."""

    convention: Convention = Convention.GENERAL_RULE
    receipt_cutoff: dt.time | None = None
    due_soon_days: int = 1
    seriously_overdue_days: int = 5
    min_cases_for_ranking: int = 20
    closed_statuses: frozenset[str] = frozenset({"已办结", "办结", "已完成", "已关闭", "已结束", "已终止"})

    @classmethod
    def from_settings(cls, settings: Any = None) -> DeadlinePolicy:
        from store.settings import get_settings

        settings = settings or get_settings()
        convention_text = settings.get("deadlines.convention")
        try:
            convention = Convention(convention_text)
        except ValueError:
            raise DeadlineError(f"setting deadlines.convention: {convention_text!r} is not one of "
                                f"{[c.value for c in Convention]}") from None
        cutoff_text = settings.get("deadlines.receipt_cutoff").strip()
        cutoff = None
        if cutoff_text:
            try:
                cutoff = dt.time.fromisoformat(cutoff_text)
            except ValueError:
                raise DeadlineError(f"setting deadlines.receipt_cutoff: {cutoff_text!r} is not a time HH:MM") from None
        return cls(convention=convention, receipt_cutoff=cutoff,
                   due_soon_days=int(settings.get("deadlines.due_soon_days")),
                   seriously_overdue_days=int(settings.get("deadlines.seriously_overdue_days")),
                   min_cases_for_ranking=int(settings.get("deadlines.min_cases_for_ranking")),
                   closed_statuses=frozenset(settings.get("deadlines.closed_statuses")))

    def counting_key(self) -> str:
        """What of the policy changes due dates (part of the rules fingerprint)."""
        return f"{self.convention.value}|{self.receipt_cutoff.isoformat() if self.receipt_cutoff else ''}"


# --------------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    days: int
    source: str
    label: str = ""
    day_unit: DayUnit = DayUnit.WORKING
    convention: Convention | None = None
    channels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    priority: int = 0
    enabled: bool = True
    order: int = 0
    # Rule type "no_reply_duty" (``type = "no_reply_duty"``): letters it matches (praise, thanks…) have no reply
    # deadline, so no due date and no alerts. ``admissibility`` matches messages.admissibility exactly.
    no_reply_duty: bool = False
    admissibility: tuple[str, ...] = ()

    @property
    def specificity(self) -> int:
        return sum(1 for c in (self.channels, self.kinds, self.sources, self.units, self.categories,
                               self.admissibility) if c)

    def matches(self, channel: str | None = None, kind: str | None = None, source: str | None = None,
                unit: str | None = None, category: str | None = None, admissibility: str | None = None) -> bool:
        if self.channels and (channel or "") not in self.channels:
            return False
        if self.admissibility and (admissibility or "") not in self.admissibility:
            return False
        for wanted, value in ((self.kinds, kind), (self.sources, source), (self.units, unit),
                              (self.categories, category)):
            if wanted and not any(w in (value or "") for w in wanted):
                return False
        return True


class RuleSet:
    """The enabled rules in match order, with the catch-all default."""

    def __init__(self, rules: Sequence[DeadlineRule], path: Path | None = None):
        self.path = path
        self.all_rules = list(rules)
        self.rules = sorted((r for r in rules if r.enabled), key=lambda r: (-r.priority, -r.specificity, r.order))
        defaults = [r for r in self.rules if r.specificity == 0 and not r.no_reply_duty]
        if not defaults:
            raise DeadlineError(f"{path or 'rules'}: no enabled rule without criteria: a default rule is required")
        if len(defaults) > 1:
            raise DeadlineError(f"{path or 'rules'}: several default rules without criteria: "
                                f"{[r.id for r in defaults]}; keep one")
        self.default = defaults[0]
        self._by_id = {r.id: r for r in self.all_rules}
        self._cache: dict[tuple, DeadlineRule] = {}
        payload = [(r.id, r.days, r.day_unit.value, r.convention.value if r.convention else None, r.channels,
                    r.kinds, r.sources, r.units, r.categories, r.priority, r.enabled)
                   + ((r.no_reply_duty, r.admissibility) if r.no_reply_duty or r.admissibility else ())
                   for r in self.all_rules]
        self.fingerprint = hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:16]

    def match(self, channel: str | None = None, kind: str | None = None, source: str | None = None,
              unit: str | None = None, category: str | None = None, admissibility: str | None = None
              ) -> DeadlineRule:
        key = (channel, kind, source, unit, category, admissibility)
        rule = self._cache.get(key)
        if rule is None:
            rule = next(r for r in self.rules if r.matches(channel, kind, source, unit, category, admissibility))
            if len(self._cache) < 200_000:
                self._cache[key] = rule
        return rule

    def get(self, rule_id: str) -> DeadlineRule:
        if rule_id not in self._by_id:
            raise DeadlineError(f"unknown deadline rule {rule_id!r} (known: {sorted(self._by_id)})")
        return self._by_id[rule_id]


def _string_tuple(value: object, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DeadlineError(f"{where}: `{key}` must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_rules(data: Mapping[str, Any], path: Path | None = None) -> RuleSet:
    where_file = str(path or "rules")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise DeadlineError(f"{where_file}: no [[rule]] tables")
    known = {"id", "days", "source", "label", "day_unit", "convention", "channels", "kinds", "sources", "units",
             "categories", "priority", "enabled", "type", "admissibility"}
    rules: list[DeadlineRule] = []
    seen: set[str] = set()
    for order, entry in enumerate(raw_rules):
        rule_id = entry.get("id") if isinstance(entry, dict) else None
        where = f"{where_file}: [[rule]] #{order + 1}" + (f" ({rule_id})" if rule_id else "")
        if not isinstance(entry, dict):
            raise DeadlineError(f"{where}: must be a table")
        unknown = set(entry) - known
        if unknown:
            raise DeadlineError(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(rule_id, str) or not rule_id.strip():
            raise DeadlineError(f"{where}: `id` is required")
        if rule_id in seen:
            raise DeadlineError(f"{where}: duplicate id {rule_id!r}")
        seen.add(rule_id)
        rule_type = entry.get("type", "deadline")
        if rule_type not in ("deadline", "no_reply_duty"):
            raise DeadlineError(f"{where}: `type` must be 'deadline' or 'no_reply_duty', got {rule_type!r}")
        no_reply_duty = rule_type == "no_reply_duty"
        days = entry.get("days", 0 if no_reply_duty else None)
        if no_reply_duty and days != 0:
            raise DeadlineError(f"{where}: a no_reply_duty rule has no `days`")
        if not no_reply_duty and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
            raise DeadlineError(f"{where}: `days` must be an integer >= 1, got {days!r}")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise DeadlineError(f"{where}: `source` (the policy this rule comes from) is required")
        try:
            day_unit = DayUnit(entry.get("day_unit", "working"))
        except ValueError:
            raise DeadlineError(f"{where}: `day_unit` must be 'working' or 'calendar'") from None
        convention = None
        if "convention" in entry:
            try:
                convention = Convention(entry["convention"])
            except ValueError:
                raise DeadlineError(f"{where}: `convention` must be one of {[c.value for c in Convention]}") from None
        channels = _string_tuple(entry.get("channels"), where, "channels")
        bad_channels = set(channels) - {"hotline", "mailbox", "feedback"}
        if bad_channels:
            raise DeadlineError(f"{where}: unknown channels {sorted(bad_channels)} (hotline, mailbox, feedback)")
        priority = entry.get("priority", 0)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise DeadlineError(f"{where}: `priority` must be an integer")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise DeadlineError(f"{where}: `enabled` must be true or false")
        rules.append(DeadlineRule(
            id=rule_id.strip(), days=days, source=source.strip(), label=str(entry.get("label", "")),
            day_unit=day_unit, convention=convention, channels=channels,
            kinds=_string_tuple(entry.get("kinds"), where, "kinds"),
            sources=_string_tuple(entry.get("sources"), where, "sources"),
            units=_string_tuple(entry.get("units"), where, "units"),
            categories=_string_tuple(entry.get("categories"), where, "categories"),
            priority=priority, enabled=enabled, order=order, no_reply_duty=no_reply_duty,
            admissibility=_string_tuple(entry.get("admissibility"), where, "admissibility")))
        if no_reply_duty and not rules[-1].specificity:
            raise DeadlineError(f"{where}: a no_reply_duty rule needs criteria (admissibility, kinds…): without "
                                "them no letter would have a deadline")
    return RuleSet(rules, path)


@lru_cache(maxsize=8)
def _load_rules_cached(path: Path, mtime_ns: int, size: int) -> RuleSet:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DeadlineError(f"{path}: not valid TOML: {exc}") from exc
    return parse_rules(data, path)


def load_rules(path: Path | str | None = None) -> RuleSet:
    """The rules from ``path``, else the ``deadlines.rules_file`` setting, else the packaged file."""
    if path is None:
        from store.settings import get_settings

        configured = get_settings().get("deadlines.rules_file")
        path = Path(configured) if configured else PACKAGED_RULES_FILE
    path = Path(path)
    if not path.is_file():
        raise DeadlineError(f"deadline rules file {path} does not exist")
    stat = path.stat()
    return _load_rules_cached(path.resolve(), stat.st_mtime_ns, stat.st_size)

