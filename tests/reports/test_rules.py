"""The publication's rules, each on the invented letters of rules_corpus (SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt

import pytest

from reports import publication as P
from reports.period import Period
from reports.render_markdown import render_markdown
from reports.summary import NO_ANSWER_YET, build_summary
from store.settings import get_settings
from tests.reports.rules_corpus import HEATING_ANSWER, load_rules_corpus

PERIOD = Period.parse("2024-03-16:2024-03-31")


@pytest.fixture
def content(session, monkeypatch):
    monkeypatch.setenv("HOTLINE_REPORTS_CITY", "临江市")
    get_settings.cache_clear()
    load_rules_corpus(session)
    return build_summary(session, PERIOD, as_of=dt.date(2024, 4, 10))


def _question(content, word):
    found = [q for q in content["questions"] if word in q["question"]]
    assert len(found) == 1, [q["question"] for q in content["questions"]]
    return found[0]


def test_people_not_letters_make_a_common_question(content):
    heating = _question(content, "供暖")
    # three different writers (平台用户A/B/C) -> 3 people; the street lamp was written three times by one person
    assert heating["asked_count"] == heating["distinct_submitters"] == 3
    assert heating["external_ids"] == ["H-1", "H-2", "H-3"]
    assert not [q for q in content["questions"] if "路灯" in q["question"]]
    assert not [q for q in content.get("pending_questions", []) if "路灯" in q["question"]]
    # nor a hot spot (no supporters either)
    assert not [e for e in content["hotlist"] if "路灯" in e["label"]]
    assert [e for e in content["hotlist"] if "供暖" in e["label"] or "暖气" in e["label"]]


def test_inadmissible_letters_are_counted_but_never_a_question_and_the_exclusion_is_explained(content):
    assert not [q for q in content["questions"] if "继承" in q["question"]]
    excluded = {e["external_id"]: e for e in content["excluded"]}
    assert set(excluded) == {"X-1", "X-2"}
    assert excluded["X-1"]["label"] == "不属于受理范围" and excluded["X-1"]["reason"]
    assert content["overview"]["received"] == 13  # 10 board letters + 3 hotline letters, exclusions included


def test_the_answer_is_the_reply_with_substance_not_the_signature(content):
    heating = _question(content, "供暖")
    assert heating["answer_external_id"] == "H-2"
    assert "3月22日更换故障阀门" in heating["answer"]
    assert "收悉" not in heading_and_answer(heating) and "感谢" not in heating["answer"]
    assert heating["answer"] != NO_ANSWER_YET
    assert HEATING_ANSWER  # the reply the answer was condensed from


def heading_and_answer(q):
    return q["question"] + q["answer"]


def test_heading_and_detail_are_plain_and_de_identified(content):
    heating = _question(content, "供暖")
    assert len(heating["question"]) <= 30
    assert heating["detail"].startswith("有3位市民反映，")
    assert "我" not in heating["detail"] and "13912345678" not in heating["detail"]


def test_a_source_without_replies_is_left_out_of_the_reply_figures_and_named(content):
    ov = content["overview"]
    assert ov["reply_counted"] == 10  # the three hotline letters have no reply column
    assert [(r["source"], r["count"]) for r in ov["reply_stats_excluded"]] == [("12345热线导出", 3)]
    markdown = render_markdown({**content, "status": "draft"})
    assert "12345热线导出（3件）" in markdown and "未纳入答复率" in markdown


def test_intro_names_the_channels_of_the_period_and_the_publisher_has_the_city(content):
    intro = content["texts"]["intro"]
    assert "网上留言和12345热线渠道" in intro and "领导信箱" not in intro
    assert content["bureau"] == "临江市行政审批服务局"
    assert content["texts"]["title"].startswith("临江市行政审批服务局")


def test_statistics_date_is_the_end_of_the_reply_window(content):
    # 2024-03-31 + 5 working days: Apr 1, 2, 3, (4-6 清明 holiday), Sun Apr 7 is a make-up working day, Apr 8.
    assert content["statistics_date"] == "2024-04-08" and content["statistics_note"] is None


def test_unanswered_question_with_a_running_deadline_is_listed_as_pending(session, monkeypatch):
    load_rules_corpus(session)
    early = build_summary(session, PERIOD, as_of=dt.date(2024, 4, 3))
    pending = [q["question"] for q in early["pending_questions"]]
    assert any("社保卡" in q for q in pending), pending
    assert not [q for q in early["questions"] if "社保卡" in q["question"]]
    markdown = render_markdown({**early, "status": "draft"})
    assert "### 正在办理中的共性问题" in markdown and NO_ANSWER_YET in markdown
    # drafted before the window closed: counted as of the drafting date, and the page says why
    assert early["statistics_date"] == "2024-04-03" and "尚未届满" in early["statistics_note"]
    monkeypatch.setenv("HOTLINE_REPORTS_PENDING_QUESTIONS", "omit")
    get_settings.cache_clear()
    omitted = build_summary(session, PERIOD, as_of=dt.date(2024, 4, 3))
    assert omitted["pending_questions"] == []
    assert any("社保卡" in q["question"] for q in omitted["left_out_questions"])


def test_no_placeholder_once_the_deadline_has_passed(session):
    load_rules_corpus(session)
    late = build_summary(session, PERIOD, as_of=dt.date(2024, 4, 10))
    assert not late["pending_questions"]
    left = [q for q in late["left_out_questions"] if "社保卡" in q["question"]]
    assert left and "已过答复期限" in left[0]["reason"]


def test_an_editor_can_overrule_an_exclusion(session):
    load_rules_corpus(session)
    pub = P.create_draft_for_period(session, PERIOD, as_of=dt.date(2024, 4, 10), actor="test")
    x1 = next(e["message_id"] for e in pub.content["excluded"] if e["external_id"] == "X-1")
    P.overrule_exclusion(session, pub, x1, editor="王编辑", reason="属本市职责")
    assert x1 not in {e["message_id"] for e in pub.content["excluded"]}
    assert P.admitted_messages(pub) == {x1}


def test_the_gate_checks_every_published_field(session):
    load_rules_corpus(session)
    pub = P.create_draft_for_period(session, PERIOD, as_of=dt.date(2024, 4, 10), actor="test")
    assert P.personal_data_findings(P.final_document(pub)) == []
    key = pub.content["questions"][0]["key"]
    planted = {"title": "标题联系13812345678", f"item:{key}:question": "关于张先生反映的问题",
               f"item:{key}:answer": "请联系工作人员刘志强。", f"item:{key}:unit": "联系人：赵敏"}
    for target, text in planted.items():
        P.edit_text(session, pub, target, text, editor="王编辑")
    hot_key = pub.content["hotlist"][0]["key"]
    P.edit_text(session, pub, f"hot:{hot_key}:label", "157-****-6102反映", editor="王编辑")
    found = {f.target for f in P.personal_data_findings(P.final_document(pub))}
    assert set(planted) | {f"hot:{hot_key}:label"} <= found
    P.mark_reviewed(session, pub, "李审核")
    with pytest.raises(P.PersonalDataFound):
        P.approve(session, pub, "赵主任")


def test_markdown_escapes_raw_html_from_an_editor(session):
    load_rules_corpus(session)
    pub = P.create_draft_for_period(session, PERIOD, as_of=dt.date(2024, 4, 10), actor="test")
    P.edit_text(session, pub, "intro", "导语<script>alert(1)</script><img src=x onerror=alert(2)>", editor="王编辑")
    markdown = render_markdown(P.final_document(pub))
    assert "<script>" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;" in markdown


def test_a_letter_exported_by_two_sources_counts_once(session):
    from datetime import datetime

    from store.records import MessageRecord
    from store.upsert import get_or_create_source, upsert_messages
    from tests.reports.rules_corpus import rec

    load_rules_corpus(session)
    # The same letter in a second export, 90 seconds later and under that export's own user code, with the reply.
    twin = rec("T-9", "和平小区供暖温度不达标", "和平小区供暖温度不达标，家里很冷，希望尽快解决。",
               datetime(2024, 3, 20, 11, 1, 30), submitter="另一导出用户", kind="投诉", unit="市供热管理办公室",
               reply_text=HEATING_ANSWER, replied_at=datetime(2024, 3, 22, 9, 0))
    assert isinstance(twin, MessageRecord)
    upsert_messages(session, get_or_create_source(session, "留言板导出二", "feedback"), [twin])
    session.commit()
    content = build_summary(session, PERIOD, as_of=dt.date(2024, 4, 10))
    assert content["overview"]["received"] == 13  # not 14: H-3 and T-9 are one letter
    heating = _question(content, "供暖")
    assert len({"H-3", "T-9"} & set(heating["external_ids"])) == 1 and heating["asked_count"] == 3


def test_the_gate_refuses_strings_known_to_be_personal_data(session):
    load_rules_corpus(session)
    pub = P.create_draft_for_period(session, PERIOD, as_of=dt.date(2024, 4, 10), actor="test")
    document = P.final_document(pub)
    assert P.personal_data_findings(document, known_strings=["不在草稿里的字串"]) == []
    found = P.personal_data_findings(document, known_strings=["和平小区", "x"])  # one-character strings are ignored
    assert found and {f.type for f in found} == {"annotated"}
    assert all("和平小区" not in f.context for f in found)  # the finding does not repeat the value
