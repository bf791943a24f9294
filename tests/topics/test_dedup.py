from analysis.text.dedup import distinct_voices, near_duplicate_groups


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
