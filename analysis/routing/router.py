"""Routing classifier: which category a message belongs to, or which unit should answer it.

Public API:

``routing_text(title, content) -> str``
    The text a message is routed on (the title counts twice: it is the citizen's own summary).

``MessageRouter(min_confidence=0.5, C=1.0, …, random_state=0)``
    A scikit-learn classifier (``fit``/``predict``/``predict_proba``/``classes_``): a pipeline of
    normalisation, word features (``analysis.text.tokenize``) and character 1-2-gram features (TF-IDF), and a
    linear SVM whose scores are calibrated into probabilities (Platt scaling, cross-validated).
    ``route(texts)`` returns a ``RoutingDecision`` per text: below ``min_confidence`` the message is marked
    for manual routing (``predicted`` None) rather than guessed.

``train_router(texts, labels, field, …) -> TrainedRouter``
    Fits a router on labelled history, cross-validates it (macro-F1, accuracy, per fold), leaves out classes
    with too few rows, and (for ``field="unit"``) normalises unit names first with
    ``analysis.routing.unitnames.UnitNameNormaliser``. ``TrainedRouter.metadata`` says when, on how many rows,
    which classes and how well.

``save_router(trained, model_dir)`` / ``load_router(field, model_dir=None, version=None)``
    ``router-<field>-<version>.joblib`` + ``.json`` metadata under ``routing.model_dir``; without a version
    the newest is loaded.

``evaluate_time_split(texts, labels, times, …) -> dict``
    Train on the older messages, test on the newer: accuracy, macro-F1, top-1/top-3, manual share and a
    per-class table.

``training_rows(session, field)`` / ``route_stored_messages(session, trained=None)`` / ``register_model``
    The store side: labelled rows from ``Message``; writing ``RoutingPrediction`` rows (what ``analyze``
    calls: every field with a trained model, skipping messages already routed by the same model version);
    recording a saved model as the active ``RoutingModel`` of its field.
"""
from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from analysis.text.features import CharNgramVectorizer
from analysis.text.normalise import normalise_for_features
from analysis.text.tokenize import tokens_of_normalised

__all__ = [
    "ROUTING_FIELDS",
    "RoutingDecision",
    "MessageRouter",
    "TrainedRouter",
    "routing_text",
    "prepare_texts",
    "train_router",
    "cross_validate_router",
    "evaluate_time_split",
    "save_router",
    "load_router",
    "model_directory",
    "training_rows",
    "route_stored_messages",
    "active_router",
    "register_model",
]

log = logging.getLogger(__name__)

ROUTING_FIELDS = ("category", "unit")
_DIGITS = re.compile(r"\d+")


def routing_text(title: str | None, content: str | None) -> str:
    """Title twice, then the content: the title is the citizen's own summary of the request."""
    title = (title or "").strip()
    content = (content or "").strip()
    if title and not content.startswith(title):
        return f"{title}。{title}。{content}"
    return content or title


# Cross-validation fits the same texts many times: normalising and segmenting each text once saves most
# of the non-SVM training time. Bounded, and only ever holds texts this process was given.
_CACHE_SIZE = 20000


@lru_cache(maxsize=_CACHE_SIZE)
def _prepare_one(text: str) -> str:
    return _DIGITS.sub("0", normalise_for_features(text))


def prepare_texts(texts: Sequence[str]) -> list[str]:
    """Feature text for the router: ``normalise_for_features`` with every number as 0 (amounts, dates and
    house numbers say nothing about the topic, and would each be a feature of their own)."""
    return [_prepare_one(text or "") for text in texts]


@lru_cache(maxsize=_CACHE_SIZE)
def router_tokens(prepared_text: str) -> tuple[str, ...]:
    """Word features of a prepared text (the analyzer of the word vectorizer; cached, see above)."""
    return tuple(tokens_of_normalised(prepared_text))


@dataclass(frozen=True)
class RoutingDecision:
    """The router's answer for one message. ``predicted`` is None when it needs manual routing."""

    predicted: str | None
    best_guess: str
    confidence: float
    needs_manual: bool
    alternatives: list[tuple[str, float]]  # the top classes with their probabilities, best first


class PlaceFeatures(BaseEstimator):
    """Which places that training units are named after a text mentions (a scikit-learn transformer).

    ``fit(texts, units)`` learns the gazetteer from the unit labels only (``unitnames.places_of_unit``:
    甘井子区人民政府 → 甘井子区, 甘井子); ``transform`` gives one indicator column per place. With the text
    features beside them the linear router learns which unit answers letters from which place (a district's
    letters → the district government), from the training history alone.
    """

    def __init__(self, weight: float = 1.0, city: str = ""):
        self.weight = weight
        self.city = city

    def fit(self, X, y=None):
        from analysis.routing.unitnames import places_of_unit

        places = set()
        for unit in set(y if y is not None else []):
            places.update(places_of_unit(str(unit), self.city))
        self.places_ = sorted(places, key=lambda p: (-len(p), p))
        self.index_ = {place: i for i, place in enumerate(self.places_)}
        if self.places_:
            import re as _re

            self.pattern_ = _re.compile("|".join(_re.escape(p) for p in self.places_))
        return self

    def transform(self, X):
        from scipy.sparse import csr_matrix

        rows, cols = [], []
        for row, text in enumerate(X):
            if not self.places_:
                break
            for place in set(self.pattern_.findall(text or "")):
                rows.append(row)
                cols.append(self.index_[place])
        data = np.full(len(rows), float(self.weight))
        return csr_matrix((data, (rows, cols)), shape=(len(X), max(1, len(self.places_))))

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)


class MessageRouter(ClassifierMixin, BaseEstimator):
    """Calibrated linear router over word and character features (scikit-learn estimator).

    Parameters: ``min_confidence`` (below it: manual routing), ``C`` (SVM regularisation),
    ``char_ngram_range`` / ``char_min_df`` (character features), ``calibration_folds`` (folds of the
    Platt scaling), ``random_state``. Learned: ``pipeline_``, ``classes_``.
    """

    def __init__(self, min_confidence: float = 0.5, C: float = 1.0, char_ngram_range: tuple[int, int] = (1, 2),
                 char_min_df: int = 2, calibration_folds: int = 3, class_weight: str | None = "balanced",
                 tol: float = 1e-4, random_state: int = 0, place_weight: float = 0.0):
        self.place_weight = place_weight
        self.min_confidence = min_confidence
        self.C = C
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.calibration_folds = calibration_folds
        self.class_weight = class_weight
        self.tol = tol
        self.random_state = random_state

    def _build(self, n_smallest_class: int):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.model_selection import StratifiedKFold
        from sklearn.pipeline import FeatureUnion, Pipeline
        from sklearn.preprocessing import FunctionTransformer
        from sklearn.svm import LinearSVC

        parts = [
            # module-level analyzer: the fitted vectorizer pickles by reference, not with a tokenizer inside
            ("words", TfidfVectorizer(analyzer=router_tokens, sublinear_tf=True)),
            # same features as TfidfVectorizer(analyzer="char"), several times faster
            ("chars", CharNgramVectorizer(ngram_range=tuple(self.char_ngram_range), min_df=self.char_min_df,
                                          sublinear_tf=True)),
        ]
        if self.place_weight:  # units: the places the training units are named after
            parts.append(("places", PlaceFeatures(weight=self.place_weight)))
        features = FeatureUnion(parts)
        folds = max(2, min(self.calibration_folds, n_smallest_class))
        classifier = CalibratedClassifierCV(
            LinearSVC(C=self.C, class_weight=self.class_weight, tol=self.tol, random_state=self.random_state),
            method="sigmoid",
            cv=StratifiedKFold(folds, shuffle=True, random_state=self.random_state),
            # one SVM on all rows, calibrated on out-of-fold scores: as accurate as the plain SVM
            ensemble=False,
        )
        return Pipeline([
            ("prepare", FunctionTransformer(prepare_texts)),
            ("features", features),
            ("classify", classifier),
        ])

    def fit(self, X: Sequence[str], y: Sequence[str]) -> MessageRouter:
        texts, labels = list(X), [str(label) for label in y]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError(f"a router needs at least two classes with rows, got {dict(counts)}")
        self.pipeline_ = self._build(min(counts.values()))
        self.pipeline_.fit(texts, labels)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(list(X))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """The most probable class of each text (no threshold: see ``route`` for that)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def route(self, X: Sequence[str], top: int = 3) -> list[RoutingDecision]:
        """A decision per text; below ``min_confidence`` it needs manual routing instead of a guess."""
        probabilities = self.predict_proba(X)
        decisions = []
        for row in probabilities:
            order = np.argsort(-row)[:top]
            best, confidence = str(self.classes_[order[0]]), float(row[order[0]])
            manual = confidence < self.min_confidence
            decisions.append(RoutingDecision(
                predicted=None if manual else best,
                best_guess=best,
                confidence=round(confidence, 4),
                needs_manual=manual,
                alternatives=[(str(self.classes_[i]), round(float(row[i]), 4)) for i in order],
            ))
        return decisions


# --- training with metadata ----------------------------------------------------------------------------


@dataclass
class TrainedRouter:
    """A fitted router with what it takes to use and judge it."""

    router: MessageRouter
    metadata: dict[str, Any]
    unit_normaliser: Any = None  # UnitNameNormaliser for field="unit"

    @property
    def field(self) -> str:
        return self.metadata["field"]

    @property
    def version(self) -> str:
        return self.metadata["version"]

    def normalise_label(self, label: str | None) -> str:
        if self.unit_normaliser is not None:
            return self.unit_normaliser.normalise(label)
        return (label or "").strip()


def _scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "macro_f1": round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
    }


def cross_validate_router(router: MessageRouter, texts: Sequence[str], labels: Sequence[str],
                          folds: int = 5) -> dict[str, Any]:
    """Stratified k-fold scores of ``router`` (a fresh clone per fold): overall and per fold."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    texts, labels = np.asarray(list(texts), dtype=object), np.asarray([str(x) for x in labels], dtype=object)
    smallest = min(Counter(labels).values())
    folds = max(2, min(folds, smallest))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=router.random_state)
    predicted = np.empty(len(labels), dtype=object)
    confidence = np.zeros(len(labels))
    per_fold = []
    for train_index, test_index in splitter.split(texts, labels):
        model = clone(router).fit(texts[train_index], labels[train_index])
        probabilities = model.predict_proba(texts[test_index])
        predicted[test_index] = model.classes_[probabilities.argmax(axis=1)]
        confidence[test_index] = probabilities.max(axis=1)
        per_fold.append(_scores(labels[test_index], predicted[test_index]))
    automatic = confidence >= router.min_confidence
    result = {"folds": folds, **_scores(labels, predicted), "per_fold": per_fold,
              "manual_share": round(float(1 - automatic.mean()), 4)}
    if automatic.any():
        result["accuracy_when_automatic"] = _scores(labels[automatic], predicted[automatic])["accuracy"]
    return result


def train_router(texts: Sequence[str], labels: Sequence[str | None], field: str, *, min_confidence: float = 0.5,
                 min_class_rows: int = 5, cv_folds: int = 5, unit_city: str = "", random_state: int = 0,
                 router_params: dict[str, Any] | None = None) -> TrainedRouter:
    """Fit a router on labelled history and describe it (see the module docstring).

    Rows without a label are skipped; classes with fewer than ``min_class_rows`` rows are left out (listed
    in the metadata). ``cv_folds=0`` skips cross-validation.
    """
    if field not in ROUTING_FIELDS:
        raise ValueError(f"unknown routing field {field!r}: choose {' or '.join(ROUTING_FIELDS)}")
    normaliser = None
    if field == "unit":
        from analysis.routing.unitnames import UnitNameNormaliser

        normaliser = UnitNameNormaliser(city=unit_city, hierarchy=True).fit(labels)
        labels = normaliser.transform(labels)
        # beside the text: the places the training units are named after (district → district government)
        router_params = {"place_weight": 1.0, **(router_params or {})}
    else:
        labels = [(label or "").strip() for label in labels]
    pairs = [(text, label) for text, label in zip(texts, labels, strict=True) if label and (text or "").strip()]
    counts = Counter(label for _text, label in pairs)
    kept = {label for label, n in counts.items() if n >= min_class_rows}
    dropped = {label: n for label, n in counts.items() if label not in kept}
    pairs = [(text, label) for text, label in pairs if label in kept]
    if len(kept) < 2:
        raise ValueError(
            f"not enough labelled {field} history: {len(kept)} class(es) with at least {min_class_rows} rows "
            f"({sum(counts.values())} labelled rows in all)"
        )
    train_texts = [text for text, _label in pairs]
    train_labels = [label for _text, label in pairs]
    router = MessageRouter(min_confidence=min_confidence, random_state=random_state, **(router_params or {}))
    started = datetime.now()
    cv_scores = cross_validate_router(router, train_texts, train_labels, cv_folds) if cv_folds else {}
    router.fit(train_texts, train_labels)
    import sklearn

    trained_at = datetime.now().replace(microsecond=0)
    metadata = {
        "field": field,
        "version": trained_at.strftime("%Y%m%dT%H%M%S"),
        "trained_at": trained_at.isoformat(),
        "training_seconds": round((datetime.now() - started).total_seconds(), 1),
        "n_rows": len(train_texts),
        "classes": [str(c) for c in router.classes_],
        "class_counts": {label: counts[label] for label in sorted(kept)},
        "dropped_classes": dropped,
        "min_class_rows": min_class_rows,
        "min_confidence": min_confidence,
        "cv_scores": cv_scores,
        "params": router.get_params(),
        "unit_city": getattr(normaliser, "city_", None),
        "sklearn_version": sklearn.__version__,
    }
    return TrainedRouter(router=router, metadata=metadata, unit_normaliser=normaliser)


# --- evaluation on a time split -------------------------------------------------------------------------


def evaluate_time_split(texts: Sequence[str], labels: Sequence[str], times: Sequence[Any], *,
                        test_fraction: float = 0.2, min_confidence: float = 0.5, min_class_rows: int = 2,
                        random_state: int = 0, router_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train on the oldest (1 - test_fraction) of the rows, test on the newest; labels unseen in training
    count as errors. Returns overall scores, top-1/top-3 accuracy, the manual share and a per-class table."""
    from sklearn.metrics import precision_recall_fscore_support

    rows = sorted((t, text, label) for t, text, label in zip(times, texts, labels, strict=True)
                  if label and t is not None)
    if len(rows) < 10:
        raise ValueError(f"a time split needs at least 10 labelled rows with a date, got {len(rows)}")
    cut = int(len(rows) * (1 - test_fraction))
    train, test = rows[:cut], rows[cut:]
    counts = Counter(label for _t, _text, label in train)
    train = [row for row in train if counts[row[2]] >= min_class_rows]
    router = MessageRouter(min_confidence=min_confidence, random_state=random_state, **(router_params or {}))
    router.fit([text for _t, text, _l in train], [label for _t, _text, label in train])
    test_texts = [text for _t, text, _l in test]
    truth = np.asarray([label for _t, _text, label in test], dtype=object)
    probabilities = router.predict_proba(test_texts)
    ranked = np.argsort(-probabilities, axis=1)
    top1 = router.classes_[ranked[:, 0]]
    top3 = [set(router.classes_[ranked[i, :3]]) for i in range(len(test))]
    confidence = probabilities.max(axis=1)
    automatic = confidence >= min_confidence
    labels_present = sorted(set(truth) | set(top1))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, top1, labels=labels_present, zero_division=0)
    per_class = [
        {"class": label, "precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
         "support": int(s), "in_training": label in counts}
        for label, p, r, f, s in zip(labels_present, precision, recall, f1, support, strict=True) if s
    ]
    per_class.sort(key=lambda row: -row["support"])
    return {
        "train_rows": len(train),
        "test_rows": len(test),
        "train_period": [str(train[0][0]), str(train[-1][0])] if train else None,
        "test_period": [str(test[0][0]), str(test[-1][0])],
        "classes_in_training": len(router.classes_),
        "test_rows_with_unseen_class": int(sum(label not in counts for label in truth)),
        **_scores(truth, top1),
        "top1_accuracy": round(float(np.mean(top1 == truth)), 4),
        "top3_accuracy": round(float(np.mean([t in s for t, s in zip(truth, top3, strict=True)])), 4),
        "manual_share": round(float(1 - automatic.mean()), 4),
        "accuracy_when_automatic": round(float(np.mean(top1[automatic] == truth[automatic])), 4)
        if automatic.any() else None,
        "per_class": per_class,
    }


# --- persistence ----------------------------------------------------------------------------------------


def model_directory() -> Path:
    """``routing.model_dir``, or ``<var_dir>/models``."""
    from store.settings import get_settings

    return get_settings().path("routing.model_dir", "models")


def save_router(trained: TrainedRouter, model_dir: Path | None = None) -> Path:
    """Write ``router-<field>-<version>.joblib`` and its ``.json`` metadata; returns the model path."""
    import joblib

    directory = Path(model_dir) if model_dir else model_directory()
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"router-{trained.field}-{trained.version}"
    path = directory / f"{stem}.joblib"
    joblib.dump({"router": trained.router, "metadata": trained.metadata,
                 "unit_normaliser": trained.unit_normaliser}, path, compress=3)
    (directory / f"{stem}.json").write_text(
        json.dumps(trained.metadata, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def load_router(field: str | None = None, model_dir: Path | None = None, version: str | None = None,
                path: Path | None = None) -> TrainedRouter:
    """The router for ``field``: a given ``path``, the given ``version``, or the newest in the model dir."""
    import joblib

    if path is None:
        if field not in ROUTING_FIELDS:
            raise ValueError(f"unknown routing field {field!r}: choose {' or '.join(ROUTING_FIELDS)}")
        directory = Path(model_dir) if model_dir else model_directory()
        pattern = f"router-{field}-{version or '*'}.joblib"
        candidates = sorted(directory.glob(pattern))
        if not candidates:
            raise FileNotFoundError(
                f"no {field} router in {directory} ({pattern}): run `hotline-monitor train-router --field {field}`")
        path = candidates[-1]  # versions are timestamps: the last sorts newest
    bundle = joblib.load(path)
    return TrainedRouter(router=bundle["router"], metadata=bundle["metadata"],
                         unit_normaliser=bundle.get("unit_normaliser"))


# --- the store side -------------------------------------------------------------------------------------


@dataclass
class LabelledRows:
    ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    times: list[datetime | None] = field(default_factory=list)


def training_rows(session, field_name: str) -> LabelledRows:
    """Messages with a value for ``field_name`` (for units: ``unit``, else ``reply_unit``), oldest first."""
    from sqlalchemy import select

    from store.models import Message

    if field_name not in ROUTING_FIELDS:
        raise ValueError(f"unknown routing field {field_name!r}: choose {' or '.join(ROUTING_FIELDS)}")
    columns = [Message.id, Message.title, Message.content, Message.submitted_at, Message.category,
               Message.unit, Message.reply_unit]
    rows = LabelledRows()
    for row in session.execute(select(*columns).order_by(Message.submitted_at, Message.id)):
        label = row.category if field_name == "category" else (row.unit or row.reply_unit)
        if not label or not (label.strip()):
            continue
        rows.ids.append(row.id)
        rows.texts.append(routing_text(row.title, row.content))
        rows.labels.append(label)
        rows.times.append(row.submitted_at)
    return rows


def register_model(session, trained: TrainedRouter, path: Path) -> None:
    """Record a saved model and make it the active one for its field."""
    from sqlalchemy import update

    from store.models.routing import RoutingModel

    session.execute(update(RoutingModel).where(RoutingModel.field == trained.field).values(active=False))
    meta = trained.metadata
    session.add(RoutingModel(
        field=trained.field, version=trained.version, path=str(path),
        trained_at=datetime.fromisoformat(meta["trained_at"]), n_rows=meta["n_rows"], classes=meta["classes"],
        cv_scores=meta["cv_scores"], min_confidence=meta["min_confidence"], active=True,
    ))


def active_router(session, field_name: str) -> TrainedRouter | None:
    """The model ``analyze`` uses for a field: the active ``RoutingModel`` row's file, else the newest file in
    the model directory; None when no model was trained."""
    from sqlalchemy import select

    from store.models.routing import RoutingModel

    row = session.scalars(select(RoutingModel).where(RoutingModel.field == field_name, RoutingModel.active)
                          .order_by(RoutingModel.trained_at.desc())).first()
    if row is not None and Path(row.path).is_file():
        return load_router(path=Path(row.path))
    try:
        return load_router(field_name)
    except FileNotFoundError:
        return None


def train_from_store(session, field: str, cv_folds: int = 5) -> tuple[TrainedRouter, Path]:
    """Train a router on the stored history of ``field``, save it and make it the active model.

    Raises ValueError when no stored message has that field or training is impossible."""
    from store.settings import get_settings

    settings = get_settings()
    rows = training_rows(session, field)
    if not rows.texts:
        raise ValueError(f"no stored message has a {field}: import or crawl some history first")
    trained = train_router(
        rows.texts, rows.labels, field,
        min_confidence=settings.get("routing.min_confidence"),
        min_class_rows=settings.get("routing.min_class_rows"),
        cv_folds=cv_folds, unit_city=settings.get("routing.unit_city"),
    )
    path = save_router(trained)
    register_model(session, trained, path)
    return trained, path


def route_stored_messages(session, trained: TrainedRouter | None = None, message_ids: Sequence[int] | None = None,
                          batch_size: int = 1000) -> dict[str, Any]:
    """Predict category/unit for stored messages and upsert their ``RoutingPrediction`` rows.

    With ``trained`` only that model's field is routed; without it every field with a trained model (see
    ``active_router``). Messages already routed by the same model version are skipped, so repeated
    ``analyze`` runs only route what is new. Returns per field the automatic/manual counts, or why nothing
    was done."""
    from sqlalchemy import and_, or_, select
    from sqlalchemy.orm import aliased

    from store.models import Message
    from store.models.routing import RoutingPrediction

    models = {trained.field: trained} if trained else {f: active_router(session, f) for f in ROUTING_FIELDS}
    summary: dict[str, Any] = {}
    for field_name, model in models.items():
        if model is None:
            summary[field_name] = f"no model (run hotline-monitor train-router --field {field_name})"
            continue
        # Only the messages without a prediction of this model version: the database finds them (an anti-join),
        # so a run after the first reads the new letters, not the whole table.
        prediction = aliased(RoutingPrediction)
        query = (select(Message.id, Message.title, Message.content, prediction.id.label("prediction_id"))
                 .outerjoin(prediction, and_(prediction.message_id == Message.id, prediction.field == field_name))
                 .where(or_(prediction.id.is_(None), prediction.model_version != model.version))
                 .order_by(Message.id))
        if message_ids is not None:
            query = query.where(Message.id.in_(list(message_ids)))
        rows = session.execute(query).all()
        stale = [r.prediction_id for r in rows if r.prediction_id is not None]
        existing = {p.message_id: p for start in range(0, len(stale), 500) for p in session.scalars(
            select(RoutingPrediction).where(RoutingPrediction.id.in_(stale[start:start + 500])))}
        tally: Counter = Counter()
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            decisions = model.router.route([routing_text(r.title, r.content) for r in batch])
            for row, decision in zip(batch, decisions, strict=True):
                values = dict(predicted=decision.predicted, best_guess=decision.best_guess,
                              confidence=decision.confidence, needs_manual=decision.needs_manual,
                              alternatives=[list(a) for a in decision.alternatives], model_version=model.version)
                prediction = existing.get(row.id)
                if prediction is None:
                    session.add(RoutingPrediction(message_id=row.id, field=field_name, **values))
                else:
                    for key, value in values.items():
                        setattr(prediction, key, value)
                tally["manual" if decision.needs_manual else "automatic"] += 1
        session.flush()
        summary[field_name] = {"model": model.version, "automatic": tally["automatic"], "manual": tally["manual"]}
    return summary


def decision_as_dict(decision: RoutingDecision) -> dict[str, Any]:
    return asdict(decision)
