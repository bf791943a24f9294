"""The realistic corpus (bench/_corpus_real.py) names each row's base letter, which bench/topics_scale_eval.py
scores the annotated issues by: the mapping is the generator's own, and the annotated ids are letters' origins.

Reads ../shared/data at run time (nothing of it is in the repository); skips when it is absent, and under
CI=true the skip is a failure (tests/conftest.py ``require_service``)."""
import json
import sys
from pathlib import Path

import pytest

from tests.conftest import require_service

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import _corpus_real as corpus  # noqa: E402

ROWS = 50


@pytest.fixture(scope="module")
def letters():
    require_service(corpus.real_data_available(), f"real data folder {corpus.DATA} is absent")
    return corpus.load_letters()


def test_bases_are_the_generators_own(letters):
    items = list(corpus.corpus_items(ROWS, 16, letters))
    assert [row for _base, row in items] == list(corpus.corpus_rows(ROWS, 16, letters))
    assert corpus.corpus_bases(ROWS, 16, letters) == [base for base, _row in items]
    # a title without numbers or district names comes through a variant unchanged: the row's title is its
    # base letter's (a wrong base would name another letter)
    maker = corpus.VariantMaker(letters, 16)
    plain = 0
    for base, row in items:
        title = letters[base].title
        if title and not corpus._NUMBER.search(title) and not maker.district_pattern.search(title):
            assert row[1] == title
            plain += 1
    assert plain >= ROWS // 4


def test_annotated_members_are_origins(letters):
    import topics_scale_eval

    origins = {letter.origin for letter in letters}
    annotations = json.loads(topics_scale_eval.ANNOTATIONS.read_text(encoding="utf-8"))
    members = [(filename, m) for name, filename in topics_scale_eval.SETS.items()
               for issue in annotations[name] for m in issue["members"]]
    missing = [m for m in members if m not in origins]
    # one 大连 letter's content is under the corpus's 10 characters
    assert len(missing) <= 1, missing
