"""Running totals of a topic's members (``topic_aggregates``), so that a topic that gained members is described
from its totals and the new members alone.

``Aggregate.add(members, stored)`` folds members in (a full description starts from an empty one, in
membership order); what ``analysis.topics.clustering._describe`` derives from it — size, first and last
date, representative, keywords, places, units, categories, the label's place — is what it derived from all
members before (``tests/topics/test_aggregates.py`` compares the two). Keyword term counts are numbered by the
fitted model's vocabulary (sorted, so the order of ids is the order of the words), hence ``model_stamp``: a
full run refits and recomputes them.

``KeywordVerdicts``: whether a word may be a keyword, judged once per word and feature version
(``keyword_verdicts``) instead of once per process.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from analysis.topics.features import feature_version, keyword_candidate
from store.models.topics import KeywordVerdict, TopicAggregate

__all__ = ["Aggregate", "KeywordVerdicts", "Member", "Vocabulary", "load_aggregates", "save_aggregates"]

_CHUNK = 500
KEYWORDS = 8


@dataclass(frozen=True)
class Member:
    """What an aggregate needs of one member besides its features."""

    message_id: int
    similarity: float | None
    titled: bool
    submitted_at: datetime | None
    unit: str | None
    category: str | None


class Vocabulary:
    """The fitted model's words and their idf, for keyword term counts (``None`` model: every word weighs 1)."""

    def __init__(self, clusterer: Any | None):
        self.fitted = clusterer is not None and hasattr(clusterer, "vectorizer_")
        self.index: dict[str, int] = clusterer.vectorizer_.vocabulary_ if self.fitted else {}
        self.idf: np.ndarray = clusterer.tfidf_.idf_ if self.fitted else np.zeros(0)
        self._words: np.ndarray | None = None

    @property
    def words(self) -> np.ndarray:
        if self._words is None:
            words = np.empty(len(self.index), dtype=object)
            words[np.fromiter(self.index.values(), dtype=np.int64, count=len(self.index))] = list(self.index)
            self._words = words
        return self._words


@dataclass
class Aggregate:
    size: int = 0
    term_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    term_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    candidates: int = 0
    places: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    first_message_at: datetime | None = None
    last_message_at: datetime | None = None
    representative_id: int | None = None
    representative_similarity: float = 0.0
    representative_titled: bool = False
    label_place: str | None = None
    base_label: str | None = None
    # words counted without a fitted model (descriptions after curation when the model file is missing)
    word_counts: Counter = field(default_factory=Counter)

    def add(self, members: Sequence[Member], features: Sequence[list[str]], candidates: Sequence[int],
            vocabulary: Vocabulary) -> None:
        """Fold ``members`` (in membership order), their features and keyword-candidate counts into the totals."""
        words: Counter = Counter()
        for member, items, count in zip(members, features, candidates, strict=True):
            words.update(items)
            self.candidates += count
            for place in dict.fromkeys(items):
                if place.startswith("@"):
                    self.places[place[1:]] = self.places.get(place[1:], 0) + 1
            if member.unit:
                self.units[member.unit] = self.units.get(member.unit, 0) + 1
            if member.category:
                self.categories[member.category] = self.categories.get(member.category, 0) + 1
            if member.submitted_at:
                if self.first_message_at is None or member.submitted_at < self.first_message_at:
                    self.first_message_at = member.submitted_at
                if self.last_message_at is None or member.submitted_at > self.last_message_at:
                    self.last_message_at = member.submitted_at
            self._consider_representative(member)
        self.size += len(members)
        self.count_words(words, vocabulary)

    def count_words(self, words: Counter, vocabulary: Vocabulary) -> None:
        """Add word occurrences (every feature of the members, counted) to the keyword term counts."""
        candidates = [w for w in words if keyword_candidate(w)]
        if not vocabulary.fitted:
            self.word_counts.update({w: words[w] for w in candidates})
            return
        index = vocabulary.index
        ids = np.fromiter((index.get(w, -1) for w in candidates), dtype=np.int64, count=len(candidates))
        counts = np.fromiter((words[w] for w in candidates), dtype=np.int64, count=len(candidates))
        known = ids >= 0
        merged_ids = np.concatenate([self.term_ids.astype(np.int64), ids[known]])
        merged_counts = np.concatenate([self.term_counts, counts[known]])
        unique, inverse = np.unique(merged_ids, return_inverse=True)
        self.term_ids = unique.astype(np.int32)
        self.term_counts = np.bincount(inverse, weights=merged_counts, minlength=len(unique)).astype(np.int64)

    def _consider_representative(self, member: Member) -> None:
        # the most central titled member (untitled ones only while no member has a title); ties: lowest id
        key = (member.similarity or 0.0, -member.message_id)
        if self.representative_id is None or (member.titled and not self.representative_titled):
            better = True
        elif member.titled == self.representative_titled:
            better = key > (self.representative_similarity, -self.representative_id)
        else:
            better = False
        if better:
            self.representative_id = member.message_id
            self.representative_similarity = member.similarity or 0.0
            self.representative_titled = member.titled

    def ranked_words(self, vocabulary: Vocabulary) -> Iterator[str]:
        """Keyword candidates by class-based TF-IDF: a word's share of the topic's candidate words times its
        corpus idf, best first (ties: alphabetical). Words outside the model's vocabulary (in too many
        letters: the city's own name, 来电 …) have no idf and are left out."""
        total = self.candidates
        if not vocabulary.fitted:
            yield from sorted(self.word_counts, key=lambda w: (-(self.word_counts[w] / total) * 1.0, w))
            return
        if not len(self.term_ids):
            return
        scores = (self.term_counts / total) * vocabulary.idf[self.term_ids]
        # the vocabulary's ids follow the words' order, so ordering by id breaks ties alphabetically
        for position in np.lexsort((self.term_ids, -scores)):
            yield vocabulary.words[self.term_ids[position]]

    def keywords(self, vocabulary: Vocabulary, allowed: Callable[[str], bool]) -> list[str]:
        chosen: list[str] = []
        for word in self.ranked_words(vocabulary):
            if allowed(word):
                chosen.append(word)
                if len(chosen) == KEYWORDS:
                    break
        return chosen

    # -- storage ---------------------------------------------------------------------------------------

    def row(self, topic_id: int, stamp: str) -> dict[str, Any]:
        return {
            "topic_id": topic_id, "model_stamp": stamp, "size": self.size,
            "terms": self.term_ids.astype("<i4").tobytes() + self.term_counts.astype("<i4").tobytes(),
            "candidates": self.candidates, "places": [[k, v] for k, v in self.places.items()],
            "units": [[k, v] for k, v in self.units.items()],
            "categories": [[k, v] for k, v in self.categories.items()],
            "first_message_at": self.first_message_at, "last_message_at": self.last_message_at,
            "representative_id": self.representative_id,
            "representative_similarity": self.representative_similarity,
            "representative_titled": self.representative_titled,
            "label_place": self.label_place, "base_label": self.base_label,
        }

    @classmethod
    def from_row(cls, row: TopicAggregate) -> Aggregate:
        terms = np.frombuffer(row.terms, dtype="<i4")
        half = len(terms) // 2
        return cls(size=row.size, term_ids=terms[:half].astype(np.int32),
                   term_counts=terms[half:].astype(np.int64), candidates=row.candidates,
                   places={k: v for k, v in row.places}, units={k: v for k, v in row.units},
                   categories={k: v for k, v in row.categories}, first_message_at=row.first_message_at,
                   last_message_at=row.last_message_at, representative_id=row.representative_id,
                   representative_similarity=row.representative_similarity,
                   representative_titled=row.representative_titled, label_place=row.label_place,
                   base_label=row.base_label)


def load_aggregates(session: Session, topic_ids: Iterable[int], stamp: str) -> dict[int, Aggregate]:
    """The stored aggregates of ``topic_ids`` made under the model ``stamp``."""
    wanted = sorted(topic_ids)
    found: dict[int, Aggregate] = {}
    for start in range(0, len(wanted), _CHUNK):
        for row in session.scalars(select(TopicAggregate).where(
                TopicAggregate.topic_id.in_(wanted[start:start + _CHUNK]), TopicAggregate.model_stamp == stamp)):
            found[row.topic_id] = Aggregate.from_row(row)
            session.expunge(row)
    return found


def save_aggregates(session: Session, aggregates: dict[int, Aggregate], stamp: str) -> None:
    wanted = sorted(aggregates)
    for start in range(0, len(wanted), _CHUNK):
        session.execute(delete(TopicAggregate).where(TopicAggregate.topic_id.in_(wanted[start:start + _CHUNK])))
    if wanted:
        session.execute(TopicAggregate.__table__.insert(), [aggregates[t].row(t, stamp) for t in wanted])


class KeywordVerdicts:
    """``allowed(word)`` through the ``keyword_verdicts`` table: every stored verdict of this feature version
    read once, new ones judged by ``judge`` and written by ``save()``."""

    def __init__(self, session: Session, judge: Callable[[str], bool]):
        self._session = session
        self._judge = judge
        self._version = feature_version()
        self._known: dict[str, bool] | None = None
        self._new: dict[str, bool] = {}

    def allowed(self, word: str) -> bool:
        if self._known is None:
            self._known = dict(self._session.execute(
                select(KeywordVerdict.word, KeywordVerdict.allowed).where(KeywordVerdict.version == self._version)
            ).all())
        verdict = self._known.get(word)
        if verdict is None:
            verdict = self._known[word] = self._new[word] = self._judge(word)
        return verdict

    def save(self) -> None:
        if not self._new:
            return
        words = list(self._new)
        for start in range(0, len(words), _CHUNK):  # rows of another version make way
            self._session.execute(delete(KeywordVerdict).where(KeywordVerdict.word.in_(words[start:start + _CHUNK])))
        self._session.execute(KeywordVerdict.__table__.insert(), [
            {"word": w, "version": self._version, "allowed": v} for w, v in self._new.items()])
        self._new = {}
