"""A small generated corpus of citizen messages for routing tests (written for these tests: fictional places,
templated requests). Deterministic for a given seed."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

TOPICS = {
    "交通运输": {
        "units": ["青山市交通运输局", "青山市交通局", "市交通局"],
        "subjects": ["公交车", "地铁站", "红绿灯", "出租车", "公交线路", "客运站", "网约车", "公交站台"],
        "problems": ["班次太少", "经常晚点", "司机态度恶劣", "线路绕远", "早晚高峰拥堵严重", "乱收费", "拒载"],
    },
    "教育文体": {
        "units": ["青山市教育局"],
        "subjects": ["小学", "幼儿园", "学区", "初中", "体育馆", "图书馆", "培训机构", "班主任"],
        "problems": ["乱收费", "违规补课", "入学难", "划片不合理", "开放时间太短", "课后作业过多", "午餐质量差"],
    },
    "环境保护": {
        "units": ["青山市生态环境局", "青山市环保局"],
        "subjects": ["化工厂", "烧烤摊", "养殖场", "河道", "建筑工地", "搅拌站", "垃圾站"],
        "problems": ["偷排废气", "夜间噪音扰民", "污水直排", "油烟扰民", "粉尘污染严重", "气味刺鼻", "焚烧垃圾"],
    },
    "劳动和社会保障": {
        "units": ["青山市人力资源和社会保障局", "青山市人社局"],
        "subjects": ["社保卡", "养老金", "医保报销", "工资", "失业金", "工伤认定", "劳动合同"],
        "problems": ["被拖欠", "无法办理", "迟迟不发放", "断缴", "报销比例太低", "单位不签", "审批太慢"],
    },
}
PLACES = ["柳溪村", "翠湖花园", "青石镇", "东园街道", "南湖社区", "桂香路", "溪口县", "白沙镇"]
OPENINGS = ["尊敬的领导您好，", "", "您好！", "我是附近居民，", "市长您好，"]
CLOSINGS = ["希望有关部门尽快处理。", "谢谢！", "盼复。", "请领导重视。", ""]


def messages(per_topic: int = 40, seed: int = 7, start: datetime = datetime(2023, 1, 1)):
    """(title, content, category, unit, submitted_at) tuples, interleaved by topic, one day apart."""
    rng = random.Random(seed)
    rows = []
    for _round in range(per_topic):
        for category, topic in TOPICS.items():
            place, subject, problem = rng.choice(PLACES), rng.choice(topic["subjects"]), rng.choice(topic["problems"])
            title = f"{place}{subject}{problem}"
            content = (f"{rng.choice(OPENINGS)}{place}的{subject}{problem}，已经持续{rng.randint(2, 30)}天，"
                       f"{rng.choice(topic['subjects'])}的问题也一直没有解决。{rng.choice(CLOSINGS)}")
            rows.append((title, content, category, rng.choice(topic["units"]), start + timedelta(days=len(rows))))
    return rows
