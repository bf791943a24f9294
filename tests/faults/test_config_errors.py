"""Configuration and database probes of issue 17: one line (what, where, how to fix), never a traceback.

Before: each of these printed a 50–140-line traceback whose last line was the message; a misspelled HOTLINE_*
variable was silently ignored.
"""
from __future__ import annotations

import pytest
import typer

from cli import app
from tests.conftest import PG_SERVER_URL
from tests.faults.helpers import assert_one_line_error, cli_env, run, run_forked, write_csv


@pytest.fixture
def env(var_dir):
    return cli_env(var_dir)


def test_malformed_toml_names_the_file_and_line(tmp_path, env):
    (tmp_path / "hotline.toml").write_text("[import\nbatch_size = 10\n", encoding="utf-8")
    assert_one_line_error(run(["stats"], tmp_path, env), "hotline.toml: not valid TOML", "line 1")


def test_unknown_key_is_named_with_the_likely_meant_one(tmp_path, env):
    (tmp_path / "hotline.toml").write_text("[import]\nbatchsize = 10\n", encoding="utf-8")
    assert_one_line_error(run(["stats"], tmp_path, env), "unknown setting 'import.batchsize'",
                          "did you mean 'import.batch_size'")


def test_wrong_type_in_the_file(tmp_path, env):
    (tmp_path / "hotline.toml").write_text('[import]\nbatch_size = "lots"\n', encoding="utf-8")
    assert_one_line_error(run(["stats"], tmp_path, env), "hotline.toml: setting import.batch_size expects a whole "
                          "number, got 'lots'")


def test_bad_environment_value(tmp_path, env):
    done = run(["stats"], tmp_path, {**env, "HOTLINE_IMPORT_BATCH_SIZE": "2k"})
    assert_one_line_error(done, "HOTLINE_IMPORT_BATCH_SIZE: setting import.batch_size expects a whole number")


def test_misspelled_environment_variable_is_refused_not_ignored(tmp_path, env):
    done = run(["stats"], tmp_path, {**env, "HOTLINE_DATABSE_URL": "sqlite:///elsewhere.db"})
    assert_one_line_error(done, "environment variable HOTLINE_DATABSE_URL is not a setting",
                          "did you mean 'HOTLINE_DATABASE_URL'")


def test_declared_non_setting_variables_are_accepted(tmp_path, env):
    extra = {"HOTLINE_LOG_LEVEL": "ERROR", "HOTLINE_TEST_PG_URL": PG_SERVER_URL, "HOTLINE_SHARED_DATA": "/nowhere"}
    done = run(["config", "show"], tmp_path, {**env, **extra})
    assert done.code == 0, done.terminal
    bad_level = run(["config", "show"], tmp_path, {**env, "HOTLINE_LOG_LEVEL": "LOUD"})
    assert_one_line_error(bad_level, "HOTLINE_LOG_LEVEL='LOUD' is not a log level")


def test_mysql_url_is_unsupported(tmp_path, env):
    done = run(["stats"], tmp_path, {**env, "HOTLINE_DATABASE_URL": "mysql://root@localhost/hotline"})
    assert_one_line_error(done, "HOTLINE_DATABASE_URL: database 'mysql' is not supported",
                          "postgresql+psycopg://")


def test_dead_postgresql_server(tmp_path, env):
    # Port 9 (discard) on the loopback: nothing listens, the connection is refused at once.
    done = run(["stats"], tmp_path, {**env, "HOTLINE_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/x"})
    assert_one_line_error(done, "cannot reach database postgresql+psycopg://postgres@127.0.0.1:9/x",
                          "start the server or fix database.url")


def test_postgresql_database_that_does_not_exist(tmp_path, env, pg_url):
    missing = pg_url.rsplit("/", 1)[0] + "/hm_no_such_database"
    done = run(["stats"], tmp_path, {**env, "HOTLINE_DATABASE_URL": missing})
    assert_one_line_error(done, 'database "hm_no_such_database" does not exist', "createdb")


def test_stats_on_a_database_never_initialised(tmp_path, env, pg_url):
    assert_one_line_error(run(["stats"], tmp_path, env), "is not initialised", "run `hotline-monitor init`")
    done = run(["stats"], tmp_path, {**env, "HOTLINE_DATABASE_URL": pg_url})
    assert_one_line_error(done, "is not initialised", "run `hotline-monitor init`")


def test_debug_shows_the_traceback(tmp_path, env):
    (tmp_path / "hotline.toml").write_text("[import]\nbatchsize = 10\n", encoding="utf-8")
    flag = run(["stats", "--debug"], tmp_path, env)
    variable = run(["stats"], tmp_path, {**env, "HOTLINE_DEBUG": "1"})
    for done in (flag, variable):
        assert "Traceback (most recent call last)" in done.err
        assert "ConfigError" in done.err and done.code != 0


# ---- every command with a broken configuration -----------------------------------------------------

_VALUES = {
    "paths": "{csv}", "path": "{csv}", "field": "category", "output": "out.csv", "date_from": "2025-01-01",
    "date_to": "2025-01-15", "approved_on": "2025-01-02", "start": "2025-01-01", "end": "2025-01-10",
    "day": "2025-01-01", "n": "3", "message_id": "1", "topic_id": "1", "alert_id": "1", "target": "1",
    "sources": "2", "message_ids": "2", "label": "路灯", "reason": "测试", "by": "tester", "login": "tester",
    "question": "1", "role": "analyst", "name": "alerts", "period": "2025-01-01:2025-01-15",
}


def _every_command() -> list[list[str]]:
    """Each leaf command (and each group that runs on its own) with values for its required parameters."""
    root = typer.main.get_command(app)
    commands: list[list[str]] = []

    def walk(command, path: list[str]) -> None:  # noqa: ANN001 - click commands
        if hasattr(command, "list_commands"):
            if path and command.invoke_without_command:
                commands.append(path)
            for name in command.list_commands(None):
                walk(command.get_command(None, name), [*path, name])
            return
        args = list(path)
        for param in command.params:
            if not param.required:
                continue
            value = _VALUES[param.name]  # a KeyError here: add the new command's parameter above
            args += [value] if param.param_type_name == "argument" else [param.opts[0], value]
        commands.append(args)

    walk(root, [])
    return commands


# Commands that serve until stopped and read no settings: still running after the timeout is their success.
SERVING = {"demo-portal"}


def test_every_command_with_a_broken_configuration_prints_no_traceback(tmp_path, env):
    (tmp_path / "hotline.toml").write_text("[database\nurl = 1\n", encoding="utf-8")
    csv_path = write_csv(tmp_path / "cases.csv", [])
    commands = [[arg.format(csv=csv_path) for arg in args] for args in _every_command()]
    assert len(commands) >= 50  # the walk found the whole command tree
    runs = [[*args, *(["--port", "0"] if args[0] in SERVING else [])] for args in commands]
    results = run_forked(runs, tmp_path, env, [5 if args[0] in SERVING else 60 for args in commands])
    problems, refused = [], 0
    for args, done in zip(commands, results, strict=True):
        serving = args[0] in SERVING
        if "Traceback" in done.terminal or (done.code == -1 and not serving):
            problems.append(f"{' '.join(args)} ({done.code}): {done.terminal[-300:]}")
        elif done.code not in (0, -1) and not done.err.strip():
            problems.append(f"{' '.join(args)} exited {done.code} without a word")
        refused += "hotline.toml: not valid TOML" in done.err
    assert problems == []
    assert refused >= 40  # nearly every command reads the settings, and says what is wrong with them
