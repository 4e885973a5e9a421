"""PLACEHOLDER (being replaced by the kernel work of issue 2)."""

from __future__ import annotations

import math
from collections import Counter


def shannon_entropy(text: str) -> float:
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


class EntropyRing:
    def __init__(self, capacity: int) -> None:
        self._cap = capacity
        self._v: list[float] = []

    def push(self, value: float) -> None:
        self._v.append(float(value))
        del self._v[: -self._cap]

    @property
    def count(self) -> int:
        return len(self._v)

    def mean(self) -> float:
        return sum(self._v) / len(self._v) if self._v else 0.0

    def std(self) -> float:
        if not self._v:
            return 0.0
        m = self.mean()
        return math.sqrt(sum((x - m) ** 2 for x in self._v) / len(self._v))

    def clear(self) -> None:
        self._v.clear()
