"""Regression on real data: the draft of 大连 2018-07-01..15 (as of 2019-03-01) keeps the publication's rules.

Reads ../shared/data at run time (nothing of it is in the repository); skips when it is absent, and under
CI=true the skip is a failure (require_service).
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from sqlalchemy import select

from reports import publication as P
from reports.checklist import question_checks
from reports.period import Period
from reports.summary import NO_ANSWER_YET
from store.models.core import Message
from tests.conftest import require_service

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DALIAN = DATA / "dalian_mailbox_2018_gb18030.csv"


def _rows(messages):
    return [{"id": m.id, "source_id": m.source_id, "submitter": m.submitter, "external_id": m.external_id,
             "submitted_at": m.submitted_at, "title": m.title, "content": m.content, "reply_text": m.reply_text}
            for m in messages]


def _annotated_dalian_strings() -> list[str]:
    """Personal data annotated by reading in the 大连 letters (bench/pii_real_annotations.json, issue 13)."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "bench" / "_real_letters.py"
    spec = importlib.util.spec_from_file_location("_real_letters", path)
    real = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_real_letters", real)  # its dataclasses look their module up by name
    spec.loader.exec_module(real)
    return real.annotated_pii_strings({letter.id: letter for letter in real.dalian()})


def test_real_half_month_draft_keeps_the_rules(sqlite_engine, monkeypatch):
    require_service(DALIAN.is_file(), f"real data file {DALIAN} is absent")
    from analysis.topics.complainants import distinct_complainants
    from crawlers.importer import import_file
    from store.db import session_factory
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_REPORTS_CITY", "大连市")
    get_settings.cache_clear()
    with session_factory(sqlite_engine)() as session:
        assert import_file(session, DALIAN).result.inserted == 3773
        pub = P.create_draft_for_period(session, Period.parse("2018-07-01:2018-07-15"), as_of=dt.date(2019, 3, 1))
        document = P.final_document(pub)
        # 286 letters in the period (the count); figures over all of them: the export has replies.
        assert document["overview"]["received"] == 286 and document["overview"]["reply_stats_excluded"] == []
        assert document["bureau"] == "大连市行政审批服务局" and "领导信箱渠道" in document["texts"]["intro"]
        assert document["statistics_date"] == "2018-07-20"  # Sun 07-15 + 5 working days (Mon 16 .. Fri 20)
        assert document["questions"], "the period has common questions"
        excluded = {e["message_id"] for e in document["excluded"]}
        assert excluded  # nonsense and out-of-scope letters exist in this period
        for q in document["questions"]:
            members = session.execute(select(Message).where(Message.id.in_(q["message_ids"]))).scalars().all()
            # No one-person question: recount the people independently of the stored figure.
            assert distinct_complainants(_rows(members)) == q["distinct_submitters"] >= 2, q["question"]
            assert not excluded & set(q["message_ids"])
            # Every letter of this export was answered: the placeholder must never appear.
            assert q["answer"] and q["answer"] != NO_ANSWER_YET
        assert document["pending_questions"] == []
        assert P.personal_data_findings(document) == []
        # None of the personal data annotated by reading in the 大连 letters may appear anywhere in the draft.
        known = _annotated_dalian_strings()
        count = len(known)  # (a count: the strings themselves never go into test output)
        assert count >= 30
        assert not P.personal_data_findings(document, known_strings=known)
        failed = {c.heading: c.failed for c in question_checks(session, document) if not c.ok}
        assert failed == {}
