"""Chinese word segmentation for features.

Public API (for routing, topics, hot list):

``tokens(text) -> list[str]``
    Feature tokens of a raw message: ``analysis.text.normalise.normalise_for_features`` (HTML, widths, traditional →
    simplified, boilerplate removed), segmentation, then stopwords, punctuation and whitespace dropped.
    Place and estate names (…小区/…花园/…路/…街道/…村) come out whole.

``analyzer``
    The same function under the name scikit-learn expects: ``TfidfVectorizer(analyzer=analyzer)``. It is a
    module-level function, so fitted vectorizers pickle by reference.

``segment(text) -> list[str]``
    Every piece of the text in order (words, numbers, Latin runs, punctuation), whitespace dropped, no
    normalisation and no filtering: ``"".join(segment(t)) == t`` without its whitespace.

``get_tokenizer() -> Tokenizer``
    The process-wide tokenizer, built once on first use (thread-safe). Build a private ``Tokenizer(...)``
    when you need another dictionary; never touch jieba's global instance (other code may configure it).

Segmenters: jieba (the reference) through a private ``jieba.Tokenizer``, or rjieba (jieba-rs), which gives
the same words on Chinese runs (measured by ``bench/tokenize_bench.py``) about ten times faster. Both only
ever see runs of Chinese characters: digits and Latin letters are split by our own rule, which is where the
two libraries differ. ``text.segmenter = auto`` picks rjieba when installed.

Data files shipped in ``analysis/data``: ``userdict.txt`` (government vocabulary, jieba format ``word freq
tag``) and ``stopwords.txt`` (one a line); ``#`` starts a comment line.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from analysis.text.normalise import normalise_for_features

__all__ = [
    "Tokenizer",
    "get_tokenizer",
    "reset_tokenizer",
    "tokens",
    "tokens_of_normalised",
    "analyzer",
    "segment",
    "load_user_dictionary",
    "load_stopwords",
    "PLACE_SUFFIXES",
]

log = logging.getLogger(__name__)

# Chinese runs go to the segmenter; alphanumeric runs (with inner . - _ : as in 2016.7.7, G2018-0026) are
# one token; anything else (punctuation, symbols) is a token of its own; whitespace separates.
_RUN = re.compile(
    r"(?P<han>[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]+)"
    r"|(?P<alnum>[A-Za-z0-9]+(?:[._:\-][A-Za-z0-9]+)*%?)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
_HAS_WORD_CHAR = re.compile(r"[\w\u4e00-\u9fff]")
_HAN_SPLIT = re.compile(r"([\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]+)")
_BARRIER = "\n"


@lru_cache(maxsize=65536)
def _other_pieces(text: str) -> tuple[str, ...]:
    """Pieces of text without Chinese characters (alphanumeric runs, single symbols), whitespace dropped.
    Cached: the same punctuation and short numbers recur between the Chinese runs of every message."""
    return tuple(m.group() for m in _RUN.finditer(text) if m.lastgroup != "space")

# A token ending a place or estate name; merged with the name-like token before it (阳光+花园+小区).
PLACE_SUFFIXES = frozenset(
    "小区 花园 家园 公寓 新村 新城 苑 大厦 广场 路 大道 街 大街 巷 胡同 街道 社区 村 镇 乡 "
    "街道办 街道办事处 居委会 社区居委会 村委会".split()
)
_SINGLE_CHAR_SUFFIXES = frozenset(w for w in PLACE_SUFFIXES if len(w) == 1) | {"区", "县", "市"}
# Dictionary tags of a word that can start a proper place name: nouns, place/person/organisation names,
# abbreviations. Verbs (进入小区), pronouns (我们村), numerals (一条路), locatives (附近小区) cannot.
_NAME_TAGS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nz", "nt", "j", "ng"})
# Nouns that often stand before an estate word without naming it.
_GENERIC_BEFORE_PLACE = frozenset(
    "城市 城区 市区 农村 乡村 全村 物业 商业 周边 对面 附近 门口 隔壁 居民 业主 社区 小区 街道 道路".split()
)

_PACKAGE_DATA = "analysis.data"


@dataclass(frozen=True)
class DictionaryEntry:
    word: str
    freq: int
    tag: str


def _read_lines(path: Path | None, package_file: str) -> Iterable[tuple[str, int, str]]:
    """(source name, line number, stripped line) of a data file, comments and blanks skipped."""
    if path is None:
        text = resources.files(_PACKAGE_DATA).joinpath(package_file).read_text(encoding="utf-8")
        name = f"analysis/data/{package_file}"
    else:
        text = Path(path).read_text(encoding="utf-8")
        name = str(path)
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield name, number, line


def load_user_dictionary(path: Path | None = None) -> list[DictionaryEntry]:
    """Entries of a jieba-format user dictionary (default: the shipped one). Bad lines raise, naming them."""
    entries = []
    for name, number, line in _read_lines(path, "userdict.txt"):
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit():
            raise ValueError(f"{name} line {number}: expected 'word freq tag', got {line!r}")
        entries.append(DictionaryEntry(parts[0], int(parts[1]), parts[2]))
    return entries


def load_stopwords(path: Path | None = None) -> frozenset[str]:
    """The stopword set (default: the shipped list)."""
    return frozenset(line for _name, _number, line in _read_lines(path, "stopwords.txt"))


class _JiebaSegmenter:
    name = "jieba"

    def __init__(self, entries: list[DictionaryEntry]):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()  # private: the global jieba.dt stays untouched
        self._tokenizer.initialize()
        for entry in entries:
            self._tokenizer.add_word(entry.word, entry.freq, entry.tag)

    def cut(self, run: str) -> list[str]:
        return list(self._tokenizer.cut(run, HMM=True))


class _RjiebaSegmenter:
    name = "rjieba"

    def __init__(self, entries: list[DictionaryEntry]):
        import rjieba

        self._tokenizer = rjieba.Jieba()  # its own instance, not rjieba's module-level default
        for entry in entries:
            self._tokenizer.add_word(entry.word, entry.freq, entry.tag)

    def cut(self, run: str) -> list[str]:
        return self._tokenizer.cut(run, True)


_SEGMENTERS = {"jieba": _JiebaSegmenter, "rjieba": _RjiebaSegmenter}


def _resolve_backend(backend: str) -> str:
    if backend == "auto":
        try:
            import rjieba  # noqa: F401
        except ImportError:
            return "jieba"
        return "rjieba"
    if backend not in _SEGMENTERS:
        raise ValueError(f"unknown segmenter {backend!r}: choose auto, jieba or rjieba (setting text.segmenter)")
    return backend


def _load_word_tags(entries: list[DictionaryEntry]) -> dict[str, str]:
    """Part-of-speech tag of every dictionary word (jieba's main dictionary, then ours)."""
    import jieba

    tags: dict[str, str] = {}
    with jieba.get_dict_file() as fh:
        for raw in fh:
            parts = raw.decode("utf-8").split()
            if len(parts) >= 3:
                tags[parts[0]] = parts[2]
    for entry in entries:
        tags[entry.word] = entry.tag
    return tags


class Tokenizer:
    """Segmenter + user dictionary + stopwords. Building one loads dictionaries (about a second); share it.

    ``backend``: ``auto`` (rjieba when installed, else jieba), ``jieba`` or ``rjieba``.
    ``userdict`` / ``stopwords``: extra files added to the shipped ones (None: only the shipped ones).
    """

    def __init__(self, backend: str = "auto", userdict: Path | None = None, stopwords: Path | None = None):
        entries = load_user_dictionary()
        if userdict:
            entries += load_user_dictionary(Path(userdict))
        self.backend = _resolve_backend(backend)
        self._segmenter = _SEGMENTERS[self.backend](entries)
        self.stopwords = load_stopwords() | (load_stopwords(Path(stopwords)) if stopwords else frozenset())
        self._tags = _load_word_tags(entries)
        self._name_like: dict[str, bool] = {}  # _can_name_place per word (grows with the vocabulary only)

    # -- segmentation --------------------------------------------------------------------------------

    def _can_name_place(self, word: str) -> bool:
        known = self._name_like.get(word)
        if known is None:
            known = self._name_like[word] = self._compute_can_name_place(word)
        return known

    def _compute_can_name_place(self, word: str) -> bool:
        if len(word) < 2 or word in self.stopwords or word in _GENERIC_BEFORE_PLACE:
            return False
        tag = self._tags.get(word)
        # A word the dictionary does not know was built by the HMM from unusual characters: a proper name.
        return tag is None or tag in _NAME_TAGS

    def segment(self, text: str) -> list[str]:
        """All pieces of ``text`` in order, whitespace dropped, nothing normalised or filtered."""
        # parts: other, Chinese run, other, Chinese run, ..., other. The Chinese runs go to the segmenter in
        # one call, joined by a newline: segmenters split at whitespace first, so each run is cut as on its
        # own, and each newline comes back where the next other text's pieces belong.
        parts = _HAN_SPLIT.split(text or "")
        pieces = list(_other_pieces(parts[0]))
        if len(parts) == 1:
            return pieces
        run_start = len(pieces)  # place names merge within one Chinese run only
        other = 2
        tags, can_name_place, append = self._tags, self._can_name_place, pieces.append
        for word in self._segmenter.cut(_BARRIER.join(parts[1::2])):
            if word == _BARRIER:
                pieces.extend(_other_pieces(parts[other]))
                other += 2
                run_start = len(pieces)
                continue
            if word in PLACE_SUFFIXES:
                # A merged name is unknown to the dictionary, so it takes a further suffix: 阳光+花园+小区.
                if len(pieces) > run_start and can_name_place(pieces[-1]):
                    pieces[-1] += word
                    continue
            elif (len(word) >= 3 and word[0] in _SINGLE_CHAR_SUFFIXES and word[-1] in _SINGLE_CHAR_SUFFIXES
                    and word not in tags and len(pieces) > run_start and can_name_place(pieces[-1])):
                # The HMM glues a one-character suffix to the next unknown name (青石 + 镇柳溪村): give the
                # suffix back to the name before it when the rest is a place name of its own.
                pieces[-1] += word[0]
                word = word[1:]
                if word in PLACE_SUFFIXES and can_name_place(pieces[-1]):
                    pieces[-1] += word
                    continue
            append(word)
        pieces.extend(_other_pieces(parts[other]))
        return pieces

    def tokens(self, text: str) -> list[str]:
        """Feature tokens: normalised text, segmented, without stopwords, punctuation or symbols."""
        return self.tokens_of_normalised(normalise_for_features(text))

    def tokens_of_normalised(self, text: str) -> list[str]:
        """``tokens`` for text already through ``normalise_for_features`` (saves normalising twice)."""
        return [
            piece
            for piece in self.segment(text)
            if piece not in self.stopwords and _HAS_WORD_CHAR.match(piece) and piece != "_"
        ]


_shared: Tokenizer | None = None
_shared_lock = threading.Lock()


def get_tokenizer() -> Tokenizer:
    """The process-wide Tokenizer, configured from the ``text.*`` settings and built once."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                backend, userdict, stopwords = "auto", None, None
                try:
                    from store.settings import get_settings

                    settings = get_settings()
                    backend = settings.get("text.segmenter")
                    userdict = settings.get("text.userdict_extra") or None
                    stopwords = settings.get("text.stopwords_extra") or None
                except (ImportError, KeyError):  # settings not declared yet: shipped defaults
                    pass
                _shared = Tokenizer(backend=backend, userdict=userdict, stopwords=stopwords)
                log.debug("tokenizer ready: %s", _shared.backend)
    return _shared


def reset_tokenizer() -> None:
    """Forget the shared tokenizer (tests, or after changing text.* settings)."""
    global _shared
    with _shared_lock:
        _shared = None


def tokens(text: str) -> list[str]:
    """Feature tokens of ``text`` with the shared tokenizer (see the module docstring)."""
    return get_tokenizer().tokens(text)


def tokens_of_normalised(text: str) -> list[str]:
    """Feature tokens of text already normalised by ``normalise_for_features`` (an analyzer for pipelines
    that normalise once and feed several vectorizers)."""
    return get_tokenizer().tokens_of_normalised(text)


def segment(text: str) -> list[str]:
    """Every piece of ``text`` with the shared tokenizer, unfiltered (see the module docstring)."""
    return get_tokenizer().segment(text)


# scikit-learn calls analyzer(doc) -> list of features; a module-level function pickles by reference.
analyzer = tokens
