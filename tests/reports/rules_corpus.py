"""Invented letters for the publication rules (second half of March 2024), one group per rule.

- heating at 和平小区: three different people (平台用户A/B/C); one reply is only a signature, one answers;
- 滨河路 street lamp: one person writing three times (用户D) — never a common question;
- an out-of-scope pair (two people, stored admissibility out_of_scope): counted, never a question;
- 第三代社保卡: two people, no reply yet (deadline running on 2024-04-03, passed on 2024-04-10);
- a hotline export with no reply column at all: counted as received, left out of the reply figures.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from store.models.core import Message
from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages

HEATING_ANSWER = ("您好！来信收悉。经核实，和平小区供暖管网老化导致部分楼栋室温不达标。供热公司已于3月22日更换故障阀门，"
                  "目前室温已达到18度以上。如室温仍不达标，可拨打供热服务热线报修。感谢您的监督！")
SIGNATURE_ONLY = "您好！您的来信已收悉，感谢您的关注。\n市供热管理办公室\n2024年3月20日"


def rec(ext, title, content, submitted, **kw):
    return MessageRecord(channel=kw.pop("channel", "feedback"), external_id=ext, title=title, content=content,
                         submitted_at=submitted, **kw)


def board_records() -> list[MessageRecord]:
    return [
        rec("H-1", "和平小区供暖不达标", "我家住和平小区，室内温度只有十五度，供暖不达标。希望供热公司尽快检修。"
            "我的电话13912345678。", datetime(2024, 3, 18, 9, 0), submitter="平台用户A", kind="投诉",
            category="城乡建设", unit="市供热管理办公室", reply_text=SIGNATURE_ONLY,
            replied_at=datetime(2024, 3, 20, 9, 0)),
        rec("H-2", "和平小区暖气不热，供暖不达标", "和平小区暖气不热，室温不达标，老人冻得受不了，请求督促供热公司整改。",
            datetime(2024, 3, 19, 10, 0), submitter="平台用户B", kind="投诉", category="城乡建设",
            unit="市供热管理办公室", reply_text=HEATING_ANSWER, reply_unit="市供热管理办公室",
            replied_at=datetime(2024, 3, 22, 15, 0)),
        rec("H-3", "和平小区供暖温度不达标", "和平小区供暖温度不达标，家里很冷，希望尽快解决。",
            datetime(2024, 3, 20, 11, 0), submitter="平台用户C", kind="投诉", category="城乡建设",
            unit="市供热管理办公室"),
        rec("L-1", "滨河路路灯不亮", "滨河路东段路灯不亮，晚上出行不便，希望尽快维修。", datetime(2024, 3, 21, 9, 0),
            submitter="平台用户D", kind="投诉", category="城乡建设", unit="市城市管理局"),
        rec("L-2", "滨河路路灯还是不亮", "滨河路东段路灯不亮，晚上出行不便，希望尽快维修路灯。",
            datetime(2024, 3, 22, 9, 0), submitter="平台用户D", kind="投诉", category="城乡建设", unit="市城市管理局"),
        rec("L-3", "再次反映滨河路路灯不亮", "滨河路东段路灯一直不亮，希望尽快维修。", datetime(2024, 3, 23, 9, 0),
            submitter="平台用户D", kind="投诉", category="城乡建设", unit="市城市管理局"),
        rec("X-1", "外省房产继承纠纷", "外省老家房产继承有纠纷，请市里出面判决。", datetime(2024, 3, 24, 9, 0),
            submitter="平台用户E", kind="求助", reply_text="您反映的问题不属于本单位受理范围，请通过司法途径解决。",
            replied_at=datetime(2024, 3, 25, 9, 0)),
        rec("X-2", "外省房产继承纠纷求助", "外省房产继承纠纷，请求市里帮忙判决。", datetime(2024, 3, 25, 9, 0),
            submitter="平台用户F", kind="求助", reply_text="您反映的问题不属于本单位受理范围，请通过司法途径解决。",
            replied_at=datetime(2024, 3, 26, 9, 0)),
        rec("S-1", "第三代社保卡如何申领", "请问第三代社保卡如何申领？需要带什么材料？", datetime(2024, 3, 29, 9, 0),
            submitter="平台用户G", kind="咨询", category="劳动和社会保障", unit="市人力资源和社会保障局"),
        rec("S-2", "第三代社保卡怎么申领", "第三代社保卡如何申领，能否网上办理？", datetime(2024, 3, 29, 10, 0),
            submitter="平台用户H", kind="咨询", category="劳动和社会保障", unit="市人力资源和社会保障局"),
    ]


def hotline_records() -> list[MessageRecord]:
    """An export without any reply column."""
    return [rec(f"R-{i}", "公交线路调整建议", f"建议调整{i}路公交线路，方便居民出行。", datetime(2024, 3, 17 + i, 9, 0),
                channel="hotline", kind="建议", submitter=f"热线来电{i}") for i in range(1, 4)]


def load_rules_corpus(session) -> None:
    board = get_or_create_source(session, "市民留言板", "feedback")
    upsert_messages(session, board, board_records())
    hotline = get_or_create_source(session, "12345热线导出", "hotline")
    upsert_messages(session, hotline, hotline_records())
    session.flush()
    session.execute(update(Message).values(admissibility="admissible", admissibility_reason="有具体诉求"))
    session.execute(update(Message).where(Message.external_id.in_(["X-1", "X-2"]))
                    .values(admissibility="out_of_scope", admissibility_reason="承办单位答复不属于受理范围"))
    session.commit()
