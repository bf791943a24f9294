"""List pages: entries, what the list says about replies, the next page, and the incremental stop."""
from __future__ import annotations

from datetime import datetime

import pytest

from crawlers.state import KnownMessage
from tests.crawlers.helpers import FAMILIES, contract, fixture_bytes, list_response, make_spider, response_for

# per family (tests/fixtures/<family>/contract.toml): the next list page the default list links, where it does
NEXT_PAGE = {family: contract(family)["next_page"] for family in FAMILIES if "next_page" in contract(family)}


@pytest.mark.parametrize("family", FAMILIES)
def test_list_entries_and_reply_state(family):
    spider = make_spider(family)
    page = spider.parse_list(list_response(spider))
    assert tuple(e.external_id for e in page.entries[:2]) == tuple(contract(family)["first_two"])
    assert [e.replied for e in page.entries[:2]] == [True, False]


@pytest.mark.parametrize("family", sorted(NEXT_PAGE))
def test_next_list_page(family):
    spider = make_spider(family)
    assert spider.parse_list(list_response(spider)).next_request.url == NEXT_PAGE[family]


def test_rmw_next_page_asks_after_the_last_tid():
    import json

    spider = make_spider("rmw")
    page = spider.parse_list(list_response(spider))
    param = json.loads(json.loads(page.next_request.body)["param"])
    assert param["lastItem"] == page.entries[-1].external_id == "19521993"
    assert spider.parse_list(list_response(spider, "list_last.json")).next_request is None


def test_vsb_last_page_has_no_next():
    spider = make_spider("vsb")
    assert spider.parse_list(list_response(spider, "list_last.html")).next_request is None


def test_hanweb_json_variant():
    spider = make_spider("hanweb", list_format="json")
    response = response_for(spider.list_request(1), fixture_bytes("hanweb", "list.json"), "list.json")
    page = spider.parse_list(response)
    assert [(e.external_id, e.replied) for e in page.entries] == [("ZX2025030600017", True),
                                                                 ("ZX2025030500009", False)]
    assert "mailid=ZX2025030600017" in spider.entry_request(page.entries[0]).url
    assert "startrecord=21" in page.next_request.url


def _known(external_id: str, answered: bool) -> KnownMessage:
    return KnownMessage(external_id, None, answered, datetime(2025, 3, 1))


@pytest.mark.parametrize("family", FAMILIES)
def test_paging_stops_on_a_page_of_known_unchanged_entries(family):
    spider = make_spider(family)
    page = spider.parse_list(list_response(spider))
    # the list shows the first entry answered, the second not: both known as such
    spider.known = {e.external_id: _known(e.external_id, bool(e.replied)) for e in page.entries}
    spider.revisiting = {e.external_id for e in page.entries if not e.replied}
    assert list(spider.on_list(list_response(spider))) == []
    stats = spider.crawler.stats
    assert stats.get_value("hotline/stopped_at_page") == 1
    assert stats.get_value("hotline/list_known") == len(page.entries) - len(spider.revisiting)


@pytest.mark.parametrize("family", FAMILIES)
def test_reply_shown_on_the_list_is_fetched_and_paging_goes_on(family):
    spider = make_spider(family)
    page = spider.parse_list(list_response(spider))
    spider.known = {e.external_id: _known(e.external_id, False) for e in page.entries}  # none answered yet
    out = list(spider.on_list(list_response(spider)))
    details = [r for r in out if r.callback == spider.on_detail]
    assert [r.meta["external_id"] for r in details] == [page.entries[0].external_id]
    assert any(r.callback == spider.on_list for r in out) == (page.next_request is not None)


@pytest.mark.parametrize("family", FAMILIES)
def test_new_entries_are_fetched(family):
    spider = make_spider(family)
    out = list(spider.on_list(list_response(spider)))
    details = [r for r in out if r.callback == spider.on_detail]
    assert [r.meta["external_id"] for r in details[:2]] == contract(family)["first_two"]
