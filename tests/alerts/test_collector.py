"""``alerts.collector.collector_paused``: the garbage collector stays off while any run holds a pause, comes
back when the last one ends (also on an exception), and is left off when it was off before."""
from __future__ import annotations

import gc
import threading

import pytest

from alerts.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_two_overlapping_runs_in_threads():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first():
        with collector_paused():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with collector_paused():
            second_in.set()
            first_out.wait(10)
            # the first run ended while this one runs: a plain enable() in its finally would turn it back on
            seen["during second, after first"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"during second, after first": False}
    assert gc.isenabled()


def test_restored_when_the_run_raises():
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the run failed")
    assert gc.isenabled()


def test_left_off_when_it_was_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
