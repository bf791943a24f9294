"""Routing on real data: categories on a held-out split, units on a time split, speed.

1. Category (7-class 一级标签 of ../shared/data/teddycup2020c_classification_dev.csv): macro-F1 and accuracy on
   a stratified 20 % held-out split (seed 0) of the router ``train-router --field category`` builds, beside the
   router's setting before issue 13, complement naive Bayes on the same features and an SVM + NB ensemble.
   Target (issue 13): macro-F1 >= 0.92 and accuracy >= 0.92.
2. Units (大连 受理单位, 商洛 reply_agency): the oldest 80 % of the letters train, the newest 20 % test. A majority
   baseline, the text-only router (before issue 13) and the router ``train-router --field unit`` builds now
   (unit names normalised with their hierarchy — a government's office is the government —, renamed offices
   merged, and the places the training units are named after as features): top-1/top-3 with the best guess
   counted, and with abstention (threshold chosen on the end of the training period). Targets: 商洛 top-1
   >= 0.75; 大连 top-3 >= 0.85; with abstention >= 70 % routed at accuracy >= 0.90.
3. Speed: fitting the unit router on the 大连 training period and classifying (messages/s), CPU seconds
   beside wall time (the machine is shared).

    python bench/routing_eval.py [--skip-alternatives]

Skips cleanly (exit 0) when ../shared/data is absent. Nothing of the data is written anywhere.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _real_letters as real  # noqa: E402
import _routing_real as routing  # noqa: E402


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-alternatives", action="store_true", help="only the shipped category router")
    args = parser.parse_args()
    if not real.TEDDY_DEV.is_file() or not real.DALIAN.is_file() or not real.SHANGLUO.is_file():
        print(f"skipped: shared data not found at {real.DATA}")
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start")

    began, cpu = time.perf_counter(), time.process_time()
    result = routing.category_holdout(alternatives=not args.skip_alternatives)
    print(f"\n[1] categories: train {result['train_rows']}, held-out {result['test_rows']} "
          f"({time.perf_counter() - began:.0f} s wall, {time.process_time() - cpu:.0f} s CPU)")
    for name in ("router", "router_before", "complement_nb", "ensemble_svm_nb"):
        if name in result:
            scores = result[name]
            print(f"  {name:<16} macro-F1 {scores['macro_f1']:.4f}  accuracy {scores['accuracy']:.4f}")
    shipped = result["router"]
    print(f"  target macro-F1 >= 0.92: {'met' if shipped['macro_f1'] >= 0.92 else 'NOT met'}; "
          f"accuracy >= 0.92: {'met' if shipped['accuracy'] >= 0.92 else 'NOT met'}")

    print("\n[2] units on a time split (best guess always counted; abstention threshold from the training period)")
    for name, loader in (("商洛", real.shangluo), ("大连", real.dalian)):
        rows = routing.unit_rows(loader)
        began, cpu = time.perf_counter(), time.process_time()
        before = routing.unit_time_split(rows, hierarchy=False, place_weight=0.0)
        now = routing.unit_time_split(rows)
        print(f"  {name}: train {now['train_rows']} ({now['train_period'][0]}..{now['train_period'][1]}), "
              f"test {now['test_rows']} ({now['test_period'][0]}..{now['test_period'][1]}); "
              f"{time.perf_counter() - began:.0f} s wall, {time.process_time() - cpu:.0f} s CPU")
        print(f"    majority            top-1 {now['majority_top1']:.3f}  top-3 {now['majority_top3']:.3f}")
        for label, r in (("text only (before)", before), ("units+places (now)", now)):
            print(f"    {label:<19} top-1 {r['top1']:.3f}  top-3 {r['top3']:.3f}  "
                  f"| at 0.5: routed {_pct(r['at_0.5']['routed'])}, accuracy {_pct(r['at_0.5']['accuracy'])}  "
                  f"| abstention (threshold {r['abstention']['threshold']:.2f}): routed "
                  f"{_pct(r['abstention']['routed'])}, accuracy {_pct(r['abstention']['accuracy'])}")
        if name == "商洛":
            print(f"    target top-1 >= 0.75: {'met' if now['top1'] >= 0.75 else 'NOT met'}")
        else:
            print(f"    target top-3 >= 0.85: {'met' if now['top3'] >= 0.85 else 'NOT met'}")
        auto = now["abstention"]
        ok = auto["routed"] >= 0.70 and (auto["accuracy"] or 0) >= 0.90
        print(f"    target with abstention >= 70 % routed at >= 0.90: {'met' if ok else 'NOT met'}")

    print("\n[3] speed (大连 training period, unit router)")
    rows = routing.unit_rows(real.dalian)
    cut = int(len(rows) * 0.8)
    from analysis.routing import router as router_module
    from analysis.routing.router import train_router

    router_module._prepare_one.cache_clear()
    router_module.router_tokens.cache_clear()
    began, cpu = time.perf_counter(), time.process_time()
    trained = train_router([x for _t, x, _u in rows[:cut]], [u for _t, _x, u in rows[:cut]], "unit", cv_folds=0,
                           min_class_rows=2)
    print(f"  train: {time.perf_counter() - began:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, "
          f"{len(trained.metadata['classes'])} units (target < 60 s)")
    unseen = [x for _t, x, _u in rows[cut:]] + routing.teddy_rows()[0]
    router_module._prepare_one.cache_clear()
    router_module.router_tokens.cache_clear()
    began, cpu = time.perf_counter(), time.process_time()
    trained.router.route(unseen)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"  classify: {len(unseen)} messages, {len(unseen) / wall:.0f} messages/s wall, "
          f"{len(unseen) / cpu:.0f} messages/s CPU (target >= 500)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
