"""Per-message work on the realistic corpus, against the floor measured in the same run (CPU seconds).

    python bench/features_bench.py [--rows 200000] [--workers 2]

On ``--rows`` messages of ``bench/_corpus_real.py`` (title + content; replies for reply quality), each step
in this process, CPU seconds (``time.process_time``; the machine is shared, wall time is printed too):

- floor: raw ``rjieba.cut`` of every title + content (no dictionary of ours, no normalisation);
- ``normalise_for_features``; ``Tokenizer.segment`` of the normalised text (target: within 1.5x the raw cut);
- ``message_features`` (the topic features) serially, then over the ``process`` executor with ``--workers``
  workers (wall, and CPU of this process + its workers);
- reply quality (``assess_texts``) of the messages that have a reply;
- near-duplicate groups of the features (MinHash + LSH).
Skips cleanly when ../shared/data is absent.
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _cpu_with_children() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Step:
    def __init__(self, label: str) -> None:
        self.label = label

    def __enter__(self) -> Step:
        self.wall, self.cpu, self.all_cpu = time.perf_counter(), time.process_time(), _cpu_with_children()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.all_cpu = _cpu_with_children() - self.all_cpu
        print(f"  {self.label:<44} {self.cpu:8.1f} CPU-s ({self.all_cpu:8.1f} with workers) {self.wall:8.1f} s wall")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from _corpus_real import DATA, corpus_csv, real_data_available

    if not real_data_available():
        print(f"skipped: the real data is not at {DATA}; the realistic corpus cannot be built")
        return 0
    path = corpus_csv(args.rows)
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    pairs = [(row[1], row[2]) for row in rows]
    replied = [(row[1], row[2], row[7]) for row in rows if row[7]]
    del rows
    print(f"per-message work on {len(pairs):,} realistic messages ({len(replied):,} with a reply); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    import rjieba

    from analysis.text.dedup import near_duplicate_groups

    try:
        from analysis.executor import message_features_many
    except ImportError:  # measuring a version before the executor existed
        message_features_many = None
    from analysis.quality.reply_quality import assess_texts
    from analysis.text.normalise import normalise_for_features
    from analysis.text.tokenize import get_tokenizer
    from analysis.topics.model import message_features

    raw = rjieba.Jieba()
    tokenizer = get_tokenizer()
    message_features("", "预热")  # load dictionaries outside the measurements
    texts = [f"{title}\n{content}" for title, content in pairs]
    with Step("floor: raw rjieba.cut") as floor:
        for text in texts:
            raw.cut(text, True)
    with Step("normalise_for_features"):
        normalised = [normalise_for_features(text) for text in texts]
    with Step("Tokenizer.segment (normalised text)") as segment:
        for text in normalised:
            tokenizer.segment(text)
    # The ratio on a sample, best of three passes each, interleaved: one pass over a loaded machine is noisy,
    # and the first pass also fills the per-word caches.
    best = {"raw": [], "wrapper": []}
    sample = list(zip(texts[:20_000], normalised[:20_000], strict=True))
    for _ in range(3):
        began = time.process_time()
        for text, _normalised in sample:
            raw.cut(text, True)
        best["raw"].append(time.process_time() - began)
        began = time.process_time()
        for _text, text in sample:
            tokenizer.segment(text)
        best["wrapper"].append(time.process_time() - began)
    print(f"  -> tokenizer wrapper / raw rjieba.cut = {segment.cpu / floor.cpu:.2f}x in one pass; best of 3 on "
          f"{len(sample):,}: {min(best['wrapper']):.2f} / {min(best['raw']):.2f} CPU-s = "
          f"{min(best['wrapper']) / min(best['raw']):.2f}x (target <= 1.5x)")
    del normalised, texts, sample
    with Step("message_features, serial") as serial:
        features = [message_features(title, content) for title, content in pairs]
    print(f"  -> features / raw cut = {serial.cpu / floor.cpu:.2f}x CPU")
    if message_features_many is not None:
        with Step(f"message_features, process executor x{args.workers}") as parallel:
            again = message_features_many(pairs, executor="process", workers=args.workers)
        assert again == features, "the process executor changed the features"
        del again
        print(f"  -> process executor: {serial.wall / parallel.wall:.2f}x the serial speed in wall time")
    with Step("near-duplicate groups"):
        near_duplicate_groups(features)
    del features
    with Step(f"reply quality, {len(replied):,} replies"):
        assess_texts([c for _t, c, _r in replied], [r for _t, _c, r in replied], [t for t, _c, _r in replied])
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
