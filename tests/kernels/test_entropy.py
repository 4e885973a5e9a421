"""EntropyRing and shannon_entropy: behaviour on both backends and twin agreement."""

from __future__ import annotations

import math
import re
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

HYP = settings(max_examples=150, deadline=None)
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


def reference_entropy(text: str) -> float:
    """Shannon entropy in bits, straight from the definition."""
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values()) if n else 0.0


def outcome(fn) -> tuple:
    """Result of ``fn()`` as ``("ok", value)`` or ``("raise", type, message)``."""
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - compared across twins
        return ("raise", type(exc), str(exc))


# --- EntropyRing ----------------------------------------------------------------------


def test_empty_ring(kernels):
    ring = kernels.EntropyRing(4)
    assert (ring.count, ring.capacity, ring.mean(), ring.std(), ring.values()) == (0, 4, 0.0, 0.0, [])
    with pytest.raises(IndexError, match="^last\\(\\) on an empty EntropyRing$"):
        ring.last()


def test_window_keeps_the_newest_values(kernels):
    ring = kernels.EntropyRing(3)
    for x in range(1, 11):
        ring.push(x)
    assert ring.count == 3
    assert ring.values() == [8.0, 9.0, 10.0]
    assert ring.last() == 10.0
    assert ring.mean() == pytest.approx(9.0)
    assert ring.std() == pytest.approx(math.sqrt(2 / 3))


def test_partially_filled_ring(kernels):
    ring = kernels.EntropyRing(10)
    for x in (2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0):
        ring.push(x)
    assert ring.count == 8
    assert ring.mean() == pytest.approx(5.0)
    assert ring.std() == pytest.approx(2.0)
    assert ring.values() == [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]


def test_huge_capacity_allocates_as_values_arrive(kernels):
    ring = kernels.EntropyRing(2**31 - 1)
    for x in range(1000):
        ring.push(x)
    assert ring.count == 1000
    assert ring.values() == [float(x) for x in range(1000)]
    assert ring.mean() == pytest.approx(499.5)


def test_capacity_one(kernels):
    ring = kernels.EntropyRing(1)
    for x in (3.5, -1.0, 1e300):
        ring.push(x)
        assert ring.values() == [x]
        assert ring.mean() == x
        assert ring.std() == 0.0


def test_clear_then_reuse(kernels):
    ring = kernels.EntropyRing(3)
    for x in (1e9, -1e9, 5.0, 6.0):
        ring.push(x)
    ring.clear()
    assert (ring.count, ring.mean(), ring.std(), ring.values()) == (0, 0.0, 0.0, [])
    ring.push(1.0)
    ring.push(3.0)
    assert (ring.mean(), ring.std(), ring.values(), ring.last()) == (2.0, 1.0, [1.0, 3.0], 3.0)


def test_accepts_real_numbers(kernels):
    ring = kernels.EntropyRing(5)
    for x in (1, True, np.float32(0.5), np.int64(7), Fraction(1, 4)):
        ring.push(x)
    assert ring.values() == [1.0, 1.0, 0.5, 7.0, 0.25]
    assert all(type(v) is float for v in ring.values())
    assert type(ring.mean()) is float and type(ring.std()) is float and type(ring.last()) is float


def test_constant_values_have_zero_std(kernels):
    ring = kernels.EntropyRing(7)
    for _ in range(100):
        ring.push(0.1)
    assert ring.std() == 0.0
    assert ring.mean() == pytest.approx(0.1, rel=1e-15)


def test_no_drift_after_ten_million_pushes(kernels):
    """Values around 1e6 with unit variance: the running window matches numpy."""
    n = 10_000_000 if kernels.name == "cython" else 1_000_000
    capacity = 1000
    rng = np.random.default_rng(20260101)
    ring = kernels.EntropyRing(capacity)
    push = ring.push
    for _ in range(n // 1_000_000):
        chunk = 1e6 + rng.standard_normal(1_000_000)
        for x in chunk.tolist():
            push(x)
    window = chunk[-capacity:]
    assert ring.values() == window.tolist()
    assert ring.mean() == pytest.approx(window.mean(), rel=1e-14)
    assert ring.std() == pytest.approx(window.std(), rel=1e-9)


def test_regime_change_to_tiny_variance(kernels):
    """After huge values leave the window, the tiny variance left is still exact."""
    rng = np.random.default_rng(7)
    values = np.concatenate([1e9 + 1e3 * rng.standard_normal(230), 1e-3 * rng.standard_normal(120)]).tolist()
    ring = kernels.EntropyRing(50)
    for i, x in enumerate(values):
        ring.push(x)
        if i >= 49:
            window = np.array(values[i - 49 : i + 1])
            assert ring.std() == pytest.approx(window.std(), rel=1e-6)
            assert ring.mean() == pytest.approx(window.mean(), rel=1e-6, abs=1e-6 * window.std())


@HYP
@given(values=st.lists(finite, max_size=80), capacity=st.integers(1, 20))
def test_ring_twins_agree_with_numpy(twins, values, capacity):
    compiled, pure = twins
    c, p = compiled.EntropyRing(capacity), pure.EntropyRing(capacity)
    for x in values:
        c.push(x)
        p.push(x)
        assert c.values() == p.values()
        assert c.mean() == pytest.approx(p.mean(), rel=1e-12, abs=1e-12)
        assert c.std() == pytest.approx(p.std(), rel=1e-12, abs=1e-12)
        assert c.last() == p.last() == x
    window = values[-capacity:]
    assert c.values() == window
    assert c.count == p.count == len(window)
    if window:
        scale = max(1.0, max(abs(v) for v in window))
        assert c.mean() == pytest.approx(float(np.mean(window)), abs=1e-9 * scale)
        assert c.std() == pytest.approx(float(np.std(window)), abs=1e-6 * scale)


BAD_RING_CALLS = [
    (lambda K: K.EntropyRing(0), ValueError, "capacity must be a positive int, got 0"),
    (lambda K: K.EntropyRing(-5), ValueError, "capacity must be a positive int, got -5"),
    (lambda K: K.EntropyRing(2**31), ValueError, f"capacity must be at most {2**31 - 1}, got {2**31}"),
    (lambda K: K.EntropyRing(10**400), ValueError, f"capacity must be at most {2**31 - 1}, got {10**400}"),
    (lambda K: K.EntropyRing(2.0), TypeError, "capacity must be int, got float"),
    (lambda K: K.EntropyRing("3"), TypeError, "capacity must be int, got str"),
    (lambda K: K.EntropyRing(None), TypeError, "capacity must be int, got NoneType"),
    (lambda K: K.EntropyRing(2).push(float("nan")), ValueError, "value must be finite, got nan"),
    (lambda K: K.EntropyRing(2).push(float("inf")), ValueError, "value must be finite, got inf"),
    (lambda K: K.EntropyRing(2).push(-math.inf), ValueError, "value must be finite, got -inf"),
    (lambda K: K.EntropyRing(2).push(np.float64("nan")), ValueError, "value must be finite, got nan"),
    (
        lambda K: K.EntropyRing(2).push(10**400),
        ValueError,
        "value must be finite, got a number too large for float64",
    ),
    (lambda K: K.EntropyRing(2).push("1.0"), TypeError, "value must be a real number, got str"),
    (lambda K: K.EntropyRing(2).push(None), TypeError, "value must be a real number, got NoneType"),
    (lambda K: K.EntropyRing(2).push(1j), TypeError, "value must be a real number, got complex"),
    (lambda K: K.shannon_entropy(b"abc"), TypeError, "text must be str, got bytes"),
    (lambda K: K.shannon_entropy(None), TypeError, "text must be str, got NoneType"),
    (lambda K: K.shannon_entropy(["a"]), TypeError, "text must be str, got list"),
]


@pytest.mark.parametrize(("call", "exc", "message"), BAD_RING_CALLS)
def test_bad_input_raises_clear_errors(kernels, call, exc, message):
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        call(kernels)


def test_rejected_push_leaves_the_ring_unchanged(kernels):
    ring = kernels.EntropyRing(2)
    ring.push(1.0)
    with pytest.raises(ValueError):
        ring.push(math.nan)
    assert (ring.values(), ring.mean(), ring.std()) == ([1.0], 1.0, 0.0)


# --- shannon_entropy ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("", 0.0),
        ("a", 0.0),
        ("aaaa", 0.0),
        ("ab", 1.0),
        ("aabb", 1.0),
        ("abcd", 2.0),
        ("\U0001f600\ud800", 1.0),
        ("\u4e2d\u6587\u4e2d\u6587", 1.0),
        ("".join(map(chr, range(256))), 8.0),
        ("".join(map(chr, range(0x1000, 0x1000 + 1024))), 10.0),
    ],
)
def test_entropy_known_values(kernels, text, bits):
    assert kernels.shannon_entropy(text) == pytest.approx(bits, abs=1e-12)
    assert kernels.shannon_entropy(text) >= 0.0


@pytest.mark.parametrize(
    "text",
    [
        "".join(chr(0x100 + (i * 7919) % 5000) for i in range(20_000)) + "abc\U00010000" * 50,
        "".join(chr(0x1000 * (i % 17) + (i // 17) % 3 + 0x100) for i in range(6000)),  # same low bits
        "".join(chr(0x10000 + (i * 0x1001) % 0x100000) for i in range(3000)) + "\ud800" * 7,
    ],
    ids=["many", "strided", "astral"],
)
def test_entropy_of_wide_text_with_many_distinct_characters(kernels, text):
    assert kernels.shannon_entropy(text) == pytest.approx(reference_entropy(text), rel=1e-12)


@HYP
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.text(st.characters(exclude_categories=()), max_size=300),
        st.text(st.characters(max_codepoint=0xFF), max_size=300),
        st.text(st.characters(min_codepoint=0xFFF0, max_codepoint=0x1000F, exclude_categories=()), max_size=60),
    )
)
def test_entropy_twins_agree_with_the_definition(twins, text):
    compiled, pure = twins
    c = compiled.shannon_entropy(text)
    assert c == pytest.approx(pure.shannon_entropy(text), rel=1e-13, abs=1e-13)
    assert c == pytest.approx(reference_entropy(text), rel=1e-12, abs=1e-12)
    assert type(c) is float


def test_entropy_of_str_subclass(kernels):
    class Tagged(str):
        pass

    assert kernels.shannon_entropy(Tagged("aabb")) == pytest.approx(1.0)


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_ring_copy_and_pickle_keep_the_exact_state(kernels, how):
    import copy
    import pickle

    ring = kernels.EntropyRing(5)
    for x in VALUES_FOR_COPY[:13]:
        ring.push(x)
    clone = {
        "copy": copy.copy,
        "deepcopy": copy.deepcopy,
        "pickle": lambda r: pickle.loads(pickle.dumps(r)),
    }[how](ring)
    assert type(clone) is type(ring)
    for x in VALUES_FOR_COPY[13:]:
        ring.push(x)
        clone.push(x)
        assert (clone.values(), clone.mean(), clone.std()) == (ring.values(), ring.mean(), ring.std())
    clone.push(100.0)
    assert ring.last() != clone.last()


VALUES_FOR_COPY = [0.5 * i + (-1) ** i * 3.25 for i in range(30)]


anything = st.one_of(
    st.floats(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
    st.complex_numbers(),
    st.fractions(),
    st.decimals(allow_nan=False),
)


@HYP
@given(items=st.lists(anything, max_size=20), capacity=st.one_of(st.integers(-3, 6), anything))
def test_ring_twins_raise_alike_on_any_input(twins, items, capacity):
    compiled, pure = twins
    rc = outcome(lambda: compiled.EntropyRing(capacity))
    rp = outcome(lambda: pure.EntropyRing(capacity))
    assert rc[0] == rp[0]
    if rc[0] == "raise":
        assert rc == rp
        return
    c, p = rc[1], rp[1]
    for item in items:
        assert outcome(lambda: c.push(item)) == outcome(lambda: p.push(item))
        assert c.values() == p.values()
        assert outcome(lambda: compiled.shannon_entropy(item)) == outcome(lambda: pure.shannon_entropy(item))
