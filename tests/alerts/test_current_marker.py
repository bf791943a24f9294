"""The writers' current-level marker (``Alert.is_current``, ``Alert.is_current_overall``) against the anti-join
the alerts page used to answer per request, after each day of real alert runs (fire, escalate, supersede,
resolve, re-fire) and ORM writes (acknowledgement, early warnings, a level added and removed by hand); and the
work list of every state against the same oracle."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text, update

from alerts.acknowledgements import acknowledge
from alerts.rules import run_alerts
from store.db import session_scope
from store.models.alerts import Alert
from store.models.deadlines import Deadline
from tests.alerts.world import add_messages, load_units, reply
from web.queries.alerts import STATES, AlertFilters, alert_rows

# The oracle: the page's former definition, spelled out in SQL here. An alert is current in its state when no
# alert of the same message, recipient and state has a higher level, or the same level and a larger id; overall,
# the same without the state. Alerts without a message never match a sibling (NULL = NULL is not true).
_RANK = ("CASE {t}.level WHEN 'warning' THEN 0 WHEN 'due_soon' THEN 1 WHEN 'overdue' THEN 2 "
         "WHEN 'seriously_overdue' THEN 3 WHEN 'supervision' THEN 4 ELSE -1 END")
_OUTRANKED = (f"EXISTS (SELECT 1 FROM alerts h WHERE h.message_id = a.message_id AND h.recipient = a.recipient "
              f"{{same_state}} AND ({_RANK.format(t='h')} > {_RANK.format(t='a')} OR "
              f"({_RANK.format(t='h')} = {_RANK.format(t='a')} AND h.id > a.id)))")
ORACLE = text(f"""SELECT a.id, a.state,
                         CASE WHEN {_OUTRANKED.format(same_state="AND h.state = a.state")} THEN 0 ELSE 1 END,
                         CASE WHEN {_OUTRANKED.format(same_state="")} THEN 0 ELSE 1 END
                  FROM alerts a ORDER BY a.id""")


def check_markers(engine) -> dict[int, str]:
    """Every alert's stored markers equal the oracle's, and each state's work list shows exactly the oracle's
    rows; returns alert id -> state."""
    with session_scope(engine) as session:
        oracle = session.execute(ORACLE).all()
        stored = session.execute(select(Alert.id, Alert.is_current, Alert.is_current_overall).order_by(Alert.id))
        assert [(i, bool(s), bool(o)) for i, s, o in stored] == [(i, bool(s), bool(o)) for i, _, s, o in oracle]
        for state in STATES:
            rows, total = alert_rows(session, [], AlertFilters(state=state), page_size=1000)
            expected = {i for i, st, in_state, overall in oracle
                        if (overall if state == "all" else in_state and st == state)}
            assert {r.alert.id for r in rows} == expected and total == len(expected), state
    return {i: st for i, st, _, _ in oracle}


@pytest.fixture
def world(engine, monkeypatch):
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    monkeypatch.setenv("HOTLINE_ALERTS_SUPERVISION_AFTER_DAYS", "7")
    get_settings.cache_clear()
    load_units(engine)
    # On the calendar of test_rules: received 03-25 or 03-26, due 04-01 or 04-02 (5 working days); the
    # ladder then climbs due soon -> overdue -> seriously overdue (supervisor) -> supervision (office).
    return add_messages(engine, [("A1", dt.datetime(2024, 3, 25, 10), "市住建局"),
                                 ("A2", dt.datetime(2024, 3, 26, 10), "市住建局"),
                                 ("A3", dt.datetime(2024, 3, 25, 11), "市住建局")])


def test_marker_equals_the_anti_join_after_every_write(engine, world):
    history: dict[int, list[str]] = {}

    def step(action=None):
        if action is not None:
            with session_scope(engine) as session:
                action(session)
        for alert_id, state in check_markers(engine).items():
            if not history.get(alert_id) or history[alert_id][-1] != state:
                history.setdefault(alert_id, []).append(state)

    def run(day: str):
        step(lambda session: run_alerts(session, now=dt.datetime.fromisoformat(day) + dt.timedelta(hours=9)))

    for day in ("2024-03-28", "2024-03-29", "2024-04-01", "2024-04-02", "2024-04-03"):  # due soon, then overdue
        run(day)
    step(lambda session: acknowledge(session, session.scalar(select(Alert.id).where(
        Alert.message_id == world["A2"], Alert.level == "overdue")), "张科长"))
    step(lambda session: session.add_all([  # two early warnings: no message, each its own row
        Alert(subject=f"warning:{n}", level="warning", recipient="analysts", state="firing", title=f"预警{n}")
        for n in (1, 2)]))
    for day in ("2024-04-07", "2024-04-08"):
        run(day)
    # A3's deadline extended to Wednesday 04-10: due soon again on 04-09, its superseded alert fires again.
    step(lambda session: session.execute(update(Deadline).where(Deadline.message_id == world["A3"])
                                         .values(due_on=dt.date(2024, 4, 10))))
    for day in ("2024-04-09", "2024-04-10", "2024-04-11"):  # seriously overdue, supervision
        run(day)
    reply(engine, world["A1"], dt.datetime(2024, 4, 11, 16))
    run("2024-04-12")  # A1: every level resolved

    # A level added by hand (as a fixture does) outranks A3's overdue alert to the same unit, then goes again
    # (A3, late 2 after its extension, has no seriously overdue level of its own).
    def add_level(session):
        overdue = session.scalar(select(Alert).where(Alert.message_id == world["A3"], Alert.level == "overdue"))
        session.add(Alert(subject=overdue.subject, message_id=overdue.message_id, level="seriously_overdue",
                          recipient=overdue.recipient, state="firing", title=overdue.title))

    step(add_level)
    step(lambda session: session.delete(session.scalar(select(Alert).where(
        Alert.message_id == world["A3"], Alert.level == "seriously_overdue"))))

    # The sequence did what it claims: levels climbed, a due-soon alert was superseded and fired again, and
    # alerts were resolved (otherwise the equality above could hold on a trivial table).
    # A3's due-soon alert: superseded once overdue (04-02), due soon again after the extension (04-09), late
    # again on 04-11.
    paths = set(map(tuple, history.values()))
    assert ("firing", "superseded", "firing", "superseded") in paths
    assert ("firing", "superseded", "resolved") in paths and ("firing", "resolved") in paths
    with session_scope(engine) as session:
        levels = set(session.scalars(select(Alert.level).where(Alert.message_id == world["A1"])))
    assert levels == {"due_soon", "overdue", "seriously_overdue", "supervision"}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_marks_the_alerts_it_finds(request, kind):
    from store.migrate import upgrade
    from tests.store.test_migrations import _fresh_engine

    engine = _fresh_engine(request, kind)
    upgrade(engine, "0016_crawl_health")
    at = "2024-04-01 09:00:00"
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO sources (id, name, channel, origin, created_at) "
                          f"VALUES (1, 's', 'hotline', 'crawl', '{at}')"))
        for message_id in (1, 2):
            conn.execute(text(f"INSERT INTO messages (id, source_id, channel, natural_key, content, extra, "
                              f"content_hash, first_seen_at, last_seen_at) VALUES ({message_id}, 1, 'hotline', "
                              f"'m{message_id}', 'x', '{{}}', 'h{message_id}', '{at}', '{at}')"))
        alerts = [(1, 1, "due_soon", "unit:1", "superseded"), (2, 1, "overdue", "unit:1", "firing"),
                  (3, 1, "seriously_overdue", "unit:2", "firing"), (4, 2, "overdue", "unit:1", "resolved"),
                  (5, 2, "due_soon", "unit:1", "resolved"), (6, None, "warning", "analysts", "firing"),
                  (7, None, "warning", "analysts", "firing"), (8, 1, "supervision", "unit:1", "superseded")]
        for alert_id, message_id, level, recipient, state in alerts:
            subject = f"warning:{alert_id}" if message_id is None else f"message:{message_id}"
            conn.execute(text("INSERT INTO alerts (id, subject, message_id, level, recipient, state, title, "
                              "overdue_workdays, last_period, first_fired_at, details) VALUES (:id, :subject, "
                              ":message_id, :level, :recipient, :state, '', 0, -1, :at, '{}')"),
                         {"id": alert_id, "subject": subject, "message_id": message_id, "level": level,
                          "recipient": recipient, "state": state, "at": at})
    upgrade(engine)
    with engine.connect() as conn:
        stored = [(i, bool(s), bool(o)) for i, s, o in conn.execute(text(
            "SELECT id, is_current, is_current_overall FROM alerts ORDER BY id"))]
        oracle = [(i, bool(s), bool(o)) for i, _, s, o in conn.execute(ORACLE)]
    assert stored == oracle
    # By hand: (message 1, unit:1) holds superseded due_soon (1) and supervision (8) and firing overdue (2):
    # 8 tops the superseded ones and all of them, 2 the firing ones; 3 is alone to unit:2; message 2's resolved
    # overdue (4) tops its due_soon (5); the warnings (6, 7) have no message and are each their own row.
    assert stored == [(1, False, False), (2, True, False), (3, True, True), (4, True, True), (5, False, False),
                      (6, True, True), (7, True, True), (8, True, True)]
