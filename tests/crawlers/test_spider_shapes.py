"""Every family spider on every page shape its tests/fixtures/<family>/SOURCES.md documents (our own text in
the real sites' layouts). Expected values are read off the fixture files by eye."""
from __future__ import annotations

from datetime import datetime

import pytest

from crawlers.spiders.base import ListPage
from tests.crawlers.helpers import detail_response, list_response, make_spider, parse_detail_record


def _ids(page: ListPage) -> list[str | None]:
    return [e.external_id for e in page.entries]


# ---------------------------------------------------------------- 人民网 queryThreadsList
def test_rmw_query_list_carries_whole_threads_and_pages_by_last_tid():
    spider = make_spider("rmw", list_api="query")
    request = spider.list_request(1)
    assert request.method == "POST" and request.url.endswith("/rmw/threads/queryThreadsList")
    assert b"fid=539" in request.body and b"lastItem=0" in request.body
    page = spider.parse_list(list_response(spider, "query_list.json"))
    assert _ids(page) == ["31870021", "31869988"]
    assert [e.replied for e in page.entries] == [True, False]  # answerContent "" on the second
    first = page.entries[0].fields
    assert first["reply_unit"] == "江川市交通运输局" and first["kind"] == "投诉" and first["submitted_at"] == 1741225800
    assert page.entries[0].url.endswith("/rmw/threads/content?tid=31870021")
    assert b"lastItem=31869988" in page.next_request.body  # the cursor is the last tid seen


def test_rmw_query_empty_answer_is_the_end_of_the_list():
    spider = make_spider("rmw", list_api="query")
    page = spider.parse_list(list_response(spider, "query_list_empty.json"))
    assert page.entries == [] and page.next_request is None


def test_rmw_v1_profile_still_reads_a_query_answer():
    # a board that moved APIs: the answer is recognised by its form, not by the profile
    spider = make_spider("rmw")
    assert _ids(spider.parse_list(list_response(spider, "query_list.json"))) == ["31870021", "31869988"]


def test_rmw_html_detail_merged_with_the_list_row():
    spider = make_spider("rmw", list_api="query")
    entry = spider.parse_list(list_response(spider, "query_list.json")).entries[0]
    request = spider.entry_request(entry)
    assert request.method == "GET"
    from tests.crawlers.helpers import fixture_bytes, response_for

    response = response_for(request, fixture_bytes("rmw", "query_detail.html"), "query_detail.html")
    (item,) = spider.on_detail(response)
    from crawlers.items import item_to_record

    record = item_to_record(item)
    assert record.external_id == "31870021" and record.title == "青松路公交站台顶棚破损漏雨"
    assert record.content.startswith("青松路北口公交站台顶棚破了一个大洞，\n下雨天")
    assert record.submitted_at == datetime(2025, 3, 6, 9, 50)  # the page's own date wins over the list's
    assert (record.status, record.kind, record.category, record.unit) == ("已办理", "投诉", "交通", "江川市委书记")
    assert record.reply_unit == "江川市交通运输局" and record.replied_at == datetime(2025, 3, 9, 10, 0)
    assert record.reply_text.startswith("您好，站台顶棚已列入本周维修计划")
    assert record.votes_up == 4  # only on the list row


# ---------------------------------------------------------------- Hanweb jact
@pytest.mark.parametrize("name", ["list.js", "list_page.html"])
def test_hanweb_javascript_datastore(name):
    spider = make_spider("hanweb", perpage=2)
    page = spider.parse_list(list_response(spider, name))
    assert _ids(page) == ["M20250306A1", "M20250305B7"]
    assert [e.replied for e in page.entries] == [True, False]
    assert page.next_request is None  # totalRecord 2 = one page of 2


def test_hanweb_real_empty_answer_is_an_empty_list_not_a_truncated_page():
    spider = make_spider("hanweb")
    response = list_response(spider, "list_empty.js")
    assert spider.parse_list(response).entries == []
    list(spider.on_list(response))
    stats = spider.crawler.stats
    assert stats.get_value("hotline/problems/truncated") is None
    assert stats.get_value("hotline/problems/list_empty") == 1  # page 1 of a board without letters: said once


def test_hanweb_list_field_from_a_record_cell():
    spider = make_spider("hanweb", list_fields={"status": "state"})
    page = spider.parse_list(list_response(spider, "list.js"))
    assert [e.fields for e in page.entries] == [{"status": "已回复"}, {"status": "办理中"}]


def test_hanweb_detail_values_in_spans():
    spider = make_spider("hanweb")
    record = parse_detail_record(spider, detail_response(spider, "detail_span.html", external_id="M20250306A1"))
    assert record.external_id == "M20250306A1" and record.title == "河滨公园夜间照明不足"
    assert record.submitted_at == datetime(2025, 3, 6, 19, 12, 40) and record.submitter == "晚练市民"
    assert record.kind == "建议" and record.content.startswith("河滨公园南段步道晚上七点以后几乎没有路灯，\n")
    assert (record.reply_unit, record.replied_at) == ("江川市城市管理局", datetime(2025, 3, 10, 15, 30))
    assert record.reply_text.startswith("您好！我局已安排在南段步道加装12盏庭院灯")


# ---------------------------------------------------------------- 博达 VSB
def test_vsb_formname_paging_follows_a_next():
    spider = make_spider("vsb", list_url="ldxxlb.jsp?formname1333at=54&formname1333ap={page}&formname1333ac=15"
                                         "&urltype=tree.TreeTempUrl&wbtreeid=1112")
    assert "formname1333ap=1&" in spider.list_request(1).url
    page = spider.parse_list(list_response(spider, "list_formname.html"))
    assert _ids(page) == ["88213", "88190"]
    assert [e.replied for e in page.entries] == [True, False]  # 未回复 is not 已回复
    assert "formname1333ap=2&" in page.next_request.url and "/vsb/ldxxlb.jsp?" in page.next_request.url
    last = spider.parse_list(list_response(spider, "list_formname_last.html", page=2))
    assert _ids(last) == ["87002"] and last.next_request is None  # a span.Next without a link ends the list


def test_vsb_list_fields_by_column_label():
    spider = make_spider("vsb", list_fields={"status": "状态", "title": "来信主题"})
    page = spider.parse_list(list_response(spider, "list_formname.html"))
    assert page.entries[1].fields == {"status": "未回复", "title": "询问公租房申请条件"}


def test_vsb_titlestyle_detail_with_shangluo_labels():
    spider = make_spider("vsb")
    record = parse_detail_record(spider, detail_response(spider, "detail_titlestyle.html", external_id="88213"))
    assert record.external_id == "LD2025030612" and record.title == "东关街排水沟堵塞"  # 来信主题
    assert record.submitted_at == datetime(2025, 3, 6) and record.replied_at == datetime(2025, 3, 9)
    assert record.reply_unit == "东关街道办事处、市住建局"  # 回复人
    assert record.content == "东关街菜市场后面的排水沟被垃圾堵住，\n一下雨污水就漫到路面上。"
    assert record.reply_text.startswith("已责成街道组织清掏")


# ---------------------------------------------------------------- 12345 办件公开
def test_case12345_workorder_list_with_td_header():
    spider = make_spider("case12345", list_fields={"kind": "诉求类型", "status": "办理状态"})
    page = spider.parse_list(list_response(spider, "list_workorder.html"))
    assert _ids(page) == ["GD250306-0042", "GD250305-0117"]
    assert [e.replied for e in page.entries] == [True, False]  # 正在办理中 is not closed
    assert page.entries[1].fields == {"kind": "投诉", "status": "正在办理中"}
    assert page.next_request.url.endswith("list.html?page=2")


def test_case12345_dl_detail():
    spider = make_spider("case12345")
    record = parse_detail_record(spider, detail_response(spider, "detail_dl.html", external_id="GD250306-0042"))
    assert record.external_id == "GD250306-0042" and record.title == "幼儿园门口接送时段交通拥堵"
    assert record.kind == "求助" and record.submitted_at == datetime(2025, 3, 6, 8, 12, 31)
    assert record.unit == "江川市公安局交通警察支队" and record.status == "已办结"
    assert record.reply_text == "已在上下学高峰安排警力值守，并施划临时停车泊位。"
    assert record.replied_at == datetime(2025, 3, 10, 17, 5)


def test_case12345_placeholder_is_no_reply():
    spider = make_spider("case12345")
    record = parse_detail_record(spider, detail_response(spider, "detail_dl_pending.html",
                                                         external_id="GD250305-0117"))
    assert record.reply_text is None  # 正在办理中 says that no reply exists yet
    assert record.status == "正在办理中"  # kept as the state the page shows
    assert spider.crawler.stats.get_value("hotline/reply_placeholders") == 1


def test_profile_placeholder_extends_the_vocabulary():
    spider = make_spider("case12345", reply_placeholders=["转交承办单位处理"])
    body = detail_response(spider, "detail_dl_pending.html").body.replace(
        "正在办理中".encode("gbk"), "转交承办单位处理。".encode("gbk"))
    record = parse_detail_record(spider, detail_response(spider, body=body, name="detail_dl_pending.html"))
    assert record.reply_text is None and record.status == "转交承办单位处理。"


def test_case12345_other_layout_names_the_generic_family():
    spider = make_spider("case12345")
    list(spider.on_detail(detail_response(spider, body=b"<html><body><div class='x'><p>a</p></div></body></html>")))
    (problem,) = spider.crawler.stats.get_value("hotline/problem_list")
    assert problem["field"] == "no_detail_table" and 'family = "generic"' in problem["reason"]


def test_value_printed_after_its_own_label_is_stored_without_it():
    from crawlers.spiders.labels import without_own_label

    assert without_own_label("submitter", "留言人：晚练市民") == "晚练市民"
    assert without_own_label("reply_unit", "反馈单位: 县住建局") == "县住建局"
    assert without_own_label("submitter", "东关街：老王") == "东关街：老王"  # not a submitter label: kept
    assert without_own_label("title", "留言人：晚练市民") == "留言人：晚练市民"  # another field's label: kept
    assert without_own_label("content", "来信内容：正文") == "来信内容：正文"  # multi-line text left as written
