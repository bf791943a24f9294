"""A topic that gains letters counts its people from its members' stored keys and the new letters
(``analysis.topics.people``), and gives what a count over all its letters gives where the two can agree."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from analysis.topics.clustering import update_topics
from analysis.topics.complainants import distinct_complainants
from analysis.topics.people import count_with_new_members, recount_people
from store.models import Message
from store.models.topics import Topic, TopicMembership
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages
from tests.topics.conftest import store_messages

# Letters of one estate's lift, without submitters (the inference links them by text, day and case number).
LIFT = "幸福里小区3栋电梯经常停运，老人上下楼非常困难，物业拖着不修，请督促尽快维修。"
OTHER_LIFT = "幸福里3栋的电梯又坏了，已经停了一周，物业说等配件，住在高层的居民出行很不方便。"
THIRD = "幸福里小区电梯维保公司不作为，每月都坏好几次，请市场监管部门检查电梯安全。"


def _store(session, letters: list[tuple[str, str, datetime]]) -> list[int]:
    source = get_or_create_source(session, "lift", "mailbox")
    upsert_messages(session, source, [
        MessageRecord(channel="mailbox", title="幸福里电梯故障", content=content, submitted_at=when,
                      external_id=external_id, ref=external_id)
        for external_id, content, when in letters])
    session.flush()
    wanted = [external_id for external_id, _, _ in letters]
    ids = dict(session.execute(select(Message.external_id, Message.id).where(Message.external_id.in_(wanted))).all())
    return [ids[e] for e in wanted]


def _topic_with(session, message_ids: list[int]) -> int:
    topic = Topic(label="幸福里电梯故障")
    session.add(topic)
    session.flush()
    _join(session, topic.id, message_ids)
    return topic.id


def _join(session, topic_id: int, message_ids: list[int]) -> None:
    session.add_all(TopicMembership(message_id=m, topic_id=topic_id, model_topic_id=topic_id) for m in message_ids)
    session.flush()


def _oracle(session, topic_id: int) -> int:
    """People over every letter of the topic, read whole (the definition the stored keys shortcut)."""
    rows = session.execute(select(Message.id, Message.source_id, Message.submitter, Message.external_id,
                                  Message.submitted_at, Message.title, Message.content, Message.reply_text)
                           .join(TopicMembership, TopicMembership.message_id == Message.id)
                           .where(TopicMembership.topic_id == topic_id)).mappings().all()
    return distinct_complainants([dict(r) for r in rows])


def test_new_letters_join_the_old_person_of_the_same_day_or_the_same_text(session):
    old = _store(session, [("L-001", LIFT, datetime(2025, 3, 1, 9, 0)),
                           ("L-100", OTHER_LIFT, datetime(2025, 3, 8, 10, 0))])
    topic_id = _topic_with(session, old)
    # two letters on different days with different wording: two people
    assert recount_people(session, [topic_id], {topic_id: 2}) == {topic_id: 2}
    new = _store(session, [
        ("L-200", LIFT + "已经反映多次。", datetime(2025, 3, 1, 18, 0)),  # the first letter's writer, the same day
        ("L-300", OTHER_LIFT, datetime(2025, 4, 2, 8, 0)),  # the second letter again, word for word, weeks later
        ("L-400", THIRD, datetime(2025, 5, 5, 8, 0)),  # someone else
    ])
    _join(session, topic_id, new)
    # 2 old people; L-200 joins the first (same day, bigrams alike), L-300 the second (same text): 2 + 1 (L-400)
    assert count_with_new_members(session, {topic_id: new}) == {topic_id: 3}
    assert _oracle(session, topic_id) == 3
    keys = dict(session.execute(select(TopicMembership.message_id, TopicMembership.person)).all())
    assert keys[new[0]] == keys[old[0]] and keys[new[1]] == keys[old[1]]
    assert keys[new[2]] not in {keys[old[0]], keys[old[1]]}


def test_a_topic_whose_old_members_have_no_key_is_left_to_a_recount(session):
    old = _store(session, [("M-001", LIFT, datetime(2025, 3, 1, 9, 0))])
    topic_id = _topic_with(session, old)  # memberships stored without keys (as before the keys existed)
    new = _store(session, [("M-002", THIRD, datetime(2025, 3, 9, 9, 0))])
    _join(session, topic_id, new)
    assert count_with_new_members(session, {topic_id: new}) == {}
    assert recount_people(session, [topic_id], {topic_id: 2}) == {topic_id: 2}
    assert session.scalar(select(TopicMembership.person).where(TopicMembership.message_id == new[0])) is not None


def test_incremental_run_counts_what_a_recount_of_all_letters_counts(sqlite_engine, demo_corpus):
    # The demo corpus: 800 letters clustered in full, then 100 more incrementally. Every topic's people, as the
    # incremental run stored them, equal a count over all its letters read whole (demo letters carry
    # submitters, or differ in wording across days: the approximation's two cases do not occur).
    from store.db import session_factory

    ordered = sorted(demo_corpus, key=lambda m: m.submitted_at)
    with session_factory(sqlite_engine)() as session:
        store_messages(session, ordered[:800])
        update_topics(session, mode="full")
        store_messages(session, ordered[800:])
        assert update_topics(session).mode == "incremental"
        topics = session.execute(select(Topic.id, Topic.distinct_submitters).where(Topic.status == "active")).all()
        assert topics
        mismatched = [(t, n, _oracle(session, t)) for t, n in topics if n != _oracle(session, t)]
        assert mismatched == []
        assert session.scalar(select(TopicMembership.id).where(TopicMembership.person.is_(None)).limit(1)) is None
