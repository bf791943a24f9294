"""The hot list counts people, not letters; leaves out one-person bursts, inadmissible letters and bad data.

Topics are built directly (Topic + TopicMembership rows) so each test states exactly what a topic holds; every
letter is written for these tests."""
from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from analysis.topics.hotlist import hotlist, hotlist_report
from analysis.topics.warnings import detect_warnings, replay_warnings
from store.models import Message, Source
from store.models.topics import Topic, TopicMembership, WarningEvent

DAY = dt.date(2024, 4, 8)  # a Monday


def make_topic(session, source, label, letters):
    """letters: (external id, submitter, submitted_at, title, content, reply)."""
    topic = Topic(label=label, status="active")
    session.add(topic)
    session.flush()
    for external_id, submitter, when, title, content, reply in letters:
        message = Message(source_id=source.id, channel="hotline", external_id=external_id, natural_key=external_id,
                          title=title, content=content, submitter=submitter, submitted_at=when,
                          reply_text=reply, content_hash=external_id, first_seen_at=when or dt.datetime(2024, 1, 1))
        session.add(message)
        session.flush()
        session.add(TopicMembership(message_id=message.id, topic_id=topic.id, model_topic_id=topic.id))
    topic.first_message_at = min((w for _e, _s, w, *_ in letters if w), default=None)
    session.flush()
    return topic


def at(hour, day=DAY):
    return dt.datetime.combine(day, dt.time(hour))


def burst_and_crowd(session):
    source = Source(name="江川12345", channel="hotline")
    session.add(source)
    session.flush()
    # one resident writes the same complaint twelve times in one day, no submitter column: one person
    burst = make_topic(session, source, "松柏路烧烤摊噪音", [
        (f"B{n}", None, at(8) + dt.timedelta(minutes=20 * n), "松柏路烧烤摊半夜噪音",
         "松柏路夜市烧烤摊每天营业到凌晨两点，噪音油烟大，楼上住户无法休息，请城管处理。", None)
        for n in range(12)])
    # three different residents, their own words, on three days: three people
    crowd = make_topic(session, source, "翠湖小区暖气不热", [
        ("C1", None, at(9, DAY - dt.timedelta(days=4)), "翠湖小区暖气不热", "家里暖气只有温的，室温十四度，老人受不了。", None),
        ("C2", None, at(20, DAY - dt.timedelta(days=2)), "供暖不达标", "翠湖小区5号楼供暖温度太低，晚上要开空调。", None),
        ("C3", None, at(7, DAY), "翠湖小区供热差", "请督促热力公司检查翠湖小区的管道，屋里冷得睡不着。", None)])
    return source, burst, crowd


def test_one_person_burst_is_marked_and_not_ranked(session):
    _source, burst, crowd = burst_and_crowd(session)
    report = hotlist_report(session, DAY - dt.timedelta(days=6), DAY)
    assert [e["topic_id"] for e in report.entries] == [crowd.id]
    assert report.entries[0]["distinct_submitters"] == 3
    assert [(b["topic_id"], b["volume"], b["distinct_submitters"]) for b in report.one_person_bursts] == \
        [(burst.id, 12, 1)]
    assert any("one-person" in line for line in report.notes())


def test_people_rank_before_letters_and_votes(session):
    source = Source(name="江川信箱", channel="mailbox")
    session.add(source)
    session.flush()
    # two people, twenty letters, many votes vs three people, three letters: three people rank first
    loud = make_topic(session, source, "长青桥限高架", [
        (f"L{n}", f"用户{n % 2}", at(8 + n % 10), f"长青桥限高架第{n}次反映", f"长青桥限高架太低，货车绕行{n}公里。", None)
        for n in range(20)])
    for message in session.query(Message).filter(Message.external_id.like("L%")):
        message.votes_up = 50
    many = make_topic(session, source, "东湖公园厕所", [
        (f"M{n}", f"居民{n}", at(9 + n), "东湖公园厕所", f"东湖公园北门厕所坏了{n + 1}周没人修。", None) for n in range(3)])
    session.flush()
    entries = hotlist(session, DAY, DAY)
    assert [e["topic_id"] for e in entries] == [many.id, loud.id]
    assert [e["distinct_submitters"] for e in entries] == [3, 2]
    # the score's integer part is the people count: the order of scores is the order of people
    assert int(entries[0]["score"]) == 3 and int(entries[1]["score"]) == 2


def test_inadmissible_letters_form_no_entry(session):
    source = Source(name="江川信箱", channel="mailbox")
    session.add(source)
    session.flush()
    make_topic(session, source, "表扬环卫工人", [
        (f"P{n}", f"市民{n}", at(9 + n), "表扬信", f"感谢环卫工人第{n}次帮我找回钱包。", None) for n in range(4)])
    make_topic(session, source, "法院执行", [
        (f"O{n}", f"当事人{n}", at(9 + n), "判决执行难", f"我的案子判决{n + 1}年了还没执行，请领导过问。",
         "您反映的问题涉法涉诉，不在平台受理范围。") for n in range(3)])
    report = hotlist_report(session, DAY, DAY)
    assert report.entries == [] and report.one_person_bursts == []
    assert report.inadmissible == 7


def test_bad_dates_and_empty_text_are_skipped_and_counted(session):
    source, _burst, crowd = burst_and_crowd(session)
    # a letter from before the working-day calendar, one without a date, one without text, all in one topic
    make_topic(session, source, "旧信", [
        ("OLD", "甲", dt.datetime(1989, 12, 30, 9), "旧事", "一九八九年的来信，日期明显有误。", None),
        ("NODATE", "乙", None, "无日期", "这封信没有日期。", None),
        ("EMPTY", "丙", at(10), "", "", None),
        ("OK", "丁", at(11), "松柏路夜市", "松柏路夜市垃圾没人清理。", None)])
    # a window reaching back before the calendar (2012..2024 with previous windows into the 1990s) must work
    report = hotlist_report(session, dt.date(2012, 1, 1), dt.date(2024, 12, 31))
    assert crowd.id in [e["topic_id"] for e in report.entries]
    # the empty letter of the window, and the letters no window can hold (undated, 1989), each with its reason
    reasons = {s["message_id"]: s["reason"] for s in report.skipped}
    assert set(reasons) == {"EMPTY", None, "OLD"}
    assert reasons["EMPTY"] == "empty text" and reasons[None] == "no submission date"
    assert next(s["count"] for s in report.skipped if s["message_id"] is None) == 1
    assert "1989-12-30 outside the working-day calendar" in reasons["OLD"]
    # the previous windows (back to the 1990s) lie before the calendar: said once, not silently switched
    assert [p for p in report.calendar_problems if "growth rates per calendar day" in p] == \
        [p for p in report.notes() if "growth rates per calendar day" in p]
    assert len(report.calendar_problems) == 1
    # a window that holds the 1989 letter: it is listed once
    old = hotlist_report(session, dt.date(1989, 1, 1), dt.date(1990, 12, 31))
    assert [s["message_id"] for s in old.skipped].count("OLD") == 1


def test_a_broken_calendar_override_is_logged_and_the_list_still_made(session, tmp_path, monkeypatch, caplog):
    # An override file the calendar refuses: the hot list falls back to calendar days and says why; a window
    # inside the calendar otherwise raises no calendar problem at all (the oracle that the note is not always there).
    _source, _burst, crowd = burst_and_crowd(session)
    window = (DAY - dt.timedelta(days=6), DAY)
    assert hotlist_report(session, *window).calendar_problems == []
    (tmp_path / "2024.toml").write_text("this is not toml = = =", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_DEADLINES_CALENDAR_OVERRIDE_DIR", str(tmp_path))
    from store.settings import get_settings

    get_settings.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="analysis.topics.hotlist"):
            report = hotlist_report(session, *window)
    finally:
        monkeypatch.delenv("HOTLINE_DEADLINES_CALENDAR_OVERRIDE_DIR")
        get_settings.cache_clear()
    assert [e["topic_id"] for e in report.entries] == [crowd.id]
    assert len(report.calendar_problems) == 1 and "calendar days used instead" in report.calendar_problems[0]
    assert "2024.toml" in report.calendar_problems[0]
    assert any("calendar days used instead" in r.getMessage() for r in caplog.records)


def test_due_dates_past_the_calendars_end_are_counted(session):
    # Letters written in the calendar's last days (2099-12-31 is its end) have no due date 5 working days later:
    # they are due a week after submission instead, and the report says how many (the oracle: both letters).
    source = Source(name="江川12345", channel="hotline")
    session.add(source)
    session.flush()
    end = dt.date(2099, 12, 31)
    make_topic(session, source, "世纪末的路灯", [
        ("E1", "甲", dt.datetime(2099, 12, 30, 9), "滨江路路灯不亮", "滨江路路灯坏了一周。", None),
        ("E2", "乙", dt.datetime(2099, 12, 31, 9), "滨江路路灯坏了", "滨江路一排路灯都不亮。", None)])
    report = hotlist_report(session, end - dt.timedelta(days=6), end)
    assert [p for p in report.calendar_problems if "due past" in p] == [
        "2 letters due past the working-day calendar's end: due a week after submission instead"]


def test_hotlist_command_succeeds_and_reports_the_skipped_letter(sqlite_engine):
    from cli import app
    from store.db import session_factory

    with session_factory(sqlite_engine)() as session:
        source, _burst, _crowd = burst_and_crowd(session)
        make_topic(session, source, "旧信", [("OLD", "甲", dt.datetime(1989, 12, 30, 9), "旧事", "日期有误的信。", None),
                                            ("OK", "乙", at(11), "旧事", "另一封信。", None)])
        session.commit()
    result = CliRunner().invoke(app, ["hotlist", "--from", "1980-01-01", "--to", "2024-12-31", "--json"])
    assert result.exit_code == 0, result.output
    assert "skipped letter OLD" in result.stderr and "outside the working-day calendar" in result.stderr
    entries = json.loads(result.stdout)
    assert [e["label"] for e in entries] == ["翠湖小区暖气不热"]


def test_one_person_spike_is_no_warning_and_replay_stores_nothing(session, monkeypatch):
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_WARNINGS_MIN_DAILY", "3")
    get_settings.cache_clear()
    _source, burst, _crowd = burst_and_crowd(session)
    replayed = replay_warnings(session, DAY - dt.timedelta(days=6), DAY)
    spikes = [r for r in replayed if r["kind"] == "spike" and r["topic_id"] == burst.id]
    # twelve letters on one day from one person: a letter spike, held back, never fired
    assert [(r["day"], r["letters"], r["people"], r["fired"]) for r in spikes] == [(DAY.isoformat(), 12, 1, False)]
    assert session.query(WarningEvent).count() == 0
    assert detect_warnings(session, as_of=DAY) == []  # the daily run agrees: nothing stored for one person


def test_replay_command_lists_what_fired_with_people(sqlite_engine, monkeypatch):
    from cli import app
    from store.db import session_factory
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_WARNINGS_MIN_DAILY", "3")
    get_settings.cache_clear()
    with session_factory(sqlite_engine)() as session:
        source = Source(name="江川12345", channel="hotline")
        session.add(source)
        session.flush()
        make_topic(session, source, "幸福里电梯停运", [
            (f"E{n}", f"居民{n}", at(9 + n), "电梯又坏了", f"幸福里3栋电梯停运第{n + 1}天，老人下不了楼。", None)
            for n in range(4)])
        session.commit()
    result = CliRunner().invoke(app, ["warnings", "replay", "--from", str(DAY - dt.timedelta(days=2)),
                                      "--to", str(DAY), "--json"])
    assert result.exit_code == 0, result.output
    fired = [r for r in json.loads(result.stdout) if r["fired"]]
    # four people on one day, nothing before: a spike (4 >= max(3, 0 + 3 * 1)) with four people
    assert [(r["kind"], r["day"], r["people"], r["days_after_first_letter"]) for r in fired] == \
        [("spike", DAY.isoformat(), 4, 0)]
    with session_factory(sqlite_engine)() as session:
        assert session.query(WarningEvent).count() == 0
