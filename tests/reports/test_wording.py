"""Plain wording: short headings and a third-person "有市民反映" paragraph, on invented letters."""
from __future__ import annotations

from reports import wording


def test_a_problem_title_becomes_a_short_plain_heading():
    titles = ["我们小区冬季供暖温度不达标，家里只有十五度", "强烈投诉：和平小区供暖不达标", "和平小区暖气不热的问题"]
    heading = wording.heading(titles)
    # The heading names the problem, not the writer: no first person, "关于…的问题" form, at most 30 characters.
    assert heading.startswith("关于") and heading.endswith("的问题"), heading
    assert len(heading) <= wording.HEADING_MAX
    assert "我" not in heading and "投诉" not in heading
    assert "供暖" in heading or "暖气" in heading


def test_a_question_title_stays_a_question():
    heading = wording.heading(["请问第三代社保卡如何申领", "第三代社保卡如何申领？", "咨询第三代社保卡如何办理"])
    assert heading.endswith("？") and "社保卡" in heading and len(heading) <= 30
    assert not heading.startswith("请问") and not heading.startswith("咨询")


def test_a_long_title_is_cut_at_a_clause_not_mid_word():
    title = "关于新城区滨河路东段夜间渣土车超速行驶，噪音扰民严重，沿线居民无法正常休息，多次反映未果的问题"
    heading = wording.heading([title, title])
    assert len(heading) <= 30
    assert "渣土车超速行驶" in heading  # the first clause survives whole


def test_a_heading_never_carries_a_private_name():
    heading = wording.heading(["举报滨江街道办主任王大明不作为", "滨江街道办不作为"], [None, None])
    assert "王大明" not in heading


def test_detail_is_third_person_and_leaves_out_private_matters_and_contacts():
    members = [
        ("和平小区供暖不达标。我家住在和平小区，今年冬天室温只有十五度，老人孩子都冻感冒了。"
         "我和丈夫正在办离婚，实在没精力再跑。希望供热公司尽快检修管网。我的电话13912345678。", "李晓红"),
        ("和平小区暖气不热。我们小区暖气一直不热，室温不达标。请求有关部门督促供热公司整改。", None),
    ]
    text = wording.detail(members, people=2)
    assert text.startswith("有2位市民反映，"), text
    # First person turned neutral; the divorce, the children, the phone number and the name are not published.
    for private in ("我", "离婚", "丈夫", "孩子", "13912345678", "李晓红"):
        assert private not in text, (private, text)
    assert "供热" in text or "暖气" in text or "供暖" in text


def test_detail_of_one_writer_says_a_citizen():
    text = wording.detail([("路灯不亮。幸福路的路灯坏了一个月，晚上出行不便，希望尽快维修。", None)], people=1)
    assert text.startswith("有市民反映，") and "维修" in text


def test_detail_leaves_out_who_the_writer_is_and_list_numbers():
    members = [("五一桥改建。一、其是桥边的老住户，五一桥所处位置狭窄，改建廊桥会加剧拥堵，希望重新论证方案。", None),
               ("五一桥改建方案。五一桥所处位置狭窄，改建后交通更拥堵，建议重新论证。", None)]
    text = wording.detail(members, people=2)
    assert "老住户" not in text and "一、" not in text, text
    assert "五一桥" in text or "狭窄" in text


def test_detail_drops_stray_item_numbers():
    members = [("集体产权改革。集体产权改革工作问题2，但工作内容有问题：1、十五户选一个代表如何产生。", None),
               ("集体产权改革代表。集体产权改革工作中十五户选一个代表如何产生，希望公开。", None)]
    text = wording.detail(members, people=2)
    assert "问题2" not in text and "：1、" not in text, text
