"""Person names on real letters: the shipped detector against part-of-speech taggers that install offline.

On the letters of bench/pii_real_annotations.json (read and annotated by hand), each approach marks person
names in title, content and reply; reported: recall of the annotated names, the share of name-masked
characters that are no personal data, and speed (characters/s, CPU). Field by field: the letter-level
consistency of ``redact_letter`` (a name found once masked everywhere) is left out for all approaches alike.

- rules: ``analysis.privacy.names`` + the cue detector of ``analysis.privacy.redact`` (names only), what ships;
- jieba posseg: words tagged ``nr`` starting with a surname (jieba is a dependency already);
- THULAC: words tagged ``np`` (its model is inside the PyPI package, 500 MB with the POS model; not a
  dependency: measured when importable). pkuseg was not compared: its sdist does not build on Python 3.11
  here and its POS model is downloaded at first use, which the intranet forbids.

    python bench/name_detectors.py

Skips cleanly (exit 0) when ../shared/data is absent.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _real_letters as real  # noqa: E402

FIELDS = ("title", "content", "reply")


def score(detect, annotated, letters) -> tuple[float, float, float]:
    """(name recall, share of masked characters that are no personal data, characters/s CPU)."""
    names = hits = masked = wrong = characters = 0
    seconds = 0.0
    for item in annotated:
        letter = letters[item["id"]]
        for field in FIELDS:
            text = letter.text(field)
            if not text:
                continue
            began = time.process_time()
            covered = set()
            for start, end in detect(text):
                covered.update(range(start, end))
            seconds += time.process_time() - began
            characters += len(text)
            truth, ignored, mentions = real.gold_of_field(item, field)
            for kind, chars in mentions:
                if kind == "name":
                    names += 1
                    hits += all(i in covered for i in chars)
            counted = covered - ignored
            masked += len(counted)
            wrong += len(counted - truth)
    return hits / names, wrong / max(1, masked), characters / max(seconds, 1e-9)


def shipped(text):
    from analysis.privacy.redact import find_personal_data

    return [(s.start, s.end) for s in find_personal_data(text, types=["name"])]


def jieba_nr(text):
    import jieba.posseg

    from analysis.privacy import patterns as P
    spans, position = [], 0
    for word, flag in jieba.posseg.cut(text):
        if flag == "nr" and len(word) >= 2 and word[0] in P.SURNAME_FIRST_CHARS:
            spans.append((position, position + len(word)))
        position += len(word)
    return spans


def thulac_np():
    import thulac

    tagger = thulac.thulac()

    def detect(text):
        spans, position = [], 0
        for word, tag in tagger.cut(text):
            start = text.find(word, position)
            if start < 0:
                continue
            if tag == "np":
                spans.append((start, start + len(word)))
            position = start + len(word)
        return spans

    return detect


def main() -> int:
    if not real.available():
        print(f"skipped: shared data not found at {real.DATA}")
        return 0
    import jieba
    import redact_real_eval as evaluation

    jieba.setLogLevel(60)
    annotated = evaluation.load_annotations()
    letters = real.all_letters()
    shipped("预热")
    jieba_nr("预热")
    approaches = [("rules (shipped)", shipped), ("jieba posseg nr", jieba_nr)]
    try:
        approaches.append(("THULAC np", thulac_np()))
    except ImportError:
        print("THULAC not installed: not compared (pip install thulac to include it)")
    print(f"{len(annotated)} annotated real letters")
    print(f"{'approach':<18} {'recall':>7} {'wrong':>7} {'k chars/s':>10}")
    for name, detect in approaches:
        recall, wrong, rate = score(detect, annotated, letters)
        print(f"{name:<18} {recall:>7.1%} {wrong:>7.1%} {rate / 1000:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
