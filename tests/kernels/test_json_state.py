"""JsonStreamState: hand-written cases on both twins (``kernels`` fixture).

Generated-input property tests live in ``test_json_state_props.py``.
"""

from __future__ import annotations

import copy
import inspect
import json
import pickle

import pytest
from json_state_helpers import ATTRS, snapshot


def fed(kernels, text: str, chunks: int | None = None, max_depth: int = 1024):
    """A state of the backend under test fed ``text`` whole, or in pieces of ``chunks`` characters."""
    state = kernels.JsonStreamState(max_depth)
    if chunks is None:
        state.feed(text)
    else:
        for i in range(0, len(text), chunks):
            state.feed(text[i : i + chunks])
    return state


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def closed(text: str, plan: tuple[int, str]) -> str:
    """Apply a closing plan to ``text``."""
    drop, suffix = plan
    return text[: len(text) - drop] + suffix


VALID = [
    "{}",
    "[]",
    '""',
    "0",
    "-0",
    "-0.0e+0",
    "12.5E-3",
    "true",
    "false",
    "null",
    ' \t\n\r{ "a" : [ 1 , 2.5 , -3e2 , true , false , null , "x" ] } \n',
    '{"a":{"b":{"c":[[[]],{}]}}}',
    '"esc: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00 \\ud800"',
    '["\u00e9\u4e2d\U0001f600\x7f", "\ud800 lone surrogate char"]',
    '[0, 1, 10, 0.5, 1e5, 1E+5, 1e-5, -1, 123456789012345678901234567890]',
]

# (document, error offset, reason)
ERRORS = [
    ('{"a": [1, 2}', 11, "unexpected '}' in array"),
    ("[1,]", 3, "trailing comma in array"),
    ('{"a":1,}', 7, "trailing comma in object"),
    ("{]", 1, "unexpected ']' in object"),
    ('{"a":1]', 6, "unexpected ']' in object"),
    ('{"a":]', 5, "unexpected ']' in object"),
    ("[1}", 2, "unexpected '}' in array"),
    ("[}", 1, "unexpected '}' in array"),
    ("}", 0, "unexpected '}' at top level"),
    ("  ]", 2, "unexpected ']' at top level"),
    ('{"a":}', 5, "unexpected '}', expected a value"),
    ("[,1]", 1, "unexpected ',', expected a value"),
    ("[1 2]", 3, "unexpected '2', expected ',' or ']'"),
    ('{"a":1 "b":2}', 7, "unexpected '\"', expected ',' or '}'"),
    ("{1:2}", 1, "unexpected '1', expected a key string or '}'"),
    ('{"a":1, 2}', 8, "unexpected '2', expected a key string"),
    ('{"a" 1}', 5, "unexpected '1', expected ':'"),
    ('{"a",1}', 4, "unexpected ',', expected ':'"),
    ("1 2", 2, "unexpected character after top-level value"),
    ("{}{}", 2, "unexpected character after top-level value"),
    ("truex", 4, "unexpected character after top-level value"),
    ("1.5.", 3, "unexpected character after top-level value"),
    ("01", 1, "invalid number: leading zero"),
    ("-01", 2, "invalid number: leading zero"),
    ("[-x]", 2, "invalid number: expected a digit after '-'"),
    ("--1", 1, "invalid number: expected a digit after '-'"),
    ("1.e5", 2, "invalid number: expected a digit after '.'"),
    ("[1.]", 3, "invalid number: expected a digit after '.'"),
    (".5", 0, "unexpected '.', expected a value"),
    ("+1", 0, "unexpected '+', expected a value"),
    ("1e", None, None),
    ("1e+]", 3, "invalid number: expected a digit in the exponent"),
    ("[1ex]", 3, "invalid number: expected a digit in the exponent"),
    ("tru ", 3, "invalid literal, expected 'true'"),
    ("[nul]", 4, "invalid literal, expected 'null'"),
    ("fals3", 4, "invalid literal, expected 'false'"),
    ("True", 0, "unexpected 'T', expected a value"),
    ("NaN", 0, "unexpected 'N', expected a value"),
    ("-Infinity", 1, "invalid number: expected a digit after '-'"),
    ('"\\x"', 2, "invalid escape"),
    ('"\\U0041"', 2, "invalid escape"),
    ('"\\u00g0"', 5, "invalid \\u escape: expected 4 hex digits"),
    ('"\\u12"', 5, "invalid \\u escape: expected 4 hex digits"),
    ('"a\nb"', 2, "control character in string"),
    ('"\x00"', 1, "control character in string"),
    ('{"k\tey": 1}', 3, "control character in string"),
    ("\x0b1", 0, "unexpected '\\x0b', expected a value"),
    ("[1,\u00a02]", 3, "unexpected '\\xa0', expected a value"),
    ("\ufeff[]", 0, "unexpected '\\ufeff', expected a value"),
    ("'a'", 0, "unexpected \"'\", expected a value"),
    ("[1]]", 3, "unexpected character after top-level value"),
]


@pytest.mark.parametrize("doc", VALID)
def test_valid_documents_are_accepted(kernels, doc):
    json.loads(doc)  # the table itself is valid JSON
    for chunks in (None, 1, 2, 3):
        state = fed(kernels, doc, chunks)
        assert state.error is None and state.error_offset == -1
        assert state.complete_at_end
        assert state.depth == 0 and state.stack == ""
        assert state.offset == len(doc)


@pytest.mark.parametrize(("doc", "offset", "reason"), ERRORS)
def test_errors_have_exact_offset_and_reason(kernels, doc, offset, reason):
    with pytest.raises(ValueError):
        json.loads(doc, parse_constant=_reject_constant)
    for chunks in (None, 1, 2, 5):
        state = fed(kernels, doc, chunks)
        assert state.error == reason
        assert state.error_offset == (-1 if offset is None else offset)
        if offset is None:
            assert not state.complete_at_end
        else:
            assert not state.complete and not state.complete_at_end


def test_after_an_error_feeds_are_ignored_but_counted(kernels):
    state = kernels.JsonStreamState()
    assert state.feed("[1,") is True
    assert state.feed("]") is False
    before = snapshot(state)
    assert state.feed('"ok"]') is False
    after = snapshot(state)
    assert after.pop("offset") == before.pop("offset") + 5
    assert after == before
    assert state.expecting == "error"
    with pytest.raises(ValueError, match=r"^cannot close a JSON document with an error at offset 3: trailing comma"):
        state.closing_plan()
    with pytest.raises(ValueError, match="trailing comma in array"):
        state.closing_suffix()


def test_every_two_piece_split_matches_one_feed(kernels):
    doc = '{"k\\u00e9y": [-12.5e+3, "a\\"\\\\b\\ud83d\\ude00", true, null, {"x": false}], "z": 0}  '
    bad = doc.replace("e+3", "e+x")
    for text in (doc, bad):
        whole = snapshot(fed(kernels, text))
        for cut in range(len(text) + 1):
            state = kernels.JsonStreamState()
            state.feed(text[:cut])
            state.feed(text[cut:])
            assert snapshot(state) == whole, cut


def test_empty_chunks_change_nothing(kernels):
    state = fed(kernels, '{"a": [1')
    before = snapshot(state)
    assert state.feed("") is True
    assert snapshot(state) == before


def test_str_subclass_is_accepted(kernels):
    class S(str):
        pass

    state = kernels.JsonStreamState()
    assert state.feed(S('["x"]'))
    assert state.complete


def test_width_of_chunks_does_not_matter(kernels):
    # The same structure carried by 1-, 2- and 4-byte str storage.
    for ch in ("a", "\u00e9", "\u4e2d", "\U0001f600"):
        doc = '{"' + ch + '": ["' + ch * 3 + '", 1]}'
        state = fed(kernels, doc, 1)
        assert state.complete, ch
        bad = fed(kernels, doc.replace(", 1", ", " + ch))
        assert bad.error == f"unexpected {ch!r}, expected a value"
        assert bad.error_offset == doc.index(", 1") + 2


# --- counters -----------------------------------------------------------------------------------


def test_counters_ignore_strings_and_escapes(kernels):
    state = fed(kernels, '{"a{[": "]}\\"}", "b": [[], {}], "c": "\\\\"}', 3)
    assert state.complete
    assert (state.open_braces, state.close_braces) == (2, 2)
    assert (state.open_brackets, state.close_brackets) == (2, 2)


def test_a_wrong_bracket_outside_strings_is_counted_like_the_reference(kernels):
    state = fed(kernels, "{}}")
    assert state.error == "unexpected character after top-level value"
    assert (state.open_braces, state.close_braces) == (1, 2)
    state = fed(kernels, '"\\{"')
    assert state.error == "invalid escape"
    assert state.open_braces == 0


# --- structure introspection --------------------------------------------------------------------


def test_depth_stack_and_expecting_follow_the_text(kernels):
    steps = [
        ("", "value", 0, "", False),
        (" ", "value", 0, "", False),
        ("{", "key_or_close", 1, "{", True),
        ('"a', "key_string", 1, "{", True),
        ('"', "colon", 1, "{", True),
        (":", "value", 1, "{", True),
        ("[", "value_or_close", 2, "{[", True),
        ("-", "number", 2, "{[", True),
        ("1", "number", 2, "{[", True),
        (",", "value", 2, "{[", True),
        ("t", "literal", 2, "{[", True),
        ("rue", "comma_or_close", 2, "{[", True),
        ("]", "comma_or_close", 1, "{", True),
        (",", "key", 1, "{", True),
        ('"b":"\\', "string", 1, "{", True),
        ('n"}', "end", 0, "", True),
        ("x", "error", 0, "", True),
    ]
    state = kernels.JsonStreamState()
    for delta, expecting, depth, stack, started in steps:
        state.feed(delta)
        assert (state.expecting, state.depth, state.stack, state.started) == (expecting, depth, stack, started), delta


def test_in_string_and_escape_next(kernels):
    state = kernels.JsonStreamState()
    seen = []
    for ch in '["a\\"\\u0041", 1]':
        state.feed(ch)
        seen.append((state.in_string, state.escape_next))
    assert seen == [
        (False, False),  # [
        (True, False),  # "
        (True, False),  # a
        (True, True),  # backslash
        (True, False),  # escaped quote
        (True, True),  # backslash
        (True, False),  # u
        (True, False),
        (True, False),
        (True, False),
        (True, False),  # 1 (4th hex digit)
        (False, False),  # "
        (False, False),  # ,
        (False, False),  # space
        (False, False),  # 1
        (False, False),  # ]
    ]


def test_token_start_points_at_the_current_scalar(kernels):
    state = kernels.JsonStreamState()
    assert state.token_start == -1
    state.feed('{"key": "val')
    assert state.token_start == 8
    state.feed('ue", "n": -1')
    assert state.token_start == 22
    state.feed("2.5")
    assert state.token_start == 22
    state.feed("}")
    assert state.token_start == 22


def test_complete_needs_a_terminated_top_level_value(kernels):
    state = fed(kernels, "42")
    assert not state.complete and state.complete_at_end
    state.feed("\n")
    assert state.complete and state.complete_at_end
    for doc in ("[1]", '"s"', "null", "{}"):
        assert fed(kernels, doc).complete
    for doc in ("", "  ", "[1", '"s', "nul", "-", "1.", "1e+"):
        state = fed(kernels, doc)
        assert not state.complete and not state.complete_at_end


def test_started(kernels):
    assert not fed(kernels, "").started
    assert not fed(kernels, " \n\t\r").started
    assert fed(kernels, "  [").started
    bad = fed(kernels, " x")
    assert bad.started and bad.error_offset == 1


# --- closing -------------------------------------------------------------------------------------

CLOSING = [
    ("[", (0, "]")),
    ("{", (0, "}")),
    ('{"a": [1, 2', (0, "]}")),
    ('{"a": [1, 2 ', (0, "]}")),
    ("[1,", (1, "]")),
    ("[1 , ", (3, "]")),
    ("[[", (0, "]]")),
    ("[[],", (1, "]")),
    ('{"a"', (3, "}")),
    ('{"a":', (4, "}")),
    ('{"a": ', (5, "}")),
    ('{"a": 1, "b', (4, "}")),
    ('{"a": 1, "b\\', (5, "}")),
    ('{"a": 1,', (1, "}")),
    ('{"a": {"b": [{"c', (2, "}]}}")),
    ('"ab', (0, '"')),
    ('["ab\\', (1, '"]')),
    ('{"k": "ab\\u', (2, '"}')),
    ('"ab\\u12', (4, '"')),
    ('"ab\\u1234', (0, '"')),
    ('"\\ud83d', (0, '"')),
    ('"ab\\n', (0, '"')),
    ("t", (0, "rue")),
    ("[tr", (0, "ue]")),
    ("fals", (0, "e")),
    ("n", (0, "ull")),
    ("-", (0, "0")),
    ("[1.", (0, "0]")),
    ("1e", (0, "0")),
    ("1E-", (0, "0")),
    ("0", (0, "")),
    ("[12", (0, "]")),
    ("[1.5e3", (0, "]")),
    ("[true", (0, "]")),
    ("{}", (0, "")),
    ("[] \n", (0, "")),
]


@pytest.mark.parametrize(("prefix", "plan"), CLOSING)
def test_closing_plan(kernels, prefix, plan):
    for chunks in (None, 1):
        state = fed(kernels, prefix, chunks)
        assert state.closing_plan() == plan
        assert state.closing_suffix() == plan[1]
        json.loads(closed(prefix, plan))


def test_closing_keeps_partial_string_values(kernels):
    prefix = '{"a": [1, {"b": "hel'
    state = fed(kernels, prefix)
    assert json.loads(closed(prefix, state.closing_plan())) == {"a": [1, {"b": "hel"}]}


def test_closing_nothing_is_an_error(kernels):
    for text in ("", "  \n"):
        state = fed(kernels, text)
        with pytest.raises(ValueError, match=r"^nothing to close: no JSON value started$"):
            state.closing_plan()
        with pytest.raises(ValueError, match=r"^nothing to close: no JSON value started$"):
            state.closing_suffix()


def test_closing_does_not_change_the_state(kernels):
    state = fed(kernels, '{"a": [1, tr')
    before = snapshot(state)
    state.closing_plan()
    state.closing_suffix()
    assert snapshot(state) == before


# --- depth --------------------------------------------------------------------------------------


def test_max_depth_is_enforced_at_the_opening_bracket(kernels):
    assert fed(kernels, "[[1]]", max_depth=2).complete
    state = fed(kernels, "[{}]", max_depth=1)
    assert state.error == "maximum depth exceeded"
    assert state.error_offset == 1
    assert state.open_braces == 1  # the refused opener still counts, like the reference


@pytest.mark.parametrize("max_depth", [1, 31, 32, 33, 100, 5000])
def test_deep_nesting_grows_the_stack(kernels, max_depth):
    doc = "[" * max_depth + '{"a":1}' + "]" * max_depth
    state = fed(kernels, doc, 7, max_depth=max_depth + 1)
    assert state.complete
    state = fed(kernels, doc[: max_depth + 3], 3, max_depth=max_depth + 1)
    assert state.depth == max_depth + 1
    assert state.stack == "[" * max_depth + "{"
    assert state.closing_plan() == (2, "}" + "]" * max_depth)
    refused = fed(kernels, doc, max_depth=max_depth)
    assert refused.error == "maximum depth exceeded"
    assert refused.error_offset == max_depth


def test_huge_max_depth_is_allowed(kernels):
    state = kernels.JsonStreamState(2**80)
    assert state.feed("[" * 100)
    assert state.depth == 100


# --- reset and copy -----------------------------------------------------------------------------


def test_reset_returns_to_a_fresh_state(kernels):
    fresh = snapshot(kernels.JsonStreamState(7))
    state = fed(kernels, '{"a": [1, }', max_depth=7)
    assert state.error is not None
    state.reset()
    assert snapshot(state) == fresh
    assert state.feed("[1]") and state.complete


def test_copy_is_independent(kernels):
    state = fed(kernels, '{"a": [1, "x')
    for twin in (state.copy(), copy.copy(state), copy.deepcopy(state)):
        assert type(twin) is type(state)
        assert snapshot(twin) == snapshot(state)
        twin.feed('"]}')
        assert twin.complete
        assert not state.complete and state.stack == "{["
    other = state.copy()
    state.feed('"}')
    assert state.error is not None and other.error is None
    other.feed('", ' + "[" * 40)  # growing the copy's stack must not touch the original
    assert other.error is None and other.depth == 42
    assert state.stack == "{["


# --- bad input ----------------------------------------------------------------------------------


def test_bad_input_raises_the_same_clear_errors(twins):
    compiled, pure = twins
    cases = [
        (lambda k: k.JsonStreamState(0), ValueError, "max_depth must be a positive int, got 0"),
        (lambda k: k.JsonStreamState(-3), ValueError, "max_depth must be a positive int, got -3"),
        (lambda k: k.JsonStreamState("8"), TypeError, "max_depth must be int, got str"),
        (lambda k: k.JsonStreamState(2.0), TypeError, "max_depth must be int, got float"),
        (lambda k: k.JsonStreamState().feed(1), TypeError, "delta must be str, got int"),
        (lambda k: k.JsonStreamState().feed(b"[]"), TypeError, "delta must be str, got bytes"),
        (lambda k: k.JsonStreamState().feed(None), TypeError, "delta must be str, got NoneType"),
    ]
    for make, exc_type, message in cases:
        for k in (compiled, pure):
            with pytest.raises(exc_type) as info:
                make(k)
            assert type(info.value) is exc_type
            assert str(info.value) == message


def test_a_rejected_feed_leaves_the_state_untouched(kernels):
    state = fed(kernels, "[1")
    before = snapshot(state)
    with pytest.raises(TypeError):
        state.feed(["]"])
    assert snapshot(state) == before


def test_index_like_max_depth_is_accepted(kernels):
    class Depth:
        def __index__(self) -> int:
            return 3

    assert kernels.JsonStreamState(Depth()).max_depth == 3


# --- pickling and twin surface ------------------------------------------------------------------


def test_pickle_round_trip_at_every_prefix(kernels):
    doc = '{"a": [1.5e-3, "x\\u00e9\\"", tru'
    rest = 'e, null, {"b": false}], "c": -0}'
    state = kernels.JsonStreamState(6)
    for ch in doc:
        state.feed(ch)
        clone = pickle.loads(pickle.dumps(state))
        assert type(clone) is type(state)
        assert snapshot(clone) == snapshot(state)
    clone = pickle.loads(pickle.dumps(state))
    clone.feed(rest)
    assert clone.complete and clone.max_depth == 6
    assert not state.complete
    broken = fed(kernels, "[1,]")
    assert snapshot(pickle.loads(pickle.dumps(broken))) == snapshot(broken)


def _doc(obj) -> str:
    """A docstring without the signature line Cython's ``embedsignature`` prepends."""
    text = inspect.cleandoc(obj.__doc__ or "")
    first, _, rest = text.partition("\n")
    if first.startswith("JsonStreamState"):
        text = rest.strip()
    return text


def test_twins_have_the_same_public_surface_and_docstrings(twins):
    compiled, pure = twins
    a, b = compiled.JsonStreamState, pure.JsonStreamState
    public = {name for name in dir(b) if not name.startswith("_")}
    assert public == {name for name in dir(a) if not name.startswith("_")}
    assert public >= {
        "feed", "reset", "copy", "closing_plan", "closing_suffix", "error", "error_offset", "offset", "depth",
        "complete", "started", "in_string", "escape_next", "open_braces", "close_braces", "open_brackets",
        "close_brackets",
    }  # fmt: skip
    assert _doc(a) == _doc(b)
    for name in public:
        assert _doc(getattr(a, name)) == _doc(getattr(b, name)), name
