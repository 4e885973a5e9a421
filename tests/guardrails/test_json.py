"""JSON helpers, json_rule (streaming syntax validation) and strict_json_rule."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l0.guardrails import (
    IncrementalJsonState,
    analyze_json_structure,
    json_rule,
    looks_like_json,
    strict_json_rule,
    update_json_state_incremental,
)
from l0.types import State


@pytest.mark.parametrize("text, balanced, counts, issues", [
    ('{"a": [1,,2', False, (1, 0, 1, 0), ["Multiple consecutive commas at position 9",
                                           "Unbalanced braces: 1 open, 0 close",
                                           "Unbalanced brackets: 1 open, 0 close"]),
    ("[1, ,]", True, (0, 0, 1, 1), ["Multiple consecutive commas at position 4"]),
    ('{"a":"x', False, (1, 0, 0, 0), ["Unclosed string detected", "Unbalanced braces: 1 open, 0 close"]),
    ('{"a":1}}', False, (1, 2, 0, 0), ["Too many closing braces: 2 close vs 1 open"]),
    ("]", False, (0, 0, 0, 1), ["Too many closing brackets: 1 close vs 0 open"]),
    ('{"a":1,{', False, (2, 0, 0, 0), ["Malformed pattern ',{' at position 7", "Unbalanced braces: 2 open, 0 close"]),
    ('{"a":1, [', False, (1, 0, 1, 0), ["Malformed pattern ',[' at position 8",
                                         "Unbalanced braces: 1 open, 0 close", "Unbalanced brackets: 1 open, 0 close"]),
    # Valid JSON is never flagged (the reference flagged these: fixed).
    ('[{"a":1},{"b":2},{"c":3}]', True, (3, 3, 1, 1), []),
    ("[[1],[2]]", True, (0, 0, 3, 3), []),
    ('["a", "b", "c"]', True, (0, 0, 1, 1), []),
    ("[{}, {}, {}]", True, (3, 3, 1, 1), []),
    ('{"s": "a \\" { [ , ,"}', True, (1, 1, 0, 0), []),
    ("", True, (0, 0, 0, 0), []),
])
def test_analyze_json_structure(text, balanced, counts, issues):
    a = analyze_json_structure(text)
    assert a.is_balanced is balanced
    assert (a.open_braces, a.close_braces, a.open_brackets, a.close_brackets) == counts
    assert a.issues == issues
    assert a.in_string is a.unclosed_string


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=4),
                    max_leaves=12),
       st.sampled_from([(",", ":"), (", ", ": ")]))
@settings(max_examples=80, deadline=None)
def test_analyze_json_structure_accepts_any_valid_json(value, seps):
    a = analyze_json_structure(json.dumps(value, separators=seps))
    assert a.issues == [] and a.is_balanced


def test_analyze_json_structure_type_error():
    with pytest.raises(TypeError, match="content must be str"):
        analyze_json_structure(None)  # type: ignore[arg-type]


def _oracle_counts(text):
    """Per-character reference algorithm: brackets outside strings, backslash only inside strings."""
    counts = {"{": 0, "}": 0, "[": 0, "]": 0}
    in_string = escape = False
    for c in text:
        if escape:
            escape = False
        elif c == "\\" and in_string:
            escape = True
        elif c == '"':
            in_string = not in_string
        elif not in_string and c in counts:
            counts[c] += 1
    return (counts["{"], counts["}"], counts["["], counts["]"], in_string, escape)


def test_incremental_state_handles_split_strings_and_escapes():
    s = IncrementalJsonState()
    pieces = ['{"a', '": "x\\', '"}', "{", ']"', '"[', "]", '"\\', '\\"', "}"]
    for piece in pieces:
        assert update_json_state_incremental(s, piece) is s
    text = "".join(pieces)
    assert (s.open_braces, s.close_braces, s.open_brackets, s.close_brackets, s.in_string,
            s.escape_next) == _oracle_counts(text)
    assert s.processed_length == len(text)


@given(st.text(alphabet='{}[]"\\ ab', max_size=40), st.integers(1, 7))
@settings(max_examples=150, deadline=None)
def test_incremental_counts_do_not_depend_on_chunking(text, size):
    whole = update_json_state_incremental(IncrementalJsonState(), text)
    parts = IncrementalJsonState()
    for i in range(0, len(text), size):
        update_json_state_incremental(parts, text[i:i + size])
    assert whole == parts
    assert (whole.open_braces, whole.close_braces, whole.open_brackets, whole.close_brackets, whole.in_string,
            whole.escape_next) == _oracle_counts(text)


@pytest.mark.parametrize("text, expected", [
    ("", False), ("   ", False), ('{"a":1}', True), ("  [1", True), ("x}", True), ("hello", False),
    ("see [x] and } more", False),
])
def test_looks_like_json(text, expected):
    assert looks_like_json(text) is expected


def test_streaming_reports_first_bad_character_with_offset(gr):
    streamed, final, _ = gr.run_stream(json_rule(), ['{"a": ', "[1, ", "2}", "]}"])
    assert [(v.message, v.position) for v in streamed] == [
        ("Invalid JSON: unexpected '}' in array at position 11", 11)]
    assert streamed[0].suggestion == "Check JSON structure"
    # Completion adds the reference-compatible counts, not the syntax error again.
    assert gr.messages(final) == ["Too many closing braces: 2 close vs 1 open"]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
def test_valid_compact_json_never_alarms(gr, size):
    text = '[{"a":1},{"b":2},[3,[4]],"x\\"y"]'
    streamed, final, _ = gr.run_stream(json_rule(), gr.chunked(text, size))
    assert streamed == [] and final == []


def test_surplus_closer_uses_reference_messages(gr):
    streamed, final, _ = gr.run_stream(json_rule(), ['{"a":1}', "}"])
    assert gr.messages(streamed) == ["Too many closing braces"]
    assert gr.messages(final) == ["Too many closing braces: 2 close vs 1 open"]
    streamed, _, _ = gr.run_stream(json_rule(), ["[1,2]", "]"])
    assert gr.messages(streamed) == ["Too many closing brackets"]


@pytest.mark.parametrize("text", [
    "Hello {world}", "[Note] this is prose", "[1] Smith et al. showed", "[ fox and more", "{name} is set",
    "[2024-01-01] log line", "[x] done\n[ ] todo", "   plain text ]", "",
])
def test_prose_is_not_validated(gr, text):
    streamed, final, _ = gr.run_stream(json_rule(), gr.chunked(text, 3))
    assert streamed == [] and final == []


@pytest.mark.parametrize("text, expected", [
    ('{"a": 1', ["Missing closing braces: 1 open vs 0 close"]),
    ("[1, 2", ["Missing closing brackets: 1 open vs 0 close"]),
    ('{"a": "x', ["Missing closing braces: 1 open vs 0 close", "Unclosed string detected"]),
    ("[", ["Missing closing brackets: 1 open vs 0 close"]),
    ('{"a": [1,,2]}', ["Multiple consecutive commas at position 9"]),
    ('{"a":1,{"b":2}}', ["Malformed pattern ',{' at position 7"]),
    ('{"k": tru}', ["Invalid JSON: invalid literal, expected 'true' at position 9"]),
    ('{"a":1} Hope this helps', ["Invalid JSON: unexpected character after top-level value at position 8"]),
])
def test_completion_messages(completed_state, text, expected):
    assert [v.message for v in json_rule().check(completed_state(text))] == expected


def test_json_lines_are_separate_documents(gr):
    streamed, final, _ = gr.run_stream(json_rule(), gr.chunked('{"a":1}\n{"b":[2]}\n[3]\n', 2))
    assert streamed == [] and final == []
    _, final, _ = gr.run_stream(json_rule(), ['{"a":1}\n{"b":[2'])
    assert gr.messages(final) == ["Missing closing braces: 2 open vs 1 close",
                                  "Missing closing brackets: 1 open vs 0 close"]


def test_violation_fields(completed_state):
    (v,) = json_rule().check(completed_state("[1"))
    assert (v.rule, v.severity, v.recoverable) == ("json", "error", True)


def test_json_rule_metadata():
    r = json_rule()
    assert (r.name, r.streaming, r.severity, r.recoverable, r.description) == (
        "json", True, "error", True, "Validates JSON structure during streaming")


@given(st.text(alphabet='{}[]",:0123 atrue\\n', max_size=30), st.integers(1, 6))
@settings(max_examples=200, deadline=None)
def test_json_rule_results_do_not_depend_on_chunking(gr, text, size):
    whole_s, whole_f, _ = gr.run_stream(json_rule(), [text])
    parts_s, parts_f, _ = gr.run_stream(json_rule(), gr.chunked(text, size))
    key = lambda vs: [(v.message, v.position) for v in vs]  # noqa: E731
    assert key(whole_s + whole_f) == key(parts_s + parts_f)


def test_strict_json_rule():
    r = strict_json_rule()
    assert (r.name, r.streaming, r.description) == ("strict_json", False, "Validates complete JSON is parseable")

    def check(text, completed=True):
        return [(v.message, v.position) for v in r.new_session().check(State(content=text, completed=completed))]

    assert check("[1", completed=False) == []
    assert check("   ") == [("Empty output, expected JSON", None)]
    assert check("hello") == [("Output does not appear to be JSON", None)]
    assert check("  {'a': 1}")[0][1] == 3  # offset into the content, not the stripped text
    assert check("  {'a': 1}")[0][0].startswith("Invalid JSON: Expecting property name enclosed in double quotes")
    assert check('"x"]') == [("Invalid JSON: Extra data: line 1 column 4 (char 3)", 3)]
    assert check('{"a": [1]}') == []
    assert check(" [1] ") == []
