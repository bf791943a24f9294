"""The content of the biweekly summary (每半月回应关切): numbers, common questions with answers, hot list.

``build_summary(session, period, as_of=None) -> dict`` computes everything from the database and returns a
JSON-able dict (stored as ``Publication.content``; renderers and the workflow read it). Every number is
traceable: the overview counts are plain queries over the period's messages (``period_messages``), each
question and hot-list entry carries the ids of its messages.

Definitions (also printed under the overview so readers know what the figures mean):
- received: messages submitted in the period (any channel);
- replied: of those, the ones with an official reply by the as-of date;
- replies given: official replies dated in the period, whatever the submission date;
- on-time rate: of the received messages whose timeliness is settled as of the as-of date (replied, overdue or
  closed without reply), the share replied by the due date (3 working days for 咨询, 5 for the rest, per the
  configured deadline rules); messages not yet due are counted as pending, outside the rate.

The question text comes from the cluster's most representative message, the answer from the best official
reply in the cluster (passing the reply checks, on time; when none was on time and ``reports.late_answers``
allows it, the best late one, marked ``answer_late``), condensed by keeping whole sentences in order: the answer
is never written by the program. Both are de-identified (``analysis.redact``).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.text import clean_text, strip_boilerplate
from reports import inputs
from reports.inputs import MessageView, reply_sentences
from reports.period import Period
from store.models.base import now_local
from store.models.core import Message
from store.settings import get_settings

log = logging.getLogger(__name__)

CONTENT_VERSION = 1
CHANNEL_LABELS = {"hotline": "12345热线", "mailbox": "领导信箱", "feedback": "网上留言"}
UNCATEGORISED = "未分类"
MAX_CATEGORIES = 8
PENDING_STATES = ("on_time", "due_soon", "paused")
DECIDED_STATES = ("replied_on_time", "replied_late", "overdue", "seriously_overdue", "unanswered")
NO_ANSWER_YET = "该问题正在办理中，办理结果将在答复后公开。"
DETAIL_MAX_CHARS = 110
_URL = re.compile(r"(?:https?://|www\.)[^\s，。；]+")


def period_messages(session: Session, period: Period) -> list[MessageView]:
    """The messages submitted in ``period`` (oldest first)."""
    rows = session.execute(
        select(Message).where(Message.submitted_at >= period.start_dt,
                              Message.submitted_at < period.end_exclusive_dt).order_by(Message.submitted_at,
                                                                                       Message.id)
    ).scalars().all()
    return [MessageView(m.id, m.external_id, m.channel, m.title, m.content or "", m.submitter, m.submitted_at,
                        m.kind, m.category, m.unit, m.reply_text, m.reply_unit, m.replied_at, m.votes_up,
                        m.votes_down) for m in rows]


def deadline_states(session: Session, message_ids: list[int], as_of: dt.date) -> dict[int, str]:
    """The deadline state of each message as of ``as_of`` (computing missing Deadline rows first)."""
    if not message_ids:
        return {}
    from analysis.deadlines import STATE_CODES, compute_deadlines, load_frame
    from store.models.deadlines import Deadline

    have = set(session.execute(select(Deadline.message_id).where(Deadline.message_id.in_(message_ids))).scalars())
    missing = [i for i in message_ids if i not in have]
    if missing:
        counts = compute_deadlines(session, message_ids=missing)
        if counts.errors:
            log.warning("deadlines: %d of %d messages could not get a due date (%s)", counts.errors,
                        len(missing), "; ".join(counts.error_samples[:3]))
        session.flush()
    frame = load_frame(session, message_ids=message_ids)
    codes, _left, _late = frame.states(as_of)
    return {int(mid): STATE_CODES[int(code)].value for mid, code in zip(frame.message_ids, codes, strict=True)}


def _has_reply(m: MessageView, as_of: dt.date) -> bool:
    if not (m.reply_text or "").strip() and m.replied_at is None:
        return False
    return m.replied_at is None or m.replied_at.date() <= as_of


def overview(session: Session, period: Period, messages: list[MessageView], states: dict[int, str],
             as_of: dt.date) -> dict[str, Any]:
    channels = Counter(m.channel for m in messages)
    categories = Counter((m.category or "").strip() or UNCATEGORISED for m in messages)
    top = categories.most_common(MAX_CATEGORIES)
    rest = sum(categories.values()) - sum(c for _, c in top)
    by_category = [{"name": name, "count": count} for name, count in top]
    if rest:
        by_category.append({"name": "其他", "count": rest})
    state_counts = Counter(states.get(m.id, "no_deadline") for m in messages)
    decided = sum(state_counts[s] for s in DECIDED_STATES)
    on_time = state_counts["replied_on_time"]
    replied = sum(1 for m in messages if _has_reply(m, as_of))
    replies_in_period = session.execute(
        select(func.count()).select_from(Message).where(Message.replied_at >= period.start_dt,
                                                          Message.replied_at < period.end_exclusive_dt)
    ).scalar_one()
    return {
        "received": len(messages),
        "by_channel": [{"channel": c, "label": CHANNEL_LABELS.get(c, c), "count": channels[c]}
                       for c in sorted(channels, key=lambda c: (-channels[c], c))],
        "by_category": by_category,
        "categorised": any((m.category or "").strip() for m in messages),
        "replied": replied,
        "reply_rate": round(replied / len(messages), 4) if messages else None,
        "replies_in_period": int(replies_in_period),
        "timeliness": {
            "decided": decided,
            "on_time": on_time,
            "late": state_counts["replied_late"],
            "overdue_unreplied": state_counts["overdue"] + state_counts["seriously_overdue"]
            + state_counts["unanswered"],
            "pending": sum(state_counts[s] for s in PENDING_STATES),
            "undated": state_counts["replied_undated"],
            "rate": round(on_time / decided, 4) if decided else None,
        },
        "states": dict(sorted(state_counts.items())),
    }


def _truncate_sentences(sentences: list[str], limit: int) -> str:
    """Whole sentences in order up to ``limit`` characters; "……" marks that some were left out."""
    kept, total = [], 0
    for sentence in sentences:
        if kept and total + len(sentence) > limit:
            return "".join(kept).rstrip("，,；;") + "……"
        kept.append(sentence)
        total += len(sentence)
    text = "".join(kept)
    if len(text) > limit * 1.5:  # one very long sentence: cut it at a comma
        cut = text.rfind("，", 0, limit)
        text = text[: cut if cut > limit // 3 else limit] + "……"
    return text


def condense_answer(reply_text: str, limit: int) -> str:
    """The substance of an official reply: formulas (您好, 来信收悉, 感谢…, 此复) removed, whole sentences kept."""
    sentences = [s for s in reply_sentences(clean_text(reply_text)) if not inputs.is_formula(s)]
    return _truncate_sentences(sentences, limit)


def question_text(rep: MessageView) -> tuple[str, str]:
    """(question, detail) from the representative message, in its own words, de-identified."""
    title = clean_text(rep.title or "").strip(" 。，,.")
    body = _URL.sub("", strip_boilerplate(clean_text(rep.content)))
    body_sentences = reply_sentences(body)
    if not title:
        title = (body_sentences[0] if body_sentences else rep.content[:60]).strip(" 。，,.")[:60]
        body_sentences = body_sentences[1:]
    detail = _truncate_sentences(body_sentences, DETAIL_MAX_CHARS)
    question = inputs.redact(title, submitter=rep.submitter, record_id=rep.id).text
    detail = inputs.redact(detail, submitter=rep.submitter, record_id=rep.id).text
    return question, detail


def _most_common(values) -> str | None:
    counts = Counter(v.strip() for v in values if v and v.strip())
    return counts.most_common(1)[0][0] if counts else None


def best_reply(members: list[MessageView], states: dict[int, str], reply_flags: dict[int, list[str]],
               allow_late: bool) -> tuple[MessageView | None, bool]:
    """The reply to publish as the answer and whether it was late: the best-scoring reply passing every
    check; when none was on time and ``allow_late``, the best one passing every check but timeliness."""
    on_time, late = [], []
    for m in members:
        check = inputs.reply_check(m, states.get(m.id), reply_flags.get(m.id))
        rank = (check.score, -(m.replied_at.toordinal() if m.replied_at else 10**7))
        if check.ok:
            on_time.append((rank, m))
        elif allow_late and all(f.startswith("not_on_time:replied_late") for f in check.flags):
            late.append((rank, m))
    if on_time:
        return max(on_time, key=lambda c: c[0])[1], False
    if late:
        return max(late, key=lambda c: c[0])[1], True
    return None, False


def build_question(group: inputs.TopicGroup, by_id: dict[int, MessageView], states: dict[int, str],
                   reply_flags: dict[int, list[str]], answer_limit: int, allow_late: bool = True) -> dict[str, Any]:
    members = [by_id[i] for i in group.message_ids]
    rep = by_id[group.representative_id]
    question, detail = question_text(rep)
    best, answer_late = best_reply(members, states, reply_flags, allow_late)
    answer = None
    if best is not None:
        condensed = condense_answer(best.reply_text or "", answer_limit)
        answer = inputs.redact(condensed, record_id=best.id).text or None
    unit = (best.reply_unit or best.unit) if best else None
    unit = unit or _most_common(m.unit for m in members) or _most_common(m.reply_unit for m in members)
    return {
        "key": group.key,
        "topic_id": group.topic_id,
        "question": question,
        "detail": detail,
        "asked_count": len(members),
        "unit": unit,
        "category": _most_common(m.category for m in members),
        "answer": answer,
        "answered": answer is not None,
        "answer_late": answer_late,
        "answer_message_id": best.id if best else None,
        "answer_date": best.replied_at.date().isoformat() if best and best.replied_at else None,
        "representative_id": rep.id,
        "message_ids": sorted(group.message_ids),
        "external_ids": [by_id[i].external_id for i in sorted(group.message_ids)],
        "votes": sum(max(m.votes_up or 0, 0) for m in members),
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def generated_texts(period: Period, bureau: str, current: dict, previous: dict, n_questions: int) -> dict:
    title = f"{bureau}{period.label_zh}群众诉求办理情况及共性问题答复"
    if not current["received"]:
        intro = (f"{period.range_zh}，{bureau}通过12345热线、领导信箱和网上留言等渠道未收到群众诉求。"
                 f"上期共受理{previous['received']}件。")
        return {"title": title, "intro": intro, "closing": ""}
    t = current["timeliness"]
    intro = (f"{period.range_zh}，{bureau}通过12345热线、领导信箱和网上留言等渠道共受理群众诉求"
             f"{current['received']}件（上期{previous['received']}件），截至统计日已答复{current['replied']}件；"
             f"已到答复期限的{t['decided']}件中，按时答复{t['on_time']}件，按时答复率{_percent(t['rate'])}。")
    if n_questions:
        intro += f"现将群众反映较多的{n_questions}个共性问题及答复情况公布如下。"
    closing = "以上答复内容摘自承办单位的正式答复。如对答复有疑问，可再次通过12345热线或原渠道反映。"
    return {"title": title, "intro": intro, "closing": closing}


def build_summary(session: Session, period: Period, as_of: dt.date | None = None) -> dict[str, Any]:
    """The generated content of the summary for ``period`` (see the module docstring)."""
    settings = get_settings()
    as_of = as_of or now_local().date()
    previous_period = period.previous()
    messages = period_messages(session, period)
    previous_messages = period_messages(session, previous_period)
    all_ids = [m.id for m in messages] + [m.id for m in previous_messages]
    states = deadline_states(session, all_ids, as_of)
    current = overview(session, period, messages, states, as_of)
    previous = overview(session, previous_period, previous_messages, states, as_of)

    by_id = {m.id: m for m in messages}
    groups, topic_method = inputs.period_topics(session, period.start, period.end, messages)
    reply_flags = inputs.stored_reply_flags(session, [m.id for m in messages if m.reply_text])
    min_size = settings.get("reports.min_question_size")
    recurring = sorted((g for g in groups if len(g.message_ids) >= min_size),
                       key=lambda g: (-len(g.message_ids), g.key))[: settings.get("reports.max_questions")]
    questions = [build_question(g, by_id, states, reply_flags, settings.get("reports.answer_max_chars"),
                                settings.get("reports.late_answers")) for g in recurring]
    hot, hot_method = inputs.hot_entries(session, period.start, period.end, groups, by_id, states,
                                         settings.get("reports.hotlist_size"))
    hotlist = []
    for rank, entry in enumerate(hot, start=1):
        rep = by_id.get(next((g.representative_id for g in groups if g.key == entry.key), -1))
        label = inputs.redact(entry.label, submitter=rep.submitter if rep else None).text
        hotlist.append({"rank": rank, "key": entry.key, "topic_id": entry.topic_id, "label": label,
                        "score": entry.score, "size": entry.size, "votes": entry.votes, "badges": entry.badges,
                        "message_ids": sorted(entry.message_ids),
                        "external_ids": [by_id[i].external_id for i in sorted(entry.message_ids) if i in by_id]})
    bureau = settings.get("reports.bureau_name")
    return {
        "version": CONTENT_VERSION,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label_zh,
                   "range": period.range_zh, "slug": period.slug},
        "previous_period": {"start": previous_period.start.isoformat(), "end": previous_period.end.isoformat(),
                            "label": previous_period.label_zh},
        "as_of": as_of.isoformat(),
        "generated_at": now_local().isoformat(timespec="seconds"),
        "bureau": bureau,
        "texts": generated_texts(period, bureau, current, previous, len(questions)),
        "overview": current,
        "previous": previous,
        "questions": questions,
        "hotlist": hotlist,
        "methods": {"topics": topic_method, "hotlist": hot_method},
    }
