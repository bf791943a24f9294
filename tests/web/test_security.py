"""Hostile citizen text stays inert, unit officials stay in their unit, exports carry no formulas."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from tests.web.conftest import UNIT_A, UNIT_B, login
from web.security import CONTENT_SECURITY_POLICY, neutralise_cell

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


def _assert_inert(html: str) -> None:
    assert "<script>window.__xss" not in html and "<img src=x onerror" not in html
    assert not INLINE_SCRIPT.search(html), "a page holds an inline <script>"


def test_hostile_message_renders_escaped_on_every_page(client, seeded):
    login(client, "test-analyst")
    xss = seeded.message_ids["XSS1"]
    pages = {"/messages": True, f"/messages/{xss}": True, "/messages?q=噪音": True,
             f"/topics/{seeded.topic_ids['物业服务']}": True, "/alerts": False, "/": False, "/topics": False,
             "/sources": False, f"/summaries/{seeded.publication_id}": False}
    for path, shows_it in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_inert(response.text)
        if shows_it:
            assert "&lt;script&gt;window.__xss" in response.text, path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    detail = client.get(f"/messages/{xss}").text
    assert "&lt;img src=x onerror=" in detail


def test_list_rows_and_options_built_in_python_escape_every_text():
    """The messages list's rows and the drop-downs' options are built outside Jinja's autoescaping
    (web.templating.message_rows, select_options): every text from the data comes out escaped."""
    from datetime import datetime

    from web.queries.messages import MessageListItem
    from web.templating import message_rows, select_options

    hostile = "<script>x('1')</script>&\""
    item = MessageListItem(7, hostile, hostile, hostile, hostile, hostile, hostile, datetime(2025, 1, 2, 3, 4), None)
    html = str(message_rows([(item, hostile, None)]) + select_options([hostile, "市住建局"], hostile))
    assert "<script" not in html and "'1'" not in html and '&\"' not in html
    escaped = "&lt;script&gt;x(&#39;1&#39;)&lt;/script&gt;&amp;&#34;"
    assert html.count(escaped) == 6 + 2  # channel, title, source, external id, unit, status; option value and text
    assert '<option value="市住建局">' in html and f'<option value="{escaped}" selected>' in html
    assert '<a href="/messages/7">' in html and "2025-01-02 03:04" in html


def test_unit_official_sees_only_own_unit(client, seeded):
    login(client, "test-unit-b")
    own = seeded.message_ids["M001"]  # odd numbers belong to unit B
    other = seeded.message_ids["M000"]
    assert client.get(f"/messages/{own}").status_code == 200
    assert client.get(f"/messages/{other}").status_code == 404
    assert client.get(f"/messages/{seeded.message_ids['XSS1']}").status_code == 404
    listing = client.get("/messages").text
    assert UNIT_B in listing and f"/messages/{other}\"" not in listing
    assert not re.search(r"/messages/\d+", client.get(f"/messages?unit={UNIT_A}").text)
    alerts = client.get("/alerts").text
    assert "M011" in alerts and "M010" not in alerts
    assert client.get("/topics").status_code == 403
    assert client.get("/sources").status_code == 403
    workbook = load_workbook(io.BytesIO(client.get("/alerts/ledger.xlsx").content))
    units = {row[6] for row in workbook.active.iter_rows(min_row=4, values_only=True)}
    assert units == {UNIT_B}


def test_ledger_export_neutralises_formulas(client, seeded):
    login(client, "test-analyst")
    response = client.get("/alerts/ledger.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = [row[5].value for row in sheet.iter_rows(min_row=4)]
    assert '\'=HYPERLINK("http://evil")' in titles
    assert all(cell.data_type != "f" for row in sheet.iter_rows(min_row=4) for cell in row)


def test_message_csv_export_neutralises_formulas(client, seeded, sqlite_engine):
    from store.db import session_scope
    from store.models import Message

    with session_scope(sqlite_engine) as session:
        message = session.get(Message, seeded.message_ids["M002"])
        message.title, message.content = "=1+2", "@SUM(A1:A9)"
    login(client, "test-analyst")
    text = client.get("/messages/export.csv").content.decode("utf-8-sig")
    rows = {row[1]: row for row in csv.reader(io.StringIO(text))}
    assert rows["M002"][5] == "'=1+2" and rows["M002"][6] == "'@SUM(A1:A9)"
    assert rows["M004"][5].startswith("关于")


def test_neutralise_cell():
    assert [neutralise_cell(v) for v in ["=A1", "+1", "-2", "@x", "\t=1", "ok", 5, None, "a=b"]] == [
        "'=A1", "'+1", "'-2", "'@x", "'\t=1", "ok", 5, None, "a=b"]


def test_crawled_javascript_url_is_not_linked(client, seeded, sqlite_engine):
    from store.db import session_scope
    from store.models import Message

    with session_scope(sqlite_engine) as session:
        session.get(Message, seeded.message_ids["M002"]).url = "javascript:alert(1)"
    login(client, "test-analyst")
    assert "javascript:alert" not in client.get(f"/messages/{seeded.message_ids['M002']}").text
