"""A small invented corpus for the summary tests: two half months of March 2024 with two recurring issues."""
from __future__ import annotations

from datetime import datetime

from store.records import MessageRecord
from store.upsert import get_or_create_source, upsert_messages

PARKING_REPLY = (
    "网友您好！您的留言已收悉。经核实，幸福小区现有停车位120个，已协调街道在小区东侧空地新增临时停车位40个，"
    "预计于2024年4月15日前完工投入使用。同时，交警部门将加强周边道路违停治理。感谢您对我们工作的支持！"
)
FUND_REPLY = (
    "您好！根据《住房公积金提取管理办法》，租房提取需提供身份证、租房合同和完税证明，"
    "可在住房公积金APP线上办理，3个工作日内到账。如有疑问请咨询12329。"
)


def march_2024_records() -> list[MessageRecord]:
    def rec(ext, title, content, submitted, **kw):
        return MessageRecord(channel=kw.pop("channel", "feedback"), external_id=ext, title=title,
                             content=content, submitted_at=submitted, **kw)

    return [
        # --- second half of March 2024: parking at 幸福小区 (3 messages), housing fund (2), others ---
        rec("P-1", "幸福小区停车难问题", "幸福小区停车位严重不足，每天晚上车辆乱停，请相关部门解决。我叫张建国，电话13812345678。",
            datetime(2024, 3, 18, 9, 0), submitter="张建国", category="城乡建设", unit="市住房和城乡建设局",
            kind="投诉", reply_text=PARKING_REPLY, reply_unit="市住房和城乡建设局",
            replied_at=datetime(2024, 3, 21, 10, 0), votes_up=12),
        rec("P-2", "幸福小区停车难，车位不足", "幸福小区停车难，车位不够，晚上回家找不到车位。",
            datetime(2024, 3, 19, 20, 0), category="城乡建设", unit="市住房和城乡建设局", kind="投诉",
            reply_text="您好，来信收悉，谢谢。", replied_at=datetime(2024, 3, 20, 9, 0), votes_up=3),
        rec("P-3", "幸福小区停车难何时解决", "幸福小区停车难的问题反映多次了，什么时候能解决？",
            datetime(2024, 3, 20, 8, 0), category="城乡建设", unit="市住房和城乡建设局", kind="投诉",
            reply_text=PARKING_REPLY, replied_at=datetime(2024, 4, 10, 9, 0), votes_up=5),
        rec("F-1", "租房提取公积金需要什么材料", "请问租房提取住房公积金需要准备哪些材料？",
            datetime(2024, 3, 25, 10, 0), category="劳动和社会保障", unit="市住房公积金管理中心", kind="咨询",
            reply_text=FUND_REPLY, reply_unit="市住房公积金管理中心", replied_at=datetime(2024, 3, 27, 15, 0),
            channel="hotline"),
        rec("F-2", "租房提取公积金材料咨询", "租房提取公积金要带什么材料，能否网上办理？",
            datetime(2024, 3, 26, 11, 0), category="劳动和社会保障", unit="市住房公积金管理中心", kind="咨询",
            channel="hotline"),
        rec("O-1", "建议增开夜班公交", "建议增开18路夜班公交车。", datetime(2024, 3, 28, 9, 0),
            category="交通运输", unit="市交通运输局", kind="建议", channel="mailbox"),
        # --- first half of March 2024 (the previous period) ---
        rec("Q-1", "学校门口交通拥堵", "学校门口早高峰拥堵。", datetime(2024, 3, 5, 8, 0), category="交通运输",
            unit="市公安局交通警察支队", reply_text="经核实，已在上下学时段增派警力疏导交通。",
            replied_at=datetime(2024, 3, 7, 10, 0)),
        rec("Q-2", "菜市场噪音扰民", "凌晨菜市场卸货噪音大。", datetime(2024, 3, 6, 8, 0), category="环境保护",
            unit="市生态环境局"),
    ]


def load_march_2024(session) -> None:
    source = get_or_create_source(session, "测试留言板", "feedback")
    upsert_messages(session, source, march_2024_records())
    session.commit()
