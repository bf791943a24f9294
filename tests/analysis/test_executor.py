"""The analysis executor: the same per-message results whichever executor runs them, in input order.

Oracles: the serial run of the same function (the executors only move chunks between processes), and for the
demo corpus the feature fingerprint computed with the feature code as it was before the speed work.
"""
from __future__ import annotations

import hashlib
import os

import pytest

from analysis.executor import (
    map_chunks,
    map_chunks_later,
    message_features_many,
    one_behind,
    reusing_workers,
    tokens_many,
)
from analysis.topics.model import TopicClusterer, message_features
from demo.corpus import generate_corpus


def _pairs(count: int | None = None) -> list[tuple[str, str]]:
    return [(m.title, m.content) for m in generate_corpus()][:count]


def _fingerprint(features: list[list[str]]) -> str:
    digest = hashlib.sha256()
    for items in features:
        digest.update("\x1f".join(items).encode() + b"\x1e")
    return digest.hexdigest()


def test_demo_features_are_those_of_the_code_before_the_speed_work():
    # Computed with analysis/topics/model.py, tokenize.py and text.py of commit dea81a1 (before issue 16) on
    # the 900 demo messages: normalisation, segmentation and entity extraction got faster, not different.
    # Change it only with a deliberate change of the features (and say so in the commit).
    features = [message_features(title, content) for title, content in _pairs()]
    assert len(features) == 900
    assert _fingerprint(features) == "371da6de1269a6f844002afb91977c6c817227601b147f6610a2771d682e45b0"


def test_process_executor_gives_the_serial_features_in_order():
    pairs = _pairs(300)
    serial = message_features_many(pairs, executor="serial")
    # 7 chunks of 50 over 2 processes: results come back chunk by chunk and must be put back in order.
    parallel = message_features_many(pairs, executor="process", workers=2, chunk_size=50)
    assert parallel == serial
    assert serial[0] == message_features(*pairs[0])


def test_tokens_over_processes_equal_serial_tokens():
    texts = [f"{title}。{content}" for title, content in _pairs(120)]
    assert tokens_many(texts, executor="process", workers=2, chunk_size=25) == tokens_many(texts, executor="serial")


def _with_pid(chunk: list[int]) -> list[tuple[int, int]]:
    return [(os.getpid(), item * item) for item in chunk]


@pytest.fixture
def two_workers(monkeypatch):
    from store.settings import get_settings

    for name, value in {"EXECUTOR": "process", "WORKERS": "2", "PARALLEL_MIN_ITEMS": "1", "CHUNK_SIZE": "3"}.items():
        monkeypatch.setenv(f"HOTLINE_ANALYSIS_{name}", value)
    get_settings.cache_clear()


def test_reusing_workers_forks_once_for_many_calls(two_workers):
    items = list(range(20))
    with reusing_workers():
        first = map_chunks(_with_pid, items)
        collect = map_chunks_later(_with_pid, items)  # started now, on the same pool
        later = collect()
        with reusing_workers():  # a nested block shares the outer pool
            nested = map_chunks(_with_pid, items)
    outside = map_chunks(_with_pid, items)
    assert [square for _, square in first] == [square for _, square in later] == [i * i for i in items]
    block_pids = {pid for pid, _ in first + later + nested}
    # 7 chunks of 3 on one pool of 2 processes: at most those 2, never this one; a call after the block has its
    # own pool, whose processes are new ones
    assert 1 <= len(block_pids) <= 2 and os.getpid() not in block_pids
    assert not block_pids & {pid for pid, _ in outside}


def test_a_block_in_another_thread_neither_shares_nor_shuts_this_threads_pool(two_workers):
    import threading

    items = list(range(20))
    other: list[tuple[int, int]] = []

    def in_its_own_block():
        with reusing_workers():
            other.extend(map_chunks(_with_pid, items))

    with reusing_workers():
        first = map_chunks(_with_pid, items)
        thread = threading.Thread(target=in_its_own_block)
        thread.start()
        thread.join()
        again = map_chunks(_with_pid, items)  # the other block has ended: this pool must still run
    ours = {pid for pid, _ in first + again}
    assert [square for _, square in again] == [i * i for i in items]
    assert len(ours) <= 2 and not ours & {pid for pid, _ in other}


def test_map_chunks_later_without_a_shared_pool_runs_at_once(two_workers):
    collect = map_chunks_later(_with_pid, [1, 2, 3, 4])
    assert [square for _, square in collect()] == [1, 4, 9, 16]


def test_one_behind_starts_the_next_job_before_collecting_the_last():
    log: list[str] = []

    def jobs():
        for k in range(3):
            log.append(f"start {k}")
            yield k, (lambda k=k: log.append(f"collect {k}") or k * 10)

    results = []
    for k, result in one_behind(jobs()):
        log.append(f"handle {k}")
        results.append(result)
    assert results == [0, 10, 20]
    # job k is collected and handled while job k + 1 runs; the last one alone
    assert log == ["start 0", "start 1", "collect 0", "handle 0", "start 2", "collect 1", "handle 1",
                   "collect 2", "handle 2"]
    assert list(one_behind(iter([]))) == []


def test_unknown_executor_is_refused():
    with pytest.raises(ValueError, match="unknown executor 'threads'"):
        map_chunks(len, [[1], [2]], executor="threads", chunk_size=1)


def test_dask_local_cluster_gives_the_local_topics():
    pytest.importorskip("distributed", reason="the optional extra .[distributed] is not installed")
    pairs = _pairs()
    local = message_features_many(pairs, executor="serial")
    distributed = message_features_many(pairs, executor="dask", workers=2, chunk_size=200)
    assert distributed == local
    labels_local = TopicClusterer(random_state=0).fit(local).labels_
    labels_dask = TopicClusterer(random_state=0).fit(distributed).labels_
    assert labels_dask.tolist() == labels_local.tolist()
    assert len(set(labels_local.tolist())) < len(pairs)  # the demo has recurring issues: some topics formed


def test_packed_features_and_tokens_read_back_as_the_lists():
    from analysis.executor import packed_tokens_many
    from analysis.text.packed import PackedFeatures, pack
    from analysis.text.tokenize import tokens

    pairs = _pairs(300)
    lists = message_features_many(pairs, executor="serial")
    # The packing separator is a control character normalisation removes: no feature may hold it.
    assert not any("\x1f" in item for items in lists for item in items)
    assert not any("\x1f" in item for item in message_features("标题\x1f测试", "内容\x1f里有控制字符"))
    packed = PackedFeatures([pack(items) for items in lists])
    assert len(packed) == 300 and list(packed) == lists and packed[7] == lists[7]
    assert list(packed[10:12]) == lists[10:12]
    texts = [f"{title}。{content}" for title, content in pairs[:60]]
    # the oracle: the tokenizer called on each text in this process
    assert list(packed_tokens_many(texts, executor="process", workers=2, chunk_size=20)) == [
        tokens(text) for text in texts]
