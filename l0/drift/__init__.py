"""Drift detection: meta commentary, tone shift, repetition, entropy spikes, format and
markdown collapse, hedging.

Every detector looks at a bounded window (the last ``sliding_window_size``
characters, the first 100 characters, or the first line's opening words).
``DriftDetector.check(content, delta)`` evaluates that window from scratch
(O(window)). The runtime uses one :meth:`DriftDetector.new_session` per stream:
a :class:`DriftSession` reads the text through ``state.buffer`` with the
selected ``WindowScan`` kernel (``l0._backend``), with the same results; its
entropy sample covers all text since the previous check (the reference sampled
only the single token at the check), kept in an ``EntropyRing``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from l0._backend import EntropyRing, shannon_entropy
from l0._drift_text import FORMAT, HEAD, META, REPETITION, TAIL, TONE, hedging_of, lower, markdown_count, meta, \
    repetitive, tone, window_bits
from l0.drift._core import DriftConfig, DriftResult, DriftType, config_of, result_of
from l0.drift._session import DriftSession, DriftSessionProtocol

__all__ = [
    "DriftType",
    "DriftResult",
    "DriftConfig",
    "DriftDetector",
    "DriftSession",
    "DriftSessionProtocol",
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
        self._flags = ((META if config.detect_meta_commentary else 0) | (TONE if config.detect_tone_shift else 0)
                       | (REPETITION if config.detect_repetition else 0))
        self.reset()

    def check(self, content: str, delta: str | None = None) -> DriftResult:
        if not isinstance(content, str):
            raise TypeError(f"content must be str, got {type(content).__name__}")
        if delta is not None and not isinstance(delta, str):
            raise TypeError(f"delta must be str or None, got {type(delta).__name__}")
        cfg = self.config
        window = self._get_window(content)
        spike = False
        if delta:
            self._tokens.append(delta)
            if cfg.detect_entropy_spike:
                self._ring.push(shannon_entropy(delta))
                spike = self._detect_entropy_spike()
        packed = window_bits(window, cfg.repetition_threshold, self._flags)
        prev_full = len(self._last_window) >= 100
        types: list[str] = []
        if packed & 1:
            types.append("meta_commentary")
        tone_now = ((packed >> 8) & 0xFFF, (packed >> 20) & 0xFFF)
        if cfg.detect_tone_shift and prev_full and (
                abs(tone_now[0] - self._prev_tone[0]) > 2 or abs(tone_now[1] - self._prev_tone[1]) > 2):
            types.append("tone_shift")
        if packed & 2:
            types.append("repetition")
        if spike:
            types.append("entropy_spike")
        head = content[:HEAD]
        if head != self._head:
            self._head = head
            self._head_format = FORMAT.search(head) is not None
        if self._head_format:
            types.append("format_collapse")
        md = packed >> 32
        if prev_full and self._prev_md > 3 and md == 0:
            types.append("markdown_collapse")
        if hedging_of(content):
            types.append("hedging")
        self._last_window = window
        self._prev_tone = tone_now
        self._prev_md = md
        return result_of(types)

    def reset(self) -> None:
        size = self.config.entropy_window
        self._ring = EntropyRing(size)
        self._tokens: deque[str] = deque(maxlen=size)
        self._last_window = ""
        self._prev_tone = (0, 0)
        self._prev_md = 0
        self._head = ""
        self._head_format = False

    def get_history(self) -> dict[str, Any]:
        """``{"entropy": [...], "tokens": [...], "last_content": str}``."""
        return {"entropy": self._ring.values(), "tokens": list(self._tokens), "last_content": self._last_window}

    def new_session(self) -> DriftSession:
        """Fresh per-stream state with this detector's configuration (same results as :meth:`check`)."""
        return DriftSession(self.config)

    # Reference-named helpers (each O(window)).
    def _get_window(self, content: str) -> str:
        size = self.config.sliding_window_size
        return content if len(content) <= size else content[len(content) - size:]

    def _detect_meta_commentary(self, window: str) -> bool:
        tail = window[-TAIL:]
        return meta(tail, lower(tail))

    def _detect_tone_shift(self, window: str, prev: str) -> bool:
        if len(prev) < 100:
            return False
        a, b = tone(window), tone(prev)
        return abs(a[0] - b[0]) > 2 or abs(a[1] - b[1]) > 2

    def _detect_repetition(self, window: str) -> bool:
        return repetitive(window, self.config.repetition_threshold)

    def _calculate_entropy(self, text: str) -> float:
        return shannon_entropy(text)

    def _detect_entropy_spike(self) -> bool:
        ring = self._ring
        if ring.count < 10:
            return False
        std = ring.std()
        return std > 1e-12 and ring.last() > ring.mean() + self.config.entropy_threshold * std

    def _detect_format_collapse(self, content: str) -> bool:
        return FORMAT.search(content[:HEAD]) is not None

    def _detect_markdown_collapse(self, window: str, prev: str) -> bool:
        return len(prev) >= 100 and markdown_count(prev) > 3 and markdown_count(window) == 0

    def _detect_excessive_hedging(self, content: str) -> bool:
        return hedging_of(content)


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
