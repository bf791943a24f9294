"""Praise and thanks have no reply duty: the deadline rule type "no_reply_duty" gives them no due date, so the
alert run never raises anything for them (issue 18: a 点赞 letter raised supervision alerts)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from alerts.rules import run_alerts
from analysis.deadlines.engine import DeadlineError, compute_deadlines, load_rules, parse_rules
from store.db import session_scope
from store.models import Message
from store.models.alerts import Alert
from store.models.deadlines import Deadline
from tests.alerts.world import add_messages, load_units


def test_packaged_rules_cover_every_no_reply_duty_class():
    from analysis.routing.admissibility import NO_REPLY_DUTY

    rules = load_rules()
    duty_free = {value for r in rules.rules if r.no_reply_duty for value in r.admissibility}
    assert NO_REPLY_DUTY <= duty_free
    assert rules.match("hotline", "表扬信", None, None, None).no_reply_duty  # by the export's kind
    assert rules.match("hotline", "投诉", None, None, None, admissibility="praise").no_reply_duty
    assert not rules.match("hotline", "投诉", None, None, None, admissibility="admissible").no_reply_duty


def test_a_no_reply_duty_rule_needs_criteria_and_no_days():
    base = {"id": "d", "days": 5, "source": "s"}
    with pytest.raises(DeadlineError, match="needs criteria"):
        parse_rules({"rule": [base, {"id": "n", "type": "no_reply_duty", "source": "s"}]})
    with pytest.raises(DeadlineError, match="has no `days`"):
        parse_rules({"rule": [base, {"id": "n", "type": "no_reply_duty", "days": 3, "kinds": ["表扬"],
                                     "source": "s"}]})
    with pytest.raises(DeadlineError, match="rule.1.type: Input should be 'deadline' or 'no_reply_duty'"):
        parse_rules({"rule": [base, {"id": "n", "type": "sometimes", "kinds": ["表扬"], "source": "s"}]})


@pytest.fixture
def world(engine, monkeypatch):
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_GENERAL_MODE", "production")
    get_settings.cache_clear()
    load_units(engine)
    # Three letters received Monday 2024-03-25 (due 2024-04-01 with 5 working days), none answered: a
    # complaint, a praise classified by the admissibility step (kind still 投诉), and one whose kind is 表扬.
    ids = add_messages(engine, [("C1", dt.datetime(2024, 3, 25, 10), "市住建局"),
                                ("P1", dt.datetime(2024, 3, 25, 10), "市住建局"),
                                ("P2", dt.datetime(2024, 3, 25, 11), "市住建局")])
    with session_scope(engine) as session:
        session.get(Message, ids["P1"]).admissibility = "praise"
        session.get(Message, ids["P2"]).kind = "表扬"
        compute_deadlines(session, as_of=dt.date(2024, 3, 25))
    return ids


def test_praise_never_raises_an_alert(engine, world):
    with session_scope(engine) as session:
        deadlines = {d.message_id: d for d in session.scalars(select(Deadline))}
        assert deadlines[world["C1"]].due_on == dt.date(2024, 4, 1)
        for key in ("P1", "P2"):
            assert deadlines[world[key]].due_on is None and "无答复义务" in deadlines[world[key]].explanation_zh
        # Three weeks later the complaint is seriously overdue and under supervision; the praise is silent.
        for day in (dt.datetime(2024, 4, 2, 9), dt.datetime(2024, 4, 10, 9), dt.datetime(2024, 4, 19, 9)):
            run_alerts(session, now=day)
        alerted = {a.message_id for a in session.scalars(select(Alert))}
    assert world["C1"] in alerted
    assert world["P1"] not in alerted and world["P2"] not in alerted
