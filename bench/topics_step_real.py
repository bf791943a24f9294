"""The topics step on realistic text: CPU and wall per phase, this code against an older checkout.

    python bench/topics_step_real.py [--rows 20000] [--runs 2] [--old /tmp/old14] [--seed 16]

Imports ``--rows`` messages of the realistic corpus (``bench/_corpus_real.py``, variants of the real letters of
../shared/data) into a scratch SQLite database with each code tree's own ``hotline-monitor init`` and
``import`` (untimed), then times ``update_topics(session, mode="full")`` in a fresh process per run, on a
fresh copy of that database, with the phases broken down:

- ``features``: loading the messages and their topic features (``_load_corpus`` without the near-duplicates;
  the feature workers' CPU is counted, they are reaped when the pool closes);
- ``near-duplicates``: ``near_duplicate_groups``;
- ``clustering``: ``TopicClusterer.fit``;
- ``describe``: size, people, dates, keywords, labels of every topic (``_describe``), with its parts
  ``people`` (distinct complainants), ``keywords`` and ``labels`` (the label of each topic and, where the code
  has it, making labels unique);
- ``writes+other``: the rest (identity matching, memberships written, curation replay, model file, commit).

With ``--old DIR`` (a checkout of an older commit, e.g. ``git worktree add --detach /tmp/old14 dea81a1``) the
runs alternate old/new, ``--runs`` each, and the table gives min and median of each. Each run also prints a
hash of what the step produced (every live topic's member ids, label, keywords and people) so that two versions of
the code can be checked to produce the same topics. Skips cleanly when ../shared/data is absent.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ["features", "near-duplicates", "clustering", "describe", "  people", "  keywords", "  labels",
          "writes+other", "total"]


def _cpu() -> float:
    """CPU seconds of this process and of its reaped children (the feature workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _Timer:
    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def wrap(self, owner: object, name: str, phase: str) -> None:
        function = getattr(owner, name, None)
        if function is None:
            return

        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[phase] = self.wall.get(phase, 0.0) + time.perf_counter() - wall
                self.cpu[phase] = self.cpu.get(phase, 0.0) + _cpu() - cpu

        setattr(owner, name, timed)


def _topics_module():
    module = importlib.import_module("analysis.topics")
    if not hasattr(module, "update_topics"):  # since issue 14 a package: analysis.topics.clustering
        module = importlib.import_module("analysis.topics.clustering")
    return module


def output_hash(session) -> tuple[str, int]:
    """sha1 over every live topic's (sorted member external ids, label, keywords, distinct complainants), topics
    sorted."""
    from sqlalchemy import select

    from store.models import Message
    from store.models.topics import Topic, TopicMembership

    members: dict[int, list[str]] = {}
    for topic_id, external_id in session.execute(
            select(TopicMembership.topic_id, Message.external_id)
            .join(Message, Message.id == TopicMembership.message_id)):
        members.setdefault(topic_id, []).append(external_id)
    topics = sorted(
        json.dumps([sorted(members.get(t.id, [])), t.label, list(t.keywords or []), t.distinct_submitters],
                   ensure_ascii=False)
        for t in session.scalars(select(Topic).where(Topic.status.in_(("active", "hidden")))))
    return hashlib.sha1("\n".join(topics).encode()).hexdigest()[:16], len(topics)


def child(dump: str | None) -> None:
    """In the code tree of the working directory: one full topics run, phases as JSON on the last line."""
    sys.path.insert(0, os.getcwd())
    from store.db import session_scope

    topics = _topics_module()
    timer = _Timer()
    timer.wrap(topics, "_load_corpus", "load")
    timer.wrap(topics, "near_duplicate_groups", "near-duplicates")
    timer.wrap(topics.TopicClusterer, "fit", "clustering")
    timer.wrap(topics, "_describe", "describe")
    timer.wrap(topics, "distinct_complainants", "  people")
    timer.wrap(topics, "distinct_complainants_many", "  people")
    timer.wrap(topics, "distinct_voices", "  people")
    timer.wrap(topics, "_keywords", "  keywords")
    timer.wrap(topics, "topic_label" if hasattr(topics, "topic_label") else "clean_label", "  labels")
    timer.wrap(topics, "_unique_labels", "  labels")
    with session_scope() as session:
        wall, cpu = time.perf_counter(), _cpu()
        summary = topics.update_topics(session, mode="full")
        timer.wall["total"], timer.cpu["total"] = time.perf_counter() - wall, _cpu() - cpu
        digest, count = output_hash(session)
        if dump:
            from sqlalchemy import select

            from store.models.topics import Topic
            with open(dump, "w", encoding="utf-8") as fh:
                for topic in session.scalars(select(Topic).where(Topic.status == "active").order_by(Topic.id)):
                    fh.write(f"{topic.size}\t{topic.label}\t{' '.join(topic.keywords or [])}\n")
    for figures in (timer.wall, timer.cpu):
        figures["features"] = figures.pop("load", 0.0) - figures.get("near-duplicates", 0.0)
        figures["writes+other"] = figures["total"] - sum(
            figures.get(p, 0.0) for p in ("features", "near-duplicates", "clustering", "describe"))
    print(json.dumps({"wall": timer.wall, "cpu": timer.cpu, "hash": digest, "topics": count,
                      "summary": str(summary)}, ensure_ascii=False))


def _cli(tree: Path, env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "cli", *args], cwd=tree, env=env, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{tree}: {' '.join(args)} failed:\n{result.stdout}\n{result.stderr[-3000:]}")


def _env(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_") or k == "HOTLINE_SHARED_DATA"}
    env.update(HOTLINE_DATABASE_URL=f"sqlite:///{scratch / 'hotline.db'}", HOTLINE_GENERAL_VAR_DIR=str(scratch),
               HOTLINE_CONFIG=str(scratch / "none.toml"),
               # string hashing fixed: set iteration order then repeats, and so do ties broken by it
               PYTHONHASHSEED="0")
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--old", type=Path, help="checkout of older code to compare with")
    parser.add_argument("--dump", help="write each run's topics (size, label, keywords) to DUMP.<tree>.<run>")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.dump)
        return 0
    sys.path.insert(0, str(ROOT / "bench"))
    from _corpus_real import corpus_csv, real_data_available

    if not real_data_available():
        print("skipped: ../shared/data (or $HOTLINE_SHARED_DATA) not present")
        return 0
    csv_path = corpus_csv(args.rows, args.seed)
    trees = {"new": ROOT} | ({"old": args.old.resolve()} if args.old else {})
    work = Path(tempfile.mkdtemp(prefix="topics-step-"))
    results: dict[str, list[dict]] = {name: [] for name in trees}
    try:
        templates = {}
        for name, tree in trees.items():
            scratch = work / f"{name}-template"
            scratch.mkdir()
            (scratch / "none.toml").write_text("")
            env = _env(scratch)
            _cli(tree, env, "init")
            _cli(tree, env, "import", str(csv_path), "--channel", "hotline", "--source", "realistic")
            templates[name] = scratch
        load = os.getloadavg()
        for run in range(args.runs):
            for name in (reversed(trees) if run % 2 else trees):  # alternate which tree goes first
                scratch = work / f"{name}-run{run}"
                shutil.copytree(templates[name], scratch)
                dump = f"{args.dump}.{name}.{run}" if args.dump else None
                command = [sys.executable, str(Path(__file__).resolve()), "--child"] + (
                    ["--dump", str(Path(dump).resolve())] if dump else [])
                result = subprocess.run(command, cwd=trees[name], env=_env(scratch), capture_output=True,
                                        text=True, check=False)
                if result.returncode != 0:
                    raise SystemExit(f"{name} run {run} failed:\n{result.stderr[-4000:]}")
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                results[name].append(figures)
                print(f"{name} run {run}: {figures['cpu']['total']:.1f} CPU-s, {figures['wall']['total']:.1f} s "
                      f"wall; {figures['topics']} topics, output {figures['hash']}; {figures['summary']}",
                      flush=True)
                shutil.rmtree(scratch)
        load_end = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.rows:,} realistic rows (seed {args.seed}), {args.runs} run(s) per tree; load average "
          f"{load[0]:.2f} at start, {load_end[0]:.2f} at end; CPU includes the feature workers")
    header = "".join(f"{name + ' ' + kind:>24}" for name in trees for kind in ("CPU-s min/med", "wall min/med"))
    print(f"{'phase':<18}{header}")
    for phase in PHASES:
        cells = []
        for name in trees:
            for kind in ("cpu", "wall"):
                values = [r[kind].get(phase, 0.0) for r in results[name]]
                cells.append(f"{min(values):>15.1f} /{statistics.median(values):>6.1f}")
        print(f"{phase:<18}{''.join(cells)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
