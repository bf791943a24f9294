"""The fast read paths: trigram search on PostgreSQL, the topic list's kept trends, the hot-list fragment, and
stored routing predictions on the message page."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from store.db import session_scope
from store.models import Message, now_local
from store.models.routing import RoutingPrediction
from store.models.topics import TopicMembership
from tests.web.conftest import UNIT_B, csrf_of, login, seed_database
from web.queries.messages import MessageFilters, search_conditions, search_messages
from web.queries.topics import TopicTrends, daily_counts, list_topics


def test_search_expression_is_the_indexed_one(pg_engine):
    """The planner can serve the search from ix_messages_search_trgm (seq scans off so the tiny table does not
    hide it), and the indexed expression finds words in the title and in the content."""
    seed_database(pg_engine)
    query = select(Message.id).where(*search_conditions(MessageFilters(q="噪音"), date.today()))
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with pg_engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in conn.execute(text("EXPLAIN " + sql)))
    assert "ix_messages_search_trgm" in plan, plan
    with session_scope(pg_engine) as session:
        in_content, _ = search_messages(session, MessageFilters(q="噪音"), [], date.today())
        in_title, _ = search_messages(session, MessageFilters(q="道路问题"), [], date.today(), 100)
        both, _ = search_messages(session, MessageFilters(q="道路 不到位"), [], date.today(), 100)  # title + content
    assert [m.external_id for m, _, _ in in_content] == ["XSS1"]
    assert in_title and all("道路问题" in m.title for m, _, _ in in_title)
    assert {m.id for m, _, _ in both} == {m.id for m, _, _ in in_title}


def test_topic_trends_match_and_follow_curation(engine):
    from analysis.topics.clustering import move_message

    seed = seed_database(engine)
    trends = TopicTrends()
    with session_scope(engine) as session:
        rows, _, end = list_topics(session, trends=trends)
        ids = [r.topic.id for r in rows]
        assert {r.topic.id: r.trend for r in rows} == daily_counts(session, ids, end)
        assert sum(sum(r.trend) for r in rows) == session.query(TopicMembership).count() > 0
    with session_scope(engine) as session:
        move_message(session, seed.message_ids["M000"], seed.topic_ids["停车难"], author="test")
    with session_scope(engine) as session:
        rows, _, end = list_topics(session, trends=trends)
        kept = {r.topic.id: r.trend for r in rows}
        assert kept == daily_counts(session, list(kept), end)
        assert sum(kept[seed.topic_ids["停车难"]]) == 3


def test_hot_list_fragment_and_dashboard(client, seeded):
    login(client, "test-analyst")
    page = client.get("/").text
    assert 'hx-get="/dashboard/hot-list"' in page and "未办结且已超期" in page
    fragment = client.get("/dashboard/hot-list", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "/topics/" in fragment.text or "期间没有话题" in fragment.text
    login(client, "test-unit-b")
    assert 'hx-get="/dashboard/hot-list"' not in client.get("/").text
    assert client.get("/dashboard/hot-list").status_code == 403


def test_message_page_shows_stored_routing_and_manual_reroute_marks_it(client, seeded, sqlite_engine):
    message_id = seeded.message_ids["M003"]
    with session_scope(sqlite_engine) as session:
        session.add_all([
            RoutingPrediction(message_id=message_id, field="unit", predicted=None, best_guess=UNIT_B,
                              confidence=0.31, needs_manual=True, alternatives=[[UNIT_B, 0.31], ["市住建局", 0.22]],
                              model_version="20260101T000000", created_at=now_local()),
            RoutingPrediction(message_id=message_id, field="category", predicted="道路交通", best_guess="道路交通",
                              confidence=0.87, needs_manual=False, alternatives=[], model_version="20260101T000000",
                              created_at=now_local())])
    login(client, "test-analyst")
    page = client.get(f"/messages/{message_id}").text
    routing = page.split('id="routing"', 1)[1].split("</table>", 1)[0]
    assert "0.31" in routing and "需人工分办" in routing and f"最可能：{UNIT_B}" in routing
    assert "道路交通" in routing and "0.87" in routing
    response = client.post(f"/messages/{message_id}/route", data={"unit": "市住建局", "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert response.status_code == 303
    with session_scope(sqlite_engine) as session:
        unit_prediction = session.scalar(select(RoutingPrediction).where(RoutingPrediction.message_id == message_id,
                                                                         RoutingPrediction.field == "unit"))
        assert unit_prediction.routed_by == "test-analyst"
        assert session.get(Message, message_id).unit == "市住建局"
    assert "test-analyst 已分办" in client.get(f"/messages/{message_id}").text


def test_filter_choices_follow_new_data(client, seeded, sqlite_engine):
    """Data written by another process shows in the drop-downs once the kept data version is due for a recheck
    (web.queries.version.DATA_RECHECK_SECONDS; the interval is set here instead of waited for)."""
    from store.models import Source

    check = client.app.state.data_version
    check.max_age = 3600
    login(client, "test-analyst")
    assert '<option value="市新设局"' not in client.get("/messages").text
    with session_scope(sqlite_engine) as session:
        source = session.scalar(select(Source).limit(1))
        session.add(Message(source_id=source.id, channel="hotline", natural_key="NEW1", content="新诉求",
                            unit="市新设局", content_hash="0" * 40, submitted_at=now_local()))
    assert '<option value="市新设局"' not in client.get("/messages").text  # kept: no recheck due yet
    check.max_age = 0
    assert '<option value="市新设局"' in client.get("/messages").text


def test_filter_choices_follow_this_apps_own_writes_at_once(client, seeded):
    """A re-routing through the UI drops the kept data version when it commits: the next page of this process
    offers the new unit without waiting for the recheck."""
    client.app.state.data_version.max_age = 3600
    login(client, "test-analyst")
    assert '<option value="市新设局"' not in client.get("/messages").text
    response = client.post(f"/messages/{seeded.message_ids['M003']}/route",
                           data={"unit": "市新设局", "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303
    assert '<option value="市新设局"' in client.get("/messages").text


def test_server_start_takes_startup_objects_out_of_the_garbage_collectors_watch(client):
    """web.app's lifespan freezes the objects alive at start (once per process), so full collections of a busy
    worker do not traverse the modules and mappers again and again."""
    import gc

    assert client.get("/login").status_code == 200  # the client is started: the lifespan has run
    assert gc.get_freeze_count() > 10000


def test_data_version_check_reads_at_most_once_per_interval(engine):
    """The kept version is served without a query until max_age has passed; a commit that wrote through a
    watched session factory drops it at once, a read-only one does not."""
    from sqlalchemy import event

    from store.db import session_factory
    from store.models import Source
    from web.queries.version import DataVersionCheck

    seed_database(engine)
    now = [1000.0]
    check = DataVersionCheck(max_age=1.0, clock=lambda: now[0])
    watched = session_factory(engine)
    check.watch(watched)
    queries = []

    def count(_conn, _cursor, statement, *_args) -> None:
        queries.append(statement)

    def add_message(session, key: str) -> None:
        session.add(Message(source_id=session.scalar(select(Source.id).limit(1)), channel="hotline",
                            natural_key=key, content="新诉求", content_hash="0" * 40, submitted_at=now_local()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        with watched() as session:
            first = check.current(session)
            assert len(queries) == 1
            with session_scope(engine) as other:  # another process's write: not watched
                add_message(other, "NEW1")
            queries.clear()
            now[0] += 0.9
            assert check.current(session) == first and queries == []
            now[0] += 0.2
            second = check.current(session)
            assert second != first and len(queries) == 1
        with watched() as session:  # a read-only commit keeps the version
            session.execute(select(Message.id).limit(1))
            session.commit()
            queries.clear()
            assert check.current(session) == second and queries == []
        with watched() as session:  # a write through the watched factory drops it
            add_message(session, "NEW2")
            session.commit()
            queries.clear()
            assert check.current(session) != second and len(queries) == 1
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_search_ignores_letter_case(engine):
    seed = seed_database(engine)
    with session_scope(engine) as session:
        message = session.get(Message, seed.message_ids["M005"])
        message.content += " Road WORKS"
    with session_scope(engine) as session:
        for q in ("road works", "ROAD", "道路 works"):
            rows, _ = search_messages(session, MessageFilters(q=q), [], date.today())
            assert [m.external_id for m, _, _ in rows] == ["M005"], q
