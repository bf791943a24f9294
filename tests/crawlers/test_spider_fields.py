"""Every field each spider parses from its family's saved detail page, with the clock frozen."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from store.records import MessageRecord
from tests.crawlers.helpers import FAMILIES, contract, detail_response, make_spider, parse_detail_record

NOW = datetime(2025, 3, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# The message written into every family's detail fixture (tests/fixtures/<spider>/detail.*)
ANSWERED = {
    "title": "学府路夜间施工噪音扰民",
    "content": "领导您好：\n学府路地铁站工地每晚11点后仍在施工，噪音很大。\n希望督促施工单位遵守作业时间。",
    "submitter": "东湖居民",
    "submitted_at": datetime(2025, 3, 6, 10, 20, 5),
    "kind": "投诉",
    "category": "环境保护",
    "unit": "江川市生态环境局",
    "status": "已办结",
    "reply_text": "您好！经核查，该工地已办理夜间施工许可。\n我局已要求其落实降噪措施，22时后停止高噪声作业。",
    "reply_unit": "江川市生态环境局东湖分局",
    "replied_at": datetime(2025, 3, 11, 16, 45, 0),
}
# per family (tests/fixtures/<family>/contract.toml): the message's id, whether the site shows votes, the URL
URLS = {family: contract(family)["detail_url"] for family in FAMILIES if "detail_url" in contract(family)}


def expected(family: str) -> dict:
    values = {**ANSWERED, "external_id": contract(family)["id"]}
    values["votes_up"], values["votes_down"] = (12, 1) if contract(family)["shows_votes"] else (None, None)
    return values


CASES = [(family, name) for family in FAMILIES if contract(family) for name in expected(family)]


@pytest.fixture(scope="module")
def records() -> dict[str, MessageRecord]:
    with time_machine.travel(NOW, tick=False):
        out = {}
        for family in (f for f in FAMILIES if contract(f)):  # the others fail the contract test
            spider = make_spider(family)
            out[family] = parse_detail_record(spider, detail_response(spider, external_id=contract(family)["id"]))
    return out


@pytest.mark.parametrize(("family", "field"), CASES, ids=[f"{f}-{n}" for f, n in CASES])
def test_detail_field(records, family, field):
    record = records[family]
    assert isinstance(record, MessageRecord), record
    assert getattr(record, field) == expected(family)[field]


@pytest.mark.parametrize("family", sorted(URLS))
def test_detail_url_is_the_page_a_person_opens(records, family):
    assert records[family].url == URLS[family]


@pytest.mark.parametrize("family", FAMILIES)
def test_unanswered_detail_has_no_reply(family):
    with time_machine.travel(NOW, tick=False):
        spider = make_spider(family)
        record = parse_detail_record(spider, detail_response(spider, contract(family)["unanswered"], external_id="x1"))
    assert isinstance(record, MessageRecord)
    assert record.title == "咨询新生儿医保办理流程"
    assert record.submitted_at == datetime(2025, 3, 5, 8, 1)
    assert record.status == "办理中"
    assert (record.reply_text, record.reply_unit, record.replied_at) == (None, None, None)


def test_relative_date_is_read_against_the_frozen_clock():
    with time_machine.travel(NOW, tick=False):
        spider = make_spider("generic")
        record = parse_detail_record(spider, detail_response(spider, "detail_relative.html", external_id="5529"))
    assert record.submitted_at == datetime(2025, 3, 12, 8, 1)


def test_gbk_page_reads_without_mojibake(records):
    record = records["case12345"]
    assert "\ufffd" not in record.content + record.title
    assert record.content.startswith("领导您好")


@pytest.mark.parametrize(("expression", "expected"), [
    # the guide's example (docs/profiles.md section 7) for a label not in the vocabulary: an XPath function call
    ("substring-after(//span[@class='lxr'], '：')", "张三"),
    ("normalize-space(//span[@class='lxr'])", "联系人：张三"),
    ("(//span[@class='lxr'])[1]/text()", "联系人：张三"),
    ("p > span.lxr::text", "联系人：张三"),  # CSS
    ("div.fy a:contains('下一页')::attr(href)", "index_2.shtml"),  # CSS with :contains, as section 7 says
])
def test_generic_selector_is_xpath_or_css_by_its_start(expression, expected):
    from parsel import Selector

    from crawlers.spiders.generic import first

    page = Selector(text='<p><span class="lxr">联系人：张三</span></p>'
                         '<div class="fy"><a href="index.shtml">首页</a><a href="index_2.shtml">下一页</a></div>')
    assert first(page, expression) == expected
