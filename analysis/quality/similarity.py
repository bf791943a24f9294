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

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np

__all__ = ["PairSimilarities"]


class PairSimilarities:
    def __init__(self) -> None:
        self._vocabulary: dict[str, int] = {}  # term -> id (the order this object met the terms)
        self._question_rank = array("q")  # id -> order of first appearance among the questions, -1: never
        self._reply_rank = array("q")  # id -> order of first appearance among the replies
        self._questions_seen = 0  # terms met in a question so far
        self._replies_seen = 0
        self._batches: list[tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]] = []
        self.documents = 0

    def add(self, questions: Iterable[Iterable[str]], replies: Iterable[Iterable[str]]) -> int:
        """Count one batch of question/reply pairs (iterables: read once, a document at a time); returns the
        batch's number (the order of ``finish``)."""
        counted = (self._count(questions, question=True), self._count(replies, question=False))
        if len(counted[0][0]) != len(counted[1][0]):
            raise ValueError("questions and replies differ in number")
        self._batches.append(counted)
        self.documents += 2 * (len(counted[0][0]) - 1)
        return len(self._batches) - 1

    def _count(self, documents: Iterable[Iterable[str]], *, question: bool) -> tuple[np.ndarray, ...]:
        vocabulary, question_rank, reply_rank = self._vocabulary, self._question_rank, self._reply_rank
        ranks = question_rank if question else reply_rank
        seen = self._questions_seen if question else self._replies_seen
        indptr = array("q", [0])
        ids = array("i")
        counts = array("i")
        for tokens in documents:
            counter = Counter(tokens)  # terms in the order of their first appearance in the document
            for term in counter:
                term_id = vocabulary.get(term)
                if term_id is None:
                    term_id = vocabulary[term] = len(vocabulary)
                    question_rank.append(-1)
                    reply_rank.append(-1)
                if ranks[term_id] < 0:
                    ranks[term_id] = seen
                    seen += 1
                ids.append(term_id)
            counts.extend(counter.values())
            indptr.append(len(ids))
        if question:
            self._questions_seen = seen
        else:
            self._replies_seen = seen
        return (np.frombuffer(indptr, dtype=np.int64), np.frombuffer(ids, dtype=np.int32),
                np.frombuffer(counts, dtype=np.int32))

    def finish(self) -> Iterator[np.ndarray | None]:
        """Per batch (in the order added) the cosines of its pairs, float64; None throughout when no document
        holds a word (sklearn's "empty vocabulary"). Each batch's counts are released once given."""
        from scipy import sparse
        from sklearn.preprocessing import normalize

        n_terms = len(self._vocabulary)
        if n_terms == 0:
            for _ in range(len(self._batches)):
                yield None
            self._batches.clear()
            return
        question_rank = np.frombuffer(self._question_rank, dtype=np.int64)
        reply_rank = np.frombuffer(self._reply_rank, dtype=np.int64)
        # sklearn's vocabulary index: first appearance over all questions, then over the replies
        rank = np.where(question_rank >= 0, question_rank, self._questions_seen + reply_rank)
        terms = list(self._vocabulary)
        self._vocabulary = {}
        column = np.empty(n_terms, dtype=np.int32)  # id -> column of the sorted terms
        column[sorted(range(n_terms), key=terms.__getitem__)] = np.arange(n_terms, dtype=np.int32)
        del terms
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
                rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
                order = np.lexsort((rank[ids], rows))
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
