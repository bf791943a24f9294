"""Answer choice and condensing on invented replies."""
from __future__ import annotations

from dataclasses import dataclass

from reports import answers

QUESTION = "关于和平小区供暖不达标的问题。和平小区暖气不热，室温不达标，希望供热公司检修。"


@dataclass
class Letter:
    id: int
    submitter: str | None = None


SIGNATURE_ONLY = "您好！您的来信已收悉。感谢您对我们工作的支持！\n市供热管理办公室\n2024年1月5日"
REFERRAL = "您好，您反映的问题已转交区住建局处理，请耐心等待。"
OFF_TOPIC = "您好，关于您咨询的公积金贷款额度问题，根据规定最高贷款额度为60万元，具体以审批为准。"
SUBSTANTIVE = ("您好！来信收悉。经核实，和平小区供暖管网老化导致部分楼栋室温不达标。供热公司已于1月8日更换故障阀门，"
               "目前室温已达到18度以上。同时，我办将督促供热公司每周回访测温。如室温仍不达标，可拨打供热服务热线报修。"
               "感谢您的监督！市供热管理办公室 2024年1月10日")
SETTLED = "经调解双方达成和解。"


def test_signature_referral_and_other_question_are_not_answers():
    for reply in (SIGNATURE_ONLY, REFERRAL, OFF_TOPIC):
        _sentences, _rel, _score, why = answers.assess(QUESTION, reply)
        assert why, reply
    assert answers.choose_answer(QUESTION, [(Letter(1), SIGNATURE_ONLY), (Letter(2), REFERRAL),
                                            (Letter(3), OFF_TOPIC)]) is None


def test_the_reply_with_substance_on_the_question_wins():
    choice = answers.choose_answer(QUESTION, [(Letter(1), SIGNATURE_ONLY), (Letter(2), SUBSTANTIVE),
                                              (Letter(3), REFERRAL)])
    assert choice is not None and choice.message.id == 2
    assert set(choice.rejected) == {1, 3}
    # formulas and the signature are gone from the substance
    body = "".join(choice.sentences)
    assert "收悉" not in body and "感谢" not in body and "2024年1月10日" not in body


def test_a_short_decision_is_an_answer_not_a_pending_case():
    choice = answers.choose_answer("关于邻里噪音纠纷的问题", [(Letter(7), SETTLED)])
    assert choice is not None and choice.message.id == 7


def test_condense_keeps_the_answering_sentences_in_order():
    sentences = answers.substance_sentences(SUBSTANTIVE)
    text = answers.condense(sentences, QUESTION, 60)
    # The decision with its date is the core of the answer; it must survive a tight limit.
    assert "1月8日更换故障阀门" in text, text
    assert len(text) <= 60 + 40
    # Kept sentences appear in the reply's own order.
    positions = [SUBSTANTIVE.index(s.rstrip("。")) for s in text.split("。") if s]
    assert positions == sorted(positions)


def test_condense_does_not_open_on_a_dangling_connective():
    sentences = ["经核实，该路段路灯线路被施工挖断。", "但施工单位已于3月2日修复线路，路灯恢复照明。"]
    text = answers.condense(sentences, "幸福路路灯不亮", 30)
    assert not text.startswith("但"), text
    assert "3月2日" in text


def test_contact_sentences_are_dropped_from_the_answer():
    reply = "经核实，已安排维修。如有疑问请联系工作人员，电话13812345678。"
    body = "".join(answers.substance_sentences(reply))
    assert "13812345678" not in body and "已安排维修" in body


def test_private_family_matters_and_sign_off_lines_never_reach_the_answer():
    reply = ("经核实，动迁补偿合同需补齐材料后审核。因其姐姐已离婚，需提供离婚证明。"
             "办件人：刘建，区建设局工作人员，85779123区管委会办公室2018年7月17日。")
    body = "".join(answers.substance_sentences(reply))
    assert "离婚" not in body and "姐姐" not in body  # a family's divorce is nobody's business
    assert "刘建" not in body and "85779123" not in body and "2018年7月17日" not in body
    assert "补齐材料" in body


def test_openings_and_quoted_restatements_are_not_the_answer():
    reply = ("网友：您提出的关于“为什么有的可以补贴5年，而有的只补贴3年呢？补贴期限按规定执行。"
             "您在平台反映的问题，现将有关情况答复如下：距法定退休年龄不足5年的可延长至退休。")
    sentences = answers.substance_sentences(reply)
    assert sentences[-1].startswith("距法定退休年龄不足5年") and not any("您提出" in s for s in sentences)


def test_a_cut_list_loses_its_numbering():
    sentences = ["一是新桥抗洪能力提高，阻水率从14.6%降至5.7%。", "二是可打通沿河栈道。",
                 "三是建成后将成为城市地标，寄托情感。"]
    text = answers.condense(sentences, "关于反对拆除旧桥的问题。旧桥抗洪", 30)
    assert "阻水率从14.6%降至5.7%" in text  # the figure that answers stays
    assert not any(marker in text for marker in ("一是", "二是", "三是")), text
