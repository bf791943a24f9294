"""Region partitions: topics are clustered within one region (a city); a province's cities are independent.

Oracle: a region's topics are those of a database holding that region's messages alone (the default region,
no partitioning). The demo corpus's recurring issues are written so that a letter and its repeats are spread
over the corpus: split it into two cities by alternating letters, and each recurring issue has letters in both.
"""
from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import select

from analysis.topics.clustering import model_path, update_topics
from store.db import session_factory
from store.models import Message, Source
from store.models.topics import TopicMembership, TopicRun
from store.settings import get_settings
from tests.topics.conftest import store_messages


def _topics(session) -> dict[int, frozenset[str]]:
    """topic id -> external ids of its members."""
    members: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(select(TopicMembership.topic_id, Message.external_id)
                           .join(Message, Message.id == TopicMembership.message_id))
    for topic_id, external_id in rows:
        members[topic_id].add(external_id)
    return {topic: frozenset(ids) for topic, ids in members.items()}


def _store_two_cities(session, corpus, regions=("甲市", "乙市")) -> tuple[set[str], set[str]]:
    city_a, city_b = corpus[0::2], corpus[1::2]
    store_messages(session, city_a, source="甲市信箱")
    store_messages(session, city_b, source="乙市留言板")
    for name, region in zip(("甲市信箱", "乙市留言板"), regions, strict=True):
        session.scalars(select(Source).where(Source.name == name)).one().region = region
    session.commit()
    return {m.external_id for m in city_a}, {m.external_id for m in city_b}


def _partition(topics: dict[int, frozenset[str]], wanted: set[str]) -> set[frozenset[str]]:
    return {members & wanted for members in topics.values() if members & wanted}


def test_each_region_is_clustered_as_if_it_were_alone(sqlite_engine, tmp_path, demo_corpus):
    with session_factory(sqlite_engine)() as session:
        ids_a, ids_b = _store_two_cities(session, demo_corpus)
        summary = update_topics(session, mode="full")
        partitioned = _topics(session)
        runs = session.scalars(select(TopicRun).order_by(TopicRun.id)).all()
    assert summary.regions == 2 and "2 regions" in str(summary)
    assert [run.params.get("region") for run in runs] == ["乙市", "甲市"]  # one run per region, in name order
    # No topic spans two cities.
    assert all(members <= ids_a or members <= ids_b for members in partitioned.values())

    for city, ids in (("甲市", ids_a), ("乙市", ids_b)):
        alone_engine = _fresh_sqlite(tmp_path / f"{city}.db")
        with session_factory(alone_engine)() as session:
            store_messages(session, [m for m in demo_corpus if m.external_id in ids], source="alone")
            update_topics(session, mode="full")
            alone = _topics(session)
        alone_engine.dispose()
        assert _partition(partitioned, ids) == set(alone.values()), city

    # The test can fail: in one region the same recurring issues join letters of both cities.
    with session_factory(sqlite_engine)() as session:
        for source in session.scalars(select(Source)):
            source.region = None
        session.commit()
        update_topics(session, mode="full")
        together = _topics(session)
    assert any(members & ids_a and members & ids_b for members in together.values())


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_regions_fitted_on_workers_give_the_serial_topics(sqlite_engine, tmp_path, monkeypatch, demo_corpus,
                                                          executor):
    if executor == "dask":
        pytest.importorskip("distributed", reason="the optional extra .[distributed] is not installed")
    with session_factory(sqlite_engine)() as session:
        _store_two_cities(session, demo_corpus)
        update_topics(session, mode="full")
        serial = set(_topics(session).values())
    monkeypatch.setenv("HOTLINE_ANALYSIS_EXECUTOR", executor)  # a LocalCluster of 2 workers for dask
    monkeypatch.setenv("HOTLINE_ANALYSIS_WORKERS", "2")
    get_settings.cache_clear()
    other = _fresh_sqlite(tmp_path / f"{executor}.db")
    with session_factory(other)() as session:
        _store_two_cities(session, demo_corpus)
        update_topics(session, mode="full")
        in_processes = set(_topics(session).values())
    other.dispose()
    assert in_processes == serial


def test_new_letters_of_one_region_update_only_that_region(sqlite_engine, demo_corpus):
    ordered = sorted(demo_corpus, key=lambda m: m.submitted_at)
    early, late = ordered[:850], ordered[850:]  # 50 late letters: 12 % of city B's 425, under the 20 % share
    with session_factory(sqlite_engine)() as session:
        ids_a, _ids_b = _store_two_cities(session, early)
        update_topics(session, mode="full")
        before = _topics(session)
        assert model_path("甲市").exists() and model_path("乙市").exists()
        assert model_path("甲市") != model_path("乙市") != model_path()
        store_messages(session, late, source="乙市留言板")  # the late letters all reach city B
        summary = update_topics(session)  # auto: B has few new letters -> incremental; A has none
        after = _topics(session)
        runs = session.scalars(select(TopicRun).order_by(TopicRun.id.desc()).limit(2)).all()
    assert {run.mode for run in runs} == {"incremental"}
    assert summary.messages == len(late)  # A's incremental run had nothing new to place
    assert _partition(after, ids_a) == _partition(before, ids_a)
    late_ids = {m.external_id for m in late}
    assert all(not (members & late_ids and members & ids_a) for members in after.values())


def test_an_unknown_region_is_refused(session, demo_corpus):
    store_messages(session, demo_corpus[:10])
    with pytest.raises(ValueError, match="no source is in region '丙市'"):
        update_topics(session, region="丙市")


def _fresh_sqlite(path):
    from sqlalchemy import create_engine

    from store.models import Base

    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    return engine


def test_topics_update_runs_one_region_from_the_command_line(sqlite_engine, demo_corpus):
    from typer.testing import CliRunner

    from cli import app

    with session_factory(sqlite_engine)() as session:
        ids_a, _ = _store_two_cities(session, demo_corpus)
    result = CliRunner().invoke(app, ["topics", "update", "--mode", "full", "--region", "甲市"])
    assert result.exit_code == 0, result.output
    assert "topics (full): 450 messages" in result.output  # city A alone: every other demo letter
    with session_factory(sqlite_engine)() as session:
        assert all(members <= ids_a for members in _topics(session).values())
    refused = CliRunner().invoke(app, ["topics", "update", "--region", "丙市"])
    assert refused.exit_code != 0 and "no source is in region '丙市'" in refused.output
