"""Features once (issue 16): stored per text, reused by every run; topics that gain members described from their
running totals and the new members only, with the descriptions a count over all members gives."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sqlalchemy import func, select

from analysis.text.normalise import normalise_apart, normalise_for_features
from analysis.text.tokenize import get_tokenizer, tokens
from analysis.topics import clustering, features
from analysis.topics.clustering import _keyword_allowed, _load_model, topic_label, update_topics
from analysis.topics.features import decode, encode, features_of, keyword_candidate
from analysis.topics.model import extract_entities, message_feature_parts, message_features
from store.models import Message
from store.models.topics import KeywordVerdict, MessageFeatures, Topic, TopicAggregate, TopicMembership
from tests.topics.conftest import store_messages

TEXTS = [
    ("翠苑小区门口道路积水", "尊敬的领导：翠苑小区门口的道路一下雨就积水，希望尽快处理。谢谢！"),
    (None, "魅力之城小区底层商铺油烟扰民，A5区劳动东路。"),
    ("", ""),
    ("G2018-0026 关于暖气不热", "电话13800000000，暖气不热已经三天。"),
    ("標題是繁體", "內容也是繁體字，暖氣不熱。"),
]


def _features_as_before(title, content, title_repeat=2):
    """The feature list as ``message_features`` built it before it was split into parts (the oracle): title
    words and places repeated, then content words and places, then @place and #bigram features."""
    from analysis.topics.model import _entity_suffix

    tokenizer = get_tokenizer()
    result, entities = [], []
    for text, repeat in ((title, title_repeat), (content, 1)):
        if not text:
            continue
        pieces = tokenizer.segment(normalise_for_features(text))
        words = [p for p in pieces if p not in tokenizer.stopwords and (p[0].isalnum() or "\u4e00" <= p[0] <= "\u9fff")]
        found = extract_entities(pieces, tokenizer.stopwords)
        for _ in range(repeat):
            result.extend(words)
            entities.extend(found)
    for name in entities:
        result.append("@" + name)
        core = name[: len(name) - len(_entity_suffix(name) or "")]
        result.extend("#" + core[i:i + 2] for i in range(len(core) - 1))
    return result


@pytest.mark.parametrize(("title", "content"), TEXTS)
def test_stored_parts_give_back_the_features(title, content):
    parts = message_feature_parts(title, content)
    assert features_of(decode(encode(parts))) == _features_as_before(title, content)
    assert message_features(title, content) == _features_as_before(title, content)


def test_question_tokens_are_the_joined_tokens_where_normalised_alike_apart():
    # the oracle: analysis.text.tokenize.tokens of the joined text, as reply quality has always tokenised it
    for title, content in TEXTS[:4]:
        assert normalise_apart(title, content)
        parts = message_feature_parts(title, content)
        assert features.question_tokens(parts) == tokens(f"{title or ''} {content or ''}")
    # traditional characters: the script is judged on the whole text, so apart and joined may differ
    assert not normalise_apart(*TEXTS[4])
    assert not normalise_apart("简体标题", "暖氣不熱")
    # (the joined text counts as simplified and keeps 暖氣; apart, the content converts to 暖气)
    assert tokens("简体标题 暖氣不熱") != features.question_tokens(message_feature_parts("简体标题", "暖氣不熱"))
    # a formula across the join (此致 + 敬礼) is removed joined, not apart; a tag could run across the join
    assert not normalise_apart("此致", "敬礼")
    assert not normalise_apart("标题<b", "class=x>内容")


def _topic_descriptions(session) -> dict[int, tuple]:
    return {t.id: (t.label, t.keywords, t.places, t.units, t.categories, t.size, t.distinct_submitters,
                   t.representative_message_id, t.first_message_at, t.last_message_at, t.status)
            for t in session.scalars(select(Topic))}


def _described_from_all_members(session, topic_id, clusterer) -> dict:
    """A topic's description computed as ``_describe`` did before running totals (the oracle): every member
    featurised from its text, keywords ranked over all their words by the model's idf."""
    rows = session.execute(
        select(TopicMembership.message_id, TopicMembership.similarity, Message.title, Message.content,
               Message.submitter, Message.submitted_at, Message.unit, Message.category)
        .join(Message, Message.id == TopicMembership.message_id)
        .where(TopicMembership.topic_id == topic_id).order_by(TopicMembership.id)).all()
    member_features = [message_features(r.title, r.content) for r in rows]
    counts = Counter()
    for items in member_features:
        counts.update(items)
    counts = Counter({w: n for w, n in counts.items() if keyword_candidate(w)})
    vocabulary, idf_values = clusterer.vectorizer_.vocabulary_, clusterer.tfidf_.idf_
    idf = {w: float(idf_values[vocabulary[w]]) if w in vocabulary else 0.0 for w in counts}
    total = sum(counts.values())
    ranked = sorted((w for w in counts if idf[w] > 0), key=lambda w: (-(counts[w] / total) * idf[w], w))
    keywords = [w for w in ranked if _keyword_allowed(w)][:8]
    places = Counter(p[1:] for items in member_features for p in dict.fromkeys(items) if p.startswith("@"))
    titled = [r for r in rows if (r.title or "").strip()] or rows
    representative = max(titled, key=lambda r: (r.similarity or 0.0, -r.message_id))
    main_place = next((p for p, n in places.most_common(1)
                       if n * 2 >= len(rows) and clustering._nameable(p)), None)
    dates = [r.submitted_at for r in rows if r.submitted_at]
    return {
        "size": len(rows), "keywords": keywords, "places": [p for p, _ in places.most_common(3)],
        "units": [u for u, _ in Counter(r.unit for r in rows if r.unit).most_common(3)],
        "categories": [c for c, _ in Counter(r.category for r in rows if r.category).most_common(3)],
        "representative": representative.message_id, "first": min(dates), "last": max(dates),
        "label": topic_label(representative.title, representative.content, main_place, representative.submitter),
    }


def _check_against_all_members(session, topic_ids):
    clusterer = _load_model()["clusterer"]
    for topic_id in topic_ids:
        topic = session.get(Topic, topic_id)
        expected = _described_from_all_members(session, topic_id, clusterer)
        assert (topic.size, topic.keywords, topic.places, topic.units, topic.categories,
                topic.representative_message_id, topic.first_message_at, topic.last_message_at) == (
            expected["size"], expected["keywords"], expected["places"], expected["units"], expected["categories"],
            expected["representative"], expected["first"], expected["last"]), topic_id
        # _unique_labels may append a distinguishing keyword or number to a label another topic holds
        assert topic.label == expected["label"] or topic.label.startswith(expected["label"] + "（"), topic_id


def test_incremental_run_describes_from_totals_and_new_members_as_from_all_members(session, demo_corpus,
                                                                                    monkeypatch):
    ordered = sorted(demo_corpus, key=lambda m: m.submitted_at)
    cut = int(len(ordered) * 0.8)
    store_messages(session, ordered[:cut])
    update_topics(session, mode="full")
    known = set(session.scalars(select(Message.id)))
    assert session.scalar(select(func.count()).select_from(TopicAggregate)) == session.scalar(
        select(func.count()).select_from(Topic).where(Topic.size > 0))

    store_messages(session, ordered[cut:])
    loaded: list[int] = []
    original = clustering._member_features

    def spy(session_, message_ids, corpus, store):
        loaded.extend(message_ids)
        return original(session_, message_ids, corpus, store)

    monkeypatch.setattr(clustering, "_member_features", spy)
    summary = update_topics(session, mode="incremental")
    assert summary.mode == "incremental" and summary.kept > 0
    new = set(session.scalars(select(Message.id))) - known
    # only the new members were read for the descriptions, not the old members of the topics they joined
    assert loaded and set(loaded) <= new
    joined = Counter(session.scalars(select(TopicMembership.topic_id).where(TopicMembership.message_id.in_(new))))
    assert any(session.get(Topic, t).size > n for t, n in joined.items())  # topics with old members grew
    _check_against_all_members(session, joined)


def test_a_changed_member_makes_its_topic_counted_again(session, demo_corpus):
    ordered = sorted(demo_corpus, key=lambda m: m.submitted_at)
    cut = int(len(ordered) * 0.9)
    store_messages(session, ordered[:cut])
    update_topics(session, mode="full")
    sizes = Counter(session.scalars(select(TopicMembership.topic_id)))
    topic_id = min(t for t, n in sizes.items() if n == 2)  # two members: a changed unit is among its top three
    member = session.scalar(select(TopicMembership.message_id).where(TopicMembership.topic_id == topic_id)
                            .order_by(TopicMembership.message_id).limit(1))
    external_id = session.get(Message, member).external_id
    changed = [m for m in ordered[:cut] if m.external_id == external_id]
    assert changed
    from dataclasses import replace

    # re-imported with another unit: the upsert records a revision, the next run counts the topic again
    store_messages(session, [replace(changed[0], unit="新设的承办单位")] + ordered[cut:])
    update_topics(session, mode="incremental")
    assert "新设的承办单位" in session.get(Topic, topic_id).units
    _check_against_all_members(session, [topic_id])


def test_features_are_computed_once_per_text_and_again_for_a_new_version(session, demo_corpus, monkeypatch):
    store_messages(session, demo_corpus)
    update_topics(session, mode="full")
    distinct = session.scalar(select(func.count(func.distinct(Message.content_hash))))
    assert session.scalar(select(func.count()).select_from(MessageFeatures)) == distinct

    computed: list[int] = []
    original = features._features_chunk

    def counting(pairs):
        computed.append(len(pairs))
        return original(pairs)

    monkeypatch.setattr(features, "_features_chunk", counting)
    before = _topic_descriptions(session)
    update_topics(session, mode="full")
    assert sum(computed) == 0  # a second full run reads every text's features
    assert _topic_descriptions(session).keys() == before.keys()

    monkeypatch.setattr(features, "FEATURE_VERSION", features.FEATURE_VERSION + 1)
    update_topics(session, mode="full")
    assert sum(computed) == distinct  # another feature version: every text again, old rows replaced
    assert session.scalar(select(func.count()).select_from(MessageFeatures)) == distinct


def test_keyword_verdicts_are_judged_once(session, demo_corpus, monkeypatch):
    store_messages(session, demo_corpus)
    update_topics(session, mode="full")
    judged = set(session.scalars(select(KeywordVerdict.word)))
    assert judged
    keywords = {w for k in session.scalars(select(Topic.keywords)) for w in k}
    assert keywords <= judged
    calls: list[str] = []
    monkeypatch.setattr(clustering, "_keyword_allowed", lambda word: calls.append(word) or True)
    update_topics(session, mode="full")
    assert calls == []  # the same words ranked again: every verdict read from the table


def test_model_file_is_read_back_and_an_older_joblib_file_too(session, demo_corpus):
    import joblib

    from analysis.topics.clustering import model_path

    store_messages(session, demo_corpus[:200])
    update_topics(session, mode="full")
    state = _load_model()
    assert model_path().read_bytes().startswith(clustering._MODEL_MAGIC)
    assert state["stamp"]
    joblib.dump({k: v for k, v in state.items() if k != "stamp"}, model_path())  # as written before
    older = _load_model()
    assert older is not None and np.array_equal(older["clusterer"].labels_, state["clusterer"].labels_)
    # without a stamp the aggregates are not trusted: the next incremental run counts touched topics again
    store_messages(session, demo_corpus[200:260])
    assert update_topics(session, mode="incremental").mode == "incremental"
    assert _load_model()["stamp"]


def test_reply_quality_reuses_stored_question_tokens_with_the_same_results(session, demo_corpus, monkeypatch):
    from analysis.quality import reply_quality
    from store.models.topics import ReplyQuality

    store_messages(session, demo_corpus)
    update_topics(session, mode="full")  # stores every text's features
    rows = session.execute(select(Message.id, Message.title, Message.content, Message.reply_text)
                           .where(Message.reply_text.is_not(None)).order_by(Message.id)).all()
    # the oracle: every question tokenised again from its text, as before
    expected = reply_quality.assess_texts([r.content for r in rows], [r.reply_text for r in rows],
                                          [r.title for r in rows])
    import analysis.text.tokenize as tokenize

    tokenised: list[str] = []
    original = tokenize.tokens

    def spy(text, *args, **options):
        tokenised.append(text)
        return original(text, *args, **options)

    monkeypatch.setattr(tokenize, "tokens", spy)  # (the serial executor: the screening runs in this process)
    reply_quality.assess_replies(session)
    stored = {q.message_id: q for q in session.scalars(select(ReplyQuality))}
    assert [(stored[r.id].flags, stored[r.id].similarity) for r in rows] == [
        (e.flags, e.similarity) for e in expected]
    questions = {f"{r.title or ''} {r.content or ''}" for r in rows}
    assert tokenised and not questions & set(tokenised)  # only the replies were tokenised again
