"""Pausing Python's cyclic garbage collector around a large alert run, without leaking the pause.

An alert run over a million messages holds millions of long-lived tuples; the collector rescans them over and
over (a third of a large run's time) while the run creates no reference cycles worth collecting. ``gc.disable``
is process-wide, and the scheduler runs two jobs in threads at once: a plain disable/enable pair would let the
first run to finish re-enable collection under the second, or leave it off if one of them raised. Here the
pauses are counted under a lock: the collector is turned off by the first pause and turned back on when the last
one ends (``finally``), and only if it was on before the first one.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
