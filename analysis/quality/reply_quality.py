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
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from analysis.executor import map_chunks_later, one_behind, packed_tokens_many, reusing_workers
from analysis.quality.similarity import PairSimilarities
from analysis.watermarks import Pending, pending_messages
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


# Each formula needs one of these strings in any text it matches: a formula none of whose strings is in the
# text cannot match there, and the alternation of the others removes exactly what the whole one removes (the
# alternatives keep their order).
_BOILERPLATE_NEEDS: tuple[tuple[str, ...], ...] = (
    ("您好", "你好"),
    ("您好", "你好"),
    ("感谢",),
    ("收悉", "收到"),
    ("复如下",),
    ("转交", "转至", "转办", "转给", "交由", "移交"),
    ("等待", "留意"),
    ("此",),
    ("的问题", "的情况"),
    ("已",),
    ("感谢您的",),
    ("如有", "若有"),
    ("生活愉快", "工作顺利", "身体健康"),
    ("年",),
)
assert len(_BOILERPLATE_NEEDS) == len(REPLY_BOILERPLATE)
# No formula reads a 。 but as its last character, so no match runs across one: the sentences (each up to its 。)
# are cleaned one by one, each with only the formulas it holds the strings of. The whole alternation tried at
# every character was most of the step's regex time (已收悉's formula alone scans up to 30 characters ahead
# from every position for 留言/来信…); a sentence holds a formula or two.
_BOILERPLATE_SUBSETS: dict[int, re.Pattern[str] | None] = {}
_NEEDS = tuple(enumerate(_BOILERPLATE_NEEDS))


def _boilerplate_of(text: str) -> re.Pattern[str] | None:
    """The alternation of the formulas that can match in ``text`` (None: none can)."""
    mask = 0
    for bit, needs in _NEEDS:
        for needed in needs:
            if needed in text:
                mask |= 1 << bit
                break
    try:
        return _BOILERPLATE_SUBSETS[mask]
    except KeyError:
        chosen = [p for bit, p in enumerate(REPLY_BOILERPLATE) if mask >> bit & 1]
        pattern = re.compile("|".join(f"(?:{p})" for p in chosen)) if chosen else None
        _BOILERPLATE_SUBSETS[mask] = pattern
        return pattern


def _remove_boilerplate(text: str) -> str:
    """``_BOILERPLATE.sub("", text)``, sentence by sentence with the formulas each can hold."""
    sentences = text.split("。")
    last = sentences.pop()
    out = []
    for sentence in sentences:
        sentence += "。"
        pattern = _boilerplate_of(sentence)
        out.append(pattern.sub("", sentence) if pattern is not None else sentence)
    pattern = _boilerplate_of(last)
    out.append(pattern.sub("", last) if pattern is not None else last)
    return "".join(out)


def substance(reply: str, title: str | None = None) -> str:
    """The reply without formulas, quoted titles, dates and punctuation."""
    from analysis.text.normalise import clean_text

    return _substance_of_clean(clean_text(reply), title)


def _substance_of_clean(text: str, title: str | None) -> str:
    from analysis.text.normalise import clean_text

    if title:
        text = text.replace(clean_text(title), "")
    text = _QUOTED.sub("", text)
    return _NOISE.sub("", _remove_boilerplate(text))


@dataclass
class _Thresholds:
    min_chars: int
    min_ratio: float
    min_similarity: float

    @classmethod
    def of(cls, min_chars: int | None, min_ratio: float | None, min_similarity: float | None) -> _Thresholds:
        settings = get_settings()
        return cls(settings.get("reply_quality.min_chars") if min_chars is None else min_chars,
                   settings.get("reply_quality.min_ratio") if min_ratio is None else min_ratio,
                   settings.get("reply_quality.min_similarity") if min_similarity is None else min_similarity)


def _screen_chunk(thresholds: _Thresholds, items: list[tuple[str | None, str | None, str | None]]
                  ) -> list[tuple[int, int, int, str | None, str | None]]:
    """Per (question, reply, title): the reply's, question's and substance's lengths, the first flag that needs no
    similarity (None: the pair is checkable) and, for a checkable pair, its substance's tokens packed. Per-pair
    work only, so that it runs on the ``analysis.executor`` workers (module level: it pickles by reference)."""
    from analysis.text.normalise import clean_text
    from analysis.text.packed import pack
    from analysis.text.tokenize import tokens

    screened = []
    for question, reply, title in items:
        question_text = _NOISE.sub("", clean_text(f"{title or ''}{question or ''}"))
        cleaned = clean_text(reply or "")
        reply_text = _NOISE.sub("", cleaned)
        core = _substance_of_clean(cleaned, title)
        flag = None
        if not reply_text:
            flag = "empty"
        elif len(core) < thresholds.min_chars:
            flag = "boilerplate_only"
        elif len(core) < thresholds.min_ratio * len(question_text) and len(core) < _SHORT_CHARS:
            flag = "too_short"
        screened.append((len(reply_text), len(question_text), len(core), flag,
                         None if flag else pack(tokens(core))))
    return screened


def _assess_batch(questions: Sequence[str | None], replies: Sequence[str | None], titles: Sequence[str | None],
                  known: Sequence[list[str] | None] | Callable[[list[int]], Sequence[str | None]],
                  thresholds: _Thresholds,
                  similarities: PairSimilarities) -> tuple[list[ReplyAssessment], list[int]]:
    """Flags and lengths of one batch; the checkable pairs' tokens are counted into ``similarities``.
    ``known``: the question tokens known already (None where not), as lists by position, or a function of the
    checkable positions giving them packed. Returns the assessments and the positions of the checkable ones
    (whose similarities ``similarities.finish`` gives)."""
    screening = _start_screening(questions, replies, titles, thresholds)
    return _finish_batch(screening(), questions, titles, known, similarities)


def _start_screening(questions: Sequence[str | None], replies: Sequence[str | None], titles: Sequence[str | None],
                     thresholds: _Thresholds) -> Callable[[], list[tuple[int, int, int, str | None, str | None]]]:
    """``_screen_chunk`` of the batch on the ``analysis.executor`` workers; returns the function that collects it."""
    return map_chunks_later(partial(_screen_chunk, thresholds),
                                     list(zip(questions, replies, titles, strict=True)))


def _finish_batch(screened: list[tuple[int, int, int, str | None, str | None]], questions: Sequence[str | None],
                  titles: Sequence[str | None],
                  known: Sequence[list[str] | None] | Callable[[list[int]], Sequence[str | None]],
                  similarities: PairSimilarities) -> tuple[list[ReplyAssessment], list[int]]:
    from analysis.text.packed import pack, unpack

    results = [ReplyAssessment(flags=[flag] if flag else [], reply_chars=reply_chars, question_chars=question_chars,
                               substantive_chars=substantive_chars)
               for reply_chars, question_chars, substantive_chars, flag, _ in screened]
    checkable = [i for i, r in enumerate(results) if not r.flags]
    if checkable:
        # questions with stored tokens are not tokenised again; all held packed (a string per document) and
        # counted one document at a time: PairSimilarities keeps term counts
        stored = dict(zip(checkable, known(checkable) if callable(known) else
                          [None if known[i] is None else pack(known[i]) for i in checkable], strict=True))
        unknown = [i for i in checkable if stored[i] is None]
        if unknown:
            stored.update(zip(unknown, packed_tokens_many(
                [f"{titles[i] or ''} {questions[i] or ''}" for i in unknown]).packed, strict=True))
        similarities.add((unpack(stored[i]) for i in checkable), (unpack(screened[i][4]) for i in checkable))
    return results, checkable


def _flag_unrelated(result: ReplyAssessment, similarity: float, thresholds: _Thresholds) -> None:
    result.similarity = float(similarity)
    if similarity < thresholds.min_similarity:
        result.flags.append("unrelated")


def assess_texts(questions: Sequence[str], replies: Sequence[str | None], titles: Sequence[str | None] | None = None,
                 *, min_chars: int | None = None, min_ratio: float | None = None,
                 min_similarity: float | None = None,
                 question_tokens: Sequence[list[str] | None] | None = None,
                 batch_size: int = 20000) -> list[ReplyAssessment]:
    """Assess replies against their questions (same order). Thresholds default to the settings.
    ``question_tokens``: the tokens of ``f"{title} {question}"`` where known already (None where not).
    ``batch_size``: texts tokenised at a time (the results do not depend on it)."""
    thresholds = _Thresholds.of(min_chars, min_ratio, min_similarity)
    titles = titles if titles is not None else [None] * len(questions)
    known = question_tokens if question_tokens is not None else [None] * len(questions)
    if not (len(questions) == len(replies) == len(titles) == len(known)):
        raise ValueError("questions, replies, titles and question_tokens differ in length")
    similarities = PairSimilarities()
    results: list[ReplyAssessment] = []
    checkables: list[list[int]] = []
    for start in range(0, len(questions), batch_size):
        end = start + batch_size
        batch, checkable = _assess_batch(questions[start:end], replies[start:end], titles[start:end],
                                         known[start:end], thresholds, similarities)
        if checkable:
            checkables.append([start + i for i in checkable])
        results.extend(batch)
    for checkable, similarity in zip(checkables, similarities.finish(), strict=True):
        if similarity is not None:
            for position, i in enumerate(checkable):
                _flag_unrelated(results[i], similarity[position], thresholds)
    return results


_FLAG_CODE = {flag: code for code, flag in enumerate(FLAGS)}


@dataclass
class _Batch:
    """One batch's assessments, compact until its similarities are known and it is written."""
    message_ids: np.ndarray  # int64
    record_ids: np.ndarray  # the ReplyQuality row's id, 0 where there is none yet
    lengths: np.ndarray  # (n, 3) int32: reply, question, substantive characters
    flag: np.ndarray  # int8: index in FLAGS of the first flag, -1 none
    units: array  # index in the run's unit list
    digests: np.ndarray  # (n, 20) uint8: sha1 of the replies
    checkable: array  # positions of the pairs whose similarity PairSimilarities gives


# The version of ``analysis.watermarks``: changing it makes the next run read every reply again (each is still
# assessed again only when its text differs from the one assessed: ``ReplyQuality.reply_hash``).
_RULES_VERSION = "1"
_INPUT_FIELDS = ("reply_text",)  # a revision of these makes a letter's assessment due again


def _pending_rows(session: Session, batch_size: int) -> tuple[Pending, Iterator[list[Any]]]:
    """(the step's ``Pending``, the replied letters to look at in id order, ``batch_size`` rows at a time). The
    first run and a run after a rules change read every reply; later runs only the new letters and those whose
    reply was revised since (``analysis.watermarks``): a year of replies is not read again for ten thousand new
    ones. ``Pending.done`` marks them handled."""
    pending = pending_messages(session, "reply-quality", _RULES_VERSION, _INPUT_FIELDS)
    columns = (select(Message.id, Message.title, Message.content, Message.reply_text, Message.reply_unit,
                      Message.unit, Message.content_hash, ReplyQuality.id.label("record_id"), ReplyQuality.reply_hash)
               .outerjoin(ReplyQuality, ReplyQuality.message_id == Message.id)
               .where(Message.reply_text.is_not(None), Message.id <= pending.top_message_id)
               # one order on every database: the TF-IDF sums then add up in the same order
               .order_by(Message.id))

    def batches() -> Iterator[list[Any]]:
        if pending.everything:
            last_id = 0
            while rows := session.execute(columns.where(Message.id > last_id).limit(batch_size)).all():
                yield rows
                last_id = rows[-1].id
            return
        ids = pending.message_ids
        for start in range(0, len(ids), batch_size):
            chunk = ids[start:start + batch_size]
            yield [row for part in range(0, len(chunk), 500)
                   for row in session.execute(columns.where(Message.id.in_(chunk[part:part + 500]))).all()]

    return pending, batches()


def assess_replies(session: Session, *, batch_size: int = 20000) -> dict[str, int]:
    """Assess every message with a reply field whose reply changed since the last assessment.

    The replied messages due (``_pending_rows``) are read in id order, ``batch_size`` at a time; between the
    reading and the writing only the term counts of the checkable pairs and a few numbers per message are
    held, so the memory does not grow with the texts. The TF-IDF is over all documents of the run, as one
    ``assess_texts`` call gives. ``unchanged``: the replied letters whose assessment stands."""
    thresholds = _Thresholds.of(None, None, None)
    similarities = PairSimilarities()
    units: dict[str | None, int] = {}
    batches: list[_Batch] = []
    counts: Counter = Counter({"assessed": 0, "unchanged": 0})
    assessed_before = session.scalar(select(func.count(ReplyQuality.id))) or 0
    pending, pending_batches = _pending_rows(session, batch_size)
    with reusing_workers():  # one pool for every batch: its workers keep their compiled formulas
        reassessed = _assess_pending(session, pending_batches, thresholds, similarities, units, batches, counts)
    counts["unchanged"] = assessed_before - reassessed
    if counts["assessed"]:
        _write(session, batches, similarities.finish(), list(units), thresholds, counts)
    pending.done(session)
    return dict(counts)


def _assess_pending(session: Session, pending_batches: Iterator[list[Any]], thresholds: _Thresholds,
                    similarities: PairSimilarities, units: dict[str | None, int], batches: list[_Batch],
                    counts: Counter) -> int:
    """Assess the replies of each batch due whose reply changed; their figures go into ``batches``. Returns how
    many of them had been assessed before (their reply changed)."""
    reassessed = 0

    def started() -> Iterator[tuple[list[tuple[Any, bytes]], Callable[[], Any]]]:
        nonlocal reassessed
        for rows in pending_batches:
            digests = [hashlib.sha1((r.reply_text or "").encode("utf-8")).digest() for r in rows]
            todo = [(r, d) for r, d in zip(rows, digests, strict=True) if r.reply_hash != d.hex()]
            counts["assessed"] += len(todo)
            reassessed += sum(1 for r, _ in todo if r.record_id)
            del rows, digests
            if todo:
                yield todo, _start_screening([r.content for r, _ in todo], [r.reply_text for r, _ in todo],
                                             [r.title for r, _ in todo], thresholds)

    # a batch is screened by the workers while this process counts the one before (in batch order: the order
    # of the counts decides the sums)
    for todo, screened in one_behind(started()):
        batches.append(_finished(session, todo, screened, units, similarities))
    return reassessed


def _finished(session: Session, todo: list[tuple[Any, bytes]], screened: list[Any],
              units: dict[str | None, int], similarities: PairSimilarities) -> _Batch:
    """The compact figures of a screened batch (rows with their reply digests), its pairs counted."""
    results, checkable = _finish_batch(
        screened, [r.content for r, _ in todo], [r.title for r, _ in todo],
        lambda positions: _stored_question_tokens(session, [todo[i][0] for i in positions]), similarities)
    return _Batch(
        message_ids=np.fromiter((r.id for r, _ in todo), dtype=np.int64, count=len(todo)),
        record_ids=np.fromiter((r.record_id or 0 for r, _ in todo), dtype=np.int64, count=len(todo)),
        lengths=np.array([(a.reply_chars, a.question_chars, a.substantive_chars) for a in results],
                         dtype=np.int32).reshape(-1, 3),
        flag=np.array([_FLAG_CODE[a.flags[0]] if a.flags else -1 for a in results], dtype=np.int8),
        units=array("i", [units.setdefault(r.reply_unit or r.unit, len(units)) for r, _ in todo]),
        digests=np.frombuffer(b"".join(d for _, d in todo), dtype=np.uint8).reshape(-1, 20),
        checkable=array("i", checkable))


def _write(session: Session, batches: list[_Batch], similarities: Iterator[np.ndarray | None], units: list[str | None],
           thresholds: _Thresholds, counts: Counter) -> None:
    """Insert or update the batches' ReplyQuality rows (SQLAlchemy Core, a statement per batch and kind)."""
    table = ReplyQuality.__table__
    columns = ("flags", "reply_chars", "question_chars", "substantive_chars", "similarity", "unit", "reply_hash",
               "checked_at")
    inserting = insert(table)
    updating = (update(table).where(table.c.id == bindparam("b_id"))
                .values({name: bindparam(f"b_{name}") for name in columns}))
    now = now_local()
    while batches:
        batch = batches.pop(0)
        similarity: list[float | None] = [None] * len(batch.message_ids)
        if batch.checkable:
            figures = next(similarities)
            if figures is not None:
                for position, i in enumerate(batch.checkable):
                    similarity[i] = float(figures[position])
        new, changed = [], []
        for i, message_id in enumerate(batch.message_ids.tolist()):
            code = int(batch.flag[i])
            flags = [FLAGS[code]] if code >= 0 else []
            if similarity[i] is not None and similarity[i] < thresholds.min_similarity:
                flags.append("unrelated")
            counts.update(flags)
            reply_chars, question_chars, substantive_chars = batch.lengths[i].tolist()
            values = (flags, reply_chars, question_chars, substantive_chars, similarity[i], units[batch.units[i]],
                      batch.digests[i].tobytes().hex(), now)
            record_id = int(batch.record_ids[i])
            if record_id:
                changed.append({"b_id": record_id, **{f"b_{name}": v for name, v in zip(columns, values, strict=True)}})
            else:
                new.append({"message_id": message_id, **dict(zip(columns, values, strict=True))})
        if new:
            session.execute(inserting, new)
        if changed:
            session.execute(updating, changed)
    for record in [o for o in session.identity_map.values() if isinstance(o, ReplyQuality)]:
        session.expire(record)  # written past the ORM: loaded ones read again


def _stored_question_tokens(session: Session, rows: Sequence[Any]) -> list[str | None]:
    """The question tokens the topic step stored (``analysis.topics.features``), packed, where title and
    content tokenise alike joined and apart (``normalise_apart``): the same tokens, not segmented again."""
    from analysis.text.normalise import normalise_apart
    from analysis.text.packed import pack
    from analysis.topics.features import decode, question_tokens, stored_texts

    texts = stored_texts(session, [r.content_hash for r in rows])
    return [pack(question_tokens(decode(texts[r.content_hash])))
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
