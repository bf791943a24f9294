"""A year of realistic messages through the CLI: import, full analyze, incremental analyze, start-up, floor.

    python bench/analyze_bench.py [--sizes 200000 [1000000]] [--incremental 10000] [--skip-floor] [--keep DIR]

On the realistic corpus of ``bench/_corpus_real.py`` (variants of the real letters of ../shared/data), each
size in a fresh SQLite database, every figure measured on the real command line under ``/usr/bin/time``:

- ``import``: rows per second (wall and CPU) and peak RSS of ``hotline-monitor import``;
- ``analyze`` full: wall, CPU (the command and its worker processes), peak RSS, and per step the step's own
  wall/CPU line as ``analyze`` prints it;
- ``analyze`` incremental: ``--incremental`` new messages (another seed) imported onto the base, analyzed;
- CLI start-up: ``--help`` and ``workdays add`` (best of three, CPU);
- the floor on the same texts, in the same run: reading the CSV, raw ``rjieba.cut`` of every title + content,
  a TF-IDF fit on those tokens; then analyze CPU / floor CPU (target <= 3) and wall (target 1M <= 5 min).

``make bench`` runs 200k and 1M (issue 16's figures). The 1M size takes long on a 2-core machine: the corpus is
built once (80 s) and cached under var/bench-corpus; the import took 4 min and the full analyze 26 min
(1,823 CPU-s, peak RSS 4.37 GiB; incremental +10k 46 s; `9a565df`, measured 2026-12-07). ``--sizes 200000``
(or ``HOTLINE_BENCH_SIZES="200000"``) is the shorter run.
Skips cleanly when ../shared/data is absent.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
BIN = Path(sys.executable).parent
CLI = str(BIN / "hotline-monitor")
TIME = "/usr/bin/time"


def timed(command: list[str], env: dict[str, str]) -> tuple[dict[str, float], str]:
    """Run ``command`` under /usr/bin/time: ({wall, cpu, rss_gib}, stdout). CPU includes reaped children."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        result = subprocess.run([TIME, "-o", out.name, "-f", "%e %U %S %M", *command], env=env,
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n"
                             f"{result.stderr[-3000:]}")
        wall, user, system, rss_kib = out.read().split()[-4:]
    return ({"wall": float(wall), "cpu": float(user) + float(system), "rss_gib": int(rss_kib) / 2**20},
            result.stdout)


def fmt(figures: dict[str, float]) -> str:
    return f"{figures['wall']:7.1f} s wall, {figures['cpu']:7.1f} CPU-s, peak RSS {figures['rss_gib']:5.2f} GiB"


def topic_sizes(database: Path, corpus_size: int) -> str:
    """The topics' count and their largest sizes: one topic holding a large share of the corpus is clustering
    chained through weak links (at 1M it once held 26 % of the letters)."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        sizes = [size for (size,) in connection.execute(
            "SELECT size FROM topics WHERE status = 'active' ORDER BY size DESC")]
    largest = ", ".join(f"{size:,}" for size in sizes[:5])
    share = sizes[0] / corpus_size if sizes else 0.0
    return f"{len(sizes):,} topics, {sum(sizes):,} letters in them; largest {largest} ({share:.1%} of the corpus)"


def start_up(env: dict[str, str]) -> None:
    for label, command in (("--help", [CLI, "--help"]),
                           ("workdays add", [CLI, "workdays", "add", "2025-01-24", "3"])):
        best = min((timed(command, env)[0] for _ in range(3)), key=lambda f: f["cpu"])
        print(f"  start-up {label:<13} {best['cpu']:.2f} CPU-s, {best['wall']:.2f} s wall "
              f"(best of 3; target <= 0.3 s)")


def floor_child(path: Path) -> None:
    """Child process: the floor on the corpus, printed as JSON."""
    import rjieba
    from sklearn.feature_extraction.text import TfidfVectorizer

    figures: dict[str, float] = {}
    began = time.process_time()
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    figures["read"] = time.process_time() - began
    texts = [f"{row[1]}\n{row[2]}" for row in rows]
    del rows
    began = time.process_time()
    tokenizer = rjieba.Jieba()
    token_lists = [tokenizer.cut(text, True) for text in texts]
    figures["cut"] = time.process_time() - began
    began = time.process_time()
    TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True).fit(token_lists)
    figures["tfidf"] = time.process_time() - began
    print(json.dumps(figures))


def run_size(size: int, incremental: int, with_floor: bool, keep: Path | None = None) -> None:
    from _corpus_real import corpus_csv

    began = time.perf_counter()
    base, delta = corpus_csv(size), corpus_csv(incremental, seed=17)
    print(f"realistic corpus {size:,} (+{incremental:,}): {base.stat().st_size / 2**20:,.0f} MiB, ready in "
          f"{time.perf_counter() - began:.0f} s")
    if keep is not None:
        (keep / str(size)).mkdir(parents=True, exist_ok=False)
    with (contextlib.nullcontext(str(keep / str(size))) if keep is not None
          else tempfile.TemporaryDirectory(prefix="hm_analyze_")) as tmp:
        env = {**os.environ, "HOTLINE_GENERAL_VAR_DIR": tmp, "HOTLINE_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "PYTHONPATH": str(ROOT)}
        env.pop("HOTLINE_CONFIG", None)
        subprocess.run([CLI, "init"], env=env, check=True, capture_output=True)
        figures, _ = timed([CLI, "import", str(base), "--channel", "hotline", "--source", "corpus-12345"], env)
        print(f"  import {size:>9,} rows: {size / figures['wall']:8,.0f} rows/s wall, "
              f"{size / figures['cpu']:8,.0f} rows per CPU-s, peak RSS {figures['rss_gib']:.2f} GiB "
              "(target >= 5,000 rows/s, flat memory)")
        full, output = timed([CLI, "analyze", "--as-of", "2026-01-05"], env)
        print(f"  analyze full {size:>9,}: {fmt(full)}")
        for line in output.splitlines():
            print("      " + line)
        print(f"      topics: {topic_sizes(Path(tmp) / 'bench.db', size)}")
        timed([CLI, "import", str(delta), "--channel", "hotline", "--source", "corpus-12345"], env)
        inc, output = timed([CLI, "analyze", "--as-of", "2026-01-05"], env)
        print(f"  analyze incremental +{incremental:,} on {size:,}: {fmt(inc)} (target <= 10 s on a 1M base)")
        for line in output.splitlines():
            print("      " + line)
    if with_floor:
        result = subprocess.run([sys.executable, __file__, "--floor", str(base)], capture_output=True, text=True,
                                check=True)
        floor = json.loads(result.stdout.strip().splitlines()[-1])
        total = sum(floor.values())
        print(f"  floor {size:,}: read {floor['read']:.1f} + rjieba.cut {floor['cut']:.1f} + TF-IDF fit "
              f"{floor['tfidf']:.1f} = {total:.1f} CPU-s; analyze full / floor = {full['cpu'] / total:.2f}x CPU "
              f"(target <= 3x), {full['wall']:.0f} s wall (target at 1M: <= 300 s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_sizes = [int(s) for s in os.environ.get("HOTLINE_BENCH_SIZES", "200000 1000000").split()]
    parser.add_argument("--sizes", type=int, nargs="+", default=default_sizes)
    parser.add_argument("--incremental", type=int, default=10_000)
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep each size's database and models in KEEP/<size> (profiling)")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()
    if args.floor:
        floor_child(args.floor)
        return 0
    from _corpus_real import DATA, real_data_available

    if not real_data_available():
        print(f"skipped: the real data is not at {DATA}; the realistic corpus cannot be built")
        return 0
    if not Path(TIME).exists():
        print(f"skipped: {TIME} not found (needed to measure CPU and peak RSS of each command)")
        return 0
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores, shared)")
    start_up({**os.environ, "PYTHONPATH": str(ROOT)})
    for size in args.sizes:
        run_size(size, args.incremental, with_floor=not args.skip_floor, keep=args.keep)
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
