"""Routing classifier on real data.

1. 7-class category (一级标签) of ../shared/data/teddycup2020c_classification_dev.csv: 5-fold cross-validated
   macro-F1 and accuracy of the router `train-router` builds (target macro-F1 >= 0.90). About 60 % of its rows
   carry only the combined column 留言主题+留言详情; those are routed on that text alone.
2. Units (受理单位) of the 大连 letters (dalian_mailbox_2018_gb18030.csv, GB18030): unit names normalised, trained
   on the oldest 80 % by 反映时间, tested on the newest 20 %: top-1/top-3 accuracy, macro-F1, manual share.
3. Speed: training on 3,000 messages (the 大连 letters, fit alone and with 5-fold cross-validation as
   `train-router` does; target < 60 s) and classifying (messages/s, target >= 500), with the router's text
   caches emptied before each timing.

    python bench/routing_eval.py [--skip-cv]

Skips cleanly (exit 0) when ../shared/data is absent. Nothing of the data is written anywhere.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
TEDDY = DATA / "teddycup2020c_classification_dev.csv"
DALIAN = DATA / "dalian_mailbox_2018_gb18030.csv"


def _clear_caches() -> None:
    from analysis import router

    router._prepare_one.cache_clear()
    router.router_tokens.cache_clear()


def teddy_rows() -> tuple[list[str], list[str]]:
    from analysis.router import routing_text

    texts, labels = [], []
    with TEDDY.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            title, content = row.get("留言主题", ""), row.get("留言详情", "")
            text = routing_text(title, content) if (title or content) else row.get("留言主题+留言详情", "")
            if text.strip() and row.get("一级标签", "").strip():
                texts.append(text)
                labels.append(row["一级标签"].strip())
    return texts, labels


def dalian_rows() -> tuple[list[str], list[str], list[str]]:
    from analysis.router import routing_text

    texts, units, times = [], [], []
    with DALIAN.open(encoding="gb18030", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("受理单位", "").strip() and row.get("反映时间", "").strip():
                texts.append(routing_text(row.get("反映标题"), row.get("反映内容")))
                units.append(row["受理单位"])
                times.append(row["反映时间"].strip())
    return texts, units, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-cv", action="store_true", help="skip the 5-fold cross-validations (faster)")
    args = parser.parse_args()
    if not TEDDY.is_file() or not DALIAN.is_file():
        print(f"skipped: shared data not found at {DATA}")
        return 0

    from analysis.router import MessageRouter, cross_validate_router, evaluate_time_split, train_router
    from analysis.tokenize import get_tokenizer
    from analysis.unitnames import UnitNameNormaliser

    started = time.perf_counter()
    tokenizer = get_tokenizer()
    print(f"tokenizer: {tokenizer.backend}, ready in {time.perf_counter() - started:.1f} s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start")

    # 1. categories ------------------------------------------------------------------------------------
    texts, labels = teddy_rows()
    print(f"\n[1] teddycup 2020 C, 7 categories: {len(texts)} messages")
    if not args.skip_cv:
        _clear_caches()
        began = time.perf_counter()
        cv = cross_validate_router(MessageRouter(), texts, labels, folds=5)
        folds = ", ".join(format(fold["macro_f1"], ".3f") for fold in cv["per_fold"])
        print(f"5-fold CV: macro-F1 {cv['macro_f1']:.4f}, accuracy {cv['accuracy']:.4f} "
              f"(per fold macro-F1 {folds}); "
              f"below confidence 0.5 (manual) {cv['manual_share']:.1%}, accuracy of the rest "
              f"{cv.get('accuracy_when_automatic', float('nan')):.4f}; {time.perf_counter() - began:.1f} s")
        print("target macro-F1 >= 0.90:", "met" if cv["macro_f1"] >= 0.90 else "NOT met")

    # 2. units on a time split ---------------------------------------------------------------------------
    d_texts, d_units, d_times = dalian_rows()
    normalised = UnitNameNormaliser().fit_transform(d_units)
    print(f"\n[2] 大连 letters: {len(d_texts)} messages, {len(set(d_units))} unit spellings -> "
          f"{len(set(normalised))} units after normalisation")
    result = evaluate_time_split(d_texts, normalised, d_times, test_fraction=0.2)
    print(f"time split: train {result['train_rows']} ({result['train_period'][0]} .. {result['train_period'][1]}), "
          f"test {result['test_rows']} ({result['test_period'][0]} .. {result['test_period'][1]}), "
          f"{result['test_rows_with_unseen_class']} test rows with a unit never seen in training")
    print(f"top-1 accuracy {result['top1_accuracy']:.4f}, top-3 accuracy {result['top3_accuracy']:.4f}, "
          f"macro-F1 {result['macro_f1']:.4f}; manual {result['manual_share']:.1%}, "
          f"accuracy when automatic {result['accuracy_when_automatic']:.4f}")
    print("largest units (precision / recall / F1 / test rows):")
    for row in result["per_class"][:10]:
        print(f"  {row['class']}: {row['precision']:.2f} / {row['recall']:.2f} / {row['f1']:.2f} / {row['support']}")

    # 3. speed ----------------------------------------------------------------------------------------
    sample_texts, sample_units = d_texts[:3000], d_units[:3000]
    print(f"\n[3] speed on {len(sample_texts)} 大连 letters ({len(set(sample_units))} unit spellings)")
    _clear_caches()
    began = time.perf_counter()
    trained = train_router(sample_texts, sample_units, "unit", cv_folds=0, min_class_rows=2)
    fit_seconds = time.perf_counter() - began
    print(f"train (normalise units + fit + calibrate): {fit_seconds:.1f} s, "
          f"{len(trained.metadata['classes'])} classes")
    if not args.skip_cv:
        _clear_caches()
        began = time.perf_counter()
        train_router(sample_texts, sample_units, "unit", cv_folds=5, min_class_rows=5)
        print(f"train with 5-fold cross-validated scores (as `train-router`): {time.perf_counter() - began:.1f} s")
    print("target < 60 s:", "met" if fit_seconds < 60 else "NOT met", "(fit alone)")
    unseen = d_texts[3000:] + texts  # texts the caches have not seen
    _clear_caches()
    began = time.perf_counter()
    trained.router.route(unseen)
    seconds = time.perf_counter() - began
    rate = len(unseen) / seconds
    print(f"classify: {len(unseen)} messages in {seconds:.2f} s = {rate:.0f} messages/s (target >= 500: "
          f"{'met' if rate >= 500 else 'NOT met'})")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
