"""`crawl --check PROFILE`: fetch one list page and one detail page the way the profile's spider would, and say
what each field came out as, or why it is empty — before a real crawl stores anything.

Pages are fetched with the crawl's User-Agent and timeout, one request each (robots.txt is not consulted: this
is an operator looking at two pages). Nothing is written to the database.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from crawlers.profiles import Profile

SHOWN = 70  # characters of a value printed


@dataclass
class FieldCheck:
    name: str
    value: Any = None  # as stored (normalised)
    problem: str | None = None  # why it is empty or refused


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # why the check fails (required field empty, page unread)

    def say(self, line: str = "") -> None:
        self.lines.append(line)

    @property
    def ok(self) -> bool:
        return not self.failed


def fetch(request: Any, user_agent: str, timeout: float) -> tuple[int, Message, bytes]:
    """The response to a Scrapy Request over plain HTTP: (status, headers, body). The headers are looked up
    case-insensitively, as HTTP names are (a server may send ``Content-type``)."""
    headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in request.headers.items()}
    headers["User-Agent"] = user_agent
    headers.pop("Accept-Encoding", None)
    raw = urllib.request.Request(request.url, data=request.body or None, headers=headers, method=request.method)
    try:
        with urllib.request.urlopen(raw, timeout=timeout) as answer:  # noqa: S310 (profile URLs are http/https)
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def _response(request: Any, status: int, headers: Message, body: bytes) -> Any:
    from scrapy.http import Headers
    from scrapy.responsetypes import responsetypes

    scrapy_headers = Headers({k: v for k, v in headers.items() if k.lower() != "content-encoding"})
    cls = responsetypes.from_args(headers=scrapy_headers, url=request.url, body=body)
    return cls(url=request.url, status=status, headers=scrapy_headers, body=body, request=request)


def _short(value: Any) -> str:
    text = str(value).replace("\n", " ⏎ ")
    return text if len(text) <= SHOWN else text[:SHOWN] + f"… ({len(text)} characters)"


def _spider(profile: Profile) -> Any:
    from scrapy.utils.test import get_crawler

    from crawlers.scrapy_settings import scrapy_settings
    from crawlers.spiders import spider_for

    cls = spider_for(profile)
    crawler = get_crawler(cls, scrapy_settings([profile]))
    crawler.spider = spider = cls.from_crawler(crawler, profile=profile)
    crawler.stats.open_spider()
    return spider


def _why_empty(spider: Any, name: str) -> str:
    params = spider.profile.params
    if spider.family == "generic":
        expression = (params.get("fields") or {}).get(name)
        if expression is None:
            return "no selector for it in [params.fields]"
        return f"selector {expression!r} matched nothing on the page"
    listed = (params.get("list_fields") or {}).get(name)
    if listed:
        return f"not on the detail page, and list column {listed!r} was empty or absent"
    return "not on the page (no label of crawlers/data/labels.toml for it there)"


def _fetch_page(spider: Any, request: Any, what: str, report: CheckReport) -> Any | None:
    settings = spider.crawler.settings
    report.say(f"{what}: {request.method} {request.url}")
    retry_codes = set(settings.getlist("RETRY_HTTP_CODES"))
    for attempt in range(1 + settings.getint("RETRY_TIMES")):  # retried as the crawl would
        try:
            status, headers, body = fetch(request, settings.get("USER_AGENT"), settings.getfloat("DOWNLOAD_TIMEOUT"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            report.failed.append(f"{what} not fetched: {exc}")
            report.say(f"  not fetched: {exc}")
            return None
        if status not in retry_codes:
            break
        report.say(f"  HTTP {status}, retrying ({attempt + 1})")
        time.sleep(min(2.0 ** attempt, 5.0))
    report.say(f"  HTTP {status}, {len(body)} bytes, {headers.get('Content-Type', 'no Content-Type')}")
    if status >= 400:
        report.failed.append(f"{what} answered HTTP {status}")
        return None
    return _response(request, status, headers, body)


def _read(spider: Any, parse: Any, response: Any, end: bytes | None, what: str, report: CheckReport) -> Any:
    """``parse`` of the checked page, or None with the reason reported, as a crawl would count it (the problem's
    name in brackets, as in docs/profiles.md section 14)."""
    from crawlers.spiders.base import PageProblem, check_page

    try:
        return parse(check_page(response, spider.profile.encoding, spider._end(end)))
    except (PageProblem, ValueError, KeyError, TypeError, IndexError) as exc:
        kind = exc.kind if isinstance(exc, PageProblem) else f"{what.split()[0]}_unreadable"
        reason = exc.reason if isinstance(exc, PageProblem) else f"{type(exc).__name__}: {exc}"
        report.failed.append(f"{what} unreadable ({kind}): {reason}")
        report.say(f"  {what} unreadable ({kind}): {reason}")
        return None


def _check_list(spider: Any, report: CheckReport) -> Any:
    """List page 1: its entries, answered states, next page and list fields; the page (or None)."""
    first = spider.list_request(1)
    if first is None:
        report.failed.append("the profile gives no first list page")
        return None
    first.meta.update(page=1, list_page=1)
    response = _fetch_page(spider, first, "list page 1", report)
    page = response and _read(spider, spider.parse_list, response, spider.list_end, "list page", report)
    if not page:
        return None
    report.say(f"  {len(page.entries)} entries; first ids: " + ", ".join(str(e.external_id) for e in page.entries[:5]))
    answered = [e.replied for e in page.entries if e.replied is not None]
    report.say(f"  answered according to the list: {sum(answered)} of {len(answered)}"
               if answered else "  the list does not show which entries are answered")
    report.say(f"  next page: {page.next_request.url if page.next_request else 'none (last page)'}")
    if not page.entries:
        report.failed.append("the list page has no entries (check the entry/link settings)")
        return None
    entry = page.entries[0]
    for name, value in (entry.fields or {}).items():
        report.say(f"  list field {name}: {_short(value)}")
    for name in spider.list_fields:
        if name not in (entry.fields or {}):
            report.say(f"  list field {name}: EMPTY (column/selector {spider.list_fields[name]!r} not found in the "
                       "first entry)")
    return page


def _from_list(spider: Any, name: str, on_detail: dict[str, Any], entry: Any) -> bool:
    """Whether a crawl takes field ``name`` from the message's list entry rather than its detail page."""
    if on_detail.get(name) not in (None, ""):
        return False
    return name == "external_id" or name in spider.list_fields or name in ((entry and entry.fields) or {})


def _check_fields(spider: Any, item: Any, on_detail: dict[str, Any], entry: Any, report: CheckReport) -> None:
    """Each message field of ``item`` as it would be stored, or why it is empty or refused. ``on_detail``: the
    fields as read from the detail page; ``entry``: the message's list entry, None when the page given with
    --url is not on list page 1."""
    from crawlers.items import MESSAGE_FIELDS, item_to_record
    from crawlers.parsing import clean_inline
    from crawlers.spiders.labels import is_placeholder
    from store.records import REQUIRED_FIELDS, Reject

    record = item_to_record(item, spider.date_formats)
    refused = record if isinstance(record, Reject) else None
    placeholder = on_detail.get("reply_text") if "reply_text" not in item else None
    for name in MESSAGE_FIELDS[2:]:
        raw = item.get(name)
        required = name in REQUIRED_FIELDS
        listed = _from_list(spider, name, on_detail, entry)
        if name == "reply_text" and placeholder and is_placeholder(placeholder, spider.placeholders):
            report.say(f"  {name:<13}none   placeholder: stored as no reply ({_short(clean_inline(placeholder))!r})")
        elif raw in (None, "") and listed and entry is None:
            report.say(f"  {name:<13}LIST   from the list page: this page is not on list page 1, so its entry "
                       "was not read (a crawl takes it from the entry)")
        elif raw in (None, ""):
            why = _why_empty(spider, name)
            report.say(f"  {name:<13}EMPTY  {why}" + ("  [required]" if required else ""))
            if required:
                report.failed.append(f"required field {name} is empty: {why}")
        elif refused is not None and refused.field == name:
            report.say(f"  {name:<13}BAD    {refused.reason}: {_short(raw)}")
            report.failed.append(f"{name}: {refused.reason}")
        else:
            shown = _short(raw if refused is not None else getattr(record, name, raw))
            origin = ("  (from the list page)" if listed else
                      "  (the reply placeholder)" if name == "status" and placeholder
                      and on_detail.get("status") in (None, "") else "")
            report.say(f"  {name:<13}ok     {shown}{origin}")


def check_profile(profile: Profile, url: str | None = None) -> CheckReport:
    """Fetch the first list page and one detail page (``url``, else the list's first entry) of ``profile``."""
    report = CheckReport()
    spider = _spider(profile)
    report.say(f"profile {profile.name} ({profile.path}): family {profile.family}, channel {profile.channel}")
    page = _check_list(spider, report)
    entries = page.entries if page else []
    # a page given with --url that is on list page 1 gets its entry's id and list fields, as in a crawl
    entry = next((e for e in entries if url is None or e.url == url), None)
    if entry is not None:
        detail = spider.entry_request(entry)
    elif url is not None:
        detail = spider._as_detail(spider.detail_request(None, url), None)
    else:
        report.say("detail page: none to check (no list entry; give one with --url)")
        return report
    response = _fetch_page(spider, detail, "detail page", report)
    fields = response and _read(spider, spider.parse_detail, response, spider.detail_end, "detail page", report)
    if not fields:
        return report
    _check_fields(spider, spider.make_item(dict(fields), response), fields, entry, report)
    return report
