"""Each recipient's digest of one run, planned from the run's decision columns: every item counted and keyed,
the most urgent ``alerts.digest_max_items`` listed.

A 督办 office can have hundreds of thousands of items at once. Only listed items are formatted (a dict, a line
of text, the outbox payload), so a run's cost follows what a person can read, not everything that is counted;
the idempotency key still covers every item, so the same items are never queued twice.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from alerts.digest import GROUP_ORDER, item_group


@dataclass
class FiringItems:
    """The firing notifications of message alerts, one per (message, level) notified, as aligned columns."""

    recipient: np.ndarray  # index into the run's recipients
    level: np.ndarray  # index into the ladder
    row: np.ndarray  # index into the run's candidates
    period: np.ndarray
    due: np.ndarray  # ordinal; -1: no due date
    message_id: np.ndarray


@dataclass
class PlannedDigest:
    recipient: int  # index into the run's recipients
    items: list[dict[str, Any]]  # the listed items, most urgent first
    totals: dict[str, int]  # digest group → count of every item
    item_keys: list[str]  # what the digest's idempotency key is made of: one fingerprint of every firing item
    # (message, level, period), plus the keys ``subject|level|period`` of the other items


def _fingerprint(triples: np.ndarray) -> str:
    """One key standing for a recipient's firing items, (message id, ladder rank, period) rows in canonical
    order: hashing these ints costs a fraction of formatting and sorting a key string per item."""
    return "firing:" + hashlib.sha256(np.ascontiguousarray(triples, dtype="<i8").tobytes()).hexdigest()


class DigestPlan:
    def __init__(self, levels: tuple[str, ...], max_items: int):
        if max_items < 1:
            raise ValueError(f"setting alerts.digest_max_items: must be at least 1, got {max_items}")
        self.levels = levels
        self.max_items = max_items
        self.firing: FiringItems | None = None
        self.other: dict[int, list[dict[str, Any]]] = {}  # recipient → resolution notices, early warnings

    def add(self, recipient: int, item: dict[str, Any]) -> None:
        self.other.setdefault(recipient, []).append(item)

    def plan(self, describe: Callable[[int, str, int], dict[str, Any]]) -> Iterator[PlannedDigest]:
        """The digests, in recipient order; ``describe(row, level, period)`` formats one listed firing item."""
        firing = self.firing
        if firing is None or not len(firing.recipient):
            for recipient in sorted(self.other):
                yield self._digest(recipient, [], [], Counter(), describe)
            return
        group_of_level = np.asarray([GROUP_ORDER.index(level) for level in self.levels], dtype=np.int64)
        group = group_of_level[firing.level]
        # Per recipient: most urgent group first, then the oldest due date (no date first), then message order.
        order = np.lexsort((firing.message_id, firing.due, group, firing.recipient))
        recipient_sorted = firing.recipient[order]
        level_names = np.asarray(self.levels, dtype=object)[firing.level[order]].tolist()
        rows, periods = firing.row[order].tolist(), firing.period[order].tolist()
        groups_sorted = group[order]
        # The same items in canonical order, fingerprinted per recipient: same items, same key, however many.
        canonical = np.lexsort((firing.period, firing.level, firing.message_id, firing.recipient))
        triples = np.stack([firing.message_id[canonical], firing.level[canonical], firing.period[canonical]], axis=1)
        for recipient in sorted(set(np.unique(recipient_sorted).tolist()) | set(self.other)):
            start = int(np.searchsorted(recipient_sorted, recipient, "left"))
            end = int(np.searchsorted(recipient_sorted, recipient, "right"))
            listed = [(rows[i], level_names[i], periods[i]) for i in range(start, min(end, start + self.max_items))]
            counts = Counter({GROUP_ORDER[g]: int(c) for g, c in
                              enumerate(np.bincount(groups_sorted[start:end], minlength=len(GROUP_ORDER))) if c})
            keys = [_fingerprint(triples[start:end])] if end > start else []
            yield self._digest(recipient, listed, keys, counts, describe)

    def _digest(self, recipient: int, listed: list[tuple[int, str, int]], keys: list[str], counts: Counter,
                describe: Callable[[int, str, int], dict[str, Any]]) -> PlannedDigest:
        items = [describe(row, level, period) for row, level, period in listed]
        other = self.other.get(recipient, [])
        items += other[:max(self.max_items - len(items), 0)]
        counts.update(item_group(item) for item in other)
        return PlannedDigest(recipient, items, dict(counts), keys + [item["key"] for item in other])
