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


def test_clustering_is_deterministic_and_partial_fit_reuses_existing_labels(demo_corpus):
    features = [message_features(m.title, m.content) for m in demo_corpus]
    first = TopicClusterer(random_state=0).fit(features[:700])
    second = TopicClusterer(random_state=0).fit(features[:700])
    assert np.array_equal(first.labels_, second.labels_)
    existing = len(first.sizes_)
    # The oracle for "joins its own cluster": a message already in a cluster of >= 2, sent again, is as close
    # to that cluster's centroid as it was when fitted (cosine = its fitted similarity_ >= attach_threshold
    # for the demo's clusters), so it must come back with the same label, not a new one.
    clustered = next(i for i, label in enumerate(first.labels_)
                     if first.sizes_[label] >= 2 and first.similarity_[i] >= first.attach_threshold)
    returned = first.partial_fit(features[700:] + [features[clustered]])
    assert returned is first
    labels, similarity = first.batch_labels_, first.batch_similarity_
    assert len(labels) == 201 and len(similarity) == 201
    assert labels[-1] == first.labels_[clustered]
    assert (labels[:-1] < existing).any(), "no new message joined an existing cluster"
    assert (labels >= existing).any(), "no new message started a cluster of its own"
    # Cosines of L2-normalised rows: within [0, 1]; a member of an existing cluster shares terms with it.
    assert similarity.max() <= 1 + 1e-6 and (similarity[labels < existing] > 0).all()
    assert first.sizes_.sum() == 901
