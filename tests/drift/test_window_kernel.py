"""The drift window scan twins (``WindowScan``): compiled and pure agree on every stream."""

from __future__ import annotations

import importlib
import inspect
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

TWINS = ("cython", "python")
SPECIAL = "\u0130\u03a3\u0131\u017f\u212a\u212b"


def twin(name: str):
    return importlib.import_module("l0._speedups.drift" if name == "cython" else "l0._pure.drift")


compiled, pure = twin("cython"), twin("python")
ALL = compiled.META | compiled.TONE | compiled.REPETITION
from l0._drift_text import window_bits  # noqa: E402

# Pieces that make every detector fire now and then: meta phrases, tone words, sentence
# marks, repeated phrases, Markdown, mixed case, Unicode whitespace and word characters.
PIECES = [
    "As an AI", "i'm an ai", "Let me explain", "in other words", "TO CLARIFY", "thus", "Therefore", "okay",
    "OK", "yeah", "nope", "hence", "gonna", "ok_", "the cat sat on the mat", "The Cat Sat On The Mat",
    ". ", "! ", "? ", "...", " ", "  ", "\n", "\t", "\u00a0", "\u2003", "# ", "## Title\n", "####### x\n",
    "**bold**", "**", "*", "[link](url)", "[a](b", "](", ")", "```", "``", "\u00e9t\u00e9", "caf\u00e9",
    "\u00c9COLE", "\U0001f600", "x" * 25, "word", "Word", "WORD", "_", "42", "3.14",
]


def _doc(obj: object) -> str:
    """The docstring without the signature line Cython embeds."""
    lines = inspect.cleandoc(obj.__doc__ or "").splitlines()
    if lines and re.match(r"[\w.]+\(.*\)$", lines[0]):
        lines = lines[1:]
    return "\n".join(lines).strip()


def _window(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


@pytest.mark.parametrize("name", TWINS)
def test_same_public_names_and_constants(name):
    mod = twin(name)
    assert sorted(mod.__all__) == sorted(compiled.__all__)
    assert (mod.TAIL, mod.META, mod.TONE, mod.REPETITION) == (200, 1, 2, 4)
    for attr in ("__init__", "scan", "reset", "prev_n"):
        assert hasattr(mod.WindowScan, attr)
    for obj in (lambda m: m.WindowScan, lambda m: m.WindowScan.scan, lambda m: m.WindowScan.reset):
        assert _doc(obj(mod)) == _doc(obj(compiled))


@settings(max_examples=300, deadline=None)
@given(window=st.text(max_size=300), threshold=st.integers(1, 3), flags=st.integers(0, 7))
def test_twins_agree_on_arbitrary_text(window, threshold, flags):
    """One scan of arbitrary text (the compiled twin hands irregular case folds to ``window_bits``)."""
    from l0.types import State

    state = State(content=window)
    scans = [_scanner(compiled, 250, threshold, flags), _scanner(pure, 250, threshold, flags)]
    assert scans[0].scan(state.buffer, window) == scans[1].scan(state.buffer, window)


@pytest.mark.parametrize("char", list(SPECIAL))
def test_windows_whose_lower_casing_is_irregular_match(char):
    from l0.types import State

    state = State(content="as an ai " + char)
    for mod in (compiled, pure):
        assert _scanner(mod, 100, 3, ALL).scan(state.buffer, state.content) & mod.META_COMMENTARY


def test_layout():
    sentence = "The same long sentence again. "
    value = window_bits("Thus hence yeah. As an AI. " + sentence * 3 + "**a** [x](y)", 3, ALL)
    assert value & 1 and value & 2
    assert (value >> 8) & 0xFFF == 2 and (value >> 20) & 0xFFF == 1 and value >> 32 == 2
    assert window_bits("anything", 3, 0) == 0


def test_bad_threshold():
    with pytest.raises(ValueError, match="threshold must be a positive int"):
        window_bits("text", 0, 7)


def _scanner(mod, size: int, threshold: int, flags: int):
    from collections import deque

    entropy = importlib.import_module("l0._speedups.entropy" if mod is compiled else "l0._pure.entropy")
    return mod.WindowScan(size, threshold, flags, entropy.EntropyRing(12), deque(maxlen=12), True, 1.5)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.sampled_from([0, 1, 7, 40, 120, 250, 500]),
       threshold=st.integers(1, 4), flags=st.integers(0, 7), every=st.integers(1, 9),
       length=st.integers(0, 200), special=st.booleans())
def test_window_scan_twins_agree_on_streams(seed, size, threshold, flags, every, length, special):
    """Compiled (incremental) and pure (whole window) WindowScan: same masks, history and positions."""
    from l0.types import State

    rng = random.Random(seed)
    pieces = PIECES + (list(SPECIAL) if special else []) + ["x" * 300]  # a jump longer than the window
    scans = [_scanner(compiled, size, threshold, flags), _scanner(pure, size, threshold, flags)]
    state = State()
    pos = 0
    for i in range(length):
        state.buffer.append(rng.choice(pieces))
        if i % every == 0:
            delta = state.buffer.since(pos)
            pos = len(state.buffer)
            fresh = rng.random() < 0.5  # delta is exactly the new text: the compiled twin reads it instead
            got = [s.scan(state.buffer, delta, fresh) for s in scans]
            assert got[0] == got[1], state.content[-size - 20:]
    assert scans[0].prev_n == scans[1].prev_n
    assert list(scans[0].tokens) == list(scans[1].tokens)
    assert scans[0].ring.values() == pytest.approx(scans[1].ring.values())


@pytest.mark.parametrize("name", TWINS)
def test_window_scan_reports_replaced_content(name):
    from l0.types import State

    scan = _scanner(twin(name), 100, 3, 7)
    state = State(content="hello there")
    assert scan.scan(state.buffer, "hello there") >= 0
    state.content = "different!!"
    assert scan.scan(state.buffer, "x") == -1
    scan.reset()
    assert scan.scan(state.buffer, "different!!") >= 0 and scan.prev_n == len("different!!")


@pytest.mark.parametrize("name", TWINS)
def test_window_scan_bad_arguments(name):
    mod = twin(name)
    with pytest.raises(ValueError, match="size must be an int >= 0"):
        _scanner(mod, -1, 3, 7)
    with pytest.raises(ValueError, match="threshold must be a positive int"):
        _scanner(mod, 10, 0, 7)
