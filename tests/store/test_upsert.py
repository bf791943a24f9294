from datetime import datetime

from sqlalchemy import func, select, text

from store.models import Message, MessageRevision, MessageSighting
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages


def _record(**overrides):
    values = dict(channel="mailbox", external_id="XX2025001", title="滨江路路灯不亮",
                  content="滨江路东段路灯已经两周不亮，夜间出行不便。", submitted_at=datetime(2025, 3, 3, 9, 30),
                  unit="市城市管理局", status="办理中")
    values.update(overrides)
    return MessageRecord(**values)


def test_insert_then_identical_reingest_changes_nothing(session):
    source = get_or_create_source(session, "mayor-mailbox", "mailbox")
    first = upsert_messages(session, source, [_record(), _record(external_id="XX2025002", title="另一封")])
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    second = upsert_messages(session, source, [_record(), _record(external_id="XX2025002", title="另一封")])
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert session.scalar(select(func.count(MessageRevision.id))) == 0


def test_reply_appearing_is_applied_and_recorded_as_revision(session):
    source = get_or_create_source(session, "mayor-mailbox", "mailbox")
    upsert_messages(session, source, [_record()])
    replied = _record(reply_text="经核查，路灯已于3月5日修复。", replied_at=datetime(2025, 3, 5, 16, 0), status="已办结")
    result = upsert_messages(session, source, [replied], run_id=None)
    assert (result.inserted, result.updated) == (0, 1)
    message = session.scalar(select(Message))
    assert message.reply_text.startswith("经核查") and message.status == "已办结"
    changes = {r.field: (r.old_value, r.new_value) for r in session.scalars(select(MessageRevision))}
    assert changes["status"] == ("办理中", "已办结")
    assert changes["reply_text"] == (None, "经核查，路灯已于3月5日修复。")
    assert changes["replied_at"] == (None, "2025-03-05 16:00:00")


def test_missing_field_never_erases_stored_value(session):
    source = get_or_create_source(session, "mayor-mailbox", "mailbox")
    upsert_messages(session, source, [_record()])
    result = upsert_messages(session, source, [_record(unit=None, status=None)])
    assert result.unchanged == 1
    assert session.scalar(select(Message.unit)) == "市城市管理局"


def test_records_without_id_are_keyed_by_content_hash(session):
    source = get_or_create_source(session, "board", "feedback")
    records = [_record(external_id=None), _record(external_id=None, content="另一条不同的内容")]
    assert upsert_messages(session, source, records).inserted == 2
    again = upsert_messages(session, source, records)
    assert (again.inserted, again.unchanged) == (0, 2)


def test_reused_site_id_with_other_title_and_text_is_another_message(session):
    source = get_or_create_source(session, "city-mailbox", "mailbox")
    other = _record(title="翠湖花园夜间施工噪音", content="工地每晚施工到凌晨两点。")
    result = upsert_messages(session, source, [_record(), other])
    assert result.inserted == 2
    assert upsert_messages(session, source, [_record(), other]).unchanged == 2


def test_duplicate_rows_in_one_run_are_stored_once(session):
    source = get_or_create_source(session, "board", "feedback")
    result = upsert_messages(session, source, [_record(), _record(content="滨江路东段路灯已经两周不亮。")],
                             batch_size=1)
    assert (result.inserted, result.duplicates) == (1, 1)


def test_bad_records_are_rejected_with_reason_and_the_rest_stored(session):
    source = get_or_create_source(session, "board", "feedback")
    result = upsert_messages(session, source, [
        _record(title=None, content="  ", ref="x.csv row 2"), _record(channel="fax", ref="x.csv row 3"), _record(),
    ])
    assert result.inserted == 1 and result.rejected == 2
    assert [str(r) for r in result.rejects] == [
        "x.csv row 2: content: no message text (title and content are both empty)",
        "x.csv row 3: channel: unknown channel 'fax' (expected one of ('hotline', 'mailbox', 'feedback'))",
    ]


def test_seeing_messages_again_writes_their_sightings_not_their_rows(session, monkeypatch):
    """A re-import records when each message was seen (Message.last_seen_at) in message_sightings; an unchanged
    message's own row is not rewritten. Oracle: PostgreSQL's xmin, the transaction that wrote a row version, stays
    the first import's for the unchanged letter and moves for the changed one."""
    import store.upsert

    first, second = datetime(2025, 3, 3, 10, 0), datetime(2025, 3, 4, 10, 0)
    source = get_or_create_source(session, "mayor-mailbox", "mailbox")
    monkeypatch.setattr(store.upsert, "now_local", lambda: first)
    upsert_messages(session, source, [_record(), _record(external_id="XX2025002", title="另一封")])
    session.commit()
    postgresql = session.get_bind().dialect.name == "postgresql"
    row_version = "xmin::text" if postgresql else "'-'"
    versions_before = dict(session.execute(text(f"SELECT external_id, {row_version} FROM messages")).all())
    assert [m.last_seen_at for m in session.scalars(select(Message))] == [first, first]  # never seen again yet
    monkeypatch.setattr(store.upsert, "now_local", lambda: second)
    again = upsert_messages(session, source, [_record(), _record(external_id="XX2025002", title="另一封",
                                                                  status="已办结")])
    session.commit()
    assert (again.unchanged, again.updated) == (1, 1)
    session.expire_all()
    seen = {m.external_id: (m.first_seen_at, m.last_seen_at) for m in session.scalars(select(Message))}
    assert seen == {"XX2025001": (first, second), "XX2025002": (first, second)}
    assert session.scalar(select(func.count()).select_from(MessageSighting)) == 2
    if postgresql:
        versions_after = dict(session.execute(text(f"SELECT external_id, {row_version} FROM messages")).all())
        assert versions_after["XX2025001"] == versions_before["XX2025001"]  # unchanged: row not rewritten
        assert versions_after["XX2025002"] != versions_before["XX2025002"]  # its status changed
