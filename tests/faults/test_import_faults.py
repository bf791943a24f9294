"""Import probes of issue 17: nothing lost, nothing garbled, a bad file or row never takes the others down.

Each test runs `hotline-monitor import` as a real process and checks the database afterwards.
"""
from __future__ import annotations

import csv

from openpyxl import Workbook
from sqlalchemy import create_engine, func, select

from crawlers.importer.readers import CSV_FIELD_LIMIT
from store.models import Message
from tests.faults.helpers import HEADERS, rows, run, write_csv


def _messages(var_dir) -> dict[str, Message]:
    engine = create_engine(f"sqlite:///{var_dir / 'hotline.db'}")
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        found = {m.external_id: m for m in session.scalars(select(Message))}
        for message in found.values():
            session.expunge(message)
    engine.dispose()
    return found


def test_every_sheet_of_a_workbook_is_imported_and_reported(tmp_path, var_dir, sqlite_cli):
    # The probe: three sheets of 5 rows; only the first was read and 10 of 15 rows vanished with exit 0.
    workbook = Workbook()
    workbook.remove(workbook.active)
    data = rows(15)
    for index, name in enumerate(["一月", "二月", "三月"]):
        sheet = workbook.create_sheet(name)
        sheet.append(HEADERS)
        for row in data[index * 5:(index + 1) * 5]:
            sheet.append(row)
    workbook.create_sheet("说明")  # an empty sheet: reported, not an error
    path = tmp_path / "cases.xlsx"
    workbook.save(path)

    chosen = run(["import", str(path), "--sheet", "二月"], tmp_path, sqlite_cli)
    assert chosen.code == 0, chosen.terminal
    assert "sheet '二月'" in chosen.out and "inserted 5" in chosen.out
    assert sorted(_messages(var_dir)) == [f"JC-{i:05d}" for i in range(6, 11)]

    done = run(["import", str(path)], tmp_path, sqlite_cli)
    assert done.code == 0, done.terminal
    for name in ("一月", "二月", "三月"):
        assert f"sheet '{name}'" in done.out
    assert "sheet '说明': empty, skipped" in done.err
    stored = _messages(var_dir)
    assert sorted(stored) == [f"JC-{i:05d}" for i in range(1, 16)]  # all 15, none twice
    assert stored["JC-00012"].content == data[11][2]

    missing = run(["import", str(path), "--sheet", "四月"], tmp_path, sqlite_cli)
    assert missing.code == 2 and "no sheet named '四月'" in missing.err and "Traceback" not in missing.terminal


def test_a_csv_mixing_utf8_and_gbk_rows_is_decoded_row_by_row(tmp_path, var_dir, sqlite_cli):
    # The probe: decoded as GB18030 whole, the UTF-8 rows came out as mojibake (鏍囬…).
    data = rows(12)
    path = tmp_path / "merged.csv"
    with open(path, "wb") as fh:
        lines = []
        for number, row in enumerate([HEADERS, *data]):
            buffer = _csv_line(row)
            # header and rows 1-6 from a UTF-8 system, rows 7-12 appended from a GBK one
            lines.append(buffer.encode("gbk" if number > 6 else "utf-8"))
        fh.write(b"".join(lines))

    done = run(["import", str(path)], tmp_path, sqlite_cli)
    assert done.code == 0, done.terminal
    assert "encoding=mixed: utf-8 7 lines from line 1, gb18030 6 lines from line 8" in done.out
    stored = _messages(var_dir)
    assert len(stored) == 12
    for row in data:  # every row byte for byte as written, whichever encoding carried it
        assert stored[row[0]].title == row[1]
        assert stored[row[0]].content == row[2]


def test_a_line_in_no_known_encoding_rejects_that_row_only(tmp_path, var_dir, sqlite_cli):
    data = rows(4)
    path = tmp_path / "damaged.csv"
    body = b"".join(_csv_line(row).encode("utf-8") for row in [HEADERS, *data])
    lines = body.split(b"\n")
    lines[2] = lines[2].replace("路灯".encode(), b"\xff\xfe\xff")  # row of JC-00002: invalid in both encodings
    path.write_bytes(b"\n".join(lines))

    done = run(["import", str(path)], tmp_path, sqlite_cli)
    assert done.code == 1, done.terminal  # 1: some rows rejected, the rest stored
    assert "damaged.csv row 3: (row): line 3 of the file is neither UTF-8 nor GB18030" in done.err
    assert sorted(_messages(var_dir)) == ["JC-00001", "JC-00003", "JC-00004"]


def test_over_long_fields_cut_or_reject_one_row_and_a_folder_import_goes_on(tmp_path, var_dir, sqlite_cli):
    # The probe: a field over 131,072 characters raised _csv.Error, the whole file was lost (exit 1) and in a
    # folder import every later file was skipped.
    folder = tmp_path / "exports"
    folder.mkdir()
    data = rows(6)
    long_text = "长" * 200_000  # over Python's default CSV limit, under ours: stored, cut to messages.max_chars
    data[1][2] = long_text
    huge = "巨" * (CSV_FIELD_LIMIT + 10)  # over our limit: that row alone is rejected
    data[3][2] = huge
    write_csv(folder / "a_long.csv", data)
    (folder / "b_broken.xlsx").write_bytes(b"not a workbook")  # a bad file in the middle of the folder
    write_csv(folder / "c_after.csv", rows(3, prefix="AF"))

    env = {**sqlite_cli, "HOTLINE_MESSAGES_MAX_CHARS": "50000"}
    done = run(["import", str(folder)], tmp_path, env, timeout=300)
    assert "Traceback" not in done.terminal
    assert done.code == 2, done.terminal  # 2: a file refused (the broken workbook); the others imported
    assert "b_broken.xlsx: not a readable XLSX workbook" in done.err
    assert f"a_long.csv row 5: (row): a field is longer than {CSV_FIELD_LIMIT:,} characters" in done.err
    assert "cut to messages.max_chars 1" in done.out
    stored = _messages(var_dir)
    assert sorted(stored) == ["AF-00001", "AF-00002", "AF-00003", "JC-00001", "JC-00002", "JC-00003",
                              "JC-00005", "JC-00006"]
    cut = stored["JC-00002"]
    assert cut.content == long_text[:50_000]
    assert cut.extra["cut"] == {"content": 200_000}  # the cut is recorded with the original length


def test_text_over_the_maximum_is_cut_for_crawled_items_too(sqlite_engine, monkeypatch):
    # The probe: a 20 MB detail page became one 6.99-million-character message. Crawled items reach the store
    # through upsert_messages (crawlers/pipelines.py), the same cut as imports.
    from store.db import session_factory
    from store.records import MessageRecord
    from store.settings import get_settings
    from store.upsert import get_or_create_source, upsert_messages

    monkeypatch.setenv("HOTLINE_MESSAGES_MAX_CHARS", "1000")
    get_settings.cache_clear()
    with session_factory(sqlite_engine)() as session:
        source = get_or_create_source(session, "big-site", "feedback", origin="crawl")
        record = MessageRecord("feedback", "页" * 7_000_000, None, title="标题", reply_text="复" * 1500,
                               external_id="p1", ref="http://127.0.0.1/detail?id=p1")
        result = upsert_messages(session, source, [record])
        session.commit()
        stored = session.scalar(select(Message))
        assert result.cut == 1 and result.inserted == 1
        assert (len(stored.content), len(stored.reply_text)) == (1000, 1000)
        assert stored.extra["cut"] == {"content": 7_000_000, "reply_text": 1500}
        assert session.scalar(select(func.count(Message.id))) == 1


def test_exit_codes_0_all_in_1_rows_rejected_2_refused(tmp_path, sqlite_cli):
    good = write_csv(tmp_path / "good.csv", rows(3))
    assert run(["import", str(good)], tmp_path, sqlite_cli).code == 0
    partial = rows(3, prefix="PT")
    partial[1][3] = "2025-13-45"  # not a date: that row is rejected
    assert run(["import", str(write_csv(tmp_path / "partial.csv", partial))], tmp_path, sqlite_cli).code == 1
    taxonomy = tmp_path / "taxonomy.csv"
    taxonomy.write_text("一级分类,二级分类,三级分类\n城乡建设,道路,路灯\n", encoding="utf-8")
    refused = run(["import", str(taxonomy)], tmp_path, sqlite_cli)
    assert refused.code == 2 and "category taxonomy" in refused.err and "Traceback" not in refused.terminal


def _csv_line(row: list[str]) -> str:
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    return buffer.getvalue()
