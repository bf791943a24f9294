"""Speed of ``analysis.privacy.redact.redact`` on real-length letters (the shared exports, not generated text).

Takes a fixed-seed sample of letters from the 大连, 商洛 and 泰迪杯 附件3/附件4 exports and redacts each
letter's title, content and reply as a publication would (one call per field, the submitter passed along).
Prints letters/s and characters/s, wall and CPU time (the machine is shared: CPU seconds are the steadier
figure). Target: no worse than half of the figure before the issue-13 detector (see the issue's note).

    python bench/redact_speed.py [--letters 1500] [--seed 13] [--repeat 2]

Skips cleanly (exit 0) when ../shared/data is absent.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _real_letters as real  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=2, help="timed passes; the best is reported")
    args = parser.parse_args()
    if not real.available():
        print(f"skipped: shared data not found at {real.DATA}")
        return 0
    from analysis.privacy.redact import redact

    letters = list(real.all_letters().values())
    sample = random.Random(args.seed).sample(letters, min(args.letters, len(letters)))
    jobs = [(letter.text(name), letter.text("submitter") or None) for letter in sample
            for name in ("title", "content", "reply") if letter.text(name)]
    characters = sum(len(text) for text, _submitter in jobs)
    redact("预热：张先生的电话13812345678。")  # imports and lazy tables outside the timing
    best_wall = best_cpu = float("inf")
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        for text, submitter in jobs:
            redact(text, submitter=submitter)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"{len(sample)} real letters, {len(jobs)} fields, {characters} characters "
          f"(mean {characters / len(sample):.0f} per letter)")
    print(f"redact: {len(sample) / best_wall:.0f} letters/s, {characters / best_wall / 1000:.0f} k characters/s "
          f"wall ({best_wall:.2f} s); CPU {best_cpu:.2f} s = {len(sample) / best_cpu:.0f} letters/s, "
          f"{characters / best_cpu / 1000:.0f} k characters/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
