import random

from analysis.text.dedup import distinct_voices, near_duplicate_groups, near_duplicate_groups_many


def test_repeated_and_lightly_edited_texts_form_one_group_and_different_texts_do_not():
    base = ["滨江路", "路灯", "坏", "三个", "星期", "晚上", "漆黑", "行人", "摔倒", "维修", "尽快", "安排"]
    edited = base[:-1] + ["处理"]
    other = ["翠湖花园", "夜间", "施工", "噪音", "凌晨", "两点", "无法", "入睡", "工地", "违规"]
    groups = near_duplicate_groups([base, other, base, edited, []])
    assert groups[0] == groups[2] == groups[3] == 0
    assert groups[1] == 1
    assert groups[4] == 4  # an empty text is never grouped


def test_grouping_scales_linearly_and_keeps_distinct_documents_apart():
    docs = [[f"w{i}", f"x{i}", f"y{i}", f"z{i}", "共同"] for i in range(3000)]
    groups = near_duplicate_groups(docs + docs[:10])
    assert len(set(groups[:3000].tolist())) == 3000
    assert groups[3000:].tolist() == list(range(10))


def test_distinct_voices_counts_people_and_campaigns_once():
    # two messages by one person, a campaign text under three names, one other person
    groups = [1, 2, 3, 3, 3, 6]
    submitters = ["alice", "alice", "bob", "carol", "dave", "erin"]
    assert distinct_voices(groups, submitters) == 3
    assert distinct_voices([1, 2], [None, None]) == 2


def test_batched_groups_are_each_batchs_own_and_batches_never_mix():
    # Many small batches (the letters of each topic) in one pass must give exactly what one call per batch
    # gives: each batch numbers its own tokens (the MinHash of a token depends on its number), and a text
    # repeated in another batch is not its near-duplicate. Batches: repeats, an empty batch, empty texts,
    # edits of one text; the last batch repeats batch 0's first text, which must stay alone there.
    rng = random.Random(7)
    words = [f"词{i}" for i in range(60)]
    batches = []
    for _ in range(40):
        base = rng.sample(words, 12)
        batch = [base, rng.sample(words, 12), base[:-1] + ["改"], [], base]
        batches.append(rng.sample(batch, rng.randint(1, len(batch))))
    batches += [[], [batches[0][0], ["另", "一", "封", "信"]]]
    many = near_duplicate_groups_many(batches)
    assert [g.tolist() for g in many] == [near_duplicate_groups(b).tolist() for b in batches]
    assert many[-1].tolist() == [0, 1]  # batch 0's text in another batch: no group across batches
    assert any(len(set(g.tolist())) < len(g) for g in many)  # the case is not trivial: some groups formed


def test_universal_hash_equals_the_modulus():
    # The in-place Mersenne folding must give (a * x + b) % p exactly, at the edges too: x = 0, x = p - 1,
    # x = 2**31 - 1 with the largest a and b (the product then nears 2**62), values that hash to exactly p.
    import numpy as np

    from analysis.text import dedup

    p = dedup._PRIME
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.integers(0, 2**31, 100_000), [0, 1, p - 1, 2**31 - 1]]).astype(np.int64)
    for a, b in ((p - 1, p - 1), (1, 0), (2, p - 2), (int(rng.integers(1, p)), int(rng.integers(0, p)))):
        out, scratch = np.empty_like(values), np.empty_like(values)
        dedup._universal_hash(values, np.int64(a), np.int64(b), out, scratch)
        expected = [(a * int(v) + b) % p for v in values.tolist()]  # Python integers: no overflow
        assert out.tolist() == expected


def test_groups_of_codes_equal_groups_of_tokens_numbered_in_steps(monkeypatch):
    # Oracle: near_duplicate_groups_many on the tokens as strings (a dict numbers them as they first occur).
    # The integer version numbers a batch's tokens a few documents at a time (steps of 7 here, so first
    # appearances span steps and tokens recur across them) and must give the same groups: the same numbers,
    # the same signatures. Documents: variants of a few sentences (near-duplicates at several distances),
    # empty ones, one-token ones, and batches of different sizes.
    import random

    import numpy as np

    from analysis.text import dedup

    rng = random.Random(3)
    base = ["东门菜市场夜里十点以后还在营业喇叭声很吵", "小区电梯三天两头坏物业拖着不修老人上下楼很难",
            "公交十二路早上间隔太长等半小时也来不了一辆车"]
    def variant():
        text = rng.choice(base)
        for _ in range(rng.randrange(4)):
            k = rng.randrange(len(text))
            text = text[:k] + rng.choice("东西南北上下") + text[k + 1:]
        return text if rng.random() > 0.05 else rng.choice(["", "吵"])
    batches = [[variant() for _ in range(n)] for n in (40, 1, 0, 23, 60)]
    shingles = [[[t[k:k + 3] for k in range(max(len(t) - 2, 1))] if t else [] for t in batch] for batch in batches]
    codes = [[np.array([hash(s) % 2**62 for s in doc], dtype=np.int64) for doc in batch] for batch in shingles]
    # hash() is injective enough here (a few hundred distinct 3-grams); equal strings give equal codes
    assert len({c for b in codes for d in b for c in d.tolist()}) == len({s for b in shingles for d in b for s in d})
    expected = dedup.near_duplicate_groups_many(shingles, threshold=0.8)
    monkeypatch.setattr(dedup, "_DOCUMENTS_PER_STEP", 7)
    got = dedup.near_duplicate_groups_of_codes(codes, threshold=0.8)
    assert [g.tolist() for g in got] == [g.tolist() for g in expected]
    assert any(len(set(g.tolist())) < len(g) for g in expected)  # some documents were grouped
