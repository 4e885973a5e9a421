"""The JSON namespace: auto_correct_json, extraction, validity, safe parsing."""

from __future__ import annotations

import json
import typing

import pytest

from l0._utils import (
    JSON,
    AutoCorrectResult,
    CorrectionType,
    auto_correct_json,
    extract_json,
    extract_json_from_markdown,
    is_valid_json,
    safe_json_parse,
)

# input -> (output, corrections); the reference's table, with its invalid outputs fixed
TABLE = [
    ('{"name": "Alice"', '{"name": "Alice"}', ["close_brace"]),
    ("[1, 2, 3", "[1, 2, 3]", ["close_bracket"]),
    ('{"a": 1,}', '{"a": 1}', ["remove_trailing_comma"]),
    ('```json\n{"a": 1}\n```', '{"a": 1}', ["strip_markdown_fence"]),
    ('Sure! {"a": 1}', '{"a": 1}', ["remove_prefix_text"]),
    ("{'a': 1}", '{"a": 1}', ["fix_quotes"]),
    ("{'a': 'b'}", '{"a": "b"}', ["fix_quotes"]),
    ('{"a": 1 /* comment */}', '{"a": 1 }', ["remove_comments"]),
    ('{"a": 1} // trailing', '{"a": 1}', ["remove_comments"]),
    ('json {"a": 1}', '{"a": 1}', ["strip_json_prefix"]),
    ('Here is the JSON: {"a": 1} hope this helps', '{"a": 1}', ["remove_prefix_text", "remove_suffix_text"]),
    ('[{"a": 1', '[{"a": 1}]', ["close_brace", "close_bracket"]),
    # the reference produced invalid JSON for these
    ('{"a": [1, 2', '{"a": [1, 2]}', ["close_brace", "close_bracket"]),
    ('{"a": "unterminated', '{"a": "unterminated"}', ["close_string", "close_brace"]),
    ('{"url": "http://x.com"}', '{"url": "http://x.com"}', []),
    ("{'msg': 'Don't stop'}", '{"msg": "Don\'t stop"}', ["fix_quotes"]),
    ('{"a":1} and {"b":2}', '{"a":1}', ["remove_suffix_text"]),
    # beyond the reference
    ('{"items": ["a", "b"', '{"items": ["a", "b"]}', ["close_brace", "close_bracket"]),
    ('{"a": 1, "b":', '{"a": 1}', ["remove_dangling", "close_brace"]),
    ('{"a": 1, "b', '{"a": 1}', ["remove_dangling", "close_brace"]),
    ('[1, 2,', "[1, 2]", ["remove_trailing_comma", "close_bracket"]),
    ('{"a": tr', '{"a": true}', ["complete_value", "close_brace"]),
    ('{"a": 1.', '{"a": 1.0}', ["complete_value", "close_brace"]),
    ('{"a": "x\\u00', '{"a": "x"}', ["close_string", "close_brace"]),
    ('{"a": "line\nbreak"}', '{"a": "line\\nbreak"}', ["escape_control_chars"]),
    ('{"re": "\\d+"}', '{"re": "\\\\d+"}', ["fix_escapes"]),
    ("{name: 'x', ok: True, n: None}", '{"name": "x", "ok": true, "n": null}', ["fix_quotes", "fix_literals"]),
    ('{"a": 1\n "b": 2}', '{"a": 1\n ,"b": 2}', ["add_missing_comma"]),
    ('{"u": "http://x", // c\n "v": "/*k*/"', '{"u": "http://x", \n "v": "/*k*/"}', ["remove_comments", "close_brace"]),
    ("{'q': 'say \"hi\"'}", '{"q": "say \\"hi\\""}', ["fix_quotes"]),
    ('{"a": "x```y"}```', '{"a": "x```y"}', ["strip_markdown_fence"]),
    ('"hello', '"hello"', ["close_string"]),
    ('{"a": "He said "hi" to me"}', '{"a": "He said \\"hi\\" to me"}', ["fix_quotes"]),
    ('["a "b" c", "d"]', '["a \\"b\\" c", "d"]', ["fix_quotes"]),
    ('{"a": [1, 2}', '{"a": [1, 2]}', ["close_bracket"]),
    ('{"code": "```json\\n{}\\n```", "x": ', '{"code": "```json\\n{}\\n```"}', ["remove_dangling", "close_brace"]),
    ('Use {braces}:\n```json\n{"a": 1}\n```', '{"a": 1}', ["strip_markdown_fence"]),
    ('{"a": .5, "b": +1, "c": 01, "d": undefined}', '{"a": 0.5, "b": 1, "c": 1, "d": null}', ["fix_literals"]),
    ('```json\n[\n  {"a": 1},\n]\n```', '[\n  {"a": 1}\n]', ["strip_markdown_fence", "remove_trailing_comma"]),
]


@pytest.mark.parametrize(("text", "expected", "fixes"), TABLE)
def test_auto_correct_table(twin, text, expected, fixes):
    r = auto_correct_json(text, track_corrections=True)
    assert r.success and r.error is None
    assert r.text == expected
    assert r.corrections == fixes
    assert r.corrected == (expected != text.strip())
    json.loads(r.text)


@pytest.mark.parametrize("text", ["", "   ", "no json here", "{]", '{"a": 1 2 3 x}'])
def test_auto_correct_failure(twin, text):
    r = auto_correct_json(text, track_corrections=True)
    assert not r.success
    assert isinstance(r.error, json.JSONDecodeError)
    assert not r.corrected and r.corrections == []


def test_corrections_only_when_tracked():
    r = auto_correct_json("{'a': 1,}")
    assert r.corrected and r.corrections == [] and r.text == '{"a": 1}'


def test_correction_type_lists_every_produced_fix():
    produced = {f for _, _, fixes in TABLE for f in fixes}
    assert produced <= set(typing.get_args(CorrectionType))


def test_extract_json_from_markdown():
    assert extract_json_from_markdown('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert extract_json_from_markdown('```js\n{"a": 1}\n```') == '{"a": 1}'
    assert extract_json_from_markdown('```json {"a": 1}```') == '{"a": 1}'
    assert extract_json_from_markdown('```jsonc\n{"a": 1}\n```') == '{"a": 1}'
    assert extract_json_from_markdown("text ```\n[1]\n``` more") == "[1]"
    assert extract_json_from_markdown('  {"a": 1}  ') == '{"a": 1}'


def test_extract_json():
    assert extract_json('x {"a": "}"} y') == '{"a": "}"}'
    assert extract_json('pre [1, [2]] post {"b":1}') == "[1, [2]]"
    assert extract_json('"str {" {"a":1}') == '{"a":1}'
    assert extract_json('{"a": 1') == '{"a": 1'
    assert extract_json("no json") == "no json"
    assert extract_json("a } b { c") == "a } b { c"


def test_is_valid_json():
    assert is_valid_json('{"a": 1}') and is_valid_json("1") and is_valid_json("null")
    assert not is_valid_json("{") and not is_valid_json("")
    assert not is_valid_json(None)  # type: ignore[arg-type]


def test_safe_json_parse():
    assert safe_json_parse('{"a":1}') == {"data": {"a": 1}, "corrected": False, "corrections": []}
    assert safe_json_parse("{a:1,}") == {"data": {"a": 1}, "corrected": True,
                                          "corrections": ["fix_quotes", "remove_trailing_comma"]}
    with pytest.raises(ValueError, match="Invalid JSON"):
        safe_json_parse("{a:1}", auto_correct=False)
    with pytest.raises(ValueError, match="Failed to parse JSON"):
        safe_json_parse("zzz")


def test_json_namespace():
    assert JSON.AutoCorrectResult is AutoCorrectResult
    assert JSON.CorrectionType is CorrectionType
    assert JSON.extract("x [1] y") == "[1]"
    assert JSON.is_valid("[]")
    assert JSON.parse("[1,")["data"] == [1]
    assert JSON.auto_correct("[1,", True).corrections == ["remove_trailing_comma", "close_bracket"]
    assert JSON.extract_from_markdown("```\n[1]\n```") == "[1]"


@pytest.mark.parametrize("fn", [auto_correct_json, extract_json, extract_json_from_markdown, safe_json_parse])
def test_non_str_input_is_a_type_error(fn):
    with pytest.raises(TypeError, match="text must be str, got int"):
        fn(3)
