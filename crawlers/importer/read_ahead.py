"""Batches of an iterator produced by a thread while the caller works on the previous batch.

An import's time is parsing (decoding, cleaning, dates: Python) and writing (the database driver: C code that
releases the GIL while SQLite or PostgreSQL works). With the rows read ahead by a thread, the parsing of the next
batch runs while the driver writes this one.

    for batch in read_ahead(records(), batch_size=2000):
        write(batch)

An exception raised while producing is raised again in the caller, at the batch where it happened (the batches
before it were handed over). Leaving the loop early stops the thread.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")
_END = object()


def read_ahead(items: Iterable[T], batch_size: int, *, depth: int = 2) -> Iterator[list[T]]:
    """``items`` in lists of ``batch_size`` (the last may be shorter), at most ``depth`` lists produced ahead."""
    handed: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            batch: list[T] = []
            for item in items:
                batch.append(item)
                if len(batch) >= batch_size:
                    handed.put(batch)
                    batch = []
                    if stop.is_set():
                        return
            if batch:
                handed.put(batch)
            handed.put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
            handed.put(exc)

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while (got := handed.get()) is not _END:
            if isinstance(got, BaseException):
                raise got
            yield got
    finally:
        stop.set()
        while thread.is_alive():  # a producer blocked on a full queue must see the stop
            try:
                handed.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()
