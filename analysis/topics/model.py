"""The recurring-issue clustering model: message features and the ``TopicClusterer`` estimator.

Features (``message_features(title, content)``): the word tokens of ``analysis.text.tokenize`` (title words
counted ``title_repeat`` times, since a title states the problem), plus *entity features*: place and
organisation names (…小区/…花园/…路/…街道/…村/…学校/…公司…) found in the segmented text, as ``@name`` (the
whole name) and ``#xy`` (character bigrams of the name without its suffix, so 保利麓谷林语小区 and 麓谷林语
still share most features). ``TopicClusterer`` weighs entity features up (``entity_weight``) and generic
petition words down (``generic_weight``), since "the same problem at the same place" is what makes a topic.

Clustering (linear in the number of messages apart from small blocks):

1. TF-IDF (sublinear tf) on the features, column weights, rows L2-normalised.
2. Blocking: every message goes to the block of its strongest place/organisation feature (else its strongest
   word). Blocks larger than ``max_block`` are first split by MiniBatchKMeans (``random_state``).
3. Within a block: average-linkage agglomerative clustering on cosine distance, cut at
   ``1 - similarity_threshold``.
4. Across blocks: cluster centroids (truncated to ``centroid_terms`` terms) closer than ``merge_threshold``
   are merged (candidates found through shared rare terms, never all pairs), and messages left alone are
   attached to the nearest centroid at ``attach_threshold`` or more.
5. Place + problem: clusters (lone messages too) that name the same place and whose *word* centroids (places
   left out) are at least ``place_problem_threshold`` alike become one topic: one problem told in different
   words at one place joins, two problems at one place stay apart (``_merge_place_problem``).

Candidate scores everywhere are sparse products of L2-normalised chunks against the other side's rare-term
columns (``chunk @ other_rare.T``): memory bounded by the pairs that share a rare term, no row gathered per pair.

``partial_fit(features)`` folds new messages into the fitted model: each joins the nearest existing centroid
(at ``attach_threshold``) or, for the rest, fresh clusters found among themselves with the same steps (labels
numbered after the existing ones); the batch's labels are in ``batch_labels_``.
Deterministic: no step depends on hash seeds or thread timing.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

__all__ = ["ENTITY_SUFFIXES", "GENERIC_WORDS", "TopicClusterer", "extract_entities", "features_from_parts",
           "message_feature_parts", "message_features"]

# Endings of place and organisation names. Longest first: 幼儿园 before 园.
ENTITY_SUFFIXES = tuple(sorted(
    [
        "小区", "花园", "家园", "公寓", "新村", "新城", "苑", "大厦", "广场", "路", "大道", "街", "大街", "巷",
        "街道", "社区", "村", "镇", "乡", "园", "城", "府", "湾", "庭", "郡", "学校", "小学", "中学", "幼儿园",
        "大学", "学院", "医院", "卫生院", "公司", "集团", "市场", "超市", "商场", "工地", "项目", "车站", "公园",
        "厂", "银行", "酒店", "宾馆", "楼盘", "号院", "景区", "湖", "桥", "站",
    ],
    key=len, reverse=True))
# Words that only say "a petition": they must not make two messages similar.
GENERIC_WORDS = frozenset(
    [
        "问题", "反映", "希望", "部门", "领导", "政府", "市民", "居民", "咨询", "投诉", "建议", "处理", "解决",
        "尽快", "要求", "请求", "关注", "重视", "一下", "情况", "现象", "严重", "影响", "导致", "造成", "存在",
        "出现", "发生", "进行", "工作", "有关", "相关", "及时", "多次", "一直", "至今", "长期", "已经", "仍然",
        "还是", "还有", "不知", "知道", "觉得", "认为", "表示", "看到", "告知", "联系", "打电话", "电话", "网友",
        "留言", "来信", "答复", "回复", "市长", "书记", "区长", "县长", "局长", "主任", "工作人员", "同志", "群众",
        "老百姓", "百姓", "大家", "生活", "问问", "办理", "落实", "a", "市", "区", "县", "省", "镇", "街道", "社区",
        "小区", "业主", "物业", "单位", "公司", "学校", "家长", "孩子", "我们", "你们", "他们", "这个", "那个",
        "时间", "今年", "去年", "现在", "目前", "每天", "晚上", "早上", "年", "月", "日", "号", "元", "万元", "多",
        "很多", "非常", "特别", "真的", "根本",
    ]
)
_ADMIN_PIECES = frozenset(["a", "市", "区", "县", "省", "州", "镇", "乡"])
_ADMIN_LEAD = re.compile(r"^[区县市省]+")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_GENERIC_NAME_CORES = frozenset(
    [
        "我们", "你们", "他们", "这个", "那个", "该", "本", "某", "一个", "一家", "附近", "周边", "周围", "对面",
        "旁边", "门口", "隔壁", "整个", "全", "各", "每个", "物业", "开发", "房地产", "建筑", "施工", "公交",
        "出租车", "城市", "农村", "乡村", "道路", "马路", "街", "小", "大", "老", "新", "本地", "当地", "我家",
        "私立", "民办", "公办", "公立", "该小", "学", "医", "工", "商", "按", "距", "离", "近", "从", "往", "位于",
        "临近", "靠近", "紧邻", "旁", "边", "排", "入", "进",
    ]
)
_MAX_PREFIX_CHARS = 6


_SUFFIX_SET = frozenset(ENTITY_SUFFIXES)
_SUFFIX_LENGTHS = sorted({len(s) for s in ENTITY_SUFFIXES}, reverse=True)
_SUFFIX_LAST_CHARS = frozenset(s[-1] for s in ENTITY_SUFFIXES)


@lru_cache(maxsize=1 << 18)
def _entity_suffix(piece: str) -> str | None:
    """The longest entity suffix ``piece`` ends with (cached: this runs for every word of every message)."""
    for length in _SUFFIX_LENGTHS:
        if len(piece) >= length and piece[-length:] in _SUFFIX_SET:
            return piece[-length:]
    return None


def extract_entities(pieces: Sequence[str], stopwords: frozenset[str] = frozenset()) -> list[str]:
    """Place and organisation names in segmented text: a piece ending in an entity suffix, joined with the
    name-like Chinese pieces right before it (up to six characters, stopping at stopwords, administrative
    pieces and punctuation), in its one spelling (``_canonical_entity``: the estate tail 小区/社区… dropped).
``['A5','区','魅力','之','城','小区']`` gives ``['魅力之城']`` (checked in ``tests/topics/test_topic_model.py``)."""
    names: list[str] = []
    # Only pieces ending in the last character of some suffix can end a name: a comprehension finds them
    # without a function call per piece.
    for index in [i for i, piece in enumerate(pieces) if piece[-1:] in _SUFFIX_LAST_CHARS]:
        piece = pieces[index]
        suffix = _entity_suffix(piece)
        if suffix is None:
            continue
        name = piece
        prefix_chars = len(piece) - len(suffix)
        back = index - 1
        while back >= 0 and prefix_chars < _MAX_PREFIX_CHARS:
            previous = pieces[back]
            if (not _HAN.match(previous) or previous.lower() in _ADMIN_PIECES
                    or (previous in stopwords and previous != "之")
                    or previous in _GENERIC_NAME_CORES or _entity_suffix(previous) is not None
                    or prefix_chars + len(previous) > _MAX_PREFIX_CHARS + 2):
                break
            name = previous + name
            prefix_chars += len(previous)
            back -= 1
        name = _ADMIN_LEAD.sub("", name) if len(name) > 3 else name
        core = name[: len(name) - len(suffix)]
        if len(core) < 2 or core in _GENERIC_NAME_CORES or not _HAN.match(core):
            continue
        names.append(_canonical_entity(name))
    return names


_ESTATE_TAIL = re.compile(r"(?:小区|社区|居委会|片区|项目)$")


def _canonical_entity(name: str) -> str:
    """One spelling per place: 丽发新城小区 / 丽发新城社区 / 丽发新城 are all 丽发新城."""
    stripped = _ESTATE_TAIL.sub("", name)
    return stripped if len(stripped) >= 3 or (len(stripped) == 2 and stripped != name) else name


TITLE_REPEAT = 2  # title words count this many times: a title states the problem


def message_features(title: str | None, content: str | None, title_repeat: int = TITLE_REPEAT) -> list[str]:
    """Feature strings of one message: word tokens (title words repeated) + ``@entity`` + ``#bigram``."""
    return features_from_parts(*message_feature_parts(title, content), title_repeat=title_repeat)


def message_feature_parts(title: str | None, content: str | None) -> tuple[list[str], list[str], list[str], list[str]]:
    """What ``message_features`` is made of: (title words, content words, title place names, content place
    names); ``analysis.topics.features`` stores these once per text."""
    from analysis.text.normalise import normalise_for_features
    from analysis.text.tokenize import get_tokenizer

    tokenizer = get_tokenizer()
    stopwords = tokenizer.stopwords
    parts: list[list[str]] = []
    for text in (title, content):
        if not text:
            parts.append([])
            parts.append([])
            continue
        pieces = tokenizer.segment(normalise_for_features(text))
        # A word starts with a letter, a digit or a CJK ideograph (the test _HAN makes, on one character).
        parts.append([p for p in pieces if p not in stopwords and (p[0].isalnum() or "\u4e00" <= p[0] <= "\u9fff")])
        parts.append(extract_entities(pieces, stopwords))
    title_words, title_places, content_words, content_places = parts
    return title_words, content_words, title_places, content_places


def features_from_parts(title_words: list[str], content_words: list[str], title_places: list[str],
                        content_places: list[str], title_repeat: int = TITLE_REPEAT) -> list[str]:
    """``message_features`` from its parts (see ``message_feature_parts``)."""
    features = title_words * title_repeat + content_words
    for name in title_places * title_repeat + content_places:
        features.append("@" + name)
        suffix = _entity_suffix(name) or ""
        core = name[: len(name) - len(suffix)]
        features.extend("#" + core[i:i + 2] for i in range(len(core) - 1))
    return features


def _identity(features: list[str]) -> list[str]:
    # Module-level (not a lambda) so fitted vectorizers pickle.
    return features


def _average_linkage_labels(block: sparse.csr_matrix, threshold: float) -> np.ndarray:
    """Cluster numbers (0-based) of the rows of one small block."""
    n = block.shape[0]
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    similarity = (block @ block.T).toarray()
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    upper = np.triu_indices(n, k=1)
    tree = linkage(distance[upper], method="average")
    return fcluster(tree, t=1.0 - threshold, criterion="distance").astype(np.int64) - 1


def _truncate_rows(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Keep the ``keep`` largest entries of every row, then L2-normalise."""
    matrix = sparse.csr_matrix(matrix)
    lengths = np.diff(matrix.indptr)
    if lengths.max(initial=0) <= keep:
        return normalize(matrix)
    data, indices, indptr = [], [], [0]
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        values = matrix.data[start:end]
        cols = matrix.indices[start:end]
        if end - start > keep:
            top = np.argpartition(-values, keep - 1)[:keep]
            values, cols = values[top], cols[top]
        data.append(values)
        indices.append(cols)
        indptr.append(indptr[-1] + len(values))
    result = sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.asarray(indptr)), shape=matrix.shape
    )
    result.sort_indices()
    return normalize(result)


def _join_without_chaining(vectors: sparse.csr_matrix, weights: np.ndarray, rare: np.ndarray, left: np.ndarray,
                           right: np.ndarray, scores: np.ndarray, threshold: float | np.ndarray) -> np.ndarray:
    """Groups of the rows of ``vectors`` joined along the links (``left``, ``right``), strongest ``scores``
    first, each join made only while the two groups' centroids (``weights``-weighted sums of their rows) stay
    alike: cosine over the ``rare`` columns >= ``threshold`` (one for all links, or one per link). Returns the
    lowest row of each row's group.

    Connected components of the links would chain: A~B and B~C join A and C however unlike they are, and at a
    million letters generic organisation names (区政府, 自来水公司) linked one topic of a quarter of the corpus."""
    n_rows = vectors.shape[0]
    if len(left) == 0:
        return np.arange(n_rows)
    parent = list(range(n_rows))
    order = np.lexsort((right, left, -scores))
    thresholds = np.broadcast_to(np.asarray(threshold, dtype=np.float64), scores.shape)[order].tolist()
    rare_columns = set(np.flatnonzero(rare).tolist())
    # per group root: its summed vector, the rare part of it, and its squared norm
    summed: dict[int, dict[int, float]] = {}
    rare_part: dict[int, dict[int, float]] = {}
    norm2: dict[int, float] = {}

    def group(row: int) -> int:
        root = row
        while parent[root] != root:
            root = parent[root]
        while parent[row] != root:  # path compression
            parent[row], row = root, parent[row]
        return root

    def vector_of(root: int) -> dict[int, float]:
        if root not in summed:
            start, end = vectors.indptr[root], vectors.indptr[root + 1]
            values = (vectors.data[start:end] * float(weights[root])).tolist()
            summed[root] = dict(zip(vectors.indices[start:end].tolist(), values, strict=True))
            rare_part[root] = {c: v for c, v in summed[root].items() if c in rare_columns}
            norm2[root] = sum(v * v for v in values)
        return summed[root]

    for i, j, needed in zip(left[order].tolist(), right[order].tolist(), thresholds, strict=True):
        a, b = group(i), group(j)
        if a == b:
            continue
        vector_a, vector_b = vector_of(a), vector_of(b)
        if len(rare_part[a]) > len(rare_part[b]):
            a, b, vector_a, vector_b = b, a, vector_b, vector_a
        dot = sum(v * vector_b.get(c, 0.0) for c, v in rare_part[a].items())
        if dot < needed * math.sqrt(norm2[a] * norm2[b]):
            continue
        keep, gone = (a, b) if a < b else (b, a)  # the lowest row names the group
        small, large = (vector_a, vector_b) if len(vector_a) <= len(vector_b) else (vector_b, vector_a)
        total2 = norm2[a] + norm2[b]
        for c, v in small.items():  # |A + B|^2 = |A|^2 + |B|^2 + 2 A.B over all shared columns
            total2 += 2 * v * large.get(c, 0.0)
            large[c] = large.get(c, 0.0) + v
        rare_large = rare_part[a] if large is vector_a else rare_part[b]
        for c in rare_part[a] if large is vector_b else rare_part[b]:
            rare_large[c] = large[c]
        parent[gone] = keep
        summed[keep], rare_part[keep], norm2[keep] = large, rare_large, total2
        for by_root in (summed, rare_part, norm2):
            by_root.pop(gone)
    return np.fromiter((group(row) for row in range(n_rows)), dtype=np.int64, count=n_rows)


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0..k-1 in order of first appearance (deterministic)."""
    _unique, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse]


class TopicClusterer(ClusterMixin, BaseEstimator):
    """Recurring-issue clustering of feature lists (see the module docstring).

    Parameters
    ----------
    similarity_threshold : average cosine similarity within a block cluster (cut of the dendrogram).
    merge_threshold : centroid cosine above which two clusters from different blocks merge.
    same_place_merge_threshold : the same, for two clusters whose messages name the same place first
        (the dendrogram cut is strict for purity; this heals "搅拌站"/"搅拌厂" at one estate).
    attach_threshold : cosine to a centroid above which a lone or new message joins that cluster.
    entity_weight : multiplier of place/organisation features (``@name``, ``#bigram`` gets half of it).
    generic_weight : multiplier of ``GENERIC_WORDS``.
    min_df, max_df : vocabulary limits (``max_df`` as a share drops words found everywhere).
    max_block : the largest block clustered directly; bigger ones are split by MiniBatchKMeans first.
    centroid_terms : terms kept in each centroid (memory and speed of matching).
    rare_term_df : terms in more rows than this are not used to find or score candidates.
    place_problem_threshold : problem-word cosine above which clusters naming the same place merge (0: off).
    random_state : seed of the MiniBatchKMeans splits.

    Learned state: ``vectorizer_``, ``tfidf_``, ``column_weight_``, ``labels_``, ``similarity_``
    (cosine of each message to its centroid), ``centroids_`` (CSR, one row per label), ``sizes_``,
    ``word_bigrams_`` (word columns × their character bigrams, built once per vocabulary: half a million words
    at a year of letters); after ``partial_fit``, ``batch_labels_`` and ``batch_similarity_`` of the last batch.
    """

    def __init__(self, similarity_threshold: float = 0.45, merge_threshold: float = 0.55,
                 same_place_merge_threshold: float = 0.45, attach_threshold: float = 0.6,
                 entity_weight: float = 1.0, generic_weight: float = 0.2,
                 min_df: int = 1, max_df: float = 0.2, max_block: int = 1500, centroid_terms: int = 40,
                 rare_term_df: int = 500, place_problem_threshold: float = 0.35, random_state: int = 0):
        self.similarity_threshold = similarity_threshold
        self.merge_threshold = merge_threshold
        self.same_place_merge_threshold = same_place_merge_threshold
        self.attach_threshold = attach_threshold
        self.entity_weight = entity_weight
        self.generic_weight = generic_weight
        self.min_df = min_df
        self.max_df = max_df
        self.max_block = max_block
        self.centroid_terms = centroid_terms
        self.rare_term_df = rare_term_df
        self.place_problem_threshold = place_problem_threshold
        self.random_state = random_state

    # -- features --------------------------------------------------------------------------------------

    def _column_kinds(self) -> None:
        """Which columns are place/organisation names (``@``) and which are words (neither ``@`` nor ``#``)."""
        names = self.vectorizer_.get_feature_names_out()
        self.entity_mask_ = np.fromiter((name[:1] == "@" for name in names), dtype=bool, count=len(names))
        self.word_mask_ = np.fromiter((name[:1] not in ("@", "#") for name in names), dtype=bool, count=len(names))
        self.word_bigrams_ = self._word_bigrams(np.flatnonzero(self.word_mask_))

    def _column_weights(self) -> np.ndarray:
        self._column_kinds()
        names = self.vectorizer_.get_feature_names_out()
        weights = np.ones(len(names), dtype=np.float32)
        for index, name in enumerate(names):
            if name.startswith("@"):
                weights[index] = self.entity_weight
            elif name.startswith("#"):
                weights[index] = self.entity_weight / 2
            elif name in GENERIC_WORDS:
                weights[index] = self.generic_weight
        return weights

    def transform(self, features: Sequence[list[str]]) -> sparse.csr_matrix:
        """Weighted, L2-normalised TF-IDF rows of feature lists (words unseen in fitting are ignored)."""
        counts = self.vectorizer_.transform(features)
        return self._weigh(counts)

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        matrix = self.tfidf_.transform(counts).astype(np.float32)
        matrix = sparse.csr_matrix(matrix @ sparse.diags(self.column_weight_))
        return normalize(matrix)

    def _fit_features(self, features: Sequence[list[str]]) -> sparse.csr_matrix:
        n_docs = len(features)
        max_df = self.max_df if n_docs >= 50 else 1.0  # tiny corpora: every word may be shared
        self.vectorizer_ = CountVectorizer(analyzer=_identity, min_df=self.min_df, max_df=max_df,
                                           dtype=np.float32)
        try:
            counts = self.vectorizer_.fit_transform(features)
        except ValueError:  # no feature survived the limits: fall back to every feature
            self.vectorizer_ = CountVectorizer(analyzer=_identity, dtype=np.float32)
            counts = self.vectorizer_.fit_transform([f or ["∅"] for f in features])
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        self.column_weight_ = self._column_weights()
        return self._weigh(counts)

    # -- clustering ------------------------------------------------------------------------------------

    def fit(self, features: Sequence[list[str]], y=None) -> TopicClusterer:
        matrix = self._fit_features(features)
        self.labels_ = self._cluster(matrix)
        self._finish(matrix)
        return self

    def _block_keys(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """The strongest entity feature of each row (``@`` columns), else its strongest feature."""
        entity_columns = np.flatnonzero(self.entity_mask_)
        entity_part = sparse.csr_matrix(matrix[:, entity_columns]) if len(entity_columns) else None
        overall = np.asarray(matrix.argmax(axis=1)).ravel()
        keys = overall.astype(np.int64)
        if entity_part is not None and entity_part.nnz:
            has_entity = np.diff(entity_part.indptr) > 0
            best = np.asarray(entity_part.argmax(axis=1)).ravel()
            keys[has_entity] = entity_columns[best[has_entity]]
        empty = np.diff(matrix.indptr) == 0
        keys[empty] = -1 - np.flatnonzero(empty)  # an empty message is its own block
        return keys

    def _cluster(self, matrix: sparse.csr_matrix) -> np.ndarray:
        n_docs = matrix.shape[0]
        labels = np.full(n_docs, -1, dtype=np.int64)
        if n_docs == 0:
            return labels
        keys = self._block_keys(matrix)
        order = np.argsort(keys, kind="stable")
        boundaries = np.flatnonzero(np.diff(keys[order])) + 1
        next_label = 0
        for rows in np.split(order, boundaries):
            if len(rows) == 1:
                labels[rows[0]] = next_label
                next_label += 1
                continue
            for part in self._split_block(matrix, rows):
                block_labels = _average_linkage_labels(matrix[part], self.similarity_threshold)
                labels[part] = next_label + block_labels
                next_label += int(block_labels.max()) + 1
        labels = self._merge_clusters(matrix, _relabel(labels), keys)
        labels = self._attach_singletons(matrix, labels)
        labels = self._merge_place_problem(matrix, _relabel(labels))
        return _relabel(labels)

    def _split_block(self, matrix: sparse.csr_matrix, rows: np.ndarray) -> list[np.ndarray]:
        if len(rows) <= self.max_block:
            return [rows]
        from sklearn.cluster import MiniBatchKMeans

        parts = math.ceil(2 * len(rows) / self.max_block)
        kmeans = MiniBatchKMeans(n_clusters=parts, random_state=self.random_state, n_init=1,
                                 batch_size=2048)
        assignment = kmeans.fit_predict(matrix[rows])
        result: list[np.ndarray] = []
        for part in range(parts):
            members = rows[assignment == part]
            if len(members) > self.max_block:  # k-means rarely leaves one part this big: cut it in slices
                result.extend(np.array_split(members, math.ceil(len(members) / self.max_block)))
            elif len(members):
                result.append(members)
        return result

    def _centroids(self, matrix: sparse.csr_matrix, labels: np.ndarray) -> sparse.csr_matrix:
        n_labels = int(labels.max()) + 1 if len(labels) else 0
        indicator = sparse.csr_matrix(
            (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
            shape=(n_labels, len(labels)),
        )
        return _truncate_rows(indicator @ matrix, self.centroid_terms)

    def _rare_columns(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """Columns in at most ``rare_term_df`` rows of ``matrix``: the terms that find and score candidates."""
        return np.asarray((matrix > 0).sum(axis=0)).ravel() <= self.rare_term_df

    def _candidate_pairs(self, left: sparse.csr_matrix, right: sparse.csr_matrix, threshold: float,
                         same: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(i, j, score) with score >= threshold between rows of ``left`` and ``right``; ``same``: left is
        right, keep i < j. The score is the dot product over the *rare* terms (in at most ``rare_term_df``
        rows of ``right``): one sparse product ``chunk @ right_rare.T`` per chunk of L2-normalised rows, never a
        gathered row per pair, never all pairs. It equals the cosine when every shared term is rare (any
        corpus of a few thousand letters) and is a lower bound of it otherwise (the common terms left out
        carry little idf weight)."""
        right_rare_t = sparse.csr_matrix(right @ sparse.diags(self._rare_columns(right).astype(np.float32))).T.tocsr()
        right_rare_t.eliminate_zeros()
        found_i, found_j, found_s = [], [], []
        chunk = 2000
        for start in range(0, left.shape[0], chunk):
            stop = min(start + chunk, left.shape[0])
            scores = (left[start:stop] @ right_rare_t).tocoo()
            keep = scores.data >= threshold
            i = scores.row[keep].astype(np.int64) + start
            j = scores.col[keep].astype(np.int64)
            score = scores.data[keep].astype(np.float64)
            if same:
                upper = i < j
                i, j, score = i[upper], j[upper], score[upper]
            if len(i):
                found_i.append(i)
                found_j.append(j)
                found_s.append(score)
        if not found_i:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        return np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_s)

    def _merge_clusters(self, matrix: sparse.csr_matrix, labels: np.ndarray, keys: np.ndarray) -> np.ndarray:
        sizes = np.bincount(labels)
        groups = np.flatnonzero(sizes >= 2)
        if len(groups) < 2:
            return labels
        group_key = np.zeros(len(sizes), dtype=np.int64)
        group_key[labels] = keys  # every member of a block cluster shares the block key
        group_key = group_key[groups]
        centroids = self._centroids(matrix, labels)[groups]
        lowest = min(self.merge_threshold, self.same_place_merge_threshold)
        i, j, cosine = self._candidate_pairs(centroids, centroids, lowest, same=True)
        same_place = group_key[i] == group_key[j]
        keep = (cosine >= self.merge_threshold) | (same_place & (cosine >= self.same_place_merge_threshold))
        i, j, cosine, same_place = i[keep], j[keep], cosine[keep], same_place[keep]
        joined = _join_without_chaining(
            centroids, sizes[groups].astype(np.float64), self._rare_columns(centroids), i, j, cosine,
            np.where(same_place, self.same_place_merge_threshold, self.merge_threshold))
        mapping = np.arange(len(sizes))
        mapping[groups] = groups[joined]
        return mapping[labels]

    def _attach_singletons(self, matrix: sparse.csr_matrix, labels: np.ndarray) -> np.ndarray:
        sizes = np.bincount(labels)
        groups = np.flatnonzero(sizes >= 2)
        lonely = np.flatnonzero(sizes[labels] == 1)
        if len(groups) == 0 or len(lonely) == 0:
            return labels
        centroids = self._centroids(matrix, labels)[groups]
        i, j, cosine = self._candidate_pairs(matrix[lonely], centroids, self.attach_threshold, same=False)
        if len(i) == 0:
            return labels
        order = np.lexsort((j, -cosine, i))  # per message the best centroid first (ties: lowest label)
        i, j = i[order], j[order]
        first = np.concatenate(([True], i[1:] != i[:-1]))
        labels = labels.copy()
        labels[lonely[i[first]]] = groups[j[first]]
        return labels

    def _merge_place_problem(self, matrix: sparse.csr_matrix, labels: np.ndarray) -> np.ndarray:
        """Second pass: clusters (lone messages included) whose *place* is the same and whose *problem* is
        alike become one topic, whatever words each used. A cluster's place is the place/organisation feature
        (``@name``) that at least half of its messages name (a cluster may have several); its problem is the centroid
        of its word features only (places and name bigrams left out), so two problems at one place (an
        estate's heating and its illegal building) stay apart while 搅拌站/搅拌厂 噪音/粉尘 at one estate join.
        Candidates are compared only within one place, through one sparse product per place."""
        if not self.place_problem_threshold or len(labels) == 0:
            return labels
        n_labels = int(labels.max()) + 1
        entity, words = self.entity_mask_, self.word_mask_
        indicator = sparse.csr_matrix(
            (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))), shape=(n_labels, len(labels)))
        sizes = np.bincount(labels, minlength=n_labels)
        places = sparse.csr_matrix(matrix[:, np.flatnonzero(entity)] > 0, dtype=np.float32)
        named = sparse.csr_matrix(indicator @ places)  # per cluster: how many of its messages name each place
        if named.nnz == 0:
            return labels
        # every place named by at least half of a cluster's messages: (cluster, place) pairs, grouped by place
        named = named.tocoo()
        dominant = named.data * 2 >= np.maximum(sizes[named.row], 1)
        pair_cluster, pair_place = named.row[dominant].astype(np.int64), named.col[dominant].astype(np.int64)
        if len(pair_cluster) < 2:
            return labels
        # places named by very many clusters (a district, a big employer) say too little to merge on
        place_clusters = np.bincount(pair_place, minlength=named.shape[1])
        specific = place_clusters[pair_place] <= self.max_block
        membership = sparse.csr_matrix(
            (np.ones(int(specific.sum()), dtype=np.float32), (pair_cluster[specific], pair_place[specific])),
            shape=(n_labels, named.shape[1]))
        membership_t = membership.T.tocsr()
        word_columns = np.flatnonzero(words)
        problems = sparse.csr_matrix(indicator @ matrix[:, word_columns])
        # words and their character bigrams: 搅拌站 and 搅拌厂 share 搅拌, whatever the segmenter made of them
        if not hasattr(self, "word_bigrams_"):  # a model saved before it was learned state
            self.word_bigrams_ = self._word_bigrams(word_columns)
        problems = _truncate_rows(sparse.hstack([problems, problems @ self.word_bigrams_]).tocsr(),
                                  2 * self.centroid_terms)
        rare = self._rare_columns(problems)
        problems_rare_t = sparse.csr_matrix(problems @ sparse.diags(rare.astype(np.float32))).T.tocsr()
        sources: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        chunk = 2000
        for start in range(0, n_labels, chunk):
            stop = min(start + chunk, n_labels)
            # problem-alike (sparse product over rare words) AND sharing a place (sparse product of memberships)
            alike = problems[start:stop] @ problems_rare_t
            alike.data[alike.data < self.place_problem_threshold] = 0
            both = alike.multiply((membership[start:stop] @ membership_t) > 0).tocoo()
            rows = both.row.astype(np.int64) + start
            upper = (rows < both.col) & (both.data > 0)
            sources.append(rows[upper])
            targets.append(both.col[upper].astype(np.int64))
            scores.append(both.data[upper].astype(np.float64))
        merged = _join_without_chaining(problems, sizes, rare, np.concatenate(sources), np.concatenate(targets),
                                        np.concatenate(scores), self.place_problem_threshold)
        return merged[labels]

    def _word_bigrams(self, word_columns: np.ndarray) -> sparse.csr_matrix:
        """(words × character bigrams) 0/1 matrix of the given vocabulary columns (words of one character map
        to nothing)."""
        names = self.vectorizer_.get_feature_names_out()[word_columns]
        index: dict[str, int] = {}
        rows, cols = [], []
        for row, word in enumerate(names):
            for gram in dict.fromkeys(word[k:k + 2] for k in range(len(word) - 1)):
                rows.append(row)
                cols.append(index.setdefault(gram, len(index)))
        return sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                 shape=(len(names), max(len(index), 1)))

    def _finish(self, matrix: sparse.csr_matrix) -> None:
        self.sizes_ = np.bincount(self.labels_) if len(self.labels_) else np.zeros(0, dtype=np.int64)
        self.centroids_ = self._centroids(matrix, self.labels_) if len(self.labels_) else sparse.csr_matrix(
            (0, matrix.shape[1]), dtype=np.float32)
        self.similarity_ = self._similarity_to_centroid(matrix, self.labels_)

    def _similarity_to_centroid(self, matrix: sparse.csr_matrix, labels: np.ndarray) -> np.ndarray:
        if len(labels) == 0:
            return np.zeros(0)
        return np.asarray(matrix.multiply(self.centroids_[labels]).sum(axis=1)).ravel()

    # -- incremental -----------------------------------------------------------------------------------

    def partial_fit(self, features: Sequence[list[str]], y=None) -> TopicClusterer:
        """Fold new messages into the fitted clusters (scikit-learn's in-place update): each joins an existing
        label when a centroid is close enough, else gets a new label (numbered after the existing ones) from
        clustering the rest among themselves. The vocabulary stays the fitted one; ``centroids_`` and
        ``sizes_`` grow to include the new members. The batch's labels and centroid similarities are
        ``batch_labels_`` and ``batch_similarity_``."""
        matrix = self.transform(features)
        n_new = matrix.shape[0]
        labels = np.full(n_new, -1, dtype=np.int64)
        existing = len(self.sizes_)
        if n_new == 0:
            self.batch_labels_, self.batch_similarity_ = labels, np.zeros(0)
            return self
        active = np.flatnonzero(self.sizes_ >= 2)
        if len(active):
            i, j, cosine = self._candidate_pairs(matrix, self.centroids_[active], self.attach_threshold,
                                                 same=False)
            if len(i):
                order = np.lexsort((j, -cosine, i))
                i, j = i[order], j[order]
                first = np.concatenate(([True], i[1:] != i[:-1]))
                labels[i[first]] = active[j[first]]
        rest = np.flatnonzero(labels < 0)
        if len(rest):
            labels[rest] = existing + self._cluster(matrix[rest])
        self._absorb(matrix, labels)
        self.batch_labels_ = labels
        self.batch_similarity_ = self._similarity_to_centroid(matrix, labels)
        return self

    def _absorb(self, matrix: sparse.csr_matrix, labels: np.ndarray) -> None:
        """Fold new members into the centroids (size-weighted mean of old centroid and new rows)."""
        n_labels = int(max(labels.max() + 1, len(self.sizes_)))
        new_sizes = np.bincount(labels, minlength=n_labels)
        old_sizes = np.zeros(n_labels, dtype=np.int64)
        old_sizes[: len(self.sizes_)] = self.sizes_
        old = sparse.vstack([
            self.centroids_,
            sparse.csr_matrix((n_labels - self.centroids_.shape[0], self.centroids_.shape[1]), dtype=np.float32),
        ]).tocsr()
        indicator = sparse.csr_matrix(
            (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
            shape=(n_labels, len(labels)),
        )
        summed = sparse.diags(old_sizes.astype(np.float32)) @ old + indicator @ matrix
        self.centroids_ = _truncate_rows(summed, self.centroid_terms)
        self.sizes_ = old_sizes + new_sizes
