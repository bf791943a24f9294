"""The demo portal crawled over real HTTP by every spider, three times: store == corpus, a second crawl adds
nothing, and after the portal publishes the later replies a crawl records them as revisions, fetching only
what it must."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crawlers.items import COVERAGE_FIELDS
from crawlers.parsing import clean_text
from crawlers.profiles import get_profile
from demo.corpus import generate_corpus
from demo.crawl import crawl_portal
from demo.pages import view_of
from demo.portal import SECTION_BY_NAME, DemoPortal, PortalServer, profile_name
from store.db import session_scope
from store.models import CrawlRun, Message, MessageRevision, Source

pytestmark = pytest.mark.slow
FIELDS = ("title", "content", "submitter", "submitted_at", "kind", "category", "unit", "status", "reply_text",
          "reply_unit", "replied_at", "votes_up", "votes_down")
TEXT = {"content", "reply_text"}


def stored_by_section() -> dict[str, dict[str, Message]]:
    out: dict[str, dict[str, Message]] = {}
    with session_scope() as session:
        for section in SECTION_BY_NAME.values():
            source_name = get_profile(profile_name(section)).source
            rows = session.scalars(select(Message).join(Source).where(Source.name == source_name)).all()
            out[section.name] = {m.external_id: m for m in rows}
    return out


def mismatches(portal: DemoPortal, phase: int) -> list[str]:
    stored = stored_by_section()
    problems = []
    for name, messages in portal.sections.items():
        if len(stored[name]) != len(messages):
            problems.append(f"{name}: {len(stored[name])} stored, {len(messages)} published")
        for message in messages:
            view = view_of(message, phase)
            row = stored[name].get(view.external_id)
            if row is None:
                problems.append(f"{name} {view.external_id}: not stored")
                continue
            for field in FIELDS:
                want = getattr(view, field)
                want = clean_text(want) if field in TEXT else want
                if getattr(row, field) != want:
                    problems.append(f"{name} {view.external_id} {field}: {getattr(row, field)!r} != {want!r}")
    return problems


def by_profile(outcome) -> dict[str, dict]:
    assert outcome.ok, outcome.stderr_tail
    return {s["profile"]: s for s in outcome.summaries}


def unanswered_count(section: str) -> int:
    return sum(1 for m in stored_by_section()[section].values() if not m.reply_text and m.replied_at is None)


def test_demo_portal_crawl_end_to_end(sqlite_engine):
    corpus = generate_corpus(size=150)
    portal = DemoPortal(corpus, slow_seconds=5.0)
    with PortalServer(portal) as server:
        first = by_profile(crawl_portal(server.origin))
        # every published message stored exactly once, every field as the site shows it
        assert mismatches(portal, phase=0) == []
        assert sum(s["inserted"] for s in first.values()) == len(corpus)
        # the 500-once page and the slow page came through retries
        assert first["demo-hanweb"]["http_status"].get("500") == 1
        assert first["demo-hanweb"]["retries"] >= 1
        assert first["demo-trs"]["retries"] >= 1
        assert all(s["finish_reason"] == "finished" for s in first.values())

        second = by_profile(crawl_portal(server.origin))
        assert {p: (s["inserted"], s["updated"]) for p, s in second.items()} == {p: (0, 0) for p in second}

        expected_requests = {profile_name(SECTION_BY_NAME[name]): 2 + unanswered_count(name)
                             for name in portal.sections}  # robots.txt + first list page + each unanswered one
        later = {profile_name(SECTION_BY_NAME[name]): sum(m.reply_published_later for m in messages)
                 for name, messages in portal.sections.items()}
        portal.advance()
        third = by_profile(crawl_portal(server.origin))

    assert mismatches(portal, phase=1) == []
    assert {p: s["inserted"] for p, s in third.items()} == {p: 0 for p in third}
    assert {p: s["updated"] for p, s in third.items()} == later
    assert {p: s["requests"] - s["retries"] for p, s in third.items()} == expected_requests
    with session_scope() as session:
        revised = session.scalars(select(Message.external_id).join(MessageRevision)
                                  .where(MessageRevision.field == "reply_text")).all()
        assert sorted(revised) == sorted(m.external_id for m in corpus if m.reply_published_later)
        runs = session.scalars(select(CrawlRun).where(CrawlRun.kind == "crawl")).all()
        assert len(runs) == 3 * len(SECTION_BY_NAME)
        first_runs = [r for r in runs if r.id <= len(SECTION_BY_NAME)]
        assert all(set(r.field_coverage) == set(COVERAGE_FIELDS) for r in first_runs)
        assert all(r.field_coverage["title"] == 1.0 and r.finished_at for r in first_runs)
