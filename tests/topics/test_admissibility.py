"""Admissibility of letters: kind first, then empty text, then the unit's reply, then the letter's own subject.

Every letter here is written for these tests (no real data)."""
import pytest
from sqlalchemy import select

from analysis.routing.admissibility import (
    ADMISSIBILITY_VALUES,
    NO_REPLY_DUTY,
    classify_admissibility,
    classify_stored_messages,
)

COMPLAINT = "青松路菜市场门口每天早上六点就有货车卸货，噪音很大，希望管一管。"


@pytest.mark.parametrize(("title", "content", "reply", "kind", "expected"), [
    # an ordinary complaint with an ordinary reply
    ("菜市场卸货噪音", COMPLAINT, "经核查，已责令市场调整卸货时间。", None, "admissible"),
    # the export's kind decides before the text does: 表扬 is praise even if the title does not say so
    ("公交司机", "司机师傅等候老人上车，服务很好。", None, "表扬", "praise"),
    # the reply says the matter is outside the unit's remit, in several wordings units use
    ("物业赔偿", COMPLAINT, "您反映的问题涉及经济纠纷，不在诉求受理范围内，建议您通过诉讼程序解决。", None,
     "out_of_scope"),
    ("举报", COMPLAINT, "尊敬的网友您好：请您具体问题具体投诉。", None, "out_of_scope"),
    ("房产证", COMPLAINT, "该事项不属于我局职责范围，请向不动产登记中心咨询。", None, "out_of_scope"),
    ("判决执行", COMPLAINT, "此件涉法涉诉，平台不予受理。", None, "out_of_scope"),
    # "不属于" about the facts (not the unit's remit) is an ordinary answer
    ("违建", COMPLAINT, "经现场核查，此处不属于违法建设，停车器已清理。", None, "admissible"),
    # nothing to act on
    ("asdf", "qwerqwer zxcv", None, None, "incoherent"),
    ("？", "。。", None, None, "incoherent"),
    ("随便说说", "今天天气不错我很开心大家都好", "尊敬的网友您好：无具体诉求。", None, "no_request"),
    # praise by the title; a thank-you at the end of a complaint is not praise
    ("表扬市民中心窗口工作人员", "办理公积金时窗口的同志耐心细致，特此表扬。", None, None, "praise"),
    ("感谢信", "感谢社区帮我们修好了楼道灯。", None, None, "praise"),
    ("青松路噪音问题", COMPLAINT + "谢谢，致谢！", None, None, "admissible"),
    ("感谢领导关注，再次反映暖气不热问题", "暖气一直不热，室温只有十二度。", None, None, "admissible"),
])
def test_classification(title, content, reply, kind, expected):
    value, reason = classify_admissibility(title, content, reply, kind)
    assert value == expected, reason
    assert value in ADMISSIBILITY_VALUES
    assert reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason)  # the editor reads a Chinese reason


def test_url_encoded_letter_is_read_as_chinese():
    from urllib.parse import quote

    # some web forms store the letter URL-encoded, sometimes twice, with full-width percent signs
    encoded = quote(quote(COMPLAINT)).replace("%", "％")
    assert classify_admissibility("卸货噪音", encoded, None, None)[0] == "admissible"


def test_long_answer_ending_in_a_redirect_is_an_answer():
    reply = ("经核查，青松路菜市场卸货时间已调整为早上七点以后，城管中队每天六点起在市场门口巡查，"
             "对违规卸货的车辆依法处罚，近一周已处罚三起。市场管理方已在门口设置提示牌。" * 3
             + "具体办理事宜请向青松街道办事处咨询。")
    assert classify_admissibility("卸货噪音", COMPLAINT, reply, None)[0] == "admissible"
    # the same redirect as the whole reply is a refusal
    assert classify_admissibility("卸货噪音", COMPLAINT, "网友您好：请直接向青松街道办事处反映。", None)[0] \
        == "out_of_scope"


def test_reply_quoting_the_letter_is_not_a_verdict():
    # the citizen complains that something was refused; the reply quotes the title and answers
    value, _ = classify_admissibility("困难认定不予受理", "学校说我的困难认定不予受理，不知道原因，请帮忙。",
                                      "关于困难认定不予受理的答复：经核实，材料已补齐，学校已重新受理。", None)
    assert value == "admissible"


def test_reason_quotes_the_deciding_reply():
    _value, reason = classify_admissibility("物业", COMPLAINT, "经了解，该事项不在我站受理范围。", None)
    assert "不在我站受理范围" in reason


def test_praise_has_no_reply_duty_and_complaints_do():
    assert "praise" in NO_REPLY_DUTY
    assert "admissible" not in NO_REPLY_DUTY and "out_of_scope" not in NO_REPLY_DUTY


def test_step_fills_and_updates_the_columns(session, monkeypatch):
    from datetime import datetime

    from analysis.routing import admissibility
    from store.models import Message, MessageRevision
    from store.records import MessageRecord
    from store.upsert import get_or_create_source, upsert_messages

    source = get_or_create_source(session, "fixture", "mailbox")
    upsert_messages(session, source, [
        MessageRecord(channel="mailbox", external_id="A1", title="菜市场卸货噪音", content=COMPLAINT,
                      submitted_at=datetime(2024, 3, 1, 9), ref="A1"),
        MessageRecord(channel="mailbox", external_id="A2", title="表扬信", content="感谢环卫工人。",
                      submitted_at=datetime(2024, 3, 1, 10), ref="A2"),
    ])
    session.commit()
    summary = classify_stored_messages(session)
    assert "2 letters classified" in summary and "2 changed" in summary
    stored = dict(session.execute(select(Message.external_id, Message.admissibility)).all())
    assert stored == {"A1": "admissible", "A2": "praise"}
    # a reply arriving later (a re-crawl: the upsert records the revision) can make a letter out of scope; only
    # the changed letter is classified again, and its new value is a revision the deadlines step reads
    upsert_messages(session, source, [
        MessageRecord(channel="mailbox", external_id="A1", title="菜市场卸货噪音", content=COMPLAINT,
                      submitted_at=datetime(2024, 3, 1, 9), ref="A1",
                      reply_text="该问题不属于本单位职责范围，请向市场监管部门反映。")])
    session.commit()
    summary = classify_stored_messages(session)
    assert "1 letters classified (new or changed since the last run)" in summary and "1 changed" in summary
    assert session.scalar(select(Message.admissibility).where(Message.external_id == "A1")) == "out_of_scope"
    revision = session.scalars(select(MessageRevision).where(MessageRevision.field == "admissibility")).one()
    assert (revision.old_value, revision.new_value) == ("admissible", "out_of_scope")
    # nothing new: nothing classified; a new version of the rules: every letter again
    assert classify_stored_messages(session).startswith("0 letters classified")
    monkeypatch.setattr(admissibility, "_RULES_VERSION", admissibility._RULES_VERSION + 1)
    assert classify_stored_messages(session).startswith("2 letters classified (")
