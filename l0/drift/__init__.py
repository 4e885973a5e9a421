"""Drift detection: meta commentary, tone shift, repetition, entropy spikes, format and
markdown collapse, hedging.

Every detector looks at a bounded window (the last ``sliding_window_size``
characters, the first 100 characters, or the first line's opening words).
``DriftDetector.check(content, delta)`` evaluates that window from scratch
(O(window)). The runtime uses one :meth:`DriftDetector.new_session` per stream:
a :class:`DriftSession` reads the text through ``state.buffer`` and keeps
incremental state, so a check costs O(text appended since the previous check)
with the same results; its entropy sample covers all that text (the reference
sampled only the single token at the check), kept in an ``EntropyRing``.
"""

from __future__ import annotations

from typing import Any

from l0._backend import BACKEND, shannon_entropy
from l0.drift._core import (
    _FORMAT,
    _HEAD,
    DriftConfig,
    DriftResult,
    DriftType,
    _Core,
    _hedging_of,
    _lower,
    _markdown_count,
    _meta,
    _repetitive,
    _tone,
    config_of,
)
from l0.drift._session import DriftSession
from l0.drift._window import WindowSession

_SESSION: type[DriftSession] = WindowSession if BACKEND == "cython" else DriftSession

__all__ = [
    "DriftType",
    "DriftResult",
    "DriftConfig",
    "DriftDetector",
    "DriftSession",
    "Drift",
    "create_drift_detector",
    "check_drift",
]


class DriftDetector:
    """Checks content for drift; keeps a short history between checks.

    ``check(content, delta)`` is the reference API (``delta`` = the newest token,
    one entropy sample per call). The streaming runtime uses :meth:`new_session`.
    """

    def __init__(self, config: DriftConfig | None = None) -> None:
        self.config = config = config_of(config)
        self._core = _Core(config)

    def check(self, content: str, delta: str | None = None) -> DriftResult:
        if not isinstance(content, str):
            raise TypeError(f"content must be str, got {type(content).__name__}")
        if delta is not None and not isinstance(delta, str):
            raise TypeError(f"delta must be str or None, got {type(delta).__name__}")
        core = self._core
        window = self._get_window(content)
        spike = False
        if delta:
            core.tokens.append(delta)
            if self.config.detect_entropy_spike:
                spike = core.push_entropy(delta)
        return core.evaluate(window, content[:_HEAD], _hedging_of(content), spike)

    def reset(self) -> None:
        self._core.reset()

    def get_history(self) -> dict[str, Any]:
        """``{"entropy": [...], "tokens": [...], "last_content": str}``."""
        return self._core.history()

    def new_session(self) -> DriftSession:
        """Fresh per-stream state with this detector's configuration.

        A :class:`DriftSession` (incremental, pure Python) on the pure backend; a
        ``WindowSession`` (one compiled pass over the window per check) on the
        compiled one. Both give the results of :meth:`check`.
        """
        return _SESSION(self.config)

    # Reference-named helpers (each O(window)).
    def _get_window(self, content: str) -> str:
        size = self.config.sliding_window_size
        return content if len(content) <= size else content[len(content) - size:]

    def _detect_meta_commentary(self, window: str) -> bool:
        tail = window[-200:]
        return _meta(tail, _lower(tail))

    def _detect_tone_shift(self, window: str, prev: str) -> bool:
        if len(prev) < 100:
            return False
        a, b = _tone(window), _tone(prev)
        return abs(a[0] - b[0]) > 2 or abs(a[1] - b[1]) > 2

    def _detect_repetition(self, window: str) -> bool:
        return _repetitive(window, self.config.repetition_threshold)

    def _calculate_entropy(self, text: str) -> float:
        return shannon_entropy(text)

    def _detect_entropy_spike(self) -> bool:
        ring = self._core.ring
        if ring.count < 10:
            return False
        std = ring.std()
        return std > 1e-12 and ring.last() > ring.mean() + self.config.entropy_threshold * std

    def _detect_format_collapse(self, content: str) -> bool:
        return _FORMAT.search(content[:_HEAD]) is not None

    def _detect_markdown_collapse(self, window: str, prev: str) -> bool:
        return len(prev) >= 100 and _markdown_count(prev) > 3 and _markdown_count(window) == 0

    def _detect_excessive_hedging(self, content: str) -> bool:
        return _hedging_of(content)


def create_drift_detector(config: DriftConfig | None = None) -> DriftDetector:
    return DriftDetector(config)


def check_drift(content: str) -> DriftResult:
    """One check of *content* with a fresh detector (no entropy history)."""
    return DriftDetector().check(content)


class Drift:
    """Namespace: ``Drift.check(content)``, ``Drift.create_detector(config)`` and type aliases."""

    Result = DriftResult
    Config = DriftConfig
    Detector = DriftDetector

    check = staticmethod(check_drift)
    create_detector = staticmethod(create_drift_detector)
