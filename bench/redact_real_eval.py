"""De-identification on real letters: personal data annotated by reading (bench/pii_real_annotations.json).

195 letters of the shared exports (大连, 商洛, 泰迪杯 附件3/附件4) were read in full and their personal data
marked as ids + field + offsets + type (the text stays in ../shared/data). Each letter is redacted as the
publication does it: title, content and reply together (``analysis.privacy.redact.redact_letter``: what is found in
one field is masked in every field), the submitter passed along. Reports:

- recall per type: the share of annotated mentions whose every character is masked;
- over-masking: masked characters that are not personal data, as a share of all masked characters and of
  all characters that are not personal data ("ignore" spans — officials named in role, a building without a
  flat, numbers the export had already masked, the submitter's own code — count neither way);
- consistency: of the persons/numbers/addresses masked at least once in a letter, the share masked in every
  mention (title, content, reply);
- every figure for the whole set, the held-out letters and the fresh letters (annotated after the detector was
  finished, evaluated once: the honest figure).

Targets (issue 13): names >= 0.90, addresses >= 0.90, structured types >= 0.995, over-masking < 1 % of
characters.

    python bench/redact_real_eval.py [--split all|dev|heldout] [--show 10] [--per-field]

``--per-field`` redacts each field on its own (no consistency across fields), as before issue 13.
Skips cleanly (exit 0) when ../shared/data is absent.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _real_letters as real  # noqa: E402

ANNOTATIONS = Path(__file__).resolve().parent / "pii_real_annotations.json"
TEXT_FIELDS = ("title", "content", "reply")
STRUCTURED = ("id_card", "mobile", "landline", "bank_card", "email", "plate", "qq", "wechat")
TARGETS = {"name": 0.90, "address": 0.90, "structured": 0.995, "over_masking": 0.01}


def load_annotations() -> list[dict]:
    return json.loads(ANNOTATIONS.read_text(encoding="utf-8"))["letters"]


def redact_fields(letter: real.Letter, per_field: bool) -> dict[str, list]:
    """Spans per text field, as the publication would mask them."""
    from analysis.privacy import redact as R
    submitter = letter.text("submitter") or None
    fields = {name: letter.text(name) for name in TEXT_FIELDS}
    if per_field or not hasattr(R, "redact_letter"):
        return {name: R.find_personal_data(text, submitter=submitter) for name, text in fields.items()}
    return {name: result.spans for name, result in R.redact_letter(fields, submitter=submitter).items()}


def evaluate(annotated: list[dict], letters: dict[str, real.Letter], per_field: bool = False) -> dict:
    """Scores of the detector on the annotated letters (see the module docstring)."""
    mentions, hits = Counter(), Counter()
    masked_chars = wrong_chars = clean_chars = 0
    entity_mentions: dict[tuple, list[bool]] = defaultdict(list)
    misses: list[str] = []
    overmasks: list[str] = []
    for item in annotated:
        letter = letters[item["id"]]
        spans = redact_fields(letter, per_field)
        submitter = letter.text("submitter")
        for name in TEXT_FIELDS:
            text = letter.text(name)
            covered = set()
            for span in spans[name]:
                covered.update(range(span.start, span.end))
            truth, ignored, golds = real.gold_of_field(item, name)
            for kind, chars in golds:
                hit = all(i in covered for i in chars)
                mentions[kind] += 1
                hits[kind] += hit
                entity_mentions[(item["id"], kind, text[chars.start:chars.stop])].append(hit)
                if not hit:
                    misses.append(f"{item['id']} {name} {kind} {chars.start}-{chars.stop}")
            if submitter and len(submitter) >= 2:
                start = text.find(submitter)
                while start >= 0:
                    ignored.update(range(start, start + len(submitter)))
                    start = text.find(submitter, start + 1)
            counted = covered - ignored
            masked_chars += len(counted)
            wrong = counted - truth
            wrong_chars += len(wrong)
            clean_chars += len(text) - len(truth | ignored)
            for span in spans[name]:
                if any(i in wrong for i in range(span.start, span.end)):
                    overmasks.append(f"{item['id']} {name} {span.type} {span.start}-{span.end} ({span.rule})")
    found = [flags for flags in entity_mentions.values() if any(flags)]
    repeated = [flags for flags in found if len(flags) > 1]
    structured_mentions = sum(mentions[k] for k in STRUCTURED)
    return {
        "letters": len(annotated),
        "mentions": dict(mentions),
        "recall": {kind: hits[kind] / mentions[kind] for kind in mentions},
        "structured_recall": (sum(hits[k] for k in STRUCTURED) / structured_mentions) if structured_mentions else None,
        "masked_chars": masked_chars,
        "overmasked_chars": wrong_chars,
        "overmasking_of_masked": wrong_chars / masked_chars if masked_chars else 0.0,
        "overmasking_of_clean": wrong_chars / clean_chars if clean_chars else 0.0,
        "consistency": sum(all(flags) for flags in found) / len(found) if found else 1.0,
        "consistency_repeated": (sum(all(flags) for flags in repeated) / len(repeated)) if repeated else 1.0,
        "entities_found": len(found),
        "entities_repeated": len(repeated),
        "misses": misses,
        "overmasks": overmasks,
    }


def report(title: str, result: dict) -> None:
    print(f"\n{title}: {result['letters']} letters")
    print(f"{'type':<10} {'mentions':>8} {'recall':>8}  target")
    for kind in sorted(result["mentions"], key=lambda k: -result["mentions"][k]):
        target = TARGETS["name"] if kind == "name" else TARGETS["address"] if kind == "address" else \
            TARGETS["structured"]
        recall = result["recall"][kind]
        print(f"{kind:<10} {result['mentions'][kind]:>8} {recall:>8.2%}  >= {target:.1%} "
              f"{'met' if recall >= target else 'NOT met'}")
    if result["structured_recall"] is not None:
        print(f"structured types together: {result['structured_recall']:.2%}")
    print(f"over-masking: {result['overmasked_chars']} of {result['masked_chars']} masked characters were not "
          f"personal data = {result['overmasking_of_masked']:.2%} of masked characters, "
          f"{result['overmasking_of_clean']:.3%} of all characters that are not personal data "
          f"(target < 1 %: {'met' if result['overmasking_of_masked'] < TARGETS['over_masking'] else 'NOT met'} "
          f"of masked, {'met' if result['overmasking_of_clean'] < TARGETS['over_masking'] else 'NOT met'} "
          f"of characters)")
    print(f"consistency: {result['consistency']:.2%} of {result['entities_found']} persons/numbers/addresses found "
          f"are masked in every mention ({result['consistency_repeated']:.2%} of the "
          f"{result['entities_repeated']} mentioned more than once)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("all", "dev", "heldout", "fresh"), default="all")
    parser.add_argument("--show", type=int, default=0, help="list this many misses and over-masks (ids and "
                        "offsets only)")
    parser.add_argument("--per-field", action="store_true", help="redact each field alone (before issue 13)")
    args = parser.parse_args()
    if not real.available():
        print(f"skipped: shared data not found at {real.DATA}")
        return 0
    annotated = load_annotations()
    letters = real.all_letters()
    splits = ("all", "heldout", "fresh") if args.split == "all" else (args.split,)
    for split in splits:
        chosen = [a for a in annotated if split == "all" or a["split"] == split]
        result = evaluate(chosen, letters, per_field=args.per_field)
        report(f"real letters ({split})", result)
        if args.show and split == splits[0]:
            for line in result["misses"][: args.show]:
                print("  missed", line)
            for line in result["overmasks"][: args.show]:
                print("  over-masked", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
