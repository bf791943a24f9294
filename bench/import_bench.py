"""Import throughput: rows into SQLite and into PostgreSQL; rows/s, CPU seconds and peak memory.

Targets (issues 16/17): >= 5,000 realistic rows/s into SQLite, >= 4,000 into PostgreSQL, memory flat in file size.
Each backend runs in its own process so peak RSS is its own. Three imports per backend, each timed:

1. ``first``: file A (N rows) into an empty database;
2. ``re-import``: file A again, every row unchanged;
3. ``onto base``: file B (N other rows, other ids) into the database that holds A's N rows.

On PostgreSQL a fourth line, ``index after``: file A into another empty database whose search index
(``ix_messages_search_trgm``) is dropped first and built once the rows are in, as the README describes for large
first loads: the import, the index build and the rows/s of both together.

CPU is this process's (parsing, validation, the driver) and, on PostgreSQL on this machine, the server backend's
that ran the import (read from /proc; other server processes, e.g. the WAL writer, are not counted).

    python bench/import_bench.py [--rows N] [--corpus real|generated|real-mixed] [--no-pg]

Without ``--corpus`` (``make bench``): the realistic corpus, then the generated one as a second figure.
``generated``: short template rows in a GB18030 CSV. ``real``: the realistic corpus (bench/_corpus_real.py,
variants of the letters in ../shared/data, about 1.6 KB a row, UTF-8). ``real-mixed``: the same rows with every
fifth line re-encoded as GB18030, as when two systems' exports are concatenated: the per-line encoding decision
at work.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PG_SERVER_URL = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PLACES = ["滨江路", "翠湖花园", "金桂园", "第三实验小学", "东湖区人民医院", "青山县汽车站", "临江区政务中心"]
PROBLEMS = ["路灯不亮", "夜间施工噪音扰民", "电梯长期故障", "学位申请被拒", "挂号难", "班次减少", "办事排队时间长"]
UNITS = ["市城市管理局", "市生态环境局", "市住房和城乡建设局", "市教育局", "市卫生健康委员会", "市交通运输局"]


def write_rows(path: Path, rows: int, seed: int = 7, prefix: str = "JC") -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1)
    with open(path, "w", newline="", encoding="gb18030") as fh:  # the hardest common case: GB18030
        writer = csv.writer(fh)
        writer.writerow(["受理编号", "标题", "诉求内容", "受理时间", "办理单位", "办理状态", "办理结果", "办结时间"])
        for i in range(rows):
            place, problem = rng.choice(PLACES), rng.choice(PROBLEMS)
            submitted = start + timedelta(minutes=rng.randrange(0, 525_600))
            replied = submitted + timedelta(days=rng.randrange(1, 12)) if rng.random() < 0.8 else None
            writer.writerow([
                f"{prefix}{i:08d}", f"{place}{problem}",
                f"市民反映{place}{problem}，已持续{rng.randrange(2, 30)}天，请尽快处理。",
                f"{submitted:%Y/%m/%d %H:%M:%S}", rng.choice(UNITS), "已办结" if replied else "办理中",
                f"经核查，{place}{problem}问题已处理。" if replied else "",
                f"{replied:%Y-%m-%d %H:%M:%S}" if replied else "",
            ])


def backend_cpu_seconds(session) -> tuple[int, float] | None:
    """(pid, CPU seconds used so far) of the PostgreSQL backend serving ``session``, when it runs on this
    machine."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    from sqlalchemy import text

    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # another machine, or not readable
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def timed_import(session, path: Path, label: str):
    """Import ``path`` once, print its figures and return its report."""
    from crawlers.importer import import_file

    server_began = backend_cpu_seconds(session)
    began, cpu_began = time.perf_counter(), time.process_time()
    report = import_file(session, path)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    server_ended = backend_cpu_seconds(session)
    result = report.result
    rows = result.inserted + result.updated + result.unchanged
    same_backend = server_began and server_ended and server_began[0] == server_ended[0]
    server = f", server {server_ended[1] - server_began[1]:5.1f}" if same_backend else ""
    dialect = session.get_bind().dialect.name
    print(f"{dialect:10s} {label:10s} {rows:>8,} rows (inserted {result.inserted:,}, unchanged {result.unchanged:,}, "
          f"rejected {result.rejected:,}) in {elapsed:6.1f} s = {rows / elapsed:7,.0f} rows/s; "
          f"CPU s: client {cpu:5.1f}{server}", flush=True)  # each figure at once: a loaded disk can be slow
    return report


def run_one(url: str, path: Path, other: Path) -> None:
    """Child process: first import of ``path``, its re-import, then ``other`` onto it; one line each."""
    os.environ["HOTLINE_DATABASE_URL"] = url
    from store.db import get_engine, session_factory
    from store.migrate import upgrade

    engine = get_engine(url)
    upgrade(engine)  # the schema a deployment has (migrations, not create_all)
    with session_factory(engine)() as session:
        first = timed_import(session, path, "first")
        timed_import(session, path, "re-import")
        timed_import(session, other, "onto base")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{engine.dialect.name:10s} encoding {first.encoding}; peak RSS {peak_mib:,.0f} MiB")


def run_index_after(url: str, path: Path) -> None:
    """Child process: ``path`` into an empty database without the search index, then the index built."""
    os.environ["HOTLINE_DATABASE_URL"] = url
    from sqlalchemy import text

    from store.db import get_engine, session_factory
    from store.migrate import upgrade
    from store.models.core import SEARCH_TEXT_SQL

    engine = get_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_messages_search_trgm"))
    began = time.perf_counter()
    with session_factory(engine)() as session:
        report = timed_import(session, path, "no index")
    imported = time.perf_counter() - began
    with engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        connection.execute(text(f"CREATE INDEX ix_messages_search_trgm ON messages USING gin ({SEARCH_TEXT_SQL} "
                                "gin_trgm_ops)"))
    built = time.perf_counter() - began - imported
    rows = report.result.inserted + report.result.updated + report.result.unchanged
    print(f"postgresql index after: import {imported:.1f} s + index build {built:.1f} s = "
          f"{rows / (imported + built):,.0f} rows/s overall", flush=True)


def write_mixed(source: Path, path: Path, every: int = 5) -> None:
    """``source`` (UTF-8) with every ``every``-th line re-encoded as GB18030."""
    with open(source, "rb") as inp, open(path, "wb") as out:
        for number, line in enumerate(inp):
            out.write(line.decode("utf-8").encode("gb18030") if number % every == every - 1 else line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--corpus", choices=["generated", "real", "real-mixed"])
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--child", nargs=3, metavar=("URL", "FILE", "OTHER_FILE"))
    parser.add_argument("--child-index-after", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    if args.child_index_after:
        run_index_after(args.child_index_after[0], Path(args.child_index_after[1]))
        return
    for corpus in [args.corpus] if args.corpus else ["real", "generated"]:
        bench_corpus(corpus, args.rows, with_pg=not args.no_pg)


def bench_corpus(corpus: str, rows: int, *, with_pg: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path, other = Path(tmp) / "bench_12345.csv", Path(tmp) / "bench_other.csv"
        if corpus == "generated":
            write_rows(path, rows)
            write_rows(other, rows, seed=8, prefix="JD")
            what = "generated rows, GB18030 CSV"
        else:
            from _corpus_real import corpus_csv, real_data_available

            if not real_data_available():
                print("import bench: ../shared/data is absent, realistic corpus skipped")
                return
            path, other = corpus_csv(rows), corpus_csv(rows, seed=17)  # other seed: other ids
            what = "realistic rows (bench/_corpus_real.py), UTF-8 CSV"
            if corpus == "real-mixed":
                mixed, other_mixed = Path(tmp) / "mixed.csv", Path(tmp) / "other_mixed.csv"
                write_mixed(path, mixed)
                write_mixed(other, other_mixed)
                path, other = mixed, other_mixed
                what = "realistic rows, every fifth line GB18030 (mixed encodings)"
        print(f"import bench: {rows:,} {what} ({path.stat().st_size / 2**20:.1f} MiB)", flush=True)
        subprocess.run([sys.executable, __file__, "--child", f"sqlite:///{tmp}/bench.db", str(path), str(other)],
                       check=True)
        if not with_pg:
            return
        from _pg import scratch_pg_database

        with scratch_pg_database("hm_bench", PG_SERVER_URL) as url:
            if url is None:
                print("postgresql skipped")
                return
            subprocess.run([sys.executable, __file__, "--child", url, str(path), str(other)], check=True)
        with scratch_pg_database("hm_bench", PG_SERVER_URL) as url:
            subprocess.run([sys.executable, __file__, "--child-index-after", url, str(path)], check=True)


if __name__ == "__main__":
    main()
