"""Near-duplicate collapse: the same text submitted again (by one person or a campaign) counts once.

``near_duplicate_groups(token_lists, threshold=0.8)`` gives every document the index of its group's first
document. It is MinHash + LSH banding, vectorised with numpy over a binary document-term matrix (the same
scheme as datasketch's ``MinHashLSH``, without a Python loop per document): each permutation is a universal
hash ``(a * term_id + b) mod p`` of the term ids, a document's signature is the minimum over its terms, and
documents whose signatures agree on a whole band land in the same bucket. Candidates are confirmed when their
signatures agree on at least ``threshold`` of the permutations (an estimate of the Jaccard similarity of their
token sets). Linear in the number of documents: never all pairs.

``distinct_voices(groups, submitters)`` counts people: messages linked by the same submitter or by the same
near-duplicate group are one voice.
"""
from __future__ import annotations

from array import array
from collections.abc import Hashable, Sequence

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["distinct_voices", "groups_from_matrix", "groups_from_signatures", "minhash_signatures",
           "near_duplicate_groups", "near_duplicate_groups_many", "near_duplicate_groups_of_codes"]

_PRIME = (1 << 31) - 1  # Mersenne prime: products of two values below it fit in int64
_EMPTY = np.iinfo(np.int64).max


def minhash_signatures(binary: sparse.csr_matrix, num_perm: int = 32, seed: int = 1) -> np.ndarray:
    """(n_docs, num_perm) MinHash signatures of the rows of a CSR matrix (its non-zero columns are the set)."""
    binary = sparse.csr_matrix(binary)
    rng = np.random.RandomState(seed)
    a = rng.randint(1, _PRIME, size=num_perm, dtype=np.int64)
    b = rng.randint(0, _PRIME, size=num_perm, dtype=np.int64)
    n_docs = binary.shape[0]
    signatures = np.full((n_docs, num_perm), _EMPTY, dtype=np.int64)
    if binary.nnz == 0:
        return signatures
    columns = binary.indices.astype(np.int64)
    starts = binary.indptr[:-1]
    non_empty = np.diff(binary.indptr) > 0
    hashed = np.empty_like(columns)
    high = np.empty_like(columns)
    for k in range(num_perm):
        _universal_hash(columns, a[k], b[k], hashed, high)
        minima = np.minimum.reduceat(hashed, starts[non_empty])
        signatures[non_empty, k] = minima
    return signatures


def _universal_hash(values: np.ndarray, a: np.int64, b: np.int64, out: np.ndarray, scratch: np.ndarray) -> None:
    """``out[:] = (a * values + b) % _PRIME`` for values below 2**31, in place: the modulus of a Mersenne prime
    is two shift-and-add folds and one subtraction, four times faster than numpy's ``%`` on int64."""
    np.multiply(values, a, out=scratch)
    scratch += b  # below 2**62 + 2**31
    np.bitwise_and(scratch, _PRIME, out=out)
    scratch >>= 31
    out += scratch  # below 2**32
    np.right_shift(out, 31, out=scratch)
    out &= _PRIME
    out += scratch  # below 2**31 + 1
    np.subtract(out, _PRIME, out=out, where=out >= _PRIME)


def groups_from_matrix(binary: sparse.csr_matrix, threshold: float = 0.8, num_perm: int = 32, bands: int = 8,
                       seed: int = 1, chunk_rows: int = 20_000) -> np.ndarray:
    """Group index (the first member's row) of every row; see ``near_duplicate_groups``.

    Signatures are computed ``chunk_rows`` rows at a time: the hashed copies of the term ids then take memory
    in proportion to the chunk, not to the corpus (only the n x num_perm signatures grow with it)."""
    signatures = _signatures(sparse.csr_matrix(binary), num_perm, bands, seed, chunk_rows)
    return groups_from_signatures(signatures, threshold=threshold, bands=bands)


def _signatures(binary: sparse.csr_matrix, num_perm: int, bands: int, seed: int,
                chunk_rows: int = 20_000) -> np.ndarray:
    if binary.shape[0] and num_perm % bands == 0:
        return np.concatenate([
            minhash_signatures(binary[start:start + chunk_rows], num_perm=num_perm, seed=seed)
            for start in range(0, binary.shape[0], chunk_rows)])
    return np.zeros((binary.shape[0], num_perm), dtype=np.int64)


def groups_from_signatures(signatures: np.ndarray, threshold: float = 0.8, bands: int = 8,
                           batch: np.ndarray | None = None) -> np.ndarray:
    """Group index of every row of a (n_docs, num_perm) MinHash signature matrix (LSH banding + check).

    ``batch`` (optional, one integer per row) keeps batches apart: rows of different batches never share a
    bucket, so each batch is grouped exactly as on its own (the group index is still a row of the whole)."""
    n_docs, num_perm = signatures.shape
    if n_docs == 0:
        return np.zeros(0, dtype=np.int64)
    if num_perm % bands:
        raise ValueError(f"num_perm ({num_perm}) must be a multiple of bands ({bands})")
    rows_per_band = num_perm // bands
    empty = (signatures[:, 0] == _EMPTY)
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for band in range(bands):
        block = signatures[:, band * rows_per_band:(band + 1) * rows_per_band]
        if batch is not None:
            block = np.column_stack([batch.astype(block.dtype), block])
        block = np.ascontiguousarray(block)
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * block.shape[1]))).ravel()
        _unique, first_index, inverse = np.unique(keys, return_index=True, return_inverse=True)
        leader = first_index[inverse]  # the first row of each bucket
        candidate = (leader != np.arange(n_docs)) & ~empty
        if not candidate.any():
            continue
        rows = np.flatnonzero(candidate)
        agreement = (signatures[rows] == signatures[leader[rows]]).mean(axis=1)
        confirmed = rows[agreement >= threshold]
        sources.append(confirmed)
        targets.append(leader[confirmed])
    if not sources:
        return np.arange(n_docs, dtype=np.int64)
    src = np.concatenate(sources)
    dst = np.concatenate(targets)
    graph = sparse.coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n_docs, n_docs))
    _count, component = connected_components(graph, directed=False)
    # Name each component by its smallest row, so the group id is a member and stable for a given input order.
    first_row = np.full(component.max() + 1, n_docs, dtype=np.int64)
    np.minimum.at(first_row, component, np.arange(n_docs))
    return first_row[component]


def near_duplicate_groups(token_lists: Sequence[Sequence[str]], threshold: float = 0.8, num_perm: int = 32,
                          bands: int = 8, seed: int = 1) -> np.ndarray:
    """For each document (a token list), the index of the first document of its near-duplicate group.

    Two documents are near-duplicates when the Jaccard similarity of their token sets is at least
    ``threshold`` (estimated; pairs well above it are found with high probability: 8 bands of 4 find a pair at
    0.8 with probability 0.98). Empty documents are never grouped.
    """
    return near_duplicate_groups_many([token_lists], threshold=threshold, num_perm=num_perm, bands=bands,
                                      seed=seed)[0]


def near_duplicate_groups_many(batches: Sequence[Sequence[Sequence[str]]], threshold: float = 0.8,
                               num_perm: int = 32, bands: int = 8, seed: int = 1) -> list[np.ndarray]:
    """``near_duplicate_groups`` of each batch (a list of token lists), the same result as one call per batch,
    in one pass over all of them: thousands of small batches (the letters of each topic) would otherwise pay
    the fixed cost of the numpy and scipy steps thousands of times. Each batch numbers its own tokens, as a call
    of its own would, so its signatures are the same."""
    # array('q'), not lists: at a million letters a list of Python ints would hold 100M objects (3.6 GB)
    indptr = array("q", [0])
    indices = array("q")
    batch_of_row = array("q")
    width = 1
    for number, token_lists in enumerate(batches):
        vocabulary: dict[str, int] = {}
        for tokens in token_lists:
            ids = {vocabulary.setdefault(token, len(vocabulary)) for token in tokens}
            indices.extend(sorted(ids))
            indptr.append(len(indices))
        batch_of_row.extend(array("q", [number]) * len(token_lists))
        width = max(width, len(vocabulary))
    binary = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.int8), np.frombuffer(indices, dtype=np.int64),
         np.frombuffer(indptr, dtype=np.int64)),
        shape=(len(batch_of_row), width),
    )
    return _groups_of_batches(binary, np.frombuffer(batch_of_row, dtype=np.int64), [len(t) for t in batches],
                              threshold, num_perm, bands, seed)


def _groups_of_batches(binary: sparse.csr_matrix, batch: np.ndarray, sizes: list[int], threshold: float,
                       num_perm: int, bands: int, seed: int) -> list[np.ndarray]:
    """Groups of each batch (rows of ``binary`` numbered by ``batch``), each batch's rows numbered from 0."""
    if len(sizes) == 1:
        groups = groups_from_matrix(binary, threshold=threshold, num_perm=num_perm, bands=bands, seed=seed)
    else:
        signatures = _signatures(binary, num_perm, bands, seed)
        groups = groups_from_signatures(signatures, threshold=threshold, bands=bands, batch=batch)
    starts = np.searchsorted(batch, np.arange(len(sizes)))  # first row of each batch
    return [groups[start:start + size] - start for start, size in zip(starts.tolist(), sizes, strict=True)]


def near_duplicate_groups_of_codes(batches: Sequence[Sequence[np.ndarray]], threshold: float = 0.8,
                                   num_perm: int = 32, bands: int = 8, seed: int = 1) -> list[np.ndarray]:
    """``near_duplicate_groups_many`` of documents given as integer arrays (tokens coded as integers, e.g. a
    character n-gram as its code points): the same groups as the tokens themselves give, without a Python
    object per token. Each batch numbers its tokens in order of first appearance, as the token-list version
    does, so the signatures are the same."""
    indptr_parts: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
    index_parts: list[np.ndarray] = []
    batch_parts: list[np.ndarray] = []
    width, filled = 1, 0
    for number, documents in enumerate(batches):
        batch_parts.append(np.full(len(documents), number, dtype=np.int64))
        vocabulary = _FirstSeenNumbers()
        for start in range(0, len(documents), _DOCUMENTS_PER_STEP):
            chunk = documents[start:start + _DOCUMENTS_PER_STEP]
            lengths = np.fromiter((len(d) for d in chunk), dtype=np.int64, count=len(chunk))
            numbers = vocabulary.number(np.concatenate(chunk) if lengths.sum() else np.zeros(0, dtype=np.int64))
            # each row's numbers sorted and made unique in place (C loops), as the set of its tokens
            binary = sparse.csr_matrix((np.ones(len(numbers), dtype=np.int16), numbers,
                                        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)),
                                       shape=(len(chunk), max(vocabulary.size, 1)))
            binary.sum_duplicates()
            index_parts.append(binary.indices.astype(np.int32))
            indptr_parts.append(binary.indptr[1:].astype(np.int64) + filled)
            filled += binary.nnz
        width = max(width, vocabulary.size)
    batch = np.concatenate(batch_parts) if batch_parts else np.zeros(0, dtype=np.int64)
    indices = np.concatenate(index_parts) if index_parts else np.zeros(0, dtype=np.int32)
    indptr = np.concatenate(indptr_parts)
    if filled < 2**31 - 1:
        indptr = indptr.astype(np.int32)
    binary = sparse.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(len(batch), width))
    return _groups_of_batches(binary, batch, [len(d) for d in batches], threshold, num_perm, bands, seed)


# Documents of one batch numbered at a time: a topic of a hundred thousand letters is 30 million 3-grams, whose
# sort at once would take gigabytes; per step only the step's codes and the batch's distinct codes are held.
_DOCUMENTS_PER_STEP = 20_000


class _FirstSeenNumbers:
    """Numbers integer tokens 0, 1, 2, … in order of first appearance over successive calls of ``number``."""

    def __init__(self) -> None:
        self.codes = np.zeros(0, dtype=np.int64)  # every token seen, sorted
        self.numbers = np.zeros(0, dtype=np.int32)  # their numbers
        self.size = 0

    def number(self, codes: np.ndarray) -> np.ndarray:
        """The number of each of ``codes`` (int32), new tokens numbered in the order they first occur here."""
        values, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        position = np.searchsorted(self.codes, values)
        known = position < len(self.codes)
        known[known] = self.codes[position[known]] == values[known]
        numbers = np.empty(len(values), dtype=np.int32)
        numbers[known] = self.numbers[position[known]]
        new = np.flatnonzero(~known)
        numbers[new[np.argsort(first[new], kind="stable")]] = np.arange(self.size, self.size + len(new))
        self.size += len(new)
        merged = np.concatenate([self.codes, values[new]])
        order = np.argsort(merged, kind="stable")
        self.codes, self.numbers = merged[order], np.concatenate([self.numbers, numbers[new]])[order]
        return numbers[inverse.ravel()]


def distinct_voices(groups: Sequence[Hashable], submitters: Sequence[Hashable | None]) -> int:
    """Number of distinct people behind messages: one submitter is one voice, and one near-duplicate group
    is one voice even when submitted under several names (a campaign). ``None`` submitters are unknown."""
    parent: dict[object, object] = {}

    def find(node: object) -> object:
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(node, node) != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    for group, submitter in zip(groups, submitters, strict=True):
        g = ("g", group)
        parent.setdefault(g, g)
        if submitter is not None and submitter != "":
            s = ("s", submitter)
            parent.setdefault(s, s)
            root_g, root_s = find(g), find(s)
            if root_g != root_s:
                parent[root_g] = root_s
    return len({find(("g", group)) for group in groups})
