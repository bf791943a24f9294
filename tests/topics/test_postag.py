"""pos_cut is jieba.posseg.lcut, faster: the same pieces and tags on every text.

The texts are written for this test: titles with personal names (tagged nr by the HMM), places (ns), numbers,
Latin letters, flat numbers, and words jieba's dictionary does not know (cut by the HMM, the part pos_cut
reimplements). Each must come out exactly as jieba's own cut; the last check makes sure the HMM path was
exercised (some piece is not a dictionary word), so the comparison is not trivially about dictionary look-ups.
"""
import jieba
import jieba.posseg

from analysis.topics.postag import pos_cut

TEXTS = [
    "表扬李晓明医生", "张伟反映青松路菜市场噪音扰民", "翠湖小区21号楼1单元701室漏水", "请问A3区公积金提取需要什么材料",
    "投诉王某某拒不退还押金", "鹅秀秀峰组团人口新兴", "感谢刘建华师傅拾金不昧", "大连沙河口永平街道路大树不修剪",
    "商州区第十五小学学区划分", "举报赵丽娟违规经营", "凯乐国际城周边交通乱象", "借教敛财江湖骗子坑蒙拐骗",
    "君融贷P2P平台失联", "2019年3月12日来电", "峰", "", "空压机噪音", "马栏山视频产业园空地", "欧阳娜娜家门口积水",
]


def test_pos_cut_equals_jieba_posseg():
    for text in TEXTS:
        assert [(p.word, p.flag) for p in pos_cut(text)] == [(p.word, p.flag) for p in jieba.posseg.lcut(text)]
    pieces = {p.word for text in TEXTS for p in pos_cut(text)}
    assert any(len(w) > 1 and w not in jieba.dt.FREQ for w in pieces)  # the HMM made some of them
