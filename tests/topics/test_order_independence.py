"""Clustering depends on the messages, not on the order a crawl happened to store them in."""
from sqlalchemy import select

from analysis.topics.clustering import update_topics
from demo.corpus import generate_corpus
from store.db import session_factory
from store.models import Message
from store.models.topics import TopicMembership
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages


def _partition(engine, messages):
    with session_factory(engine)() as session:
        source = get_or_create_source(session, "demo", "hotline")
        records = [MessageRecord(channel="hotline", external_id=m.external_id, title=m.title, content=m.content,
                                 submitted_at=m.submitted_at) for m in messages]
        upsert_messages(session, source, records)
        update_topics(session, mode="full")
        session.commit()
        rows = session.execute(select(TopicMembership.topic_id, Message.external_id)
                               .join(Message, Message.id == TopicMembership.message_id)).all()
    groups: dict[int, set[str]] = {}
    for topic_id, external_id in rows:
        groups.setdefault(topic_id, set()).add(external_id)
    return sorted(sorted(g) for g in groups.values())


def test_same_messages_in_another_insertion_order_give_the_same_topics(tmp_path, monkeypatch):
    from store.db import make_engine
    from store.models import Base

    messages = generate_corpus()
    partitions = []
    for name, ordered in (("forward", messages), ("reversed", list(reversed(messages)))):
        monkeypatch.setenv("HOTLINE_GENERAL_VAR_DIR", str(tmp_path / name))
        from store.settings import get_settings

        get_settings.cache_clear()
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        Base.metadata.create_all(engine)
        partitions.append(_partition(engine, ordered))
        engine.dispose()
    assert partitions[0] == partitions[1]
    assert len(partitions[0]) > 10
