"""Recurring issues at scale: the annotated issues of the real exports, scored on the realistic corpus.

    python bench/topics_scale_eval.py [--rows 200000] [--seed 16] [--processes 2]

``bench/topics_real_eval.py`` scores topics on the ~9,000 real letters. This scores them on ``--rows`` variants
of the real letters (``bench/_corpus_real.py``; each row is one base letter with sentences dropped or spliced,
numbers and districts swapped), where a chaining or a fragmenting of topics shows. The corpus CSV is built or
reused from var/bench-corpus/ (``corpus_csv``); every row is featurised as analyze does
(``analysis.topics.model.message_features(title, content)``, packed, over ``--processes`` worker processes;
cached as a pickle beside the corpus, keyed by its file name and the feature code) and, in order of 受理时间,
``analysis.topics.clustering.build_clusterer()`` is fitted on all of them. A label of fewer than
``topics.min_size`` rows is no topic. Then, for each issue of ``bench/topics_real_annotations.json``:

- variants: rows whose base letter (``corpus_bases``: the real letter the row is a variant of) is a member;
- recall: share of the issue's variants in their most common topic; purity: share of that topic's rows whose
  base letter is a member of the issue (the base letter only: spliced sentences do not count);
- found: recall >= 0.5 and purity >= 0.7, as in topics_real_eval.

It prints a line per issue, per set and overall: issues found (all, and of the multi-person ones as
topics_real_eval counts them), siblings merged (two issues of one set with the same ``place`` whose best topics
are one), coverage (share of the issues' variants in some topic); the number of topics, the share of rows in
one, the 10 largest topics with their share of the corpus, and for the 5 largest the 3 most common base letters
(their ids, and titles: read from the data at run time, never written anywhere); seconds of featurising (0 when
cached) and of the fit.

At 200k (the default; the corpus ``analyze_bench`` shares) a first run takes about 3 min on 2 cores (building
the CSV 30 s, featurising 94 s, fitting 60 s); later runs read the cached features: about 70 s, which is what
``make bench`` adds. For the scale where chaining once showed, ``--rows 1000000`` (figures below). Skips
(exit 0) when ../shared/data is absent.

Measured (seed 16), with cluster merging that does not chain (``model._join_without_chaining`` in both merge
passes): 200k: found 25/36 (multi-person 22/31), siblings merged 1 (f02+f03: 魅力之城 cracks and school),
largest topic 703 rows (0.35 %). 1M: found 21/36 (multi-person 16/31: recall falls, issues split over several
topics), siblings merged 0, largest 2,796 rows (0.28 %), the 5 largest each one real issue. Before the second
pass stopped chaining (only the place pass did): 200k 26/36 (d05 fell from recall 0.51 to 0.47), 1M 19/36 with
the 2nd to 4th largest topics (1,315-2,235 rows) mixing unrelated issues and cities. At 1M: featurise 513 s (the
machine shared: about one core), fit 242 s, peak RSS 5.1 GB.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import multiprocessing
import pickle
import sys
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus_real import DATA, corpus_csv, corpus_items, load_letters, real_data_available  # noqa: E402

ANNOTATIONS = Path(__file__).with_name("topics_real_annotations.json")
SETS = {  # annotation set -> the data file whose own ids its members are
    "dalian": "dalian_mailbox_2018_gb18030.csv",
    "shangluo": "shangluo_mayor_mailbox_2012_2022.csv",
    "fujian3": "teddycup2020c_附件3_messages_with_votes.xlsx",
}
FOUND_RECALL, FOUND_PURITY = 0.5, 0.7
_CHUNK = 1_000  # (title, content) pairs a worker featurises at a time


def _featurise(pairs: list[tuple[str, str]]) -> list[str]:
    from analysis.text.packed import pack
    from analysis.topics.model import message_features

    return [pack(message_features(title, content)) for title, content in pairs]


def _chunks(path: Path, count: int, seed: int, letters: list, bases: list[int], times: list[str]):
    """(title, content) chunks of the CSV; on the way, each row's base letter (replayed generator) and
    受理时间. The replay must give the CSV's rows: a stale cache or a changed generator stops here."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        replay = corpus_items(count, seed, letters)
        chunk: list[tuple[str, str]] = []
        for row, (base, made) in zip(reader, replay, strict=True):
            if row[:3] != made[:3]:
                raise SystemExit(f"{path.name}: row {row[0]} is not what the generator makes; delete the cached CSV")
            bases.append(base)
            times.append(row[3])
            chunk.append((row[1], row[2]))
            if len(chunk) == _CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _feature_key() -> str:
    from analysis.topics import model
    from analysis.topics.features import feature_version

    digest = hashlib.sha1(feature_version().encode())
    digest.update(Path(model.__file__).read_bytes())  # message_features itself
    return digest.hexdigest()[:10]


def corpus_features(count: int, seed: int, letters: list, processes: int = 2) -> dict[str, Any]:
    """The corpus in order of 受理时间: packed features and base letter per row (cached), and featurise seconds."""
    path = corpus_csv(count, seed)
    cache = path.with_name(f"{path.stem}.topic-features-{_feature_key()}.pickle")
    if cache.exists():
        with open(cache, "rb") as fh:
            stored = pickle.load(fh)
        return {**stored, "csv": path, "featurise_s": 0.0, "cached": True}
    began = time.perf_counter()
    bases: list[int] = []
    times: list[str] = []
    packed: list[str] = []
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pending: deque = deque()  # a few chunks in flight: the texts are never all held at once
        for chunk in _chunks(path, count, seed, letters, bases, times):
            pending.append(pool.apply_async(_featurise, (chunk,)))
            if len(pending) >= 4 * processes:
                packed.extend(pending.popleft().get())
        while pending:
            packed.extend(pending.popleft().get())
    order = sorted(range(len(times)), key=times.__getitem__)  # stable: ties keep the CSV order
    stored = {"packed": [packed[i] for i in order], "bases": np.asarray(bases, dtype=np.int32)[order]}
    seconds = time.perf_counter() - began
    tmp = cache.with_suffix(".partial")
    with open(tmp, "wb") as fh:
        pickle.dump(stored, fh, protocol=5)
    tmp.replace(cache)
    return {**stored, "csv": path, "featurise_s": seconds, "cached": False}


def _people(members: list[str], same_person: list[list[str]]) -> int:
    return len(members) - sum(len([m for m in group if m in members]) - 1 for group in same_person)


def score(labels: np.ndarray, bases: np.ndarray, letters: list, min_size: int) -> dict[str, Any]:
    """Per annotated issue: variants, best topic, recall, purity, found; per set and overall summaries."""
    sizes = np.bincount(labels - labels.min()) if len(labels) else np.zeros(0, dtype=np.int64)
    offset = int(labels.min()) if len(labels) else 0
    in_topic = sizes[labels - offset] >= min_size
    index_of = {letter.origin: i for i, letter in enumerate(letters)}
    annotations = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))
    issues = []
    for name, filename in SETS.items():
        for issue in annotations[name]:
            members = [index_of[(filename, m)] for m in issue["members"] if (filename, m) in index_of]
            rows = np.isin(bases, members)
            variants = int(rows.sum())
            topics = Counter(labels[rows & in_topic].tolist())
            best, hits = topics.most_common(1)[0] if topics else (None, 0)
            purity_hits = int((rows & (labels == best)).sum()) if best is not None else 0
            size = int(sizes[best - offset]) if best is not None else 0
            recall = hits / variants if variants else 0.0
            purity = purity_hits / size if size else 0.0
            issues.append({
                "set": name, "key": issue["key"], "label": issue["label"], "place": issue["place"],
                "half": issue["half"], "letters": len(issue["members"]), "letters_in_corpus": len(members),
                "people": _people(issue["members"], issue.get("same_person", [])), "variants": variants,
                "in_topics": int((rows & in_topic).sum()), "best": best, "best_size": size,
                "recall": round(recall, 3), "purity": round(purity, 3),
                "found": recall >= FOUND_RECALL and purity >= FOUND_PURITY,
            })
    summaries = {name: _summarise([s for s in issues if s["set"] == name]) for name in SETS}
    summaries["all"] = _summarise(issues)
    return {"issues": issues, "summaries": summaries}


def _summarise(scored: list[dict[str, Any]]) -> dict[str, Any]:
    multi = [s for s in scored if s["people"] >= 2]
    merged = [(a["key"], b["key"]) for i, a in enumerate(scored) for b in scored[i + 1:]
              if a["set"] == b["set"] and a["place"] == b["place"] and a["best"] is not None
              and a["best"] == b["best"]]
    variants = sum(s["variants"] for s in scored)
    return {"issues": len(scored), "found": sum(s["found"] for s in scored), "multi_person": len(multi),
            "multi_found": sum(s["found"] for s in multi), "siblings_merged": merged,
            "coverage": round(sum(s["in_topics"] for s in scored) / variants, 3) if variants else None}


def evaluate(count: int, seed: int = 16, processes: int = 2, letters: list | None = None) -> dict[str, Any]:
    """Featurise (or read the cache), fit, score; ``letters``: ``load_letters()`` if already loaded."""
    from analysis.text.packed import PackedFeatures
    from analysis.topics.clustering import build_clusterer
    from store.settings import get_settings

    letters = letters if letters is not None else load_letters()
    corpus = corpus_features(count, seed, letters, processes)
    began = time.perf_counter()
    clusterer = build_clusterer().fit(PackedFeatures(corpus["packed"]))
    fit_seconds = time.perf_counter() - began
    labels = np.asarray(clusterer.labels_, dtype=np.int64)
    bases = corpus["bases"]
    min_size = get_settings().get("topics.min_size")
    result = score(labels, bases, letters, min_size)
    sizes = Counter(labels.tolist())
    topics = {label: size for label, size in sizes.items() if size >= min_size}
    largest = []
    for label, size in sorted(topics.items(), key=lambda item: (-item[1], item[0]))[:10]:
        common = Counter(bases[labels == label].tolist()).most_common(3)
        largest.append({"label": label, "size": size, "share": size / len(labels),
                        "bases": [(int(b), n) for b, n in common]})
    return {**result, "rows": len(labels), "seed": seed, "csv": corpus["csv"].name, "letters": len(letters),
            "featurise_s": round(corpus["featurise_s"], 1), "features_cached": corpus["cached"],
            "fit_s": round(fit_seconds, 1), "topics": len(topics),
            "rows_in_topics": sum(topics.values()), "largest": largest}


def _print(result: dict[str, Any], letters: list) -> None:
    rows = result["rows"]
    print(f"{rows:,} rows of {result['csv']} (variants of {result['letters']:,} real letters); featurise "
          + ("cached" if result["features_cached"] else f"{result['featurise_s']} s") + f", fit {result['fit_s']} s")
    print(f"{result['topics']:,} topics, {result['rows_in_topics'] / rows:.1%} of the rows in one")
    print(f"\n{'issue':<5} {'half':<7} {'letters':>7} {'people':>6} {'variants':>8} {'recall':>6} {'purity':>6} "
          f"{'topic size':>10} {'found':<5} label")
    for s in result["issues"]:
        absent = s["letters"] - s["letters_in_corpus"]  # too short for the corpus (content under 10 characters)
        lost = f" ({absent} not in the corpus)" if absent else ""
        print(f"{s['key']:<5} {s['half']:<7} {s['letters']:>7} {s['people']:>6} {s['variants']:>8} "
              f"{s['recall']:>6.2f} {s['purity']:>6.2f} {s['best_size']:>10,} {'yes' if s['found'] else 'no':<5} "
              f"{s['label']}{lost}")
    print()
    for name, summary in result["summaries"].items():
        merged = summary["siblings_merged"]
        print(f"{name:<9} found {summary['found']}/{summary['issues']} (multi-person {summary['multi_found']}/"
              f"{summary['multi_person']}); siblings merged {len(merged)}"
              + (f" {', '.join('+'.join(pair) for pair in merged)}" if merged else "")
              + f"; coverage of the issues' variants {summary['coverage']:.0%}")
    print("\nlargest topics: " + ", ".join(f"{t['size']:,} ({t['share']:.2%})" for t in result["largest"]))
    for rank, topic in enumerate(result["largest"][:5], 1):
        print(f"  {rank}. {topic['size']:,} rows; most common base letters:")
        for base, n in topic["bases"]:
            letter = letters[base]
            print(f"       {n:>5} x {letter.origin[0][:20]} {letter.origin[1]}: {letter.title[:40]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--processes", type=int, default=2, help="featurising worker processes")
    args = parser.parse_args()
    if not real_data_available():
        print(f"skipped: the real data is not at {DATA} (set HOTLINE_SHARED_DATA); no realistic corpus")
        return 0
    letters = load_letters()
    _print(evaluate(args.rows, args.seed, args.processes, letters), letters)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
