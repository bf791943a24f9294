"""The analyze command's argument and database checks, through the real CLI."""
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def test_bad_as_of_names_the_option():
    result = runner.invoke(app, ["analyze", "--as-of", "nonsense"])
    assert result.exit_code == 2
    assert "--as-of" in result.output and "nonsense" in result.output


def test_uninitialised_database_says_to_run_init():
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 2
    assert "run `hotline-monitor init`" in result.output
    assert "Traceback" not in result.output


def test_analyze_runs_every_step_on_an_empty_database():
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["analyze", "--as-of", "2025-03-01"])
    assert result.exit_code == 0, result.output
    steps = [line.split()[1] for line in result.output.splitlines() if line.startswith(("ok", "FAIL"))]
    assert steps == ["units", "admissibility", "deadlines", "routing", "topics", "reply-quality", "warnings"]
