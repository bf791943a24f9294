"""Per-message work spread over processes (setting ``analysis.executor``), in input order.

``map_chunks(function, items)`` cuts ``items`` into chunks, applies ``function`` (a module-level function of
a list, so that it pickles by reference) to each chunk on the configured executor, and returns the
concatenated results in the order of ``items``. The same chunks give the same results whichever executor runs
them, so the analysis does not depend on the setting:

- ``serial``: this process (also used below ``analysis.parallel_min_items`` items: starting workers and
  loading their dictionaries costs more than it saves on a small batch);
- ``process``: a ``concurrent.futures.ProcessPoolExecutor`` of ``analysis.workers`` processes;
- ``dask``: a Dask distributed cluster, the path for a province whose messages outgrow one machine: the
  scheduler at ``analysis.dask_scheduler``, or a ``LocalCluster`` of ``analysis.workers`` worker processes
  when it is empty. Needs the optional extra (``pip install .[distributed]``).

``reusing_workers()`` opens a block in which the ``process`` executor keeps one pool for every call (a step
working batch by batch forks its workers once); ``map_chunks_later`` starts chunks on it and collects them later,
and ``one_behind(jobs)`` collects each batch once the next has started, so this process handles one batch while
the workers run the next.

``map_partitions(function, items)`` applies ``function`` to each item (a whole partition, e.g. one region's
messages to cluster) as a task of its own on the configured executor: partitions are independent, so a
province's cities are clustered side by side, on this machine's processes or across a Dask cluster.

Batch helpers for the per-message steps: ``message_features_many(pairs)`` (topic features of (title,
content) pairs) and ``tokens_many(texts)`` (the feature tokens of ``analysis.text.tokenize``).
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

log = logging.getLogger(__name__)

__all__ = ["EXECUTORS", "map_chunks", "map_chunks_later", "map_partitions", "message_features_many",
           "one_behind", "packed_tokens_many", "reusing_workers", "tokens_many"]

EXECUTORS = ("serial", "process", "dask")
T = TypeVar("T")
R = TypeVar("R")


def _settings() -> tuple[str, int, int, int, str]:
    from store.settings import get_settings

    settings = get_settings()
    kind = settings.get("analysis.executor")
    if kind not in EXECUTORS:
        raise ValueError(f"analysis.executor = {kind!r}: use one of {', '.join(EXECUTORS)}")
    workers = settings.get("analysis.workers") or os.cpu_count() or 1
    return (kind, max(1, int(workers)), int(settings.get("analysis.parallel_min_items")),
            int(settings.get("analysis.chunk_size")), settings.get("analysis.dask_scheduler"))


def map_chunks(function: Callable[[list[T]], list[R]], items: Sequence[T], *, executor: str | None = None,
               workers: int | None = None, chunk_size: int | None = None) -> list[R]:
    """``function`` over chunks of ``items`` on the configured executor; results in the order of ``items``."""
    kind, default_workers, min_items, default_chunk, scheduler = _settings()
    kind = executor or kind
    workers = workers or default_workers
    chunk_size = chunk_size or default_chunk
    items = list(items)
    if kind == "serial" or (executor is None and (len(items) < min_items or workers == 1)):
        return function(items)
    chunks = [items[start:start + chunk_size] for start in range(0, len(items), chunk_size)]
    if kind == "process":
        results = _run_processes(function, chunks, workers)
    elif kind == "dask":
        results = _run_dask(function, chunks, workers, scheduler)
    else:
        raise ValueError(f"unknown executor {kind!r}: use one of {', '.join(EXECUTORS)}")
    return [result for chunk in results for result in chunk]


def map_chunks_later(function: Callable[[list[T]], list[R]], items: Sequence[T]) -> Callable[[], list[R]]:
    """``map_chunks`` started now and collected later: returns a function that gives its results. Inside a
    ``reusing_workers`` block on the ``process`` executor the chunks run on the workers while this process goes
    on (a step prepares its next batch meanwhile); otherwise they run at once, as ``map_chunks``."""
    kind, workers, min_items, chunk_size, _scheduler = _settings()
    items = list(items)
    if kind != "process" or "pool" not in _shared_pool() or len(items) < min_items or workers == 1:
        results = map_chunks(function, items)
        return lambda: results
    pending = _pool(workers).map(function, [items[start:start + chunk_size]
                                            for start in range(0, len(items), chunk_size)])
    return lambda: [result for chunk in pending for result in chunk]


def one_behind(jobs: Iterable[tuple[T, Callable[[], R]]]) -> Iterator[tuple[T, R]]:
    """(context, result) of each job of ``jobs`` (pairs of a context and a ``map_chunks_later`` collector), a job
    collected only once the next one has started: while the workers run job k + 1, the caller handles job k's
    results. ``jobs`` is read lazily, so a job is prepared (e.g. its batch read) while the workers are busy."""
    previous: tuple[T, Callable[[], R]] | None = None
    for job in jobs:
        if previous is not None:
            yield previous[0], previous[1]()
        previous = job
    if previous is not None:
        yield previous[0], previous[1]()


def map_partitions(function: Callable[[T], R], items: Sequence[T], *, executor: str | None = None,
                   workers: int | None = None) -> list[R]:
    """``function`` of each item, one task per item, on the configured executor; results in input order. Serial
    for a single item (nothing to run side by side) or with the ``serial`` executor."""
    kind, default_workers, _min_items, _chunk, scheduler = _settings()
    kind = executor or kind
    items = list(items)
    if kind == "serial" or len(items) < 2:
        return [function(item) for item in items]
    one_each = [[item] for item in items]
    single = _Single(function)
    if kind == "process":
        results = _run_processes(single, one_each, workers or default_workers)
    elif kind == "dask":
        results = _run_dask(single, one_each, workers or default_workers, scheduler)
    else:
        raise ValueError(f"unknown executor {kind!r}: use one of {', '.join(EXECUTORS)}")
    return [chunk[0] for chunk in results]


class _Single:
    """A function of one item as a function of a one-item list (picklable: the executors take chunk functions)."""

    def __init__(self, function: Callable[[T], R]) -> None:
        self.function = function

    def __call__(self, chunk: list[T]) -> list[R]:
        return [self.function(item) for item in chunk]


_thread = threading.local()


def _shared_pool() -> dict[str, Any]:
    """This thread's ``reusing_workers`` state: "pool" while a block is open (None until its first use). Per
    thread, so that a block ending in one thread never shuts down a pool another thread is using."""
    if not hasattr(_thread, "state"):
        _thread.state = {}
    return _thread.state


@contextmanager
def reusing_workers() -> Iterator[None]:
    """Within the block, every ``map_chunks`` on the ``process`` executor runs on one pool, forked at its first
    use, instead of a pool per call: a step that works batch by batch then forks its workers once, and their
    caches (compiled patterns, dictionaries) stay warm from batch to batch. Nested blocks share the outer one."""
    state = _shared_pool()
    if "pool" in state:
        yield
        return
    state["pool"] = None
    try:
        yield
    finally:
        pool = state.pop("pool")
        if pool is not None:
            pool.shutdown()


def _run_processes(function: Callable[[list[T]], list[R]], chunks: list[list[T]], workers: int) -> list[list[R]]:
    from concurrent.futures import ProcessPoolExecutor

    if "pool" in _shared_pool():
        return list(_pool(workers).map(function, chunks))
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=_fork_context()) as pool:
        return list(pool.map(function, chunks))


def _fork_context() -> Any:
    import multiprocessing

    # fork: workers inherit what this process has loaded (dictionaries, settings) instead of loading it again.
    return multiprocessing.get_context("fork")


def _pool(workers: int) -> Any:
    """The pool of the current ``reusing_workers`` block, created at its first use."""
    from concurrent.futures import ProcessPoolExecutor

    state = _shared_pool()
    if state["pool"] is None:
        state["pool"] = ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context())
    return state["pool"]


def _run_dask(function: Callable[[list[T]], list[R]], chunks: list[list[T]], workers: int,
              scheduler: str) -> list[list[R]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise RuntimeError("analysis.executor = 'dask' needs the optional extra: pip install '.[distributed]'"
                           ) from exc
    if scheduler:
        with Client(scheduler) as client:
            return client.gather(client.map(function, chunks, pure=False))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        return client.gather(client.map(function, chunks, pure=False))


# --- the per-message steps ------------------------------------------------------------------------------

def _features_chunk(pairs: list[tuple[str | None, str | None]]) -> list[list[str]]:
    from analysis.topics.model import message_features

    return [message_features(title, content) for title, content in pairs]


def message_features_many(pairs: Sequence[tuple[str | None, str | None]], **options: Any) -> list[list[str]]:
    """``message_features(title, content)`` of every pair, over the configured executor."""
    return map_chunks(_features_chunk, pairs, **options)


def _packed_tokens_chunk(texts: list[str]) -> list[str]:
    from analysis.text.packed import pack
    from analysis.text.tokenize import tokens

    return [pack(tokens(text)) for text in texts]


def packed_tokens_many(texts: Sequence[str], **options: Any) -> Any:
    """``analysis.text.tokenize.tokens(text)`` of every text, over the configured executor, as a
    ``PackedFeatures`` sequence: one string per text (a tenth of the lists' memory)."""
    from analysis.text.packed import PackedFeatures

    return PackedFeatures(map_chunks(_packed_tokens_chunk, texts, **options))


def tokens_many(texts: Sequence[str], **options: Any) -> list[list[str]]:
    """``packed_tokens_many`` as lists (for a batch small enough to hold them)."""
    return list(packed_tokens_many(texts, **options))
