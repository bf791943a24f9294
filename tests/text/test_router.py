"""Routing classifier: learns, abstains below its threshold, keeps its metadata, survives a save/load, and the
commands train from the store, classify a CSV and evaluate on a time split."""
import csv
import json

import numpy as np
import pytest
from sklearn.base import clone
from typer.testing import CliRunner

from analysis.routing.router import (
    MessageRouter,
    evaluate_time_split,
    load_router,
    routing_text,
    save_router,
    train_router,
)
from tests.text.corpus import messages


@pytest.fixture(scope="module")
def corpus():
    rows = messages(per_topic=40)
    texts = [routing_text(title, content) for title, content, *_ in rows]
    return rows, texts


@pytest.fixture(scope="module")
def fitted(corpus):
    rows, texts = corpus
    return MessageRouter().fit(texts[:120], [r[2] for r in rows[:120]])


def test_router_learns_categories(corpus, fitted):
    rows, texts = corpus
    predicted = fitted.predict(texts[120:])
    truth = np.array([r[2] for r in rows[120:]])
    assert (predicted == truth).mean() >= 0.9
    probabilities = fitted.predict_proba(texts[120:])
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert set(fitted.classes_) == {"交通运输", "教育文体", "环境保护", "劳动和社会保障"}


def test_low_confidence_goes_to_manual_routing(corpus, fitted):
    rows, texts = corpus
    # Fitted like ``fitted`` but abstaining below 0.999: a vague question cannot reach that confidence.
    strict = MessageRouter(min_confidence=0.999).fit(texts[:120], [r[2] for r in rows[:120]])
    decision = strict.route(["请问这个怎么办"])[0]
    assert decision.needs_manual and decision.predicted is None
    assert decision.best_guess in fitted.classes_ and len(decision.alternatives) == 3
    confident = fitted.route([texts[0]])[0]
    assert not confident.needs_manual and confident.predicted == confident.best_guess


def test_router_is_a_scikit_learn_estimator():
    router = MessageRouter(C=0.7, random_state=3)
    assert clone(router).get_params()["C"] == 0.7
    assert router.get_params()["random_state"] == 3
    with pytest.raises(ValueError, match="at least two classes"):
        MessageRouter().fit(["甲", "乙"], ["一类", "一类"])


def test_train_router_keeps_metadata_and_leaves_out_rare_classes(corpus):
    rows, texts = corpus
    labels = [r[2] for r in rows] + ["罕见类", "罕见类"]
    trained = train_router(texts + ["某事一", "某事二"], labels, "category", min_class_rows=5, cv_folds=3)
    meta = trained.metadata
    assert meta["n_rows"] == len(texts)
    assert meta["dropped_classes"] == {"罕见类": 2}
    assert sorted(meta["classes"]) == sorted({r[2] for r in rows})
    assert meta["cv_scores"]["folds"] == 3 and len(meta["cv_scores"]["per_fold"]) == 3
    assert 0.8 <= meta["cv_scores"]["macro_f1"] <= 1.0
    assert meta["trained_at"] and meta["params"]["random_state"] == 0


def test_unit_names_are_normalised_before_training(corpus):
    rows, texts = corpus
    trained = train_router(texts, [r[3] for r in rows], "unit", cv_folds=0)
    # 市交通局/青山市交通局 → 交通运输局, 人社局 → 人力资源和社会保障局, 环保局 → 环境保护局
    assert sorted(trained.metadata["classes"]) == sorted([
        "青山市交通运输局", "青山市教育局", "青山市人力资源和社会保障局", "青山市环境保护局", "青山市生态环境局"])
    assert trained.normalise_label("市交通局") == "青山市交通运输局"


def test_unknown_field_is_refused(corpus):
    with pytest.raises(ValueError, match="category or unit"):
        train_router(["甲"], ["乙"], "colour")


def test_save_and_load_round_trip(tmp_path, corpus):
    rows, texts = corpus
    trained = train_router(texts, [r[2] for r in rows], "category", cv_folds=0)
    path = save_router(trained, tmp_path)
    assert path.name == f"router-category-{trained.version}.joblib"
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["n_rows"] == len(texts) and meta["classes"] == trained.metadata["classes"]
    loaded = load_router("category", model_dir=tmp_path)
    assert loaded.version == trained.version
    assert list(loaded.router.predict(texts[:10])) == list(trained.router.predict(texts[:10]))
    with pytest.raises(FileNotFoundError, match="train-router --field unit"):
        load_router("unit", model_dir=tmp_path)


def test_time_split_trains_on_the_past(corpus):
    rows, texts = corpus
    result = evaluate_time_split(texts, [r[2] for r in rows], [r[4] for r in rows], test_fraction=0.25)
    assert result["train_rows"] == 120 and result["test_rows"] == 40
    assert result["train_period"][1] < result["test_period"][0]
    assert result["top3_accuracy"] >= result["top1_accuracy"] >= 0.8
    assert {row["class"] for row in result["per_class"]} == {r[2] for r in rows}
    assert sum(row["support"] for row in result["per_class"]) == 40


# --- the store and the commands -----------------------------------------------------------------------------


def _store_corpus(session, rows):
    from store.records import MessageRecord
    from store.upsert import get_or_create_source, upsert_messages

    source = get_or_create_source(session, "测试信箱", "mailbox")
    records = [MessageRecord(channel="mailbox", title=t, content=c, category=cat, unit=unit, submitted_at=when,
                             external_id=f"T{i:04d}") for i, (t, c, cat, unit, when) in enumerate(rows)]
    upsert_messages(session, source, records)
    session.commit()


def test_route_stored_messages_writes_predictions_once_per_model(session, corpus):
    from sqlalchemy import select

    from analysis.routing.router import route_stored_messages
    from store.models.routing import RoutingPrediction

    rows, texts = corpus
    _store_corpus(session, rows[:60])
    trained = train_router(texts, [r[2] for r in rows], "category", cv_folds=0)
    summary = route_stored_messages(session, trained)
    assert summary["category"]["automatic"] + summary["category"]["manual"] == 60
    predictions = session.scalars(select(RoutingPrediction)).all()
    assert len(predictions) == 60 and {p.model_version for p in predictions} == {trained.version}
    assert all((p.predicted is None) == p.needs_manual for p in predictions)
    again = route_stored_messages(session, trained)
    assert again["category"] == {"model": trained.version, "automatic": 0, "manual": 0}
    # A model trained on other letters is another version: every message again, its prediction updated in place.
    retrained = train_router(texts[:40], [r[2] for r in rows[:40]], "category", cv_folds=0)
    retrained.metadata["version"] = f"{trained.version}-retrained"  # versions are timestamps: may share a second
    third = route_stored_messages(session, retrained)
    assert third["category"]["automatic"] + third["category"]["manual"] == 60
    predictions = session.scalars(select(RoutingPrediction)).all()
    assert len(predictions) == 60 and {p.model_version for p in predictions} == {retrained.version}


def test_analyze_without_a_model_says_what_to_do(session):
    from analysis.routing.router import route_stored_messages

    summary = route_stored_messages(session)
    assert "train-router --field category" in summary["category"]


@pytest.fixture
def migrated_db(tmp_path, monkeypatch):
    from store.db import get_engine
    from store.migrate import upgrade
    from store.settings import get_settings

    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    engine = get_engine()
    upgrade(engine)
    return engine


def test_train_classify_and_evaluate_commands(migrated_db, tmp_path, corpus):
    from cli import app
    from store.db import session_scope

    rows, _texts = corpus
    with session_scope(migrated_db) as session:
        _store_corpus(session, rows)
    runner = CliRunner()

    result = runner.invoke(app, ["train-router", "--field", "category", "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "2-fold cross-validation: macro-F1" in result.output
    assert list((tmp_path / "var" / "models").glob("router-category-*.joblib"))

    source = tmp_path / "new.csv"
    with source.open("w", encoding="gb18030", newline="") as fh:  # a GB18030 export, as many sites give
        writer = csv.writer(fh)
        writer.writerow(["编号", "信件标题", "信件内容"])
        writer.writerow(["A1", "柳溪村公交车班次太少", "柳溪村的公交车班次太少，早晚高峰拥堵严重。"])
        writer.writerow(["A2", "", ""])
        writer.writerow(["A3", "翠湖花园烧烤摊油烟扰民", "翠湖花园的烧烤摊夜间噪音扰民，油烟扰民。"])
        # a cell a spreadsheet would run as a formula: copied with a leading apostrophe
        writer.writerow(["=HYPERLINK(\"http://x\",\"A4\")", "-公交车班次太少", "@柳溪村公交车班次太少"])
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(source), "--field", "category", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "row 3: no text" in result.output
    with out.open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [r["编号"] for r in table] == ["A1", "A2", "A3", "'=HYPERLINK(\"http://x\",\"A4\")"]
    assert table[0]["predicted_category"] == "交通运输" and float(table[0]["category_confidence"]) > 0.5
    assert table[0]["category_needs_manual"] == "false"
    # no text: still a best guess (one of the trained classes) with its confidence, but routed by hand
    assert table[1]["predicted_category"] in {"交通运输", "环境保护", "城乡建设", "教育文体", "劳动和社会保障",
                                             "卫生计生", "商贸旅游"}
    assert float(table[1]["category_confidence"]) > 0 and table[1]["category_needs_manual"] == "true"
    assert table[2]["predicted_category"] == "环境保护"
    assert table[3]["信件标题"] == "'-公交车班次太少" and table[3]["信件内容"] == "'@柳溪村公交车班次太少"
    assert table[3]["predicted_category"] == "交通运输"

    result = runner.invoke(app, ["routing", "evaluate", "--field", "unit", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["test_rows"] == 32 and report["top3_accuracy"] >= report["top1_accuracy"]


def test_classify_without_a_model_fails_clearly(migrated_db, tmp_path):
    from cli import app

    source = tmp_path / "x.csv"
    source.write_text("标题\n问题\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", str(source), "--field", "unit", "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "train-router --field unit" in result.output


def test_place_features_route_a_district_letter_to_its_government():
    from analysis.routing.router import MessageRouter, PlaceFeatures

    units = ["柳岸区人民政府"] * 6 + ["东湖区人民政府"] * 6
    texts = ([f"柳岸区第{i}小区门口的路灯坏了" for i in range(3)] + [f"柳岸区的公交车班次太少{i}" for i in range(3)]
             + [f"东湖区第{i}小区垃圾没人清运" for i in range(3)] + [f"东湖区菜市场占道经营{i}" for i in range(3)])
    places = PlaceFeatures().fit(texts, units)
    assert places.places_ == ["东湖区", "柳岸区", "东湖", "柳岸"]  # from the unit names only, longest first
    assert places.transform(["柳岸那边的路灯"]).toarray().tolist() == [[0.0, 0.0, 0.0, 1.0]]
    with_places = MessageRouter(place_weight=1.0, calibration_folds=2).fit(texts, units)
    text_only = MessageRouter(calibration_folds=2).fit(texts, units)
    # the problem (垃圾) was only ever seen in 东湖区 letters, the place named is 柳岸 (short form): the place
    # feature adds weight for 柳岸's government that the text features alone do not give
    letter = ["柳岸的垃圾没人清运"]
    column = list(with_places.classes_).index("柳岸区人民政府")
    assert with_places.predict_proba(letter)[0, column] > text_only.predict_proba(letter)[0, column]
