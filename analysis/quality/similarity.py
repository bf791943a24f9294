"""Question/reply TF-IDF cosines over a corpus read in batches, in memory that holds term counts only.

``PairSimilarities`` takes the documents batch by batch (``add(questions, replies)``: token lists, a question
and its reply at the same position) and keeps per batch two compact count matrices (int32 term ids and counts,
CSR); ``finish()`` then gives each batch's cosines. The figures are bit for bit those of

    matrix = TfidfVectorizer(analyzer=..., sublinear_tf=True).fit_transform(all_questions + all_replies)
    similarity = matrix[:n].multiply(matrix[n:]).sum(axis=1)

(the IDF over every document of the run: tf = 1 + ln(count), idf = ln((1 + n) / (1 + df)) + 1, rows
l2-normalised), because the same float64 operations run on the same rows in the same order: the columns are
the sorted terms, and within a row the terms stand in the order sklearn's vocabulary met them (every question
first, then every reply), which decides the order of the sums.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice

import numpy as np

__all__ = ["PairSimilarities"]

_CHUNK = 2000  # documents flattened at a time while counting


class PairSimilarities:
    def __init__(self) -> None:
        self._vocabulary: dict[str, int] = {}  # term -> id (any order: ids only name the terms)
        # the terms in the order of their first appearance among the questions / among the replies (dicts:
        # ``update`` keeps the place of a key it has and appends new ones in order, all in C)
        self._question_order: dict[str, int] = {}
        self._reply_order: dict[str, int] = {}
        self._batches: list[tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]] = []
        self.documents = 0

    def add(self, questions: Iterable[Sequence[str]], replies: Iterable[Sequence[str]]) -> int:
        """Count one batch of question/reply pairs (iterables: read once, a document at a time); returns the
        batch's number (the order of ``finish``)."""
        counted = (self._count(questions, self._question_order), self._count(replies, self._reply_order))
        if len(counted[0][0]) != len(counted[1][0]):
            raise ValueError("questions and replies differ in number")
        self._batches.append(counted)
        self.documents += 2 * (len(counted[0][0]) - 1)
        return len(self._batches) - 1

    def _count(self, documents: Iterable[Sequence[str]], order: dict[str, int]) -> tuple[np.ndarray, ...]:
        """CSR counts (indptr, term ids, counts) of the documents, read ``_CHUNK`` documents at a time."""
        vocabulary = self._vocabulary
        lengths, ids, counts = [], [], []
        documents = iter(documents)
        while chunk := list(islice(documents, _CHUNK)):
            tokens = list(chain.from_iterable(chunk))
            lengths.append(np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)))
            del chunk
            first = dict.fromkeys(tokens)  # the chunk's terms in the order of their first appearance
            order.update(first)  # keeps the place of the terms seen before, appends the new ones in order
            for term in set(first).difference(vocabulary):  # (set.difference of a dict looks each term up)
                vocabulary[term] = len(vocabulary)
            del first
            term_ids = np.fromiter(map(vocabulary.__getitem__, tokens), dtype=np.int64, count=len(tokens))
            del tokens
            rows = np.repeat(np.arange(len(lengths[-1]), dtype=np.int64), lengths[-1])
            keys, key_counts = np.unique(rows << 32 | term_ids, return_counts=True)  # by row, then term id
            ids.append((keys & 0xFFFFFFFF).astype(np.int32))
            counts.append(key_counts.astype(np.int32))
            lengths[-1] = np.bincount(keys >> 32, minlength=len(lengths[-1]))  # terms per document
        indptr = np.zeros(1 + sum(len(n) for n in lengths), dtype=np.int64)
        if lengths:
            np.cumsum(np.concatenate(lengths), out=indptr[1:])
        return (indptr, np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32),
                np.concatenate(counts) if counts else np.zeros(0, dtype=np.int32))

    def finish(self) -> Iterator[np.ndarray | None]:
        """Per batch (in the order added) the cosines of its pairs, float64; None throughout when no document
        holds a word (sklearn's "empty vocabulary"). Each batch's counts are released once given."""
        from scipy import sparse
        from sklearn.preprocessing import normalize

        vocabulary = self._vocabulary
        n_terms = len(vocabulary)
        if n_terms == 0:
            for _ in range(len(self._batches)):
                yield None
            self._batches.clear()
            return
        # sklearn's vocabulary index: first appearance over all questions, then over the replies
        rank = np.empty(n_terms, dtype=np.int64)
        in_replies = np.fromiter(map(vocabulary.__getitem__, self._reply_order), dtype=np.int64,
                                 count=len(self._reply_order))
        rank[in_replies] = len(self._question_order) + np.arange(len(in_replies))
        in_questions = np.fromiter(map(vocabulary.__getitem__, self._question_order), dtype=np.int64,
                                   count=len(self._question_order))
        rank[in_questions] = np.arange(len(in_questions))
        self._question_order, self._reply_order = {}, {}
        span = int(rank.max()) + 1  # (ranks of terms only in replies run past n_terms)
        column = np.empty(n_terms, dtype=np.int32)  # id -> column of the sorted terms
        column[np.fromiter(map(vocabulary.__getitem__, sorted(vocabulary)), dtype=np.int64, count=n_terms)] = (
            np.arange(n_terms, dtype=np.int32))
        self._vocabulary = {}
        df = np.zeros(n_terms, dtype=np.int64)
        for batch in self._batches:
            for _indptr, ids, _counts in batch:
                df += np.bincount(ids, minlength=n_terms)
        # TfidfTransformer.fit, operation for operation (smooth_idf)
        df = df.astype(np.float64)
        df += 1.0
        idf = np.full_like(df, fill_value=self.documents + 1, dtype=np.float64)
        idf /= df
        np.log(idf, out=idf)
        idf += 1.0
        idf_by_column = np.empty_like(idf)
        idf_by_column[column] = idf
        while self._batches:
            questions, replies = self._batches.pop(0)
            matrices = []
            for indptr, ids, counts in (questions, replies):
                rows = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
                order = np.argsort(rows * span + rank[ids])  # by row, then sklearn's index (unique in a row)
                data = counts[order].astype(np.float64)
                indices = column[ids[order]]
                matrix = sparse.csr_matrix((data, indices, indptr.astype(np.int32)),
                                           shape=(len(indptr) - 1, n_terms))
                # TfidfTransformer.transform (sublinear_tf, idf, l2)
                np.log(matrix.data, matrix.data)
                matrix.data += 1.0
                matrix.data *= idf_by_column[matrix.indices]
                matrices.append(normalize(matrix, norm="l2", copy=False))
            yield np.asarray(matrices[0].multiply(matrices[1]).sum(axis=1)).ravel()
