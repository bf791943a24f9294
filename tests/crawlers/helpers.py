"""Spiders on saved pages: a real Scrapy crawler (stats, settings) and real Response objects, no network."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.http.response.json import JsonResponse
from scrapy.utils.test import get_crawler

from crawlers.items import item_to_record
from crawlers.profiles import PACKAGED_DIR, load_profile, load_profiles
from crawlers.spiders import families, spider_for
from crawlers.spiders.base import MessageSpider
from store.records import MessageRecord

FIXTURES = Path(__file__).parent.parent / "fixtures"
ORIGIN = "http://www.jiangchuan.gov.cn"
# Every registered spider family (crawlers.spiders.families()): a new family is in every test below at once, and
# fails test_spider_contract.test_every_family_has_its_contract_pages until its pages are saved here.
FAMILIES = tuple(families())
# spider family -> the packaged (demo) profile describing a site of that family
PROFILES = {p.family: p.name for p in sorted(load_profiles([PACKAGED_DIR]).values(), key=lambda p: p.name, reverse=True)}
# the pages of tests/fixtures/<family>/ the tests read by default
LIST_FIXTURE = {"rmw": "list.json", "hanweb": "list.xml", "vsb": "list.html", "trs": "list.html",
                "case12345": "list.html", "generic": "list.html"}
DETAIL_FIXTURE = {"rmw": "detail.json", "hanweb": "detail.html", "vsb": "detail.html", "trs": "detail.html",
                  "case12345": "detail.html", "generic": "detail.html"}
CONTENT_TYPES = {".json": "application/json;charset=UTF-8", ".xml": "text/xml;charset=UTF-8",
                 ".html": "text/html", ".js": "application/javascript;charset=UTF-8"}


def make_spider(family: str, **params: Any) -> MessageSpider:
    profile = load_profile(PACKAGED_DIR / f"{PROFILES[family]}.toml").with_origin(ORIGIN)
    if params:
        from dataclasses import replace

        profile = replace(profile, params={**profile.params, **params})
    cls = spider_for(profile)
    crawler = get_crawler(cls, {"HOTLINE_MAX_PAGES": 50})
    crawler.spider = spider = cls.from_crawler(crawler, profile=profile)
    crawler.stats.open_spider()
    return spider


def fixture_bytes(family: str, name: str) -> bytes:
    return (FIXTURES / family / name).read_bytes()


def response_for(request: Request | str, body: bytes, name: str, content_type: str | None = None,
                 meta: dict[str, Any] | None = None) -> TextResponse:
    """A Response as Scrapy's downloader builds it, for ``body`` answered to ``request``."""
    request = request if isinstance(request, Request) else Request(request)
    if meta:
        request = request.replace(meta={**request.meta, **meta})
    suffix = Path(name).suffix
    cls = {".json": JsonResponse, ".xml": XmlResponse, ".js": TextResponse}.get(suffix, HtmlResponse)
    headers = {"Content-Type": content_type or CONTENT_TYPES[suffix]}
    return cls(url=request.url, body=body, headers=headers, request=request)


def list_response(spider: MessageSpider, name: str | None = None, body: bytes | None = None,
                  page: int = 1) -> TextResponse:
    name = name or LIST_FIXTURE[spider.family]
    request = spider.list_request(page)
    body = fixture_bytes(spider.family, name) if body is None else body
    return response_for(request, body, name, meta={"page": page, "list_page": page})


def detail_response(spider: MessageSpider, name: str | None = None, body: bytes | None = None,
                    external_id: str = "1") -> TextResponse:
    name = name or DETAIL_FIXTURE[spider.family]
    body = fixture_bytes(spider.family, name) if body is None else body
    return response_for(spider.detail_request(external_id, None), body, name, meta={"external_id": external_id})


def parse_detail_record(spider: MessageSpider, response: TextResponse) -> MessageRecord | Any:
    """The spider's callback on a detail page, then the pipeline's normalisation of what it yields."""
    outputs = list(spider.on_detail(response))
    assert len(outputs) <= 1
    if not outputs:
        return None
    return item_to_record(outputs[0], spider.date_formats)
