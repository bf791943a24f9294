"""Near-duplicate grouping: our vectorised MinHash+LSH (analysis.text.dedup) against datasketch's MinHashLSH.

datasketch was a declared dependency that nothing imported; this bench is the measurement behind dropping it
(issue 20). Both run on the same token sets of N realistic messages (variants of the real letters of
../shared/data, bench/_corpus_real.py), 32 permutations, Jaccard threshold 0.8. Prints the time of each and
how far their groupings agree (pairs of messages put together by one and not the other). datasketch is not a
dependency: the comparison runs when it is installed (`pip install datasketch`), else only ours is timed.

    python bench/dedup_minhash_bench.py [--rows 20000]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _corpus_real import corpus_rows, real_data_available  # noqa: E402


def _pairs(groups) -> set[tuple[int, int]]:
    """Each message paired with its group's first message: the grouping as a set of links."""
    return {(int(g), i) for i, g in enumerate(groups) if g != i}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    if not real_data_available():
        print("skipped: ../shared/data is absent (set HOTLINE_SHARED_DATA)")
        return 0
    from analysis.text.dedup import near_duplicate_groups
    from analysis.text.tokenize import tokens as tokenize

    tokens = [tokenize(f"{row[1]} {row[2]}") for row in corpus_rows(args.rows)]
    start = time.perf_counter()
    ours = near_duplicate_groups(tokens, threshold=0.8)
    ours_s = time.perf_counter() - start
    print(f"{args.rows:,} realistic messages; analysis.text.dedup: {ours_s:.2f} s "
          f"({sum(1 for i, g in enumerate(ours) if g != i):,} near-duplicates)")
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        print("datasketch is not installed: nothing to compare with")
        return 0
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=32)
    theirs = list(range(len(tokens)))
    for i, words in enumerate(tokens):
        minhash = MinHash(num_perm=32, seed=1)
        minhash.update_batch([w.encode("utf-8") for w in set(words)])
        found = lsh.query(minhash)
        if found:
            theirs[i] = min(theirs[j] for j in found)
        lsh.insert(i, minhash)
    theirs_s = time.perf_counter() - start
    a, b = _pairs(ours), _pairs(theirs)
    print(f"datasketch MinHashLSH (a Python loop per message): {theirs_s:.2f} s "
          f"({sum(1 for i, g in enumerate(theirs) if g != i):,} near-duplicates), {theirs_s / ours_s:.1f}x ours")
    print(f"links in one grouping only: {len(a - b):,} ours, {len(b - a):,} datasketch's, of {len(a | b):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
