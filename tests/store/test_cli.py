"""The foundation commands end to end through the real CLI entry point (typer's runner, real SQLite)."""
import csv
import json

from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def _export(path):
    with open(path, "w", newline="", encoding="gbk") as fh:
        writer = csv.writer(fh)
        writer.writerow(["信件编号", "信件标题", "来信人", "来信时间", "信件内容", "答复单位", "答复时间", "答复内容"])
        writer.writerow(["XX001", "金桂园电梯故障", "张先生", "2025/10/9 9:00:00", "3栋电梯坏了一周。", "市市场监督管理局",
                         "2025-10-11 10:00:00", "已督促物业维修。"])
        writer.writerow(["XX002", "第三实验小学学位", "李女士", "2025年10月10日", "学区内孩子被拒收。", "市教育局", "", ""])
        writer.writerow(["XX003", "日期坏了", "王某", "2025-13-01", "内容", "市教育局", "", ""])
    return path


def test_init_import_list_stats(tmp_path):
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "upgraded from empty" in result.output
    assert "up to date" in runner.invoke(app, ["init"]).output

    path = _export(tmp_path / "mayor_mailbox.csv")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 1, result.output  # 1: a row was rejected, the rest stored (issue 17 exit codes)
    assert "channel=mailbox encoding=gb18030: inserted 2, updated 0, unchanged 0, rejected 1" in result.output
    assert "mayor_mailbox.csv row 4: 来信时间: not a valid date: '2025-13-01'" in result.output
    dry = runner.invoke(app, ["import", str(path), "--dry-run"])
    assert "dry run" in dry.output and "inserted 0, updated 0, unchanged 2" in dry.output

    listed = runner.invoke(app, ["messages", "list", "--unit", "教育", "--json"])
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["external_id"], r["unit"]) for r in rows] == [("XX002", "市教育局")]

    stats = json.loads(runner.invoke(app, ["stats", "--json"]).output)
    assert stats["total"] == 2 and stats["replied"] == 1
    assert dict(stats["by_channel"]) == {"mailbox": 2}
    assert dict(stats["by_month"]) == {"2025-10": 2}


def test_import_before_init_says_what_to_do(tmp_path):
    result = runner.invoke(app, ["import", str(_export(tmp_path / "x.csv"))])
    assert result.exit_code == 2
    assert "hotline-monitor init" in result.output


def test_refused_file_exits_2_and_names_it(tmp_path):
    runner.invoke(app, ["init"])
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 2
    assert "notes.docx" in result.output and "unsupported file type" in result.output


def test_config_show_json_reflects_environment(monkeypatch):
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_IMPORT_BATCH_SIZE", "77")
    get_settings.cache_clear()
    shown = json.loads(runner.invoke(app, ["config", "show", "--json"]).output)
    assert shown["import.batch_size"] == 77
