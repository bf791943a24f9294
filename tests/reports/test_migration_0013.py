"""Migration 0013 keeps what was published before: earlier summaries are marked as counting letters."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from reports.render_html import asked_label
from store.migrate import upgrade
from store.models.publications import Publication


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_earlier_summaries_keep_their_meaning(request, kind):
    from tests.store.test_migrations import _fresh_engine

    engine = _fresh_engine(request, kind)
    upgrade(engine, "0012_admissibility")
    published = {"questions": [{"question": "停车难", "asked_count": 3}], "status": "published"}
    with engine.begin() as conn:
        conn.execute(Publication.__table__.insert().values(
            period_start=dt.date(2024, 3, 1), period_end=dt.date(2024, 3, 15), status="published",
            content={"questions": [{"question": "停车难", "asked_count": 3}]}, published_content=published))
    upgrade(engine)
    with engine.connect() as conn:
        content, published_after = conn.execute(select(Publication.content, Publication.published_content)).one()
    # The figures are untouched; only the meaning of asked_count (letters) is recorded, and the page says 人次.
    assert content["questions"] == published_after["questions"] == [{"question": "停车难", "asked_count": 3}]
    assert content["asked_count_basis"] == published_after["asked_count_basis"] == "messages"
    assert asked_label(published_after) == "反映人次" and asked_label({"asked_count_basis": "complainants"}) == "反映人数"
