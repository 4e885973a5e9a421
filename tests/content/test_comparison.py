"""l0.comparison (Compare): similarity equals the textbook formulas; structural differences."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import l0
from l0.comparison import (
    Compare, Difference, DifferenceSeverity, DifferenceType, ObjectComparisonOptions, StringComparisonOptions,
    calculate_similarity_score, compare_arrays, compare_numbers, compare_objects, compare_strings, compare_values,
    cosine_similarity, count_fields, deep_equal, get_type, jaro_winkler_similarity, levenshtein_distance,
    levenshtein_similarity,
)

# --- straightforward formulas (the documented algorithms, O(n*m)) --------------------------


def ref_levenshtein(a: str, b: str) -> int:
    """Full dynamic-programming matrix, unit costs."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def ref_jaro_winkler(a: str, b: str) -> float:
    """Window max(len)//2 - 1, greedy matching, half the out-of-order matches, prefix <= 4, no threshold."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    fa, fb, m = [False] * len(a), [False] * len(b), 0
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not fb[j] and b[j] == ch:
                fa[i] = fb[j] = True
                m += 1
                break
    if m == 0:
        return 0.0
    sa = [c for c, f in zip(a, fa) if f]
    sb = [c for c, f in zip(b, fb) if f]
    t = sum(x != y for x, y in zip(sa, sb)) / 2
    jaro = (m / len(a) + m / len(b) + (m - t) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4]):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def ref_cosine(a: str, b: str) -> float:
    if a == b:
        return 1.0
    va, vb = Counter(a.lower().split()), Counter(b.lower().split())
    if not va or not vb:
        return 0.0
    dot = sum(va[w] * vb[w] for w in va)
    return dot / (math.sqrt(sum(v * v for v in va.values())) * math.sqrt(sum(v * v for v in vb.values())))


_alphabet = st.sampled_from(["ab", "abc d", "abcdefghij ", "aAbB \u00e9\U0001f600"])


@st.composite
def pairs(draw) -> tuple[str, str]:
    alpha = draw(_alphabet)
    a = draw(st.text(alphabet=st.sampled_from(list(alpha)), max_size=30))
    b = draw(st.text(alphabet=st.sampled_from(list(alpha)), max_size=30))
    if draw(st.booleans()):
        b = a[: draw(st.integers(0, 5))] + b
    return a, b


@settings(max_examples=200)
@given(pairs())
def test_levenshtein_equals_the_dp_matrix(pair: tuple[str, str]) -> None:
    a, b = pair
    d = ref_levenshtein(a, b)
    assert levenshtein_distance(a, b) == d
    expected = 1.0 if a == b else 0.0 if not a or not b else 1 - d / max(len(a), len(b))
    assert levenshtein_similarity(a, b) == expected


@settings(max_examples=200)
@given(pairs())
def test_jaro_winkler_equals_the_formula(pair: tuple[str, str]) -> None:
    a, b = pair
    assert jaro_winkler_similarity(a, b) == ref_jaro_winkler(a, b)


@settings(max_examples=200)
@given(pairs())
def test_cosine_equals_the_formula(pair: tuple[str, str]) -> None:
    a, b = pair
    assert cosine_similarity(a, b) == ref_cosine(a, b)


@pytest.mark.parametrize(
    ("a", "b", "jw", "dist", "lev", "cos"),
    [
        ("martha", "marhta", 0.9611111111111111, 2, 0.6666666666666667, 0.0),
        ("dwayne", "duane", 0.8400000000000001, 2, 0.6666666666666667, 0.0),
        ("ab", "ba", 0.0, 2, 0.0, 0.0),
        ("dixon", "dicksonx", 0.8133333333333332, 4, 0.5, 0.0),
        ("kitten", "sitting", 0.746031746031746, 3, 0.5714285714285714, 0.0),
        ("prefix_long_same", "prefix_long_diff", 0.9, 4, 0.75, 0.0),
        ("", "", 1.0, 0, 1.0, 1.0),
        ("a", "", 0.0, 1, 0.0, 0.0),
    ],
)
def test_reference_vectors(a: str, b: str, jw: float, dist: int, lev: float, cos: float) -> None:
    assert jaro_winkler_similarity(a, b) == jw
    assert levenshtein_distance(a, b) == dist
    assert levenshtein_similarity(a, b) == lev
    assert cosine_similarity(a, b) == cos


def test_compare_strings_options() -> None:
    assert cosine_similarity("hello world", "hello there") == 0.4999999999999999
    assert cosine_similarity("The the cat", "the CAT sat") == 0.7745966692414834
    assert cosine_similarity("  ", " ") == 0.0
    assert compare_strings("Hello  World", "hello world", case_sensitive=False) == 1.0
    assert compare_strings("a  b", "a b", normalize_whitespace=False) == 0.75
    assert compare_strings("kitten", "sitting", algorithm="jaro-winkler") == 0.746031746031746
    assert compare_strings("hello world", "hello there", algorithm="cosine") == 0.4999999999999999
    assert compare_strings("a", "b", algorithm="zzz") == 0.0  # type: ignore[arg-type]
    assert Compare.strings("abc", "abd") == Compare.levenshtein("abc", "abd") == 0.6666666666666667
    assert Compare.jaro_winkler("martha", "marhta") == 0.9611111111111111
    assert Compare.cosine("a b", "b a") == 0.9999999999999998  # sqrt(2) * sqrt(2) rounds above 2, as in the reference
    assert Compare.levenshtein_distance("kitten", "sitting") == 3
    assert StringComparisonOptions() == StringComparisonOptions(True, True, "levenshtein")
    with pytest.raises(TypeError, match="a must be a str"):
        compare_strings(1, "a")  # type: ignore[arg-type]


def test_large_strings_are_fast_enough_to_run() -> None:
    """100 KB strings: RapidFuzz Levenshtein and the O(n) Jaro finish (the O(n*m) matrix would not)."""
    import random

    rnd = random.Random(7)
    a = "".join(rnd.choice("abcdefgh ") for _ in range(100_000))
    b = a[:50_000] + "".join(rnd.choice("abcdefgh ") for _ in range(50_000))
    assert 0.5 < levenshtein_similarity(a, b) < 1.0
    assert 0.5 < jaro_winkler_similarity(a, b) <= 1.0
    assert cosine_similarity(a, b) > 0.5


def test_scalars_and_types() -> None:
    assert compare_numbers(1, 1.0005) and not compare_numbers(1, 1.01) and compare_numbers(1, 3, tolerance=2)
    assert Compare.numbers(1.0, 1.0)
    assert [get_type(v) for v in [None, True, 1, 1.5, "s", [], {}, (), set(), object()]] == [
        "null", "boolean", "number", "number", "string", "array", "object", "unknown", "unknown", "unknown"]
    assert deep_equal({"a": [1, 2.0]}, {"a": [1, 2]}) and deep_equal(1, True)
    assert not deep_equal([1], (1,)) and not deep_equal({"a": 1}, {"b": 1}) and not deep_equal(float("nan"), float("nan"))
    assert count_fields({"a": [1, 2, {"b": 1}], "c": {}}) == 6 and count_fields([]) == 0 and count_fields(1) == 1
    assert Compare.count_fields({"a": 1, "b": 2}) == 4 and Compare.get_type(None) == "null" and Compare.deep_equal(1, 1)


def d(path, expected, actual, kind, severity, message, similarity=None) -> Difference:
    return Difference(path, expected, actual, DifferenceType(kind), DifferenceSeverity(severity), message, similarity)


O = ObjectComparisonOptions


@pytest.mark.parametrize(
    ("expected", "actual", "options", "diffs"),
    [
        ({"a": 1, "b": 2}, {"b": 2}, None, [d("a", 1, None, "missing", "error", "Missing field: a")]),
        ({"a": 1}, {"a": 1, "z": 2}, O(style="lenient"), [d("z", None, 2, "extra", "info", "Extra field: z")]),
        ({"a": 1}, {"a": 1, "z": 2}, None, [d("z", None, 2, "extra", "error", "Extra field: z")]),
        ({"a": 1}, {"a": 1, "z": 2}, O(ignore_extra_fields=True), []),
        ({"a": 1.5}, {"a": 2.25}, O(style="lenient"), [d("a", 1.5, 2.25, "different", "error", "Numbers differ: 1.5 vs 2.25")]),
        ({"a": "abc"}, {"a": "xyz"}, O(style="lenient"), [d("a", "abc", "xyz", "different", "error", "Strings differ", 0.0)]),
        ({"b": "hello world"}, {"b": "hello worlds"}, O(style="lenient"),
         [d("b", "hello world", "hello worlds", "different", "warning", "Strings differ but similar (92%)", 0.9166666666666666)]),
        ("Hello", "hello", O(style="lenient"), [d("", "Hello", "hello", "different", "warning", "Strings differ but similar (80%)", 0.8)]),
        ("a  b", "a b", None, [d("", "a  b", "a b", "different", "error", "Strings differ", 1.0)]),
        ([{"a": 1}], [{"a": 2}], None, [d("[0].a", 1, 2, "different", "error", "Numbers differ: 1 vs 2")]),
        ({"l": [[1]]}, {"l": [[2]]}, None, [d("l[0][0]", 1, 2, "different", "error", "Numbers differ: 1 vs 2")]),
        ([1, 2], [1], None, [d("[1]", 2, None, "missing", "error", "Missing item at index 1")]),
        ([1], [1, 2], None, [d("[1]", None, 2, "extra", "warning", "Extra item at index 1")]),
        ([1], [1, 2], O(ignore_extra_fields=True), [d("[1]", None, 2, "extra", "info", "Extra item at index 1")]),
        ([3, 1, 2], [1, 2, 3], O(ignore_array_order=True), []),
        ([3, 1, 2], [1, 2, 4], O(ignore_array_order=True),
         [d("[]", 3, None, "missing", "error", "Item missing in actual array"),
          d("[]", None, 4, "extra", "warning", "Extra item in actual array")]),
        ([1, 1, 2], [1, 2, 2], O(ignore_array_order=True),  # multisets (the reference compared sets)
         [d("[]", 1, None, "missing", "error", "Item missing in actual array"),
          d("[]", None, 2, "extra", "warning", "Extra item in actual array")]),
        ({"a": {"b": 1}}, {"a": [1]}, None, [d("a", {"b": 1}, [1], "type-mismatch", "error", "Type mismatch: expected object, got array")]),
        ("a", 1, None, [d("", "a", 1, "type-mismatch", "error", "Type mismatch: expected string, got number")]),
        (None, 1, None, [d("", None, 1, "type-mismatch", "error", "Type mismatch: expected null, got number")]),
        (True, False, None, [d("", True, False, "different", "error", "Boolean mismatch: True vs False")]),
        (True, 1, None, []),
        (1, 2, O(numeric_tolerance=5), []),
        ({"x": {"a": 1}}, {"x": {}}, None, [d("x.a", 1, None, "missing", "error", "Missing field: a")]),
        ({"a": 1, "z": 2}, {"b": 1, "a": 1}, None,
         [d("z", 2, None, "missing", "error", "Missing field: z"), d("b", None, 1, "extra", "error", "Extra field: b")]),
    ],
)
def test_compare_values(expected, actual, options, diffs) -> None:
    assert compare_values(expected, actual, options) == diffs
    assert Compare.values(expected, actual, options) == diffs


def test_custom_comparisons() -> None:
    always = O(custom_comparisons={"x.y": lambda a, b: False})
    assert compare_values({"x": {"y": "a"}}, {"x": {"y": "b"}}, always) == [
        d("x.y", "a", "b", "different", "error", "Custom comparison failed for x.y")]
    assert compare_values({"x": {"y": "a"}}, {"x": {"y": "b"}}, O(custom_comparisons={"x.y": lambda a, b: 0.5})) == [
        d("x.y", "a", "b", "different", "warning", "Custom comparison score too low: 0.50", 0.5)]
    assert compare_values({"x": {"y": "a"}}, {"x": {"y": "b"}}, O(custom_comparisons={"x.y": lambda a, b: 0.9})) == []
    assert compare_values({"x": 1}, {"x": 1}, O(custom_comparisons={"x": lambda a, b: False})) == []
    assert compare_values({"a": 1}, {"a": "x"}, O(custom_comparisons={"a": lambda a, b: True})) == []
    # Addition: array items are addressed by their path too.
    assert compare_values({"x": [1]}, {"x": [2]}, O(custom_comparisons={"x[0]": lambda a, b: True})) == []


def test_objects_arrays_and_score() -> None:
    assert compare_objects({"a": 1}, {"a": 2}, O(), "root") == [d("root.a", 1, 2, "different", "error", "Numbers differ: 1 vs 2")]
    assert compare_arrays([1], [2], O(), "arr") == [d("arr[0]", 1, 2, "different", "error", "Numbers differ: 1 vs 2")]
    assert Compare.objects({"a": 1}, {"a": 1}) == [] and Compare.arrays([1], [1]) == []
    diffs = compare_values({"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert calculate_similarity_score(diffs, count_fields({"a": 1, "b": 2})) == 0.75
    assert calculate_similarity_score([], 0) == 1.0
    assert Compare.similarity_score(compare_values({"a": 1}, {"a": 2, "b": 1}), 1) == 0.0
    mixed = [d("", 0, 0, "different", s, "m") for s in ("error", "warning", "info")]
    assert calculate_similarity_score(mixed, 10) == pytest.approx(0.84)
    assert compare_values(object(), object())[0].message == "Values differ"
    with pytest.raises(TypeError, match="ObjectComparisonOptions"):
        compare_values(1, 2, "strict")  # type: ignore[arg-type]


def test_enums_and_top_level_names() -> None:
    assert [s.value for s in DifferenceSeverity] == ["error", "warning", "info"]
    assert [t.value for t in DifferenceType] == ["missing", "extra", "different", "type-mismatch"]
    assert l0.Compare is Compare and l0.Difference is Difference and l0.ObjectComparisonOptions is O
    assert O() == O("strict", False, False, 0.001, {})
