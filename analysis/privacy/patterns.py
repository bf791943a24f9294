"""Building blocks of the personal-data detector (``analysis.privacy.redact``): surname lists, cue words, titles and
the regular expressions for structured numbers and detailed addresses. Kept apart so the patterns can be read
and reviewed without the matching logic around them. Written for hotline-monitor."""
from __future__ import annotations

import re

# --- surnames ------------------------------------------------------------------------------------------

# Common single-character surnames (the bulk of the population), one string for compactness.
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊"
    "葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉"
    "骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米"
    "柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥"
    "南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋"
    "相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎"
    "勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由于"
)
COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "闻人", "澹台", "公冶", "宗政",
    "濮阳", "太史", "申屠", "钟离", "司空", "第五", "拓跋",
)
# Surnames that are also everyday function words or very common word starts (我和先生, 关于某些, 各位女士,
# 平时, 时间): they count as a surname only right after a boundary or a cue, never inside running text.
AMBIGUOUS_SURNAMES = frozenset("于和向时常万那由位来都平全国明元信成南海花门原相初公但干利乐解区楼车")
# The most word-like of them (prepositions, conjunctions): never a surname after a weak cue (我和先生…).
FUNCTION_CHAR_SURNAMES = frozenset("于和向由为从来那都时常位")

# --- cue words -----------------------------------------------------------------------------------------

# Words after which a personal name follows ("我叫张伟", "姓名：刘洋", "联系人 王先生").
STRONG_NAME_CUES = (
    "我的名字叫", "我的名字是", "真名", "我叫", "我名叫", "本人叫", "名叫", "姓名", "名字", "联系人", "举报人",
    "投诉人", "反映人", "来信人", "申请人", "当事人", "求助人", "咨询人", "署名", "户主", "签名", "落款", "收件人",
    "业主",
)
# Of those, the ones by which a person gives a name: what follows is a name even when it is also a word (我叫高强).
SELF_NAMING_CUES = ("我的名字叫", "我的名字是", "真名", "我叫", "我名叫", "本人叫", "名叫", "姓名", "名字", "联系人")
# Weaker cues: a name counts only when a clear end follows it (punctuation, or words such as 多次/经常/说).
WEAK_NAME_CUES = ("我是", "本人", "邻居", "家属", "楼上的", "楼下的", "对门的", "隔壁的", "丈夫", "妻子", "爱人",
                  "老公", "老婆", "儿子", "女儿", "父亲", "母亲", "同事", "房东", "租户", "患者", "孩子")
# Words that may follow a name after a weak cue ("邻居周雪多次上门"); the name ends where one begins.
NAME_FOLLOWERS = (
    "多次", "经常", "一直", "总是", "天天", "每天", "长期", "曾经", "已经", "反复", "不仅", "不但", "竟然", "居然",
    "在", "把", "说", "称", "将", "又", "也", "还", "已", "家", "的", "是", "等", "和", "与", "因", "却", "就", "被",
    "对", "向", "给", "到", "从", "于", "今年", "现年", "男", "女", "电话", "手机", "身份证", "住", "系",
)

# Forms of address for private persons: surname + one of these is a person to mask (张先生, 李女士).
HONORIFICS = (
    "老先生", "老太太", "老大爷", "老奶奶", "先生", "女士", "小姐", "同志", "师傅", "阿姨", "大爷", "大妈",
    "大娘", "大姐", "大哥", "奶奶", "爷爷", "同学",
)
# Titles of public office or profession: 刘局长 names an office holder acting in office, not a private person.
TITLES = (
    "局长", "副局长", "书记", "副书记", "市长", "副市长", "县长", "副县长", "区长", "副区长", "镇长", "乡长",
    "村长", "主任", "副主任", "处长", "科长", "所长", "站长", "队长", "部长", "厅长", "省长", "院长", "校长",
    "主席", "委员", "秘书长", "总经理", "经理", "董事长", "老总", "总", "警官", "法官", "检察官", "老师",
    "医生", "大夫", "护士", "律师", "记者", "主管", "组长", "班长", "馆长", "会长", "行长", "司机",
)
# Characters that end a name written after a cue ("我叫张伟家住…", "本人李明在…"); rarely inside a name.
NAME_STOP_CHARS = frozenset(
    "，,。.！!？?；;：:、 \t\n（）()“”\"'《》家住是的在从于因今年男女现系电手身联和与将要想向对被给为我他她您也就已都"
    "还请反映本人今天昨前后去来到说问称向打拨号码"
)

# --- structured numbers ---------------------------------------------------------------------------------

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 18-digit resident ID, optionally written in groups 6-8-4 with spaces or hyphens.
ID_CARD_18 = re.compile(_NOT_ALNUM_BEFORE + r"\d{6}[ -]?\d{8}[ -]?\d{3}[0-9Xx]" + _NOT_ALNUM_AFTER)
# Old 15-digit ID (no checksum): accepted only after an ID cue word.
ID_CARD_15 = re.compile(r"(?:身份证|证件)(?:号码|号)?[：:\s是为]*(\d{15})(?!\d)")
# Bank cards: 16-19 digits, optionally in groups of four.
BANK_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]?){3}\d{4}(?:[ -]?\d{1,3})?(?!\d)")
# Numbers introduced as an order, case or invoice number are not cards even when they pass Luhn.
NOT_CARD_CUE = re.compile(r"(?:单号|订单|编号|流水号|工单|受理号|发票|合同号|批次|条码)[^\d\n]{0,6}$")
BANK_CUE = re.compile(r"(?:卡号|银行卡|储蓄卡|信用卡|借记卡|账号|帐号|账户|帐户|工资卡|社保卡号)[^\d\n]{0,8}$")
# Mobile: 11 digits starting 13-19, optional +86/86 prefix, optional 3-4-4 grouping.
MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
# Landline with area code: 0xx(x)-xxxxxxx(x), (0xxx)xxxxxxx, or 400/800 service numbers.
LANDLINE = re.compile(
    r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[ \-—–]?\d{3,4}[ -]?\d{4}(?![0-9])"
    r"|(?<![0-9A-Za-z])[48]00[ -]?\d{3}[ -]?\d{4}(?!\d)"
)
# A local number without area code, only after a phone cue (电话 84123456).
PHONE_CUE = re.compile(r"(?:电话|座机|固话|宅电|联系方式|手机|号码|tel|Tel|TEL)[：:\s是为]*$")
LOCAL_PHONE = re.compile(r"(?:电话|座机|固话|宅电|联系方式|联系电话|tel|Tel|TEL)[：:\s是为]*(\d{3,4}[ -]?\d{4})(?!\d)")
PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Za-hj-np-z][·•.\s-]?"
    # 辽B12345, 粤AD12345 (new energy), 辽B1234挂 (trailer); citizens also write the letters in lower case
    r"(?=[A-HJ-NP-Za-hj-np-z0-9]{0,5}\d)(?:[A-HJ-NP-Za-hj-np-z0-9]{5,6}|[A-HJ-NP-Za-hj-np-z0-9]{4}[挂学警])"
    r"(?![0-9A-Za-z])"
)
QQ = re.compile(r"(?:QQ|qq|Qq|扣扣)(?:号码|号)?[：:\s是为]*([1-9]\d{4,10})(?!\d)")
WECHAT = re.compile(
    # a Latin cue (vx, wx) needs a separator after it, or it would be found inside plates and ids
    r"(?:(?:微信|威信|V信|v信)(?:号码|号|id|ID)?|(?<![A-Za-z0-9])(?:vx|VX|Vx|wx|WX|weixin)(?:号码|号|id|ID)?"
    r"(?=[：:\s是为]))[：:\s是为]*([A-Za-z][-_A-Za-z0-9]{3,19}|\d{5,11})"
    r"(?![-_A-Za-z0-9])"
)
# Any digit run (with inner spaces or hyphens) that the final sweep re-checks.
DIGIT_RUN = re.compile(r"(?<![0-9])\+?\d[\d -]{5,22}[\dXx]")

# --- detailed addresses ---------------------------------------------------------------------------------

_NUM = r"(?:\d{1,5}|[一二三四五六七八九十百零〇两]{1,4})"
_LETTER_NUM = rf"(?:[A-Za-z]?{_NUM}|[A-Za-z])"
ADDRESS_PARTS = {
    # building: 3号楼, 5栋, 12幢, A座, 2号院; "楼" only when a number follows (3楼2单元 is building 3)
    "building": rf"{_LETTER_NUM}(?:号楼|号院|栋|幢|座|楼(?={_NUM}))",
    "unit": rf"{_NUM}单元",
    # 4门 (entrance) and 546弄 (lane) count only inside a chain (after a building, or after a road)
    "entrance": rf"{_NUM}门(?![口前外内面店卫诊])",
    "lane": rf"{_NUM}弄",
    "floor": rf"{_NUM}(?:层|楼(?![盘道梯顶房下上前后里外]))",
    # room: 501室, 1202房, 3号房, 2户; "3室2厅" is a flat's layout, not a room number
    "room": rf"{_LETTER_NUM}(?:室(?![一二三四五六七八九两\d]?厅)|号房|房(?![间屋子产东主价租源贷]))",
    "door": rf"(?:\d{{1,5}}-\d{{1,3}}|{_NUM})号(?![线楼文件令门窗口院桥])",
    "group": rf"{_NUM}(?:组|队|社)(?![织长员成合建])",
    "dashed": r"\d{1,3}-\d{1,2}-\d{1,4}(?:室|号|房)?",
    # building-flat: 7-1501 (building 7, floor 15, flat 01); the flat part ends in 01-09 as flat numbers do
    "flat": r"\d{1,2}-\d{1,2}0[1-9](?:室|号|房)?(?![\d.%元万米年月日号-])",
    # 18号16-08 (flat 16-08 of No. 18): only right after a door or building number, see redact._address_chain
    "dashed_room": r"\d{1,3}-\d{1,4}(?:室|房)?(?![\d.%元万米年月日号-])",
    "bare_room": r"\d{3,4}(?![\d号年月日元米])",
}
_ADDRESS_PART = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in ADDRESS_PARTS.items())
ADDRESS_PART = re.compile(_ADDRESS_PART)
# Characters that end a road, lane or village name: a door number right after them is a home address.
ROAD_ENDINGS = frozenset("路街巷弄道里村胡同屯庄")
# Characters ending an estate or building name: a building number right after them is a home address.
ESTATE_ENDINGS = frozenset("区园苑城府庭湾居院寓厦舍楼村坊庄邸墅苑阁轩")

# --- names without a cue word (analysis.privacy.names) ---------------------------------------------------------

SURNAME_FIRST_CHARS = SINGLE_SURNAMES | {s[0] for s in COMPOUND_SURNAMES}
# A candidate equal to a jieba dictionary word at least this frequent is a word (文明, 高度), not a name.
COMMON_WORD_MIN_FREQ = 10
# ... unless jieba tags it as a person's name (nr) and it is rarer than this (姚明, 王明 are people; 谢谢 and
# 文明 are tagged nr too, but are far more frequent).
NAME_IN_DICTIONARY_MAX_FREQ = 500
# A two-character word at least this frequent is one a name does not end inside (张妍|毕业).
FREQUENT_WORD_MIN_FREQ = 2000
# A name-like word followed by one of these is a place (庄河市, 金州区, 青山路).
PLACE_SUFFIXES = frozenset("省市县区镇乡村屯路街巷道州湾岛")
# Characters that never end a name: particles, conjunctions, punctuation-like words (王宇等, 郭守和与…).
PARTICLES = frozenset("的了着过们么呢吗吧啊呀等和与及或在是有被把将从向对给为于也都就还又再很最")
# One-character kinship words a name may follow (我弟赵石柱, 其二哥赵石林, 父母赵德厚).
KINSHIP_CHARS = frozenset("哥姐弟妹叔舅姑姨爷奶父母夫妻侄孙婿媳")
# Words of letters and replies that jieba's dictionary lacks or lists as rarer than the threshold.
EXTRA_COMMON_WORDS = frozenset({
    "王姓", "陈姓", "李姓", "张姓", "刘姓", "肖姓", "某姓", "于家", "高新", "常住", "安置", "安居", "金额", "金源",
    "时至", "向其", "向您", "向你", "平米", "平方", "成交", "成员", "明确", "明知", "方面", "方可", "方式", "方才",
    "程序", "程度", "任何", "任意", "余额", "余款", "和谐", "和解", "于此", "于是", "段时", "段路", "谢意", "万余",
    "万多", "高层", "高压", "高峰", "高于", "高温", "元月", "路段", "路口", "路面", "江边", "林地", "林业", "石头",
    "房产", "房屋", "白天", "白纸", "黄沙", "黄土", "米宽", "宁可", "章程", "包括", "包庇", "包村", "包片",
    "商户", "商铺", "商业", "商品", "商家", "孔洞", "管理", "管道", "管辖", "邻居", "华府", "华庭", "盖章", "签章",
})
# Characters that ordinary running text is made of and given names almost never use: a candidate whose given
# name holds one is not a name (王家村, 张贴, 高于, 李某的, 刘湾派出所).
NOT_GIVEN_CHARS = frozenset(
    "的了着过们么呢吗吧啊呀哪谁啥怎什这那个些每各某此该把被让使给对向从往由于与及或而且但并就都还也又再才"
    "只很太最更没无未非不别要会能可应需得必须想愿敢肯将已曾正在以为因所如若虽则即既然后前上下里外中内间边旁家长孙老人地裸担当代线"
    "侧左右去回进出入到至起关停走跑看突撞房同变听说讲问答叫喊打拿放买卖交收付退拆修盖挖填堵占办理管查处罚批审核报告"
    "诉反映投举求帮助解决协调沟通联系请谢感费用钱款块角亿年月日时分秒号期次件条项名户口室楼层栋单元门路街巷"
    "区县市省镇乡组站场厂店馆院校局部委办科股队司企业单位政府门领导干群众姓市民居业物商村社城段处境聘"
    "是有在我你他她它您啦嘛呗哦噢嗯诶唉哎吗么幺等号第共约余多少半几两零一二三四五六七八九十百千万元米"
    "方斤吨公里克升度岁周点钟局厅署所会议题案件事情况问题今依法自欺负"
    "，。！？；：、（）“”《》"
)
# Role and kinship words a person's name follows directly (村民鲍晟, 法定代表人刘启东, 之妻黄秀芬, 医生田玉梅).
ROLE_WORDS_BEFORE_NAME = (
    "村民", "居民", "组民", "市民", "农户", "农民", "贫困户", "五保户", "低保户", "住户", "业主", "户主", "租户",
    "房东", "邻居", "老乡", "同事", "同学", "朋友", "网友", "群众", "当事人", "反映人", "举报人", "投诉人",
    "申请人", "陈述人", "诉求人", "信访人", "委托人", "代理人", "被告", "原告", "第三人", "证人", "嫌疑人",
    "法人", "法定代表人", "代表人", "负责人", "联系人", "承包人", "借款人", "出借人", "债务人", "债权人",
    "老板", "经理", "员工", "职工", "工人", "民工", "司机", "驾驶员", "驾驶人", "押运员", "业务员", "销售员",
    "招聘人员", "保安", "保姆", "厨师", "医生", "护士", "患者", "病人", "学生", "考生", "幼儿", "儿童", "小孩",
    "孩子", "儿子", "女儿", "长子", "次子", "长女", "次女", "孙子", "孙女", "外孙", "侄子", "侄女", "侄孙", "侄妻",
    "父亲", "母亲", "爸爸", "妈妈", "丈夫", "妻子", "爱人", "老公", "老婆", "前妻", "前夫", "哥哥", "姐姐", "弟弟",
    "妹妹", "姑姑", "姑父", "叔叔", "婶婶", "舅舅", "舅妈", "阿姨", "姨妈", "爷爷", "奶奶", "外公", "外婆", "公公",
    "婆婆", "岳父", "岳母", "女婿", "儿媳", "亲属", "家属", "家人", "亲戚", "之妻", "之夫", "之子", "之女", "之父",
    "之母", "之兄", "之弟", "之姐", "之妹", "其妻", "其夫", "其子", "其女", "其父", "其母", "组长", "车主", "店主",
    "店长", "干部", "文书", "村医", "父母", "业户", "个体户", "摊主", "商户", "雇主", "师傅",
    "户名", "收款人", "付款人", "持卡人", "监护人", "被监护人", "继承人", "死者", "伤者", "受害人", "受害者",
    "施工方", "包工头", "承包商", "本人", "署名", "签名", "落款", "陈述人", "证明人", "代笔人",
    "姓名", "名叫", "叫做", "我叫", "他叫", "她叫", "名字叫", "名为",
)
# What may follow a person's name written after a boundary (，马骁腾驾驶…; 。王启航报警).
PERSON_WORDS_AFTER_NAME = (
    "驾驶", "报警", "本人", "夫妻", "夫妇", "一家", "家中", "家里", "等人", "等户", "之妻", "之子", "之女", "之父",
    "之母", "老宅", "名下", "户口", "说", "称", "表示", "认为", "同意", "签订", "签字", "承担", "负责", "协商",
    "联系", "反映", "投诉", "举报", "要求", "提出", "多次", "长期", "经常", "因病", "生病", "去世", "死亡", "患有",
    "居住", "现住", "住在", "家住", "系", "现年", "今年", "年满", "出生", "拒绝", "拒不", "私自", "强行", "殴打",
    "辱骂", "威胁", "霸占", "阻挠", "的父亲", "的母亲", "的儿子", "的女儿", "的妻子", "的丈夫", "的房",
    "的宅基地", "先后", "再次", "提供", "监护", "照料", "照顾", "父亲", "母亲", "儿子", "女儿", "妻子", "丈夫",
    "老人", "家属", "之妻", "同志", "党员", "为", "本人", "都", "竟", "电话", "手机", "言语", "网友", "在",
    "的叔叔", "的哥哥", "的姐姐", "的弟弟", "的妹妹", "的家", "提交", "扬言",
    "”网友",
)
# Characters before a name that a person's verb may follow (与侯小川本人联系, 由雷秋菊名下管业, 石桥铺村胡青山党员).
PREPOSITIONS_BEFORE_NAME = frozenset("与和向给让找对被由经把同跟及将叫村组有")

# --- public numbers -----------------------------------------------------------------------------------------

# An organisation named right before a number: the number is the organisation's (…经侦大队电话39969120,
# 拨打服务咨询电话（0914-2035672）, 建委电话：65850251). Looked for in the few characters before the number.
PUBLIC_PHONE_CUE = re.compile(
    r"(?:局|中心|大队|中队|支队|分局|派出所|办公室|信访办|办公|办|热线|服务|咨询|客服|大厅|窗口|科|股|所|站|院|委|"
    r"公司|学校|医院|银行|社区|街道|政府|平台|举报|投诉|监督|值班|专线|传真)"
    r"(?:的)?(?:电话|座机|号码|联系电话|咨询电话|服务电话|热线|值班电话|举报电话|投诉电话)?[：:\s（(是为]*$"
)
# Words that make a number a private person's even in an official reply (诉求人电话, 您的手机, 本人座机).
PRIVATE_PHONE_CUE = re.compile(r"(?:我的|我家|本人|家里|家中|宅电|住宅|手机|您的|你的|诉求人|反映人|投诉人|举报人|"
                               r"来信人|当事人|网友)[^，。；\n]{0,6}$")
