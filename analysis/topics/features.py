"""Topic features once per text: the ``message_features`` table, keyed by the messages' ``content_hash``.

    from analysis.topics.features import load_features, with_features, complete, question_tokens
    stored = load_features(session, message_ids)  # message id -> Stored(text, candidates), computed if missing
    stored = complete(session, session.execute(with_features(...).where(...)).all())   # the same for any query
    stored[message_id].features()                 # == model.message_features(title, content)
    question_tokens(stored[message_id].parts)     # title words + content words (what reply quality compares)

A text is normalised, segmented and featurised once (``analysis.topics.model.message_feature_parts`` over the
``analysis.executor`` workers) and stored; full and incremental runs, topic descriptions and reply quality
read the stored parts. A stored row counts only under the current ``feature_version()``: a fingerprint of
``FEATURE_VERSION`` (bump it when the feature code changes: normalisation, segmentation rules, entity
extraction, ``keyword_candidate``), the segmenter and every dictionary or word list involved; rows of another
version are recomputed.

Encoding (``parts``): four lines — title words, content words, title place names, content place names — items
separated by one space. Pieces never hold whitespace (segmentation splits at it), so the encoding is exact.
``candidates``: how many of the message's features ``keyword_candidate`` accepts (a topic's keyword scores are
shares of the sum of these over its members).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, case, delete, func, select
from sqlalchemy.orm import Session

from analysis import DATA_DIR
from store.models import Message
from store.models.topics import MessageFeatures

__all__ = ["FEATURE_VERSION", "Parts", "Stored", "complete", "decode", "drop_other_versions", "encode",
           "feature_version", "features_of", "fill_missing", "keyword_candidate", "load_features",
           "question_tokens", "stored_texts", "with_features"]

FEATURE_VERSION = 1
Parts = tuple[list[str], list[str], list[str], list[str]]
_CHUNK = 500  # ids or hashes per IN (...) list
_TEXTS_PER_BATCH = 20_000  # texts featurised (and held) at once by ``fill_missing``
_FILLER_FILE = DATA_DIR / "label_filler.txt"


class Stored(NamedTuple):
    text: str  # the encoded parts
    candidates: int

    @property
    def parts(self) -> Parts:
        return decode(self.text)

    def features(self) -> list[str]:
        return features_of(self.parts)


def feature_version() -> str:
    """``FEATURE_VERSION`` + the segmenter and every dictionary and word list, as 16 hex digits."""
    from analysis.text.tokenize import get_tokenizer
    from store.settings import get_settings

    tokenizer = get_tokenizer()
    digest = hashlib.sha1(f"{FEATURE_VERSION}|{tokenizer.backend}|".encode())
    try:
        digest.update(metadata.version(tokenizer.backend).encode())
    except metadata.PackageNotFoundError:
        pass
    for name in ("userdict.txt", "stopwords.txt"):
        digest.update(resources.files("analysis.data").joinpath(name).read_bytes())
    digest.update(_FILLER_FILE.read_bytes())
    settings = get_settings()
    for key in ("text.userdict_extra", "text.stopwords_extra"):
        extra = settings.get(key)
        if extra:
            digest.update(Path(extra).read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def _filler_words() -> frozenset[str]:
    lines = _FILLER_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


_LETTER_CODE = re.compile(r"[a-z]\d*")
_ADMINISTRATIVE_END = re.compile(r"[市区县省]$")


@lru_cache(maxsize=200000)
def keyword_candidate(word: str) -> bool:
    """A word that may be a keyword before idf and names are looked at: not a place (@) or column (#) feature,
    not generic, filler, a number, a letter code or a word with an administrative character glued on."""
    from analysis.topics.model import GENERIC_WORDS

    return (word[0] not in "@#" and word not in GENERIC_WORDS and len(word) > 1 and word not in _filler_words()
            and not word.isdigit() and not _LETTER_CODE.fullmatch(word)
            # the segmenter sometimes glues an administrative character on (市伊, 县东, 开区)
            and not (len(word) == 2 and (word[0] in "市区县" or word[-1] in "市区县"))
            and not _ADMINISTRATIVE_END.search(word))


def encode(parts: Parts) -> str:
    return "\n".join(" ".join(items) for items in parts)


def decode(text: str) -> Parts:
    return tuple(line.split(" ") if line else [] for line in text.split("\n"))  # type: ignore[return-value]


def features_of(parts: Parts) -> list[str]:
    """The feature list of ``model.message_features`` from stored parts."""
    from analysis.topics.model import features_from_parts

    return features_from_parts(*parts)


def question_tokens(parts: Parts) -> list[str]:
    """Title words then content words: what ``analysis.text.tokenize.tokens(f"{title} {content}")`` gives when
    title and content normalise alike apart (see ``analysis.quality.reply_quality``)."""
    return parts[0] + parts[1]


def _features_chunk(pairs: list[tuple[str | None, str | None]]) -> list[tuple[str, int]]:
    from analysis.topics.model import TITLE_REPEAT, message_feature_parts

    rows = []
    for title, content in pairs:
        parts = message_feature_parts(title, content)
        # place features (@, #) are never candidates; title words count as often as in the features
        candidates = TITLE_REPEAT * sum(map(keyword_candidate, parts[0])) + sum(map(keyword_candidate, parts[1]))
        rows.append((encode(parts), candidates))
    return rows


def with_features(*columns: Any) -> Select:
    """``select(*columns, message id, content hash, stored parts or NULL, stored candidates, and title and
    content where nothing is stored)``: texts are only read where they still need featurising. Feed the rows to
    ``complete``."""
    missing = MessageFeatures.parts.is_(None)
    return select(*columns, Message.id, Message.content_hash, MessageFeatures.parts, MessageFeatures.candidates,
                  case((missing, Message.title)), case((missing, Message.content))).outerjoin(
        MessageFeatures, and_(MessageFeatures.content_hash == Message.content_hash,
                              MessageFeatures.version == feature_version()))


def complete(session: Session, rows: Sequence[Sequence[Any]], *, store: bool = True,
             others_dropped: bool = False) -> dict[int, Stored]:
    """Features per message id from rows ending as ``with_features`` selects them: stored ones decoded, the
    missing ones computed once per text (over the ``analysis.executor`` workers) and stored unless ``store`` is
    False (``others_dropped``: rows of other versions are gone already, nothing needs replacing)."""
    from analysis.executor import map_chunks

    todo: dict[str, tuple[str | None, str | None]] = {}
    for *_columns, _message_id, content_hash, parts, _candidates, title, content in rows:
        if parts is None:
            todo.setdefault(content_hash, (title, content))
    computed = dict(zip(todo, map_chunks(_features_chunk, list(todo.values())), strict=True))
    if store and computed:
        _store(session, computed, others_dropped=others_dropped)
    result: dict[int, Stored] = {}
    for *_columns, message_id, content_hash, parts, candidates, _title, _content in rows:
        if parts is None:
            parts, candidates = computed[content_hash]
        result[message_id] = Stored(parts, candidates)
    return result


def _store(session: Session, computed: dict[str, tuple[str, int]], *, others_dropped: bool) -> None:
    hashes = list(computed)
    if not others_dropped:
        for start in range(0, len(hashes), _CHUNK):
            session.execute(delete(MessageFeatures).where(
                MessageFeatures.content_hash.in_(hashes[start:start + _CHUNK])))
    version = feature_version()
    session.execute(MessageFeatures.__table__.insert(), [
        {"content_hash": h, "version": version, "parts": parts, "candidates": candidates}
        for h, (parts, candidates) in computed.items()])


def fill_missing(session: Session, where: Sequence[Any] = (), *, others_dropped: bool = False) -> int:
    """Featurise and store the texts of the messages matching ``where`` (SQLAlchemy conditions on ``Message``)
    that have no features of the current version, ``_TEXTS_PER_BATCH`` texts at a time: a first run over a
    year of letters never holds all their texts. Returns how many texts were featurised."""
    from analysis.executor import map_chunks_later, one_behind, reusing_workers

    missing = (select(Message.content_hash, func.min(Message.id))
               .outerjoin(MessageFeatures, and_(MessageFeatures.content_hash == Message.content_hash,
                                                MessageFeatures.version == feature_version()))
               .where(MessageFeatures.parts.is_(None), *where)
               .group_by(Message.content_hash).order_by(func.min(Message.id)))
    todo = session.execute(missing).all()  # (hash, a message with that text): small next to the texts

    def started() -> Iterator[tuple[list[str], Callable[[], list[Any]]]]:
        for start in range(0, len(todo), _TEXTS_PER_BATCH):
            batch = dict((message_id, content_hash)
                         for content_hash, message_id in todo[start:start + _TEXTS_PER_BATCH])
            ids = list(batch)
            texts = {row.id: (row.title, row.content) for first in range(0, len(ids), _CHUNK)
                     for row in session.execute(select(Message.id, Message.title, Message.content)
                                                .where(Message.id.in_(ids[first:first + _CHUNK])))}
            yield [batch[i] for i in ids], map_chunks_later(_features_chunk, [texts[i] for i in ids])

    # one pool for every batch (its workers load the dictionaries once); while it featurises a batch, this
    # process reads the next one's texts and stores the one before
    with reusing_workers():
        for hashes, computed in one_behind(started()):
            _store(session, dict(zip(hashes, computed, strict=True)), others_dropped=others_dropped)
    return len(todo)


def stored_texts(session: Session, hashes: Sequence[str]) -> dict[str, str]:
    """Encoded parts of the current version by content hash, for those hashes that have them (nothing computed)."""
    version = feature_version()
    unique = list(dict.fromkeys(hashes))
    found: dict[str, str] = {}
    for start in range(0, len(unique), _CHUNK):
        found.update(session.execute(
            select(MessageFeatures.content_hash, MessageFeatures.parts)
            .where(MessageFeatures.content_hash.in_(unique[start:start + _CHUNK]),
                   MessageFeatures.version == version)).all())
    return found


def drop_other_versions(session: Session) -> None:
    """Remove rows of other feature versions (a full run does, before it stores what it computes)."""
    session.execute(delete(MessageFeatures).where(MessageFeatures.version != feature_version()))


def load_features(session: Session, message_ids: Sequence[int], *, store: bool = True) -> dict[int, Stored]:
    """Features of the given messages (stored, else computed, and stored unless ``store`` is False)."""
    ids = list(dict.fromkeys(message_ids))
    rows = [row for start in range(0, len(ids), _CHUNK)
            for row in session.execute(with_features().where(Message.id.in_(ids[start:start + _CHUNK])))]
    return complete(session, rows, store=store)
