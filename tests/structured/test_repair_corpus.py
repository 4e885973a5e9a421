"""Repair of malformed and truncated LLM JSON: every repaired output parses and validates."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from structured_corpus import CLEAN_DOCS, MALFORMED_DOCS, SCHEMAS

from l0._utils import auto_correct_json


def _adapter(name: str) -> TypeAdapter:
    return TypeAdapter(SCHEMAS[name])


def _json_start(doc: str) -> int:
    """Index of the opening delimiter of the JSON value in ``doc`` (after any fence/prose)."""
    fence = doc.find("```json")
    base = fence + len("```json") if fence >= 0 else 0
    return min(i for i in (doc.find("{", base), doc.find("[", base)) if i >= 0)


@pytest.mark.parametrize("name", sorted(CLEAN_DOCS) + sorted(MALFORMED_DOCS))
def test_whole_document_repairs_and_validates(twin, name):
    doc = {**CLEAN_DOCS, **MALFORMED_DOCS}[name]
    r = auto_correct_json(doc, track_corrections=True)
    assert r.success, (name, r.text)
    value = json.loads(r.text)
    _adapter(name).validate_python(value)
    if name in CLEAN_DOCS:
        assert r.text == doc and not r.corrected and r.corrections == []
    else:
        assert r.corrected and r.corrections


@pytest.mark.parametrize("name", sorted(CLEAN_DOCS) + sorted(MALFORMED_DOCS))
def test_truncation_at_every_character(twin, name):
    """Cut the document after every character: once the cut keeps the opening
    delimiter, repair must succeed, the result must parse and validate."""
    doc = {**CLEAN_DOCS, **MALFORMED_DOCS}[name]
    adapter = _adapter(name)
    start = _json_start(doc)
    for k in range(start + 1, len(doc) + 1):
        prefix = doc[:k]
        r = auto_correct_json(prefix, track_corrections=True)
        assert r.success, (name, k, prefix[-40:], r.text[-60:])
        adapter.validate_python(json.loads(r.text))


def test_truncated_prefix_keeps_every_complete_member(twin):
    """Members complete in the cut text survive repair with their exact values."""
    doc = CLEAN_DOCS["product"]
    full = json.loads(doc)
    for k in range(1, len(doc) + 1):
        value = json.loads(auto_correct_json(doc[:k]).text)
        for key, v in value.items():
            if key in full and json.dumps({key: full[key]}, indent=2)[1:-1].strip() in doc[:k]:
                assert v == full[key], (k, key)


def test_closing_follows_nesting_order(twin):
    cut = '{"id": 7, "items": ["apple", "banana"'
    r = auto_correct_json(cut, track_corrections=True)
    assert r.text == '{"id": 7, "items": ["apple", "banana"]}'
    assert r.corrections == ["close_brace", "close_bracket"]
    assert auto_correct_json('{"a": [1, {"b": 2').text == '{"a": [1, {"b": 2}]}'


# --- hypothesis ---------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**18), max_value=10**18)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)
_dump_styles = st.sampled_from(
    [
        {},
        {"indent": 2},
        {"separators": (",", ":")},
        {"ensure_ascii": False},
        {"indent": "\t", "ensure_ascii": False},
    ]
)


@settings(max_examples=100, deadline=None)
@given(value=_values, style=_dump_styles, pad=st.sampled_from(["", " ", "\n", "\n  \t"]))
def test_valid_json_is_returned_unchanged(value, style, pad):
    text = json.dumps(value, **style)
    r = auto_correct_json(pad + text + pad, track_corrections=True)
    assert r.success
    assert r.text == text
    assert not r.corrected
    assert r.corrections == []


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(st.lists(_values, max_size=5), st.dictionaries(st.text(max_size=8), _values, max_size=5)),
       style=_dump_styles, data=st.data())
def test_any_truncation_of_valid_json_repairs(value, style, data):
    text = json.dumps(value, **style)
    k = data.draw(st.integers(min_value=1, max_value=len(text)))
    r = auto_correct_json(text[:k])
    assert r.success, text[:k]
    repaired = json.loads(r.text)
    assert type(repaired) is type(value)


_JSONISH = st.text(alphabet=st.sampled_from(list('{}[]:,"\'\\/*# \n\ttruefalsnul0123456789.-+eEabc\u00e9\U0001f600')),
                   max_size=40)


@settings(max_examples=200, deadline=None)
@given(text=_JSONISH)
def test_repair_never_raises_and_success_means_it_parses(text):
    r = auto_correct_json(text, track_corrections=True)
    if r.success:
        json.loads(r.text)
        assert r.error is None
    else:
        assert r.error is not None and r.corrections == []


@settings(max_examples=200, deadline=None)
@given(text=_JSONISH | st.builds(lambda a, b: a + b, st.sampled_from(["{", "[", "{'a': ", '{"k": [']), _JSONISH))
def test_both_twins_repair_identically(text):
    import importlib

    import l0._repair

    results = []
    original = l0._repair.JsonStreamState
    try:
        for package in ("l0._speedups", "l0._pure"):
            l0._repair.JsonStreamState = importlib.import_module(f"{package}.json_state").JsonStreamState
            r = auto_correct_json(text, track_corrections=True)
            results.append((r.text, r.corrections, r.success, r.corrected))
    finally:
        l0._repair.JsonStreamState = original
    assert results[0] == results[1]


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}' + " " * 64 + "x",  # exponential backtracking in a (\s+)* suffix regex
        '{"a": 1}' + "//" * 5000 + "\nx",
        '{"a": ' + "1" * 50_000 + "x}",  # quadratic backtracking in a loose-number regex
        "[" + "'" * 20_000,
        '{"a": "' + '" ' * 20_000,
        "{" + "/*" * 20_000,
    ],
    ids=["ws-suffix", "comment-suffix", "long-number", "quotes", "inner-quotes", "comments"],
)
def test_pathological_inputs_finish(twin, text):
    r = auto_correct_json(text, track_corrections=True)
    if r.success:
        json.loads(r.text)
