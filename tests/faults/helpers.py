"""Run ``hotline-monitor`` as an operator does: real processes, their exit codes and what reaches the terminal."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
    return subprocess.Popen([*CLI, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
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
