import csv
from datetime import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crawlers.importer import ImportRefused, import_file
from crawlers.importer.columns import ColumnMap, field_for_header
from store.models import CrawlRun, Message

HEADERS_12345 = ["受理编号", "标题", "诉求内容", "受理时间", "办理单位", "办理状态", "办理结果", "办结时间", "诉求类型", "备注"]
ROWS_12345 = [
    ["JC-001", "滨江路路灯不亮", "滨江路东段路灯两周不亮。", "2025/3/3 9:32:09", "市城市管理局", "已办结",
     "经核查，已修复。", "2025-03-05 16:00:00", "投诉", "夜间"],
    ["JC-002", "咨询公积金提取", "租房提取公积金需要什么材料？", "2025年3月4日 10时05分", "市住房公积金中心", "已办结",
     "请携带身份证和租房合同办理。", "2025年3月5日", "咨询", ""],
    ["JC-003", "", "", "2025-03-04", "市教育局", "办理中", "", "", "求助", ""],
    ["JC-004", "翠湖花园夜间施工", "每晚施工到凌晨。", "上周三", "市生态环境局", "办理中", "", "", "投诉", ""],
    ["JC-005", "18路公交停运", "18路公交为何停运？&nbsp;请<br>答复", "2025-1-27 8:00:00", "市交通运输局", "办理中",
     "", "", "咨询", ""],
]


def _write_csv(path, headers, rows, encoding):
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding_imports_with_bad_rows_rejected(session, tmp_path, encoding):
    path = _write_csv(tmp_path / "jc12345.csv", HEADERS_12345, ROWS_12345, encoding)
    report = import_file(session, path, rejects_dir=tmp_path / "rejects")
    result = report.result
    assert (result.inserted, result.rejected) == (3, 2)
    assert report.channel == "hotline"
    assert [str(r) for r in result.rejects] == [
        "jc12345.csv row 4: content: no message text (title and content are both empty)",
        "jc12345.csv row 5: 受理时间: unrecognised date format: '上周三'",
    ]
    assert report.rejects_file.read_text(encoding="utf-8-sig").count("\n") == 3
    first = session.scalar(select(Message).where(Message.external_id == "JC-001"))
    assert first.title == "滨江路路灯不亮"
    assert first.submitted_at == datetime(2025, 3, 3, 9, 32, 9)
    assert first.replied_at == datetime(2025, 3, 5, 16, 0)
    assert (first.unit, first.reply_unit, first.status, first.kind) == ("市城市管理局", "市城市管理局", "已办结", "投诉")
    assert first.extra == {"备注": "夜间"}
    second = session.scalar(select(Message).where(Message.external_id == "JC-002"))
    assert second.submitted_at == datetime(2025, 3, 4, 10, 5)
    fifth = session.scalar(select(Message).where(Message.external_id == "JC-005"))
    assert fifth.content == "18路公交为何停运？ 请\n答复"
    assert fifth.reply_text is None and fifth.reply_unit is None


def test_second_import_changes_nothing_and_changed_reply_is_a_revision(session, tmp_path):
    path = _write_csv(tmp_path / "jc12345.csv", HEADERS_12345, ROWS_12345, "utf-8")
    import_file(session, path)
    again = import_file(session, path).result
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    rows = [list(r) for r in ROWS_12345]
    rows[4][6], rows[4][7], rows[4][5] = "18路已恢复运营。", "2025-02-06 10:00", "已办结"
    _write_csv(path, HEADERS_12345, rows, "utf-8")
    changed = import_file(session, path).result
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 2)
    message = session.scalar(select(Message).where(Message.external_id == "JC-005"))
    assert {r.field for r in message.revisions} == {"reply_text", "replied_at", "status", "reply_unit"}


def test_dry_run_stores_nothing(session, tmp_path):
    path = _write_csv(tmp_path / "x.csv", HEADERS_12345, ROWS_12345, "utf-8")
    report = import_file(session, path, dry_run=True)
    assert report.result.inserted == 3
    assert session.scalar(select(func.count(Message.id))) == 0
    assert session.scalar(select(func.count(CrawlRun.id))) == 0


def test_xlsx_with_votes_combined_column_and_excel_dates(session, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数", "留言主题+留言详情"])
    sheet.append([101.0, "U0001", "学区划分不合理", datetime(2025, 9, 1, 8, 0), "第三实验小学拒收。", 12, 1, None])
    sheet.append([None, None, None, None, None, None, None, "金桂园电梯坏了金桂园3栋电梯坏了一周。"])
    path = tmp_path / "board.xlsx"
    workbook.save(path)
    result = import_file(session, path, channel="feedback", source="jc-board").result
    assert (result.inserted, result.rejected) == (2, 0)
    first = session.scalar(select(Message).where(Message.external_id == "101"))
    assert (first.votes_up, first.votes_down, first.submitter) == (12, 1, "U0001")
    combined = session.scalar(select(Message).where(Message.external_id.is_(None)))
    assert combined.title is None and combined.content.startswith("金桂园电梯坏了")
    assert combined.submitted_at is None


def test_taxonomy_is_refused_with_a_clear_message(session, tmp_path):
    workbook = Workbook()
    workbook.active.append(["一级分类", "二级分类", "三级分类"])
    workbook.active.append(["城乡建设", "住房保障", "公租房"])
    path = tmp_path / "taxonomy.xlsx"
    workbook.save(path)
    with pytest.raises(ImportRefused, match="category taxonomy"):
        import_file(session, path)


def test_file_without_text_column_is_refused(session, tmp_path):
    path = _write_csv(tmp_path / "odd.csv", ["a", "b"], [["1", "2"]], "utf-8")
    with pytest.raises(ImportRefused, match="no column holds message text"):
        import_file(session, path)


@pytest.mark.parametrize("header, field", [
    ("留言时间", "submitted_at"), ("来信日期", "submitted_at"), ("反映时间", "submitted_at"),
    ("提交时间", "submitted_at"), ("回复时间", "replied_at"), ("答复时间", "replied_at"),
    ("反馈时间", "replied_at"), ("处理时间", "replied_at"), ("承办单位", "unit"), ("受理单位", "unit"),
    ("责任部门", "unit"), ("答复意见", "reply_text"), ("处理结果", "reply_text"), ("办理结果", "reply_text"),
    ("处理情况", "reply_text"), ("流水号", "external_id"), ("办件编号", "external_id"), ("信件标题", "title"),
    ("反映标题", "title"), ("信件内容", "content"), ("诉求内容", "content"), ("一级分类", "category"),
    ("问题分类", "category"), ("来信类型", "kind"), ("诉求类型", "kind"), ("来信人", "submitter"),
    ("点赞数", "votes_up"), ("反对数", "votes_down"), ("办理状态", "status"), ("留言主题+留言详情", "combined_text"),
    (" 留言 时间 ", "submitted_at"), ("reply_agency", "unit"), ("随便一列", None),
])
def test_header_variants(header, field):
    assert field_for_header(header) == field


def test_unmapped_and_duplicate_columns_go_to_extra():
    mapping = ColumnMap.from_headers(["标题", "内容", "反映时间", "受理时间", "网格员"])
    assert mapping.fields["submitted_at"] == 2
    assert set(mapping.extra) == {"受理时间", "网格员"}


def test_region_puts_the_source_in_a_region_and_omitting_it_keeps_it(session, tmp_path):
    from store.models import Source

    path = _write_csv(tmp_path / "jc12345.csv", HEADERS_12345, ROWS_12345, "utf-8")
    import_file(session, path, region="江川区")
    source = session.scalar(select(Source).where(Source.name == "jc12345"))
    assert source.region == "江川区"
    import_file(session, path)  # a later import without --region leaves the source where it is
    assert source.region == "江川区"
    import_file(session, path, region="")  # "" puts it back in the default region
    assert source.region is None
