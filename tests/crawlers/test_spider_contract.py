"""Contract of every spider: a bad page (empty, truncated, without dates, in the wrong encoding) never crashes
the spider, never yields half an item, and is counted (a page problem or a rejected item)."""
from __future__ import annotations

import re

import pytest

from crawlers.items import REQUIRED_FIELDS, MessageItem, item_to_record
from crawlers.profiles import PACKAGED_DIR
from store.records import MessageRecord
from tests.crawlers.helpers import (
    FAMILIES,
    FIXTURES,
    contract,
    detail_response,
    fixture_bytes,
    list_response,
    make_spider,
)

_DATES = [
    re.compile(rb'"(createDateline|dateline|lastAnswerTime)":\s*\d+'),  # unix seconds in JSON
    re.compile(br"\d{4}[-/]\d{1,2}[-/]\d{1,2}(?: \d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(?: \d{1,2}:\d{2}:\d{2})?".encode()),
    re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(?: \d{1,2}:\d{2}:\d{2})?".encode("gbk")),
]


def without_dates(body: bytes) -> bytes:
    body = _DATES[0].sub(rb'"\1": null', body)
    for pattern in _DATES[1:]:
        body = pattern.sub(b"", body)
    return body


def wrong_encoding(family: str, body: bytes) -> bytes:
    """The page's text in the other common encoding, while the page still declares its own."""
    own = contract(family).get("page_encoding", "utf-8")
    return body.decode(own).encode("utf-8" if own == "gbk" else "gbk")


def bad_pages(family: str, name: str, detail: bool) -> dict[str, bytes]:
    body = fixture_bytes(family, name)
    pages = {"empty": b"", "truncated": body[: len(body) * 2 // 5], "wrong_encoding": wrong_encoding(family, body)}
    if detail:
        pages["no_dates"] = without_dates(body)
    return pages


def shapes(family: str) -> list[tuple[str, str, dict]]:
    """Every documented shape of the family (its contract.toml, after tests/fixtures/<family>/SOURCES.md): page,
    fixture, profile params."""
    return [(shape["page"], shape["file"], shape.get("params", {})) for shape in contract(family).get("shape", [])]


# the registry decides which families are tested; a family without its contract contributes no case here, and
# fails the next test
CASES = [(family, kind, page, name, params) for family in FAMILIES for page, name, params in shapes(family)
         if (FIXTURES / family / name).is_file() for kind in bad_pages(family, name, page == "detail")]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_has_its_contract_pages(family):
    """Each registered family: its contract.toml, a packaged profile, and every page it names saved."""
    own = contract(family)
    assert own, f"family {family!r} has no tests/fixtures/{family}/contract.toml (see docs/DEVELOPING.md)"
    missing_keys = sorted({"profile", "list", "detail", "unanswered", "id", "first_two", "shape"} - set(own))
    assert not missing_keys, f"tests/fixtures/{family}/contract.toml lacks {missing_keys}"
    assert (PACKAGED_DIR / f"{own['profile']}.toml").is_file(), f"no crawlers/profiles/{own['profile']}.toml"
    pages = {own["list"], own["detail"], own["unanswered"]} | {name for _, name, _ in shapes(family)}
    missing = sorted(name for name in pages if not (FIXTURES / family / name).is_file())
    assert not missing, f"family {family!r}: pages missing from tests/fixtures/{family}/: {missing}"
    assert {page for page, _, _ in shapes(family)} == {"list", "detail"}, "a family has list and detail shapes"


def _counted(spider) -> int:
    stats = spider.crawler.stats
    return (stats.get_value("hotline/problems", 0) or 0) + (stats.get_value("hotline/rejected", 0) or 0)


@pytest.mark.parametrize(("family", "kind", "page", "name", "params"), CASES,
                         ids=[f"{f}-{n}-{k}" for f, k, p, n, _ in CASES])
def test_bad_page_is_counted_never_half_stored(family, kind, page, name, params):
    spider = make_spider(family, **params)
    if page == "list":
        body = bad_pages(family, name, False)[kind]
        outputs = list(spider.on_list(list_response(spider, name, body=body)))
        assert not [o for o in outputs if isinstance(o, MessageItem)]
        if kind == "wrong_encoding" and _counted(spider) == 0:
            # a page that declares no charset is decoded by detection: then it must have been read right
            good = list(make_spider(family, **params).on_list(list_response(spider, name)))
            assert [o.url for o in outputs] == [o.url for o in good]
            return
        assert _counted(spider) >= 1, spider.crawler.stats.get_stats()
        return
    body = bad_pages(family, name, True)[kind]
    outputs = list(spider.on_detail(detail_response(spider, name, body=body, external_id="x1")))
    from crawlers.pipelines import record_reject
    from store.records import Reject

    for item in outputs:
        result = item_to_record(item, spider.date_formats)
        if isinstance(result, Reject):
            record_reject(spider.crawler, result)
        else:  # whatever passes is whole
            assert isinstance(result, MessageRecord)
            assert all(getattr(result, name) for name in REQUIRED_FIELDS)
            assert "\ufffd" not in (result.content or "") + (result.title or "")
    assert _counted(spider) >= 1, spider.crawler.stats.get_stats()


@pytest.mark.parametrize(("family", "name", "params"), [
    (family, name, params) for family in FAMILIES for page, name, params in shapes(family) if page == "list"
    and (FIXTURES / family / name).is_file()])
def test_every_list_shape_reads_whole(family, name, params):
    """The good page of each shape: every entry has an id and a detail request, no problem counted."""
    spider = make_spider(family, **params)
    outputs = list(spider.on_list(list_response(spider, name)))
    details = [o for o in outputs if o.meta.get("external_id")]
    assert details and all(o.meta["external_id"] for o in details)
    assert _counted(spider) == 0, spider.crawler.stats.get_value("hotline/problem_list")


def test_problem_names_page_and_reason():
    spider = make_spider("vsb")
    list(spider.on_detail(detail_response(spider, body=b"", external_id="9")))
    problems = spider.crawler.stats.get_value("hotline/problem_list")
    assert problems[0]["field"] == "empty_page"
    assert "leadermailid=9" in problems[0]["ref"]


def test_missing_date_is_rejected_with_the_field_named():
    spider = make_spider("hanweb")
    (item,) = spider.on_detail(detail_response(spider, body=without_dates(fixture_bytes("hanweb", "detail.html")),
                                               external_id="9"))
    reject = item_to_record(item)
    assert (reject.field, reject.reason) == ("submitted_at", "missing on the page")


def test_download_timeout_is_counted_as_a_timeout():
    from scrapy.http import Request
    from twisted.internet.error import TimeoutError as TwistedTimeout
    from twisted.python.failure import Failure

    from crawlers.spiders.base import TIMEOUTS

    error = TIMEOUTS[0] if TIMEOUTS else TwistedTimeout  # Scrapy 2.19's own exception, else Twisted's
    spider = make_spider("vsb")
    failure = Failure(error("Getting http://a.gov.cn/x took longer than 30 seconds."))
    failure.request = Request("http://a.gov.cn/x")
    spider.on_error(failure)
    assert spider.crawler.stats.get_value("hotline/problems/timeout") == 1
    assert spider.crawler.stats.get_value("hotline/problem_list")[0]["ref"] == "http://a.gov.cn/x"
