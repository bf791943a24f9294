"""The editor's checklist of a draft, question by question (the checks an editor makes before signing).

``question_checks(session, document) -> list[QuestionCheck]`` for every common question of ``document`` (a
summary content or final document):

- ``admissible``: no member letter is among the excluded letters of the draft (admissibility step, or the
  classification made while drafting, unless an editor overruled it);
- ``people``: at least ``reports.min_complainants`` different people (``distinct_submitters``);
- ``no_placeholder``: the answer is not the 办理中 placeholder;
- ``heading``: the heading is at most 30 characters;
- ``third_person``: the 群众反映 paragraph starts "有…市民反映" and has no first-person word;
- ``answer_from_member``: the answer's letter is a member and every answer sentence (masks aside) is found in
  that letter's reply;
- ``no_personal_data``: the publication gate finds nothing in the question's texts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.answers import CASE_NUMBER
from store.models.core import Message
from store.settings import get_settings

CHECKS = ("admissible", "people", "no_placeholder", "heading", "third_person", "answer_from_member",
          "no_personal_data")


@dataclass
class QuestionCheck:
    number: int
    heading: str
    people: int
    external_ids: list[str]
    answer_source: str | None
    failed: dict[str, str] = field(default_factory=dict)  # check -> why

    @property
    def ok(self) -> bool:
        return not self.failed


def _answer_found_in(answer: str, reply: str) -> bool:
    def plain(text):  # punctuation, list numbering and case numbers aside (condensing drops them)
        text = CASE_NUMBER.sub("", text)
        text = re.sub(r"[（(]?(?:[一二三四五六七八九十]+|\d{1,2})[)）、．.](?!\d)", "", text)
        return re.sub(r"[\s，。；;、,.！!？?：:“”\"（）()]", "", text)

    source = plain(reply)
    for sentence in re.split(r"[。；;！!？?]", answer.rstrip("…")):
        pieces = [p for p in re.split(r"\*+|…+", plain(sentence)) if len(p) >= 2]
        if any(p not in source for p in pieces):
            return False
    return True


def question_checks(session: Session, document: dict) -> list[QuestionCheck]:
    from reports import deidentify
    from reports.publication import personal_data_findings
    from reports.summary import NO_ANSWER_YET

    excluded = {e["message_id"] for e in document.get("excluded", [])}
    min_people = get_settings().get("reports.min_complainants")
    findings = personal_data_findings({**document, "texts": {}, "hotlist": [], "pending_questions": [],
                                       "overview": {"by_category": [], "by_channel": []}, "bureau": ""})
    results = []
    for number, q in enumerate(document["questions"], start=1):
        members = {m.id: m for m in session.execute(
            select(Message).where(Message.id.in_(q["message_ids"]))).scalars()}
        answer_letter = members.get(q.get("answer_message_id"))
        check = QuestionCheck(number, q["question"], q["asked_count"], q.get("external_ids", []),
                              answer_letter.external_id if answer_letter else None)
        bad = [m.external_id for m in members.values() if m.id in excluded]
        if bad:
            check.failed["admissible"] = "inadmissible members " + ", ".join(map(str, bad))
        if q.get("distinct_submitters", q["asked_count"]) < min_people:
            check.failed["people"] = f"{q['asked_count']} < {min_people}"
        if not q.get("answer") or q["answer"] == NO_ANSWER_YET:
            check.failed["no_placeholder"] = "no answer"
        if len(q["question"]) > 30:
            check.failed["heading"] = f"{len(q['question'])} characters"
        detail = q.get("detail") or ""
        if not re.match(r"^有(?:\d+位)?市民反映", detail) or re.search(r"我|本人|咱", detail):
            check.failed["third_person"] = detail[:30]
        if answer_letter is None:
            check.failed["answer_from_member"] = "the answer's letter is not a member"
        elif not _answer_found_in(q.get("answer") or "", deidentify.mask(answer_letter.reply_text or "")):
            if not _answer_found_in(q.get("answer") or "", answer_letter.reply_text or ""):
                check.failed["answer_from_member"] = "answer text not found in the member's reply"
        mine = [f for f in findings if f.place.startswith(f"问题{number}「")]
        if mine:
            check.failed["no_personal_data"] = "; ".join(f"{f.type}: {f.context}" for f in mine)
        results.append(check)
    return results
