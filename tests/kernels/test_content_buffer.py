"""ContentBuffer: behaviour on both backends and differential tests of the twins."""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# Every code point, including lone surrogates (category Cs, excluded by default).
any_char = st.characters(exclude_categories=())
astral_char = st.characters(min_codepoint=0x10000)
surrogate_char = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
latin1_char = st.characters(max_codepoint=0xFF, exclude_categories=())
word = st.text(st.sampled_from("abcdefghij ,.\n"), min_size=1, max_size=7)
tokens = st.one_of(
    word,
    st.text(latin1_char, max_size=7),
    st.text(any_char, max_size=12),
    st.text(st.one_of(astral_char, surrogate_char, st.sampled_from("a\u00e9\u0100")), max_size=5),
    st.just(""),
)
token_lists = st.lists(tokens, max_size=60)
HYP = settings(max_examples=150, deadline=None)


def make(kernels, parts: list[str], capacity: int = 256):
    """A buffer of the given backend with ``parts`` appended in order."""
    buf = kernels.ContentBuffer(capacity)
    for part in parts:
        buf.append(part)
    return buf


def outcome(fn: Callable[[], Any]) -> tuple:
    """Result of ``fn()`` as ``("ok", value)`` or ``("raise", type, message)``."""
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - compared across twins
        return ("raise", type(exc), str(exc))


def expected_width(text: str) -> int:
    """Bytes per character CPython needs for ``text``."""
    top = max(map(ord, text), default=0)
    return 1 if top < 0x100 else 2 if top < 0x10000 else 4


def observe(buf, probes: list[int]) -> tuple:
    """Every read-only observable of a buffer, at a few probe offsets."""
    n = len(buf)
    reads = [
        ("content", lambda: buf.content),
        ("len", lambda: len(buf)),
        ("tokens", lambda: buf.token_count),
        ("width", lambda: buf.width),
        ("last", lambda: buf.last_token),
        ("ends", lambda: [buf.token_end(i) for i in range(buf.token_count)]),
    ]
    for p in probes:
        reads += [
            (f"tail{p}", lambda p=p: buf.tail(p)),
            (f"since{p}", lambda p=p: buf.since(p)),
            (f"slice{p}", lambda p=p: buf.slice(p, n - p)),
            (f"slice-{p}", lambda p=p: buf.slice(-p, p)),
            (f"end{p}", lambda p=p: buf.token_end(p - 3)),
        ]
    return tuple((name, outcome(fn)) for name, fn in reads)


# --- behaviour, both backends ---------------------------------------------------------


def test_empty_buffer(kernels):
    buf = kernels.ContentBuffer()
    assert (buf.content, len(buf), buf.token_count, buf.width, buf.last_token) == ("", 0, 0, 1, "")
    assert (buf.tail(3), buf.since(0), buf.since(5), buf.slice(0, 9)) == ("", "", "", "")


def test_append_accumulates_tokens_and_offsets(kernels):
    buf = make(kernels, ["Hel", "lo", "", ", wor", "ld"])
    assert buf.content == "Hello, world"
    assert len(buf) == 12
    assert buf.token_count == 5
    assert [buf.token_end(i) for i in range(5)] == [3, 5, 5, 10, 12]
    assert buf.token_end(-1) == 12
    assert buf.token_end(-5) == 3
    assert buf.last_token == "ld"


def test_empty_token_counts_and_is_last(kernels):
    buf = make(kernels, ["ab", ""])
    assert buf.token_count == 2
    assert buf.last_token == ""


@pytest.mark.parametrize(
    ("parts", "width"),
    [
        (["abc"], 1),
        (["caf\u00e9", "\u00ff"], 1),
        (["a", "\u0100"], 2),
        (["x", "\ud800"], 2),
        (["x", "\U0001f600", "y"], 4),
        (["\u00e9", "\u4e2d", "\U00010000", "\udfff"], 4),
    ],
)
def test_width_follows_widest_character(kernels, parts, width):
    buf = make(kernels, parts)
    assert buf.width == width
    assert buf.content == "".join(parts)


def test_width_grows_stepwise_and_resets_on_clear(kernels):
    buf = kernels.ContentBuffer(0)
    widths = []
    for part in ["ascii", "\u00e9", "\u20ac", "z", "\U0001f600", "a"]:
        buf.append(part)
        widths.append(buf.width)
    assert widths == [1, 1, 2, 2, 4, 4]
    buf.truncate(2)
    assert buf.width == 4  # storage never narrows before clear()
    assert buf.content == "as"
    buf.clear()
    assert buf.width == 1
    buf.append("\u0101")
    assert buf.width == 2


@pytest.mark.parametrize(
    "text",
    [
        "\ud800",
        "a\udfffb",
        "\ud83d\ude00",  # a surrogate pair as two code points, never combined
        "\U0001f600\ud800\u00e9\x00",
        "\x00\x01\x7f\x80\xff",
        "\U0010ffff\U00010000",
    ],
)
def test_round_trips_every_code_point(kernels, text):
    buf = make(kernels, [text[:1], text[1:]])
    assert buf.content == text
    assert len(buf) == len(text)
    assert buf.tail(len(text) - 1) == text[1:]
    assert buf.slice(1, len(text)) == text[1:]
    assert buf.last_token == text[1:]


def test_content_is_cached_until_changed(kernels):
    buf = make(kernels, ["one", " two"])
    first = buf.content
    assert buf.content is first
    buf.append("")
    assert buf.content is first
    buf.tail(2), buf.since(1), buf.slice(0, 2), buf.last_token
    assert buf.content is first
    buf.truncate(100)
    buf.truncate_tokens(100)
    assert buf.content is first
    buf.append("!")
    second = buf.content
    assert second == "one two!"
    assert second is not first
    assert buf.content is second
    buf.truncate(3)
    assert buf.content == "one"


@pytest.mark.parametrize(
    ("cut", "first", "second"),
    [("truncate", "a", "az"), ("truncate_tokens", "abc", "abcz")],
)
def test_content_after_cutting_into_an_earlier_read(kernels, cut, first, second):
    buf = make(kernels, ["abc", "de"])
    assert buf.content == "abcde"
    buf.append("fg")
    buf.append("\u0101")
    getattr(buf, cut)(1)
    assert buf.content == first
    buf.append("z")
    assert buf.content == second
    buf.append("y")
    getattr(buf, cut)(2)
    assert buf.content == second
    assert buf.tail(9) == buf.since(0) == buf.slice(0, 9) == second


def test_whole_text_reads_return_the_cached_content(kernels):
    buf = make(kernels, ["abc", "def"])
    assert buf.tail(6) is buf.content
    assert buf.tail(10**30) is buf.content
    assert buf.since(0) is buf.content


@pytest.mark.parametrize("cached", [False, True], ids=["uncached", "cached"])
def test_tail_since_slice(kernels, cached):
    buf = make(kernels, ["The ", "qu", "ick", " ", "br", "own", " fox"])
    text = "The quick brown fox"
    if cached:
        assert buf.content == text
    for k in range(len(text) + 3):
        assert buf.tail(k) == (text[-k:] if k else "")
        assert buf.since(k) == text[k:]
    for a in range(-22, 23, 3):
        for b in range(-22, 23, 2):
            assert buf.slice(a, b) == text[a:b]


@pytest.mark.parametrize(
    ("length", "content", "ends", "last"),
    [
        (12, "Hello, world", [3, 5, 5, 10, 12], "ld"),
        (11, "Hello, worl", [3, 5, 5, 10, 11], "l"),
        (10, "Hello, wor", [3, 5, 5, 10], ", wor"),
        (6, "Hello,", [3, 5, 5, 6], ","),
        (5, "Hello", [3, 5, 5], ""),
        (4, "Hell", [3, 4], "l"),
        (3, "Hel", [3], "Hel"),
        (1, "H", [1], "H"),
        (0, "", [], ""),
    ],
)
def test_truncate_keeps_tokens_with_a_character_left(kernels, length, content, ends, last):
    buf = make(kernels, ["Hel", "lo", "", ", wor", "ld"])
    buf.content  # noqa: B018 - exercise the cached path as well
    buf.truncate(length)
    assert buf.content == content
    assert len(buf) == length
    assert buf.token_count == len(ends)
    assert [buf.token_end(i) for i in range(buf.token_count)] == ends
    assert buf.last_token == last
    buf.append("!")
    assert buf.content == content + "!"
    assert buf.token_end(-1) == length + 1


def test_truncate_beyond_end_is_a_no_op(kernels):
    buf = make(kernels, ["ab", "c", ""])
    buf.truncate(3)
    buf.truncate(10**20)
    assert (buf.content, buf.token_count) == ("abc", 3)


def test_truncate_drops_trailing_empty_tokens_past_the_cut(kernels):
    buf = make(kernels, ["", "ab", "", "cd", ""])
    buf.truncate(2)
    assert buf.token_count == 3
    assert [buf.token_end(i) for i in range(3)] == [0, 2, 2]
    buf.truncate(0)
    assert buf.token_count == 1
    assert buf.token_end(0) == 0


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 9])
def test_truncate_tokens(kernels, n):
    parts = ["a\u00e9", "", "\U0001f600b", "cd", "e"]
    buf = make(kernels, parts)
    buf.truncate_tokens(n)
    kept = parts[:n]
    assert buf.content == "".join(kept)
    assert buf.token_count == len(kept)
    assert buf.last_token == (kept[-1] if kept else "")
    assert buf.width == 4


def test_clear_then_reuse(kernels):
    buf = make(kernels, ["x" * 1000, "\u4e2d" * 10])
    buf.clear()
    assert (buf.content, len(buf), buf.token_count, buf.width, buf.last_token) == ("", 0, 0, 1, "")
    buf.append("again")
    assert buf.content == "again"
    assert buf.token_end(0) == 5


def test_str_subclass_tokens_are_stored_as_plain_text(kernels):
    class Tagged(str):
        pass

    buf = make(kernels, [Tagged("ab"), Tagged("")])
    buf.append(Tagged("\u00e9"))
    assert buf.content == "ab\u00e9"
    assert type(buf.content) is str
    assert type(buf.last_token) is str


@pytest.mark.parametrize("capacity", [0, 1, 7, 256, 10**12])
def test_capacity_is_only_a_hint(kernels, capacity):
    parts = [f"tok{i} " for i in range(3000)]
    buf = make(kernels, parts, capacity)
    assert buf.content == "".join(parts)
    assert buf.token_count == 3000


def test_numpy_integers_are_accepted_as_offsets(kernels):
    buf = make(kernels, ["abc", "def"])
    assert buf.tail(np.int64(2)) == "ef"
    assert buf.token_end(np.int32(0)) == 3
    buf.truncate(np.uint8(4))
    assert buf.content == "abcd"


def test_large_stream(kernels):
    parts = [("w%d " % i) if i % 97 else "\u00e9\u4e2d\U0001f600" for i in range(200_000)]
    buf = make(kernels, parts)
    text = "".join(parts)
    assert len(buf) == len(text)
    assert buf.tail(50) == text[-50:]
    assert buf.since(len(text) - 1000) == text[-1000:]
    assert buf.content == text
    assert buf.token_end(123_456) == len("".join(parts[:123_457]))


BAD_CALLS = [
    (lambda K: K.ContentBuffer(-1), ValueError, "capacity must be a non-negative int, got -1"),
    (lambda K: K.ContentBuffer("8"), TypeError, "capacity must be int, got str"),
    (lambda K: K.ContentBuffer(2.0), TypeError, "capacity must be int, got float"),
    (lambda K: K.ContentBuffer().append(5), TypeError, "token must be str, got int"),
    (lambda K: K.ContentBuffer().append(b"x"), TypeError, "token must be str, got bytes"),
    (lambda K: K.ContentBuffer().append(None), TypeError, "token must be str, got NoneType"),
    (lambda K: K.ContentBuffer().tail(-1), ValueError, "k must be a non-negative int, got -1"),
    (lambda K: K.ContentBuffer().tail(1.5), TypeError, "k must be int, got float"),
    (lambda K: K.ContentBuffer().since(-3), ValueError, "pos must be a non-negative int, got -3"),
    (lambda K: K.ContentBuffer().since("0"), TypeError, "pos must be int, got str"),
    (lambda K: K.ContentBuffer().slice(0.0, 1), TypeError, "start must be int, got float"),
    (lambda K: K.ContentBuffer().slice(0, None), TypeError, "end must be int, got NoneType"),
    (lambda K: K.ContentBuffer().token_end(0), IndexError, "token index 0 out of range for 0 tokens"),
    (lambda K: make(K, ["a"]).token_end(1), IndexError, "token index 1 out of range for 1 tokens"),
    (lambda K: make(K, ["a"]).token_end(-2), IndexError, "token index -2 out of range for 1 tokens"),
    (lambda K: K.ContentBuffer().token_end("0"), TypeError, "i must be int, got str"),
    (lambda K: K.ContentBuffer().truncate(-1), ValueError, "length must be a non-negative int, got -1"),
    (lambda K: K.ContentBuffer().truncate(None), TypeError, "length must be int, got NoneType"),
    (lambda K: K.ContentBuffer().truncate_tokens(-2), ValueError, "n must be a non-negative int, got -2"),
    (lambda K: K.ContentBuffer().truncate_tokens(1.0), TypeError, "n must be int, got float"),
    (lambda K: K.ContentBuffer().tail(-(10**30)), ValueError, f"k must be a non-negative int, got {-(10**30)}"),
]


@pytest.mark.parametrize(("call", "exc", "message"), BAD_CALLS)
def test_bad_input_raises_clear_errors(kernels, call, exc, message):
    with pytest.raises(exc, match=f"^{re.escape(message)}$"):
        call(kernels)


def test_failed_append_leaves_the_buffer_unchanged(kernels):
    buf = make(kernels, ["ok"])
    with pytest.raises(TypeError):
        buf.append(1)
    assert (buf.content, buf.token_count) == ("ok", 1)


# --- differential: compiled vs pure vs a plain-list model ------------------------------


@HYP
@given(parts=token_lists, probes=st.lists(st.integers(-3, 80), max_size=4))
def test_twins_agree_with_the_model(twins, parts, probes):
    compiled, pure = twins
    c = make(compiled, parts)
    p = make(pure, parts)
    text = "".join(parts)
    assert observe(c, probes) == observe(p, probes)
    assert c.content == text
    assert c.width == expected_width(text)
    for k in probes:
        if k >= 0:
            assert c.tail(k) == (text[-k:] if k else "")
            assert c.since(k) == text[k:]
        assert c.slice(k, -k) == text[k:-k]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("append"), tokens),
        st.tuples(st.just("truncate"), st.integers(-2, 40)),
        st.tuples(st.just("truncate_tokens"), st.integers(-2, 12)),
        st.tuples(st.just("content"), st.none()),
        st.tuples(st.just("clear"), st.none()),
        st.tuples(st.just("append"), st.sampled_from([1, None, b"b"])),
    ),
    max_size=40,
)


class Model:
    """Plain-list reference model of the ContentBuffer contract."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.width = 1

    def append(self, token: str) -> None:
        self.parts.append(token)
        self.width = max(self.width, expected_width(token))

    def truncate(self, length: int) -> None:
        kept, start = [], 0
        for part in self.parts:
            end = start + len(part)
            if start < length or end <= length:
                kept.append(part[: max(0, length - start)])
            start = end
        if length < start:
            self.parts = kept

    def truncate_tokens(self, n: int) -> None:
        del self.parts[n:]


@HYP
@given(ops=operations, probes=st.lists(st.integers(-3, 60), max_size=3))
def test_twins_agree_through_mutations(twins, ops, probes):
    compiled, pure = twins
    c, p, model = compiled.ContentBuffer(0), pure.ContentBuffer(0), Model()
    for name, arg in ops:
        if name in ("content",):
            assert c.content == p.content
            continue
        if name == "clear":
            c.clear(), p.clear()
            model = Model()
            continue
        rc = outcome(lambda: getattr(c, name)(arg))
        rp = outcome(lambda: getattr(p, name)(arg))
        assert rc == rp
        if rc[0] == "ok":
            getattr(model, name)(arg)
        assert observe(c, probes) == observe(p, probes)
        assert c.content == "".join(model.parts)
        assert c.token_count == len(model.parts)
        assert c.last_token == (model.parts[-1] if model.parts else "")
        assert c.width == model.width


@settings(max_examples=20, deadline=None)
@given(
    seed=st.text(any_char, min_size=1, max_size=40),
    repeat=st.integers(200, 2000),
    cuts=st.lists(st.integers(1, 7), min_size=1),
)
def test_twins_agree_on_large_text_in_small_chunks(twins, seed, repeat, cuts):
    compiled, pure = twins
    text = seed * repeat
    c, p = compiled.ContentBuffer(), pure.ContentBuffer()
    i = j = 0
    while i < len(text):
        step = cuts[j % len(cuts)]
        c.append(text[i : i + step])
        p.append(text[i : i + step])
        i += step
        j += 1
    assert c.content == p.content == text
    assert c.tail(333) == p.tail(333) == text[-333:]
    assert c.token_count == p.token_count


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_copy_and_pickle_are_independent_snapshots(kernels, how):
    import copy
    import pickle

    buf = make(kernels, ["ab", "", "\u20ac", "cd"])
    buf.truncate(2)  # width stays 2 although the text left is Latin-1
    clone = {
        "copy": copy.copy,
        "deepcopy": copy.deepcopy,
        "pickle": lambda b: pickle.loads(pickle.dumps(b)),
    }[how](buf)
    assert type(clone) is type(buf)
    assert observe(clone, [0, 1, 2, 5]) == observe(buf, [0, 1, 2, 5])
    clone.append("\U0001f600")
    buf.append("z")
    assert (clone.content, clone.width) == ("ab\U0001f600", 4)
    assert (buf.content, buf.width) == ("abz", 2)
    assert clone.token_count == buf.token_count == 3
