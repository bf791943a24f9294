"""Admissibility: which letters can make a hot-list entry or a common question, and which carry a reply duty.

``classify_admissibility(title, content, reply_text, kind) -> (value, reason)``; values:

- ``admissible``: a request the unit has to handle;
- ``out_of_scope``: the unit's reply says the matter is outside its remit (不在受理范围, 不属于我局职责,
  涉法涉诉, 请具体问题具体投诉 …);
- ``incoherent``: no content to act on (too few Chinese characters, keyboard mashing);
- ``praise``: 表扬/感谢/点赞 letters, by the export's kind where it has one, else by the title;
- ``no_request``: the unit's reply says there is no concrete request (无具体诉求), or the export marks the
  letter void (无效件/测试).

The reason is Chinese (an editor reads it) and quotes what decided. ``NO_REPLY_DUTY`` are the values without a
reply deadline (the deadline rules use it). Vocabularies live in ``analysis/data/admissibility.toml``, not here.

``classify_stored_messages(session)`` is the analysis step ``admissibility``: it classifies the letters that
are new or changed since its last run and fills ``messages.admissibility`` and ``messages.admissibility_reason``
where the value changed.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from analysis import DATA_DIR

__all__ = [
    "ADMISSIBILITY_VALUES",
    "INADMISSIBLE",
    "NO_REPLY_DUTY",
    "classify_admissibility",
    "classify_stored_messages",
]

ADMISSIBILITY_VALUES = ("admissible", "out_of_scope", "incoherent", "praise", "no_request")
# Values that form no hot-list entry and no common question.
INADMISSIBLE = frozenset({"out_of_scope", "incoherent", "praise", "no_request"})
# Values without a reply deadline: thanks need no answer. An incoherent letter still gets its (short) answer:
# a misread short letter must not lose its deadline.
NO_REPLY_DUTY = frozenset({"praise"})

_VOCABULARY_FILE = DATA_DIR / "admissibility.toml"
_HAN = re.compile(r"[\u4e00-\u9fff]")
_VISIBLE = re.compile(r"\S")
_QUOTE_CHARS = 24
_SHORT_REPLY_CHARS = 250
_VERDICT_WITHIN_CHARS = 120


@dataclass(frozen=True)
class _Vocabulary:
    kind_praise: frozenset[str]
    kind_no_request: frozenset[str]
    reply_out_of_scope: re.Pattern[str]
    reply_no_request: re.Pattern[str]
    text_praise: re.Pattern[str]
    text_complaint: re.Pattern[str]
    min_han_chars: int
    min_han_share: float


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE)


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    data = tomllib.loads(_VOCABULARY_FILE.read_text(encoding="utf-8"))
    return _Vocabulary(
        kind_praise=frozenset(data["kind"]["praise"]),
        kind_no_request=frozenset(data["kind"]["no_request"]),
        reply_out_of_scope=_alternation(data["reply"]["out_of_scope"]),
        reply_no_request=_alternation(data["reply"]["no_request"]),
        text_praise=_alternation(data["text"]["praise"]),
        text_complaint=_alternation(data["text"]["complaint"]),
        min_han_chars=int(data["text"]["min_han_chars"]),
        min_han_share=float(data["text"]["min_han_share"]),
    )


def _quote(text: str, match: re.Match[str]) -> str:
    start = max(0, match.start() - 6)
    piece = re.sub(r"\s+", " ", text[start:match.end() + 6]).strip()
    return piece if len(piece) <= _QUOTE_CHARS + 12 else piece[: _QUOTE_CHARS + 11] + "…"


_PERCENT_ESCAPE = re.compile(r"(?:[%％](?:25)?[0-9A-Fa-f]{2}){3,}")


def _unescape(text: str) -> str:
    """Text some web forms stored URL-encoded, sometimes twice (％25E5％25A4…): decoded, so its Chinese counts
    as Chinese."""
    if not _PERCENT_ESCAPE.search(text):
        return text
    from urllib.parse import unquote

    text = text.replace("％", "%")
    for _ in range(3):
        decoded = unquote(text, errors="replace")
        if decoded == text:
            break
        text = decoded
    return text


def _reply_verdict(pattern: re.Pattern[str], reply: str, letter: str) -> re.Match[str] | None:
    """A match of ``pattern`` that is the reply's verdict: in a short reply, or near the start of a long one
    (a long, substantive answer that ends "具体事宜请向…咨询" or cites a rule "不予受理…" has answered), and
    not a quotation of the letter (a letter titled "…不予受理" answered "关于…不予受理的答复")."""
    for found in pattern.finditer(reply):
        if len(reply) > _SHORT_REPLY_CHARS and found.start() > _VERDICT_WITHIN_CHARS:
            return None
        if found.group(0) not in letter:
            return found
    return None


def classify_admissibility(title: str | None, content: str | None, reply_text: str | None,
                           kind: str | None) -> tuple[str, str]:
    """(value, Chinese reason) of one letter; see the module docstring for the values."""
    vocabulary = _vocabulary()
    title = _unescape((title or "").strip())
    content = _unescape((content or "").strip())
    reply = (reply_text or "").strip()
    kind = (kind or "").strip()
    if kind in vocabulary.kind_praise:
        return "praise", f"来信类型为“{kind}”"
    if kind in vocabulary.kind_no_request:
        return "no_request", f"来信类型为“{kind}”"

    text = f"{title}\n{content}" if content != title else title
    han = len(_HAN.findall(text))
    visible = len(_VISIBLE.findall(text))
    if han < vocabulary.min_han_chars:
        return "incoherent", f"来信内容过少（仅 {han} 个汉字），无可办理的诉求"
    if visible and han / visible < vocabulary.min_han_share:
        return "incoherent", f"来信内容几乎没有中文（汉字占 {han / visible:.0%}），无法识别诉求"

    if reply:
        found = _reply_verdict(vocabulary.reply_out_of_scope, reply, text)
        if found:
            return "out_of_scope", f"承办单位答复称不属于受理范围：“{_quote(reply, found)}”"
        found = _reply_verdict(vocabulary.reply_no_request, reply, text)
        if found:
            return "no_request", f"承办单位答复称无具体诉求：“{_quote(reply, found)}”"

    subject = title or re.split(r"[。！!？?\n]", content, maxsplit=1)[0]
    found = vocabulary.text_praise.search(subject)
    if found and not vocabulary.text_complaint.search(subject):
        return "praise", f"来信为表扬或感谢：“{_quote(subject, found)}”"
    return "admissible", "有具体诉求，需办理答复"


# Bump when classify_admissibility's logic changes: every letter is classified again at the next run (a change
# of the vocabulary file does the same by itself).
_RULES_VERSION = 1
# The message fields the classification reads: a letter is classified again when one of them changes.
INPUT_FIELDS = ("title", "content", "reply_text", "kind")


def rules_version() -> str:
    import hashlib

    return hashlib.sha1(f"{_RULES_VERSION}|".encode() + _VOCABULARY_FILE.read_bytes()).hexdigest()[:16]


def classify_stored_messages(session, batch_size: int = 2000) -> str:
    """The analysis step ``admissibility``: classify the letters that are new or whose inputs changed since its
    last run (every letter on the first run or after the rules changed: ``analysis.watermarks``), write the
    ones whose value or reason changed (a reply arriving can make a letter out of scope) and record a changed
    value as a revision (``admissibility``), which the deadlines step reads. Returns a one-line summary."""
    from collections import Counter

    from sqlalchemy import bindparam, insert, select, update

    from analysis.watermarks import pending_messages
    from store.models import Message, MessageRevision, now_local

    pending = pending_messages(session, "admissibility", rules_version(), INPUT_FIELDS)
    columns = select(Message.id, Message.title, Message.content, Message.reply_text, Message.kind,
                     Message.admissibility, Message.admissibility_reason)
    if pending.everything:
        def batches():
            last_id = 0
            while rows := session.execute(
                    columns.where(Message.id > last_id, Message.id <= pending.top_message_id)
                    .order_by(Message.id).limit(batch_size)).all():
                yield rows
                last_id = rows[-1].id
    else:
        def batches():
            ids = pending.message_ids
            for start in range(0, len(ids), 500):
                yield session.execute(columns.where(Message.id.in_(ids[start:start + 500]))).all()

    counts: Counter[str] = Counter()
    changed = 0
    now = now_local()
    for rows in batches():
        updates, revisions = [], []
        for row in rows:
            value, reason = classify_admissibility(row.title, row.content, row.reply_text, row.kind)
            counts[value] += 1
            if (value, reason) != (row.admissibility, row.admissibility_reason):
                updates.append({"row_id": row.id, "value": value, "reason": reason})
                if row.admissibility is not None and value != row.admissibility:
                    revisions.append({"message_id": row.id, "field": "admissibility", "changed_at": now,
                                      "old_value": row.admissibility, "new_value": value})
        if updates:
            session.execute(
                update(Message.__table__).where(Message.__table__.c.id == bindparam("row_id"))
                .values(admissibility=bindparam("value"), admissibility_reason=bindparam("reason")),
                updates,
            )
            changed += len(updates)
        if revisions:
            session.execute(insert(MessageRevision), revisions)
    pending.done(session)
    total = sum(counts.values())
    parts = ", ".join(f"{counts[v]} {v}" for v in ADMISSIBILITY_VALUES if counts[v])
    scope = "" if pending.everything else " (new or changed since the last run)"
    return f"{total} letters classified{scope} ({parts}); {changed} changed"
