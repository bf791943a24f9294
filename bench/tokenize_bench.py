"""Segmenter speed and equivalence: jieba (reference) vs rjieba (jieba-rs) vs jieba_fast (when installed).

On the messages of ../shared/data (teddycup classification set + 大连 letters), each segmenter gets the shipped
user dictionary and only runs of Chinese characters (what ``analysis.text.tokenize`` hands it). Prints, per
segmenter: start-up time, characters/s and messages/s, and how many Chinese runs it splits differently from
jieba; then the speed of the whole ``Tokenizer.tokens`` path for the chosen backend.

    python bench/tokenize_bench.py [--limit 3000]

Skips cleanly (exit 0) when ../shared/data is absent.
"""
from __future__ import annotations

import argparse
import csv
import logging
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
HAN_RUN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]+")


def load_texts(limit: int) -> list[str]:
    texts = []
    teddy = DATA / "teddycup2020c_classification_dev.csv"
    with teddy.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row.get("留言主题+留言详情") or f"{row.get('留言主题', '')}{row.get('留言详情', '')}")
    with (DATA / "dalian_mailbox_2018_gb18030.csv").open(encoding="gb18030", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(f"{row.get('反映标题', '')}。{row.get('反映内容', '')}")
    return [t for t in texts if t.strip()][:limit]


def segmenters(entries):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    found = {}

    def build_jieba():
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for e in entries:
            tokenizer.add_word(e.word, e.freq, e.tag)
        return lambda run: list(tokenizer.cut(run, HMM=True))

    found["jieba"] = build_jieba
    try:
        import rjieba

        def build_rjieba():
            tokenizer = rjieba.Jieba()
            for e in entries:
                tokenizer.add_word(e.word, e.freq, e.tag)
            return lambda run: tokenizer.cut(run, True)

        found["rjieba"] = build_rjieba
    except ImportError:
        print("rjieba not installed")
    try:
        import jieba_fast

        jieba_fast.setLogLevel(logging.WARNING)

        def build_jieba_fast():
            tokenizer = jieba_fast.Tokenizer()
            tokenizer.initialize()
            for e in entries:
                tokenizer.add_word(e.word, e.freq, e.tag)
            return lambda run: list(tokenizer.cut(run, HMM=True))

        found["jieba_fast"] = build_jieba_fast
    except ImportError:
        print("jieba_fast not installed (pip install jieba_fast to include it)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=100000, help="at most this many messages")
    args = parser.parse_args()
    if not (DATA / "teddycup2020c_classification_dev.csv").is_file():
        print(f"skipped: shared data not found at {DATA}")
        return 0

    from analysis.text.tokenize import Tokenizer, load_user_dictionary

    texts = load_texts(args.limit)
    runs = [m.group() for text in texts for m in HAN_RUN.finditer(text)]
    characters = sum(map(len, runs))
    print(f"{len(texts)} messages, {len(runs)} Chinese runs, {characters} Chinese characters; "
          f"load average {os.getloadavg()[0]:.1f}")
    entries = load_user_dictionary()
    reference = None
    for name, build in segmenters(entries).items():
        began = time.perf_counter()
        cut = build()
        ready = time.perf_counter() - began
        began = time.perf_counter()
        output = [cut(run) for run in runs]
        seconds = time.perf_counter() - began
        if reference is None:
            reference = output
            difference = "reference"
        else:
            differing = [i for i, words in enumerate(output) if words != reference[i]]
            difference = f"{len(differing)} of {len(runs)} runs differ ({len(differing) / len(runs):.4%})"
            for i in differing[:3]:  # only the few words around the first difference
                a, b = reference[i], output[i]
                k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), 0)
                difference += f"\n      jieba {a[max(0, k - 1):k + 3]} vs {name} {b[max(0, k - 1):k + 3]}"
        print(f"{name:<11} start {ready:5.2f} s  {characters / seconds / 1000:8.0f} k chars/s  "
              f"{len(texts) / seconds:8.0f} messages/s  {difference}")

    tokenizer = Tokenizer()
    began = time.perf_counter()
    for text in texts:
        tokenizer.tokens(text)
    seconds = time.perf_counter() - began
    print(f"Tokenizer.tokens (normalise + segment + filter) with {tokenizer.backend}: "
          f"{len(texts) / seconds:.0f} messages/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
