"""The real exports in ../shared/data import without manual mapping, exactly once (skipped when absent)."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawlers.importer import ImportRefused, import_file
from store.models import Message

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

EXPECTED = {
    "teddycup2020c_附件3_messages_with_votes.xlsx": (4326, 0, {"title", "content", "submitted_at", "votes_up"}),
    "teddycup2020c_附件4_messages_with_replies.xlsx": (2816, 0, {"title", "content", "submitted_at", "reply_text",
                                                                 "replied_at"}),
    # one row repeats 留言编号 77082 with the same text (once with Excel's _x000D_ escape): stored once
    "teddycup2020c_classification_dev.csv": (2790, 1, {"content", "category"}),
    "dalian_mailbox_2018_gb18030.csv": (3773, 0, {"title", "content", "submitted_at", "reply_text", "replied_at",
                                                  "unit"}),
    "shangluo_mayor_mailbox_2012_2022.csv": (1179, 0, {"title", "content", "submitted_at", "reply_text", "unit"}),
}

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data folder {DATA} is absent")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_export_imports_exactly_and_idempotently(sqlite_engine, name):
    from store.db import session_factory

    stored, duplicates, filled = EXPECTED[name]
    with session_factory(sqlite_engine)() as session:
        first = import_file(session, DATA / name).result
        assert (first.inserted, first.rejected, first.duplicates) == (stored, 0, duplicates)
        assert session.scalar(select(func.count(Message.id))) == stored
        for field in filled:
            empty = session.scalar(select(func.count(Message.id)).where(getattr(Message, field).is_(None)))
            assert empty < stored * 0.7, f"{field} mostly empty"
        again = import_file(session, DATA / name).result
        assert (again.inserted, again.updated) == (0, 0)


def test_taxonomy_is_refused(sqlite_engine):
    from store.db import session_factory

    with session_factory(sqlite_engine)() as session, pytest.raises(ImportRefused, match="taxonomy"):
        import_file(session, DATA / "teddycup2020c_附件1_taxonomy.xlsx")
