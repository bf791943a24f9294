"""A list+detail spider driven entirely by its profile, for sites of no known family.

Selectors are CSS, or XPath when they start with ``/``, ``./``, ``(`` or a function call (``substring-after(``,
``normalize-space(``: no CSS selector starts with a name and a bracket). A selector may end in ``::text`` or
``::attr(x)`` (CSS) or ``/text()``/``/@x`` (XPath); otherwise the matched element's HTML is taken and cleaned.

    [params]
    list_url = "list.html?page={page}"       # {page} from first_page on
    first_page = 1
    entry = "ul.board > li"                   # one element per message on a list page
    link = "a::attr(href)"                    # the detail link, within an entry
    id = "url:id"                             # "url:<query parameter>" or a selector within the entry
    replied = "span.state::text"              # optional: list shows the state; answered when it contains
    replied_words = ["已回复"]                 #   one of these words
    next = "a.next::attr(href)"               # optional: else the next page is asked while pages are full
    page_size = 20                            # entries of a full page (only without `next`)
    date_formats = ["%Y/%m/%d %H:%M"]         # tried before the usual forms
    [params.list_fields]                      # optional: fields shown on the list, a selector within the entry
    kind = "span.kind::text"
    [params.fields]                           # on the detail page: any MessageItem field
    title = "h1.title::text"
    content = "div.content"
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cssselect import SelectorError
from parsel import Selector, SelectorList
from scrapy.http import Request, TextResponse

from crawlers.items import MESSAGE_FIELDS
from crawlers.profiles import Profile, ProfileError
from crawlers.spiders.base import ListEntry, ListPage, MessageSpider, PageProblem

_XPATH = re.compile(r"/|\./|\(|[a-z][a-z-]*\(")


def is_xpath(expression: str) -> bool:
    return _XPATH.match(expression) is not None


def select(node: Selector | SelectorList | TextResponse, expression: str) -> list[str]:
    if is_xpath(expression):
        return node.xpath(expression).getall()
    return node.css(expression).getall()


def _selectors(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, selector) of every selector a generic profile gives."""
    found = [(key, params[key]) for key in ("entry", "link", "replied", "next") if params.get(key)]
    how = params.get("id", "url")
    if how != "url" and not how.startswith("url:"):
        found.append(("id", how))
    for table in ("list_fields", "fields"):
        found += [(f"{table}.{name}", expression) for name, expression in (params.get(table) or {}).items()]
    return found


def _selector_problem(expression: str) -> str | None:
    """Why ``expression`` is not a usable selector, or None. Tried on an empty page, so that a typo refuses the
    profile when it is loaded instead of failing on every page of a crawl."""
    try:
        select(Selector(text="<html></html>"), expression)
    except (ValueError, SelectorError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def first(node: Any, expression: str | None) -> str | None:
    if not expression:
        return None
    values = [v for v in select(node, expression) if v and v.strip()]
    return "\n".join(values) if values else None


class GenericSpider(MessageSpider):
    family = "generic"

    @classmethod
    def validate(cls, profile: Profile) -> None:
        p = profile.params
        for key in ("list_url", "entry", "link", "fields"):
            if not p.get(key):
                raise ProfileError(f"{profile.path or profile.name}: generic profile needs params.{key}")
        unknown = sorted(set(p["fields"]) - set(MESSAGE_FIELDS))
        if unknown:
            raise ProfileError(f"{profile.path or profile.name}: params.fields has unknown field(s) {unknown}")
        for key, expression in _selectors(p):
            problem = _selector_problem(expression)
            if problem:
                kind = "XPath" if is_xpath(expression) else "CSS"
                raise ProfileError(f"{profile.path or profile.name}: params.{key} {expression!r} is not a valid "
                                   f"{kind} selector ({problem})")

    def list_request(self, page: int) -> Request | None:
        p = self.profile.params
        number = int(p.get("first_page", 1)) + page - 1
        return Request(self.profile.url(p["list_url"].format(page=number)), meta={"list_page": page})

    def detail_request(self, external_id: str, url: str | None) -> Request:
        if url is None:
            template = self.profile.params.get("detail_url")
            if not template:
                raise ProfileError(f"{self.profile.name}: revisiting {external_id} needs a stored url or "
                                   "params.detail_url")
            url = self.profile.url(template.format(id=external_id))
        return Request(url)

    def _entry_id(self, entry: Selector, url: str) -> str | None:
        how = self.profile.params.get("id", "url")
        if how == "url":
            return url
        if how.startswith("url:"):
            return (parse_qs(urlsplit(url).query).get(how[4:]) or [None])[0]
        return (first(entry, how) or "").strip() or None

    def parse_list(self, response: TextResponse) -> ListPage:
        p = self.profile.params
        expression = p["entry"]
        nodes = response.xpath(expression) if is_xpath(expression) else response.css(expression)
        if not nodes and not response.css("body *"):
            raise PageProblem("list_unreadable", f"{response.url}: no HTML body")
        words = tuple(p.get("replied_words", ("已回复", "已答复", "已办结")))
        entries = []
        for node in nodes:
            href = first(node, p["link"])
            if not href:
                continue
            url = response.urljoin(href.strip())
            replied = None
            if p.get("replied"):
                state = first(node, p["replied"]) or ""
                replied = any(word in state for word in words)
            fields = {name: first(node, expression) for name, expression in self.list_fields.items()}
            entries.append(ListEntry(self._entry_id(node, url), url, replied=replied,
                                     fields={k: v for k, v in fields.items() if v} or None))
        page = response.meta.get("list_page", 1)
        if p.get("next"):
            nxt = first(response, p["next"])
            next_request = Request(response.urljoin(nxt.strip()), meta={"list_page": page + 1}) if nxt else None
        else:
            full = len(entries) >= int(p.get("page_size", 20))
            next_request = self.list_request(page + 1) if full else None
        return ListPage(entries, next_request)

    def parse_detail(self, response: TextResponse) -> dict[str, Any]:
        fields = {name: first(response, expression) for name, expression in self.profile.params["fields"].items()}
        if not any(fields.values()):
            raise PageProblem("detail_unreadable", f"{response.url}: none of the profile's fields matched")
        if not fields.get("external_id"):
            fields["external_id"] = response.meta.get("external_id")
        return fields
