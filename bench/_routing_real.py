"""Routing evaluations on the shared exports, shared by bench/routing_eval.py and the regression tests.

- ``category_holdout()``: the 7-class 一级标签 of teddycup2020c_classification_dev.csv, a stratified 20 %
  held-out split (seed 0): the router ``train-router`` builds, and the alternatives tried beside it.
- ``unit_time_split(rows)``: the oldest 80 % of a source's letters train, the newest 20 % test; a majority
  baseline, the text-only router (before issue 13: no unit hierarchy, no places) and the router
  ``train-router --field unit`` builds now; top-1/top-3 with the best guess always counted, and with
  abstention: the confidence threshold is chosen on the last 20 % of the training period (the smallest that
  routes with accuracy >= 0.90 there), then applied to the test period.
Nothing of the data is written anywhere.
"""
from __future__ import annotations

import csv
from collections import Counter

import _real_letters as real
import numpy as np

AUTO_ACCURACY = 0.90


def teddy_rows() -> tuple[list[str], list[str]]:
    from analysis.routing.router import routing_text

    texts, labels = [], []
    with real.TEDDY_DEV.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            title, content = row.get("留言主题", ""), row.get("留言详情", "")
            text = routing_text(title, content) if (title or content) else row.get("留言主题+留言详情", "")
            if text.strip() and row.get("一级标签", "").strip():
                texts.append(text)
                labels.append(row["一级标签"].strip())
    return texts, labels


def _scores(truth, predicted) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    return {"macro_f1": float(f1_score(truth, predicted, average="macro")),
            "accuracy": float(accuracy_score(truth, predicted))}


def category_holdout(alternatives: bool = False) -> dict:
    """Held-out scores of the category router (and, with ``alternatives``, of the others tried)."""
    from sklearn.model_selection import train_test_split

    from analysis.routing.router import MessageRouter

    texts, labels = teddy_rows()
    x_train, x_test, y_train, y_test = train_test_split(texts, labels, test_size=0.2, stratify=labels,
                                                        random_state=0)
    result = {"train_rows": len(x_train), "test_rows": len(x_test)}
    router = MessageRouter().fit(x_train, y_train)
    shipped = router.predict_proba(x_test)
    result["router"] = _scores(y_test, router.classes_[shipped.argmax(axis=1)])
    if alternatives:
        from sklearn.naive_bayes import ComplementNB

        before = MessageRouter(C=0.5).fit(x_train, y_train)  # the router's setting before issue 13
        result["router_before"] = _scores(y_test, before.predict(x_test))
        features = router.pipeline_[:-1]
        nb = ComplementNB(alpha=0.3).fit(features.transform(x_train), y_train)
        nb_proba = nb.predict_proba(features.transform(x_test))
        result["complement_nb"] = _scores(y_test, nb.classes_[nb_proba.argmax(axis=1)])
        result["ensemble_svm_nb"] = _scores(y_test, router.classes_[(shipped + nb_proba).argmax(axis=1)])
    return result


def unit_rows(loader) -> list[tuple[str, str, str]]:
    """(submitted, routing text, unit) of a source's letters with a unit and a date, oldest first."""
    from analysis.routing.router import routing_text

    rows = [(letter.submitted.strip(), routing_text(letter.text("title"), letter.text("content")), letter.unit)
            for letter in loader() if letter.unit.strip() and letter.submitted.strip()]
    return sorted(rows, key=lambda row: row[0])


def _fit(train, hierarchy: bool, place_weight: float):
    from analysis.routing.router import MessageRouter
    from analysis.routing.unitnames import UnitNameNormaliser

    normaliser = UnitNameNormaliser(hierarchy=hierarchy).fit([unit for _t, _x, unit in train])
    labels = normaliser.transform([unit for _t, _x, unit in train])
    counts = Counter(labels)
    keep = [i for i, label in enumerate(labels) if counts[label] >= 2]
    router = MessageRouter(place_weight=place_weight).fit([train[i][1] for i in keep], [labels[i] for i in keep])
    return normaliser, router


def _ranked(router, texts):
    proba = router.predict_proba(texts)
    order = np.argsort(-proba, axis=1)
    return router.classes_[order[:, 0]], [set(router.classes_[order[i, :3]]) for i in range(len(texts))], \
        proba.max(axis=1)


def _threshold(confidence, correct) -> float:
    """The smallest confidence threshold whose routed rows are right >= AUTO_ACCURACY of the time."""
    for threshold in np.arange(0.30, 0.96, 0.02):
        routed = confidence >= threshold
        if routed.sum() >= 5 and correct[routed].mean() >= AUTO_ACCURACY:
            return float(threshold)
    return 0.96


def unit_time_split(rows, hierarchy: bool = True, place_weight: float = 1.0, abstention: bool = True) -> dict:
    """Scores of a unit router on the newest 20 % of ``rows`` (see the module docstring)."""
    cut = int(len(rows) * 0.8)
    train, test = rows[:cut], rows[cut:]
    normaliser, router = _fit(train, hierarchy, place_weight)
    truth = np.asarray(normaliser.transform([unit for _t, _x, unit in test]), dtype=object)
    top1, top3, confidence = _ranked(router, [text for _t, text, _u in test])
    train_labels = Counter(normaliser.transform([unit for _t, _x, unit in train]))
    majority = [label for label, _n in train_labels.most_common(3)]
    result = {
        "train_rows": len(train), "test_rows": len(test),
        "train_period": (train[0][0][:10], train[-1][0][:10]), "test_period": (test[0][0][:10], test[-1][0][:10]),
        "units_in_training": len(router.classes_),
        "majority_top1": float(np.mean(truth == majority[0])),
        "majority_top3": float(np.mean([t in majority for t in truth])),
        "top1": float(np.mean(top1 == truth)),
        "top3": float(np.mean([t in s for t, s in zip(truth, top3, strict=True)])),
    }
    routed = confidence >= 0.5
    result["at_0.5"] = {"routed": float(routed.mean()),
                        "accuracy": float(np.mean(top1[routed] == truth[routed])) if routed.any() else None}
    if abstention:
        inner = int(len(train) * 0.8)
        inner_normaliser, inner_router = _fit(train[:inner], hierarchy, place_weight)
        valid = train[inner:]
        valid_truth = np.asarray(inner_normaliser.transform([u for _t, _x, u in valid]), dtype=object)
        valid_top1, _valid_top3, valid_conf = _ranked(inner_router, [x for _t, x, _u in valid])
        threshold = _threshold(valid_conf, valid_top1 == valid_truth)
        routed = confidence >= threshold
        result["abstention"] = {"threshold": threshold, "routed": float(routed.mean()),
                                "accuracy": float(np.mean(top1[routed] == truth[routed])) if routed.any() else None}
    return result
