"""The report format registry (``reports.renderers``): every format registered by its module is written, the
command's ``--format`` choices and the publication come from it."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from reports import publication as P
from reports.period import Period
from reports.renderers import format_names, get, renderer, renderers
from tests.reports.corpus import load_march_2024


def test_every_registered_format_is_written(session, tmp_path):
    load_march_2024(session)
    pub = P.create_draft_for_period(session, Period.parse("2024-03-16:2024-03-31"), as_of=dt.date(2024, 4, 20))
    files = P.write_draft_files(session, pub, tmp_path / "draft")
    # the four render_<format>.py modules of reports/; a fifth would be listed by the registry, not by hand
    assert format_names() == ["html", "json", "markdown", "xlsx"]
    assert list(files) == ["html", "markdown", "json", "xlsx"]  # by position: the order the command lists them
    for name, path in files.items():
        assert path.is_file() and path.stat().st_size > 0, name
        assert path.name == get(name).path_in(path.parent, pub.content).name
    assert (tmp_path / "draft" / "charts" / "daily.svg").is_file()  # written with the Markdown that links it
    assert [r.name for r in renderers(public=True)] == ["html", "markdown", "json"]
    assert [r.name for r in renderers(public=False)] == ["xlsx"]  # the letters behind the figures: never published


def test_the_command_writes_the_chosen_formats_only(sqlite_engine, tmp_path):
    from typer.testing import CliRunner

    from cli import app
    from store.db import session_scope

    with session_scope() as session:
        load_march_2024(session)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["summary", "--period", "2024-03-16:2024-03-31", "--as-of", "2024-04-20",
                                      "--out", str(out), "--format", "json", "--format", "html"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["summary.html", "summary.json"]
    refused = CliRunner().invoke(app, ["summary", "--period", "2024-03-16:2024-03-31", "--format", "pdf"])
    said = " ".join(refused.output.replace("│", " ").split())  # the error box wraps lines
    assert refused.exit_code == 2 and "pdf: not a report format (one of html, json, markdown, xlsx)" in said


def test_the_choices_are_known_without_importing_a_renderer():
    code = ("import sys; from reports.renderers import format_names; names = format_names(); "
            "print(names, sorted(m for m in sys.modules if m.startswith('reports.render_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "['html', 'json', 'markdown', 'xlsx'] []"


def test_a_format_registered_twice_is_refused():
    get("json")
    with pytest.raises(TypeError, match="registered twice"):
        renderer("json", "other.json", position=9)(lambda job, path: None)
