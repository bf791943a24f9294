"""The workdays / overdue / deadlines commands (the CLI contract)."""
from __future__ import annotations

import json
from datetime import datetime

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from analysis.deadlines.commands import register
from store.db import session_scope
from store.models import Message, Source
from store.models.deadlines import Deadline


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:  # a group, as in cli.py
        pass

    register(app)
    return app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_workdays_add_first_line_is_the_iso_due_date(app, runner):
    result = runner.invoke(app, ["workdays", "add", "2025-01-24", "5"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2025-02-07"
    assert "Sun 01-26 is a make-up working day" in lines[1]


def test_workdays_add_json(app, runner):
    result = runner.invoke(app, ["workdays", "add", "2025-01-24", "5", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "due": "2025-02-07", "provisional": False,
        "explanation": "received Fri 2025-01-24; 5 working days; Sun 01-26 is a make-up working day; "
                       "01-28..02-04 Spring Festival holiday; due Fri 2025-02-07"}


def test_workdays_add_saturday_and_chinese(app, runner):
    result = runner.invoke(app, ["workdays", "add", "2025-03-08", "3", "--json", "--lang", "zh"])
    data = json.loads(result.stdout)
    # General rule (the default since issue 17): Saturday not counted, Mon, Tue, Wed (was Thu when a Saturday
    # letter was deemed received on Monday).
    assert data["due"] == "2025-03-12"
    assert "收到当日不计入，自次日起算（民法典第二百零一条）" in data["explanation"]


def test_workdays_add_into_a_provisional_year_warns_on_stderr(app, runner):
    result = runner.invoke(app, ["workdays", "add", "2026-12-29", "5", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["due"] == "2027-01-06" and data["provisional"] is True
    assert "warning: no State Council holiday notice for 2027" in result.stderr


def test_workdays_add_bad_input_is_a_clear_error(app, runner):
    result = runner.invoke(app, ["workdays", "add", "2025-02-30", "5"])
    assert result.exit_code != 0
    assert "expected a date like 2025-01-24" in result.output
    out_of_range = runner.invoke(app, ["workdays", "add", "2150-01-01", "5"])
    assert out_of_range.exit_code == 2
    assert "outside the supported calendar range" in out_of_range.stderr


def test_workdays_between(app, runner):
    result = runner.invoke(app, ["workdays", "between", "2025-01-24", "2025-02-07"])
    assert result.stdout.splitlines()[0] == "5"
    backwards = runner.invoke(app, ["workdays", "between", "2025-02-07", "2025-01-24", "--json"])
    assert json.loads(backwards.stdout) == {"from": "2025-02-07", "to": "2025-01-24", "working_days": -5,
                                            "provisional": False}


@pytest.fixture
def messages(sqlite_engine):
    with session_scope(sqlite_engine) as session:
        source = Source(name="某市12345", channel="hotline")
        session.add(source)
        session.flush()
        for n, (submitted, kind, unit, replied) in enumerate([
            (datetime(2025, 3, 3, 9), "投诉", "市住建局", None),
            (datetime(2025, 3, 3, 9), "咨询", "市教育局", datetime(2025, 3, 4, 9)),
            (datetime(2025, 3, 11, 9), "咨询", "市教育局", None),
        ], start=1):
            session.add(Message(source_id=source.id, channel="hotline", external_id=f"X{n}", natural_key=f"X{n}",
                                title=f"t{n}", content=f"c{n}", submitted_at=submitted, kind=kind, unit=unit,
                                replied_at=replied, content_hash=f"{n:040d}", extra={}))
    return sqlite_engine


def test_overdue_json_as_of_a_date(app, runner, messages):
    result = runner.invoke(app, ["overdue", "--as-of", "2025-03-13", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"] == {"overdue": 1, "due_soon": 1}
    assert [(m["external_id"], m["state"], m["working_days_late"]) for m in data["messages"]] == [
        ("X1", "overdue", 3), ("X3", "due_soon", None)]
    only = json.loads(runner.invoke(app, ["overdue", "--as-of", "2025-03-13", "--format", "json",
                                          "--unit", "教育"]).stdout)
    assert [m["external_id"] for m in only["messages"]] == ["X3"]


def test_overdue_table_and_xlsx(app, runner, messages, tmp_path):
    table = runner.invoke(app, ["overdue", "--as-of", "2025-03-20"])
    assert table.exit_code == 0, table.output
    assert "seriously_overdue" in table.stdout and "X1" in table.stdout
    path = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["overdue", "--as-of", "2025-03-20", "--format", "xlsx", "-o", str(path)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("message_id", "external_id", "unit")
    assert {r[1] for r in rows[1:]} == {"X1", "X3"}


def test_deadlines_explain(app, runner, messages):
    with session_scope(messages) as session:
        message_id = session.query(Message.id).filter(Message.external_id == "X1").scalar()
    result = runner.invoke(app, ["deadlines", "explain", str(message_id), "--as-of", "2025-03-11"])
    assert result.exit_code == 0, result.output
    assert "rule: complaint-request-5wd" in result.stdout
    assert "due: 2025-03-10" in result.stdout
    assert "state as of 2025-03-11: overdue, 1 working day late" in result.stdout
    missing = runner.invoke(app, ["deadlines", "explain", "999"])
    assert missing.exit_code == 2 and "no message with id 999" in missing.stderr


def test_deadlines_extend_and_pause_commands(app, runner, messages):
    with session_scope(messages) as session:
        message_id = session.query(Message.id).filter(Message.external_id == "X1").scalar()
    result = runner.invoke(app, ["deadlines", "extend", str(message_id), "--approved-on", "2025-03-07",
                                 "--extra-days", "5", "--reason", "情况复杂"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "2025-03-17"
    bad = runner.invoke(app, ["deadlines", "extend", str(message_id), "--approved-on", "2025-03-07"])
    assert bad.exit_code == 2 and "exactly one of" in bad.stderr
    paused = runner.invoke(app, ["deadlines", "pause", str(message_id), "--start", "2025-03-05"])
    assert paused.stdout.splitlines()[0] == "paused"
    resumed = runner.invoke(app, ["deadlines", "pause", str(message_id), "--start", "2025-03-05",
                                  "--end", "2025-03-06"])
    assert resumed.stdout.splitlines()[0] == "2025-03-18"  # 03-10 + 1 paused day = 03-11, + 5 = 03-18
    with session_scope(messages) as session:
        assert session.query(Deadline.due_on).filter(Deadline.message_id == message_id).scalar().isoformat() \
            == "2025-03-18"


def test_deadlines_stats_and_calendar(app, runner, messages):
    stats = runner.invoke(app, ["deadlines", "stats", "--as-of", "2025-03-20", "--json", "--min-cases", "2"])
    assert stats.exit_code == 0, stats.output
    data = {row["unit"]: row for row in json.loads(stats.stdout)}
    assert data["市教育局"]["cases"] == 2 and data["市教育局"]["on_time"] == 1 and data["市教育局"]["rank"] == 1
    assert data["市住建局"]["ranked"] is False
    calendar = runner.invoke(app, ["deadlines", "calendar", "2027"])
    assert "2027: provisional" in calendar.stdout
    assert "2027-02-05..2027-02-10  春节" in calendar.stdout
