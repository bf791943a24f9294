"""Reply quality: flag replies that are empty, boilerplate only, far too short, or unrelated to the question.

``assess_texts(questions, replies, titles=None) -> list[ReplyAssessment]`` is the pure function (used by
``bench/reply_quality_eval.py``); ``assess_replies(session)`` stores a ``ReplyQuality`` row per replied
message (recomputed only when the reply changed) and ``unit_rates(session)`` gives the flag rates per unit.

Flags:

- ``empty``: a reply field that holds nothing.
- ``boilerplate_only``: after removing the formulas of official replies (网友您好, 您的留言已收悉, 已转交相关部门,
  感谢您的关注, 特此回复… and the quoted title of the message) fewer than ``reply_quality.min_chars``
  characters of substance remain.
- ``too_short``: the substance is shorter than ``reply_quality.min_ratio`` of the question and under 25
  characters (a one-line answer to a long complaint).
- ``unrelated``: the TF-IDF cosine between question and reply substance is below
  ``reply_quality.min_similarity`` (a reply about something else, or pasted from another case).
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Message, now_local
from store.models.topics import ReplyQuality
from store.settings import get_settings

__all__ = ["FLAGS", "REPLY_BOILERPLATE", "ReplyAssessment", "assess_replies", "assess_texts", "unit_rates"]

FLAGS = ("empty", "boilerplate_only", "too_short", "unrelated")

# Formulas of official replies that say nothing about the case.
REPLY_BOILERPLATE: tuple[str, ...] = (
    r"(?:尊敬的)?(?:网友|市民|群众|先生|女士|同志)[^，,：:！!。]{0,20}?[：:，,]?\s*(?:您好|你好)[！!，,。]?",
    r"(?:您好|你好)[！!，,。]?",
    r"(?:首先)?(?:非常|十分)?感谢您?(?:对我们工作)?的?(?:信任|关注|支持|理解|来信|留言|监督)(?:和|与)?(?:信任|关注|支持|理解|监督)?[！!，,。]?",
    r"您?(?:在|于)?[^，。]{0,30}?(?:的)?(?:留言|来信|诉求|反映的问题|信件)(?:已|我们已)?(?:收悉|收到)[！!，,。]?",
    r"(?:现|现将)?(?:将)?(?:有关|相关)?(?:情况|调查处理情况|处理情况|办理情况)?(?:回复|答复)如下[：:]?",
    r"(?:已|已经|我们已)(?:将您的(?:留言|来信|诉求|问题))?(?:转交|转至|转办|转给|交由|移交)(?:给)?(?:了)?(?:相关|有关|责任)?(?:部门|单位)(?:办理|处理|核实)?[！!，,。]?",
    r"(?:请您?|敬请)?(?:耐心)?(?:等待|留意)(?:相关|有关)?(?:部门|单位)?的?(?:回复|答复|处理)[！!，,。]?",
    r"(?:特此|此)(?:回复|答复|复)[！!，,。]?",
    # forwarding without an answer: 关于您反映的问题，已转F9市调查处理 / 已转至县农业局核实、办理
    r"(?:关于|对于)?(?:网友)?(?:您|你)(?:所)?(?:反映|提出|咨询)的(?:问题|情况)",
    (r"(?:已|已经)(?:转|转至|转交|交由|移交|上报)(?:给)?[^。，,！!]{0,15}?(?:调查|核实|核处|办理|处理|处置)"
     r"(?:[、，,]?(?:核处|处理|办理|核实))?[！!，,。]?"),
    r"感谢您的(?:问政|留言|来信)[！!，,。]?",
    r"(?:如有|若有)(?:疑问|问题)[^。]{0,40}?(?:联系|咨询)[^。]{0,40}。?",
    r"(?:祝您?)?(?:生活愉快|工作顺利|身体健康)[！!。]?",
    r"\d{4}年\d{1,2}月\d{1,2}日",
)
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in REPLY_BOILERPLATE))
_QUOTED = re.compile(r"[“\"「『][^”\"」』]{0,80}[”\"」』]")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
# Below this many characters of substance a reply to a long question is "too short" (measured on 附件4: real
# one-sentence answers run from about 25 characters up).
_SHORT_CHARS = 25


@dataclass
class ReplyAssessment:
    flags: list[str] = field(default_factory=list)
    reply_chars: int = 0
    question_chars: int = 0
    substantive_chars: int = 0
    similarity: float | None = None


def substance(reply: str, title: str | None = None) -> str:
    """The reply without formulas, quoted titles, dates and punctuation."""
    from analysis.text.normalise import clean_text

    text = clean_text(reply)
    if title:
        text = text.replace(clean_text(title), "")
    text = _QUOTED.sub("", text)
    text = _BOILERPLATE.sub("", text)
    return _NOISE.sub("", text)


def assess_texts(questions: Sequence[str], replies: Sequence[str | None], titles: Sequence[str | None] | None = None,
                 *, min_chars: int | None = None, min_ratio: float | None = None,
                 min_similarity: float | None = None,
                 question_tokens: Sequence[list[str] | None] | None = None) -> list[ReplyAssessment]:
    """Assess replies against their questions (same order). Thresholds default to the settings.
    ``question_tokens``: the tokens of ``f"{title} {question}"`` where known already (None where not)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analysis.executor import packed_tokens_many
    from analysis.text.normalise import clean_text
    from analysis.text.packed import pack, unpack

    settings = get_settings()
    min_chars = settings.get("reply_quality.min_chars") if min_chars is None else min_chars
    min_ratio = settings.get("reply_quality.min_ratio") if min_ratio is None else min_ratio
    min_similarity = settings.get("reply_quality.min_similarity") if min_similarity is None else min_similarity
    titles = titles if titles is not None else [None] * len(questions)
    results: list[ReplyAssessment] = []
    substances: list[str] = []
    for question, reply, title in zip(questions, replies, titles, strict=True):
        question_text = _NOISE.sub("", clean_text(f"{title or ''}{question or ''}"))
        reply_text = _NOISE.sub("", clean_text(reply or ""))
        core = substance(reply or "", title)
        result = ReplyAssessment(reply_chars=len(reply_text), question_chars=len(question_text),
                                 substantive_chars=len(core))
        if not reply_text:
            result.flags.append("empty")
        elif len(core) < min_chars:
            result.flags.append("boilerplate_only")
        elif len(core) < min_ratio * len(question_text) and len(core) < _SHORT_CHARS:
            result.flags.append("too_short")
        results.append(result)
        substances.append(core)
    checkable = [i for i, r in enumerate(results) if not r.flags]
    if checkable:
        known = question_tokens if question_tokens is not None else [None] * len(questions)
        docs = [f"{titles[i] or ''} {questions[i] or ''}" for i in checkable] + [substances[i] for i in checkable]
        todo = [k for k, i in enumerate(checkable) if known[i] is None] + list(range(len(checkable), len(docs)))
        # Tokenised once (questions with stored tokens not at all), over the analysis.executor workers, and held
        # packed (a string per document: lists of strings would be gigabytes at a year of replies); the
        # vectorizer unpacks and counts them.
        packed = [pack(known[i]) if known[i] is not None else "" for i in checkable] + [""] * len(checkable)
        for k, tokens in zip(todo, packed_tokens_many([docs[k] for k in todo]).packed, strict=True):
            packed[k] = tokens
        vectorizer = TfidfVectorizer(analyzer=unpack, sublinear_tf=True)
        try:
            matrix = vectorizer.fit_transform(packed)
        except ValueError:  # no words at all
            matrix = None
        if matrix is not None:
            n = len(checkable)
            similarity = np.asarray(matrix[:n].multiply(matrix[n:]).sum(axis=1)).ravel()
            for position, i in enumerate(checkable):
                results[i].similarity = float(similarity[position])
                if similarity[position] < min_similarity:
                    results[i].flags.append("unrelated")
    return results


def _reply_hash(reply: str | None) -> str:
    return hashlib.sha1((reply or "").encode("utf-8")).hexdigest()


def assess_replies(session: Session) -> dict[str, int]:
    """Assess every message with a reply field whose reply changed since the last assessment."""
    stored = dict(session.execute(select(ReplyQuality.message_id, ReplyQuality.reply_hash)).all())
    rows = session.execute(
        select(Message.id, Message.title, Message.content, Message.reply_text, Message.reply_unit, Message.unit,
               Message.content_hash)
        .where(Message.reply_text.is_not(None))
        .order_by(Message.id)  # one order on every database: the TF-IDF sums then add up in the same order
    ).all()
    todo = [r for r in rows if stored.get(r.id) != _reply_hash(r.reply_text)]
    counts: Counter = Counter({"assessed": len(todo), "unchanged": len(rows) - len(todo)})
    if not todo:
        return dict(counts)
    results = assess_texts([r.content for r in todo], [r.reply_text for r in todo], [r.title for r in todo],
                           question_tokens=_stored_question_tokens(session, todo))
    existing = {q.message_id: q for q in session.scalars(
        select(ReplyQuality).where(ReplyQuality.message_id.in_([r.id for r in todo])))} if len(todo) < 30000 else {
        q.message_id: q for q in session.scalars(select(ReplyQuality))}
    now = now_local()
    for row, result in zip(todo, results, strict=True):
        record = existing.get(row.id) or ReplyQuality(message_id=row.id)
        record.flags = result.flags
        record.reply_chars, record.question_chars = result.reply_chars, result.question_chars
        record.substantive_chars, record.similarity = result.substantive_chars, result.similarity
        record.unit = row.reply_unit or row.unit
        record.reply_hash = _reply_hash(row.reply_text)
        record.checked_at = now
        session.add(record)
        counts.update(result.flags)
    session.flush()
    return dict(counts)


def _stored_question_tokens(session: Session, rows: Sequence[Any]) -> list[list[str] | None]:
    """The question tokens the topic step stored (``analysis.topics.features``), where title and content
    tokenise alike joined and apart (``normalise_apart``): the same tokens, not segmented again."""
    from analysis.text.normalise import normalise_apart
    from analysis.topics.features import decode, question_tokens, stored_texts

    texts = stored_texts(session, [r.content_hash for r in rows])
    return [question_tokens(decode(texts[r.content_hash]))
            if r.content_hash in texts and normalise_apart(r.title, r.content) else None for r in rows]


def unit_rates(session: Session) -> list[dict[str, Any]]:
    """Per unit: replies assessed, share flagged, count per flag; most flagged first."""
    by_unit: dict[str, list[list[str]]] = defaultdict(list)
    for unit, flags in session.execute(select(ReplyQuality.unit, ReplyQuality.flags)):
        by_unit[unit or "(unknown)"].append(flags or [])
    rates = []
    for unit, all_flags in by_unit.items():
        flagged = sum(1 for f in all_flags if f)
        per_flag = Counter(flag for f in all_flags for flag in f)
        rates.append({"unit": unit, "replies": len(all_flags), "flagged": flagged,
                      "flagged_share": flagged / len(all_flags), "flags": dict(per_flag)})
    rates.sort(key=lambda r: (-r["flagged_share"], r["unit"]))
    return rates
