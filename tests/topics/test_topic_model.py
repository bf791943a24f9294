from collections import Counter, defaultdict

import numpy as np

from analysis.topics.model import TopicClusterer, extract_entities, message_features


def test_entities_keep_place_names_whole_and_drop_generic_ones():
    assert extract_entities(["A5", "区", "魅力", "之", "城", "小区"]) == ["魅力之城"]
    assert extract_entities(["我们", "小区", "附近"], frozenset({"我们"})) == []
    assert "@滨江路" in message_features("滨江路路灯不亮", "滨江路的路灯坏了")


def _clusters(demo_corpus, model):
    by_label = defaultdict(list)
    for message, label in zip(demo_corpus, model.labels_, strict=True):
        by_label[label].append(message)
    return [members for members in by_label.values() if len(members) >= 2]


def test_recurring_issues_of_the_demo_corpus_come_out_pure(demo_corpus):
    features = [message_features(m.title, m.content) for m in demo_corpus]
    model = TopicClusterer(random_state=0).fit(features)
    keyed = [members for members in _clusters(demo_corpus, model)
             if Counter(m.topic_key for m in members).most_common(1)[0][0] is not None]
    assert keyed, "no recurring demo issue was found"
    members = sum(len(c) for c in keyed)
    majority = sum(Counter(m.topic_key for m in c).most_common(1)[0][1] for c in keyed)
    assert majority / members >= 0.9
    # most planted issues are found (their largest part holds at least 3 messages)
    keys = Counter(m.topic_key for m in demo_corpus if m.topic_key)
    found = {Counter(m.topic_key for m in c).most_common(1)[0][0] for c in keyed if len(c) >= 3}
    assert len(found) >= 0.6 * len(keys)


def test_clustering_is_deterministic_and_assign_reuses_existing_labels(demo_corpus):
    features = [message_features(m.title, m.content) for m in demo_corpus]
    first = TopicClusterer(random_state=0).fit(features[:700])
    second = TopicClusterer(random_state=0).fit(features[:700])
    assert np.array_equal(first.labels_, second.labels_)
    existing = len(first.sizes_)
    labels, similarity = first.assign(features[700:])
    assert len(labels) == 200 and (similarity >= 0).all()
    assert (labels < existing).any(), "no new message joined an existing cluster"
    assert first.sizes_.sum() == 900
