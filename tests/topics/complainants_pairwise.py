"""The pairwise definition of ``analysis.topics.complainants``, as first written: frozensets of bigrams compared
pair by pair, a union-find over the links. Slow (every pair of a day, of a shared reply) but plain; the
tests hold the vectorised module to it."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

__all__ = ["distinct_complainants", "distinct_complainants_many", "infer_complainants", "infer_complainants_many"]

_NEAR_DUPLICATE = 0.8
_CASE_GAP = 2
_CASE_MINUTES = 30
_CASE_SIMILARITY = 0.2
_REPLY_MIN_CHARS = 20
_REPLY_SIMILARITY = 0.35
_BURST_SIMILARITY = 0.5
_BURST_MAX_PER_DAY = 400  # a day with more letters than this is compared through near-duplicates only
_TEXT_CHARS = 300  # the start of a letter says what it is about; long letters are not compared in full

_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]+")
_CASE_NUMBER = re.compile(r"^(.*?)(\d+)$")


def _text(row: Mapping[str, Any]) -> str:
    title = row.get("title") or ""
    content = row.get("content") or ""
    if content.startswith(title):  # exports that repeat the title at the start of the content
        title = ""
    return "".join(_HAN_OR_WORD.findall(f"{title} {content}"))[:_TEXT_CHARS]


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1)) if len(text) > 1 else frozenset([text])


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _when(row: Mapping[str, Any]) -> datetime | None:
    value = row.get("submitted_at")
    return value if isinstance(value, datetime) else None


def _shingles(text: str) -> list[str]:
    return [text[k:k + 3] for k in range(max(len(text) - 2, 1))] if text else []


def _link_near_duplicates(indices: list[int], texts: list[str], groups: Any, links: _UnionFind) -> None:
    """``groups``: the near-duplicate group of each of ``indices`` (``near_duplicate_groups`` of their
    shingles, computed for many topics at once by ``infer_complainants_many``)."""
    for position, group in enumerate(groups):
        if texts[indices[position]]:
            links.union(indices[position], indices[int(group)])


def _link_case_numbers(indices: list[int], rows: Sequence[Mapping[str, Any]], grams: list[frozenset[str]],
                       title_grams: list[frozenset[str]], links: _UnionFind) -> None:
    numbered = []
    for i in indices:
        match = _CASE_NUMBER.match(str(rows[i].get("external_id") or ""))
        if match and _when(rows[i]) is not None:
            numbered.append((match.group(1), int(match.group(2)), i))
    numbered.sort()
    for position, (prefix, number, i) in enumerate(numbered):
        for other_prefix, other_number, j in numbered[position + 1:]:
            if other_prefix != prefix or other_number - number > _CASE_GAP:
                break
            minutes = abs((_when(rows[i]) - _when(rows[j])).total_seconds()) / 60
            if minutes <= _CASE_MINUTES and max(_jaccard(grams[i], grams[j]),
                                                 _jaccard(title_grams[i], title_grams[j])) >= _CASE_SIMILARITY:
                links.union(i, j)


def _link_shared_replies(indices: list[int], rows: Sequence[Mapping[str, Any]], grams: list[frozenset[str]],
                         links: _UnionFind) -> None:
    by_reply: dict[str, list[int]] = defaultdict(list)
    for i in indices:
        reply = "".join(_HAN_OR_WORD.findall(rows[i].get("reply_text") or ""))
        if len(reply) >= _REPLY_MIN_CHARS:
            by_reply[reply].append(i)
    for members in by_reply.values():
        for position, i in enumerate(members):
            for j in members[position + 1:]:
                if _jaccard(grams[i], grams[j]) >= _REPLY_SIMILARITY:
                    links.union(i, j)


def _link_same_day(indices: list[int], rows: Sequence[Mapping[str, Any]], grams: list[frozenset[str]],
                   links: _UnionFind) -> None:
    by_day: dict[Any, list[int]] = defaultdict(list)
    for i in indices:
        when = _when(rows[i])
        if when is not None:
            by_day[when.date()].append(i)
    for members in by_day.values():
        if len(members) > _BURST_MAX_PER_DAY:
            continue
        for position, i in enumerate(members):
            for j in members[position + 1:]:
                if _jaccard(grams[i], grams[j]) >= _BURST_SIMILARITY:
                    links.union(i, j)


def infer_complainants(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """One complainant key per row: ``s:<source>:<submitter>`` where the submitter is known, else
    ``i:<source>:<id>`` with the id of the first letter of the inferred person (see the module docstring)."""
    return infer_complainants_many([rows])[0]


# Rows whose shingles are held at once: a letter's shingles cost about 30 KiB as lists of strings, so all the
# letters of a year's topics at once would be tens of GiB; per slice of this many rows memory stays flat.
_ROWS_PER_SLICE = 20_000


def infer_complainants_many(row_lists: Sequence[Sequence[Mapping[str, Any]]]) -> list[list[str]]:
    """``infer_complainants`` of each list of rows (e.g. the letters of each topic), each list on its own;
    the near-duplicate step runs once per slice of lists (``_ROWS_PER_SLICE`` rows), not once per list."""
    results: list[list[str]] = []
    start = 0
    while start < len(row_lists):
        stop, rows_in_slice = start, 0
        while stop < len(row_lists) and (stop == start or rows_in_slice + len(row_lists[stop]) <= _ROWS_PER_SLICE):
            rows_in_slice += len(row_lists[stop])
            stop += 1
        results.extend(_infer_slice(row_lists[start:stop]))
        start = stop
    return results


def _infer_slice(row_lists: Sequence[Sequence[Mapping[str, Any]]]) -> list[list[str]]:
    from analysis.text.dedup import near_duplicate_groups_many

    prepared = []
    batches: list[list[list[str]]] = []
    for rows in row_lists:
        keys: list[str | None] = [None] * len(rows)
        anonymous: dict[Any, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            submitter = str(row.get("submitter") or "").strip()
            if submitter:
                keys[i] = f"s:{row.get('source_id')}:{submitter}"
            else:
                anonymous[row.get("source_id")].append(i)
        texts = [_text(row) for row in rows] if anonymous else []
        batches.extend([_shingles(texts[i]) for i in indices] for indices in anonymous.values())
        prepared.append((rows, keys, anonymous, texts))
    groups = iter(near_duplicate_groups_many(batches, threshold=_NEAR_DUPLICATE) if batches else [])
    return [_link(rows, keys, anonymous, texts, groups) for rows, keys, anonymous, texts in prepared]


def _link(rows: Sequence[Mapping[str, Any]], keys: list[str | None], anonymous: dict[Any, list[int]],
          texts: list[str], near_groups: Any) -> list[str]:
    if anonymous:
        grams = [_bigrams(t) if t else frozenset() for t in texts]
        title_grams = [_bigrams("".join(_HAN_OR_WORD.findall(row.get("title") or ""))) for row in rows]
        links = _UnionFind(len(rows))
        for indices in anonymous.values():
            _link_near_duplicates(indices, texts, next(near_groups), links)
            _link_case_numbers(indices, rows, grams, title_grams, links)
            _link_shared_replies(indices, rows, grams, links)
            _link_same_day(indices, rows, grams, links)
        first_id: dict[int, Any] = {}
        for source, indices in anonymous.items():
            for i in indices:
                root = links.find(i)
                identity = rows[i].get("id", i)
                if root not in first_id or _sortable(identity) < _sortable(first_id[root]):
                    first_id[root] = identity
            for i in indices:
                keys[i] = f"i:{source}:{first_id[links.find(i)]}"
    return [key or "" for key in keys]


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def distinct_complainants(rows: Sequence[Mapping[str, Any]]) -> int:
    """How many different people wrote ``rows`` (see ``infer_complainants``)."""
    return len(set(infer_complainants(rows)))


def distinct_complainants_many(row_lists: Sequence[Sequence[Mapping[str, Any]]]) -> list[int]:
    """``distinct_complainants`` of each list of rows, in one pass (see ``infer_complainants_many``)."""
    return [len(set(keys)) for keys in infer_complainants_many(row_lists)]
