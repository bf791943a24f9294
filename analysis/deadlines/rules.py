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


def parse_rules(data: Mapping[str, Any], path: Path | None = None) -> RuleSet:
    """The rule set of a parsed rules file, validated by ``analysis.deadlines.schema.RulesFile``; a problem is a
    DeadlineError with one line per problem: ``file: key.path: reason`` (``rules.toml: rule.0.days: …``)."""
    from analysis.deadlines.schema import RulesFile
    from store.schema import validate
    from store.settings import ConfigError

    try:
        parsed = validate(RulesFile, data, str(path or "rules"))
    except ConfigError as exc:
        raise DeadlineError(str(exc)) from None
    return RuleSet([DeadlineRule(
        id=entry.id, days=entry.days, source=entry.source, label=entry.label, day_unit=entry.day_unit,
        convention=entry.convention, channels=entry.channels, kinds=entry.kinds, sources=entry.sources,
        units=entry.units, categories=entry.categories, priority=entry.priority, enabled=entry.enabled, order=order,
        no_reply_duty=entry.type == "no_reply_duty", admissibility=entry.admissibility)
        for order, entry in enumerate(parsed.rule)], path)


@lru_cache(maxsize=8)
def _load_rules_cached(path: Path, mtime_ns: int, size: int) -> RuleSet:
    from store.schema import read_toml
    from store.settings import ConfigError

    try:
        data = read_toml(path)
    except ConfigError as exc:
        raise DeadlineError(str(exc)) from None
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

