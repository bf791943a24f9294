"""The unit directory (aliases, escalation targets, clear errors) and the XLSX response ledger."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from alerts.acknowledgements import acknowledge
from alerts.directory import DirectoryError, UnitDirectory, load_directory_file, parse_directory
from alerts.rules import run_alerts
from store.db import session_scope
from store.models.alerts import Alert
from tests.alerts.world import add_messages, load_units, reply


def test_every_spelling_resolves_to_one_unit(sqlite_engine):
    load_units(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        directory = UnitDirectory.load(session)
    names = {spelling: directory.resolve(spelling).name for spelling in
             ("市住建局", "江川市住建局", "江川市住房和城乡建设局", " 江川市住房和城乡建设局 ", "江川市住房与城乡建设局")}
    assert set(names.values()) == {"江川市住房和城乡建设局"}, names
    assert directory.resolve("不存在的单位") is None and directory.resolve("") is None
    housing = directory.resolve("临江区住建局")
    assert directory.supervisor_of(housing).name == "临江区人民政府"
    assert directory.supervisor_of(directory.resolve("临江区政府")).name == "江川市人民政府办公室"
    assert directory.supervision_office.name == "江川市12345政务服务便民热线督办科"


# Shapes are checked by the schema (messages "file: key path: reason", a unit named by its name); references
# between units after it. Changed expectations are at least as precise: the unknown channel is named in the
# reason, the bad robot address's key path goes down to its url, and the e-mail address to its position.
@pytest.mark.parametrize("text, message", [
    ('[[unit]]\nname = "A"\nparent = "B"\n', "parent 'B' is not a unit"),
    ('[[unit]]\nname = "A"\n[unit.contacts]\nfax = "1"\n',
     "units.toml: unit['A'].contacts: unknown channel 'fax' (expected one of dingtalk, email, feishu, webhook, wecom)"),
    ('[[unit]]\nname = "A"\n[unit.contacts]\ndingtalk = "ftp://x"\n',
     "units.toml: unit['A'].contacts.dingtalk.url: expected a URL (http:// or https://), got 'ftp://x'"),
    ('[[unit]]\nname = "A"\n[unit.contacts]\nemail = ["a@x.org", "b.x.org"]\n',
     "units.toml: unit['A'].contacts.email.1: 'b.x.org' is not an e-mail address"),
    ('[[unit]]\nname = "A"\nsupervision_office = "yes"\n', "unit['A'].supervision_office: Input should be a valid boolean"),
    ('[[unit]]\nname = " "\n', r"units.toml: unit.0.name: String should have at least 1 character"),
    ('[[units]]\nname = "A"\n', "units.toml: unit: Field required"),
    ('[[unit]]\nname = "A"\naliases = ["X"]\n[[unit]]\nname = "B"\naliases = ["X"]\n', "'X' already names unit 'A'"),
])
def test_directory_errors_name_the_unit_and_field(text, message, tmp_path):
    import tomllib

    with pytest.raises(DirectoryError) as caught:
        parse_directory(tomllib.loads(text), "units.toml")
    assert message in str(caught.value)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[unit]\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="bad.toml: not valid TOML"):
        load_directory_file(bad)


def test_contacts_are_stored_in_one_shape():
    # a bare address and a bare robot URL become the stored shapes (a list; a table with url), an empty e-mail
    # list and absent channels are left out, a robot's secret is kept
    import tomllib

    (spec,) = parse_directory(tomllib.loads(
        '[[unit]]\nname = " A "\naliases = [" 甲 "]\n[unit.contacts]\nemail = "a@x.org"\nwecom = "https://w/x"\n'
        'feishu = { url = "https://f/x", secret = "s" }\n'), "units.toml")
    assert (spec.name, spec.aliases) == ("A", ["甲"])
    assert spec.contacts == {"email": ["a@x.org"], "feishu": {"url": "https://f/x", "secret": "s"},
                             "wecom": {"url": "https://w/x"}}
    (spec,) = parse_directory(tomllib.loads('[[unit]]\nname = "A"\n[unit.contacts]\nemail = []\n'), "units.toml")
    assert spec.contacts == {}


def test_units_load_command_is_idempotent(sqlite_engine):
    from cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["units", "load"])
    second = runner.invoke(app, ["units", "load"])
    assert first.exit_code == 0 and "37 added" in first.output
    assert "0 added, 0 updated, 37 unchanged" in second.output


def test_units_load_needs_a_path_in_production(tmp_path):
    # The real command in its own process: in production, no path and no alerts.units_file is refused (exit 2,
    # one line) before the database is opened (none exists in tmp_path), instead of loading the demo city's units.
    from tests.faults.helpers import assert_one_line_error, cli_env, run

    env = cli_env(tmp_path / "var", HOTLINE_GENERAL_MODE="production")
    assert_one_line_error(run(["units", "load"], tmp_path, env), "units load: no directory file given",
                          "alerts.units_file")
    assert not (tmp_path / "var").exists()
    # outside production (the default, development) the same command loads the demo city's directory
    env = cli_env(tmp_path / "var", HOTLINE_GENERAL_MODE="development")
    assert run(["init"], tmp_path, env).code == 0
    done = run(["units", "load"], tmp_path, env)
    assert done.code == 0 and "37 added" in done.out, done.terminal
    assert "demo city's directory" in done.err


def test_ledger_export_lists_each_case_with_its_handling(sqlite_engine, monkeypatch, tmp_path):
    from cli import app

    load_units(sqlite_engine)
    ids = add_messages(sqlite_engine, [("L1", dt.datetime(2024, 3, 25, 10), "市住建局"),
                                       ("L2", dt.datetime(2024, 3, 27, 10), "市人社局")])
    with session_scope(sqlite_engine) as session:
        run_alerts(session, now=dt.datetime(2024, 4, 9, 9))
        alert = session.query(Alert).filter(Alert.message_id == ids["L2"], Alert.level == "overdue").one()
        acknowledge(session, alert.id, "李四", now=dt.datetime(2024, 4, 9, 10))
    reply(sqlite_engine, ids["L1"], dt.datetime(2024, 4, 9, 16, 30))
    with session_scope(sqlite_engine) as session:
        run_alerts(session, now=dt.datetime(2024, 4, 10, 9))
    out = tmp_path / "台账.xlsx"
    result = CliRunner().invoke(app, ["ledger", "export", "-o", str(out), "--from", "2024-03-01", "--to", "2024-03-31"])
    assert result.exit_code == 0, result.output
    assert "wrote 2 cases" in result.output
    sheet = load_workbook(out).active
    assert sheet["A1"].value == "舆情回应处置台账"
    header = [c.value for c in sheet[3]]
    rows = {r[4]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["L1"]["状态"] == "已回复" and rows["L1"]["回复时间"] == "2024-04-09 16:30"
    assert rows["L1"]["预警等级"] == "严重超期" and rows["L1"]["办理期限"] == "2024-04-01"
    assert rows["L2"]["状态"] == "已签收" and rows["L2"]["签收人"] == "李四"
    assert rows["L2"]["责任单位"] == "江川市人力资源和社会保障局" and rows["L2"]["首次提醒时间"] == "2024-04-09 09:00"
    assert sheet.print_title_rows == "$3:$3" and sheet.page_setup.orientation == "landscape"
