"""JsonStreamState: property tests against ``json.loads`` and between the twins.

Valid documents come from hypothesis-generated JSON values serialized by
``json.dumps`` with varied separators, indentation and ``ensure_ascii``;
corrupted documents apply random insertions, deletions and replacements.
Every document is fed in a random chunking. ``json.loads`` also accepts
``NaN``/``Infinity``, which RFC 8259 does not: the oracle rejects them.
"""

from __future__ import annotations

import json
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st
from json_state_helpers import ATTRS, snapshot

SETTINGS = settings(max_examples=150, deadline=None)


# Characters that matter to the grammar, plus a few that never appear outside strings.
NASTY = ' \t\n\r{}[],:"\\/0123456789.eE+-tfnrulsabuvxUIN\x00\x0b\x1f\x7f\xa0\u00e9\u2028\U0001f600\ud800'

keys = st.text(max_size=6)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)


@st.composite
def documents(draw) -> str:
    """A valid JSON document with varied formatting and surrounding whitespace."""
    value = draw(json_values)
    text = json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 0, 1, 2, "\t", " "])),
        separators=draw(st.sampled_from([None, (",", ":"), (", ", ": "), (" ,\n", " :\t")])),
    )
    lead = draw(st.text(alphabet=" \t\n\r", max_size=2))
    trail = draw(st.text(alphabet=" \t\n\r", max_size=2))
    return lead + text + trail


@st.composite
def corrupted(draw) -> str:
    """A valid document with one to three random edits (insert, delete, replace)."""
    chars = list(draw(documents()))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        pos = draw(st.integers(0, len(chars)))
        ch = draw(st.sampled_from(NASTY) | st.characters())
        if op == "insert":
            chars.insert(pos, ch)
        elif chars:
            pos = min(pos, len(chars) - 1)
            if op == "delete":
                del chars[pos]
            else:
                chars[pos] = ch
    return "".join(chars)


def chunked(draw, text: str) -> list[str]:
    """Split ``text`` at random positions (empty pieces allowed)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def json_accepts(text: str) -> bool:
    """The oracle: ``json.loads`` without the NaN/Infinity extension."""
    try:
        json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False
    return True


def feed_all(cls, pieces: list[str]):
    """A new state of ``cls`` fed every piece in order."""
    state = cls()
    for piece in pieces:
        state.feed(piece)
    return state


def reference_counters(text: str) -> tuple[int, int, int, int]:
    """The reference ``update_json_state_incremental`` counters (guardrails.md §1.4)."""
    counts = {"{": 0, "}": 0, "[": 0, "]": 0}
    in_string = escape_next = False
    for ch in text:
        if escape_next:
            escape_next = False
        elif ch == "\\" and in_string:
            escape_next = True
        elif ch == '"':
            in_string = not in_string
        elif not in_string and ch in counts:
            counts[ch] += 1
    return counts["{"], counts["}"], counts["["], counts["]"]


def counters(state) -> tuple[int, int, int, int]:
    return state.open_braces, state.close_braces, state.open_brackets, state.close_brackets


@SETTINGS
@given(st.data())
def test_valid_documents_are_accepted_in_any_chunking(kernels, data):
    doc = data.draw(documents())
    state = feed_all(kernels.JsonStreamState, chunked(data.draw, doc))
    assert state.error is None
    assert state.complete_at_end
    assert state.offset == len(doc)
    assert counters(state) == reference_counters(doc)


@SETTINGS
@given(st.data())
def test_acceptance_matches_json_loads(kernels, data):
    doc = data.draw(corrupted() | documents())
    state = feed_all(kernels.JsonStreamState, chunked(data.draw, doc))
    assert (state.error is None and state.complete_at_end) == json_accepts(doc)
    if state.error is not None:
        pos = state.error_offset
        # Everything before the error is a valid prefix; the character at the offset is not.
        assert 0 <= pos < len(doc)
        prefix = kernels.JsonStreamState()
        assert prefix.feed(doc[:pos])
        assert not prefix.feed(doc[pos])
        assert prefix.error_offset == pos and prefix.error == state.error
        assert counters(state) == reference_counters(doc[: pos + 1])
    else:
        assert counters(state) == reference_counters(doc)


@SETTINGS
@given(st.data())
def test_closing_plan_completes_every_prefix(kernels, data):
    doc = data.draw(documents())
    cut = data.draw(st.integers(0, len(doc)))
    prefix = doc[:cut]
    state = feed_all(kernels.JsonStreamState, chunked(data.draw, prefix))
    assert state.error is None
    if not state.started:
        assert prefix.strip(" \t\n\r") == ""
        return
    drop, suffix = state.closing_plan()
    assert state.closing_suffix() == suffix
    assert 0 <= drop <= len(prefix)
    assert json_accepts(prefix[: len(prefix) - drop] + suffix)
    if drop == 0 and suffix == "":
        assert state.complete_at_end


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_closing_plan_completes_every_prefix_of_a_nested_document(kernels, data):
    doc = data.draw(documents().filter(lambda d: len(d) > 10))
    state = kernels.JsonStreamState()
    for i, ch in enumerate(doc):
        state.feed(ch)
        if not state.started:
            continue
        drop, suffix = state.closing_plan()
        text = doc[: i + 1]
        assert json_accepts(text[: len(text) - drop] + suffix), (text, drop, suffix)


@SETTINGS
@given(st.data())
def test_twins_agree_after_every_chunk(twins, data):
    compiled, pure = twins
    doc = data.draw(corrupted() | documents() | st.text(alphabet=NASTY, max_size=40))
    max_depth = data.draw(st.sampled_from([1, 2, 3, 1024]))
    a, b = compiled.JsonStreamState(max_depth), pure.JsonStreamState(max_depth)
    for piece in chunked(data.draw, doc):
        assert a.feed(piece) == b.feed(piece)
        assert snapshot(a) == snapshot(b)
        how = data.draw(st.sampled_from(["keep", "copy", "pickle"]))
        if how == "copy":
            a, b = a.copy(), b.copy()
        elif how == "pickle":
            a, b = pickle.loads(pickle.dumps(a)), pickle.loads(pickle.dumps(b))
    assert repr(a) == repr(b)


@SETTINGS
@given(st.data())
def test_chunking_never_changes_the_outcome(kernels, data):
    doc = data.draw(corrupted() | documents())
    whole = snapshot(feed_all(kernels.JsonStreamState, [doc]))
    assert snapshot(feed_all(kernels.JsonStreamState, chunked(data.draw, doc))) == whole
    assert snapshot(feed_all(kernels.JsonStreamState, list(doc))) == whole


# One placeholder per grammatical context; every candidate character is tried in each.
TEMPLATES = [
    "X", " X ", "1X", "-X", "0X", "1.X", "1eX", "1e+X", "1.5X", "1e5X", "tX", "nuX", "falsX", "trueX",
    '"X"', '"\\X"', '"\\uX000"', '"\\u000X"', '"\\ud83dX"',
    "[X]", "[X", "[1X]", "[1,X]", "[[]X]", '["a"X]', "[trueX]", "[-X]", "[0X]", "[1.X]", "[1eX]",
    "{X}", '{"a"X1}', '{"a":X}', '{"a":1X}', '{"a":1,X}', '{"a":[]X}', '{"a":{}X}', '{"a":"b"X}',
]
CANDIDATES = [chr(i) for i in range(128)] + ["\xa0", "\u00e9", "\u2028", "\ufeff", "\U0001f600", "\ud800"]


def test_every_character_in_every_context_matches_json_loads(kernels):
    for template in TEMPLATES:
        for ch in CANDIDATES:
            doc = template.replace("X", ch)
            for pieces in ([doc], list(doc)):
                state = feed_all(kernels.JsonStreamState, pieces)
                assert (state.error is None and state.complete_at_end) == json_accepts(doc), repr(doc)
