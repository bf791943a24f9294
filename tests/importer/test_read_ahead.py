"""Read-ahead batches: the same batches as a plain loop, errors raised at their batch, an early exit stops."""
from __future__ import annotations

import threading

import pytest

from crawlers.importer.read_ahead import read_ahead


def test_batches_are_the_items_in_order():
    # 10 items in batches of 4: [0..3], [4..7], [8, 9]
    assert list(read_ahead(range(10), 4)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert list(read_ahead([], 4)) == []


def test_an_error_while_producing_comes_after_the_batches_before_it():
    def items():
        yield from range(5)
        raise ValueError("row 6: bad date")

    got = []
    with pytest.raises(ValueError, match="row 6: bad date"):
        for batch in read_ahead(items(), 2):
            got.append(batch)
    assert got == [[0, 1], [2, 3]]  # item 4 was in the batch the error cut short


def test_leaving_early_stops_the_producer():
    produced = []

    def items():
        for i in range(10_000):
            produced.append(i)
            yield i

    for batch in read_ahead(items(), 10, depth=1):
        assert batch == list(range(10))
        break
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())
    # at most the batch handed over, one queued and one being filled were produced, never the 10,000
    assert len(produced) <= 40
