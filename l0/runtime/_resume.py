"""Deduplication of a resumed stream against its checkpoint, across token boundaries.

After a resume the provider may repeat the end of what was already delivered.
:class:`OverlapBuffer` holds the new tokens until the longest overlap between
the checkpoint's tail and the new text is decided, then releases the tokens
with the overlap cut out (a token may be cut in the middle). Work is bounded
by ``max_overlap`` characters, whatever the stream length.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["OverlapBuffer"]


class OverlapBuffer:
    """Decides the overlap of a continuation with ``checkpoint`` incrementally.

    ``feed(event, text)`` buffers a token; it returns the events to deliver
    once the overlap is decided, else ``None``. ``flush()`` decides with what
    has arrived (end of stream, or a non-text event) and returns the events.
    """

    __slots__ = ("_cp", "_min", "_search", "_fold", "_normalize_ws", "_options", "_pending", "_text",
                 "_alive", "overlap", "decided")

    def __init__(self, checkpoint: str, options: Any) -> None:
        self._min = max(1, int(getattr(options, "min_overlap", 2)))
        max_overlap = max(1, int(getattr(options, "max_overlap", 500)))
        self._search = min(len(checkpoint), max_overlap)
        self._cp = checkpoint[len(checkpoint) - self._search:] if self._search else ""
        self._fold = not getattr(options, "case_sensitive", True)
        self._normalize_ws = bool(getattr(options, "normalize_whitespace", False))
        self._options = options
        self._pending: list[Any] = []
        self._text = ""
        # Candidate overlap lengths still consistent with the text seen so far.
        self._alive = list(range(self._min, self._search + 1))
        self.overlap = ""
        self.decided = self._search < self._min

    def _same(self, a: str, b: str) -> bool:
        return a == b if not self._fold else a.lower() == b.lower()

    def feed(self, event: Any, text: str) -> list[Any] | None:
        self._pending.append(event)
        old = len(self._text)
        self._text += text
        new = len(self._text)
        if self._normalize_ws:
            if new >= self._search:
                return self._decide_reference()
            return None
        cp, search, text_all = self._cp, self._search, self._text
        alive = []
        for length in self._alive:
            if old >= length:
                alive.append(length)
                continue
            end = min(length, new)
            start_cp = search - length
            if self._same(cp[start_cp + old:start_cp + end], text_all[old:end]):
                alive.append(length)
        self._alive = alive
        if not alive:
            return self._release(0)
        if alive[-1] <= new:
            return self._release(alive[-1])
        return None

    def flush(self) -> list[Any]:
        if self.decided:
            out, self._pending = self._pending, []
            return out
        if self._normalize_ws:
            return self._decide_reference()
        new = len(self._text)
        best = 0
        for length in self._alive:
            if length <= new:
                best = length
        return self._release(best)

    def _decide_reference(self) -> list[Any]:
        from l0.continuation import detect_overlap

        result = detect_overlap(self._cp, self._text, self._options)
        return self._release(result.overlap_length if result.has_overlap else 0)

    def _release(self, length: int) -> list[Any]:
        self.decided = True
        self.overlap = self._text[:length]
        pending, self._pending = self._pending, []
        if not length:
            return pending
        out = []
        cut = length
        for event in pending:
            if cut <= 0:
                out.append(event)
                continue
            text = event.text or ""
            if len(text) <= cut:
                cut -= len(text)
                continue
            out.append(dataclasses.replace(event, text=text[cut:]))
            cut = 0
        return out
