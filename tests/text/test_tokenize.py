"""Segmentation: government vocabulary and place names whole, stopwords out, the same words from both
segmenters, and a private tokenizer that leaves jieba's global one alone."""
import pickle

import pytest

from analysis.text import tokenize
from analysis.text.tokenize import Tokenizer, load_stopwords, load_user_dictionary

SENTENCES = [
    "我想咨询公积金贷款和不动产登记，一网通办能不能办营业执照？",
    "社保卡丢了怎么补办，医保报销要带什么材料",
    "物业公司不作为，小区的电梯坏了半个月",
    "拆迁补偿款一直没有到位，村委会推诿扯皮",
    "孩子今年幼升小，学区划片到底按什么标准",
    "12345热线打了三次都没有人接，ETC办理也很慢",
    "我住在阳光花园小区，进入小区的路灯坏了",
    "青石镇柳溪村到镇上的一条路没有硬化",
]


@pytest.fixture(scope="module")
def tokenizers():
    return {name: Tokenizer(backend=name) for name in ("jieba", "rjieba")}


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_government_terms_stay_whole(tokenizers, backend):
    words = tokenizers[backend].segment(SENTENCES[0] + SENTENCES[1])
    for term in ("公积金贷款", "不动产登记", "一网通办", "营业执照", "社保卡", "医保报销"):
        assert term in words, (term, words)


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_numbers_and_latin_runs_stay_whole(tokenizers, backend):
    words = tokenizers[backend].segment(SENTENCES[5])
    assert "12345" in words and "ETC" in words


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_estate_and_village_names_stay_whole(tokenizers, backend):
    tokenizer = tokenizers[backend]
    assert "阳光花园小区" in tokenizer.segment(SENTENCES[6])
    words = tokenizer.segment(SENTENCES[7])
    assert "柳溪村" in words
    # a verb, a numeral or a pronoun before the suffix does not make a place name
    assert "进入小区" not in tokenizer.segment(SENTENCES[6])
    assert "一条路" not in words


def test_segment_loses_nothing_but_whitespace(tokenizers):
    text = "市民 反映：3号楼\t电梯（A座）坏了!!"
    assert "".join(tokenizers["rjieba"].segment(text)) == "市民反映：3号楼电梯（A座）坏了!!"


def test_tokens_drop_stopwords_punctuation_and_boilerplate(tokenizers):
    words = tokenizers["rjieba"].tokens("尊敬的领导您好！我们小区的物业费太贵了，谢谢！")
    assert "物业费" in words
    for dropped in ("我们", "的", "了", "！", "，", "领导", "您好", "谢谢"):
        assert dropped not in words


def test_both_segmenters_agree(tokenizers):
    for sentence in SENTENCES:
        assert tokenizers["jieba"].segment(sentence) == tokenizers["rjieba"].segment(sentence)


def test_private_tokenizer_leaves_global_jieba_untouched(tokenizers):
    import jieba

    assert "一网通办" not in jieba.dt.FREQ  # our dictionary went into the private instance only


def test_shared_tokenizer_is_built_once():
    tokenize.reset_tokenizer()
    first = tokenize.get_tokenizer()
    assert tokenize.get_tokenizer() is first
    assert tokenize.tokens("营业执照") == ["营业执照"]


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="text.segmenter"):
        Tokenizer(backend="nonesuch")


def test_analyzer_pickles_inside_a_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=tokenize.analyzer).fit(SENTENCES)
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert "营业执照" in restored.vocabulary_
    assert restored.transform(["营业执照"]).nnz == 1


def test_shipped_data_files_parse():
    entries = load_user_dictionary()
    assert {"公积金", "不动产登记", "一网通办", "营业执照", "医保", "社保卡", "学区", "物业", "拆迁"} <= {
        e.word for e in entries}
    assert {"的", "您好", "谢谢"} <= load_stopwords()


def test_bad_user_dictionary_line_is_named(tmp_path):
    path = tmp_path / "extra.txt"
    path.write_text("好词 100 n\n坏行没有频率\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"extra.txt line 2"):
        load_user_dictionary(path)


def test_extra_user_dictionary_is_used(tmp_path):
    path = tmp_path / "extra.txt"
    path.write_text("青禾驿站 50000 nz\n", encoding="utf-8")
    assert "青禾驿站" in Tokenizer(backend="rjieba", userdict=path).segment("青禾驿站门口堆满垃圾")
