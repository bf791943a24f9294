"""Distinct complainants: how many *people* raised something, not how many letters arrived.

``infer_complainants(rows) -> list[str]`` gives one complainant key per row (equal keys = the same person as
far as we can tell); ``distinct_complainants(rows) -> int`` counts the keys (``…_many(row_lists)``: the same for
each of many lists, e.g. every topic, in one pass). A row is a mapping with the keys
``id, source_id, submitter, external_id, submitted_at, title, content, reply_text`` (missing keys count as
empty). The hot list, the early warnings, the topics' ``distinct_submitters`` and the publication's
``asked_count`` all count people through this one module.

Where the export names the submitter (附件3's 留言用户), the submitter is the person: one key per (source,
submitter), and two different submitters are never merged. Where it does not (大连, 商洛), letters of one source
are linked into one person when any of these holds (a union-find over the links):

- *near-identical text*: title + content agree on at least ``_NEAR_DUPLICATE`` of their character 3-grams
  (MinHash + LSH of ``analysis.text.dedup``, so never all pairs);
- *consecutive case numbers filed minutes apart*: external ids with the same prefix whose numbers differ by at
  most ``_CASE_GAP``, submitted within ``_CASE_MINUTES`` minutes, with some shared wording (titles or texts
  agree on at least ``_CASE_SIMILARITY`` of their character bigrams): one person filing the same matter twice;
- *shared replies*: the unit answered both letters with the same non-trivial reply text and the letters say
  much the same (``_REPLY_SIMILARITY``): units copy their reply when one person writes again; a canned reply to
  different people on different matters does not link them because their texts differ;
- *same-day bursts*: letters of one day whose texts agree on at least ``_BURST_SIMILARITY`` of their character
  bigrams.

Letters are reduced to a compact record as they are read (``letter(row)``: the first ``_TEXT_CHARS`` characters
of their words, a digest of the reply), so a topic of a hundred thousand letters holds no full texts; the
similarities are counted on integer codes of character n-grams (a bigram is its two code points in one
integer) through sparse matrix products, never a Python loop over pairs. The results are those of the pairwise
definition above (``tests/topics/test_complainants.py`` checks them against it).

Without a submitter the inference cannot tell two neighbours who write the same complaint in the same words
from one person writing twice; it errs towards one person, which is the safe side for a hot list (a campaign of
copies is not many independent voices).
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["Letter", "distinct_complainants", "distinct_complainants_many", "infer_complainants",
           "infer_complainants_many", "letter"]

_NEAR_DUPLICATE = 0.8
_CASE_GAP = 2
_CASE_MINUTES = 30
_CASE_SIMILARITY = 0.2
_REPLY_MIN_CHARS = 20
_REPLY_SIMILARITY = 0.35
_BURST_SIMILARITY = 0.5
_BURST_MAX_PER_DAY = 400  # a day with more letters than this is compared through near-duplicates only
_TEXT_CHARS = 300  # the start of a letter says what it is about; long letters are not compared in full
# Cells (rows x group) of one block of a group's sparse self-product: a group of letters sharing a reply can
# be tens of thousands, whose whole product would be the group squared.
_PAIR_BLOCK_CELLS = 4_000_000

_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]+")
_CASE_NUMBER = re.compile(r"^(.*?)(\d+)$")
_EMPTY_TITLE = -1  # the bigram set of an empty title is {""}: two empty titles agree (as the definition has it)


@dataclass(frozen=True, slots=True)
class Letter:
    """What the inference needs of a letter, without its full text."""
    identity: Any
    source: Any
    submitter: str
    text: str  # the first _TEXT_CHARS characters of the words of title + content
    title: str  # the words of the title
    when: datetime | None
    case: tuple[str, int] | None  # (prefix, number) of a numbered external id
    reply: bytes | None  # digest of the reply's words when it has at least _REPLY_MIN_CHARS of them


def _text(row: Mapping[str, Any]) -> str:
    title = row.get("title") or ""
    content = row.get("content") or ""
    if content.startswith(title):  # exports that repeat the title at the start of the content
        title = ""
    return "".join(_HAN_OR_WORD.findall(f"{title} {content}"))[:_TEXT_CHARS]


def letter(row: Mapping[str, Any] | Letter, position: int = 0) -> Letter:
    """The compact record of a row (keys as in the module docstring; ``position`` is its identity when the row
    has no ``id``). Callers reading many rows reduce each as it comes, so full texts are not held."""
    if isinstance(row, Letter):
        return row
    when = row.get("submitted_at")
    when = when if isinstance(when, datetime) else None
    match = _CASE_NUMBER.match(str(row.get("external_id") or ""))
    reply = "".join(_HAN_OR_WORD.findall(row.get("reply_text") or ""))
    return Letter(identity=row.get("id", position), source=row.get("source_id"),
                  submitter=str(row.get("submitter") or "").strip(), text=_text(row),
                  title="".join(_HAN_OR_WORD.findall(row.get("title") or "")), when=when,
                  case=(match.group(1), int(match.group(2))) if match and when is not None else None,
                  reply=hashlib.blake2b(reply.encode("utf-8"), digest_size=16).digest()
                  if len(reply) >= _REPLY_MIN_CHARS else None)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _bigram_codes(text: str, *, empty: int | None = None) -> np.ndarray:
    """The set of character bigrams of ``text`` as sorted integers (a one-character text: that character; an
    empty one: nothing, or ``empty``). Code points are below 2**21, so two fit in an int64 without collision."""
    points = _code_points(text)
    if len(points) > 1:
        return np.unique((points[:-1] << 21) | points[1:])
    if len(points) == 1:
        return points
    return np.array([] if empty is None else [empty], dtype=np.int64)


def _shingle_codes(text: str) -> np.ndarray:
    """The character 3-grams of ``text`` in order, as integers (a text of one or two characters: one code for
    it; distinct lengths cannot collide since the leading code point is never 0)."""
    points = _code_points(text)
    if len(points) >= 3:
        return (points[:-2] << 42) | (points[1:-1] << 21) | points[2:]
    if len(points) == 2:
        return np.array([(points[0] << 21) | points[1]], dtype=np.int64)
    return points


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def _similar_pairs(sets: list[np.ndarray], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) with i < j among ``sets`` (sorted integer arrays) whose Jaccard similarity is at least
    ``threshold``: intersections counted by a sparse product of the sets' incidence matrix with itself, a
    block of rows at a time."""
    n = len(sets)
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=n)
    if n < 2 or not sizes.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    values, columns = np.unique(np.concatenate(sets), return_inverse=True)
    incidence = sparse.csr_matrix((np.ones(len(columns), dtype=np.int32), columns.ravel(),
                                   np.concatenate([[0], np.cumsum(sizes)])), shape=(n, len(values)))
    transposed = incidence.T.tocsr()
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    block = max(1, _PAIR_BLOCK_CELLS // n)
    for start in range(0, n, block):
        shared = sparse.triu(incidence[start:start + block] @ transposed, k=start + 1).tocoo()
        i, j = shared.row.astype(np.int64) + start, shared.col.astype(np.int64)
        # the same division as len(a & b) / len(a | b), so the threshold cuts where the definition does
        similar = shared.data / (sizes[i] + sizes[j] - shared.data) >= threshold
        left.append(i[similar])
        right.append(j[similar])
    return np.concatenate(left), np.concatenate(right)


def infer_complainants(rows: Sequence[Mapping[str, Any] | Letter]) -> list[str]:
    """One complainant key per row: ``s:<source>:<submitter>`` where the submitter is known, else
    ``i:<source>:<id>`` with the id of the first letter of the inferred person (see the module docstring)."""
    return infer_complainants_many([rows])[0]


# Letters whose 3-grams are held at once (for the near-duplicate step, over many lists in one pass).
_ROWS_PER_SLICE = 20_000


def infer_complainants_many(row_lists: Sequence[Sequence[Mapping[str, Any] | Letter]]) -> list[list[str]]:
    """``infer_complainants`` of each list of rows or ``Letter``s (e.g. the letters of each topic), each list
    on its own; the near-duplicate step runs once per slice of lists (``_ROWS_PER_SLICE`` rows)."""
    results: list[list[str]] = []
    start = 0
    while start < len(row_lists):
        stop, rows_in_slice = start, 0
        while stop < len(row_lists) and (stop == start or rows_in_slice + len(row_lists[stop]) <= _ROWS_PER_SLICE):
            rows_in_slice += len(row_lists[stop])
            stop += 1
        letter_lists = [[letter(row, i) for i, row in enumerate(rows)] for rows in row_lists[start:stop]]
        results.extend(_infer_slice(letter_lists))
        start = stop
    return results


def _infer_slice(letter_lists: list[list[Letter]]) -> list[list[str]]:
    """The keys of each list, all lists linked in one pass: a partition is the anonymous letters of one list
    and one source, and every link stays within its partition (a per-list pass spent most of its time on the
    fixed cost of small numpy calls when an incremental run counts thousands of small topics)."""
    letters = [one for letters in letter_lists for one in letters]
    keys = [f"s:{one.source}:{one.submitter}" if one.submitter else "" for one in letters]
    by_partition: dict[tuple[int, Any], list[int]] = defaultdict(list)
    offset = 0
    for number, group in enumerate(letter_lists):
        for i, one in enumerate(group):
            if not one.submitter:
                by_partition[(number, one.source)].append(offset + i)
        offset += len(group)
    if by_partition:
        partitions = list(by_partition.values())
        person = _people(letters, partitions)
        for (_number, source), indices in zip(by_partition, partitions, strict=True):
            first_id: dict[int, Any] = {}
            for i in indices:
                root, identity = int(person[i]), letters[i].identity
                if root not in first_id or _sortable(identity) < _sortable(first_id[root]):
                    first_id[root] = identity
            for i in indices:
                keys[i] = f"i:{source}:{first_id[int(person[i])]}"
    results, offset = [], 0
    for group in letter_lists:
        results.append(keys[offset:offset + len(group)])
        offset += len(group)
    return results


def _people(letters: list[Letter], partitions: list[list[int]]) -> np.ndarray:
    """Connected components over the links of the module docstring, within each partition (lists of indices
    into ``letters``)."""
    from analysis.text.dedup import near_duplicate_groups_of_codes

    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []

    def link(i: np.ndarray, j: np.ndarray) -> None:
        sources.append(np.asarray(i, dtype=np.int64))
        targets.append(np.asarray(j, dtype=np.int64))

    near = near_duplicate_groups_of_codes([[_shingle_codes(letters[i].text) for i in indices]
                                           for indices in partitions], threshold=_NEAR_DUPLICATE)
    for indices, groups in zip(partitions, near, strict=True):
        positions, groups = np.asarray(indices, dtype=np.int64), np.asarray(groups, dtype=np.int64)
        texted = np.fromiter((bool(letters[i].text) for i in indices), dtype=bool, count=len(indices))
        link(positions[texted], positions[groups[texted]])
    _link_case_numbers(letters, partitions, link)
    by_reply: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    by_day: dict[tuple[int, Any], list[int]] = defaultdict(list)
    for number, indices in enumerate(partitions):
        for i in indices:
            one = letters[i]
            if one.reply is not None:
                by_reply[(number, one.reply)].append(i)
            if one.when is not None:
                by_day[(number, one.when.date())].append(i)
    _link_within_groups(letters, by_reply.values(), _REPLY_SIMILARITY, link)  # units copy their replies
    _link_within_groups(letters, (m for m in by_day.values() if len(m) <= _BURST_MAX_PER_DAY), _BURST_SIMILARITY,
                        link)  # same-day bursts
    edges = np.concatenate(sources), np.concatenate(targets)
    graph = sparse.coo_matrix((np.ones(len(edges[0]), dtype=np.int8), edges), shape=(len(letters),) * 2)
    return connected_components(graph, directed=False)[1]


def _link_case_numbers(letters: list[Letter], partitions: list[list[int]], link: Any) -> None:
    numbered = sorted((number, letters[i].case[0], letters[i].case[1], i)
                      for number, indices in enumerate(partitions) for i in indices if letters[i].case is not None)
    left, right = [], []
    for k, (partition, prefix, number, a) in enumerate(numbered):
        for later in range(k + 1, len(numbered)):  # indices, not a slice: a slice copies the rest every time
            other_partition, other_prefix, other_number, b = numbered[later]
            if other_partition != partition or other_prefix != prefix or other_number - number > _CASE_GAP:
                break
            one, other = letters[a], letters[b]
            minutes = abs((one.when - other.when).total_seconds()) / 60
            if minutes <= _CASE_MINUTES and max(
                    _jaccard(_bigram_codes(one.text), _bigram_codes(other.text)),
                    _jaccard(_bigram_codes(one.title, empty=_EMPTY_TITLE),
                             _bigram_codes(other.title, empty=_EMPTY_TITLE))) >= _CASE_SIMILARITY:
                left.append(a)
                right.append(b)
    link(left, right)


# Groups whose bigram codes one pass tags with the group's number (a bigram code is below 2**42).
_GROUPS_PER_PASS = 2**20


def _link_within_groups(letters: list[Letter], groups: Iterable[list[int]], threshold: float, link: Any) -> None:
    """Link the letters of each group (indices into ``letters``) whose texts are similar enough: all groups in
    one sparse product, each letter's bigram codes tagged with its group's number so that letters of different
    groups share no code."""
    groups = [members for members in groups if len(members) >= 2]
    for start in range(0, len(groups), _GROUPS_PER_PASS):
        chosen = groups[start:start + _GROUPS_PER_PASS]
        members = np.fromiter((m for g in chosen for m in g), dtype=np.int64)
        i, j = _similar_pairs([(number << 42) | _bigram_codes(letters[m].text)
                               for number, g in enumerate(chosen) for m in g], threshold)
        link(members[i], members[j])


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def distinct_complainants(rows: Sequence[Mapping[str, Any] | Letter]) -> int:
    """How many different people wrote ``rows`` (see ``infer_complainants``)."""
    return len(set(infer_complainants(rows)))


def distinct_complainants_many(row_lists: Sequence[Sequence[Mapping[str, Any] | Letter]]) -> list[int]:
    """``distinct_complainants`` of each list of rows, in one pass (see ``infer_complainants_many``)."""
    return [len(set(keys)) for keys in infer_complainants_many(row_lists)]
