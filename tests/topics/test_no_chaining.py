"""Joining clusters along links without chaining (``model._join_without_chaining``): a join is made only while
the two groups' centroids stay alike, so A~B and B~C do not make A and C one group when A and C differ."""
from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from analysis.topics.model import _join_without_chaining

R = 1 / math.sqrt(2)


def _rows(*rows: tuple[float, ...]) -> sparse.csr_matrix:
    return sparse.csr_matrix(np.array(rows, dtype=np.float32))


def test_a_chain_stops_where_the_centroid_drifts():
    # A = (1, 0), B = (r, r), C = (0, 1): A.B = B.C = r ~ 0.707, A.C = 0.
    # Links A-B and B-C both pass a threshold of 0.6, so connected components make one group of three.
    vectors = _rows((1, 0), (R, R), (0, 1))
    left, right, scores = np.array([0, 1]), np.array([1, 2]), np.array([R, R])
    _count, component = connected_components(
        sparse.coo_matrix((scores, (left, right)), shape=(3, 3)), directed=False)
    assert len(set(component.tolist())) == 1
    # Joining in score order (ties: lower rows first): A+B = (1 + r, r), cos with A+B = 0.707 >= 0.6 -> join.
    # Then (A+B).C = r over |A+B| = sqrt((1 + r)^2 + r^2) = 1.848 and |C| = 1: cosine 0.383 < 0.6 -> C stays out.
    groups = _join_without_chaining(vectors, np.ones(3), np.ones(2, dtype=bool), left, right, scores, 0.6)
    assert groups.tolist() == [0, 0, 2]


def test_alike_rows_all_join_and_the_lowest_row_names_the_group():
    # Four rows within a few degrees of one direction: every centroid stays alike, all four join (row 0 names
    # the group); row 4 is linked to nothing and stays alone.
    vectors = _rows((1, 0.1), (1, 0.2), (1, 0), (0.9, 0.1), (0, 1))
    vectors = sparse.csr_matrix(vectors.multiply(1 / np.sqrt(vectors.multiply(vectors).sum(axis=1))))
    left, right = np.array([2, 1, 0]), np.array([3, 2, 3])
    scores = np.array([0.99, 0.99, 0.99])
    groups = _join_without_chaining(vectors, np.ones(5), np.ones(2, dtype=bool), left, right, scores, 0.9)
    assert groups.tolist() == [0, 0, 0, 0, 4]


def test_weights_keep_a_large_group_from_drifting_and_only_rare_columns_score():
    # B = (r, r) links to a heavy A = (1, 0) (weight 9) and to C = (0, 1). After A+B, the centroid is
    # (9 + r, r): cosine with C = r / sqrt((9 + r)^2 + r^2) = 0.073 -> C stays out at threshold 0.3.
    vectors = _rows((1, 0), (R, R), (0, 1))
    left, right, scores = np.array([0, 1]), np.array([1, 2]), np.array([0.8, 0.7])
    groups = _join_without_chaining(vectors, np.array([9.0, 1.0, 1.0]), np.ones(2, dtype=bool),
                                    left, right, scores, 0.3)
    assert groups.tolist() == [0, 0, 2]
    # With column 0 not rare, A and B share no rare column: their dot is 0 and nothing joins A; B and C share
    # column 1 (r * 1 = 0.707 >= 0.3 over norms 1 and 1): they join, named by row 1.
    groups = _join_without_chaining(vectors, np.ones(3), np.array([False, True]), left, right, scores, 0.3)
    assert groups.tolist() == [0, 1, 1]


def test_each_link_may_carry_its_own_threshold():
    # The chain of the first test: A+B join (0.707 >= 0.6); (A+B).C has cosine 0.383. With the B-C link's own
    # threshold at 0.35 (same place, a lower bar) C joins too; at 0.4 it stays out.
    vectors = _rows((1, 0), (R, R), (0, 1))
    left, right, scores = np.array([0, 1]), np.array([1, 2]), np.array([R, R])
    rare = np.ones(2, dtype=bool)
    assert _join_without_chaining(vectors, np.ones(3), rare, left, right, scores,
                                  np.array([0.6, 0.35])).tolist() == [0, 0, 0]
    assert _join_without_chaining(vectors, np.ones(3), rare, left, right, scores,
                                  np.array([0.6, 0.4])).tolist() == [0, 0, 2]
