"""Per-stream drift state: ``DriftSession`` and the session protocol the runtime relies on."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from l0._backend import EntropyRing, WindowScan
from l0._drift_text import FORMAT, HEAD, META, REPETITION, TONE, hedge_probe, leading_space
from l0._text_buffer import buffer_of
from l0.drift._core import DriftConfig, DriftResult, config_of, result_of

__all__ = ["DriftSession", "DriftSessionProtocol"]

# WindowScan's mask bits, in DriftDetector's order of types (format collapse comes after them).
_MASKED = ((1, "meta_commentary"), (2, "tone_shift"), (4, "repetition"), (8, "entropy_spike"))
_MARKDOWN_COLLAPSE = 16
_HEDGE_PROBE = 64


@runtime_checkable
class DriftSessionProtocol(Protocol):
    """What the runtime needs from ``drift_detector.new_session()``: one check per due token.

    ``state`` is the stream's :class:`~l0.types.State` (the text is
    ``state.content``, or its ``state.buffer``), ``delta`` the text appended
    since the previous check. The result needs ``detected``, ``types`` and
    ``confidence`` (a :class:`DriftResult`). A :class:`DriftSession` also
    offers the runtime a fast path (:meth:`DriftSession.scan`,
    :meth:`DriftSession.settled_kernel`).
    """

    def check(self, state: Any, delta: str | None = None) -> DriftResult: ...


class DriftSession:
    """Per-stream drift state; ``check(state, delta)`` gives ``DriftDetector.check``'s results.

    ``delta`` is all text appended since the previous check: it is one entropy
    sample (its character entropy). The session reads the text from
    ``state.buffer`` and restarts when the content was replaced. The window
    detectors run in the selected ``WindowScan`` kernel (the compiled one reads
    only the new text, the pure one the window); format collapse (the first
    100 characters) and hedging (the first line) are decided here, once.
    """

    __slots__ = ("config", "_ring", "_tokens", "_kernel", "_buf", "_lead", "_pos_ws", "_hedge", "_hedge_final",
                 "_hedge_scan", "_head", "_head_final", "_head_format", "_settled", "_fixed")

    #: ``result_of(types)``: the result object for the types :meth:`scan` returned.
    result_of = staticmethod(result_of)

    def __init__(self, config: DriftConfig | None = None) -> None:
        self.config = cfg = config_of(config)
        self._ring = EntropyRing(cfg.entropy_window)
        self._tokens: deque[str] = deque(maxlen=cfg.entropy_window)
        flags = ((META if cfg.detect_meta_commentary else 0) | (TONE if cfg.detect_tone_shift else 0)
                 | (REPETITION if cfg.detect_repetition else 0))
        self._kernel = WindowScan(cfg.sliding_window_size, cfg.repetition_threshold, flags, self._ring,
                                  self._tokens, cfg.detect_entropy_spike, float(cfg.entropy_threshold))
        self._fresh()

    def _fresh(self) -> None:
        self._buf: Any = None
        self._lead = -1  # offset of the first non-space character, -1 until seen
        self._pos_ws = 0  # everything before this offset is whitespace
        self._hedge = False
        self._hedge_final = False
        self._hedge_scan = -1  # offset up to which a long whitespace run after the hedge word was read
        self._head = ""
        self._head_final = False
        self._head_format = False
        self._settled = False  # head and hedging decided for good
        self._fixed = False  # format collapse or hedging (reported at every check once settled)

    def reset(self) -> None:
        """Forget the stream (the kernel clears the entropy samples)."""
        self._kernel.reset()
        self._fresh()

    def get_history(self) -> dict[str, Any]:
        """``{"entropy": [...], "tokens": [...], "last_content": str}`` (the window at the previous check)."""
        last = ""
        buf = self._buf
        prev = self._kernel.prev_n
        if buf is not None and prev <= len(buf):
            size = self.config.sliding_window_size
            last = buf.slice(max(0, prev - size), prev) if size else ""
        return {"entropy": self._ring.values(), "tokens": list(self._tokens), "last_content": last}

    def check(self, state: Any, delta: str | None = None) -> DriftResult:
        return result_of(self.scan(state, delta))

    def settled_kernel(self) -> Callable[[Any, str | None, bool], int] | None:
        """The kernel's ``scan(buf, delta, fresh)`` once head and hedging are final and report nothing.

        From then on a check whose kernel scan returns 0 found nothing at all,
        so the runtime calls it directly and comes back to :meth:`scan`
        (``scanned=True``) only for a non-zero mask. None until then.
        """
        return self._kernel.scan if self._settled and not self._fixed else None

    def scan(self, state: Any, delta: str | None = None, fresh: bool = False, scanned: bool = False) -> list[str]:
        """:meth:`check` without the result object: the drift types found (empty if none).

        ``fresh=True``: ``delta`` is exactly the text appended since the
        previous check (the runtime's case), so the compiled kernel does not
        read it from the buffer again. ``scanned=True``: the runtime already
        ran the kernel (from :meth:`settled_kernel`) and got a non-zero mask;
        it is read again from the kernel (``last_mask``).
        """
        buf = getattr(state, "buffer", None)
        if buf is None:
            buf = buffer_of(state)  # rare: a state object without a buffer
        kernel = self._kernel
        mask = kernel.last_mask if scanned else kernel.scan(buf, delta, fresh)
        if mask < 0:  # the content was replaced: start over
            self.reset()
            mask = kernel.scan(buf, delta)
        self._buf = buf
        if not self._settled:
            self._settle(state, buf)
        elif not mask and not self._fixed:
            return []
        types = [name for bit, name in _MASKED if mask & bit]
        if self._head_format:
            types.append("format_collapse")
        if mask & _MARKDOWN_COLLAPSE:
            types.append("markdown_collapse")
        if self._hedge:
            types.append("hedging")
        return types

    def _settle(self, state: Any, buf: Any) -> None:
        """Head (format collapse) and hedging, until both are final."""
        if not self._head_final:
            head = buf.slice(0, HEAD)
            self._head_final = len(head) >= HEAD
            if head != self._head:
                self._head = head
                self._head_format = FORMAT.search(head) is not None
        if not self._hedge_final:
            self._hedging(buf, len(buf), bool(getattr(state, "completed", False)))
        self._settled = self._head_final and self._hedge_final
        self._fixed = self._head_format or self._hedge

    def _hedging(self, buf: Any, n: int, completed: bool) -> None:
        """Whether the first line (stripped) is only a hedge word: read once, as the text arrives."""
        if self._lead < 0:
            # Skip leading whitespace once: remember how far it was read.
            start = self._pos_ws
            while start < n:
                chunk = buf.slice(start, min(n, start + 4096))
                at = leading_space(chunk)
                if at < len(chunk):
                    self._lead = start + at
                    break
                start += len(chunk)
            self._pos_ws = start
            if self._lead < 0:
                return
        if self._hedge_scan >= 0:
            rest = buf.slice(self._hedge_scan, n)
            i = 0
            while i < len(rest) and rest[i] != "\n" and rest[i].isspace():
                i += 1
            if i < len(rest):
                self._hedge, self._hedge_final = rest[i] == "\n", True
            else:
                self._hedge_scan = n
                self._hedge_final = completed
            return
        text = buf.slice(self._lead, min(n, self._lead + _HEDGE_PROBE))
        hedge, final = hedge_probe(text, completed)
        if hedge and not final and len(text) == _HEDGE_PROBE and self._lead + _HEDGE_PROBE < n:
            self._hedge_scan = self._lead + _HEDGE_PROBE
        self._hedge, self._hedge_final = hedge, final
