"""Drift window scan kernel (``WindowScan``) and ``DriftDetector.check``: the drift detectors' per-check work."""

from __future__ import annotations

from collections import deque

from .common import BACKENDS, Tuned, kernel

_WORDS = ("the model returns a stream of tokens and each one is checked before it reaches the user. "
          "Thus we retry with backoff, okay? As an AI I cannot actually say. **bold** [link](url) ").split(" ")


def _text(chars: int) -> str:
    out, i = [], 0
    while sum(map(len, out)) < chars:
        out.append(_WORDS[(i * 7) % len(_WORDS)] + " ")
        i += 1
    return "".join(out)[:chars]


class TimeDriftCheck(Tuned):
    """One ``DriftDetector.check`` of a window (meta, tone, repetition, Markdown): O(window)."""

    params = ([200, 500, 5_000],)
    param_names = ["window"]

    def setup(self, window: int) -> None:
        from l0.drift import DriftConfig, DriftDetector

        self.detector = DriftDetector(DriftConfig(sliding_window_size=window))
        self.text = _text(window)

    def time_check(self, window: int) -> None:
        self.detector.check(self.text, "x")


class TimeWindowScanStream(Tuned):
    """A 20,000-token stream checked every 25 tokens: O(new text) per check, independent of the window."""

    params = (BACKENDS, [500, 5_000])
    param_names = ["backend", "window"]

    def setup(self, backend: str, window: int) -> None:
        (self.scan_cls,) = kernel(backend, "drift", "WindowScan")
        (self.ring_cls,) = kernel(backend, "entropy", "EntropyRing")
        (self.buf_cls,) = kernel(backend, "content_buffer", "ContentBuffer")
        self.tokens = [w + " " for w in _text(120_000).split(" ")][:20_000]

    def time_stream(self, backend: str, window: int) -> None:
        scan = self.scan_cls(window, 3, 7, self.ring_cls(50), deque(maxlen=50), True, 2.5)
        buf = self.buf_cls()
        pos = 0
        for i, token in enumerate(self.tokens, 1):
            buf.append(token)
            if i % 25 == 0:
                scan.scan(buf, buf.since(pos), True)
                pos = len(buf)


class TrackDriftTwins:
    """Correctness canary: the compiled and pure drift kernels must agree on a stream."""

    unit = "mismatches"

    def setup(self) -> None:
        (self.c_scan,) = kernel("cython", "drift", "WindowScan")
        (self.p_scan,) = kernel("python", "drift", "WindowScan")
        (self.c_ring,) = kernel("cython", "entropy", "EntropyRing")
        (self.p_ring,) = kernel("python", "entropy", "EntropyRing")
        (self.buf_cls,) = kernel("python", "content_buffer", "ContentBuffer")

    def track_twins_disagree(self) -> int:
        """Checks where the twins' results differ (must be 0)."""
        bad = 0
        scans = [self.c_scan(300, 3, 7, self.c_ring(20), deque(maxlen=20), True, 2.0),
                 self.p_scan(300, 3, 7, self.p_ring(20), deque(maxlen=20), True, 2.0)]
        buf, pos = self.buf_cls(), 0
        text = _text(30_000)
        for i in range(0, len(text), 7):
            buf.append(text[i:i + 7])
            if i % 91 == 0:
                delta = buf.since(pos)
                pos = len(buf)
                a, b = (s.scan(buf, delta, True) for s in scans)
                bad += a != b
        return bad
