"""Pure-Python twin of ``l0._speedups.entropy``.

``EntropyRing`` keeps the last ``capacity`` float64 values with O(1) push, mean
and population std: Welford updates for adding and replacing a value, plus an
exact (compensated two-pass) recompute every ``capacity`` replacements (so the
rounding error of the running update never accumulates past one window) and
whenever the running sum of squares collapses far below its recent peak (a
regime change whose cancellation would otherwise swamp the small variance).
``shannon_entropy`` is the entropy in bits of a string's code-point distribution.
Same algorithm, operation order, results and exceptions as the compiled twin.
"""

from __future__ import annotations

import math
from collections import Counter
from numbers import Real
from operator import index as _index
from typing import Any

__all__ = ["MAX_CAPACITY", "EntropyRing", "shannon_entropy"]

_log2 = math.log2
_sqrt = math.sqrt
_isfinite = math.isfinite
_COLLAPSE = 1e-9
MAX_CAPACITY = 2**31 - 1


def _capacity(value: Any) -> int:
    if type(value) is not int:
        try:
            value = _index(value)
        except TypeError:
            raise TypeError(f"capacity must be int, got {type(value).__name__}") from None
    if value < 1:
        raise ValueError(f"capacity must be a positive int, got {value}")
    if value > MAX_CAPACITY:
        raise ValueError(f"capacity must be at most {MAX_CAPACITY}, got {value}")
    return value


def _as_float(value: Any) -> float:
    if type(value) is float:
        x = value
    elif isinstance(value, (int, float)) or isinstance(value, Real):
        try:
            x = float(value)
        except OverflowError:
            raise ValueError("value must be finite, got a number too large for float64") from None
    else:
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    if not _isfinite(x):
        raise ValueError(f"value must be finite, got {x!r}")
    return x


def _compensated_sum(values: list[float], n: int) -> float:
    s = 0.0
    c = 0.0
    for i in range(n):
        v = values[i]
        t = s + v
        if abs(s) >= abs(v):
            c += (s - t) + v
        else:
            c += (v - t) + s
        s = t
    return s + c


def _compensated_sq_dev(values: list[float], n: int, mean: float) -> float:
    s = 0.0
    c = 0.0
    for i in range(n):
        d = values[i] - mean
        v = d * d
        t = s + v
        if s >= v:
            c += (s - t) + v
        else:
            c += (v - t) + s
        s = t
    return s + c


class EntropyRing:
    """Fixed-capacity ring of float64 values with O(1) ``push``/``mean``/``std``."""

    __slots__ = ("_cap", "_buf", "_head", "_n", "_mean", "_m2", "_peak", "_replaced")

    def __init__(self, capacity: int) -> None:
        cap = _capacity(capacity)
        self._cap = cap
        self._buf: list[float] = []  # grows while filling, so memory follows count
        self._head = 0
        self._n = 0
        self._mean = 0.0
        self._m2 = 0.0
        self._peak = 0.0
        self._replaced = 0

    def push(self, value: float) -> None:
        """Add a finite number, evicting the oldest one when the ring is full."""
        x = _as_float(value)
        buf = self._buf
        head = self._head
        n = self._n
        if n < self._cap:
            buf.append(x)
            n += 1
            self._n = n
            d = x - self._mean
            self._mean += d / n
            self._m2 += d * (x - self._mean)
            self._peak = self._m2
        else:
            old = buf[head]
            buf[head] = x
            d = x - old
            mean = self._mean
            new_mean = mean + d / n
            m2 = self._m2 + d * ((x - new_mean) + (old - mean))
            self._m2 = m2
            self._mean = new_mean
            self._replaced += 1
            if m2 > self._peak:
                self._peak = m2
            # A collapse of m2 far below its recent peak means the running update
            # lost its digits to cancellation: recompute exactly.
            if self._replaced >= n or m2 < self._peak * _COLLAPSE:
                self._recompute()
        head += 1
        self._head = 0 if head == self._cap else head

    def _recompute(self) -> None:
        n = self._n
        mean = _compensated_sum(self._buf, n) / n
        self._mean = mean
        self._m2 = self._peak = _compensated_sq_dev(self._buf, n, mean)
        self._replaced = 0

    @property
    def count(self) -> int:
        """Number of values held (at most ``capacity``)."""
        return self._n

    @property
    def capacity(self) -> int:
        """Maximum number of values held."""
        return self._cap

    def mean(self) -> float:
        """Mean of the held values (0.0 when empty)."""
        return self._mean if self._n else 0.0

    def std(self) -> float:
        """Population standard deviation of the held values (0.0 when empty)."""
        if self._n == 0:
            return 0.0
        m2 = self._m2
        return _sqrt(m2 / self._n) if m2 > 0.0 else 0.0

    def last(self) -> float:
        """The most recently pushed value; IndexError when empty."""
        if self._n == 0:
            raise IndexError("last() on an empty EntropyRing")
        head = self._head
        return self._buf[(head if head else self._cap) - 1]

    def values(self) -> list[float]:
        """The held values, oldest first."""
        n = self._n
        if n < self._cap:
            return self._buf[:n]
        head = self._head
        return self._buf[head:] + self._buf[:head]

    def clear(self) -> None:
        """Remove every value."""
        self._buf = []
        self._head = 0
        self._n = 0
        self._mean = 0.0
        self._m2 = 0.0
        self._peak = 0.0
        self._replaced = 0

    def __len__(self) -> int:
        return self._n

    def __reduce__(self) -> tuple:
        state = (list(self._buf), self._head, self._n, self._mean, self._m2, self._peak, self._replaced)
        return (_restore, (self._cap, state))

    def __repr__(self) -> str:
        return f"EntropyRing(capacity={self._cap}, count={self._n})"


def _restore(capacity: int, state: tuple) -> EntropyRing:
    """Unpickling helper: a ring with exactly the saved internal state."""
    ring = EntropyRing(capacity)
    buf, ring._head, ring._n, ring._mean, ring._m2, ring._peak, ring._replaced = state
    ring._buf = [float(v) for v in buf]
    return ring


def shannon_entropy(text: str) -> float:
    """Shannon entropy in bits of the distribution of code points in ``text`` ("" -> 0.0)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    n = len(text)
    if n == 0:
        return 0.0
    h = 0.0
    log2n = _log2(n)
    # -p * log2(p) as (c / n) * (log2(n) - log2(c)), summed in code-point order: bit-identical
    # to the compiled twin (which looks log2(c) up in a table of the same values).
    for _, c in sorted(Counter(text).items()):
        h += (c / n) * (log2n - _log2(c))
    return h
