"""Pages and actions over HTTP: figures match the data, curation and re-routing are stored, refusals shown."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from store.db import session_scope
from store.models import Message, MessageRevision, now_local
from store.models.deadlines import Deadline
from store.models.topics import Topic, TopicCuration, TopicMembership
from tests.web.conftest import UNIT_A, csrf_of, login, seed_database
from web.queries.dashboard import build_dashboard
from web.queries.messages import MessageFilters, search_messages


def test_dashboard_figures_match_the_data(engine):
    seed_database(engine)
    today = now_local().date()
    with session_scope(engine) as session:
        rows = session.execute(select(Message, Deadline).join(Deadline, Deadline.message_id == Message.id)).all()
        overdue = [m for m, d in rows if d.due_on < today and m.replied_at is None and m.reply_text is None]
        board = build_dashboard(session, [], today)
        decided = [(m, d) for m, d in rows if d.due_on < today and (m.replied_at is None or m.replied_at.date() <= today)]
        on_time = sum(1 for m, d in decided if m.replied_at is not None and m.replied_at.date() <= d.due_on)
    assert board.overdue_total == len(overdue) > 0
    assert dict(board.overdue_by_unit) == {u: sum(1 for m in overdue if m.unit == u) for u in {m.unit for m in overdue}}
    assert (board.on_time, board.decided) == (on_time, len(decided))
    assert board.total_in_window == len(rows)
    assert sum(board.volume["mailbox"]) == sum(1 for m, _ in rows if m.channel == "mailbox")


def test_search_on_both_databases(engine):
    seed = seed_database(engine)
    with session_scope(engine) as session:
        rows, more = search_messages(session, MessageFilters(q="噪音"), [], date.today())
        assert [m.external_id for m, _, _ in rows] == ["XSS1"] and not more
        rows, _ = search_messages(session, MessageFilters(q="100%"), [], date.today())  # LIKE wildcards escaped
        assert rows == []
        rows, more = search_messages(session, MessageFilters(channel="hotline", unit=UNIT_A), [], date.today(), 5)
        assert len(rows) == 5 and more and all(m.unit == UNIT_A and m.channel == "hotline" for m, _, _ in rows)
        dates = [m.submitted_at for m, _, _ in rows]
        assert dates == sorted(dates, reverse=True)
        rows, _ = search_messages(session, MessageFilters(overdue=True), [Message.unit == UNIT_A], date.today(), 100)
        assert rows and all(m.replied_at is None and due < date.today() for m, _, due in rows)
    assert seed.message_ids


def test_message_detail_shows_history_deadline_and_reroutes(client, seeded, sqlite_engine):
    login(client, "test-analyst")
    message_id = seeded.message_ids["M001"]
    page = client.get(f"/messages/{message_id}").text
    assert "<td>答复</td>" in page and "已联系当事人。" in page and "5个工作日" in page
    response = client.post(f"/messages/{message_id}/route", data={"unit": UNIT_A, "reason": "属地管理",
                                                                   "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert response.status_code == 303
    with session_scope(sqlite_engine) as session:
        assert session.get(Message, message_id).unit == UNIT_A
        revision = session.scalars(select(MessageRevision).where(MessageRevision.message_id == message_id,
                                                                 MessageRevision.field == "unit")).one()
        assert revision.new_value == UNIT_A


def test_split_move_and_hide_are_stored_as_curation(client, seeded, sqlite_engine):
    login(client, "test-analyst")
    token = csrf_of(client)
    topic_id = seeded.topic_ids["物业服务"]
    moved = [seeded.message_ids["M000"], seeded.message_ids["M002"]]
    response = client.post(f"/topics/{topic_id}/split", data={"message_id": moved, "label": "小区绿化",
                                                               "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    new_id = int(response.headers["location"].split("/")[2].split("?")[0])
    refused = client.post(f"/topics/{topic_id}/split", data={"csrf_token": token})
    # analysis.topics.clustering's refusals, worded in the user's language by their code (web.curation.REFUSALS)
    assert refused.status_code == 400 and "拆分：请至少勾选一封信件" in refused.text
    assert "split needs" not in refused.text
    unnamed = client.post(f"/topics/{topic_id}/rename", data={"label": "  ", "csrf_token": token})
    assert unnamed.status_code == 400 and "名称：话题名称不能为空" in unnamed.text
    parking = seeded.topic_ids["停车难"]
    assert client.post(f"/topics/{topic_id}/move", data={"message_id": seeded.message_ids["M004"], "target": parking,
                                                          "csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.post(f"/topics/{parking}/hide", data={"hidden": "1", "csrf_token": token},
                       follow_redirects=False).status_code == 303
    with session_scope(sqlite_engine) as session:
        new = session.get(Topic, new_id)
        assert new.label == "小区绿化" and new.size == 2
        assert session.get(Topic, topic_id).size == 2
        assert session.get(Topic, parking).status == "hidden" and session.get(Topic, parking).size == 3
        member = session.scalar(select(TopicMembership).where(TopicMembership.message_id == seeded.message_ids["M004"]))
        assert member.topic_id == parking and member.origin == "analyst"
        actions = [(c.action, c.payload) for c in session.scalars(select(TopicCuration).order_by(TopicCuration.id))]
    assert actions == [("split", {"message_ids": sorted(moved), "new_topic_id": new_id}),
                       ("rename", {"label": "小区绿化"}),
                       ("move", {"message_id": seeded.message_ids["M004"]}), ("hide", {})]
    assert "No hidden topics" not in client.get("/topics?status=hidden").text


def test_summary_refusals_are_shown(client, seeded):
    login(client, "test-editor")
    token = csrf_of(client)
    pid = seeded.publication_id
    refused = client.post(f"/summaries/{pid}/approve", data={"csrf_token": token})
    assert refused.status_code == 409 and "must be reviewed before approval" in refused.text
    assert client.post(f"/summaries/{pid}/review", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    same_person = client.post(f"/summaries/{pid}/approve", data={"csrf_token": token})
    assert same_person.status_code == 409 and "another person must approve" in same_person.text
    preview = client.get(f"/summaries/{pid}/preview")
    assert preview.status_code == 200 and "script-src" not in preview.headers["content-security-policy"]
    assert "<script" not in preview.text.lower()
