"""Topic clustering at scale on generated messages: wall time and peak memory.

    python bench/topics_bench.py [--sizes 100000 1000000] [--incremental 10000]

Each size runs in its own process (so peak memory is that case's): generate messages (recurring issues at
generated places plus one-off messages), tokenise + features, near-duplicate groups, full clustering, keywords
of the topics; then an incremental update of ``--incremental`` new messages onto the fitted model (features +
assignment). The database is not part of the measurement. Targets: 1M messages <= 10 min in <= 8 GiB,
incremental 10k <= 20 s. The generated text is original (syllables and templates written here).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SYLLABLES = list("金桂翠湖锦绣阳光丽景华庭书香幸福望江滨江东方明珠紫荆怡和鸿福青山碧水银杏云岭泉塘星沙凯旋新港龙湾")
SUFFIXES = ["小区", "花园", "家园", "苑", "新村", "路", "学校", "大厦"]
PROBLEMS = [
    "路灯坏了好几个星期晚上一片漆黑", "电梯经常停运老人上下楼困难", "楼下餐馆油烟直排扰民",
    "附近工地夜间施工噪音很大", "垃圾站清运不及时臭味很重", "下水道堵塞污水外溢", "小学拒收业主的孩子入学",
    "物业乱收停车费", "开发商迟迟不办房产证", "自来水发黄有异味", "广场舞音响太吵影响休息",
    "道路坑洼积水严重", "公交站台被撤行人不便", "违章搭建占用公共通道", "车位捆绑销售",
]
FRAMES = ["{place}{problem}，请相关部门尽快处理。", "我是{place}的居民，{problem}，希望早日解决。",
          "反映{place}{problem}的问题，已经持续很久了。", "{place}{problem}，多次反映无果。"]
ONE_OFF = ["咨询社保转移手续怎么办理", "请问公积金提取需要什么材料", "建议增加公园健身器材", "表扬窗口工作人员热情",
           "举报无证经营的小作坊", "咨询新生儿落户流程", "投诉出租车拒载", "询问驾驶证换证地点"]


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    places = ["".join(rng.sample(SYLLABLES, 2)) + rng.choice(SUFFIXES) for _ in range(max(count // 50, 20))]
    issues = [(rng.choice(places), rng.choice(PROBLEMS)) for _ in range(max(count // 25, 10))]
    messages = []
    for _ in range(count):
        if rng.random() < 0.6:
            place, problem = rng.choice(issues)
            text = rng.choice(FRAMES).format(place=place, problem=problem)
            messages.append((f"{place}{problem[:6]}", text + f"编号{rng.randint(1, 999)}"))
        else:
            topic = rng.choice(ONE_OFF)
            messages.append((topic, f"{topic}，{rng.choice(places)}附近，谢谢。{rng.randint(1, 99999)}"))
    return messages


def run_case(size: int, incremental: int) -> dict[str, float]:
    from analysis.text.dedup import near_duplicate_groups
    from analysis.topics.clustering import _keywords
    from analysis.topics.model import TopicClusterer, message_features

    messages = generate(size + incremental, seed=size)
    base, new = messages[:size], messages[size:]
    figures: dict[str, float] = {"messages": size}
    started = time.perf_counter()
    features = [message_features(title, content) for title, content in base]
    figures["features_s"] = time.perf_counter() - started
    step = time.perf_counter()
    groups = near_duplicate_groups(features)
    figures["dedup_s"] = time.perf_counter() - step
    figures["duplicate_messages"] = int((groups != range(len(groups))).sum())
    step = time.perf_counter()
    model = TopicClusterer(random_state=0).fit(features)
    figures["cluster_s"] = time.perf_counter() - step
    step = time.perf_counter()
    members: dict[int, list[int]] = {}
    for row, label in enumerate(model.labels_.tolist()):
        members.setdefault(label, []).append(row)
    topics = {label: rows for label, rows in members.items() if len(rows) >= 2}
    for rows in topics.values():
        _keywords(model, [features[r] for r in rows[:200]])
    figures["labels_s"] = time.perf_counter() - step
    figures["topics"] = len(topics)
    figures["full_total_s"] = time.perf_counter() - started
    step = time.perf_counter()
    new_features = [message_features(title, content) for title, content in new]
    labels, _similarity = model.assign(new_features)
    figures["incremental_messages"] = len(new)
    figures["incremental_s"] = time.perf_counter() - step
    figures["incremental_joined_existing"] = int(sum(1 for label in labels.tolist() if label in topics))
    figures["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--incremental", type=int, default=10_000)
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)  # child process: one size
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.incremental)))
        return 0
    for size in args.sizes:
        child = subprocess.run([sys.executable, __file__, "--case", str(size), "--incremental",
                                str(args.incremental)], capture_output=True, text=True, check=False)
        if child.returncode != 0:
            print(f"{size}: failed\n{child.stderr[-2000:]}")
            return 1
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"{size:>9,} messages: full {figures['full_total_s']:.1f} s (features {figures['features_s']:.1f}, "
              f"dedup {figures['dedup_s']:.1f}, cluster {figures['cluster_s']:.1f}, labels {figures['labels_s']:.1f}),"
              f" {figures['topics']:,} topics, {figures['duplicate_messages']:,} near-duplicates; incremental "
              f"{figures['incremental_messages']:,} in {figures['incremental_s']:.1f} s "
              f"({figures['incremental_joined_existing']:,} joined existing topics); peak RSS "
              f"{figures['peak_rss_gib']:.2f} GiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
