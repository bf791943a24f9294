"""What the summary needs from analysis/, behind one small interface.

``period_topics(session, start, end, messages)``
    the recurring issues of a period as ``TopicGroup`` (key, topic id, label, member ids in the period,
    representative id): ``analysis.topics.clustering.topics_for_period`` (stable topic ids, analysts' curation applied)
    when the analyze step has clustered the period; otherwise a local clustering of titles and contents
    (TF-IDF on the shared tokenizer, average linkage on cosine distance), logged, and named in the summary's
    ``methods`` so a draft built without the analyze step says so.
``hot_entries(session, start, end, groups, messages, states, top)``
    the 民意热点榜 with badges: ``analysis.topics.hotlist.hotlist`` (its new/rising/persisting/cooling badge in
    Chinese) plus reply badges from the members' deadline states; locally ranked when there are no topics.
``stored_reply_flags`` / ``reply_check(message, state, stored_flags)``
    whether an official reply may stand as the published answer: the flags stored by the analyze step
    (``reply_quality`` table) when present, else local checks (non-empty, not only formulas, specific), and
    in every case replied on time.
``find_personal_data`` / ``redact``
    ``analysis.privacy.redact`` (the publication gate depends on it).
"""
from __future__ import annotations

import importlib
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from analysis.privacy.redact import find_personal_data, redact  # noqa: F401  (re-exported for reports)

log = logging.getLogger(__name__)
_warned: set[str] = set()


def _optional(module: str, attribute: str):
    """``module.attribute`` when that analysis step exists, else None (logged once)."""
    try:
        found = getattr(importlib.import_module(module), attribute, None)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        found = None
    if found is None and module not in _warned:
        _warned.add(module)
        log.warning("%s.%s is not available: the summary uses its local stand-in", module, attribute)
    return found


# --- topics ----------------------------------------------------------------------------------------


@dataclass
class TopicGroup:
    key: str  # stable id of the issue ("topic:<id>" from analysis.topics.clustering, "msg:<representative id>" locally)
    label: str
    message_ids: list[int]
    representative_id: int
    topic_id: int | None = None


@dataclass
class MessageView:
    """The fields of a message the summary reads (detached from the session)."""

    id: int
    external_id: str | None
    channel: str
    title: str | None
    content: str
    submitter: str | None
    submitted_at: object
    kind: str | None
    category: str | None
    unit: str | None
    reply_text: str | None
    reply_unit: str | None
    replied_at: object
    votes_up: int | None
    votes_down: int | None
    source_id: int | None = None
    admissibility: str | None = None
    admissibility_reason: str | None = None

    @property
    def text(self) -> str:
        return f"{self.title or ''}。{self.content or ''}"


def period_topics(session, start, end, messages: Sequence[MessageView],
                  distance_threshold: float = 0.75) -> tuple[list[TopicGroup], str]:
    """Recurring issues among ``messages`` (submitted in [start, end]) and the name of the method used.

    The topics of ``analysis.topics.clustering`` (stable ids, analysts' curation applied, hidden topics left
    out) when the analyze step has clustered the period; otherwise the local stand-in."""
    topics_for_period = _optional("analysis.topics.clustering", "topics_for_period")
    if topics_for_period is not None:
        in_period = {m.id: m for m in messages}
        groups = []
        for digest in topics_for_period(session, start, end):
            members = [i for i in digest.message_ids if i in in_period]
            if not members:
                continue
            rep = digest.representative_message_id
            if rep not in in_period or rep not in members:
                # The topic's centre lies in another period: take this period's most supported member.
                rep = max(members, key=lambda i: (in_period[i].votes_up or 0, -i))
            groups.append(TopicGroup(key=f"topic:{digest.topic_id}", label=digest.label, message_ids=sorted(members),
                                     representative_id=rep, topic_id=digest.topic_id))
        if groups:
            return groups, "analysis.topics.clustering"
        if messages:
            log.warning("analysis.topics.clustering has no topics for %s..%s (run `hotline-monitor analyze`): "
                        "using the local clustering", start, end)
    return _local_topics(messages, distance_threshold), "local clustering (no analysis.topics.clustering run)"


def _local_topics(messages: Sequence[MessageView], distance_threshold: float) -> list[TopicGroup]:
    if not messages:
        return []
    if len(messages) == 1:
        only = messages[0]
        return [TopicGroup(f"msg:{only.id}", only.title or only.content[:30], [only.id], only.id)]
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analysis.text.normalise import normalise_for_features
    from analysis.text.tokenize import tokens

    # The title says what the issue is; repeating it weighs it over the (long, varied) body.
    docs = [normalise_for_features(f"{m.title or ''} {m.title or ''} {m.content[:400]}") for m in messages]
    vectorizer = TfidfVectorizer(analyzer=tokens, sublinear_tf=True)
    matrix = vectorizer.fit_transform(docs)
    empty = np.asarray(matrix.sum(axis=1)).ravel() == 0
    dense = matrix.toarray()
    dense[empty, 0] = 1.0  # a message without tokens still gets a (lonely) point
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=distance_threshold).fit_predict(dense)
    similarity = dense @ dense.T
    groups: list[TopicGroup] = []
    for label in sorted(set(labels)):
        members = [i for i, lab in enumerate(labels) if lab == label]
        # Representative: the member closest on average to the others.
        best = max(members, key=lambda i: (similarity[i, members].sum(), -messages[i].id))
        rep = messages[best]
        groups.append(TopicGroup(key=f"msg:{rep.id}", label=(rep.title or rep.content[:30]).strip(),
                                 message_ids=sorted(messages[i].id for i in members), representative_id=rep.id))
    return groups


# --- reply quality -----------------------------------------------------------------------------------

_FORMULA = re.compile(
    r"^(?:[^，。！？]{0,24}(?:您好|你好)|.{0,30}(?:收悉|已收到)|.{0,20}感谢|.{0,20}谢谢|如有疑问|如有问题|如有异议|"
    r"欢迎|特此|此复|祝您|现(?:就)?.{0,20}(?:答复|回复)如下|.{0,40}(?:答复|回复)如下|.{0,10}留言(?:已)?收悉)")
_SPECIFIC = re.compile(r"\d|经(?:核实|调查|查|了解|研究)|根据|按照|依据|已(?:经)?[\u4e00-\u9fff]{1,6}|将于|责令|安排")


def reply_sentences(text: str) -> list[str]:
    """The sentences of a reply, each ending with its own punctuation."""
    parts = re.findall(r"[^。！？!?；;\n]+[。！？!?；;]?", text or "")
    return [p.strip() for p in parts if p.strip(" \t，,、")]


def is_formula(sentence: str) -> bool:
    return bool(_FORMULA.match(sentence.strip()))


@dataclass
class ReplyCheck:
    ok: bool
    score: float
    flags: list[str] = field(default_factory=list)


def stored_reply_flags(session, message_ids: Sequence[int]) -> dict[int, list[str]]:
    """The reply-quality flags the analyze step stored (``reply_quality`` table), by message id."""
    from sqlalchemy import select

    from store.models.topics import ReplyQuality

    found: dict[int, list[str]] = {}
    ids = list(message_ids)
    for first in range(0, len(ids), 500):
        rows = session.execute(select(ReplyQuality.message_id, ReplyQuality.flags)
                               .where(ReplyQuality.message_id.in_(ids[first:first + 500])))
        found.update({message_id: list(flags or []) for message_id, flags in rows})
    return found


def reply_check(message: MessageView, state: str | None, stored_flags: list[str] | None = None) -> ReplyCheck:
    """May this reply be published as the answer? ``state`` is the message's deadline state; ``stored_flags``
    the reply-quality flags of the analyze step (None: not checked there, the local checks stand in)."""
    flags = []
    text = (message.reply_text or "").strip()
    substance = [s for s in reply_sentences(text) if not is_formula(s)]
    substance_chars = sum(len(s) for s in substance)
    if stored_flags is not None:
        flags += stored_flags
        if not text:
            flags.append("no_reply")
    elif not text:
        flags.append("no_reply")
    elif substance_chars < 30:
        flags.append("only_formulas")
    if stored_flags is None and text and not _SPECIFIC.search(" ".join(substance)):
        flags.append("not_specific")
    if state not in ("replied_on_time",):
        flags.append(f"not_on_time:{state}")
    specifics = len(_SPECIFIC.findall(" ".join(substance)))
    score = min(substance_chars, 600) / 100 + min(specifics, 10) * 0.5
    return ReplyCheck(ok=not flags, score=score, flags=flags)


# --- hot list -----------------------------------------------------------------------------------------


@dataclass
class HotEntry:
    key: str
    label: str
    score: float
    size: int
    votes: int
    badges: list[str]
    message_ids: list[int]
    topic_id: int | None = None


HOTLIST_BADGES = {"new": "新上榜", "rising": "上升", "persisting": "持续", "cooling": "降温"}


def _reply_badges(member_states: list[str | None]) -> list[str]:
    if any(s in ("overdue", "seriously_overdue", "unanswered") for s in member_states):
        return ["有超期未复"]
    if any(s in ("on_time", "due_soon", "paused") for s in member_states):
        return ["办理中"]
    if member_states and all(s == "replied_on_time" for s in member_states):
        return ["均按时答复"]
    return []


def hot_entries(session, start, end, groups: Sequence[TopicGroup], messages: dict[int, MessageView],
                states: dict[int, str], top: int) -> tuple[list[HotEntry], str]:
    """The period's 民意热点榜: ``analysis.topics.hotlist`` when the groups are its topics, else a local ranking."""
    hotlist = _optional("analysis.topics.hotlist", "hotlist")
    by_topic = {g.topic_id: g for g in groups if g.topic_id is not None}
    entries: list[HotEntry] = []
    if hotlist is not None and by_topic:
        for row in hotlist(session, start, end, top=top):
            group = by_topic.get(row["topic_id"])
            if group is None:
                continue
            badges = [HOTLIST_BADGES.get(row.get("badge"), row.get("badge"))] if row.get("badge") else []
            badges += _reply_badges([states.get(i) for i in group.message_ids])
            entries.append(HotEntry(group.key, row["label"], float(row["score"]), row["size"], row.get("votes", 0),
                                    badges, list(group.message_ids), group.topic_id))
        method = "analysis.topics.hotlist"
    else:
        for group in groups:
            members = [messages[i] for i in group.message_ids]
            votes = sum(max(m.votes_up or 0, 0) for m in members)
            badges = (["多人反映"] if len(members) >= 5 else []) + (["高关注"] if votes >= 20 else [])
            badges += _reply_badges([states.get(i) for i in group.message_ids])
            entries.append(HotEntry(group.key, group.label, round(len(members) + math.log1p(votes), 2),
                                    len(members), votes, badges, list(group.message_ids), group.topic_id))
        entries.sort(key=lambda e: (-e.score, -e.size, e.key))
        entries = entries[:top]
        method = "local ranking (no analysis.topics.clustering run)"
    for entry in entries[:3]:
        if entry.size > 1:  # a single message is not a hot spot, whatever its rank
            entry.badges.insert(0, "热")
    return entries, method
