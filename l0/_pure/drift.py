"""Pure twin of the drift window scan (``WindowScan``): the window detectors of one drift check.

``WindowScan.scan(buf, delta)`` is one check of a stream: restart detection,
the entropy sample, and the window detectors of ``l0._drift_text.window_bits``
(meta commentary, tone shift, repetition, Markdown collapse) compared with the
previous check's. This twin evaluates the last ``size`` characters afresh at
every check (O(window), bounded); the compiled twin (``l0._speedups.drift``)
reads only the text appended since the previous check and gives the same masks.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from l0._drift_text import META, REPETITION, TAIL, TONE, window_bits
from l0._pure.entropy import EntropyRing, shannon_entropy

__all__ = ["TAIL", "META", "TONE", "REPETITION", "META_COMMENTARY", "TONE_SHIFT", "REPETITION_FOUND",
           "ENTROPY_SPIKE", "MARKDOWN_COLLAPSE", "WindowScan"]

# Bits of WindowScan.scan()'s mask, in the order DriftDetector lists the types.
META_COMMENTARY = 1
TONE_SHIFT = 2
REPETITION_FOUND = 4
ENTROPY_SPIKE = 8
MARKDOWN_COLLAPSE = 16


class WindowScan:
    """Per-stream state of the window drift detectors; ``scan(buf, delta)`` is one check.

    ``size``: the window (``sliding_window_size``); ``threshold``: the
    repetition threshold; ``flags``: ``META | TONE | REPETITION``, the
    detectors switched on; ``ring``: an ``EntropyRing`` and ``tokens`` a
    bounded ``deque`` (the entropy samples and the deltas, kept for the
    history); ``entropy``: whether entropy spikes are detected, above
    ``entropy_threshold`` standard deviations.

    ``buf`` is the stream's content buffer (``len``, ``token_count``,
    ``slice``, ``since``, ``tail``) and ``delta`` the text appended since the
    previous check (one entropy sample; appended to ``tokens``);
    ``fresh=True`` says it is exactly the text appended since the previous
    scan. The result is a mask of ``META_COMMENTARY | TONE_SHIFT |
    REPETITION_FOUND | ENTROPY_SPIKE | MARKDOWN_COLLAPSE``, or -1 when the
    content was replaced since the previous check (nothing is recorded: call
    ``reset()`` and scan again); ``last_mask`` keeps it.
    """

    __slots__ = ("size", "threshold", "flags", "ring", "tokens", "entropy", "entropy_threshold",
                 "pos", "tokens_seen", "_prev_n", "prev_f", "prev_i", "prev_md", "last", "last_mask")

    def __init__(self, size: int, threshold: int, flags: int, ring: EntropyRing, tokens: deque[str],
                 entropy: bool, entropy_threshold: float) -> None:
        if size < 0:
            raise ValueError(f"size must be an int >= 0, got {size}")
        if threshold < 1:
            raise ValueError(f"threshold must be a positive int, got {threshold}")
        self.size = size
        self.threshold = threshold
        self.flags = flags
        self.ring = ring
        self.tokens = tokens
        self.entropy = bool(entropy)
        self.entropy_threshold = float(entropy_threshold)
        self.reset()

    def reset(self) -> None:
        """Forget the stream: positions, previous window counts, entropy samples."""
        self.pos = self.tokens_seen = self._prev_n = 0
        self.prev_f = self.prev_i = self.prev_md = 0
        self.last_mask = 0  # what the latest scan() returned
        self.last = ""
        self.ring.clear()
        self.tokens.clear()

    @property
    def prev_n(self) -> int:
        """Content length at the previous check."""
        return self._prev_n

    def scan(self, buf: Any, delta: str | None, fresh: bool = False) -> int:
        """One check: the mask of drift types the window detectors and the entropy sample found, or -1."""
        n = len(buf)
        pos = self.pos
        tokens = buf.token_count
        if pos and (n < pos or tokens < self.tokens_seen or buf.slice(pos - 1, pos) != self.last):
            self.last_mask = -1
            return -1
        mask = 0
        if delta:
            self.tokens.append(delta)
            if self.entropy:
                if not isinstance(delta, str):
                    raise TypeError(f"delta must be str or None, got {type(delta).__name__}")
                value = shannon_entropy(delta)
                ring = self.ring
                ring.push(value)
                if ring.count >= 10:
                    std = ring.std()
                    if std > 1e-12 and value > ring.mean() + self.entropy_threshold * std:
                        mask |= ENTROPY_SPIKE
        self.tokens_seen = tokens
        if n != pos:
            self.last = buf.slice(n - 1, n) if n else ""
            self.pos = n
        size = self.size
        packed = window_bits(buf.tail(size) if size else "", self.threshold, self.flags)
        if packed & 1:
            mask |= META_COMMENTARY
        prev_full = min(self._prev_n, size) >= 100
        if self.flags & TONE:
            f = (packed >> 8) & 0xFFF
            i = (packed >> 20) & 0xFFF
            if prev_full and (abs(f - self.prev_f) > 2 or abs(i - self.prev_i) > 2):
                mask |= TONE_SHIFT
            self.prev_f = f
            self.prev_i = i
        if packed & 2:
            mask |= REPETITION_FOUND
        md = packed >> 32
        if prev_full and self.prev_md > 3 and md == 0:
            mask |= MARKDOWN_COLLAPSE
        self.prev_md = md
        self._prev_n = n
        self.last_mask = mask
        return mask
