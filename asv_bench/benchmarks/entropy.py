"""EntropyRing / shannon_entropy kernel (drift detection's entropy series)."""

from __future__ import annotations

import math

from .common import BACKENDS, Tuned, kernel


class TimeEntropyRing(Tuned):
    """100,000 pushes with mean/std read every 25: O(1) each, independent of capacity."""

    params = (BACKENDS, [50, 1_000, 100_000])
    param_names = ["backend", "capacity"]

    def setup(self, backend: str, capacity: int) -> None:
        (self.cls,) = kernel(backend, "entropy", "EntropyRing")
        self.values = [math.sin(i) * 3.0 + 4.0 for i in range(100_000)]

    def time_push_mean_std(self, backend: str, capacity: int) -> None:
        ring = self.cls(capacity)
        push = ring.push
        for i, v in enumerate(self.values):
            push(v)
            if i % 25 == 0:
                ring.mean()
                ring.std()


class TimeShannonEntropy(Tuned):
    """Character entropy of one text: O(len)."""

    params = (BACKENDS, [8, 200, 5_000])
    param_names = ["backend", "chars"]

    def setup(self, backend: str, chars: int) -> None:
        (self.fn,) = kernel(backend, "entropy", "shannon_entropy")
        base = "the quick brown fox jumps over the lazy dog \u00e9\u4e2d\U0001F600 "
        self.text = (base * (chars // len(base) + 1))[:chars]

    def time_shannon_entropy(self, backend: str, chars: int) -> None:
        self.fn(self.text)


class TrackEntropyTwins:
    """Correctness canary: the compiled and pure entropy kernels must agree."""

    unit = "mismatches"

    def setup(self) -> None:
        self.c_ring, self.c_fn = kernel("cython", "entropy", "EntropyRing", "shannon_entropy")
        self.p_ring, self.p_fn = kernel("python", "entropy", "EntropyRing", "shannon_entropy")

    def track_twins_disagree(self) -> int:
        """Checks where the twins differ beyond 1e-9 relative (must be 0)."""
        bad = 0
        c, p = self.c_ring(50), self.p_ring(50)
        for i in range(20_000):
            v = (i % 17) * 0.25 + (1e6 if i % 5000 == 0 else 0.0)
            c.push(v)
            p.push(v)
            if i % 101 == 0:
                bad += abs(c.mean() - p.mean()) > 1e-9 * max(1.0, abs(p.mean()))
                bad += abs(c.std() - p.std()) > 1e-9 * max(1.0, abs(p.std()))
        for text in ["", "a", "abab", "h\u00e9llo w\u00f6rld", "\U0001F600\U0001F600x", "the quick brown fox" * 20]:
            bad += abs(self.c_fn(text) - self.p_fn(text)) > 1e-12
        return bad
