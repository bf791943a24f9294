"""Recurring-issue topics in the database: clustering runs, stable identities, labels, analyst curation.

Public API::

    from analysis.topics.clustering import update_topics, topics_for_period, topic_detail
    summary = update_topics(session)                  # the `analyze` step: -> TopicUpdateSummary
    update_topics(session, mode="full")               # re-cluster everything (ids kept by matching)
    update_topics(session, mode="incremental")        # only messages not yet seen, onto existing topics
    update_topics(session, since=datetime(...), until=datetime(...))   # cluster one window only

    # for publications / web: topics with members in [start, end] (dates inclusive)
    for digest in topics_for_period(session, date(2024, 3, 1), date(2024, 3, 15)):
        digest.topic_id, digest.label, digest.keywords, digest.places, digest.units, digest.categories
        digest.message_ids           # internal ids of members submitted in the period
        digest.external_ids          # the sites' ids of the same messages
        digest.representative_message_id   # the most central member (its title is the label)
        digest.best_reply_message_id       # a member's reply without quality flags, longest first; or None
    topic_detail(session, topic_id) -> dict     # everything about one topic (members, lineage, curation)

    # analyst curation: stored as TopicCuration, applied now and replayed after every run
    rename_topic(session, topic_id, label, author=None)
    merge_topics(session, target_id, source_ids, author=None)
    split_topic(session, topic_id, message_ids, author=None) -> new topic id
    move_message(session, message_id, topic_id, author=None)
    hide_topic(session, topic_id, hidden=True, author=None)     # "not a topic"

Identity: a full run clusters again and maps every new cluster onto the previous run's topic holding most of
its messages (each old topic to at most one cluster, largest overlaps first; an overlap must be at least half
the smaller of the two); a cluster with no such overlap takes the id of an unclaimed old topic whose centroid
is close (``topics.centroid_match_threshold``), else a new id. A remaining part of an old topic that went to
another cluster is a *split* (lineage row), an old topic whose messages mostly went into a cluster that kept
another id is a *merge*; an old topic left without messages is *retired*.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property, lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from analysis.executor import map_partitions
from analysis.text.dedup import near_duplicate_groups
from analysis.text.packed import PackedFeatures, pack, unpack
from analysis.topics.aggregates import Aggregate, KeywordVerdicts, Member, Vocabulary, load_aggregates, save_aggregates
from analysis.topics.features import (
    complete,
    drop_other_versions,
    fill_missing,
    keyword_candidate,
    load_features,
    with_features,
)
from analysis.topics.model import TopicClusterer
from analysis.topics.people import count_with_new_members, member_batches, recount_people
from store.models import Message, MessageRevision, Source, now_local
from store.models.topics import (
    ReplyQuality,
    Topic,
    TopicCuration,
    TopicLineage,
    TopicMembership,
    TopicRun,
)
from store.settings import get_settings

__all__ = [
    "CurationError",
    "TopicDigest",
    "TopicUpdateSummary",
    "build_clusterer",
    "clean_label",
    "hide_topic",
    "merge_topics",
    "model_path",
    "move_message",
    "rename_topic",
    "split_topic",
    "topic_detail",
    "topics_for_period",
    "update_topics",
]

log = logging.getLogger(__name__)
DEFAULT_REGION = ""  # sources without a region: one city's deployment needs no setting
_MODEL_VERSION = 2  # 2: place + problem pass, column kinds (issue 14); older models re-cluster in full


class CurationError(ValueError):
    """An analyst action that cannot apply (unknown topic or message); the message says which, in English (the
    CLI's language). ``code`` and ``params`` let a user interface word it in its own language (web/curation.py)."""

    def __init__(self, message: str, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass
class TopicUpdateSummary:
    run_id: int
    mode: str
    messages: int = 0
    topics: int = 0
    kept: int = 0
    created: int = 0
    retired: int = 0
    merged: int = 0
    split: int = 0
    duplicates: int = 0
    regions: int = 1

    def add(self, other: TopicUpdateSummary) -> None:
        """Count in another region's run (the run id becomes the latest run's)."""
        self.run_id = other.run_id
        for name in ("messages", "topics", "kept", "created", "retired", "merged", "split", "duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        mode = self.mode if self.regions == 1 else f"{self.mode}, {self.regions} regions"
        return (f"topics ({mode}): {self.messages} messages, {self.topics} topics "
                f"({self.kept} kept, {self.created} new, {self.retired} retired, {self.merged} merged, "
                f"{self.split} splits), {self.duplicates} near-duplicates")


# --- model file -----------------------------------------------------------------------------------------

def model_path(region: str = DEFAULT_REGION) -> Path:
    """The default region's model is ``topics.model_file`` (or var/models/topics.joblib); another region's sits
    beside it, named by a hash of the region's name (any text, Chinese included, makes a safe file name)."""
    settings = get_settings()
    configured = settings.get("topics.model_file")
    path = Path(configured) if configured else settings.var_dir / "models" / "topics.joblib"
    if region == DEFAULT_REGION:
        return path
    digest = hashlib.sha1(region.encode("utf-8")).hexdigest()[:12]
    return path.with_name(f"{path.stem}.region-{digest}{path.suffix}")


# A model file starts with this line, then a pickle (protocol 5: C speed, unlike joblib's pure-Python pickler,
# which took seconds per run at 20k messages); files without it were written by joblib and are read by it.
_MODEL_MAGIC = b"hotline-monitor topic model\n"


def _load_model(region: str = DEFAULT_REGION) -> dict[str, Any] | None:
    import pickle

    path = model_path(region)
    if not path.exists():
        return None
    try:
        with path.open("rb") as handle:
            if handle.read(len(_MODEL_MAGIC)) == _MODEL_MAGIC:
                state = pickle.load(handle)
            else:
                import joblib

                state = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - a broken or foreign file: re-cluster rather than crash
        log.warning("topic model %s unreadable (%s); re-clustering from scratch", path, exc)
        return None
    if not isinstance(state, dict) or state.get("version") != _MODEL_VERSION:
        log.warning("topic model %s is from another version; re-clustering from scratch", path)
        return None
    if state.get("region", DEFAULT_REGION) != region:
        log.warning("topic model %s belongs to region %r, not %r; re-clustering from scratch", path,
                    state.get("region"), region)
        return None
    return state


def _save_model(clusterer: TopicClusterer, label_topics: dict[int, int], max_message_id: int, stamp: str,
                region: str = DEFAULT_REGION) -> None:
    """``stamp`` names this fit: topic aggregates made with its vocabulary carry it (``topic_aggregates``)."""
    import pickle

    path = model_path(region)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        handle.write(_MODEL_MAGIC)
        pickle.dump({"version": _MODEL_VERSION, "clusterer": clusterer, "label_topics": label_topics,
                     "max_message_id": max_message_id, "stamp": stamp, "region": region}, handle, protocol=5)
    tmp.replace(path)


def _new_stamp() -> str:
    import uuid

    return uuid.uuid4().hex


def build_clusterer() -> TopicClusterer:
    """A TopicClusterer configured from the ``topics.*`` settings."""
    settings = get_settings()
    return TopicClusterer(
        similarity_threshold=settings.get("topics.similarity_threshold"),
        merge_threshold=settings.get("topics.merge_threshold"),
        same_place_merge_threshold=settings.get("topics.same_place_merge_threshold"),
        attach_threshold=settings.get("topics.attach_threshold"),
        entity_weight=settings.get("topics.entity_weight"),
        place_problem_threshold=settings.get("topics.place_problem_threshold"),
        random_state=0,
    )


# --- loading messages -----------------------------------------------------------------------------------

@dataclass
class _Corpus:
    ids: list[int]
    features: PackedFeatures  # one string per message: lists of strings would be 12 GiB at a million letters
    candidates: list[int]  # keyword candidates among each message's features (analysis.topics.features)
    groups: dict[int, int]  # message id -> near-duplicate group (a message id)

    @cached_property
    def by_id(self) -> dict[int, int]:
        """Position of each message id (built once: every batch of a description looks members up)."""
        return {m: i for i, m in enumerate(self.ids)}


_STREAM_ROWS = 20_000  # rows of the corpus read from the database at a time


def _load_corpus(session: Session, scope: _Region, *, since: datetime | None, until: datetime | None,
                 after_id: int | None = None) -> _Corpus:
    """The messages in scope with their features: stored ones read, the others computed once and stored
    (``analysis.topics.features``). A run over everything (``after_id`` None) also drops features of other
    versions first."""
    where = [c for c in (Message.submitted_at >= since if since is not None else None,
                         Message.submitted_at <= until if until is not None else None,
                         Message.id > after_id if after_id is not None else None) if c is not None]
    where += scope.conditions()
    if after_id is None:
        drop_other_versions(session)
    # Texts featurised in batches first; then the stored features are read as a stream, each message packed as
    # it comes: neither the texts nor the unpacked features of a year of letters are held at once.
    fill_missing(session, where, others_dropped=after_id is None)
    # Content order, not id order: ids follow crawl timing, and clustering must not depend on it.
    query = (with_features().where(*where).order_by(Message.submitted_at, Message.content_hash, Message.id)
             .execution_options(yield_per=_STREAM_ROWS))
    ids, packed, candidates = [], [], []
    for rows in session.execute(query).partitions():
        stored = complete(session, rows)  # every text has its features by now: this only decodes
        for message_id, one in stored.items():
            ids.append(message_id)
            packed.append(pack(one.features()))
            candidates.append(one.candidates)
    features = PackedFeatures(packed)
    threshold = get_settings().get("topics.duplicate_threshold")
    group_rows = near_duplicate_groups(features, threshold=threshold) if ids else np.zeros(0, dtype=np.int64)
    groups = {ids[i]: ids[int(g)] for i, g in enumerate(group_rows)}
    return _Corpus(ids, features, candidates, groups)


# --- running --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Region:
    """A partition clustered on its own: the messages of the sources whose ``region`` is ``name`` (the default
    region ``""`` holds every source without one). Topics never span two regions."""
    name: str
    source_ids: tuple[int, ...] | None  # None: every source (a deployment with one region)

    def conditions(self) -> list[Any]:
        """The conditions on ``Message`` that select this region's messages (none for the only region)."""
        return [] if self.source_ids is None else [Message.source_id.in_(self.source_ids)]

    def messages(self, query):
        return query.where(*self.conditions())


def _regions(session: Session, only: str | None = None) -> list[_Region]:
    """The regions of the stored sources, in name order (the default region first)."""
    by_region: dict[str, list[int]] = defaultdict(list)
    for source_id, region in session.execute(select(Source.id, Source.region).order_by(Source.id)):
        by_region[region or DEFAULT_REGION].append(source_id)
    if only is not None:
        if only not in by_region:
            raise ValueError(f"no source is in region {only!r}; regions: "
                             f"{', '.join(repr(r) for r in sorted(by_region)) or 'none'}")
        by_region = {only: by_region[only]}
    if set(by_region) <= {DEFAULT_REGION}:  # one region: no filter on sources
        return [_Region(DEFAULT_REGION, None)]
    return [_Region(name, tuple(ids)) for name, ids in sorted(by_region.items())]


def update_topics(session: Session, *, mode: str = "auto", since: datetime | None = None,
                  until: datetime | None = None, region: str | None = None) -> TopicUpdateSummary:
    """Cluster messages into topics, keep topic ids stable, replay analyst curation, refresh labels.

    ``mode``: ``auto`` (incremental when a model exists and the new messages are at most
    ``topics.incremental_max_share`` of the clustered ones, else full), ``full`` or ``incremental``.
    ``since``/``until`` restrict a full run to messages submitted in that window (e.g. a half month).
    Each region (``Source.region``) is clustered on its own, with its own model; ``region`` runs one of them.
    Full runs of several regions fit their models side by side on the ``analysis.executor``.
    """
    if mode not in ("auto", "full", "incremental"):
        raise ValueError(f"unknown mode {mode!r}: use auto, full or incremental")
    plans = [(scope, *_plan(session, scope, mode, since, until)) for scope in _regions(session, region)]
    total = TopicUpdateSummary(0, "+".join(dict.fromkeys(planned for _, planned, _ in plans)))
    total.regions = len(plans)
    batch_size = max(1, int(get_settings().get("analysis.workers") or 1))
    full = [(scope, state) for scope, planned, state in plans if planned == "full"]
    # Full runs in batches of one region per worker: a batch's corpora are in memory together.
    for start in range(0, len(full), batch_size):
        batch = full[start:start + batch_size]
        corpora = [_load_corpus(session, scope, since=since, until=until) for scope, _ in batch]
        fitted = map_partitions(_fit_partition, [corpus.features for corpus in corpora])
        for (scope, state), corpus, clusterer in zip(batch, corpora, fitted, strict=True):
            run = _start_run(session, "full", scope, clusterer)
            _finish_run(session, run, total, _full_run(session, run, state, scope, corpus, clusterer,
                                                       windowed=since is not None or until is not None))
    for scope, planned, state in plans:
        if planned == "incremental":
            run = _start_run(session, "incremental", scope, state["clusterer"])
            _finish_run(session, run, total, _incremental_run(session, run, state, scope))
    return total


def _plan(session: Session, scope: _Region, mode: str, since: datetime | None,
          until: datetime | None) -> tuple[str, dict[str, Any] | None]:
    """(``full`` or ``incremental``, the region's saved model or None) for ``mode``."""
    state = _load_model(scope.name)
    if mode == "auto":
        mode = "full"
        if state is not None and since is None and until is None:
            seen = session.scalar(select(TopicMembership.id).limit(1)) is not None
            new = session.scalar(scope.messages(select(func.count(Message.id)))
                                 .where(Message.id > state["max_message_id"]))
            clustered = max(int(state["clusterer"].sizes_.sum()), 1)
            if seen and new <= get_settings().get("topics.incremental_max_share") * clustered:
                mode = "incremental"
    if mode == "incremental" and state is None:
        mode = "full"
    return mode, state


def _fit_partition(features: PackedFeatures) -> TopicClusterer:
    """A region's clusterer fitted on its messages' features (runs on an executor worker)."""
    clusterer = build_clusterer()
    if features:
        clusterer.fit(features)
    return clusterer


def _start_run(session: Session, mode: str, scope: _Region, clusterer: TopicClusterer) -> TopicRun:
    params = clusterer.get_params()
    if scope.name != DEFAULT_REGION:
        params["region"] = scope.name
    run = TopicRun(mode=mode, params=params)
    session.add(run)
    session.flush()
    return run


def _finish_run(session: Session, run: TopicRun, total: TopicUpdateSummary, summary: TopicUpdateSummary) -> None:
    run.finished_at = now_local()
    run.messages, run.topics = summary.messages, summary.topics
    run.kept, run.created, run.retired = summary.kept, summary.created, summary.retired
    session.commit()
    total.add(summary)


def _cluster_members(labels: np.ndarray, ids: Sequence[int], min_size: int) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for label, message_id in zip(labels.tolist(), ids, strict=True):
        members[label].append(message_id)
    return {label: ms for label, ms in members.items() if len(ms) >= min_size}


_MEMBERSHIP_ROWS_PER_INSERT = 20_000


def _full_run(session: Session, run: TopicRun, state: dict[str, Any] | None, scope: _Region, corpus: _Corpus,
              clusterer: TopicClusterer, *, windowed: bool) -> TopicUpdateSummary:
    summary = TopicUpdateSummary(run.id, "full")
    summary.messages = len(corpus.ids)
    summary.duplicates = sum(1 for m, g in corpus.groups.items() if m != g)
    if not corpus.ids:
        return summary
    min_size = get_settings().get("topics.min_size")
    clusters = _cluster_members(clusterer.labels_, corpus.ids, min_size)
    similarity = dict(zip(corpus.ids, clusterer.similarity_.tolist(), strict=True))

    in_scope = set(corpus.ids)
    old_rows = session.execute(
        select(TopicMembership.message_id, TopicMembership.model_topic_id)
        .where(TopicMembership.model_topic_id.is_not(None))
    ).all()
    old_of = {m: t for m, t in old_rows if m in in_scope}
    old_sizes = Counter(old_of.values())
    label_topic = _match_identities(session, run, clusters, old_of, old_sizes, clusterer, state, summary)

    # Replace the memberships of every message in scope.
    scope_list = list(in_scope)
    for start in range(0, len(scope_list), 500):
        session.execute(delete(TopicMembership).where(TopicMembership.message_id.in_(scope_list[start:start + 500])))
    rows = (
        {"message_id": m, "topic_id": label_topic[label], "model_topic_id": label_topic[label],
         "similarity": float(similarity[m]), "origin": "model", "duplicate_group": corpus.groups.get(m)}
        for label, members in clusters.items() for m in members
    )
    # in slices: a million row dicts at once would be half a gigabyte
    while chunk := list(islice(rows, _MEMBERSHIP_ROWS_PER_INSERT)):
        session.execute(TopicMembership.__table__.insert(), chunk)
    touched = set(label_topic.values()) | set(old_sizes)
    _retire_empty(session, run, touched, summary)
    touched |= _replay_curations(session)
    stamp = _new_stamp()
    _describe(session, touched, clusterer, run, corpus=corpus, stamp=stamp)
    max_id = session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
    all_labels = {label: topic for label, topic in label_topic.items()}
    _save_model(clusterer, all_labels, max(corpus.ids) if windowed else max_id, stamp, scope.name)
    summary.topics = len(clusters)
    return summary


def _old_centroids(state: dict[str, Any] | None, clusterer: TopicClusterer,
                   topic_ids: Iterable[int]) -> tuple[list[int], Any]:
    """Centroids of old topics expressed in the new model's vocabulary (rows in ``topic_ids`` order)."""
    from scipy import sparse

    if state is None:
        return [], None
    old = state["clusterer"]
    topic_label = {t: label for label, t in state["label_topics"].items()}
    wanted = [t for t in topic_ids if t in topic_label and topic_label[t] < old.centroids_.shape[0]]
    if not wanted:
        return [], None
    old_names = old.vectorizer_.get_feature_names_out()
    new_index = clusterer.vectorizer_.vocabulary_
    column_map = np.array([new_index.get(name, -1) for name in old_names])
    rows = old.centroids_[[topic_label[t] for t in wanted]].tocoo()
    mapped = column_map[rows.col]
    keep = mapped >= 0
    matrix = sparse.csr_matrix((rows.data[keep], (rows.row[keep], mapped[keep])),
                               shape=(len(wanted), len(new_index)))
    from sklearn.preprocessing import normalize

    return wanted, normalize(matrix)


def _match_identities(session: Session, run: TopicRun, clusters: dict[int, list[int]], old_of: dict[int, int],
                      old_sizes: Counter, clusterer: TopicClusterer, state: dict[str, Any] | None,
                      summary: TopicUpdateSummary) -> dict[int, int]:
    overlaps: dict[int, Counter] = {label: Counter(old_of[m] for m in members if m in old_of)
                                    for label, members in clusters.items()}
    candidates = sorted(
        ((count, label, topic) for label, counter in overlaps.items() for topic, count in counter.items()),
        key=lambda item: (-item[0], item[2], item[1]),
    )
    label_topic: dict[int, int] = {}
    claimed: set[int] = set()
    for count, label, topic in candidates:
        if label in label_topic or topic in claimed:
            continue
        if count >= 0.5 * min(len(clusters[label]), old_sizes[topic]):
            label_topic[label] = topic
            claimed.add(topic)
    # Centroid fallback for clusters without a membership match.
    unmatched = [label for label in clusters if label not in label_topic]
    if unmatched and state is not None:
        active_old = session.scalars(select(Topic.id).where(Topic.status.in_(("active", "hidden")))).all()
        wanted, old_matrix = _old_centroids(state, clusterer, [t for t in active_old if t not in claimed])
        if wanted:
            threshold = get_settings().get("topics.centroid_match_threshold")
            similarity = (clusterer.centroids_[unmatched] @ old_matrix.T).toarray()
            for row in np.argsort(-similarity.max(axis=1), kind="stable"):
                best = int(np.argmax(similarity[row]))
                if similarity[row, best] >= threshold and wanted[best] not in claimed:
                    label_topic[unmatched[row]] = wanted[best]
                    claimed.add(wanted[best])
                    similarity[:, best] = -1
    summary.kept = len(claimed)
    now = now_local()
    if claimed:
        session.execute(update(Topic).where(Topic.id.in_(claimed)).values(
            status="active", merged_into_id=None, updated_run_id=run.id, updated_at=now))
    for label in clusters:
        if label not in label_topic:
            topic = Topic(label="", created_run_id=run.id, updated_run_id=run.id)
            session.add(topic)
            session.flush()
            label_topic[label] = topic.id
            summary.created += 1
    # Lineage: parts of an old topic that went elsewhere (split) and old topics absorbed (merge).
    for label, counter in overlaps.items():
        target = label_topic[label]
        for topic, count in counter.items():
            if topic == target:
                continue
            if topic not in claimed and count >= 0.5 * old_sizes[topic]:
                session.add(TopicLineage(run_id=run.id, kind="merge", from_topic_id=topic, to_topic_id=target,
                                         shared_messages=count))
                session.execute(update(Topic).where(Topic.id == topic).values(
                    status="merged", merged_into_id=target, updated_run_id=run.id))
                summary.merged += 1
            elif topic in claimed and count >= max(2, 0.2 * old_sizes[topic]):
                session.add(TopicLineage(run_id=run.id, kind="split", from_topic_id=topic, to_topic_id=target,
                                         shared_messages=count))
                summary.split += 1
    return label_topic


def _retire_empty(session: Session, run: TopicRun, topic_ids: set[int], summary: TopicUpdateSummary) -> None:
    if not topic_ids:
        return
    populated = set(session.scalars(
        select(TopicMembership.topic_id).where(TopicMembership.topic_id.in_(topic_ids)).distinct()))
    empty = [t for t in topic_ids if t not in populated]
    if empty:
        session.execute(update(Topic).where(Topic.id.in_(empty), Topic.status == "active").values(
            status="retired", size=0, updated_run_id=run.id))
        summary.retired += len(empty)


def _incremental_run(session: Session, run: TopicRun, state: dict[str, Any], scope: _Region) -> TopicUpdateSummary:
    summary = TopicUpdateSummary(run.id, "incremental")
    clusterer: TopicClusterer = state["clusterer"]
    label_topics: dict[int, int] = dict(state["label_topics"])
    corpus = _load_corpus(session, scope, since=None, until=None, after_id=state["max_message_id"])
    summary.messages = len(corpus.ids)
    summary.duplicates = sum(1 for m, g in corpus.groups.items() if m != g)
    if not corpus.ids:
        return summary
    position = {m: i for i, m in enumerate(corpus.ids)}
    clusterer.partial_fit(corpus.features)
    labels, similarity = clusterer.batch_labels_, clusterer.batch_similarity_
    min_size = get_settings().get("topics.min_size")
    members: dict[int, list[int]] = defaultdict(list)
    for label, message_id in zip(labels.tolist(), corpus.ids, strict=True):
        members[label].append(message_id)
    topic_status = dict(session.execute(select(Topic.id, Topic.status)).all())
    rows = []
    touched: set[int] = set()
    added: dict[int, list[int]] = defaultdict(list)  # topic -> its new members
    for label, message_ids in members.items():
        topic_id = label_topics.get(label)
        if topic_id is not None and topic_status.get(topic_id) == "merged":
            topic_id = _final_topic(session, topic_id)
        if topic_id is None:
            if clusterer.sizes_[label] < min_size:  # still a lone message: not a topic (yet)
                continue
            topic = Topic(label="", created_run_id=run.id, updated_run_id=run.id)
            session.add(topic)
            session.flush()
            topic_id = topic.id
            label_topics[label] = topic_id
            summary.created += 1
        else:
            summary.kept += 1
        touched.add(topic_id)
        added[topic_id].extend(message_ids)
        rows.extend(
            {"message_id": m, "topic_id": topic_id, "model_topic_id": topic_id,
             "similarity": float(similarity[position[m]]), "origin": "model",
             "duplicate_group": corpus.groups.get(m)}
            for m in message_ids
        )
    if rows:
        session.execute(TopicMembership.__table__.insert(), rows)
    curated = _replay_curations(session)
    stamp = state.get("stamp") or _new_stamp()
    # Topics that only gained new members are described from their stored totals plus the new members;
    # curated ones, and those with a member whose text, date, unit or category changed since the last run,
    # from all their members.
    changed = _topics_with_changed_members(session, run)
    recount = curated | changed
    _describe(session, touched | recount, clusterer, run, corpus=corpus, stamp=stamp,
              added={t: ms for t, ms in added.items() if t not in recount})
    _save_model(clusterer, label_topics, max(corpus.ids), stamp, scope.name)
    summary.topics = len(touched)
    return summary


def _final_topic(session: Session, topic_id: int) -> int:
    """Follow merged_into links to the topic that holds the messages now."""
    seen = set()
    while topic_id not in seen:
        seen.add(topic_id)
        target = session.scalar(select(Topic.merged_into_id).where(Topic.id == topic_id))
        if target is None:
            break
        topic_id = target
    return topic_id


# --- curation -------------------------------------------------------------------------------------------

def _apply_curation(session: Session, curation: TopicCuration) -> set[int]:
    """Apply one analyst action to the current memberships; returns the topics it touched."""
    payload = curation.payload or {}
    topic = session.get(Topic, curation.topic_id)
    if topic is None:
        return set()
    if curation.action == "rename":
        topic.label = payload.get("label", topic.label)
        topic.label_locked = True
        return set()
    if curation.action in ("hide", "unhide"):
        if topic.status in ("active", "hidden"):
            topic.status = "hidden" if curation.action == "hide" else "active"
        return {topic.id}
    if curation.action == "merge":
        sources = [int(s) for s in payload.get("sources", []) if int(s) != topic.id]
        if not sources:
            return set()
        session.execute(update(TopicMembership).where(TopicMembership.topic_id.in_(sources))
                        .values(topic_id=topic.id))
        session.execute(update(Topic).where(Topic.id.in_(sources)).values(status="merged", merged_into_id=topic.id))
        if topic.status in ("merged", "retired"):
            topic.status, topic.merged_into_id = "active", None
        return {topic.id, *sources}
    if curation.action == "split":
        new_id = int(payload["new_topic_id"])
        message_ids = [int(m) for m in payload.get("message_ids", [])]
        _move(session, message_ids, new_id)
        new_topic = session.get(Topic, new_id)
        if new_topic is not None and new_topic.status in ("merged", "retired"):
            new_topic.status, new_topic.merged_into_id = "active", None
        return {topic.id, new_id}
    if curation.action == "move":
        message_id = int(payload["message_id"])
        previous = session.scalar(select(TopicMembership.topic_id).where(TopicMembership.message_id == message_id))
        _move(session, [message_id], topic.id)
        if topic.status in ("merged", "retired"):
            topic.status, topic.merged_into_id = "active", None
        return {topic.id} | ({previous} if previous else set())
    raise CurationError(f"curation {curation.id}: unknown action {curation.action!r}")


def _move(session: Session, message_ids: list[int], topic_id: int) -> None:
    if not message_ids:
        return
    present = set(session.scalars(select(Message.id).where(Message.id.in_(message_ids))))
    have = set(session.scalars(select(TopicMembership.message_id).where(TopicMembership.message_id.in_(present))))
    if have:
        session.execute(update(TopicMembership).where(TopicMembership.message_id.in_(have))
                        .values(topic_id=topic_id, origin="analyst"))
    missing = present - have
    if missing:
        session.execute(TopicMembership.__table__.insert(), [
            {"message_id": m, "topic_id": topic_id, "model_topic_id": None, "similarity": 0.0,
             "origin": "analyst", "duplicate_group": m} for m in sorted(missing)])


def _replay_curations(session: Session) -> set[int]:
    touched: set[int] = set()
    session.flush()
    for curation in session.scalars(select(TopicCuration).order_by(TopicCuration.id)):
        touched |= _apply_curation(session, curation)
    session.flush()
    return touched


def _curate(session: Session, action: str, topic_id: int, payload: dict[str, Any], author: str | None,
            note: str | None = None) -> TopicCuration:
    if session.get(Topic, topic_id) is None:
        raise CurationError(f"no topic with id {topic_id}", "no_topic", topic_id=topic_id)
    curation = TopicCuration(action=action, topic_id=topic_id, payload=payload, author=author, note=note)
    session.add(curation)
    session.flush()
    touched = _apply_curation(session, curation)
    touched.add(topic_id)
    state = _load_model(_topic_region(session, topic_id))
    # features not stored yet are computed without storing them: an analyze may be storing them right now
    _describe(session, touched, state["clusterer"] if state else None, None,
              stamp=state.get("stamp") if state else None, store_features=False)
    session.commit()
    return curation


def _topic_region(session: Session, topic_id: int) -> str:
    """The region of a topic's messages (a topic never spans two)."""
    region = session.scalar(select(Source.region).join(Message, Message.source_id == Source.id)
                            .join(TopicMembership, TopicMembership.message_id == Message.id)
                            .where(TopicMembership.topic_id == topic_id).limit(1))
    return region or DEFAULT_REGION


def rename_topic(session: Session, topic_id: int, label: str, author: str | None = None) -> None:
    label = (label or "").strip()
    if not label:
        raise CurationError("a topic label cannot be empty", "empty_label")
    _curate(session, "rename", topic_id, {"label": label}, author)


def hide_topic(session: Session, topic_id: int, hidden: bool = True, author: str | None = None) -> None:
    _curate(session, "hide" if hidden else "unhide", topic_id, {}, author)


def merge_topics(session: Session, target_id: int, source_ids: Sequence[int], author: str | None = None) -> None:
    for source in source_ids:
        if session.get(Topic, source) is None:
            raise CurationError(f"no topic with id {source}", "no_topic", topic_id=source)
    _curate(session, "merge", target_id, {"sources": [int(s) for s in source_ids]}, author)
    for source in source_ids:
        session.add(TopicLineage(kind="curated_merge", from_topic_id=int(source), to_topic_id=target_id))
    session.commit()


def split_topic(session: Session, topic_id: int, message_ids: Sequence[int], author: str | None = None) -> int:
    """Move ``message_ids`` of a topic into a new topic; returns the new topic's id."""
    members = set(session.scalars(select(TopicMembership.message_id).where(TopicMembership.topic_id == topic_id)))
    strangers = [m for m in message_ids if m not in members]
    if strangers:
        raise CurationError(f"messages {strangers} are not in topic {topic_id}", "not_members",
                            messages=", ".join(map(str, strangers)), topic_id=topic_id)
    if not message_ids:
        raise CurationError("a split needs at least one message", "empty_split")
    new_topic = Topic(label="")
    session.add(new_topic)
    session.flush()
    _curate(session, "split", topic_id, {"message_ids": [int(m) for m in message_ids],
                                         "new_topic_id": new_topic.id}, author)
    session.add(TopicLineage(kind="curated_split", from_topic_id=topic_id, to_topic_id=new_topic.id,
                             shared_messages=len(message_ids)))
    session.commit()
    return new_topic.id


def move_message(session: Session, message_id: int, topic_id: int, author: str | None = None) -> None:
    if session.get(Message, message_id) is None:
        raise CurationError(f"no message with id {message_id}", "no_message", message_id=message_id)
    _curate(session, "move", topic_id, {"message_id": int(message_id)}, author)


# --- labels and statistics ------------------------------------------------------------------------------

_LABEL_LEAD = re.compile(r"^(?:关于|反映|投诉|举报|咨询|请问|建议|求助|再次反映|紧急求助)+[:：]?")
_LABEL_TAIL = re.compile(r"(?:的问题|问题|的反映|的投诉|的建议|的咨询|的情况)?[\s?？!！。.,，~]*$")


def clean_label(title: str | None, content: str | None = None, limit: int = 40) -> str:
    """A short human-readable label from a message title (or the start of its text)."""
    from analysis.text.normalise import clean_text

    text = clean_text(title) or clean_text(content)[:limit]
    text = re.sub(r"\s+", " ", text).strip()
    stripped = _LABEL_TAIL.sub("", _LABEL_LEAD.sub("", text)).strip(" “”\"'")
    text = stripped or text
    return text if len(text) <= limit else text[: limit - 1] + "…"


# part-of-speech tags of personal names (nr, nrfg, nrt) and place names (ns): never keywords
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
_PLACE_TAGS = frozenset({"ns"})
# a personal name is followed by what the person does or owns (张三反映…, 李四一家…)
_NAME_FOLLOWERS = re.compile(r"^(?:反映|投诉|举报|来信|咨询|求助|实名|一家|家|等人|夫妇|本人)")
# a cue left hanging once the number after it was cut out (…，电话)
_DANGLING_CUE = re.compile(r"[，,、\s]*(?:联系电话|电话|手机号?|联系方式|身份证号?|微信|QQ)[:：]?\s*$")
_PERSON_TITLE = re.compile(
    r"^(?:医生|大夫|护士|警官|民警|先生|女士|同志|老师|师傅|科长|处长|主任|经理|书记|局长|所长|队长)")


@lru_cache(maxsize=20000)
def _word_tag(word: str) -> str:
    from analysis.topics.postag import pos_cut

    pieces = pos_cut(word)
    return pieces[0].flag if len(pieces) == 1 else ""


@lru_cache(maxsize=50000)
def _keyword_allowed(word: str) -> bool:
    """Not a personal or place name (part-of-speech tag) and nothing the de-identification would mask; cached:
    the same words come back in topic after topic."""
    from analysis.privacy.redact import find_personal_data

    return _word_tag(word) not in _NAME_TAGS | _PLACE_TAGS and not find_personal_data(word)


def _keywords(clusterer: TopicClusterer | None, features: list[list[str]]) -> list[str]:
    """Class-based TF-IDF: a word's share of the topic's words times its corpus idf (``Aggregate.ranked_words``),
    leaving out filler words (``data/label_filler.txt``), personal and place names (by jieba's part-of-speech
    tag) and anything the de-identification would mask. The keywords of one list of member features."""
    vocabulary = Vocabulary(clusterer)
    aggregate = Aggregate(candidates=sum(1 for items in features for w in items if keyword_candidate(w)))
    words: Counter = Counter()
    for items in features:
        words.update(items)
    aggregate.count_words(words, vocabulary)
    return aggregate.keywords(vocabulary, _keyword_allowed)


def deidentify_label(text: str, submitter: str | None = None) -> str:
    """A label without personal data: the de-identifier's findings (phones, IDs, names after cues, flat
    numbers such as 21号楼1单元701室) and personal names the segmenter tags (李某某医生 → 医生) are cut out."""
    from analysis.privacy.redact import find_personal_data

    spans = find_personal_data(text, submitter=submitter)
    for span in reversed(spans):
        text = text[:span.start] + text[span.end:]
    from analysis.topics.postag import pos_cut

    pieces = pos_cut(text)
    kept = []
    for index, piece in enumerate(pieces):
        following = "".join(p.word for p in pieces[index + 1:index + 3])
        previous = pieces[index - 1].word if index else ""
        is_name = piece.flag in _NAME_TAGS and 2 <= len(piece.word) <= 3 and (
            index == 0 or _PERSON_TITLE.match(following) or _NAME_FOLLOWERS.match(following)
            or previous in ("表扬", "感谢", "举报", "投诉", "实名举报", "我叫", "本人")
            or not following or following[:1] in "，,。、 -—：:")
        if not is_name:
            kept.append(piece.word)
    cleaned = _DANGLING_CUE.sub("", re.sub(r"\s+", " ", "".join(kept))).strip(" ，,、-—：:")
    return cleaned or "（标题含个人信息，已隐去）"


# a place worth naming in a label: not a bare suffix (有限公司, 花园), not a phrase the name finder glued a
# verb or a number onto (求政府, 委市政府, 一名)
_UNNAMEABLE_PLACE = re.compile(r"^(?:[求委请在向给对把被让一该本某]|(?:集团)?有限公司$|公司$|集团$|国际$|花园$)|政府$")


# organisations are named by the letters' own titles; a label's prefix is a *place* (estate, road, village…)
_ORGANISATION_END = re.compile(r"(?:公司|集团|银行|酒店|宾馆|超市|商场|项目|厂|所|府|局|委|办)$")


def _nameable(place: str) -> bool:
    return (3 <= len(place) <= 8 and not _UNNAMEABLE_PLACE.search(place)
            and not _ORGANISATION_END.search(place))


def topic_label(title: str | None, content: str | None, place: str | None, submitter: str | None = None) -> str:
    """Place + problem: the representative letter's title, cleaned and de-identified, with the topic's place
    in front when the title does not name it."""
    label = deidentify_label(clean_label(title, content), submitter)
    if place and place not in label:
        label = f"{place}：{label}"
    return label if len(label) <= 48 else label[:47] + "…"


def _unique_labels(session: Session, topic_ids: set[int]) -> None:
    """No two live topics share a label: a later topic with a taken label gets its first distinguishing
    keyword, else a number, appended (analysts' own labels are left alone)."""
    taken: dict[str, int] = {}
    for topic_id, label in session.execute(
            select(Topic.id, Topic.label).where(Topic.status.in_(("active", "hidden"))).order_by(Topic.id)):
        if label in taken and topic_id in topic_ids:
            topic = session.get(Topic, topic_id)
            if topic.label_locked:
                continue
            extra = next((k for k in (topic.keywords or []) if k not in label and f"{label}（{k}）" not in taken),
                         None)
            new_label = f"{label}（{extra}）" if extra else label
            number = 2
            while new_label in taken:
                new_label = f"{label}（{number}）"
                number += 1
            topic.label = new_label
            taken[new_label] = topic_id
        else:
            taken.setdefault(label, topic_id)


_MEMBER_COLUMNS = (TopicMembership.id, TopicMembership.topic_id, TopicMembership.message_id,
                   TopicMembership.similarity, Message.title, Message.submitted_at, Message.unit, Message.category)
# what a change of makes a topic's stored totals or label stale (store.records.TRACKED_FIELDS)
_DESCRIBED_FIELDS = ("title", "content", "submitted_at", "unit", "category")


def _topics_with_changed_members(session: Session, run: TopicRun) -> set[int]:
    """Topics with a member whose described fields changed (an import's revision) since the previous run."""
    since = session.scalar(select(TopicRun.started_at).where(TopicRun.id < run.id)
                           .order_by(TopicRun.id.desc()).limit(1))
    if since is None:
        return set()
    changed = select(MessageRevision.message_id).where(MessageRevision.changed_at >= since,
                                                       MessageRevision.field.in_(_DESCRIBED_FIELDS))
    return set(session.scalars(select(TopicMembership.topic_id).where(TopicMembership.message_id.in_(changed))
                               .distinct()))


def _members(session: Session, where: Any) -> dict[int, list[Any]]:
    """Member rows (``_MEMBER_COLUMNS``) per topic, in membership order (the order ties are broken in)."""
    by_topic: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(select(*_MEMBER_COLUMNS).join(Message, Message.id == TopicMembership.message_id)
                               .where(where).order_by(TopicMembership.id)):
        by_topic[row.topic_id].append(row)
    return by_topic


# Members whose features an aggregate unpacks at once: a topic of a hundred thousand letters is folded in
# slices (``Aggregate.add`` of consecutive slices is ``add`` of all), not unpacked whole.
_MEMBERS_PER_FOLD = 2_000


def _aggregate(aggregate: Aggregate, rows: list[Any], features: dict[int, tuple[str, int]],
               vocabulary: Vocabulary) -> Aggregate:
    """Fold ``rows`` (in membership order) into ``aggregate``; ``features``: packed features per member."""
    for start in range(0, len(rows), _MEMBERS_PER_FOLD):
        chunk = rows[start:start + _MEMBERS_PER_FOLD]
        members = [Member(r.message_id, r.similarity, bool((r.title or "").strip()), r.submitted_at, r.unit,
                          r.category) for r in chunk]
        aggregate.add(members, [unpack(features[r.message_id][0]) for r in chunk],
                      [features[r.message_id][1] for r in chunk], vocabulary)
    return aggregate


def _member_features(session: Session, message_ids: list[int], corpus: _Corpus | None,
                     store: bool) -> dict[int, tuple[str, int]]:
    """(packed features, keyword candidates) per message: from the run's corpus, else the feature store."""
    found: dict[int, tuple[str, int]] = {}
    missing = []
    position = corpus.by_id if corpus is not None else {}
    for message_id in message_ids:
        index = position.get(message_id)
        if index is None:
            missing.append(message_id)
        else:
            found[message_id] = (corpus.features.packed[index], corpus.candidates[index])
    for message_id, stored in load_features(session, missing, store=store).items():
        found[message_id] = (pack(stored.features()), stored.candidates)
    return found


def _describe(session: Session, topic_ids: set[int], clusterer: TopicClusterer | None, run: TopicRun | None, *,
              corpus: _Corpus | None = None, stamp: str | None = None, added: dict[int, list[int]] | None = None,
              store_features: bool = True) -> None:
    """Recompute size, people, dates, representative, label, keywords, places, units, categories.

    A topic in ``added`` (topic -> its new members) whose stored totals (``topic_aggregates`` of this model
    ``stamp``) account for all its other members is described from those totals and the new members; every
    other topic from all its members. Member features come from ``corpus`` or the feature store."""
    topic_ids = {t for t in topic_ids if t is not None}
    if not topic_ids:
        return
    vocabulary = Vocabulary(clusterer)
    wanted = sorted(topic_ids)
    # the topics in one query per 500 (session.get below then finds them in the session instead of a query
    # each, and the changes are flushed together at the end rather than one topic at a time); held in
    # ``loaded`` because the session's identity map keeps unchanged objects only while something else does
    loaded = [topic for start in range(0, len(wanted), 500)
              for topic in session.scalars(select(Topic).where(Topic.id.in_(wanted[start:start + 500])))]
    sizes: dict[int, int] = {}
    for start in range(0, len(wanted), 500):
        sizes.update(session.execute(
            select(TopicMembership.topic_id, func.count())
            .where(TopicMembership.topic_id.in_(wanted[start:start + 500])).group_by(TopicMembership.topic_id)).all())
    aggregates: dict[int, Aggregate] = {}
    previous: dict[int, tuple[int | None, str | None, str | None]] = {}  # topic -> (representative, place, label)
    if added and stamp:
        for topic_id, aggregate in load_aggregates(session, [t for t in added if t in topic_ids], stamp).items():
            if aggregate.size + len(added[topic_id]) == sizes.get(topic_id, 0):
                aggregates[topic_id] = aggregate
                previous[topic_id] = (aggregate.representative_id, aggregate.label_place, aggregate.base_label)
    new_members = sorted(m for t in aggregates for m in added[t])
    recount = [t for t in wanted if t not in aggregates and sizes.get(t)]
    rows: dict[int, list[Any]] = defaultdict(list)
    for start in range(0, len(new_members), 500):
        for topic_id, member_rows in _members(session, TopicMembership.message_id.in_(
                new_members[start:start + 500])).items():
            rows[topic_id].extend(member_rows)
    for topic_id in previous:  # a topic's new members may come in several chunks: membership order again
        rows[topic_id].sort(key=lambda r: r.id)
    features = _member_features(session, [r.message_id for rs in rows.values() for r in rs], corpus,
                                store_features)
    for topic_id in previous:
        _aggregate(aggregates[topic_id], rows[topic_id], features, vocabulary)
    del rows, features
    # Topics counted from all their members, a batch of topics at a time: a full run's members are every
    # letter, whose rows and features at once would not fit in memory at a million letters.
    for batch in member_batches(recount, sizes):
        rows = {}
        for start in range(0, len(batch), 500):
            rows.update(_members(session, TopicMembership.topic_id.in_(batch[start:start + 500])))
        features = _member_features(session, [r.message_id for rs in rows.values() for r in rs], corpus,
                                    store_features)
        for topic_id in batch:
            aggregates[topic_id] = _aggregate(Aggregate(), rows[topic_id], features, vocabulary)
        del rows, features
    # people: topics that only gained letters from their members' stored keys and the new letters; the others
    # (and those whose old members have no key yet) from all their letters
    people = count_with_new_members(session, {t: added[t] for t in previous}) if previous else {}
    people.update(recount_people(session, [t for t in wanted if sizes.get(t) and t not in people], sizes))
    verdicts = KeywordVerdicts(session, _keyword_allowed)
    labels_due: dict[int, str | None] = {}  # topic -> the place its new label names
    now = now_local()
    for topic_id in topic_ids:
        topic = session.get(Topic, topic_id)
        if topic is None:
            continue
        aggregate = aggregates.get(topic_id)
        topic.size = aggregate.size if aggregate else 0
        topic.updated_at = now
        if run is not None:
            topic.updated_run_id = run.id
        if aggregate is None:
            if topic.status == "active":
                topic.status = "retired"
            continue
        topic.distinct_submitters = people[topic_id]
        topic.first_message_at, topic.last_message_at = aggregate.first_message_at, aggregate.last_message_at
        topic.representative_message_id = aggregate.representative_id
        topic.keywords = aggregate.keywords(vocabulary, verdicts.allowed)
        places = Counter(aggregate.places)
        topic.places = [p for p, _ in places.most_common(3)]
        # the place a label names: one that at least half of the members name
        main_place = next((p for p, n in places.most_common(1) if n * 2 >= aggregate.size and _nameable(p)), None)
        if not topic.label_locked:
            representative, place, label = previous.get(topic_id, (None, None, None))
            if label is not None and (representative, place) == (aggregate.representative_id, main_place):
                topic.label = label  # the same representative and place make the same label
            else:
                labels_due[topic_id] = main_place
        topic.units = [u for u, _ in Counter(aggregate.units).most_common(3)]
        topic.categories = [c for c, _ in Counter(aggregate.categories).most_common(3)]
    _label(session, labels_due, aggregates)
    verdicts.save()
    if stamp:
        save_aggregates(session, aggregates, stamp)
    session.flush()
    del loaded
    _unique_labels(session, topic_ids)


def _label(session: Session, places: dict[int, str | None], aggregates: dict[int, Aggregate]) -> None:
    """Label each topic in ``places`` after its representative and the place given (kept in its aggregate)."""
    representatives = [aggregates[t].representative_id for t in places]
    texts = {}
    for start in range(0, len(representatives), 500):
        texts.update((row.id, row) for row in session.execute(
            select(Message.id, Message.title, Message.content, Message.submitter)
            .where(Message.id.in_(representatives[start:start + 500]))))
    for topic_id, place in places.items():
        aggregate = aggregates[topic_id]
        representative = texts[aggregate.representative_id]
        aggregate.base_label = topic_label(representative.title, representative.content, place,
                                           representative.submitter)
        aggregate.label_place = place
        session.get(Topic, topic_id).label = aggregate.base_label


# --- reading --------------------------------------------------------------------------------------------

@dataclass
class TopicDigest:
    topic_id: int
    label: str
    keywords: list[str]
    places: list[str]
    units: list[str]
    categories: list[str]
    status: str
    message_ids: list[int] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
    representative_message_id: int | None = None
    best_reply_message_id: int | None = None


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min), datetime.combine(end, time.max)


def period_members(session: Session, start: date, end: date, *, include_hidden: bool = False) -> list[Any]:
    """Rows (topic_id, message_id, external_id, natural_key, submitter, submitted_at, channel, votes_up,
    reply_text, replied_at, duplicate_group, similarity, unit, status, source_id, title, content, kind,
    admissibility) of topic members submitted in [start, end]."""
    first, last = _day_bounds(start, end)
    statuses = ("active", "hidden") if include_hidden else ("active",)
    return session.execute(
        select(TopicMembership.topic_id, Message.id.label("message_id"), Message.external_id, Message.natural_key,
               Message.submitter, Message.submitted_at, Message.channel, Message.votes_up, Message.reply_text,
               Message.replied_at, TopicMembership.duplicate_group, TopicMembership.similarity, Message.unit,
               Message.status, Message.source_id, Message.title, Message.content, Message.kind,
               Message.admissibility)
        .join(Message, Message.id == TopicMembership.message_id)
        .join(Topic, Topic.id == TopicMembership.topic_id)
        .where(Message.submitted_at >= first, Message.submitted_at <= last, Topic.status.in_(statuses))
        .order_by(TopicMembership.topic_id, Message.submitted_at, Message.id)
    ).all()


def topics_for_period(session: Session, start: date, end: date, *, min_size: int = 1,
                      include_hidden: bool = False) -> list[TopicDigest]:
    """Topics with at least ``min_size`` members submitted in [start, end], largest first."""
    members = period_members(session, start, end, include_hidden=include_hidden)
    by_topic: dict[int, list] = defaultdict(list)
    for row in members:
        by_topic[row.topic_id].append(row)
    flagged = {}
    if members:
        ids = [r.message_id for r in members if r.reply_text]
        for start_index in range(0, len(ids), 500):
            for message_id, flags in session.execute(
                select(ReplyQuality.message_id, ReplyQuality.flags)
                .where(ReplyQuality.message_id.in_(ids[start_index:start_index + 500]))
            ):
                flagged[message_id] = flags or []
    digests = []
    for topic_id, rows in by_topic.items():
        if len(rows) < min_size:
            continue
        topic = session.get(Topic, topic_id)
        replied = [r for r in rows if (r.reply_text or "").strip() and not flagged.get(r.message_id)]
        best = max(replied, key=lambda r: (len(r.reply_text), -r.message_id)) if replied else None
        digests.append(TopicDigest(
            topic_id=topic_id, label=topic.label, keywords=list(topic.keywords or []),
            places=list(topic.places or []), units=list(topic.units or []),
            categories=list(topic.categories or []), status=topic.status,
            message_ids=[r.message_id for r in rows],
            external_ids=[r.external_id or r.natural_key for r in rows],
            representative_message_id=topic.representative_message_id,
            best_reply_message_id=best.message_id if best else None,
        ))
    digests.sort(key=lambda d: (-len(d.message_ids), d.topic_id))
    return digests


def topic_detail(session: Session, topic_id: int) -> dict[str, Any]:
    """One topic with its members, lineage and curation history (for `topics show` and the web UI)."""
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise CurationError(f"no topic with id {topic_id}", "no_topic", topic_id=topic_id)
    members = session.execute(
        select(Message.id, Message.external_id, Message.title, Message.submitted_at, TopicMembership.similarity,
               TopicMembership.origin)
        .join(TopicMembership, TopicMembership.message_id == Message.id)
        .where(TopicMembership.topic_id == topic_id)
        .order_by(TopicMembership.similarity.desc(), Message.id)
    ).all()
    lineage = session.scalars(select(TopicLineage).where(
        (TopicLineage.from_topic_id == topic_id) | (TopicLineage.to_topic_id == topic_id)).order_by(TopicLineage.id))
    curations = session.scalars(select(TopicCuration).where(TopicCuration.topic_id == topic_id)
                                .order_by(TopicCuration.id))
    return {
        "topic_id": topic.id, "label": topic.label, "status": topic.status, "size": topic.size,
        "distinct_submitters": topic.distinct_submitters, "keywords": topic.keywords, "places": topic.places,
        "units": topic.units, "categories": topic.categories, "merged_into": topic.merged_into_id,
        "first_message_at": topic.first_message_at.isoformat(sep=" ") if topic.first_message_at else None,
        "last_message_at": topic.last_message_at.isoformat(sep=" ") if topic.last_message_at else None,
        "members": [{"message_id": m.id, "external_id": m.external_id, "title": m.title,
                     "submitted_at": m.submitted_at.isoformat(sep=" ") if m.submitted_at else None,
                     "similarity": round(m.similarity or 0.0, 3), "origin": m.origin} for m in members],
        "lineage": [{"kind": row.kind, "from": row.from_topic_id, "to": row.to_topic_id,
                     "shared_messages": row.shared_messages, "run_id": row.run_id} for row in lineage],
        "curation": [{"id": c.id, "action": c.action, "payload": c.payload, "author": c.author,
                      "at": c.created_at.isoformat(sep=" ")} for c in curations],
    }
