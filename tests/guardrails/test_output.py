"""zero_output, stall and repetition rules and the output helpers."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import l0.guardrails.output as output_mod
from l0.guardrails import is_noise_only, is_zero_output, repetition_rule, stall_rule, zero_output_rule
from l0.types import State


@pytest.mark.parametrize("text, zero, noise", [
    ("", True, True), ("  \n\t", True, True), ("...!!!", False, True), ("10101010101", False, True),
    ("abababababababababab", False, True), ("ab" * 5, False, False), ("Hello world, fine.", False, False),
    ("hello hello hello hello hello hello hello hello", False, True),
])
def test_zero_and_noise_helpers(text, zero, noise):
    assert is_zero_output(text) is zero
    assert is_noise_only(text) is noise


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(" ab]^-\\[c\n\u00e9"), max_size=30))
def test_two_symbol_noise_test_equals_counting_distinct_characters(text):
    """The early-exit test agrees with ``len(set(text without spaces)) <= 2`` (regex metacharacters included)."""
    assert output_mod._at_most_two_symbols(text) is (len(set(text.replace(" ", ""))) <= 2)


def test_zero_output_rule(completed_state):
    r = zero_output_rule()
    assert (r.name, r.streaming, r.description) == ("zero_output", False, "Detects empty or meaningless output")
    assert [v.message for v in r.check(completed_state("  "))] == ["Empty or whitespace-only output"]
    assert [v.message for v in r.check(completed_state("?!?!"))] == [
        "Output appears to be noise (punctuation or repeated characters)"]
    assert r.check(completed_state("A real answer.")) == []
    assert r.new_session().check(State(content="")) == []  # completion-only, safe mid-stream


def test_stall_rule_uses_the_gap_since_the_last_token(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(output_mod.time, "time", lambda: now[0])
    r = stall_rule(max_gap=2.0)
    assert (r.name, r.severity, r.description) == ("stall", "warning", "Detects token stalls")
    s = State(content="x")
    sess = r.new_session()
    assert sess.check(s) == []  # no token timestamp yet
    s.last_token_at = 999.0
    assert sess.check(s) == [] and s.drift_detected is False
    now[0] = 1003.5
    (v,) = sess.check(s)
    assert (v.message, v.severity, v.context) == ("Token stall: 4.5s since last token", "warning",
                                                  {"gap_seconds": 4.5})
    assert s.drift_detected is True


@pytest.mark.parametrize("kwargs, exc", [
    ({"max_gap": "5"}, TypeError), ({"max_gap": -1}, ValueError),
])
def test_stall_rule_validation(kwargs, exc):
    with pytest.raises(exc):
        stall_rule(**kwargs)


@pytest.mark.parametrize("kwargs, exc", [
    ({"window": 0}, ValueError), ({"window": 1.5}, TypeError), ({"threshold": "x"}, TypeError),
    ({"sentence_repeat_count": 0}, ValueError),
])
def test_repetition_rule_validation(kwargs, exc):
    with pytest.raises(exc):
        repetition_rule(**kwargs)


def oracle_sentence(content, repeat):
    """Whole-text sentence check of the reference: first repeated sentence (insertion order)."""
    if len(content) <= 50:
        return None
    sentences = [s.strip() for s in re.split(r"[.!?]+\s+", content) if s.strip()]
    if len(sentences) < repeat:
        return None
    for s, n in Counter(sentences).items():
        if n >= repeat and len(s) > 20:
            return s, n
    return None


def test_repetition_similarity_and_sentences(gr, completed_state):
    r = repetition_rule()
    assert (r.name, r.severity, r.description) == ("repetition", "error", "Detects repetitive output")
    s = completed_state("abcdefghij" * 30)
    (v,) = r.check(s)
    assert v.message == "Repetitive output detected (100% character similarity)"
    assert v.context == {"similarity": 1.0, "window": 100}
    assert s.drift_detected is True
    text = "This sentence is repeated here. " * 3 + "Unique tail words go here now"
    s2 = completed_state(text)
    (v2,) = repetition_rule(window=1000).check(s2)
    assert v2.message == "Sentence repeated 3 times"
    assert v2.context == {"sentence": "This sentence is repeated here"[:50] + "...", "count": 3}


def test_repetition_reports_once_per_stream(gr):
    text = "The same long sentence again. " * 8
    streamed, final, _ = gr.run_stream(repetition_rule(window=500), gr.chunked(text, 7))
    assert [v.message for v in streamed + final] == ["Sentence repeated 3 times"]


SENT = ["The same long sentence again", "Another quite long sentence here", "short", "x", ". ", "! ", "? ", "...",
        "\n", " ", "  ", ".", "!"]


@given(st.lists(st.sampled_from(SENT), max_size=40), st.integers(1, 9), st.integers(1, 4))
@settings(max_examples=200, deadline=None)
def test_incremental_sentence_state_matches_whole_text(text_parts, size, repeat):
    text = "".join(text_parts)
    rule = repetition_rule(sentence_repeat_count=repeat)
    sess = rule.new_session()
    s = State()
    for chunk in [text[i:i + size] for i in range(0, len(text), size)]:
        s.buffer.append(chunk)
        sess.check(s)
        got = sess._repeated_sentence(s.buffer) if len(s.buffer) > 50 else None
        assert got == oracle_sentence(s.content, repeat)


def test_repetition_long_unterminated_output_stays_incremental():
    rule = repetition_rule()
    sess = rule.new_session()
    s = State()
    for _ in range(3000):
        s.buffer.append('{"k": 12345, ')
        sess.check(s)
    # One growing sentence: tracked as an offset and a length into the buffer, not copied.
    assert (sess.p_start, sess.p_len) == (0, len(s.buffer))
    assert sess.run == ""


@given(st.text(alphabet="ab\x00\u00e9 ", max_size=40), st.text(alphabet="ab\x00\u00e9 ", max_size=40))
@settings(max_examples=200, deadline=None)
def test_same_positions_counts_equal_characters(a, b):
    n = min(len(a), len(b))
    assert output_mod._same_positions(a[:n], b[:n]) == sum(x == y for x, y in zip(a[:n], b[:n]))
