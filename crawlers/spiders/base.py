"""The base of every family spider: profile, incremental paging, revisits, problem counting.

A family spider implements four things, each a plain function of a response so tests and benchmarks can call
them on saved pages:

    list_request(page)                 the Request for list page ``page`` (1-based) or None past the end
    parse_list(response) -> ListPage   the entries (id + detail Request) and the next list Request, if any
    detail_request(external_id, url)   the Request for one message's detail (used for revisits)
    parse_detail(response) -> dict     the raw fields of MessageItem shown on the detail page

Incremental rule: list pages are newest first, so paging stops at the first page holding only known, unchanged
entries; stored messages still unanswered are fetched again directly (their reply may have appeared).
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy
import scrapy.exceptions
from scrapy.http import Request, Response, TextResponse

from crawlers.items import MessageItem
from crawlers.profiles import Profile
from crawlers.spiders.labels import bare_label, is_placeholder, without_own_label

logger = logging.getLogger(__name__)
MAX_LOGGED_PROBLEMS = 200
# Scrapy 2.19 reports a download timeout as its own exception; older versions pass Twisted's through
_DOWNLOAD_TIMEOUT = getattr(scrapy.exceptions, "DownloadTimeoutError", None)
TIMEOUTS: tuple[type[BaseException], ...] = (_DOWNLOAD_TIMEOUT,) if _DOWNLOAD_TIMEOUT else ()


class PageProblem(Exception):
    """A page that cannot be read as its family's page; ``kind`` names the problem for the run's counts."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass
class ListEntry:
    external_id: str | None
    # the detail page's URL where the list links it (else the spider builds the request from the id)
    url: str | None = None
    # what the list says about a reply: True/False, or None when the list does not show it
    replied: bool | None = None
    # message fields the list page shows (params.list_fields, or a family's list that carries whole messages);
    # the detail page's value wins where it has one
    fields: dict[str, Any] | None = None


@dataclass
class ListPage:
    entries: list[ListEntry]
    next_request: Request | None = None


def check_page(response: Response, encoding: str | None = None, end_marker: bytes | None = None) -> TextResponse:
    """The response decoded with the profile's encoding (when the site lies about it), checked whole.

    A page that does not decode (a GBK page served as UTF-8, or the reverse) or that lacks its closing tag
    (a truncated transfer) is a PageProblem, never mojibake or half a message in the store.
    """
    if not isinstance(response, TextResponse):
        raise PageProblem("not_text", f"{response.url}: not a text response")
    if encoding:
        response = response.replace(cls=type(response), encoding=encoding)
    if not response.body.strip():
        raise PageProblem("empty_page", f"{response.url}: empty page")
    if end_marker and end_marker not in response.body[-4096:].lower():
        raise PageProblem("truncated", f"{response.url}: page ends before {end_marker.decode()} (truncated)")
    text = response.text
    bad = text.count("\ufffd")
    if bad > max(2, len(text) // 2000):
        declared = "the profile's `encoding`" if encoding else "as the site declares it"
        raise PageProblem("encoding", f"{response.url}: encoding problem: {bad} characters do not decode as "
                          f"{response.encoding} ({declared}); set `encoding` in the profile to the encoding the "
                          "pages are really in, e.g. gbk (docs/profiles.md section 12)")
    return response


# family name -> spider class. A subclass of MessageSpider that sets its own ``family`` registers itself here when
# its module is imported; ``crawlers.spiders.families()`` imports every module of the package, then reads this.
REGISTRY: dict[str, type[MessageSpider]] = {}


class MessageSpider(scrapy.Spider):
    family = ""
    # how a complete page ends (lower case); None where the parser notices truncation itself (JSON)
    list_end: bytes | None = b"</html>"
    detail_end: bytes | None = b"</html>"

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if "family" not in cls.__dict__:  # inherits its parent's family (a variant, a test's subclass): not a new one
            return
        if not cls.family or cls.family != cls.family.strip():
            raise TypeError(f"{cls.__module__}.{cls.__qualname__}: `family` must be a name, not {cls.family!r}")
        other = REGISTRY.get(cls.family)
        if other is not None and (other.__module__, other.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"spider family {cls.family!r} is defined twice: {other.__module__}.{other.__qualname__} "
                            f"and {cls.__module__}.{cls.__qualname__}")
        REGISTRY[cls.family] = cls

    @classmethod
    def validate(cls, profile: Profile) -> None:
        """Raise ProfileError naming the key when ``profile``'s params cannot work for this family (called before
        a crawl starts, so the operator reads one line, not a failed crawl)."""

    def __init__(self, profile: Profile, *args: Any, **kwargs: Any):
        self.validate(profile)
        super().__init__(profile.name, *args, **kwargs)
        self.profile = profile
        self.allowed_domains = list(profile.allowed_domains)
        self.date_formats = tuple(profile.params.get("date_formats", ()))
        self.source_id: int | None = None
        self.run_id: int | None = None
        self.known: dict[str, Any] = {}
        self.revisiting: set[str] = set()
        self.placeholders = tuple(profile.params.get("reply_placeholders", ()))
        # params.list_fields: field -> column label (table lists) or selector (generic)
        self.list_fields: dict[str, str] = dict(profile.params.get("list_fields") or {})

    # --- to implement per family ---
    def list_request(self, page: int) -> Request | None:
        raise NotImplementedError

    def parse_list(self, response: TextResponse) -> ListPage:
        raise NotImplementedError

    def detail_request(self, external_id: str, url: str | None) -> Request:
        raise NotImplementedError

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        raise NotImplementedError

    # --- shared machinery ---
    @property
    def max_pages(self) -> int:
        limit = self.settings.getint("HOTLINE_MAX_PAGES", 200) if hasattr(self, "crawler") else 200
        return min(limit, self.profile.max_pages or limit)

    def _end(self, default: bytes | None) -> bytes | None:
        # a profile may name another end marker, or "" for sites whose pages have none
        marker = self.profile.params.get("page_end")
        return default if marker is None else (marker.lower().encode() or None)

    def ensure_run(self) -> None:
        if self.run_id is None:
            from crawlers.state import open_run

            self.source_id, self.run_id = open_run(self.profile, self.name)

    async def start(self) -> AsyncIterator[Any]:
        from crawlers.state import known_messages, unanswered_to_revisit

        self.ensure_run()
        self.known = known_messages(self.source_id)
        first = self.list_request(1)
        if first is not None:
            yield self._as_list(first, 1)
        max_age = self.profile.revisit_max_age_days
        if max_age is None:
            max_age = self.settings.getint("HOTLINE_REVISIT_MAX_AGE_DAYS", 365)
        revisit, too_old = unanswered_to_revisit(self.known, max_age)
        stats = self.crawler.stats
        stats.set_value("hotline/revisit_window_days", max_age)
        if too_old:
            # open cases the crawl no longer looks at: said in the run record, never silently dropped
            stats.set_value("hotline/open_past_window", len(too_old))
            stats.set_value("hotline/open_past_window_oldest", too_old[0].submitted_at)
        for message in revisit:
            self.revisiting.add(message.external_id)
            self.crawler.stats.inc_value("hotline/revisits")
            yield self._as_detail(self.detail_request(message.external_id, message.url), message.external_id)

    # The requests are new and ours: set the callback in place (Request.replace copies, and list pages are
    # parsed by the hundred per second).
    def _as_list(self, request: Request, page: int) -> Request:
        request.callback, request.errback = self.on_list, self.on_error
        request.meta["page"] = page
        return request

    def _as_detail(self, request: Request, external_id: str | None) -> Request:
        request.callback, request.errback = self.on_detail, self.on_error
        request.meta["external_id"] = external_id
        return request

    def entry_request(self, entry: ListEntry) -> Request:
        request = self._as_detail(self.detail_request(entry.external_id, entry.url), entry.external_id)
        if entry.fields:
            request.meta["list_fields"] = entry.fields
        return request

    def fields_from_columns(self, columns: list[str], values: list[str]) -> dict[str, str]:
        """params.list_fields read from a list table's row: ``columns`` its header labels, ``values`` the row's
        cell texts."""
        if not self.list_fields:
            return {}
        position = {bare_label(label): index for index, label in enumerate(columns)}
        found = {}
        for name, label in self.list_fields.items():
            index = position.get(bare_label(label))
            if index is not None and index < len(values) and values[index]:
                found[name] = values[index]
        return found

    def problem(self, ref: str, kind: str, reason: str) -> None:
        stats = self.crawler.stats
        stats.inc_value("hotline/problems")
        stats.inc_value(f"hotline/problems/{kind}")
        problems = stats.get_value("hotline/problem_list")
        if problems is None:
            problems = []
            stats.set_value("hotline/problem_list", problems)
        if len(problems) < MAX_LOGGED_PROBLEMS:
            problems.append({"ref": ref, "field": kind, "reason": reason})
        logger.warning("%s: %s", kind, reason)

    def on_error(self, failure: Any) -> None:
        from scrapy.exceptions import IgnoreRequest
        from twisted.internet.defer import TimeoutError as DeferTimeout
        from twisted.internet.error import TimeoutError as ConnectTimeout

        request = getattr(failure, "request", None)
        if failure.check(IgnoreRequest):
            reason = str(failure.value)
            if reason.startswith(("Filtered offsite request", "time budget")):
                return  # recorded where it happened (offsite_redirect, the run's time_budget), not a failure
            kind = "robots_forbidden" if "robots.txt" in reason else "ignored"
            self.problem(getattr(request, "url", "?"), kind, reason)
            return
        kind = "timeout" if failure.check(*TIMEOUTS, ConnectTimeout, DeferTimeout) else "request_failed"
        self.problem(getattr(request, "url", "?"), kind, f"{failure.type.__name__}: {failure.value}")

    def on_list(self, response: Response) -> Iterator[Any]:
        page_no = response.meta.get("page", 1)
        try:
            page = self.parse_list(check_page(response, self.profile.encoding, self._end(self.list_end)))
        except PageProblem as exc:
            self.problem(response.url, exc.kind, exc.reason)
            return
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            self.problem(response.url, "list_unreadable", f"{response.url}: {type(exc).__name__}: {exc}")
            return
        stats = self.crawler.stats
        stats.inc_value("hotline/list_pages")
        if not page.entries:
            if page_no == 1:
                self.problem(response.url, "list_empty", f"{response.url}: list page {page_no} has no entries")
            stats.set_value("hotline/stop_reason", "empty_page")  # past page 1: the usual end of a list
            return
        fresh = 0
        for entry in page.entries:
            stats.inc_value("hotline/list_entries")
            known = self.known.get(entry.external_id) if entry.external_id else None
            if known is None:
                fresh += 1
                yield self.entry_request(entry)
            elif entry.external_id in self.revisiting:
                continue  # fetched again anyway (start): whatever the list says is picked up there
            elif entry.replied and not known.answered:
                fresh += 1  # the list shows a reply we do not have, on a message too old to be revisited
                yield self.entry_request(entry)
            else:
                stats.inc_value("hotline/list_known")
        if fresh == 0:
            stats.set_value("hotline/stopped_at_page", page_no)
            stats.set_value("hotline/stop_reason", "known_entries")
            return
        if page.next_request is None:
            stats.set_value("hotline/stop_reason", "last_page")
            return
        if page_no >= self.max_pages:
            stats.set_value("hotline/page_limit_reached", page_no)
            stats.set_value("hotline/stop_reason", "page_cap")
            return
        yield self._as_list(page.next_request, page_no + 1)

    def on_detail(self, response: Response) -> Iterator[Any]:
        try:
            fields = self.parse_detail(check_page(response, self.profile.encoding, self._end(self.detail_end)))
        except PageProblem as exc:
            self.problem(response.url, exc.kind, exc.reason)
            return
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            self.problem(response.url, "detail_unreadable", f"{response.url}: {type(exc).__name__}: {exc}")
            return
        yield self.make_item(fields, response)

    def make_item(self, fields: dict[str, Any], response: Response) -> MessageItem:
        item = MessageItem(channel=self.profile.channel, source=self.profile.source)
        from_list = response.meta.get("list_fields") or {}
        fields = {**from_list, **{k: v for k, v in fields.items() if v not in (None, "")}}
        item["external_id"] = fields.pop("external_id", None) or response.meta.get("external_id")
        item["url"] = fields.pop("url", None) or response.url
        for key, value in fields.items():
            if value not in (None, ""):
                item[key] = without_own_label(key, value)
        if is_placeholder(item.get("reply_text"), self.placeholders):
            # "正在办理中" is the absence of a reply: keep it as the status when the page shows none
            item.setdefault("status", item.pop("reply_text"))
            self.crawler.stats.inc_value("hotline/reply_placeholders")
        return item
