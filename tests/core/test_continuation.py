"""l0.continuation: configuration models, detect_overlap and the streaming OverlapDeduplicator."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from l0.continuation import (
    Continuation,
    ContinuationConfig,
    DeduplicationOptions,
    OverlapDeduplicator,
    OverlapResult,
    deduplicate_continuation,
    detect_overlap,
)

SETTINGS = settings(max_examples=200, deadline=None)
TEXT = st.text(alphabet="ab c\n", max_size=40)  # small alphabet: many accidental overlaps


def brute_overlap(checkpoint: str, continuation: str, lo: int = 2, hi: int = 500) -> int:
    """Longest L in [lo, hi] with checkpoint ending in continuation[:L] (reference definition)."""
    top = min(len(checkpoint), len(continuation), hi)
    for length in range(top, lo - 1, -1):
        if checkpoint.endswith(continuation[:length]):
            return length
    return 0


def stream_dedupe(checkpoint: str, pieces: list[str], options: DeduplicationOptions | None = None) -> str:
    """Feed ``pieces`` through an OverlapDeduplicator and join what it releases."""
    d = OverlapDeduplicator(checkpoint, options)
    out = [d.feed(p) for p in pieces]
    out.append(d.finish())
    return "".join(out)


# -- configuration ----------------------------------------------------------------------------------


def test_config_defaults() -> None:
    c = ContinuationConfig()
    assert (c.enabled, c.checkpoint_interval, c.deduplicate, c.validate_checkpoint) == (True, 5, True, True)
    assert c.deduplication_options == DeduplicationOptions()
    o = DeduplicationOptions()
    assert (o.min_overlap, o.max_overlap, o.case_sensitive, o.normalize_whitespace) == (2, 500, True, False)
    assert ContinuationConfig.default() == c and ContinuationConfig.disabled().enabled is False
    assert list(ContinuationConfig.model_fields) == [
        "enabled", "checkpoint_interval", "deduplicate", "deduplication_options", "validate_checkpoint"]


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (ContinuationConfig, {"checkpoint_interval": 0}, "checkpoint_interval"),
        (DeduplicationOptions, {"min_overlap": 0}, "min_overlap"),
        (DeduplicationOptions, {"max_overlap": 0}, "max_overlap"),
        (DeduplicationOptions, {"min_overlap": 10, "max_overlap": 5}, r"min_overlap \(10\) must be <= max_overlap"),
        (ContinuationConfig, {"checkpoint_intervall": 3}, "checkpoint_intervall"),
    ],
)
def test_config_bad_input(cls: type, kwargs: dict, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        cls(**kwargs)


def test_namespace() -> None:
    assert Continuation.Config is ContinuationConfig and Continuation.Options is DeduplicationOptions
    assert Continuation.OverlapResult is OverlapResult and Continuation.Deduplicator is OverlapDeduplicator
    assert Continuation.deduplicate("Hello world", "world is great") == " is great"
    assert Continuation.detect_overlap("ab", "ab").overlap_text == "ab"


# -- detect_overlap ---------------------------------------------------------------------------------


def test_examples() -> None:
    assert detect_overlap("Hello world", "world is great") == OverlapResult(True, 5, "world", " is great")
    assert deduplicate_continuation("Hello world this is a test", " test") == ""
    assert detect_overlap("", "abc") == OverlapResult(False, 0, "", "abc")
    assert detect_overlap("abc", "") == OverlapResult(False, 0, "", "")
    assert detect_overlap("abc", "xyz") == OverlapResult(False, 0, "", "xyz")
    # A single matching character is below min_overlap=2.
    assert not detect_overlap("abc", "cde").has_overlap
    assert detect_overlap("abc", "cde", DeduplicationOptions(min_overlap=1)).overlap_text == "c"
    # Longest wins.
    assert detect_overlap("abab", "ababx").overlap_text == "abab"


def test_max_overlap_limits_search() -> None:
    opts = DeduplicationOptions(max_overlap=3)
    assert detect_overlap("xxabcd", "abcdyy", opts).has_overlap is False
    assert detect_overlap("xxabcd", "bcdyy", opts).overlap_text == "bcd"


def test_case_insensitive() -> None:
    opts = DeduplicationOptions(case_sensitive=False)
    result = detect_overlap("Hello World", "WORLD peace", opts)
    assert result.overlap_text == "WORLD" and result.deduplicated == " peace"
    assert not detect_overlap("Hello World", "WORLD peace").has_overlap
    # Characters whose lower case has two code points keep indices aligned.
    assert detect_overlap("xİab", "İabc", opts).overlap_text == "İab"


def test_whitespace_normalization_maps_back_to_original_text() -> None:
    opts = DeduplicationOptions(normalize_whitespace=True)
    result = detect_overlap("the quick  brown", "quick brown   fox", opts)
    assert result.overlap_text == "quick brown" and result.deduplicated == "   fox"
    # The reference cut "quick   bro" here (normalized length applied to the original text).
    spaced = detect_overlap("the quick  brown", "quick   brown fox", opts)
    assert spaced.overlap_text == "quick   brown" and spaced.deduplicated == " fox"
    run = detect_overlap("foo bar ", "bar \n\t baz", opts)
    assert run.overlap_text == "bar \n\t " and run.deduplicated == "baz"
    assert run.overlap_length == len(run.overlap_text)
    both = DeduplicationOptions(normalize_whitespace=True, case_sensitive=False)
    assert detect_overlap("ab  cd", "AB CD ef", both) == OverlapResult(True, 5, "AB CD", " ef")


def test_long_inputs_are_bounded() -> None:
    checkpoint = "z" * 1_000_000 + "tail text"
    continuation = "tail text and more" + "y" * 1_000_000
    result = detect_overlap(checkpoint, continuation)
    assert result.overlap_text == "tail text" and len(result.deduplicated) == 1_000_009
    ws = detect_overlap("x end" + " " * 10_000, "end   " + "q" * 5, DeduplicationOptions(normalize_whitespace=True))
    assert ws.overlap_text == "end   " and ws.deduplicated == "qqqqq"


@SETTINGS
@given(checkpoint=TEXT, continuation=TEXT, lo=st.integers(1, 4), hi=st.integers(4, 30))
def test_matches_brute_force(checkpoint: str, continuation: str, lo: int, hi: int) -> None:
    opts = DeduplicationOptions(min_overlap=lo, max_overlap=hi)
    expected = brute_overlap(checkpoint, continuation, lo, hi)
    result = detect_overlap(checkpoint, continuation, opts)
    assert result.overlap_length == expected
    assert result.has_overlap is (expected > 0)
    assert result.overlap_text + result.deduplicated == continuation


@SETTINGS
@given(checkpoint=st.text(min_size=1, max_size=60), k=st.integers(0, 60), new=st.text(max_size=30))
def test_removes_exactly_the_overlap_at_every_split(checkpoint: str, k: int, new: str) -> None:
    """continuation = checkpoint[k:] + new: the overlap removed is the longest one, at least that suffix."""
    k = min(k, len(checkpoint))
    continuation = checkpoint[k:] + new
    result = detect_overlap(checkpoint, continuation)
    suffix = len(checkpoint) - k
    assert result.overlap_length == brute_overlap(checkpoint, continuation)
    if suffix >= 2:
        assert result.overlap_length >= suffix
    if not new and suffix >= 2:
        assert result.overlap_text == checkpoint[k:] and result.deduplicated == ""
    assert continuation.startswith(result.overlap_text)
    assert checkpoint.endswith(result.overlap_text)


@SETTINGS
@given(
    checkpoint=st.text(alphabet="aB  \tx", max_size=30),
    continuation=st.text(alphabet="Ab \n x", max_size=30),
    fold=st.booleans(),
)
def test_normalized_overlap_is_consistent(checkpoint: str, continuation: str, fold: bool) -> None:
    opts = DeduplicationOptions(normalize_whitespace=True, case_sensitive=not fold)

    def norm(s: str) -> str:
        s = re.sub(r"\s+", " ", s)
        return s.lower() if fold else s

    result = detect_overlap(checkpoint, continuation, opts)
    assert result.overlap_text + result.deduplicated == continuation
    if result.has_overlap:
        n = norm(result.overlap_text)
        assert norm(checkpoint).endswith(n) and len(n) >= 2
        assert not result.deduplicated[:1].isspace() or not result.overlap_text[-1:].isspace()
    else:
        nc, nn = norm(checkpoint), norm(continuation)
        assert all(not nc.endswith(nn[:k]) for k in range(2, min(len(nc), len(nn)) + 1))


# -- streaming dedupe -------------------------------------------------------------------------------


def test_streaming_example_split_across_tokens() -> None:
    d = OverlapDeduplicator("Hello world this is a test")
    assert [d.feed(t) for t in [" te", "st", " continued", " end"]] == ["", "", " continued", " end"]
    assert d.result == OverlapResult(True, 5, " test", "") and d.decided and d.finish() == ""


def test_streaming_decides_immediately_without_match() -> None:
    d = OverlapDeduplicator("Hello world")
    assert d.feed("Brand new") == "Brand new"
    assert d.decided and not d.result.has_overlap


def test_streaming_finish_flushes_pending() -> None:
    d = OverlapDeduplicator("abc def")
    assert d.feed("de") == ""
    assert d.pending == "de"
    assert d.finish() == "de"  # "de" is not a suffix of the checkpoint
    e = OverlapDeduplicator("abc def")
    assert e.feed("def") == ""  # a longer overlap ("c def"...) cannot start with "def", but "def" may end it
    assert e.finish() == ""


def test_streaming_empty_checkpoint_passes_through() -> None:
    d = OverlapDeduplicator("")
    assert d.decided and d.feed("abc") == "abc" and d.finish() == ""
    with pytest.raises(TypeError, match="checkpoint must be str"):
        OverlapDeduplicator(None)  # type: ignore[arg-type]


def test_streaming_whitespace_run_after_overlap_is_eaten() -> None:
    opts = DeduplicationOptions(normalize_whitespace=True)
    assert stream_dedupe("foo bar ", ["bar ", "  ", " baz"], opts) == "baz"
    assert deduplicate_continuation("foo bar ", "bar    baz", opts) == "baz"


def _splits(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(text[last:p])
        last = p
    pieces.append(text[last:])
    return pieces


@SETTINGS
@given(checkpoint=TEXT, continuation=TEXT, cuts=st.lists(st.integers(0, 40), max_size=8),
       lo=st.integers(1, 3), hi=st.integers(3, 25))
def test_streaming_equals_batch_for_any_split(checkpoint: str, continuation: str, cuts: list[int], lo: int,
                                              hi: int) -> None:
    opts = DeduplicationOptions(min_overlap=lo, max_overlap=hi)
    expected = deduplicate_continuation(checkpoint, continuation, opts)
    assert stream_dedupe(checkpoint, _splits(continuation, cuts), opts) == expected


@SETTINGS
@given(checkpoint=st.text(min_size=1, max_size=50), k=st.integers(0, 50), new=st.text(max_size=20),
       cuts=st.lists(st.integers(0, 70), max_size=6))
def test_streaming_resume_split_at_every_position(checkpoint: str, k: int, new: str, cuts: list[int]) -> None:
    """Resume output: checkpoint + deduped continuation equals the batch result, however tokens are cut."""
    continuation = checkpoint[min(k, len(checkpoint)):] + new
    batch = deduplicate_continuation(checkpoint, continuation)
    assert stream_dedupe(checkpoint, _splits(continuation, cuts)) == batch


@SETTINGS
@given(checkpoint=st.text(alphabet="aA \t\nb", max_size=25), continuation=st.text(alphabet="aA \t\nb", max_size=25),
       cuts=st.lists(st.integers(0, 30), max_size=6), fold=st.booleans())
def test_streaming_equals_batch_normalized(checkpoint: str, continuation: str, cuts: list[int], fold: bool) -> None:
    opts = DeduplicationOptions(normalize_whitespace=True, case_sensitive=not fold)
    expected = deduplicate_continuation(checkpoint, continuation, opts)
    assert stream_dedupe(checkpoint, _splits(continuation, cuts), opts) == expected


def test_streaming_holds_back_at_most_max_overlap() -> None:
    opts = DeduplicationOptions(max_overlap=10)
    d = OverlapDeduplicator("a" * 100, opts)
    released = [d.feed("a") for _ in range(10)]
    assert released == [""] * 9 + [""]
    assert d.decided and d.result.overlap_length == 10
    assert d.feed("b") == "b"
