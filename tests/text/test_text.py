"""Normalisation: stored text keeps every word; feature text loses HTML, width, script and boilerplate noise."""
from analysis.text.normalise import clean_text, is_traditional, normalise_for_features, strip_boilerplate, to_halfwidth


def test_clean_text_removes_html_residue_and_keeps_wording():
    raw = "<p>尊敬的领导：</p><p>您好！楼下&nbsp;烧烤&amp;油烟</p><br/>谢谢！<script>x=1</script>"
    assert clean_text(raw) == "尊敬的领导：\n您好！楼下 烧烤&油烟\n谢谢！"


def test_clean_text_makes_ascii_forms_halfwidth_but_keeps_chinese_punctuation():
    assert clean_text("电话１３９ＡＢｃ，地址（东区）！") == "电话139ABc，地址（东区）！"


def test_clean_text_collapses_whitespace_and_drops_invisible_characters():
    assert clean_text("  第一行\u3000\u3000有空格\r\n\r\n\r\n第二\u200b行\t\t结束  ") == "第一行 有空格\n第二行 结束"


def test_clean_text_of_nothing_is_empty():
    assert clean_text(None) == ""
    assert clean_text("   ") == ""


def test_halfwidth_keeps_offsets():
    text = "号码：１３８００"
    assert len(to_halfwidth(text, keep_chinese_punctuation=False)) == len(text)


def test_boilerplate_is_removed_from_features_only():
    raw = "尊敬的县长您好！我们小区门口的路灯坏了三个月，请尽快修理。盼复！万分感谢！此致 敬礼"
    assert "尊敬" in clean_text(raw)
    assert normalise_for_features(raw) == "我们小区门口的路灯坏了三个月，请尽快修理"


def test_praise_with_content_is_not_boilerplate():
    assert "感谢城管队员" in strip_boilerplate("感谢城管队员及时清理了积水。谢谢！")


def test_traditional_text_is_converted_and_simplified_text_left_alone():
    assert is_traditional("請儘快處理這個問題")
    assert normalise_for_features("請儘快處理這個問題") == "请尽快处理这个问题"
    simplified = "乾坤湾景区的停车场收费过高"  # 乾 is also a simplified character: must stay
    assert normalise_for_features(simplified) == simplified


def test_features_are_lower_case():
    assert normalise_for_features("APP无法登录ETC") == "app无法登录etc"
