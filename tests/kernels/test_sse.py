"""SSEDecoder: the event-stream rules on both backends, split-anywhere feeding, and twin differentials."""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

HYP = settings(max_examples=200, deadline=None)


def spec_decode(body: bytes) -> tuple[list[tuple[str | None, bytes]], str, int | None]:
    """An independent, whole-body reading of the WHATWG event-stream rules (the oracle).

    Returns the dispatched events, the last event id and the retry value.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    lines = re.split(rb"\r\n|\r|\n", body)
    lines.pop()  # what follows the last line end is an unterminated line: never processed
    events: list[tuple[str | None, bytes]] = []
    data: list[bytes] | None = None
    name = ""
    last_id, retry = "", None
    for line in lines:
        if line == b"":
            if data is not None:
                events.append((name or None, b"\n".join(data)))
            data, name = None, ""
            continue
        if line.startswith(b":"):
            continue
        field, sep, value = line.partition(b":")
        if sep and value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            data = (data or []) + [value]
        elif field == b"event":
            name = value.decode("utf-8")
        elif field == b"id" and b"\0" not in value:
            last_id = value.decode("utf-8")
        elif field == b"retry" and value and all(48 <= b <= 57 for b in value):
            retry = int(value)
    return events, last_id, retry


def feed_all(decoder_cls: Any, pieces: list[bytes]) -> tuple[list[tuple[str | None, bytes]], str, int | None]:
    """Feed ``pieces`` in order to a fresh decoder; the events, last id and retry it reports."""
    dec = decoder_cls()
    events: list[tuple[str | None, bytes]] = []
    for piece in pieces:
        events.extend(dec.feed(piece))
    return events, dec.last_event_id, dec.retry


def split_at(body: bytes, cuts: list[int]) -> list[bytes]:
    """``body`` cut at the given offsets (sorted, deduplicated, clipped)."""
    points = sorted({min(max(c, 0), len(body)) for c in cuts})
    out, prev = [], 0
    for p in points + [len(body)]:
        out.append(body[prev:p])
        prev = p
    return out


def outcome(fn: Callable[[], Any]) -> tuple:
    """``("ok", value)`` or ``("raise", type, message)``, to compare the twins."""
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - compared across twins
        return ("raise", type(exc), str(exc))


# Lines built from the pieces that matter to the rules, joined by any line end.
field_names = st.sampled_from([b"data", b"event", b"id", b"retry", b"", b"dat", b"datax", b"Data", b":", b"\xef\xbb\xbf"])
values = st.one_of(
    st.binary(max_size=12),
    st.text(max_size=8).map(lambda t: t.encode("utf-8")),
    st.sampled_from([b"", b" ", b"  x", b"[DONE]", b"{\"a\": 1}", b"12", b"-3", b"1\x002", "é€😀".encode()]),
)
lines = st.tuples(field_names, st.sampled_from([b":", b": ", b""]), values).map(lambda t: t[0] + t[1] + t[2])
line_ends = st.sampled_from([b"\n", b"\r\n", b"\r"])
bodies = st.lists(st.tuples(st.one_of(lines, st.just(b"")), line_ends), max_size=30).map(
    lambda items: b"".join(line + end for line, end in items)
)
utf8_bodies = st.lists(
    st.tuples(st.sampled_from(["data: ", "data:", "event: ", "id: ", ": ", "retry: ", ""]),
              st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=10), line_ends),
    max_size=30,
).map(lambda items: b"".join(p.encode() + v.encode() + e for p, v, e in items))


def test_basic_events_and_fields(kernels):
    dec = kernels.SSEDecoder()
    body = b": hello\nevent: delta\nid: 42\nretry: 1500\ndata: {\"a\": 1}\ndata:second\n\ndata: [DONE]\n\n"
    assert dec.feed(body) == [("delta", b"{\"a\": 1}\nsecond"), (None, b"[DONE]")]
    assert dec.last_event_id == "42"
    assert dec.retry == 1500
    assert dec.pending == 0


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_every_line_end_and_every_split_point(kernels, end):
    body = end.join([b"data: one", b"", b"event: e", b"data: two", b"data: three", b"", b""])
    expected = [(None, b"one"), ("e", b"two\nthree")]
    for cut in range(len(body) + 1):
        assert feed_all(kernels.SSEDecoder, [body[:cut], body[cut:]])[0] == expected, cut
    assert feed_all(kernels.SSEDecoder, [body[i:i + 1] for i in range(len(body))])[0] == expected


def test_cr_at_chunk_end_then_lf_is_one_line_end(kernels):
    dec = kernels.SSEDecoder()
    assert dec.feed(b"data: a\r") == []
    assert dec.feed(b"\n") == []  # the LF completes "\r\n", it is not a blank line
    assert dec.feed(b"\r") == [(None, b"a")]
    assert dec.feed(b"\n\n") == []  # "\r\n" then a lone blank line: nothing to dispatch


def test_utf8_sequence_split_across_chunks(kernels):
    payload = "data: h\u00e9llo \U0001f600\n\n".encode()
    for cut in range(len(payload) + 1):
        events = feed_all(kernels.SSEDecoder, [payload[:cut], payload[cut:]])[0]
        assert events == [(None, "h\u00e9llo \U0001f600".encode())], cut


def test_unterminated_event_is_not_dispatched(kernels):
    dec = kernels.SSEDecoder()
    assert dec.feed(b"data: a\n") == []
    assert dec.feed(b"data: b") == []
    assert dec.pending == 7


def test_blank_line_without_data_dispatches_nothing_and_resets_the_name(kernels):
    dec = kernels.SSEDecoder()
    assert dec.feed(b"event: ping\n\ndata: x\n\n") == [(None, b"x")]


def test_empty_data_line_dispatches_empty_data(kernels):
    assert kernels.SSEDecoder().feed(b"data\n\ndata:\n\n") == [(None, b""), (None, b"")]


def test_bom_is_dropped_only_before_the_first_line(kernels):
    assert kernels.SSEDecoder().feed(b"\xef\xbb\xbfdata: a\n\n") == [(None, b"a")]
    assert feed_all(kernels.SSEDecoder, [b"\xef", b"\xbb", b"\xbfdata: a\n\n"])[0] == [(None, b"a")]
    assert kernels.SSEDecoder().feed(b"data: a\n\n\xef\xbb\xbfdata: b\n\n") == [(None, b"a")]


def test_retry_and_id_rules(kernels):
    dec = kernels.SSEDecoder()
    dec.feed(b"retry: 10\nretry: x1\nretry: -5\nretry:\nid: a\x00b\n\n")
    assert dec.retry == 10
    assert dec.last_event_id == ""
    dec.feed(b"id\n\n")
    assert dec.last_event_id == ""
    dec.feed(b"id: 7\n\ndata: x\n\n")
    assert dec.last_event_id == "7"  # kept across dispatch


def test_accepts_bytearray_and_memoryview_and_rejects_text(kernels):
    dec = kernels.SSEDecoder()
    assert dec.feed(bytearray(b"data: a\n")) == []
    assert dec.feed(memoryview(b"\n")) == [(None, b"a")]
    with pytest.raises(TypeError, match="chunk must be bytes, bytearray or memoryview, got str"):
        dec.feed("data: a\n\n")


def test_invalid_utf8_in_an_event_name_raises(kernels):
    with pytest.raises(UnicodeDecodeError):
        kernels.SSEDecoder().feed(b"event: \xff\ndata: x\n\n")


def test_a_huge_line_in_many_pieces(kernels):
    big = b"x" * 200_000
    pieces = [b"data: "] + [big[i:i + 997] for i in range(0, len(big), 997)] + [b"\n\n"]
    assert feed_all(kernels.SSEDecoder, pieces)[0] == [(None, big)]


@HYP
@given(body=utf8_bodies, cuts=st.lists(st.integers(0, 2000), max_size=8))
def test_matches_the_spec_oracle_however_the_body_is_split(kernels, body, cuts):
    assert feed_all(kernels.SSEDecoder, split_at(body, cuts)) == spec_decode(body)


@HYP
@given(body=bodies, cuts=st.lists(st.integers(0, 2000), max_size=8))
def test_twins_agree_on_arbitrary_bytes(twins, body, cuts):
    pieces = split_at(body, cuts)
    compiled, pure = twins[0].SSEDecoder, twins[1].SSEDecoder
    assert outcome(lambda: feed_all(compiled, pieces)) == outcome(lambda: feed_all(pure, pieces))
    assert outcome(lambda: feed_all(pure, pieces)) == outcome(lambda: spec_decode(body))
