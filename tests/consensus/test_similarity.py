"""Similarity: RapidFuzz equals the documented formula; structural similarity; stable reprs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from l0.consensus import calculate_structural_similarity as structural
from l0.consensus import stable_repr
from l0.consensus._compare import flatten, group_by_similarity, similarity_matrix, text_similarity, unflatten


def lcs_ratio(a: str, b: str) -> float:
    """The documented formula, straightforwardly: 2 * LCS(a, b) / (len(a) + len(b)), 1.0 for two empty strings."""
    if not a and not b:
        return 1.0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return 2 * prev[-1] / (len(a) + len(b))


small_text = st.text(alphabet=st.sampled_from("abcde \n"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(small_text, small_text)
def test_text_similarity_equals_the_lcs_formula_on_small_alphabets(a: str, b: str) -> None:
    assert text_similarity(a, b) == pytest.approx(lcs_ratio(a, b), abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_text_similarity_equals_the_lcs_formula_on_any_unicode(a: str, b: str) -> None:
    assert text_similarity(a, b) == pytest.approx(lcs_ratio(a, b), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_text_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    s = text_similarity(a, b)
    assert 0.0 <= s <= 1.0 and s == pytest.approx(text_similarity(b, a))
    assert text_similarity(a, a) == 1.0


def test_long_strings_are_not_distorted_by_a_junk_heuristic() -> None:
    # difflib's autojunk treats frequent characters of strings >= 200 chars as junk; LCS does not.
    a = "the cat sat on the mat. " * 20
    b = a.replace("cat", "dog", 1)
    assert text_similarity(a, b) == pytest.approx(lcs_ratio(a, b))
    assert text_similarity(a, b) > 0.99


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (None, None, 1.0),
        (None, 1, 0.0),
        (1, 1.0, 1.0),
        (1, 2, 0.5),
        (0, 0, 1.0),
        (0, 5, 0.0),
        (-1, 1, 0.0),  # the reference returned -1.0
        (True, False, 0.0),
        (True, 1, 1.0),
        (float("nan"), 1.0, 0.0),
        (float("inf"), 1.0, 0.0),
        ("ab", "ab", 1.0),
        ("ab", "ac", 0.5),
        ("", "", 1.0),
        ([1, 2], [1], 0.5),
        ([], [], 1.0),
        ({"a": 1}, {"a": 1, "b": 2}, 0.5),
        ({}, {}, 1.0),
        ((1, 2), [1, 2], 0.0),
        ({1}, {1}, 1.0),
        ({1}, {2}, 0.0),
        ("1", 1, 0.0),
    ],
)
def test_structural_similarity(a: object, b: object, expected: float) -> None:
    assert structural(a, b) == pytest.approx(expected)


def test_structural_similarity_dumps_models() -> None:
    class P(BaseModel):
        x: int
        y: str

    assert structural(P(x=1, y="a"), {"x": 1, "y": "a"}) == 1.0
    assert structural(P(x=1, y="a"), P(x=2, y="a")) == pytest.approx(0.75)


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.integers(-5, 5) | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
                    max_leaves=10),
       st.recursive(st.none() | st.integers(-5, 5) | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
                    max_leaves=10))
def test_structural_similarity_is_bounded(a: object, b: object) -> None:
    s = structural(a, b)
    assert 0.0 <= s <= 1.0 and not math.isnan(s)
    assert structural(a, a) == 1.0


def test_stable_repr_sorts_keys_recursively_and_dumps_models() -> None:
    class P(BaseModel):
        b: int
        a: dict[str, int]

    assert stable_repr({"b": 1, "a": {"d": 1, "c": [2, {"z": 1, "y": 2}]}}) == \
        "{'a': {'c': [2, {'y': 2, 'z': 1}], 'd': 1}, 'b': 1}"
    assert stable_repr(P(b=1, a={"y": 1, "x": 2})) == "{'a': {'x': 2, 'y': 1}, 'b': 1}"
    assert stable_repr("x") == "'x'" and stable_repr((2, 1)) == "(2, 1)"
    assert stable_repr({2: "a", "1": "b"}) == stable_repr({"1": "b", 2: "a"})  # mixed key types


def test_similarity_matrix_computes_each_pair_once() -> None:
    calls = []

    def pair(a: str, b: str) -> float:
        calls.append((a, b))
        return 0.5

    m = similarity_matrix(["a", "b", "c", "a"], pair)
    assert len(calls) == 5  # 6 pairs, one of them equal
    assert m[0][3] == 1.0 and m[3][0] == 1.0 and m[1][2] == m[2][1] == 0.5
    assert all(m[i][i] == 1.0 for i in range(4))


def test_greedy_grouping_compares_with_the_seed() -> None:
    m = [[1.0, 0.9, 0.5], [0.9, 1.0, 0.9], [0.5, 0.9, 1.0]]
    assert group_by_similarity(m, 0.8) == [[0, 1], [2]]
    assert group_by_similarity(m, 0.4) == [[0, 1, 2]]
    assert group_by_similarity([], 0.8) == []


def test_flatten_and_unflatten() -> None:
    data = {"a": {"b": 1, "c": [1, {"x": 1}]}, "d": None, "e": {}, "f": "s"}
    assert list(flatten(data)) == ["a", "a.b", "a.c", "e", "f"]
    leaves = flatten(data, leaves_only=True)
    assert leaves == {"a.b": 1, "a.c": [1, {"x": 1}], "e": {}, "f": "s"}
    assert unflatten(leaves) == {"a": {"b": 1, "c": [1, {"x": 1}]}, "e": {}, "f": "s"}
    assert flatten("text") == {} and flatten(None) == {}
