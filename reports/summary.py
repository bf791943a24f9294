"""The content of the biweekly summary (每半月回应关切): numbers, common questions with answers, hot list.

``build_summary(session, period, as_of=None, admitted=()) -> dict`` computes everything from the database and
returns a JSON-able dict (stored as ``Publication.content``; renderers and the workflow read it). Every number is
traceable: the overview counts are plain queries over the period's messages, each question and hot-list entry
carries the ids of its messages.

Figures (also explained on the page):
- received: letters submitted in the period (any channel); a letter exported twice (the same submitter, time and
  title in two sources) counts once;
- figures are counted as of the statistics date (统计截至): the end of the period plus
  ``reports.reply_window_workdays`` working days, or the as-of date when that is earlier (the page says so);
- replied / on-time rate: only over sources whose export carries replies at all; a source with no reply in any
  of its letters (an export without a reply column) is left out of them, and the page names it and says why.

Common questions (``reports.min_complainants``, default 2, different people each):
- only admissible letters make a question (``messages.admissibility`` from the analysis step, classified here
  with ``analysis.routing.admissibility`` when the step has not run); the excluded letters and why are listed in the
  content (internal workbook, web page) and an editor can overrule each (``admitted``);
- people are counted with ``analysis.topics.complainants`` (one person's repeated letters are one person);
- the heading and the "群众反映" paragraph are built by ``reports.wording``, the answer by ``reports.answers``
  from a member's official reply; a question with no usable reply is left out, except that when no member has a
  reply and a deadline has not passed it is listed as 办理中 (``reports.pending_questions``).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports import answers, deidentify, inputs, wording
from reports.inputs import MessageView
from reports.period import Period
from store.models.base import now_local
from store.models.core import Message, Source
from store.settings import get_settings

log = logging.getLogger(__name__)

CONTENT_VERSION = 2
CHANNEL_LABELS = {"hotline": "12345热线", "mailbox": "领导信箱", "feedback": "网上留言"}
UNCATEGORISED = "未分类"
MAX_CATEGORIES = 8
PENDING_STATES = ("on_time", "due_soon", "paused")
DECIDED_STATES = ("replied_on_time", "replied_late", "overdue", "seriously_overdue", "unanswered")
NO_ANSWER_YET = "该问题正在办理中，办理结果将在答复后公开。"
ADMISSIBILITY_LABELS = {"admissible": "可纳入", "out_of_scope": "不属于受理范围", "incoherent": "内容无法辨识",
                        "praise": "表扬感谢", "no_request": "无具体诉求"}
NO_REPLY_SOURCE_REASON = ("该来源导出的数据不含答复内容和答复时间，无法判断是否答复及是否按时，"
                          "未纳入答复率和按时答复率统计")
ASKED_COUNT_BASIS = "complainants"  # asked_count = distinct complainants (content version 2 on)
HOT_VOTES = 20  # supporters (点赞) that make a single writer's letter a hot spot
MERGE_SIMILARITY = 0.14


def period_messages(session: Session, period: Period) -> list[MessageView]:
    """The messages submitted in ``period`` (oldest first)."""
    rows = session.execute(
        select(Message).where(Message.submitted_at >= period.start_dt,
                              Message.submitted_at < period.end_exclusive_dt).order_by(Message.submitted_at,
                                                                                       Message.id)
    ).scalars().all()
    return [MessageView(m.id, m.external_id, m.channel, m.title, m.content or "", m.submitter, m.submitted_at,
                        m.kind, m.category, m.unit, m.reply_text, m.reply_unit, m.replied_at, m.votes_up,
                        m.votes_down, m.source_id, m.admissibility, m.admissibility_reason) for m in rows]


def deadline_states(session: Session, message_ids: list[int], as_of: dt.date) -> dict[int, str]:
    """The deadline state of each message as of ``as_of`` (computing missing Deadline rows first)."""
    if not message_ids:
        return {}
    from analysis.deadlines.engine import STATE_CODES, compute_deadlines, load_frame
    from store.models.deadlines import Deadline

    have: set[int] = set()
    for first in range(0, len(message_ids), 500):
        have |= set(session.execute(select(Deadline.message_id).where(
            Deadline.message_id.in_(message_ids[first:first + 500]))).scalars())
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


def sources_without_replies(session: Session, source_ids: set[int]) -> dict[int, str]:
    """Of ``source_ids``, the sources none of whose letters (in any period) has a reply: {id: name}."""
    if not source_ids:
        return {}
    replied = set(session.execute(
        select(Message.source_id).where(Message.source_id.in_(sorted(source_ids)),
                                        (Message.replied_at.is_not(None))
                                        | (func.length(func.coalesce(Message.reply_text, "")) > 0))
        .distinct()).scalars())
    names = dict(session.execute(select(Source.id, Source.name).where(Source.id.in_(sorted(source_ids)))).all())
    return {sid: names.get(sid, str(sid)) for sid in sorted(source_ids - replied)}


TWIN_MINUTES = 10


def _twin_key(m: MessageView) -> tuple[str, str]:
    return re.sub(r"\s+", "", m.title or ""), re.sub(r"\s+", "", m.content or "")[:40]


def collapse_twins(messages: list[MessageView]) -> list[MessageView]:
    """One letter per twin, the replied one kept. Twins: the same title and opening exported by two different
    sources within ``TWIN_MINUTES`` minutes (附件3 and 附件4 carry one board's letters, each export with its own
    user codes, a few seconds to minutes apart); one source's repeated letters are resubmissions, not twins."""
    kept: list[MessageView] = []
    by_key: dict[tuple[str, str], list[MessageView]] = {}
    for m in sorted(messages, key=lambda m: (m.submitted_at or dt.datetime.min, m.id)):
        twin = None
        if m.submitted_at is not None and any(_twin_key(m)):
            for other in by_key.get(_twin_key(m), []):
                if other.source_id != m.source_id and other.submitted_at is not None and \
                        abs((m.submitted_at - other.submitted_at).total_seconds()) <= TWIN_MINUTES * 60:
                    twin = other
                    break
        if twin is None:
            kept.append(m)
            by_key.setdefault(_twin_key(m), []).append(m)
        elif not (twin.reply_text or "").strip() and (m.reply_text or "").strip():
            kept[kept.index(twin)] = m
            by_key[_twin_key(m)] = [m if x is twin else x for x in by_key[_twin_key(m)]]
    chosen = {m.id for m in kept}
    return [m for m in messages if m.id in chosen]


def overview(session: Session, period: Period, messages: list[MessageView], states: dict[int, str],
             stats_date: dt.date, no_reply_sources: dict[int, str]) -> dict[str, Any]:
    messages = collapse_twins(messages)
    channels = Counter(m.channel for m in messages)
    categories = Counter((m.category or "").strip() or UNCATEGORISED for m in messages)
    top = categories.most_common(MAX_CATEGORIES)
    rest = sum(categories.values()) - sum(c for _, c in top)
    by_category = [{"name": name, "count": count} for name, count in top]
    if rest:
        by_category.append({"name": "其他", "count": rest})
    counted = [m for m in messages if m.source_id not in no_reply_sources]
    state_counts = Counter(states.get(m.id, "no_deadline") for m in counted)
    decided = sum(state_counts[s] for s in DECIDED_STATES)
    on_time = state_counts["replied_on_time"]
    replied = sum(1 for m in counted if _has_reply(m, stats_date))
    replies_in_period = session.execute(
        select(func.count()).select_from(Message).where(Message.replied_at >= period.start_dt,
                                                          Message.replied_at < period.end_exclusive_dt)
    ).scalar_one()
    excluded_counts = Counter(m.source_id for m in messages if m.source_id in no_reply_sources)
    daily = Counter(m.submitted_at.date().isoformat() for m in messages if m.submitted_at)
    return {
        "received": len(messages),
        "by_channel": [{"channel": c, "label": CHANNEL_LABELS.get(c, c), "count": channels[c]}
                       for c in sorted(channels, key=lambda c: (-channels[c], c))],
        "by_category": by_category,
        "categorised": any((m.category or "").strip() for m in messages),
        "reply_counted": len(counted),
        "reply_stats_excluded": [{"source": no_reply_sources[sid], "count": n, "reason": NO_REPLY_SOURCE_REASON}
                                 for sid, n in sorted(excluded_counts.items())],
        "replied": replied,
        "reply_rate": round(replied / len(counted), 4) if counted else None,
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
        "daily": dict(sorted(daily.items())),
    }


# --- which letters, which people --------------------------------------------------------------------------


def admissibility_of(messages: list[MessageView], admitted: set[int]) -> dict[int, tuple[str, str]]:
    """(value, reason) of each message: the stored classification, else ``analysis.routing.admissibility`` now;
    an editor's overrule (``admitted``) makes a letter admissible."""
    from analysis.routing.admissibility import classify_admissibility

    found = {}
    for m in messages:
        if m.id in admitted:
            found[m.id] = ("admissible", "编辑改判为可纳入")
        elif m.admissibility:
            found[m.id] = (m.admissibility, m.admissibility_reason or "")
        else:
            found[m.id] = classify_admissibility(m.title or "", m.content or "", m.reply_text, m.kind)
    return found


def complainant_keys(messages: list[MessageView]) -> dict[int, str]:
    """The inferred complainant of each message (equal keys: the same person), by ``analysis.topics.complainants``."""
    from analysis.topics.complainants import infer_complainants

    rows = [{"id": m.id, "source_id": m.source_id, "submitter": m.submitter, "external_id": m.external_id,
             "submitted_at": m.submitted_at, "title": m.title, "content": m.content, "reply_text": m.reply_text}
            for m in messages]
    return dict(zip([m.id for m in messages], infer_complainants(rows), strict=True))


def merge_same_issue(groups: list[inputs.TopicGroup], by_id: dict[int, MessageView],
                     period_messages_: list[MessageView]) -> list[inputs.TopicGroup]:
    """Groups (of two letters or more) that are one issue become one question: TF-IDF (the shared tokenizer,
    fitted on the period's letters) of each group's titles and openings, merged at a cosine of
    ``MERGE_SIMILARITY`` or more. Measured on 附件3 2019-11-16..30: the three groups about one mixing plant score
    0.14-0.19 with each other, unrelated groups at most 0.12."""
    single = [g for g in groups if len(g.message_ids) < 2]
    groups = [g for g in groups if len(g.message_ids) >= 2]  # a lone letter is no issue to merge into another
    if len(groups) < 2:
        return groups + single
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analysis.text.normalise import normalise_for_features
    from analysis.text.tokenize import tokens

    def doc(m: MessageView) -> str:
        return normalise_for_features(f"{m.title or ''} {m.title or ''} {(m.content or '')[:300]}")

    vectorizer = TfidfVectorizer(analyzer=tokens, sublinear_tf=True).fit([doc(m) for m in period_messages_])
    matrix = vectorizer.transform([" ".join(doc(by_id[i]) for i in g.message_ids) for g in groups])
    similarity = (matrix @ matrix.T).toarray()
    order = sorted(range(len(groups)), key=lambda i: (-len(groups[i].message_ids), groups[i].key))
    owner: dict[int, int] = {}
    for position, i in enumerate(order):
        owner[i] = i
        for j in order[:position]:
            if owner[j] == j and similarity[i, j] >= MERGE_SIMILARITY:
                owner[i] = j
                break
    merged = []
    for i in order:
        if owner[i] != i:
            continue
        ids = sorted({m for k in order if owner[k] == i for m in groups[k].message_ids})
        g = groups[i]
        merged.append(inputs.TopicGroup(g.key, g.label, ids, g.representative_id, g.topic_id))
    return merged + single


# --- one question ----------------------------------------------------------------------------------------


def _most_common(values) -> str | None:
    counts = Counter(v.strip() for v in values if v and v.strip())
    return counts.most_common(1)[0][0] if counts else None


def _question_words(members: list[MessageView]) -> str:
    return "。".join(f"{m.title or ''}。{(m.content or '')[:200]}" for m in members)


def build_question(group: inputs.TopicGroup, members: list[MessageView], people: int, states: dict[int, str],
                   stored_flags: dict[int, list[str]], as_of: dt.date, answer_limit: int,
                   allow_late: bool, no_reply_sources: dict[int, str] | None = None
                   ) -> tuple[dict[str, Any], str | None]:
    """The question of ``group`` and, when it cannot be published as answered, why: "pending" (no reply yet,
    a deadline still running) or a Chinese reason for leaving it out."""
    heading = wording.heading([m.title or m.content[:40] for m in members], [m.submitter for m in members])
    detail = wording.detail([(f"{m.title or ''}。{m.content or ''}", m.submitter) for m in members], people)
    replied = [m for m in members if (m.reply_text or "").strip() and _has_reply(m, as_of)]
    usable = []
    for m in replied:
        flags = set(stored_flags.get(m.id, []))
        late = states.get(m.id) == "replied_late"
        if flags & {"empty", "boilerplate_only"} or (late and not allow_late):
            continue
        usable.append((m, m.reply_text))
    choice = answers.choose_answer(f"{heading}。{_question_words(members)}", usable)
    answer = None
    if choice is not None:
        condensed = answers.condense(choice.sentences, f"{heading}。{_question_words(members)}", answer_limit)
        answer = deidentify.mask(condensed, choice.message.submitter) or None
    best = choice.message if choice and answer else None
    unit = (best.reply_unit or best.unit) if best else None
    unit = unit or _most_common(m.unit for m in members) or _most_common(m.reply_unit for m in members)
    ordered = sorted(members, key=lambda m: m.id)
    question = {
        "key": group.key,
        "topic_id": group.topic_id,
        "question": heading,
        "detail": detail,
        "asked_count": people,
        "distinct_submitters": people,
        "letters": len(members),
        "unit": deidentify.mask(unit) if unit else None,
        "category": _most_common(m.category for m in members),
        "answer": answer,
        "answered": answer is not None,
        "answer_late": bool(best and states.get(best.id) == "replied_late"),
        "answer_message_id": best.id if best else None,
        "answer_external_id": best.external_id if best else None,
        "answer_date": best.replied_at.date().isoformat() if best and best.replied_at else None,
        "answer_rejected": {str(k): v for k, v in (choice.rejected if choice else {}).items()},
        "representative_id": group.representative_id,
        "message_ids": [m.id for m in ordered],
        "external_ids": [m.external_id for m in ordered],
        "votes": sum(max(m.votes_up or 0, 0) for m in members),
    }
    if not detail:
        return question, "来信内容无法归纳出可公开的群众反映（内容过短、无法辨识或均含个人信息）"
    if answer is not None:
        return question, None
    no_reply_sources = no_reply_sources or {}
    knowable = [m for m in members if m.source_id not in no_reply_sources]
    running = any(states.get(m.id) in PENDING_STATES for m in knowable)
    if not replied and running:
        return question, "pending"
    if not replied and not knowable:
        return question, "成员来信所在来源（" + "、".join(sorted({no_reply_sources[m.source_id] for m in members})) \
            + "）的导出数据不含答复，无答复可公开"
    if not replied:
        return question, "成员诉求均未答复且已过答复期限，无答复可公开"
    return question, "成员诉求的答复均不能作为公开答复（" + "；".join(sorted(set(
        answers.assess(heading, m.reply_text or "")[3] or "答复逾期" for m in replied))) + "）"


# --- texts -----------------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def publisher_name() -> str:
    settings = get_settings()
    city, bureau = settings.get("reports.city").strip(), settings.get("reports.bureau_name").strip()
    return bureau if not city or bureau.startswith(city) else city + bureau


def _channels_phrase(by_channel: list[dict]) -> str:
    labels = [r["label"] for r in by_channel]
    if not labels:
        return "各渠道"
    return ("、".join(labels[:-1]) + "和" + labels[-1] if len(labels) > 1 else labels[0]) + "渠道"


def generated_texts(period: Period, publisher: str, current: dict, previous: dict, n_questions: int,
                    n_pending: int, n_left_out: int = 0) -> dict:
    title = f"{publisher}{period.label_zh}群众诉求办理情况及共性问题答复"
    if not current["received"]:
        intro = f"{period.range_zh}，{publisher}未收到群众诉求。上期共受理{previous['received']}件。"
        return {"title": title, "intro": intro, "closing": ""}
    t = current["timeliness"]
    intro = (f"{period.range_zh}，{publisher}通过{_channels_phrase(current['by_channel'])}共受理群众诉求"
             f"{current['received']}件（上期{previous['received']}件）。")
    if current["reply_counted"]:
        scope = "" if not current["reply_stats_excluded"] else f"在可统计答复情况的{current['reply_counted']}件中，"
        intro += (f"{scope}截至统计日已答复{current['replied']}件；已到答复期限的{t['decided']}件中，"
                  f"按时答复{t['on_time']}件，按时答复率{_percent(t['rate'])}。")
    if n_questions:
        intro += f"现将群众反映较多的{n_questions}个共性问题及答复情况公布如下。"
    if n_pending:
        intro += f"另有{n_pending}个共性问题正在办理中。"
    if n_left_out:
        intro += (f"另有{n_left_out}个多人反映的问题暂无可公开的答复（来源数据不含答复或承办单位尚未作出实质答复），"
                  "本期未列出。")
    closing = "以上答复内容摘自承办单位的正式答复。如对答复有疑问，可再次通过原渠道反映。" if n_questions else ""
    return {"title": title, "intro": intro, "closing": closing}


def statistics_date(period: Period, as_of: dt.date) -> tuple[dt.date, str | None]:
    """The date the figures are counted to and, when it is not the end of the reply window, why."""
    from analysis.deadlines.workcalendar import get_calendar

    window = get_settings().get("reports.reply_window_workdays")
    due = get_calendar().add_workdays(period.end, window, warn=False)
    if as_of >= due:
        return due, None
    return as_of, (f"本期最后受理诉求的答复期限（期末后{window}个工作日）至{due.year}年{due.month}月{due.day}日，"
                   "尚未届满，部分诉求仍在办理期内")


# --- the summary -----------------------------------------------------------------------------------------


def _hot_label(label: str, members: list[MessageView]) -> str:
    """The entry's label, else the first member title, made publishable (wording.label); "" when none is."""
    for text, submitter in [(label, None)] + [(m.title or "", m.submitter) for m in members]:
        found = wording.label(text, submitter)
        if found:
            return found
    return ""


def build_summary(session: Session, period: Period, as_of: dt.date | None = None,
                  admitted: set[int] | frozenset[int] = frozenset()) -> dict[str, Any]:
    """The generated content of the summary for ``period`` (see the module docstring)."""
    settings = get_settings()
    as_of = as_of or now_local().date()
    stats_date, stats_note = statistics_date(period, as_of)
    previous_period = period.previous()
    messages = period_messages(session, period)
    previous_messages = period_messages(session, previous_period)
    all_ids = [m.id for m in messages] + [m.id for m in previous_messages]
    no_reply = sources_without_replies(session, {m.source_id for m in messages + previous_messages})
    stats_states = deadline_states(session, all_ids, stats_date)
    states = stats_states if stats_date == as_of else deadline_states(session, [m.id for m in messages], as_of)
    current = overview(session, period, messages, stats_states, stats_date, no_reply)
    previous_stats_date, _ = statistics_date(previous_period, as_of)
    previous = overview(session, previous_period, previous_messages,
                        deadline_states(session, [m.id for m in previous_messages], previous_stats_date),
                        previous_stats_date, no_reply)

    by_id = {m.id: m for m in messages}
    verdicts = admissibility_of(messages, set(admitted))
    # The same letter exported by two sources is one letter in a question too.
    admissible = collapse_twins([m for m in messages if verdicts[m.id][0] == "admissible"])
    admissible_ids = {m.id for m in admissible}
    people_of = complainant_keys(messages)
    groups, topic_method = inputs.period_topics(session, period.start, period.end, admissible)
    groups = [inputs.TopicGroup(g.key, g.label, [i for i in g.message_ids if i in admissible_ids],
                                g.representative_id, g.topic_id) for g in groups]
    groups = merge_same_issue([g for g in groups if g.message_ids], by_id, admissible)
    stored_flags = inputs.stored_reply_flags(session, [m.id for m in messages if m.reply_text])
    min_people = settings.get("reports.min_complainants")
    questions, pending, left_out = [], [], []
    candidates = []
    for group in groups:
        members = [by_id[i] for i in group.message_ids]
        people = len({people_of[m.id] for m in members})
        if people >= min_people:
            candidates.append((people, len(members), group, members))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2].key))
    for people, _letters, group, members in candidates:
        question, why_not = build_question(group, members, people, states, stored_flags, as_of,
                                           settings.get("reports.answer_max_chars"),
                                           settings.get("reports.late_answers"), no_reply)
        if why_not is None:
            if len(questions) < settings.get("reports.max_questions"):
                questions.append(question)
        elif why_not == "pending" and settings.get("reports.pending_questions") == "list":
            pending.append(question)
        else:
            left_out.append({**question, "reason": why_not if why_not != "pending" else
                             "正在办理中（按设置 reports.pending_questions=omit 不列出）"})
    excluded = [{"message_id": m.id, "external_id": m.external_id, "value": verdicts[m.id][0],
                 "label": ADMISSIBILITY_LABELS.get(verdicts[m.id][0], verdicts[m.id][0]),
                 "reason": verdicts[m.id][1], "title": (m.title or m.content[:40]).strip()}
                for m in messages if verdicts[m.id][0] != "admissible"]

    # A letter from a source without replies has no known reply state: it gives no reply badge.
    knowable_states = {i: v for i, v in states.items() if i in by_id and by_id[i].source_id not in no_reply}
    hot, hot_method = inputs.hot_entries(session, period.start, period.end, groups, by_id, knowable_states,
                                         settings.get("reports.hotlist_size"))
    hotlist = []
    for entry in hot:
        members = [i for i in entry.message_ids if i in admissible_ids]
        people = len({people_of[i] for i in members})
        # A hot spot is many people or many supporters; one person's repeated letters are neither.
        label = _hot_label(entry.label, [by_id[i] for i in members])
        if not members or not label or (people < min_people and entry.votes < HOT_VOTES):
            continue
        hotlist.append({"rank": len(hotlist) + 1, "key": entry.key, "topic_id": entry.topic_id,
                        "label": label, "score": entry.score, "size": entry.size, "people": people,
                        "votes": entry.votes, "badges": entry.badges, "message_ids": sorted(entry.message_ids),
                        "external_ids": [by_id[i].external_id for i in sorted(entry.message_ids) if i in by_id]})
    publisher = publisher_name()
    return {
        "version": CONTENT_VERSION,
        "asked_count_basis": ASKED_COUNT_BASIS,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label_zh,
                   "range": period.range_zh, "slug": period.slug},
        "previous_period": {"start": previous_period.start.isoformat(), "end": previous_period.end.isoformat(),
                            "label": previous_period.label_zh},
        "as_of": as_of.isoformat(),
        "statistics_date": stats_date.isoformat(),
        "statistics_note": stats_note,
        "generated_at": now_local().isoformat(timespec="seconds"),
        "bureau": publisher,
        "city_missing": not settings.get("reports.city").strip(),
        "texts": generated_texts(period, publisher, current, previous, len(questions), len(pending), len(left_out)),
        "overview": current,
        "previous": previous,
        "questions": questions,
        "pending_questions": pending,
        "left_out_questions": left_out,
        "excluded": excluded,
        "hotlist": hotlist,
        "methods": {"topics": topic_method, "hotlist": hot_method, "min_complainants": min_people},
    }
