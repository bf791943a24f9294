"""A realistic benchmark corpus: N messages built as variants of the real texts in ../shared/data.

The generated-text benches repeat a few templates (over half of a 1M corpus are near-duplicates), which
flatters every step that is linear in distinct text. This corpus starts from the ~15,000 real letters and
replies of ../shared/data and makes each row a *variant* of one of them, the way a city's year of messages
looks: new ids, submission dates spread over 2024–2025, sentences dropped or spliced in from other letters,
numbers and districts swapped, a reply (the letter's own where it has one, else another letter's) about
``reply_ratio`` of the time. Rows average about 1.6 KB (title + content + reply, UTF-8).

Nothing of the data is written into the repository: the texts are read at run time and the CSV goes to a
temporary or cache directory. Deterministic for a given (count, seed) and data folder.

    python bench/_corpus_real.py --rows 200000 [--out corpus.csv] [--seed 16] [--no-dup-check]

prints the corpus size, its mean row size and its near-duplicate share (MinHash over character bigrams, the
scheme of ``analysis.text.dedup``, Jaccard >= 0.8). Other benches import it:

    from _corpus_real import corpus_csv, corpus_records, real_data_available
    path = corpus_csv(200_000)           # cached CSV under var/bench-corpus/, importable by `hotline-monitor import`
    for record in corpus_records(200_000): ...   # store.records.MessageRecord, straight into upsert_messages
    letters = load_letters(); bases = corpus_bases(200_000, letters=letters)
    letters[bases[i]].origin             # (data file name, its own id) of the real letter row i is a variant of

The origin id is the one the export itself uses (受理编号 of 大连, mail_id of 商洛, 留言编号 of the teddycup files),
as in ``bench/topics_real_annotations.json``.

The leading underscore keeps ``make bench`` from running this file as a bench.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HOTLINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
CACHE = ROOT / "var" / "bench-corpus"
CSV_HEADERS = ["受理编号", "标题", "诉求内容", "受理时间", "诉求类型", "办理单位", "办理状态", "办理结果", "办结时间"]
KINDS = ["投诉", "咨询", "求助", "建议", "举报", "表扬"]
KIND_WEIGHTS = [40, 30, 12, 10, 6, 2]
SOURCES = [("corpus-12345", "hotline"), ("corpus-mailbox", "mailbox"), ("corpus-board", "feedback")]

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")
_NUMBER = re.compile(r"\d+")
# District names, gathered from the data at run time (never listed here): the anonymised codes of the
# teddycup letters (A3区, K7县) and the districts that open the responsible units' names (…区/…县 of 受理单位).
_CODED_DISTRICT = re.compile(r"[A-Z]\d{1,2}[区县]")
_UNIT_DISTRICT = re.compile(r"^(?:[\u4e00-\u9fff]{2}市)?([\u4e00-\u9fff]{2,3}?[区县])")
_NOT_DISTRICT_TAIL = ("社区", "小区", "园区")
_YEAR = re.compile(r"(?:19|20)\d\d")


def real_data_available() -> bool:
    return all((DATA / name).exists() for name in _FILES)


@dataclass(frozen=True)
class Letter:
    title: str
    content: str
    reply: str
    unit: str
    origin: tuple[str, str] = ("", "")  # (data file name, the file's own id of the letter); no part of the rows


def _xlsx_rows(path: Path) -> Iterator[dict[str, str]]:
    import openpyxl

    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    headers = [str(h or "").strip() for h in next(rows)]
    for row in rows:
        yield {h: ("" if v is None else str(v)).strip() for h, v in zip(headers, row, strict=False)}


def _csv_rows(path: Path, encoding: str) -> Iterator[dict[str, str]]:
    with open(path, encoding=encoding, newline="", errors="replace") as fh:
        for row in csv.DictReader(fh):
            yield {k: (v or "").strip() for k, v in row.items() if k}


_VOTES = "teddycup2020c_附件3_messages_with_votes.xlsx"
_REPLIES = "teddycup2020c_附件4_messages_with_replies.xlsx"
_DEV = "teddycup2020c_classification_dev.csv"
_DALIAN = "dalian_mailbox_2018_gb18030.csv"
_SHANGLUO = "shangluo_mayor_mailbox_2012_2022.csv"


def _teddy_votes() -> Iterator[Letter]:
    for r in _xlsx_rows(DATA / _VOTES):
        yield Letter(r.get("留言主题", ""), r.get("留言详情", ""), "", "", (_VOTES, r.get("留言编号", "")))


def _teddy_replies() -> Iterator[Letter]:
    for r in _xlsx_rows(DATA / _REPLIES):
        yield Letter(r.get("留言主题", ""), r.get("留言详情", ""), r.get("答复意见", ""), "",
                     (_REPLIES, r.get("留言编号", "")))


def _teddy_dev() -> Iterator[Letter]:
    for r in _csv_rows(DATA / _DEV, "utf-8-sig"):
        content = r.get("留言详情") or r.get("留言主题+留言详情", "")
        yield Letter(r.get("留言主题", ""), content, "", "", (_DEV, r.get("留言编号", "")))


def _dalian() -> Iterator[Letter]:
    for r in _csv_rows(DATA / _DALIAN, "gb18030"):
        yield Letter(r.get("反映标题", ""), r.get("反映内容", ""), r.get("答复内容", ""), r.get("受理单位", ""),
                     (_DALIAN, r.get("受理编号", "")))


def _shangluo() -> Iterator[Letter]:
    for r in _csv_rows(DATA / _SHANGLUO, "utf-8-sig"):
        yield Letter(r.get("title", ""), r.get("query", ""), r.get("reply", ""), r.get("reply_agency", ""),
                     (_SHANGLUO, r.get("mail_id", "")))


_FILES = {_VOTES: _teddy_votes, _REPLIES: _teddy_replies, _DEV: _teddy_dev, _DALIAN: _dalian, _SHANGLUO: _shangluo}


def load_letters() -> list[Letter]:
    """Every real letter with text, in file order (deterministic)."""
    letters: list[Letter] = []
    for reader in _FILES.values():
        letters.extend(letter for letter in reader() if len(letter.content) >= 10)
    return letters


class VariantMaker:
    """Makes variants of the real letters; one instance, one seeded random stream."""

    def __init__(self, letters: list[Letter], seed: int, reply_ratio: float = 0.8) -> None:
        self.rng = random.Random(seed)
        self.letters = letters
        self.reply_ratio = reply_ratio
        self.sentences = [_SENTENCE.findall(letter.content) or [letter.content] for letter in letters]
        self.replies = [letter.reply for letter in letters if len(letter.reply) >= 20]
        self.units = sorted({letter.unit for letter in letters if 2 <= len(letter.unit) <= 30}) or ["市政府办公室"]
        counts: Counter[str] = Counter()
        for letter in letters:
            counts.update(_CODED_DISTRICT.findall(letter.title + letter.content))
            if match := _UNIT_DISTRICT.match(letter.unit):
                counts[match.group(1)] += 1
        self.districts = sorted(name for name, count in counts.items()
                                if count >= 3 and not name.endswith(_NOT_DISTRICT_TAIL))
        self.district_pattern = re.compile("|".join(sorted(map(re.escape, self.districts), key=len, reverse=True))
                                           or r"(?!x)x")

    def _number(self, match: re.Match[str]) -> str:
        digits = match.group()
        if len(digits) == 4 and _YEAR.fullmatch(digits):  # a year stays a plausible year
            return str(self.rng.randrange(2015, 2026))
        if len(digits) == 1:
            return str(self.rng.randrange(1, 10))
        width = min(len(digits), 12)  # long digit runs (ids, card numbers) keep at most 12 digits
        return str(self.rng.randrange(10 ** (width - 1), 10 ** width))

    def _swap(self, text: str, districts: dict[str, str]) -> str:
        """Numbers renewed, districts moved (``districts``: this message's mapping, kept across its title,
        content and reply so that the letter stays about one place)."""
        text = _NUMBER.sub(self._number, text)
        if self.districts:
            text = self.district_pattern.sub(
                lambda m: districts.setdefault(m.group(), self.rng.choice(self.districts)), text)
        return text

    def message(self, base: int) -> tuple[str, str, str, str]:
        """(title, content, reply, unit) of one variant of letter ``base``."""
        rng = self.rng
        letter = self.letters[base]
        sentences = self.sentences[base]
        kept = [s for s in sentences if rng.random() < 0.75] or [rng.choice(sentences)]
        for _ in range(rng.choice((0, 1, 1, 2, 3))):  # splice sentences of another letter in
            other = self.sentences[rng.randrange(len(self.sentences))]
            kept.insert(rng.randrange(len(kept) + 1), rng.choice(other))
        districts: dict[str, str] = {}
        content = self._swap("".join(kept), districts)
        title = self._swap(letter.title, districts) if letter.title else content[:20]
        reply = ""
        if rng.random() < self.reply_ratio:
            reply = letter.reply if len(letter.reply) >= 20 else rng.choice(self.replies)
            reply = self._swap(reply, districts)
        unit = letter.unit if letter.unit in self.units else rng.choice(self.units)
        return title, content, reply, unit


_START = datetime(2024, 1, 1)
_MINUTES = 2 * 365 * 24 * 60  # 2024-01-01 .. 2025-12-31


def corpus_items(count: int, seed: int = 16, letters: list[Letter] | None = None) -> Iterator[tuple[int, list[str]]]:
    """(base, row) per message: ``row`` as ``corpus_rows`` gives it, ``base`` the index in ``letters`` (default
    ``load_letters()``) of the real letter it is a variant of."""
    letters = letters if letters is not None else load_letters()
    maker = VariantMaker(letters, seed)
    rng = random.Random(seed + 1)
    for i in range(count):
        base = rng.randrange(len(letters))
        title, content, reply, unit = maker.message(base)
        submitted = _START + timedelta(minutes=rng.randrange(_MINUTES))
        replied = submitted + timedelta(days=rng.randrange(1, 16), minutes=rng.randrange(600)) if reply else None
        yield base, [
            f"RC{seed:02d}{i:08d}", title, content, f"{submitted:%Y-%m-%d %H:%M:%S}",
            rng.choices(KINDS, KIND_WEIGHTS)[0], unit, "已办结" if reply else "办理中", reply,
            f"{replied:%Y-%m-%d %H:%M:%S}" if replied else "",
        ]


def corpus_rows(count: int, seed: int = 16, letters: list[Letter] | None = None) -> Iterator[list[str]]:
    """The rows of the CSV (CSV_HEADERS), one per message, in a deterministic order."""
    for _base, row in corpus_items(count, seed, letters):
        yield row


def corpus_bases(count: int, seed: int = 16, letters: list[Letter] | None = None) -> list[int]:
    """Per row of ``corpus_rows(count, seed)``, the index in ``letters`` (default ``load_letters()``) of the real
    letter it is a variant of (``letters[base].origin`` names it). Replays the generator: as long as making the
    rows (about 7,000 a second)."""
    return [base for base, _row in corpus_items(count, seed, letters)]


def corpus_records(count: int, seed: int = 16) -> Iterator[tuple[str, str, object]]:
    """(source name, channel, MessageRecord) per message, for benches that write straight into a store.

    Messages are spread over three sources (hotline, mailbox, board) of one city, as in a deployment.
    """
    from store.records import MessageRecord

    for row in corpus_rows(count, seed):
        ext_id, title, content, submitted, kind, unit, status, reply, replied = row
        source, channel = SOURCES[int(ext_id[-1]) % len(SOURCES)]
        yield source, channel, MessageRecord(
            channel=channel, content=content, title=title, external_id=ext_id,
            submitted_at=datetime.fromisoformat(submitted), kind=kind, unit=unit, status=status,
            reply_text=reply or None, reply_unit=unit if reply else None,
            replied_at=datetime.fromisoformat(replied) if replied else None, ref=ext_id,
        )


def _data_fingerprint() -> str:
    digest = hashlib.sha1()
    for name in sorted(_FILES):
        stat = (DATA / name).stat()
        digest.update(f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    digest.update(Path(__file__).read_bytes())  # a change to the generator makes a new corpus
    return digest.hexdigest()[:10]


def write_csv(path: Path, count: int, seed: int = 16) -> Path:
    tmp = path.with_suffix(".partial")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADERS)
        writer.writerows(corpus_rows(count, seed))
    tmp.replace(path)
    return path


def corpus_csv(count: int, seed: int = 16, cache: Path = CACHE) -> Path:
    """The corpus as an importable UTF-8 CSV, built once and cached (keyed by size, seed, data and generator)."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"realistic_{count}_{seed}_{_data_fingerprint()}.csv"
    if not path.exists():
        write_csv(path, count, seed)
    return path


def near_duplicate_share(texts: list[str], threshold: float = 0.8) -> float:
    """Share of messages that are a near-duplicate of an earlier one (character bigram sets, MinHash+LSH)."""
    import numpy as np
    from scipy import sparse

    sys.path.insert(0, str(ROOT))
    from analysis.text.dedup import groups_from_signatures, minhash_signatures

    signatures = []
    for start in range(0, len(texts), 20_000):  # bounded memory: one chunk's bigrams at a time
        indptr = [0]
        indices: list[np.ndarray] = []
        for text in texts[start:start + 20_000]:
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
            bigrams = np.unique((codes[:-1] * 1_000_003 + codes[1:]) % (1 << 24)) if len(codes) > 1 else codes
            indices.append(bigrams)
            indptr.append(indptr[-1] + len(bigrams))
        flat = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
        binary = sparse.csr_matrix((np.ones(len(flat), dtype=np.int8), flat, np.asarray(indptr)),
                                   shape=(len(indptr) - 1, 1 << 24))
        signatures.append(minhash_signatures(binary))
    groups = groups_from_signatures(np.concatenate(signatures)) if texts else np.zeros(0, dtype=np.int64)
    return float((groups != np.arange(len(texts))).mean()) if len(texts) else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, help="write the CSV here (default: the cache under var/bench-corpus/)")
    parser.add_argument("--no-dup-check", action="store_true", help="skip the near-duplicate share")
    args = parser.parse_args()
    if not real_data_available():
        print(f"skipped: the real data is not at {DATA} (set HOTLINE_SHARED_DATA); no realistic corpus")
        return 0
    began = time.perf_counter()
    path = write_csv(args.out, args.rows, args.seed) if args.out else corpus_csv(args.rows, args.seed)
    built = time.perf_counter() - began
    size = path.stat().st_size
    print(f"realistic corpus: {args.rows:,} messages from {len(load_letters()):,} real letters -> {path} "
          f"({size / 2**20:,.0f} MiB, {size / max(args.rows, 1):,.0f} bytes a row; {built:.0f} s)")
    if not args.no_dup_check:
        with open(path, encoding="utf-8", newline="") as fh:
            texts = [row[1] + "\n" + row[2] for row in csv.reader(fh)][1:]
        share = near_duplicate_share(texts)
        print(f"near-duplicates (title+content, Jaccard >= 0.8 on character bigrams): {share:.1%} "
              f"({round(share * len(texts)):,} messages)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
