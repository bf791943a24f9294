"""Concurrency probes of issue 17, with real processes: nothing lost, nothing run twice, one line for the loser.

Before: two imports into one new source — the loser died on uq_sources_name and its file was not imported;
two `analyze` on SQLite — one run's topics step failed with "database is locked"; two `schedule run-job` — both
ran (a period marked "running" was re-claimed as if crashed); `run-job alerts` exited 1 on success (its summary
contains "failed"); the losing `alerts send` printed a LockHeld traceback.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from alerts.locking import ProcessLock
from store.models import Message, Source
from store.models.alerts import JobRun
from tests.faults.helpers import assert_one_line_error, finish, rows, run, start, write_csv


def _engine(env):
    url = env.get("HOTLINE_DATABASE_URL") or f"sqlite:///{env['HOTLINE_GENERAL_VAR_DIR']}/hotline.db"
    return create_engine(url)


@pytest.mark.parametrize("backend", ["sqlite_cli", "pg_cli"])
def test_two_imports_into_the_same_new_source_both_land(request, tmp_path, backend):
    env = request.getfixturevalue(backend)
    first = write_csv(tmp_path / "part1.csv", rows(300, prefix="A"))
    second = write_csv(tmp_path / "part2.csv", rows(300, prefix="B"))
    imports = [start(["import", str(path), "--source", "同一来源"], tmp_path, env) for path in (first, second)]
    results = [finish(process) for process in imports]
    for done in results:
        assert done.code == 0, done.terminal
        assert "Traceback" not in done.terminal
    engine = _engine(env)
    with Session(engine) as session:
        assert session.scalar(select(func.count(Source.id))) == 1
        ids = set(session.scalars(select(Message.external_id)))
    engine.dispose()
    assert ids == {f"{prefix}-{i:05d}" for prefix in "AB" for i in range(1, 301)}  # all 600, each once


def test_two_analyses_at_once_on_sqlite_both_finish(tmp_path, sqlite_cli):
    assert run(["import", str(write_csv(tmp_path / "cases.csv", rows(60)))], tmp_path, sqlite_cli).code == 0
    analyses = [start(["analyze", "--as-of", "2025-04-01"], tmp_path, sqlite_cli) for _ in range(2)]
    results = [finish(process, timeout=300) for process in analyses]
    for done in results:
        assert done.code == 0, done.terminal  # every step ok in both: the second waited for the first
        assert "database is locked" not in done.terminal and "Traceback" not in done.terminal
        assert "FAIL" not in done.out
    # one of them waited for the analysis lock and said so on one line
    assert sum("another analyze is running" in done.err for done in results) <= 1


def _job_runs(env) -> list[tuple[str, str, str, int]]:
    engine = _engine(env)
    with Session(engine) as session:
        found = [(r.job, r.period, r.status, r.attempts) for r in session.scalars(select(JobRun))]
    engine.dispose()
    return found


@pytest.mark.parametrize("backend", ["sqlite_cli", "pg_cli"])
def test_two_run_jobs_at_once_run_the_period_once(request, tmp_path, backend):
    env = request.getfixturevalue(backend)
    at = "2025-04-09T17:30"
    jobs = [start(["schedule", "run-job", "source-health", "--at", at], tmp_path, env) for _ in range(2)]
    results = [finish(process) for process in jobs]
    assert all("Traceback" not in done.terminal for done in results)
    ran = [done for done in results if "source problems" in done.out]
    assert len(ran) == 1, [done.terminal for done in results]
    other = next(done for done in results if done is not ran[0])
    # the other one either found the period done (0) or the job running (2: one line, nothing done)
    assert ("already done" in other.out and other.code == 0) or (other.code == 2 and "not started" in other.err)
    assert _job_runs(env) == [("source-health", "2025-04-09", "done", 1)]  # one run, one attempt


def test_a_running_period_is_reclaimed_only_when_its_owner_is_gone(tmp_path, sqlite_cli):
    engine = _engine(sqlite_cli)
    with Session(engine) as session:  # a run left "running", as a live owner or a killed one would leave it
        session.add(JobRun(job="source-health", period="2025-04-09", status="running",
                           started_at=dt.datetime(2025, 4, 9, 17, 30), attempts=1))
        session.commit()
    args = ["schedule", "run-job", "source-health", "--at", "2025-04-09T18:00"]
    lock = ProcessLock(engine, "job-source-health", var_dir=tmp_path / "var")
    lock.acquire()  # the owner is alive: it holds the job's lock
    try:
        busy = run(args, tmp_path, sqlite_cli)
    finally:
        lock.release()
    assert_one_line_error_like(busy)
    assert _job_runs(sqlite_cli) == [("source-health", "2025-04-09", "running", 1)]  # not touched
    reclaimed = run(args, tmp_path, sqlite_cli)  # the owner is gone (no lock held): claimed again and done
    assert reclaimed.code == 0, reclaimed.terminal
    assert _job_runs(sqlite_cli) == [("source-health", "2025-04-09", "done", 2)]
    engine.dispose()


def assert_one_line_error_like(done) -> None:
    assert done.code == 2, done.terminal
    assert "Traceback" not in done.terminal
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "not started: another job-source-health is running" in lines[0], done.err


def test_run_job_exit_code_comes_from_the_result_not_from_words(tmp_path, sqlite_cli):
    # An alerts run on an empty database succeeds with a summary saying "failed 0 (will retry)".
    done = run(["schedule", "run-job", "alerts", "--at", "2025-04-09T08:30"], tmp_path, sqlite_cli)
    assert "failed 0" in done.out, done.terminal
    assert done.code == 0, done.terminal
    unknown = run(["schedule", "run-job", "no-such-job"], tmp_path, sqlite_cli)
    assert unknown.code == 2 and "unknown job 'no-such-job'" in unknown.err


def test_the_losing_alerts_send_prints_one_line(tmp_path, sqlite_cli):
    engine = _engine(sqlite_cli)
    lock = ProcessLock(engine, "alerts", var_dir=tmp_path / "var")
    lock.acquire()  # another sender is delivering
    try:
        done = run(["alerts", "send"], tmp_path, sqlite_cli)
    finally:
        lock.release()
        engine.dispose()
    assert_one_line_error(done, "another alerts is running", "try again when it has finished")
    again = run(["alerts", "send"], tmp_path, sqlite_cli)
    assert again.code == 0 and "delivered 0" in again.out, again.terminal


def test_pg_advisory_job_lock_is_released_when_its_holder_dies(tmp_path, pg_cli):
    # The lease is the lock: a killed owner's advisory lock dies with its connection.
    engine = _engine(pg_cli)
    holder = ProcessLock(engine, "job-source-health")
    holder.acquire()
    with engine.connect() as conn:
        pid = holder._connection.connection.driver_connection.info.backend_pid
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    done = run(["schedule", "run-job", "source-health", "--at", "2025-04-09T17:30"], tmp_path, pg_cli)
    assert done.code == 0 and "source problems" in done.out, done.terminal
    engine.dispose()
