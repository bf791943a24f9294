"""Spiders on saved pages: a real Scrapy crawler (stats, settings) and real Response objects, no network."""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.http.response.json import JsonResponse
from scrapy.utils.test import get_crawler

from crawlers.items import item_to_record
from crawlers.profiles import PACKAGED_DIR, load_profile
from crawlers.spiders import families, spider_for
from crawlers.spiders.base import MessageSpider
from store.records import MessageRecord

FIXTURES = Path(__file__).parent.parent / "fixtures"
ORIGIN = "http://www.jiangchuan.gov.cn"
# Every registered spider family (crawlers.spiders.families()): a new family is in every test of tests/crawlers at
# once; what the tests read of its saved pages is its tests/fixtures/<family>/contract.toml, and without that file
# test_spider_contract.test_every_family_has_its_contract_pages fails.
FAMILIES = tuple(families())


@cache
def contract(family: str) -> dict[str, Any]:
    """tests/fixtures/<family>/contract.toml: the profile, default pages, expected ids and shapes ({} when absent)."""
    path = FIXTURES / family / "contract.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


CONTENT_TYPES = {".json": "application/json;charset=UTF-8", ".xml": "text/xml;charset=UTF-8",
                 ".html": "text/html", ".js": "application/javascript;charset=UTF-8"}


def make_spider(family: str, **params: Any) -> MessageSpider:
    profile = load_profile(PACKAGED_DIR / f"{contract(family)['profile']}.toml").with_origin(ORIGIN)
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
    name = name or contract(spider.family)["list"]
    request = spider.list_request(page)
    body = fixture_bytes(spider.family, name) if body is None else body
    return response_for(request, body, name, meta={"page": page, "list_page": page})


def detail_response(spider: MessageSpider, name: str | None = None, body: bytes | None = None,
                    external_id: str = "1") -> TextResponse:
    name = name or contract(spider.family)["detail"]
    body = fixture_bytes(spider.family, name) if body is None else body
    return response_for(spider.detail_request(external_id, None), body, name, meta={"external_id": external_id})


def parse_detail_record(spider: MessageSpider, response: TextResponse) -> MessageRecord | Any:
    """The spider's callback on a detail page, then the pipeline's normalisation of what it yields."""
    outputs = list(spider.on_detail(response))
    assert len(outputs) <= 1
    if not outputs:
        return None
    return item_to_record(outputs[0], spider.date_formats)
