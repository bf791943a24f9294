"""The dashboard's stale-source warnings follow the one definition of freshness (analysis.sources.health): working
days since an item was last *collected* (first_seen_at), not since a citizen submitted it."""
from __future__ import annotations

import datetime as dt

from store.models import Message, Source
from web.i18n import set_locale
from web.queries.dashboard import source_warnings

AS_OF = dt.date(2025, 3, 14)  # a Friday in an ordinary week (no holiday, no make-up day around it)


def _source(session, name, first_seen, submitted):
    source = Source(name=name, channel="mailbox", freshness_objective_days=3)
    session.add(source)
    session.flush()
    session.add(Message(source_id=source.id, channel="mailbox", external_id=f"{name}-1", natural_key=f"{name}-1",
                        title="路灯不亮", content="小区门口路灯坏了。", content_hash=name,
                        submitted_at=submitted, first_seen_at=first_seen))
    session.flush()


def test_stale_means_nothing_new_collected_within_the_objective(session):
    set_locale("zh_CN")
    # A board that publishes letters weeks after they were written: collected yesterday, so fresh.
    _source(session, "迟发布的留言板", first_seen=dt.datetime(2025, 3, 13, 9), submitted=dt.datetime(2025, 1, 20, 9))
    # Nothing collected since Friday 03-07: (03-07, 03-14] holds Mon..Fri, 5 working days > objective 3.
    _source(session, "停更的信箱", first_seen=dt.datetime(2025, 3, 7, 9), submitted=dt.datetime(2025, 3, 7, 8))
    session.add(Source(name="从未采集的来源", channel="hotline", freshness_objective_days=3))
    session.flush()
    warnings = source_warnings(session, AS_OF)
    assert warnings == ["来源 从未采集的来源：尚无信件。",
                        "来源 停更的信箱：已5个工作日未采集到新信件（要求3个工作日内更新）。"]
