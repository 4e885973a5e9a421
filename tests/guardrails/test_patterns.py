"""BAD_PATTERNS, pattern_rule and custom_pattern_rule: incremental scanning and ReDoS safety."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l0.guardrails import BAD_PATTERNS, BadPatterns, custom_pattern_rule, find_bad_patterns, pattern_rule
from l0.guardrails._regex import IncrementalScanner, analyze_pattern
from l0.types import State

FLAGS = re.IGNORECASE | re.MULTILINE
CATEGORIES = ["META_COMMENTARY", "HEDGING", "REFUSAL", "INSTRUCTION_LEAK", "PLACEHOLDERS", "FORMAT_COLLAPSE"]

WORDS = ["Sure, ", "sure!\n", "As an AI", "as an ai assistant", "I'm unable to", "i cant provide", "Let me ",
         "let me\n", "here's the ", "[INSERT name]", "{{v}}", "<YOUR key>", "[SYSTEM]", "<|im_end|>", "hello ",
         "world", "\n", " ", "of course ", "ſure, ", "İ", "x", "[/INST]", "I'd be happy to", "below is"]


def oracle(text, patterns):
    """Whole-text scan with one alternation (the reference's streaming-free semantics)."""
    rx = re.compile("|".join(f"(?:{p})" for p in patterns), FLAGS)
    return [(m.start(), m.group()) for m in rx.finditer(text)]


def test_bad_patterns_inventory():
    sizes = [len(getattr(BAD_PATTERNS, c)) for c in CATEGORIES]
    assert sizes == [10, 11, 12, 12, 9, 8]
    assert len(BAD_PATTERNS.all_patterns()) == 62
    assert BAD_PATTERNS.all_patterns()[:2] == [r"\bas an ai\b", r"\bas an artificial intelligence\b"]
    fresh = BadPatterns()
    fresh.HEDGING.append("x")
    assert len(BAD_PATTERNS.HEDGING) == 11  # instances do not share lists


def test_builtin_patterns_are_bounded_and_safe():
    for p in BAD_PATTERNS.all_patterns():
        info = analyze_pattern(p, FLAGS)
        assert not info.unbounded and info.hazard is None, p


def test_pattern_rule_metadata_and_line_anchors(gr, completed_state):
    r = pattern_rule()
    assert (r.name, r.streaming, r.severity, r.description) == ("pattern", True, "warning",
                                                                  "Detects unwanted patterns in output")
    vs = r.check(completed_state("Intro\nSure, here\nLet me see"))
    assert [(v.message, v.position, v.context) for v in vs] == [
        ("Matched unwanted pattern: Sure, ", 6, {"matched": "Sure, "}),
        ("Matched unwanted pattern: Let me", 17, {"matched": "Let me"}),
    ]
    assert all((v.rule, v.severity, v.recoverable) == ("pattern", "warning", True) for v in vs)


def test_first_alternative_wins_and_matches_do_not_overlap(completed_state):
    vs = pattern_rule().check(completed_state("Well, as an AI assistant I know"))
    assert [v.context["matched"] for v in vs] == ["as an AI"]


def test_category_selection(completed_state):
    text = "As an AI, I'm unable to help [SYSTEM]"
    only = pattern_rule(include_categories=["REFUSAL", "NOPE"]).check(completed_state(text))
    assert [v.context["matched"] for v in only] == ["I'm unable to"]
    without = pattern_rule(exclude_categories=["META_COMMENTARY"]).check(completed_state(text))
    assert [v.context["matched"] for v in without] == ["I'm unable to", "[SYSTEM]"]
    both = pattern_rule(include_categories=["REFUSAL", "INSTRUCTION_LEAK"], exclude_categories=["REFUSAL"])
    assert [v.context["matched"] for v in both.check(completed_state(text))] == ["[SYSTEM]"]
    assert pattern_rule(patterns=[]).check(completed_state(text)) == []
    assert [v.position for v in pattern_rule(patterns=[r"help"]).check(completed_state(text))] == [24]


@pytest.mark.parametrize("bad", ["META", 3, {"META"}])
def test_pattern_rule_argument_types(bad):
    with pytest.raises(TypeError):
        pattern_rule(include_categories=bad)  # type: ignore[arg-type]


def test_no_false_line_anchor_mid_line_and_no_duplicates(gr):
    text = "a" * 100 + "let me " + "b" * 43 + "c" + "\nlet me go " + "z" * 200
    for size in (1, 7, 50, 151):
        streamed, final, _ = gr.run_stream(pattern_rule(), gr.chunked(text, size))
        assert [(v.position, v.context["matched"]) for v in streamed + final] == [(152, "let me")]


@given(st.lists(st.sampled_from(WORDS), max_size=40), st.integers(1, 9), st.integers(1, 4))
@settings(max_examples=200, deadline=None)
def test_streaming_reports_each_match_once_as_a_full_scan_would(gr, words, size, every):
    text = "".join(words)
    streamed, final, _ = gr.run_stream(pattern_rule(), gr.chunked(text, size), every)
    got = [(v.position, v.context["matched"]) for v in streamed + final]
    assert got == oracle(text, BAD_PATTERNS.all_patterns())


def test_unicode_case_folding_matches_ignorecase(completed_state):
    vs = pattern_rule().check(completed_state("\u017fure, fine\nİ am an ai"))
    assert [v.context["matched"] for v in vs] == ["\u017fure, "] + [m.group() for m in re.finditer(r"\bi am an ai\b", "İ am an ai", FLAGS)]


def test_scanner_carry_stays_bounded():
    src = "|".join(f"(?:{p})" for p in BAD_PATTERNS.all_patterns())
    info = analyze_pattern(src, FLAGS)
    sc = IncrementalScanner(re.compile(src, FLAGS), info)
    for _ in range(2000):
        sc.feed("lorem ipsum dolor sit amet ", False)
        assert len(sc.carry) <= info.max_width + info.lookahead + max(1, info.lookbehind)


def test_find_bad_patterns_reports_every_pattern():
    found = find_bad_patterns("As an AI, as an AI assistant", [r"\bas an ai\b", r"\bas an ai assistant\b"])
    assert [(p, m.start()) for p, m in found] == [(r"\bas an ai\b", 0), (r"\bas an ai\b", 10),
                                                  (r"\bas an ai assistant\b", 10)]
    with pytest.raises(TypeError):
        find_bad_patterns(None, [])  # type: ignore[arg-type]


def test_custom_pattern_rule(completed_state):
    r = custom_pattern_rule([r"\bfoo\b", r"ba+r"], "No foo", "warning")
    assert (r.name, r.streaming, r.severity, r.description) == ("custom_pattern", True, "warning",
                                                                  "Custom pattern rule: No foo")
    vs = r.check(completed_state("foo baar FOO"))
    assert [(v.message, v.position, v.context, v.severity) for v in vs] == [
        ("No foo: foo", 0, {"pattern": r"\bfoo\b", "matched": "foo"}, "warning"),
        ("No foo: FOO", 9, {"pattern": r"\bfoo\b", "matched": "FOO"}, "warning"),
        ("No foo: baar", 4, {"pattern": r"ba+r", "matched": "baar"}, "warning"),
    ]
    assert custom_pattern_rule(["x"]).severity == "error"


@given(st.text(alphabet="fobar \n", max_size=60), st.integers(1, 7))
@settings(max_examples=150, deadline=None)
def test_custom_pattern_streaming_matches_full_scan(gr, text, size):
    pats = [r"\bfoo\b", r"ba+r", r"^o", r"r$"]
    streamed, final, _ = gr.run_stream(custom_pattern_rule(pats), gr.chunked(text, size))
    got = sorted((v.context["pattern"], v.position, v.context["matched"]) for v in streamed + final)
    want = sorted((p, m.start(), m.group()) for p in pats for m in re.finditer(p, text, FLAGS))
    assert got == want


@pytest.mark.parametrize("pattern", [
    r"(a+)+$", r"(a*)*b", r"(\w+\s?)+$", r"(a|aa)+$", r"(a|a?)+", r"(foo|\w)*x", r"(x+x+)+y", r"(.*a){12}",
    r"(a{1,5})*b", r"((ab)*)+c", r"(a|b|ab)*c", r"(\1a)+",
])
def test_explosive_user_patterns_are_rejected(pattern):
    with pytest.raises(ValueError, match="can backtrack catastrophically|invalid regular expression"):
        custom_pattern_rule([pattern])
    with pytest.raises(ValueError):
        pattern_rule(patterns=[pattern])


# A possessive quantifier and an atomic group: re syntax since Python 3.11.
NEEDS_PY311 = (r"(a++)+b", r"(?>a+)+b")


@pytest.mark.parametrize("pattern", [
    r"\bfoo\b", r"a+b", r"(ab)+", r"(a|b)+", r"(?:cat|dog)s*", r"\d{3}-\d{4}", r"[a-z]+@[a-z]+\.com", r"(a++)+b",
    r"(?>a+)+b", r"x.*y",
])
def test_safe_user_patterns_are_accepted(pattern):
    if pattern in NEEDS_PY311 and sys.version_info < (3, 11):
        # Python 3.10's re has neither syntax: the pattern is refused as invalid, not as explosive.
        with pytest.raises(ValueError, match="invalid regular expression"):
            custom_pattern_rule([pattern])
        return
    custom_pattern_rule([pattern])


def test_bad_user_pattern_arguments():
    with pytest.raises(ValueError, match="invalid regular expression"):
        custom_pattern_rule(["(unclosed"])
    with pytest.raises(TypeError):
        custom_pattern_rule([re.compile("x")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        custom_pattern_rule("x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="severity"):
        custom_pattern_rule(["x"], severity="bad")  # type: ignore[arg-type]


ADVERSARIAL = {
    "letters": "a" * 60_000 + "!",
    "open-placeholder": "[INSERT" + "x" * 60_000,
    "braces": "{{" * 30_000,
    "open-angle": "<YOUR" + " " * 60_000,
    "near-misses": ("as an a" * 10_000) + "\n",
    "newlines": "\n" * 60_000,
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_content_is_scanned_quickly(gr, name):
    text = ADVERSARIAL[name]
    rules = [pattern_rule(), custom_pattern_rule([r"x.*y", r"(?:ab)+c", r"\s+$"])]
    for rule in rules:
        gr.run_stream(rule, gr.chunked(text, 4096))
        rule.check(State(content=text, completed=True))


@pytest.mark.parametrize("extra", ["abc", r"x*y", r"(?:sure)\b", r"\x41", "ſome"])
def test_mutated_bad_patterns_keep_full_scan_semantics(gr, extra):
    BAD_PATTERNS.HEDGING.append(extra)
    try:
        rule = pattern_rule()
        text = "Sure, abc ABC xxy y sure A some \u017fome\nas an ai " * 3
        streamed, final, _ = gr.run_stream(rule, gr.chunked(text, 5))
        assert [(v.position, v.context["matched"]) for v in streamed + final] == oracle(
            text, BAD_PATTERNS.all_patterns())
    finally:
        BAD_PATTERNS.HEDGING.remove(extra)


LONG = ["[INSERT " + "x" * 60 + "]", "{{" + "y" * 90 + "}}", "<YOUR " + "z" * 95 + ">", "[TODO " + "w" * 120 + "]",
        "[INSERT as an ai here]", "as an ai ", "[", "{{", "<", " ", "\n", "Sure, ", "x" * 30]


@pytest.mark.parametrize("size", [1, 3, 40])
def test_a_pending_long_match_swallows_later_matches(gr, size):
    """A `{{` that may still open a placeholder holds back matches after it (found by hypothesis:
    "Sure, " at 3 was reported although the placeholder from 0 covers it)."""
    text = "{{\nSure, {{" + "y" * 90 + "}}"
    streamed, final, _ = gr.run_stream(pattern_rule(), gr.chunked(text, size))
    found = [(v.position, v.context["matched"]) for v in streamed + final]
    assert found == oracle(text, BAD_PATTERNS.all_patterns()) == [(0, text)]


@given(st.lists(st.sampled_from(LONG), max_size=25), st.integers(1, 40))
@settings(max_examples=200, deadline=None)
def test_long_placeholders_straddling_checks(gr, words, size):
    text = "".join(words)
    streamed, final, _ = gr.run_stream(pattern_rule(), gr.chunked(text, size))
    assert [(v.position, v.context["matched"]) for v in streamed + final] == oracle(text, BAD_PATTERNS.all_patterns())
