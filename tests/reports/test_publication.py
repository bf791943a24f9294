"""The biweekly summary: numbers against the database, review workflow, edits, personal-data gate, publishing."""
from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from reports import publication as P
from reports.period import Period
from store.models.core import Message
from store.models.deadlines import Deadline
from store.models.publications import PublicationEvent, PublicationItem
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages
from tests.reports.corpus import load_march_2024

PERIOD = Period.parse("2024-03-16:2024-03-31")
AS_OF = dt.date(2024, 4, 20)
# Figures are counted to the end of the reply window: 2024-03-31 + 5 working days = Apr 1, 2, 3, (清明 4-6),
# Sun Apr 7 (make-up working day), Apr 8.
STATS_DATE = dt.date(2024, 4, 8)


@pytest.fixture
def draft(session):
    load_march_2024(session)
    pub = P.create_draft_for_period(session, PERIOD, as_of=AS_OF, actor="test")
    session.commit()
    return pub


def _approved(session, pub):
    P.mark_reviewed(session, pub, "李审核")
    P.approve(session, pub, "赵主任")
    session.commit()
    return pub


def test_every_number_matches_the_database(session, draft):
    content = draft.content
    start, end = PERIOD.start_dt, PERIOD.end_exclusive_dt
    in_period = (Message.submitted_at >= start) & (Message.submitted_at < end)
    received = session.scalar(select(func.count()).select_from(Message).where(in_period))
    assert content["overview"]["received"] == received
    by_channel = dict(session.execute(select(Message.channel, func.count()).where(in_period)
                                      .group_by(Message.channel)).all())
    assert {r["channel"]: r["count"] for r in content["overview"]["by_channel"]} == by_channel
    by_category = dict(session.execute(select(Message.category, func.count()).where(in_period)
                                       .group_by(Message.category)).all())
    assert {r["name"]: r["count"] for r in content["overview"]["by_category"]} == by_category
    replied = session.scalar(select(func.count()).select_from(Message).where(
        in_period, Message.replied_at.is_not(None), func.date(Message.replied_at) <= STATS_DATE))
    assert content["statistics_date"] == STATS_DATE.isoformat()
    assert content["overview"]["replied"] == replied
    replies_given = session.scalar(select(func.count()).select_from(Message).where(
        Message.replied_at >= start, Message.replied_at < end))
    assert content["overview"]["replies_in_period"] == replies_given
    # On time: replied on or before the stored due date (every due date here is before STATS_DATE: all decided).
    rows = session.execute(select(Message.replied_at, Deadline.due_on).join(Deadline, Deadline.message_id == Message.id)
                           .where(in_period)).all()
    assert len(rows) == received
    on_time = sum(1 for replied_at, due_on in rows if replied_at is not None and replied_at.date() <= due_on)
    timeliness = content["overview"]["timeliness"]
    assert (timeliness["on_time"], timeliness["decided"]) == (on_time, received)
    assert timeliness["rate"] == round(on_time / received, 4)
    previous = session.scalar(select(func.count()).select_from(Message).where(
        Message.submitted_at >= PERIOD.previous().start_dt, Message.submitted_at < start))
    assert content["previous"]["received"] == previous
    # Each question's count is the number of different people among its letters (asked_count, the same as
    # distinct_submitters), all in the period, and the answer is one of them.
    for question in content["questions"]:
        members = session.execute(select(Message).where(Message.id.in_(question["message_ids"]))).scalars().all()
        assert question["letters"] == len(members) == len(question["message_ids"])
        assert question["asked_count"] == question["distinct_submitters"] <= len(members)
        assert all(start <= m.submitted_at < end for m in members)
        if question["answer_message_id"] is not None:
            assert question["answer_message_id"] in question["message_ids"]


def test_questions_keep_message_ids_for_provenance(session, draft):
    items = session.execute(select(PublicationItem).where(PublicationItem.publication_id == draft.id)
                            .order_by(PublicationItem.position)).scalars().all()
    assert [i.key for i in items] == [q["key"] for q in draft.content["questions"]]
    assert [i.message_ids for i in items] == [q["message_ids"] for q in draft.content["questions"]]
    parking = next(i for i in items if i.asked_count == 3)
    external = session.execute(select(Message.external_id).where(Message.id.in_(parking.message_ids))).scalars()
    assert sorted(external) == ["P-1", "P-2", "P-3"]
    # The answer is the on-time, substantive reply (P-1), not the formula (P-2) nor the late one (P-3).
    assert session.get(Message, parking.answer_message_id).external_id == "P-1"
    assert parking.answer.startswith("经核实") and "收悉" not in parking.answer and "感谢" not in parking.answer


def test_generated_text_is_de_identified(session, draft):
    document = P.final_document(draft)
    assert P.personal_data_findings(document) == []
    html = P.preview_html(draft)
    assert "13812345678" not in html and "张建国" not in html


def test_edit_then_regenerate_keeps_the_edit(session, draft):
    parking = next(q for q in draft.content["questions"] if q["asked_count"] == 3)
    P.edit_text(session, draft, f"item:{parking['key']}:question", "幸福小区停车难的问题何时能解决？", editor="王编辑")
    P.edit_text(session, draft, "intro", "本期导语由编辑改写。", editor="王编辑")
    session.commit()
    # New messages arrive on the same issue: the numbers change, the cluster grows.
    source = get_or_create_source(session, "测试留言板", "feedback")
    upsert_messages(session, source, [MessageRecord(
        channel="feedback", external_id=f"P-{n}", title="幸福小区停车难问题", content="幸福小区停车难，车位不足。",
        submitted_at=dt.datetime(2024, 3, 29, 9, n), category="城乡建设", unit="市住房和城乡建设局")
        for n in (4, 5)])
    session.commit()
    regenerated = P.create_draft_for_period(session, PERIOD, as_of=AS_OF, actor="test")
    session.commit()
    assert regenerated.id == draft.id
    assert regenerated.content["overview"]["received"] == 8
    document = P.final_document(regenerated)
    grown = next(q for q in document["questions"] if {"P-1", "P-2", "P-3"} <= set(q["external_ids"]))
    # Five letters, four people: P-4 and P-5 are the same words a minute apart without a submitter, which
    # analysis.topics.complainants counts as one person writing twice.
    assert grown["letters"] == 5 and grown["asked_count"] == grown["distinct_submitters"] == 4
    assert grown["question"] == "幸福小区停车难的问题何时能解决？"
    assert document["texts"]["intro"] == "本期导语由编辑改写。"
    assert "幸福小区停车难的问题何时能解决？" in P.preview_html(regenerated)


def test_dropped_question_stays_dropped_and_can_come_back(session, draft):
    fund = next(q for q in draft.content["questions"] if q["asked_count"] == 2)
    P.drop_question(session, draft, fund["key"], editor="王编辑", reason="已另行公开")
    assert fund["key"] not in [q["key"] for q in P.final_document(draft)["questions"]]
    P.create_draft_for_period(session, PERIOD, as_of=AS_OF, actor="test")
    assert fund["key"] in P.final_document(draft)["dropped_questions"]
    assert "租房提取公积金" not in P.preview_html(draft).split("民意热点榜")[0]
    P.drop_question(session, draft, fund["key"], editor="王编辑", drop=False)
    assert fund["key"] in [q["key"] for q in P.final_document(draft)["questions"]]


def test_an_unapproved_summary_cannot_be_published(session, draft, tmp_path):
    with pytest.raises(P.NotApproved, match="only an approved summary"):
        P.publish(session, draft, "赵主任", out_dir=tmp_path / "pub")
    P.mark_reviewed(session, draft, "李审核")
    with pytest.raises(P.NotApproved):
        P.publish(session, draft, "赵主任", out_dir=tmp_path / "pub")
    with pytest.raises(P.PublicationError, match="another person"):
        P.approve(session, draft, "李审核")
    P.approve(session, draft, "赵主任")
    # An edit after approval sends it back to draft: the approver never saw that text.
    P.edit_text(session, draft, "closing", "新的结语。", editor="王编辑")
    assert draft.status == "draft"
    with pytest.raises(P.NotApproved):
        P.publish(session, draft, "赵主任", out_dir=tmp_path / "pub")
    assert not (tmp_path / "pub").exists()


def test_personal_data_gate_blocks_a_planted_phone_number(session, draft, tmp_path):
    _approved(session, draft)
    parking = next(q for q in draft.content["questions"] if q["asked_count"] == 3)
    P.edit_text(session, draft, f"item:{parking['key']}:answer",
                parking["answer"] + "详情请联系13987654321。", editor="王编辑")
    P.mark_reviewed(session, draft, "李审核")
    with pytest.raises(P.PersonalDataFound) as refused:
        P.approve(session, draft, "赵主任")
    finding = refused.value.findings[0]
    assert finding.target == f"item:{parking['key']}:answer" and finding.type == "mobile"
    assert "问题1" in finding.place and "答复" in finding.place
    assert "13987654321" not in str(refused.value)
    assert draft.status == "reviewed"
    # Even if the text reached approval another way (e.g. an older approval), publishing checks again.
    draft.status, draft.approved_fingerprint = "approved", P.fingerprint(P.final_document(draft))
    with pytest.raises(P.PersonalDataFound):
        P.publish(session, draft, "赵主任", out_dir=tmp_path / "pub")
    assert not (tmp_path / "pub").exists()
    assert session.scalar(select(PublicationEvent.detail).where(PublicationEvent.action == "publish_refused"))


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict, str | None]]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((json.loads(body), self.headers.get("Authorization")))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_publish_writes_files_records_approval_and_posts(session, draft, tmp_path, monkeypatch):
    from store.settings import get_settings

    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HOTLINE_REPORTS_PUBLISH_TOKEN", "secret-token")
    get_settings.cache_clear()
    _Receiver.received.clear()
    try:
        _approved(session, draft)
        result = P.publish(session, draft, "赵主任", out_dir=tmp_path / "pub",
                           url=f"http://127.0.0.1:{server.server_port}/cms")
        session.commit()
    finally:
        server.shutdown()
    assert result.post_status == 201 and result.post_error is None
    assert draft.status == "published" and draft.approved_by == "赵主任" and draft.approved_at is not None
    assert draft.published_content["questions"] == P.final_document(draft)["questions"]
    html = result.files["html"].read_text(encoding="utf-8")
    assert "草稿" not in html and "批准：赵主任" in html
    assert "http://" not in html and "https://" not in html  # no external assets
    posted, auth = _Receiver.received[0]
    assert auth == "Bearer secret-token"
    assert posted["questions"][0]["question"] == draft.content["questions"][0]["question"]
    assert posted["overview"]["received"] == draft.content["overview"]["received"]
    assert json.loads(result.files["json"].read_text(encoding="utf-8")) == posted
    # The internal workbook lists the messages behind every question; it is not in the public folder.
    workbook = load_workbook(result.internal_files["xlsx"])
    rows = list(workbook["留言明细"].iter_rows(min_row=2, values_only=True))
    question_rows = [r for r in rows if r[0] == "共性问题"]
    assert sorted(r[2] for r in question_rows) == sorted(i for q in draft.content["questions"]
                                                         for i in q["message_ids"])
    assert result.internal_files["xlsx"].parent != result.directory
    actions = [e.action for e in draft.events]
    assert actions[-3:] == ["approved", "published", "posted"]
    with pytest.raises(P.PublicationStateError, match="published"):
        P.edit_text(session, draft, "intro", "x", editor="王编辑")


def test_empty_period_gives_a_no_messages_page(session, tmp_path):
    pub = P.create_draft_for_period(session, Period.parse("2030-01-01:2030-01-15"), as_of=dt.date(2030, 1, 20))
    files = P.write_draft_files(session, pub, tmp_path / "empty")
    html = files["html"].read_text(encoding="utf-8")
    assert pub.content["overview"]["received"] == 0 and pub.content["questions"] == []
    assert "本期未收到群众诉求" in html and "<img" not in html
    assert "本期未收到群众诉求" in files["markdown"].read_text(encoding="utf-8")
    assert pub.content["overview"]["timeliness"]["rate"] is None


def test_diff_against_the_previous_period(session, draft):
    previous = P.create_draft_for_period(session, PERIOD.previous(), as_of=AS_OF)
    _approved(session, previous)
    P.publish(session, previous, "赵主任")
    diff = P.diff_with_previous(session, draft)
    assert diff.startswith("--- 2024-03-01:2024-03-15 (published)")
    assert "+### 问题1：" in diff
    assert "-| 受理诉求 | 2 | 0 |" in diff and "+| 受理诉求 | 6 | 2 |" in diff
