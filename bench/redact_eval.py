"""De-identification on generated messages with known personal data.

Generates N real-looking citizen messages (templates written for this bench, fictional names and places),
places personal data of every type in them in the forms citizens write (spaced and dashed numbers, full-width
digits, +86, names after 我叫/姓名：/联系人, 张先生, 王某某, the submitter, detailed addresses…) together with
look-alikes that are not personal data (12345, 3室2厅, 1号线, dates, amounts, document numbers, 刘局长, order
numbers), and measures:

- recall per type: the share of planted items whose every character is masked. The detector was developed
  against these forms, so the table is an upper bound; about a fifth of the names and addresses use forms
  added afterwards and never tuned for, reported on their own lines;
- over-masking: characters masked that were not personal data, as a share of all masked characters and of
  all characters that were not personal data;
- the publication guarantee: redacted texts in which a number still validates as an ID or a phone number;
- speed (messages/s).

Targets: structured types (ID, phone, bank card, e-mail, plate) recall >= 99.5 %, names and addresses >= 90 %,
over-masking < 1 %, no validating number left.

    python bench/redact_eval.py [--messages 3000] [--seed 11] [--show-misses 10]

Needs no shared data.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任"
                "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃")
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "慕容"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌鹏辉宇浩凯晨欣怡婷雪琳梅丹")
REGIONS = ["110105", "110108", "310104", "310115", "440305", "440106", "510107", "210202", "210211", "610102",
           "610113", "430104", "420106", "320102", "330106", "370202", "120101", "500103", "350203", "410105"]
AREA_CODES = ["010", "021", "022", "020", "029", "0411", "0914", "0755", "0571", "0731", "028", "023"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                   "158", "159", "166", "170", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189",
                   "198", "199"]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "gmail.com", "hotmail.com", "example.cn", "yeah.net"]
PINYIN = ["zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu", "sun", "hu", "zhu",
          "gao", "lin", "he", "guo", "ma", "luo", "xiaoming", "lili", "tiantian", "happy", "sunny", "dragon"]
ESTATES = ["翠湖花园", "阳光家园", "锦绣华庭", "金桂苑", "柳岸小区", "滨河新城", "东方明珠小区", "幸福里小区",
           "紫荆公寓", "枫林雅居", "青山湾小区", "南湖人家"]
ROADS = ["建设路", "人民路", "解放大街", "中山路", "黄河路", "长江路", "桂香街", "文化巷", "新华路", "迎宾大道"]
VILLAGES = ["柳溪村", "石桥村", "杨家庄", "河东村", "三里屯村", "王家湾村"]
TOWNS = ["青石镇", "白沙镇", "东园街道", "南湖街道", "溪口县", "高新区"]

# Message skeletons: {issue} is the request; personal data and look-alikes are slotted in around it.
ISSUES = [
    "小区门口的路灯坏了一个多月，晚上出行很不安全",
    "楼下烧烤店每天营业到凌晨两点，油烟和噪音严重扰民",
    "孩子今年上小学，按学区划片却被分到了很远的学校",
    "公司拖欠工资已经三个月，劳动监察一直没有处理结果",
    "社保卡补办了两次都没有拿到，窗口说系统有问题",
    "物业公司乱收停车费，业主委员会反映多次没有回应",
    "小区二次供水水质发黄，有明显异味，老人孩子不敢喝",
    "公积金贷款审批拖了两个月，开发商催促交房款",
    "路口红绿灯时间设置不合理，早晚高峰拥堵严重",
    "附近工地夜间施工，渣土车撒漏严重，路面全是泥",
    "医保异地就医报销手续太繁琐，来回跑了好几趟",
    "村里的道路一下雨就积水，出行非常困难",
    "营业执照网上办理一直提示材料不全，但没有说明缺什么",
    "拆迁补偿标准不透明，征收办的答复前后不一致",
]
OPENINGS = ["尊敬的领导您好！", "市长您好，", "", "您好，", "尊敬的12345热线工作人员：", "领导好！"]
CLOSINGS = ["希望有关部门尽快处理，谢谢！", "盼复。", "请领导重视，此致敬礼！", "", "麻烦了，谢谢。"]
# Numbers and words that look like personal data but are not (they must stay).
LOOKALIKES = [
    "我已经打过12345热线三次", "房子是3室2厅的", "坐地铁1号线上班", "按照市政府2019年3号文件的规定",
    "3月12号去窗口办理过", "每月交物业费268元", "投诉编号为GD20230511000123", "刘局长曾经来现场看过",
    "我和先生都在外地工作", "王书记答应过尽快解决", "一共5栋楼都停水了", "拨打110也没有人管",
    "小区有1200多户居民", "银行客服95588说要等通知", "我今年68岁", "2023年5月8日提交过申请",
    "关于某些问题至今没有答复", "单号4512001234567890已作废", "3路公交车也不停靠", "张主任让我们再等等",
    "邮编710000", "执行GB/T 50378-2019标准", "身高170厘米的孩子也要买票", "车次G1234晚点两小时",
    "2号楼和5号楼之间的空地", "工号0358的工作人员", "共计12.5万元", "第2023-018号通知", "每周一三五下午",
    "我先生在医院工作", "孩子的老师很负责", "网格员小王来过一次", "4S店的售后电话打不通", "会议室在3楼",
]


def id_card(rng: random.Random) -> str:
    from stdnum.cn import ric

    year = rng.randint(1945, 2006)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    base = f"{rng.choice(REGIONS)}{year}{month:02d}{day:02d}{rng.randint(0, 999):03d}"
    return base + ric.calc_check_digit(base + "0")  # stdnum computes over all but the last character


def luhn_card(rng: random.Random) -> str:
    from stdnum import luhn

    prefix, length = rng.choice([("62", 19), ("62", 16), ("4", 16), ("5", 16)])
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)


def person(rng: random.Random) -> tuple[str, str]:
    surname = rng.choice(COMPOUND) if rng.random() < 0.05 else rng.choice(SURNAMES)
    return surname, "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))


@dataclass
class Case:
    text: str = ""
    truth: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, type)
    submitter: str | None = None
    novel: set[int] = field(default_factory=set)  # indices into truth of forms the detector was not built on

    def add(self, plain: str) -> None:
        self.text += plain

    def add_pii(self, cue: str, value: str, kind: str, after: str = "") -> None:
        self.text += cue
        self.truth.append((len(self.text), len(self.text) + len(value), kind))
        self.text += value + after


def plant_novel(case: Case, kind: str, rng: random.Random) -> None:
    """Forms written after the detector was finished, never used to tune it: an honest second figure."""
    surname, given = person(rng)
    if kind == "name":
        cue, after = rng.choice([("小区保安", "不让外卖进门"), ("他叫", "，是开发商的人"), ("由", "负责联系"),
                                 ("我父亲", "今年七十多岁"), ("学生家长", "反映")])
        case.add_pii(cue, surname + given, kind, after)
    else:
        estate = rng.choice(ESTATES)
        case.add(f"{estate}")
        value = rng.choice([f"{rng.randint(1, 20)}幢{rng.randint(1, 18)}0{rng.randint(1, 4)}室",
                            f"{rng.randint(1, 20)}号楼东单元{rng.randint(1, 18)}0{rng.randint(1, 4)}",
                            f"{rng.randint(1, 20)}栋{rng.randint(1, 30)}楼{rng.randint(1, 8)}号"])
        case.add_pii("", value, kind, "的住户，")
    case.novel.add(len(case.truth) - 1)


def plant(case: Case, kind: str, rng: random.Random) -> None:
    """Append one piece of personal data of ``kind`` in one of the forms citizens write it."""
    if kind == "id_card":
        number = id_card(rng)
        number = number[:-1] + number[-1].lower() if rng.random() < 0.3 else number  # 11010…x
        form = rng.random()
        if form < 0.15:
            number = f"{number[:6]} {number[6:14]} {number[14:]}"
        elif form < 0.25:
            number = fullwidth(number)
        case.add_pii(rng.choice(["我的身份证号是", "身份证：", "身份证号码", "证件号", "（身份证", "本人身份证"]),
                     number, kind, rng.choice(["，", "）", "。", " "]))
    elif kind == "mobile":
        digits = rng.choice(MOBILE_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        form = rng.random()
        if form < 0.2:
            digits = f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
        elif form < 0.35:
            digits = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        elif form < 0.45:
            digits = "+86 " + digits
        elif form < 0.55:
            digits = fullwidth(digits)
        elif form < 0.6:
            digits = f"{digits[:3]}-{digits[3:]}"
        case.add_pii(rng.choice(["联系电话", "我的手机", "电话：", "手机号", "请联系", "有事打", "微信同号"]),
                     digits, kind, rng.choice(["，", "。", "（微信同号）", " "]))
    elif kind == "landline":
        area = rng.choice(AREA_CODES)
        # most cities have 8-digit local numbers; a few (0914) still 7
        local = str(rng.randint(2, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(6 if area == "0914" else 7))
        form = rng.random()
        if form < 0.45:
            value = f"{area}-{local}"
        elif form < 0.6:
            value = f"({area}){local}"
        elif form < 0.75:
            value = f"{area}{local}"
        else:
            case.add_pii(rng.choice(["家里电话：", "座机", "固话："]), local, kind, "，")
            return
        case.add_pii(rng.choice(["座机", "家里电话", "单位电话：", "联系电话"]), value, kind, "，")
    elif kind == "bank_card":
        number = luhn_card(rng)
        if rng.random() < 0.3:
            number = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
        case.add_pii(rng.choice(["银行卡号", "工资卡", "账号：", "退款请打到卡号", "我的卡"]), number, kind, "，")
    elif kind == "email":
        local = rng.choice(PINYIN) + rng.choice(["", ".", "_"]) + rng.choice(PINYIN + [str(rng.randint(1, 9999))])
        address = f"{local}@{rng.choice(DOMAINS)}"
        address = address.upper() if rng.random() < 0.05 else address
        case.add_pii(rng.choice(["邮箱", "电子邮件：", "请发到", "邮箱地址是", "Email:"]), address, kind, "，")
    elif kind == "plate":
        tail = "".join(rng.choice(PLATE_LETTERS + "0123456789") for _ in range(4)) + str(rng.randint(0, 9))
        if rng.random() < 0.2:  # new-energy plates: D/F and five digits
            tail = rng.choice("DF") + "".join(str(rng.randint(0, 9)) for _ in range(5))
        separator = rng.choice(["", "", "", "", "·", " "])
        plate = rng.choice(PROVINCES) + rng.choice(PLATE_LETTERS) + separator + tail
        case.add_pii(rng.choice(["车牌号", "车牌", "一辆车牌为", "我的车"]), plate, kind, rng.choice(["的车", "，"]))
    elif kind == "qq":
        case.add_pii(rng.choice(["QQ：", "qq号", "QQ号码", "扣扣"]), str(rng.randint(10000, 3999999999)), kind, "，")
    elif kind == "wechat":
        value = rng.choice(PINYIN) + rng.choice(["_", "", "-"]) + str(rng.randint(10, 99999))
        case.add_pii(rng.choice(["微信：", "微信号", "vx：", "加我微信"]), value, kind, "，")
    elif kind == "name":
        surname, given = person(rng)
        form = rng.randrange(12)
        if form == 8:
            case.add_pii("我是", surname + given, kind, "，")
        elif form == 9:
            case.add_pii(rng.choice(["署名：", "申请人：", "业主"]), surname + given, kind, "。")
        elif form == 10:
            case.add_pii("找了", surname + rng.choice(["师傅", "同志", "大姐"]), kind, "帮忙")
        elif form == 11:  # a bare full name in running text, no cue: the hard case
            case.add_pii(rng.choice(["邻居", "家属", "楼上的"]), surname + given, kind, "多次上门理论")
        elif form == 0:
            case.add_pii("请", surname + rng.choice(["先生", "女士", "师傅", "阿姨"]), kind, "尽快联系")
        elif form == 1:
            case.add_pii("邻居", surname + rng.choice(["某某", "某"]), kind, "长期占用楼道")
        elif form == 2:
            case.add_pii("我叫", surname + given, kind, "，")
        elif form == 3:
            case.add_pii(rng.choice(["姓名：", "联系人：", "举报人："]), surname + given, kind, " ")
        elif form == 4:
            case.add_pii("本人", surname + given, kind, "，")
        elif form == 5:
            case.add_pii("一位", surname + rng.choice(["女士", "先生", "大爷"]), kind, "反映")
        elif form == 6:
            case.add_pii("联系人", surname + given + rng.choice(["先生", "女士"]), kind, "，")
        else:  # the submitter named in the text
            name = surname + given
            case.submitter = name
            case.add_pii("来信人", name, kind, "，")
    elif kind == "address":
        form = rng.randrange(10)
        if form == 6:
            case.add(f"{rng.choice(ESTATES)}")
            case.add_pii("", f"{rng.randint(1, 30)}号楼{rng.randint(1, 4)}门{rng.randint(1, 18)}0{rng.randint(1, 4)}",
                         kind, "住户，")
        elif form == 7:
            case.add(f"{rng.choice(['金融大厦', '世纪广场', '华贸中心'])}")
            case.add_pii("", f"{rng.choice('ABCD')}座{rng.randint(5, 30)}0{rng.randint(1, 9)}", kind, "的公司，")
        elif form == 8:
            case.add(f"家住{rng.choice(ROADS)}")
            case.add_pii("", f"{rng.randint(10, 999)}弄{rng.randint(1, 60)}号{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
                         kind, "，")
        elif form == 9:
            case.add(f"住{rng.choice(ESTATES)}")
            case.add_pii("", f"{rng.choice('一二三四五六七八九')}栋{rng.choice('一二三四五六')}单元"
                             f"{rng.randint(1, 18)}0{rng.randint(1, 4)}", kind, "，")
        elif form == 0:
            case.add(f"我家住在{rng.choice(ESTATES)}")
            case.add_pii("", f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
                         kind, "，")
        elif form == 1:
            case.add(f"地址：{rng.choice(TOWNS)}{rng.choice(ROADS)}")
            case.add_pii("", f"{rng.randint(1, 300)}号", kind, "，")
        elif form == 2:
            case.add(f"住{rng.choice(ROADS)}")
            case.add_pii("", f"{rng.randint(1, 99)}号院{rng.randint(1, 20)}号楼{rng.randint(1, 6)}单元"
                             f"{rng.randint(1, 18)}0{rng.randint(1, 4)}", kind, "，")
        elif form == 3:
            case.add(f"家住{rng.choice(TOWNS)}{rng.choice(VILLAGES)}")
            case.add_pii("", f"{rng.randint(1, 12)}组{rng.randint(1, 80)}号", kind, "，")
        elif form == 4:
            case.add(f"{rng.choice(ESTATES)}")
            case.add_pii("", f"{rng.randint(1, 20)}号楼{rng.randint(1, 30)}0{rng.randint(1, 4)}室", kind, "的业主，")
        else:
            case.add(f"住在{rng.choice(ESTATES)}")
            case.add_pii("", f"{rng.randint(1, 20)}-{rng.randint(1, 6)}-{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
                         kind, "，")


TYPES = ["id_card", "mobile", "landline", "bank_card", "email", "plate", "qq", "wechat", "name", "address"]
STRUCTURED = ["id_card", "mobile", "landline", "bank_card", "email", "plate"]


def generate(count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        case = Case()
        case.add(rng.choice(OPENINGS))
        kinds = rng.sample(TYPES, rng.randint(1, 4))
        case.add(rng.choice(ISSUES) + "。")
        for kind in kinds:
            if rng.random() < 0.5:
                case.add(rng.choice(LOOKALIKES) + "，")
            if kind in ("name", "address") and rng.random() < 0.2:
                plant_novel(case, kind, rng)
            else:
                plant(case, kind, rng)
        case.add(rng.choice(LOOKALIKES) + "。" + rng.choice(CLOSINGS))
        cases.append(case)
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--show-misses", type=int, default=5, help="print this many misses/over-masks per type")
    args = parser.parse_args()

    from analysis.privacy.redact import find_personal_data, redact, residual_numbers

    cases = generate(args.messages, args.seed)
    planted, caught = Counter(), Counter()
    novel_planted, novel_caught = Counter(), Counter()
    masked_total = masked_not_pii = chars_not_pii = 0
    misses: dict[str, list[str]] = {}
    overmasks: list[str] = []
    leaks = 0
    began = time.perf_counter()
    results = [redact(case.text, submitter=case.submitter) for case in cases]
    seconds = time.perf_counter() - began
    for case, result in zip(cases, results, strict=True):
        covered = set()
        for span in result.spans:
            covered.update(range(span.start, span.end))
        truth_chars = set()
        for index, (start, end, kind) in enumerate(case.truth):
            truth_chars.update(range(start, end))
            hit = all(i in covered for i in range(start, end))
            if index in case.novel:  # reported on their own line, not in the per-type table
                novel_planted[kind] += 1
                novel_caught[kind] += hit
                continue
            planted[kind] += 1
            if hit:
                caught[kind] += 1
            else:
                context = case.text[max(0, start - 12):end + 8]
                misses.setdefault(kind, []).append(f"{case.text[start:end]!r} in …{context}…")
        masked_total += len(covered)
        wrong = covered - truth_chars
        masked_not_pii += len(wrong)
        chars_not_pii += len(case.text) - len(truth_chars)
        if wrong:
            for span in result.spans:
                if any(i in wrong for i in range(span.start, span.end)):
                    overmasks.append(f"{span.type}: {case.text[span.start:span.end]!r} in "
                                     f"…{case.text[max(0, span.start - 10):span.end + 6]}…")
        if residual_numbers(result.text):
            leaks += 1
    # the detector alone, as the publication gate calls it
    began = time.perf_counter()
    for case in cases[:500]:
        find_personal_data(case.text)
    gate_rate = min(500, len(cases)) / (time.perf_counter() - began)

    print(f"{len(cases)} generated messages, {sum(planted.values())} planted items, "
          f"{sum(len(c.text) for c in cases)} characters")
    print(f"{'type':<10} {'planted':>8} {'masked':>8} {'recall':>8}  target")
    for kind in TYPES:
        if planted[kind]:
            target = 0.995 if kind in STRUCTURED else 0.90
            recall = caught[kind] / planted[kind]
            print(f"{kind:<10} {planted[kind]:>8} {caught[kind]:>8} {recall:>8.2%}  >= {target:.1%} "
                  f"{'met' if recall >= target else 'NOT met'}")
    for kind in ("name", "address"):
        if novel_planted[kind]:
            print(f"{kind:<10} {novel_planted[kind]:>8} {novel_caught[kind]:>8} "
                  f"{novel_caught[kind] / novel_planted[kind]:>8.2%}  (forms the detector was not built on)")
    structured = sum(caught[k] for k in STRUCTURED) / max(1, sum(planted[k] for k in STRUCTURED))
    print(f"structured types together: {structured:.2%}")
    share_of_masked = masked_not_pii / max(1, masked_total)
    share_of_clean = masked_not_pii / max(1, chars_not_pii)
    print(f"over-masking: {masked_not_pii} of {masked_total} masked characters were not personal data = "
          f"{share_of_masked:.2%} of masked characters ({share_of_clean:.3%} of all non-personal characters); "
          f"target < 1 %: {'met' if share_of_masked < 0.01 else 'NOT met'}")
    print(f"redacted texts still holding a number that validates as an ID or phone: {leaks}")
    print(f"speed: redact {len(cases) / seconds:.0f} messages/s; find_personal_data {gate_rate:.0f} messages/s")
    if args.show_misses:
        for kind, items in misses.items():
            print(f"missed {kind} (first {args.show_misses}):")
            for item in items[: args.show_misses]:
                print("   ", item)
        if overmasks:
            print(f"over-masked (first {args.show_misses}):")
            for item in overmasks[: args.show_misses]:
                print("   ", item)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
