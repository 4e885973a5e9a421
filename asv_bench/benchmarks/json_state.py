"""JsonStreamState kernel (incremental validating JSON state machine)."""

from __future__ import annotations

import json

from .common import BACKENDS, Tuned, kernel

CHUNKS = [1, 16, 256]
SIZES = [20_000, 200_000, 2_000_000]


def _document(size: int) -> str:
    """A valid JSON array of objects with strings, escapes, numbers and nesting, about ``size`` chars."""
    item = {"id": 12345, "name": "widget \"pro\" \\ ünï", "tags": ["a", "b\n", "\u00e9"],
            "price": -12.5e-3, "ok": True, "none": None, "nested": {"x": [1, 2, {"y": "z"}]}}
    one = json.dumps(item, ensure_ascii=False)
    count = max(1, size // (len(one) + 1))
    return "[" + ",".join([one] * count) + "]"


class TimeJsonFeed(Tuned):
    """Feeding a document in chunks: O(len(delta)) per feed, so flat per character."""

    params = (BACKENDS, CHUNKS, SIZES)
    param_names = ["backend", "chunk", "chars"]
    timeout = 300

    def setup(self, backend: str, chunk: int, size: int) -> None:
        if chunk == 1 and size > 200_000:
            raise NotImplementedError("1-char chunks over 2M chars: too slow to be useful")
        (self.cls,) = kernel(backend, "json_state", "JsonStreamState")
        doc = _document(size)
        self.chunks = [doc[i:i + chunk] for i in range(0, len(doc), chunk)]

    def time_feed(self, backend: str, chunk: int, size: int) -> None:
        st = self.cls()
        feed = st.feed
        for c in self.chunks:
            feed(c)
        assert st.complete


class TimeJsonClosingPlan(Tuned):
    """closing_plan() on a truncated document: O(depth), independent of length."""

    params = (BACKENDS, [20_000, 2_000_000])
    param_names = ["backend", "chars"]

    def setup(self, backend: str, size: int) -> None:
        (cls,) = kernel(backend, "json_state", "JsonStreamState")
        doc = _document(size)
        self.state = cls()
        self.state.feed(doc[: len(doc) - 37])

    def time_closing_plan(self, backend: str, size: int) -> None:
        self.state.closing_plan()


def _cases() -> list[str]:
    doc = _document(3_000)
    cases = [doc[:k] for k in range(0, len(doc), 7)]
    cases += ['{"a": [1, 2}', '{"a": tru', '{"a" 1', '{"a": 1 2 3', '[1,', '{"a":', '"\\u12', '[{"a":1},{"b":2}]',
              '{"s": "\\x"}', "[" * 50, '{"a": -', "[1e", '{"k": "v"} x']
    return cases


def _plan(state: object) -> object:
    try:
        return state.closing_plan()  # type: ignore[attr-defined]
    except ValueError as exc:
        return ("ValueError", str(exc))


class TrackJsonStateTwins:
    """Correctness canary: the compiled and pure state machines must agree."""

    unit = "mismatches"

    def setup(self) -> None:
        (self.c_cls,) = kernel("cython", "json_state", "JsonStreamState")
        (self.p_cls,) = kernel("python", "json_state", "JsonStreamState")

    def track_twins_disagree(self) -> int:
        """Documents (valid, truncated, invalid) on which the twins differ (must be 0)."""
        bad = 0
        for text in _cases():
            c, p = self.c_cls(), self.p_cls()
            for i in range(0, len(text), 5):
                c.feed(text[i:i + 5])
                p.feed(text[i:i + 5])
            got = (c.error, c.error_offset, c.complete, c.depth, c.offset)
            same = got == (p.error, p.error_offset, p.complete, p.depth, p.offset)
            if same and c.error is None:
                same = _plan(c) == _plan(p)
            bad += not same
        return bad
