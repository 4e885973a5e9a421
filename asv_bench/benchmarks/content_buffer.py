"""ContentBuffer kernel (``l0/_speedups/content_buffer.pyx`` and its pure twin)."""

from __future__ import annotations

from .common import BACKENDS, Tuned, check_length, kernel

KINDS = ["ascii", "astral"]
_CHECK_KINDS = ["ascii", "cjk", "astral"]
_ALPHABET = {"ascii": "abcdefgh", "cjk": "\u4e2d\u6587\u5b57\u7b26\u6d4b\u8bd5\u6587\u672c", "astral": "ab\U0001F600cd\U0001F680ef"}


def _tokens(n: int, kind: str) -> list[str]:
    alphabet = _ALPHABET[kind]
    return [alphabet[i % 7: i % 7 + 1 + (i % 5)] + " " for i in range(n)]


class TimeContentBufferAppend(Tuned):
    """Appending n distinct tokens (O(1) amortized each): flat per token."""

    params = (BACKENDS, KINDS, [2_000, 20_000, 200_000, 1_000_000])
    param_names = ["backend", "kind", "tokens"]
    timeout = 300

    def setup(self, backend: str, kind: str, n: int) -> None:
        check_length(n)
        (self.cls,) = kernel(backend, "content_buffer", "ContentBuffer")
        self.tokens = _tokens(n, kind)

    def time_append(self, backend: str, kind: str, n: int) -> None:
        buf = self.cls()
        append = buf.append
        for t in self.tokens:
            append(t)


class TimeContentBufferCheck(Tuned):
    """The guardrail access pattern: 15 appends, then read the new delta and a tail."""

    params = (BACKENDS, [2_000, 20_000, 200_000, 1_000_000])
    param_names = ["backend", "tokens"]
    timeout = 300

    def setup(self, backend: str, n: int) -> None:
        check_length(n)
        (self.cls,) = kernel(backend, "content_buffer", "ContentBuffer")
        self.tokens = _tokens(n, "ascii")

    def time_append_since_tail(self, backend: str, n: int) -> None:
        buf = self.cls()
        append = buf.append
        pos = 0
        for i, t in enumerate(self.tokens, 1):
            append(t)
            if i % 15 == 0:
                buf.since(pos)
                buf.tail(64)
                pos = len(buf)


class TimeContentBufferContent(Tuned):
    """Materializing the whole text once at the end (O(n), cached afterwards)."""

    params = (BACKENDS, [20_000, 1_000_000])
    param_names = ["backend", "tokens"]

    def setup(self, backend: str, n: int) -> None:
        check_length(n)
        (cls,) = kernel(backend, "content_buffer", "ContentBuffer")
        self.buf = cls()
        for t in _tokens(n, "ascii"):
            self.buf.append(t)

    def time_content(self, backend: str, n: int) -> None:
        self.buf.append("x")
        self.buf.content


class PeakMemContentBuffer(Tuned):
    """Peak memory of a 1M-token buffer of distinct ASCII tokens (~6 MB of text)."""

    params = (BACKENDS,)
    param_names = ["backend"]

    def setup(self, backend: str) -> None:
        check_length(1_000_000)
        (self.cls,) = kernel(backend, "content_buffer", "ContentBuffer")

    def peakmem_append_1m(self, backend: str) -> None:
        buf = self.cls()
        for i in range(1_000_000):
            buf.append("tok%d " % (i & 1023))


class TrackContentBufferTwins:
    """Correctness canary: the compiled and pure twins must agree."""

    unit = "mismatches"

    def setup(self) -> None:
        (self.c_cls,) = kernel("cython", "content_buffer", "ContentBuffer")
        (self.p_cls,) = kernel("python", "content_buffer", "ContentBuffer")

    def track_twins_disagree(self) -> int:
        """Observations where the twins differ (must be 0)."""
        c_cls, p_cls = self.c_cls, self.p_cls
        bad = 0
        for kind in _CHECK_KINDS:
            c, p = c_cls(), p_cls()
            for i, t in enumerate(_tokens(3_000, kind)):
                c.append(t)
                p.append(t)
                if i % 97 == 0:
                    bad += (c.content != p.content) + (len(c) != len(p)) + (c.tail(13) != p.tail(13))
                    bad += (c.since(i) != p.since(i)) + (c.token_count != p.token_count) + (c.width != p.width)
            c.truncate(len(c) // 2)
            p.truncate(len(p) // 2)
            bad += (c.content != p.content) + (c.token_count != p.token_count)
        return bad
