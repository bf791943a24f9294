"""Start-up time of the command line: `hotline-monitor --help` and `hotline-monitor workdays add 2025-09-30 3`.

Each command runs in --runs fresh processes (default 5; `python -m cli` from the repository root, so the same
code whatever is installed); printed: the median wall time and the median CPU time (user + system of the child).
What the commands may load is checked by tests/startup; this prints what it costs. No shared data needed.
Usage: python bench/cli_startup.py [--runs N]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "--help": ["--help"],
    "workdays add": ["workdays", "add", "2025-09-30", "3"],
}


def run_once(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh `python -m cli ARGS` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    run_once(["--help"])  # warm the file cache and the bytecode, not counted
    for name, args in COMMANDS.items():
        runs = [run_once(args) for _ in range(options.runs)]
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"hotline-monitor {name:<14} wall {wall * 1000:6.0f} ms  CPU {cpu * 1000:6.0f} ms  "
              f"(median of {options.runs} fresh processes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
