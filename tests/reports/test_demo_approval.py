"""The demo draft passes approval as generated: reviewed by one account, approved by another, through the web UI."""
from __future__ import annotations

import re

from sqlalchemy import select

from reports import publication as P
from reports.period import Period
from store.models.publications import Publication
from tests.web.conftest import csrf_of

DEMO_PERIOD = Period.parse("2025-10-01:2025-10-15")


def _build_demo(engine, tmp_path):
    from crawlers.importer import import_file
    from demo.corpus import generate_corpus, write_exports
    from pipeline import DEMO_AS_OF, analyze
    from store.db import session_factory
    from web.accounts import ensure_demo_users

    factory = session_factory(engine)
    with factory() as session:
        for path in write_exports(generate_corpus(), tmp_path / "exports"):
            import_file(session, path)
        analyze(session, DEMO_AS_OF)
        pub = P.create_draft_for_period(session, DEMO_PERIOD, as_of=DEMO_AS_OF.date(), actor="demo")
        users = {role: (login, password) for login, password, role in ensure_demo_users(session)}
        session.commit()
        return pub.id, users


def _post(client, url, **data):
    page = client.post(url, data={"csrf_token": csrf_of(client), **data}, follow_redirects=False)
    assert page.status_code == 303, (url, page.status_code, re.sub(r"\s+", " ", page.text)[:600])


def _login(client, login, password):
    page = client.post("/login", data={"login": login, "password": password, "csrf_token": csrf_of(client),
                                       "next": "/"}, follow_redirects=False)
    assert page.status_code == 303


def test_demo_draft_is_approved_as_generated(sqlite_engine, tmp_path):
    from fastapi.testclient import TestClient

    from store.db import session_factory
    from web.app import create_app

    publication_id, users = _build_demo(sqlite_engine, tmp_path)
    with session_factory(sqlite_engine)() as session:
        pub = session.get(Publication, publication_id)
        document = P.final_document(pub)
        assert document["questions"], "the demo period has common questions"
        assert P.personal_data_findings(document) == []  # the demo draft passes its own gate as generated
    app = create_app(sqlite_engine)
    with TestClient(app, base_url="http://127.0.0.1") as analyst:
        _login(analyst, *users["analyst"])
        page = analyst.get(f"/summaries/{publication_id}")
        assert page.status_code == 200 and "未纳入共性问题的来信" in page.text
        _post(analyst, f"/summaries/{publication_id}/review")
    with TestClient(app, base_url="http://127.0.0.1") as editor:
        _login(editor, *users["editor"])
        _post(editor, f"/summaries/{publication_id}/approve")
    with session_factory(sqlite_engine)() as session:
        pub = session.execute(select(Publication).where(Publication.id == publication_id)).scalar_one()
        assert (pub.status, pub.reviewed_by, pub.approved_by) == ("approved", users["analyst"][0],
                                                                  users["editor"][0])
    # An editor overrules an exclusion on the summary page (the demo's thank-you letters are excluded as praise):
    # the letter is admitted and the draft regenerated without it in the exclusion list.
    with session_factory(sqlite_engine)() as session:
        excluded = session.get(Publication, publication_id).content["excluded"]
    assert {e["value"] for e in excluded} == {"praise"}
    letter = excluded[0]["message_id"]
    with TestClient(app, base_url="http://127.0.0.1") as editor:
        _login(editor, *users["editor"])
        _post(editor, f"/summaries/{publication_id}/admit", message_id=str(letter))
    with session_factory(sqlite_engine)() as session:
        pub = session.get(Publication, publication_id)
        assert letter not in {e["message_id"] for e in pub.content["excluded"]}
        assert P.admitted_messages(pub) == {letter}
