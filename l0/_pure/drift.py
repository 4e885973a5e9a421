"""Pure twin of the drift window scan: the window detectors of one drift check.

``WindowScan`` is the per-stream state around it (restart detection, entropy
samples, the previous window's tone and Markdown counts).

``drift_window(window, threshold, flags)`` evaluates the detectors that look
at the last ``sliding_window_size`` characters (``window``) and its last
``TAIL`` characters: meta commentary (``META``), tone word counts (``TONE``),
repetition of sentences or 5-word phrases (``REPETITION``) and, always, the
Markdown count. The result is packed into one int:

* bit 0: a meta phrase in the tail; bit 1: the window is repetitive;
* bits 8-19 / 20-31: formal / informal tone words in the tail;
* bits 32 and up: the tail's Markdown count.

This twin evaluates with the drift package's regular expressions; the compiled
twin (``l0._speedups.drift``) reproduces its results in one pass over the
window and returns -1 for the rare windows it leaves to this one.
"""

from __future__ import annotations

from typing import Any

from l0._pure.entropy import shannon_entropy as _shannon

__all__ = ["TAIL", "META", "TONE", "REPETITION", "META_COMMENTARY", "TONE_SHIFT", "REPETITION_FOUND",
           "ENTROPY_SPIKE", "MARKDOWN_COLLAPSE", "drift_window", "WindowScan"]

TAIL = 200
META = 1
TONE = 2
REPETITION = 4
# Bits of WindowScan.scan()'s mask, in the order DriftDetector lists the types.
META_COMMENTARY = 1
TONE_SHIFT = 2
REPETITION_FOUND = 4
ENTROPY_SPIKE = 8
MARKDOWN_COLLAPSE = 16


def drift_window(window: str, threshold: int, flags: int) -> int:
    """The window detectors of one drift check, packed into an int (see the module docstring)."""
    from l0.drift._core import _lower, _markdown_count, _meta, _repetitive, _tone

    if threshold < 1:
        raise ValueError(f"threshold must be a positive int, got {threshold}")
    tail = window[-TAIL:]
    low = _lower(tail) if flags & (META | TONE) else None
    bits = 0
    if flags & META and _meta(tail, low):
        bits |= 1
    if flags & REPETITION and _repetitive(window, threshold):
        bits |= 2
    formal = informal = 0
    if flags & TONE:
        formal, informal = _tone(tail, low)
    return bits | formal << 8 | informal << 20 | _markdown_count(tail) << 32


class WindowScan:
    """Per-stream state of the window drift detectors; ``scan(buf, delta)`` is one check.

    ``buf`` is the stream's content buffer (``len``, ``token_count``,
    ``slice``, ``tail``) and ``delta`` the text appended since the previous
    check (one entropy sample; appended to ``tokens``); ``fresh=True`` says it
    is exactly the text appended since the previous scan. The result is a mask
    of ``META_COMMENTARY | TONE_SHIFT | REPETITION_FOUND | ENTROPY_SPIKE |
    MARKDOWN_COLLAPSE``, or -1 when the content was replaced since the
    previous check (nothing is recorded: call ``reset()`` and scan again);
    ``last_mask`` keeps it. ``fallback(window, threshold, flags)`` evaluates
    the windows the compiled scan leaves (the pure ``drift_window``).
    """

    __slots__ = ("size", "threshold", "flags", "ring", "tokens", "entropy", "entropy_threshold", "fallback",
                 "pos", "tokens_seen", "_prev_n", "prev_f", "prev_i", "prev_md", "last", "last_mask")

    def __init__(self, size: int, threshold: int, flags: int, ring: Any, tokens: Any, entropy: bool,
                 entropy_threshold: float, fallback: Any) -> None:
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
        self.fallback = fallback
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
                value = _shannon(delta)
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
        window = buf.tail(size) if size else ""
        packed = drift_window(window, self.threshold, self.flags)
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
