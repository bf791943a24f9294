"""The UI speaks Chinese: every text of the templates and of web/ goes through gettext and has a Chinese
translation; the pages as each role sees them show no English of their own; English by setting and per user."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import session_scope
from store.models import Message, Source, Unit
from store.models.accounts import AuditEvent, User
from store.models.alerts import Alert, LedgerEntry
from store.models.deadlines import Deadline
from store.models.topics import Topic
from store.settings import get_settings
from tests.web.conftest import csrf_of, login

WEB = Path(__file__).resolve().parents[2] / "web"
PO = WEB / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
# Attributes a person reads (or hears through a screen reader); the others are code.
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "data-confirm", "label"}


def _extracted() -> set[str]:
    """Every msgid in web/ now (the same extraction as `make messages`), independent of the committed .po."""
    from babel.messages.extract import extract_from_dir

    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(WEB), method_map, options_map=options, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_text_has_a_chinese_translation():
    from babel.messages.pofile import read_po

    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    translated = {}
    for m in catalog:
        if m.id:
            key = m.id if isinstance(m.id, str) else m.id[0]
            text = m.string if isinstance(m.string, str) else (m.string[0] if m.string else "")
            translated[key] = "" if "fuzzy" in m.flags else text
    extracted = _extracted()
    assert len(extracted) > 300  # the extraction works (the UI has several hundred texts)
    missing = sorted(t for t in extracted if not translated.get(t))
    assert not missing, f"not in {PO.relative_to(WEB.parent)} (run `make messages`, translate): {missing}"
    # A translation keeps the placeholders of its English text (else formatting fails or drops a value).
    for key in extracted:
        assert sorted(re.findall(r"%\(\w+\)s", key)) == sorted(re.findall(r"%\(\w+\)s", translated[key])), key


class _Text(HTMLParser):
    """Text a person reads in a piece of HTML: text nodes and READ_ATTRIBUTES values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(v or "" for k, v in attrs if k in READ_ATTRIBUTES)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _literal_template_text(path: Path) -> str:
    """The text of a template outside every {{ }}, {% %} and {# #}: what no gettext call can have wrapped."""
    source = path.read_text(encoding="utf-8")
    stripped = re.sub(r"{#.*?#}|{{.*?}}|{%.*?%}", " ", source, flags=re.S)
    parser = _Text()
    parser.feed(stripped)
    return " ".join(parser.parts)


@pytest.mark.parametrize("template", sorted(p.relative_to(WEB / "templates").as_posix()
                                            for p in (WEB / "templates").rglob("*.html")))
def test_template_has_no_untranslated_text(template):
    text = _literal_template_text(WEB / "templates" / template)
    words = re.findall(r"[A-Za-z]{2,}", text)
    assert not words, f"{template}: text outside gettext: {words}"


def test_the_check_finds_untranslated_text(tmp_path):
    """The oracle above can fail: a heading, a placeholder and a button label written in plain English."""
    sample = tmp_path / "x.html"
    sample.write_text('<h1>Alerts</h1><input placeholder="note"><button>{{ _("Save") }}</button>'
                      '<a href="/x" class="button">Go</a>{% if a %}<b>{{ n }}</b>{% endif %}', encoding="utf-8")
    assert re.findall(r"[A-Za-z]{2,}", _literal_template_text(sample)) == ["Alerts", "note", "Go"]


def _data_words(engine) -> set[str]:
    """Latin-letter words that come from the data (citizens' text, numbers, names, logins, rule ids): allowed."""
    texts: list[str] = []
    with session_scope(engine) as session:
        for row in session.execute(select(Message.title, Message.content, Message.external_id, Message.url,
                                          Message.reply_text, Message.status, Message.kind)):
            texts.extend(str(v) for v in row if v)
        texts += [str(v) for v in session.scalars(select(User.login))]
        texts += [str(v) for v in session.scalars(select(Source.name))]
        texts += [str(v) for v in session.scalars(select(Source.base_url)) if v]
        texts += [str(v) for v in session.scalars(select(Unit.name))]
        texts += [str(v) for v in session.scalars(select(Topic.label)) if v]
        texts += [str(v) for v in session.scalars(select(LedgerEntry.title)) if v]
        texts += [str(v) for v in session.scalars(select(AuditEvent.client)) if v]  # addresses ("testclient")
        for row in session.execute(select(Deadline.rule_id, Deadline.rule_source, Deadline.explanation_zh)):
            texts.extend(str(v) for v in row if v)
    return {w for t in texts for w in re.findall(r"[A-Za-z]{2,}", t)}


PAGES = {"analyst": ["/", "/messages", "/topics", "/alerts", "/alerts/ledger", "/extensions", "/summaries",
                     "/sources", "/account/password"],
         "editor": ["/summaries"], "admin": ["/users"],
         "unit_official": ["/", "/messages", "/alerts", "/alerts/ledger", "/extensions"]}


def test_pages_show_no_english_of_their_own(client, seeded, sqlite_engine):
    # (and "English": the language chooser names each language in itself)
    allowed = _data_words(sqlite_engine) | {"CSV", "Excel", "HTTP", "XLSX", "English"}
    pages = {role: list(paths) for role, paths in PAGES.items()}
    pages["analyst"] += [f"/messages/{seeded.message_ids['M001']}", f"/topics/{seeded.topic_ids['物业服务']}",
                         f"/summaries/{seeded.publication_id}", "/dashboard/hot-list", "/messages/999999"]
    with session_scope(sqlite_engine) as session:  # the unit's extension / return page of its own alert
        own_alert = session.scalar(select(Alert.id).where(Alert.message_id == seeded.message_ids["M011"]))
    pages["unit_official"].append(f"/alerts/{own_alert}/actions")
    checked = 0
    for role, paths in pages.items():
        login(client, seeded.users[role])
        for path in paths:
            page = client.get(path)
            parser = _Text()
            parser.feed(page.text)
            shown = re.sub(r"[A-Za-z]+…", "…", " ".join(parser.parts))  # data cut short ("xss-ti…")
            words = set(re.findall(r"[A-Za-z]{2,}", shown)) - allowed - _data_words(sqlite_engine)
            assert not words, f"{role} {path}: English in the page: {sorted(words)}"
            checked += 1
        client.post("/logout", data={"csrf_token": csrf_of(client)})
    login_page = _Text()
    login_page.feed(client.get("/login").text)
    assert "登录" in " ".join(login_page.parts)
    assert checked == 22  # 16 listed pages + 6 detail pages and fragments


def test_codes_are_shown_as_chinese_labels(client, seeded):
    login(client, "test-analyst")
    alerts = client.get("/alerts").text
    assert ">超期<" in alerts and "overdue<" not in alerts
    board = client.get("/").text
    assert "12345热线" in board and "领导信箱" in board and ">hotline<" not in board
    listing = client.get("/messages").text
    assert "<td>12345热线</td>" in listing


def test_english_by_setting(client, seeded, monkeypatch):
    monkeypatch.setenv("HOTLINE_WEB_LOCALE", "en")
    get_settings.cache_clear()
    from fastapi.testclient import TestClient

    from web.app import create_app

    with TestClient(create_app(client.app.state.engine), base_url="http://127.0.0.1") as english:
        login(english, "test-analyst")
        page = english.get("/").text
        assert "Dashboard" in page and "首页" not in page and 'lang="en"' in page


def test_english_per_user_others_stay_chinese(app, seeded, sqlite_engine):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as mine, TestClient(app, base_url="http://127.0.0.1") as other:
        login(mine, "test-analyst")
        assert mine.post("/account/locale", data={"locale": "en", "csrf_token": csrf_of(mine)},
                         follow_redirects=False).status_code == 303
        assert "Log out" in mine.get("/").text
        login(other, "test-editor")
        assert "退出" in other.get("/").text and "Log out" not in other.get("/").text
    with session_scope(sqlite_engine) as session:
        assert session.scalar(select(User.locale).where(User.login == "test-analyst")) == "en"
