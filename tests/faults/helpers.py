"""Run ``hotline-monitor`` as an operator does: real processes, their exit codes and what reaches the terminal."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "cli"]

# Headers of a 12345 export (one of the shapes the importer maps).
HEADERS = ["受理编号", "标题", "诉求内容", "受理时间", "办理单位", "办理状态"]


@dataclass
class Done:
    code: int
    out: str
    err: str

    @property
    def terminal(self) -> str:
        return self.out + self.err


def cli_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a child command: no HOTLINE_* of the caller leaks in except what the test sets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env["HOTLINE_GENERAL_VAR_DIR"] = str(var_dir)
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def start(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True)


def finish(process: subprocess.Popen, timeout: float = 120) -> Done:
    out, err = process.communicate(timeout=timeout)
    return Done(process.returncode, out, err)


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> Done:
    return finish(start(args, cwd, env), timeout)


def assert_one_line_error(done: Done, *fragments: str, code: int = 2) -> None:
    """Refused with exactly one line on stderr, naming the fragments; no traceback anywhere."""
    assert "Traceback" not in done.terminal, done.terminal
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert len(lines) == 1, done.err
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert done.code == code, (done.code, done.terminal)


def rows(count: int, prefix: str = "JC", start_day: int = 1) -> list[list[str]]:
    """``count`` distinct 12345 rows (ids prefix-00001…), each with Chinese text the test can check byte for byte."""
    return [[f"{prefix}-{i:05d}", f"第{i}号路灯不亮", f"市民反映第{i}号路灯不亮，已有三天，请尽快维修。",
             f"2025-03-{start_day + i % 20:02d} 09:{i % 60:02d}:00", "市城市管理局", "办理中"]
            for i in range(1, count + 1)]


def write_csv(path: Path, data: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(data)
    return path


def run_forked(commands: list[list[str]], cwd: Path, env: dict[str, str], timeouts: list[float],
               parallel: int = 3) -> list[Done]:
    """Each ``hotline-monitor ARGS`` of ``commands`` in a forked child of this process: the real entry point
    (``cli.main``) with its own stdout/stderr files, without paying Python start-up and the CLI's imports for
    every command (the every-command probe runs sixty of them), ``parallel`` at a time. A child still running
    after its timeout is killed (code -1)."""
    import signal
    import tempfile
    import time

    import typer

    import cli

    # Built once here and inherited by every child: cli.main() is cli_errors.run(cli.app), and turning the typer
    # app into its click command is most of a failing command's time.
    command = typer.main.get_command(cli.app)
    _preload()

    results: list[Done | None] = [None] * len(commands)
    running: dict[int, tuple[int, float, IO[bytes], IO[bytes]]] = {}  # pid -> (index, deadline, out, err)
    pending = list(range(len(commands)))
    while pending or running:
        while pending and len(running) < parallel:
            index = pending.pop(0)
            out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
            pid = os.fork()
            if pid == 0:
                _child(command, commands[index], cwd, env, out, err)
            running[pid] = (index, time.monotonic() + timeouts[index], out, err)
        time.sleep(0.02)
        for pid, (index, deadline, out, err) in list(running.items()):
            done_pid, status = os.waitpid(pid, os.WNOHANG)
            if done_pid:
                code = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                code = -1
            else:
                continue
            del running[pid]
            out.seek(0)
            err.seek(0)
            results[index] = Done(code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))
            out.close()
            err.close()
    return results  # type: ignore[return-value]


PRELOADED_PACKAGES = ("store", "crawlers.importer", "analysis", "alerts", "reports", "web")


def _preload() -> None:
    """Import once, in the parent, what the commands import lazily, so each child starts with it loaded."""
    import importlib
    import pkgutil

    for name in PRELOADED_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" in module.name:
                continue
            try:
                importlib.import_module(module.name)
            except Exception:  # noqa: BLE001, S112 - an optional module; the child imports it if it needs it
                continue


def _child(command: object, args: list[str], cwd: Path, env: dict[str, str], out: IO[bytes],
           err: IO[bytes]) -> None:
    """The forked child: never returns into pytest."""
    code = 70
    try:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        # pytest's capture replaced the Python-level streams: point them back at the real descriptors
        sys.stdin = open(os.devnull)  # noqa: SIM115 - the child exits with os._exit
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        from store import db as store_db
        from store.settings import get_settings

        get_settings.cache_clear()
        store_db._engines.clear()
        sys.argv = ["hotline-monitor", *args]
        from cli_errors import run as run_with_handler

        try:
            run_with_handler(command, args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported through the captured stderr
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
