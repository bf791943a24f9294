"""The summary preview is served from a rendered file: drawn once per version of the text (the same HTML as
reports' own preview_html), read afterwards, redrawn after an edit."""
from __future__ import annotations

from store.db import session_scope
from store.models.publications import Publication
from store.settings import get_settings
from tests.web.conftest import csrf_of, login


def test_preview_is_rendered_once_per_version(client, seeded, sqlite_engine):
    from reports import publication as P

    pid = seeded.publication_id
    login(client, "test-analyst")
    directory = get_settings().var_dir / "previews"
    first = client.get(f"/summaries/{pid}/preview")
    files = list(directory.glob(f"summary-{pid}-*.html"))
    assert first.status_code == 200 and len(files) == 1
    with session_scope(sqlite_engine) as session:
        assert first.text == P.preview_html(session.get(Publication, pid))  # the reports' own rendering
    stamp = files[0].stat().st_mtime_ns
    assert client.get(f"/summaries/{pid}/preview").text == first.text
    assert files[0].stat().st_mtime_ns == stamp  # read, not drawn again
    edited = client.post(f"/summaries/{pid}/edit", data={"text:title": "本期标题（修订）", "csrf_token": csrf_of(client)},
                         follow_redirects=False)
    assert edited.status_code == 303
    second = client.get(f"/summaries/{pid}/preview")
    after = list(directory.glob(f"summary-{pid}-*.html"))
    assert "本期标题（修订）" in second.text and len(after) == 1 and after[0] != files[0]
