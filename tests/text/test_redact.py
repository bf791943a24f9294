"""De-identification: what is found, how it is masked, what is left alone, and the JSONL command."""
import json

import pytest
from stdnum import luhn
from stdnum.cn import ric
from typer.testing import CliRunner

from analysis.privacy.redact import (
    PII_TYPES,
    find_personal_data,
    is_phone_number,
    is_valid_id_card,
    redact,
    residual_numbers,
)


def make_id(base17: str = "11010519880512123") -> str:
    return base17 + ric.calc_check_digit(base17 + "0")  # stdnum expects a placeholder check digit


def make_card(prefix15: str = "622202123456789", length: int = 19) -> str:
    body = (prefix15 + "0" * length)[: length - 1]
    return body + luhn.calc_check_digit(body)


def found(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(span.type, text[span.start:span.end]) for span in find_personal_data(text, **kwargs)]


# --- structured numbers ------------------------------------------------------------------------------


def test_valid_id_card_is_masked_as_a_tag():
    number = make_id()
    result = redact(f"我的身份证号是{number}，请核实。")
    assert result.text == "我的身份证号是<身份证号>，请核实。"
    assert [(s.type, s.rule) for s in result.spans] == [("id_card", "id_card.checksum")]


def test_id_card_with_a_mistyped_check_digit_is_still_masked():
    number = make_id()
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    assert not is_valid_id_card(wrong)
    assert found(f"身份证{wrong}") == [("id_card", wrong)]


def test_eighteen_digits_without_a_birth_date_are_not_an_id():
    assert found("受理编号123456789012345670已转办") == []


def test_mobile_numbers_keep_head_and_tail():
    assert redact("电话13812345678").text == "电话138****5678"
    assert redact("电话 138-1234-5678 或 +86 139 8765 4321").text == "电话 138-****-5678 或 +86 139 **** 4321"


def test_fullwidth_digits_are_found_and_offsets_point_into_the_original():
    text = "手机１３８１２３４５６７８谢谢"
    spans = find_personal_data(text)
    assert [(s.type, text[s.start:s.end]) for s in spans] == [("mobile", "１３８１２３４５６７８")]
    assert residual_numbers(redact(text).text) == []


def test_landlines_with_area_code_and_after_a_cue():
    assert found("座机0411-84123456") == [("landline", "0411-84123456")]
    assert found("(029)88881234") == [("landline", "(029)88881234")]
    assert found("联系电话：84123456") == [("landline", "84123456")]
    assert redact("座机0411-84123456").text == "座机0411-******56"


def test_short_service_numbers_are_not_phones():
    assert found("拨打12345热线和110报警，又打了95588") == []


def test_bank_card_by_luhn_and_by_cue():
    card = make_card()
    assert found(f"转账到{card}") == [("bank_card", card)]
    grouped = " ".join(card[i:i + 4] for i in range(0, 16, 4)) + " " + card[16:]
    assert found(f"卡号 {grouped}") == [("bank_card", grouped)]
    not_luhn = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert found(f"工资卡账号{not_luhn}") == [("bank_card", not_luhn)]
    assert found(f"订单号{not_luhn}") == []


def test_email_plate_qq_wechat():
    text = "邮箱li.ming2020@example.com，车牌辽B12345，新能源车粤AD12345，QQ：123456789，微信号：ming_li88"
    assert found(text) == [
        ("email", "li.ming2020@example.com"), ("plate", "辽B12345"), ("plate", "粤AD12345"),
        ("qq", "123456789"), ("wechat", "ming_li88"),
    ]
    masked = redact(text).text
    assert "l***@example.com" in masked and "辽B*****" in masked and "<QQ号>" in masked and "<微信号>" in masked


# --- names ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, name, mask", [
    ("请张先生来一趟", "张先生", "张**"),
    ("李女士反映", "李女士", "李**"),
    ("欧阳女士家", "欧阳女士", "欧阳**"),
    ("邻居王某某长期占道", "王某某", "王**"),
    ("我叫刘洋，住在", "刘洋", "刘*"),
    ("姓名：陈建国 电话", "陈建国", "陈**"),
    ("联系人 赵敏", "赵敏", "赵*"),
    ("本人孙小红，今年40岁", "孙小红", "孙**"),
])
def test_person_names_in_the_forms_citizens_write(text, name, mask):
    result = redact(text)
    assert [(s.type, text[s.start:s.end]) for s in result.spans] == [("name", name)]
    assert result.text == text.replace(name, mask)


@pytest.mark.parametrize("text", [
    "刘局长您好，请关注此事",
    "感谢王书记和张主任的关心",
    "我和先生一起去办理",
    "关于某些问题需要咨询",
    "我是黄河村的村民",
    "各位女士先生",
])
def test_titles_and_ordinary_words_are_not_names(text):
    assert [s for s in find_personal_data(text) if s.type == "name"] == []


def test_submitter_field_is_masked_wherever_it_appears():
    result = redact("此事由周子涵反映，周子涵多次来电", submitter="周子涵")
    assert result.text == "此事由周**反映，周**多次来电"
    assert {s.rule for s in result.spans} == {"name.submitter"}


# --- addresses -------------------------------------------------------------------------------------------


def test_building_unit_room_is_masked_but_the_estate_stays():
    result = redact("我家住在翠湖花园小区3栋2单元501室，楼下")
    assert result.text == "我家住在翠湖花园小区*栋*单元***室，楼下"
    assert [s.type for s in result.spans] == ["address"]


@pytest.mark.parametrize("text, part", [
    ("人民路18号院2号楼1单元302", "18号院2号楼1单元302"),
    ("建设路88号", "88号"),
    ("柳溪村3组12号", "3组12号"),
    ("住12号楼", "12号楼"),
    ("紫荆苑5-2-301室", "5-2-301室"),
])
def test_detailed_address_forms(text, part):
    assert found(text) == [("address", part)]


@pytest.mark.parametrize("text", [
    "买了一套3室2厅的房子", "地铁1号线早高峰", "市政府2019年3号文件", "3月12号去办理", "5栋楼都停水了",
])
def test_numbers_that_are_not_addresses(text):
    assert found(text) == []


# --- guarantees and API -----------------------------------------------------------------------------------


def test_published_text_contains_no_validating_number():
    text = (f"身份证{make_id()}，手机13912345678，座机010-62751234，客服4008123456，"
            f"备用号码15800001111，卡{make_card()}")
    masked = redact(text).text
    assert residual_numbers(text)
    assert residual_numbers(masked) == []


def test_validators():
    assert is_valid_id_card(make_id()) and not is_valid_id_card("110105198805121230")
    assert is_phone_number("138 1234 5678") and is_phone_number("0411-84123456")
    assert not is_phone_number("12345") and not is_phone_number("84123456")


def test_spans_are_sorted_disjoint_and_carry_their_masks():
    text = f"我叫张伟，电话13812345678，身份证{make_id()}，住翠湖花园3栋2单元501室"
    spans = find_personal_data(text)
    assert [s.type for s in spans] == ["name", "mobile", "id_card", "address"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    assert spans[1].to_dict() == {"start": spans[1].start, "end": spans[1].end, "type": "mobile",
                                  "replacement": "138****5678", "rule": "mobile"}


def test_type_filter_and_unknown_type():
    text = "张先生电话13812345678"
    assert [s.type for s in find_personal_data(text, types=["mobile"])] == ["mobile"]
    with pytest.raises(ValueError, match="unknown personal-data type"):
        find_personal_data(text, types=["shoe_size"])
    assert set(PII_TYPES) >= {"id_card", "mobile", "name", "address"}


def test_each_masking_is_audited_without_the_value(caplog):
    with caplog.at_level("INFO", logger="hotline.audit.redact"):
        redact("电话13812345678", record_id="M-7")
    assert "record=M-7 type=mobile start=2 end=13" in caplog.text
    assert "13812345678" not in caplog.text


# --- the command ------------------------------------------------------------------------------------------


def test_redact_command_jsonl_round_trip_and_bad_lines(tmp_path):
    from cli import app

    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": 1, "text": "李女士电话13812345678"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": 3, "text": "没有个人信息"}, ensure_ascii=False),
        json.dumps({"id": 4}),
        json.dumps({"id": 5, "text": "我叫周子涵", "submitter": "周子涵"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["redact", "--jsonl", str(source), "-o", str(out)])
    assert result.exit_code == 1  # the batch finished, but bad lines are an error
    assert "line 2: not JSON" in result.output and "line 4: field 'text' is missing" in result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [1, 3, 5]
    assert records[0]["text_redacted"] == "李**电话138****5678"
    assert [s["type"] for s in records[0]["spans"]] == ["name", "mobile"]
    assert records[1] == {"id": 3, "text_redacted": "没有个人信息", "spans": []}
    assert records[2]["text_redacted"] == "我叫周**"


def test_redact_command_reads_stdin_and_writes_stdout():
    from cli import app

    line = json.dumps({"id": "a", "text": "电话13812345678"}, ensure_ascii=False)
    result = CliRunner().invoke(app, ["redact"], input=line + "\n")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert json.loads(first)["text_redacted"] == "电话138****5678"


# --- real-letter forms (issue 13): own fixtures, written for these tests -----------------------------------


@pytest.mark.parametrize("text, name", [
    ("上周同村村民刘大军把我家孩子打伤了", "刘大军"),  # a role word, no cue: 村民刘大军
    ("我弟弟赵石柱住的是土木房", "赵石柱"),  # kinship word before a rural given name
    ("经查，翟远帆，男，系挂车司机", "翟远帆"),  # a description after the name
    ("开发商负责人韩东林（138****0000）一直不接电话", "韩东林"),  # the name beside a phone number
])
def test_a_name_with_no_cue_word_is_masked(text, name):
    assert ("name", name) in found(text)


def test_a_signature_list_is_masked_name_by_name():
    names = ["王建国", "李秀英", "张志强", "陈小兵"]
    text = "以上情况属实。业主签名： " + " ".join(names) + " 2021年5月3日"
    assert [value for kind, value in found(text) if kind == "name"] == names


def test_a_name_is_masked_in_every_mention_across_the_letter():
    from analysis.privacy.redact import redact_letter

    letter = {
        "title": "投诉邻居赵四海占用楼道",
        "content": "邻居赵四海长期在楼道堆放杂物。我们找赵四海协商多次无果，他的电话13712345678也不接。",
        "reply": "经查，赵四海已于6月3日清理楼道。工作人员已电话（13712345678）告知处理结果。",
    }
    result = redact_letter(letter)
    # the name is found in the content (邻居 + name + 长期); the title and the reply mention it with no cue of
    # their own, and the mobile appears once in each of content and reply: every mention is masked
    for field, redaction in result.items():
        assert "赵四海" not in redaction.text and "13712345678" not in redaction.text, field
    assert result["title"].text == "投诉邻居赵**占用楼道"
    assert any(s.rule == "name.consistency" for s in result["reply"].spans)


def test_public_office_numbers_are_kept_and_a_citizens_own_number_is_not():
    assert found("如有疑问请拨打区城管局电话0411-84561234咨询") == []  # an organisation named before it
    assert found("客服热线4006123456") == []  # 400/800 service numbers
    assert found("可咨询经侦大队值班电话84561234") == []
    # an official reply signs with its office number; the same number written by a citizen is his own
    assert found("尊敬的网友：详情请致电84561234。", reply=True) == []
    assert found("我家座机0411-84561234，请回电") == [("landline", "0411-84561234")]
    assert residual_numbers("客服热线4006123456") == []


@pytest.mark.parametrize("text", [
    "根据《大连市户籍管理办法》（大政发〔2017〕5号）规定",  # a document number
    "执行辽住建[2016]87号文件",
    "房屋建筑面积36389㎡，户均面积157.5㎡",  # areas
    "楼盘共28层，其中1～4层为商业用房",  # floors
    "每户补助5000元，共计12.5万元",  # amounts
])
def test_document_numbers_areas_floors_and_amounts_are_not_addresses(text):
    assert [kind for kind, _value in found(text) if kind == "address"] == []


@pytest.mark.parametrize("text, part", [
    ("家住青山路18号16-08室，楼下", "18号16-08室"),  # a room number goes with the street number
    ("金州区光明街道和平路88-2号二单元305号，私自改窗", "88-2号二单元305号"),
    ("业主7-1501私自封闭连廊", "7-1501"),  # building 5, flat 2902
])
def test_a_room_number_is_masked_with_its_street(text, part):
    assert ("address", part) in found(text)
    assert part not in redact(text).text


@pytest.mark.parametrize("text", [
    "投诉人应依法通过诉讼途径解决",  # 应 follows a cue word but is no name
    "感谢李书记和王局长的关心",  # surname + title: an office holder
    "转交袁望舒主任处理",  # full name + title: in office
    "钟河市城市管理行政执法局",  # a place named like a person (钟 is a surname; a made-up city)
    "小区的安全、卫生、绿化都有改善",
])
def test_words_after_cues_titles_and_places_are_not_names(text):
    assert [value for kind, value in found(text) if kind == "name"] == []
