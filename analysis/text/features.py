"""Fast character n-gram TF-IDF features (scikit-learn transformer).

``CharNgramVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, norm="l2")`` gives the same kind of
features as ``TfidfVectorizer(analyzer="char")`` (smoothed idf, optional 1 + log tf, l2 rows) but builds
them with numpy: each n-gram becomes an integer made of its code points, looked up in a sorted vocabulary.
scikit-learn's version counts n-grams in a Python loop, which made it the slowest step of routing.
Whitespace is not collapsed and case is not folded here: feed text through
``analysis.text.normalise.normalise_for_features`` first.

Learned state: ``vocabulary_`` (sorted n-gram keys), ``idf_``. ``get_feature_names_out()`` decodes keys.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

__all__ = ["CharNgramVectorizer"]

_BASE = 0x110000  # one more than the largest code point: n-grams up to 3 fit in int64


class CharNgramVectorizer(TransformerMixin, BaseEstimator):
    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2, sublinear_tf: bool = True,
                 norm: str | None = "l2"):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.norm = norm

    def _keys(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(document index, n-gram key) of every n-gram of every text, computed for all texts at once."""
        low, high = self.ngram_range
        if not 1 <= low <= high <= 3:
            raise ValueError(f"ngram_range must lie within (1, 3), got {self.ngram_range}")
        if not texts:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        # One string with a NUL after each text: n-grams containing a NUL would cross two texts.
        joined = "\x00".join(text.replace("\x00", " ") for text in texts) + "\x00"
        points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        lengths = np.fromiter((len(text) + 1 for text in texts), dtype=np.int64, count=len(texts))
        document = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        separator = points == 0
        all_documents, all_keys = [], []
        for n in range(low, high + 1):
            count = len(points) - n + 1
            key = points[:count].copy()
            valid = ~separator[:count]
            for offset in range(1, n):
                key = key * _BASE + points[offset:offset + count]
                valid &= ~separator[offset:offset + count]
            all_documents.append(document[:count][valid])
            all_keys.append(key[valid])
        return np.concatenate(all_documents), np.concatenate(all_keys)

    def fit(self, X, y=None) -> CharNgramVectorizer:
        texts = list(X)
        documents, keys = self._keys(texts)
        # Sort-based counting (numpy's hash-based unique is several times slower on these sizes).
        order = np.lexsort((documents, keys))
        keys, documents = keys[order], documents[order]
        new_pair = np.ones(len(keys), dtype=bool)
        new_pair[1:] = (keys[1:] != keys[:-1]) | (documents[1:] != documents[:-1])
        pair_keys = keys[new_pair]  # one entry per (n-gram, document) pair, sorted by n-gram
        new_key = np.ones(len(pair_keys), dtype=bool)
        new_key[1:] = pair_keys[1:] != pair_keys[:-1]
        starts = np.flatnonzero(new_key)
        distinct = pair_keys[starts]
        document_frequency = np.diff(np.append(starts, len(pair_keys)))
        keep = document_frequency >= self.min_df
        self.vocabulary_ = distinct[keep]
        self.idf_ = np.log((1 + len(texts)) / (1 + document_frequency[keep])) + 1.0
        return self

    def transform(self, X) -> sp.csr_matrix:
        check_is_fitted(self, "vocabulary_")
        texts = list(X)
        vocabulary = self.vocabulary_
        size = len(vocabulary)
        documents, keys = self._keys(texts)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        if size and len(keys):
            position = np.searchsorted(vocabulary, keys)
            position[position == size] = 0
            known = vocabulary[position] == keys
            # (row, column) codes sorted: rows in order, columns in order within a row, duplicates adjacent
            codes = np.sort(documents[known] * size + position[known])
            new_code = np.ones(len(codes), dtype=bool)
            new_code[1:] = codes[1:] != codes[:-1]
            starts = np.flatnonzero(new_code)
            counts = np.diff(np.append(starts, len(codes))).astype(np.float64)
            distinct = codes[starts]
            rows, columns = distinct // size, distinct % size
            indptr[1:] = np.cumsum(np.bincount(rows, minlength=len(texts)))
        else:
            counts, columns = np.empty(0), np.empty(0, dtype=np.int64)
        matrix = sp.csr_matrix((counts, columns, indptr), shape=(len(texts), size))
        if self.sublinear_tf:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        if size:
            matrix.data *= self.idf_[matrix.indices]
        if self.norm:
            matrix = normalize(matrix, norm=self.norm, copy=False)
        return matrix

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "vocabulary_")
        names = []
        for key in self.vocabulary_.tolist():
            chars = []
            while True:
                chars.append(chr(key % _BASE))
                key //= _BASE
                if key == 0:
                    break
            names.append("".join(reversed(chars)))
        return np.asarray(names, dtype=object)
