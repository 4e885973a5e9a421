"""Drift sessions whose window detectors run in the compiled scan (``l0._backend.WindowScan``).

With the compiled backend one pass over the last ``sliding_window_size``
characters in C costs less than the pure session's incremental bookkeeping in
Python, so :meth:`DriftDetector.new_session` returns a :class:`WindowSession`
there: each check reads the window (O(window), bounded) and the text appended
since the previous check (the entropy sample). The head (format collapse) and
hedging state are the pure session's; both settle within the first hundred or
so characters, after which a check is one call into the kernel. Results equal
:class:`~l0.drift.DriftSession`'s and ``DriftDetector.check``'s.
"""

from __future__ import annotations

from typing import Any

from l0._backend import WindowScan, drift_window_python
from l0.drift._core import _FORMAT, _HEAD, DriftResult, _result
from l0.drift._session import DriftSession

__all__ = ["WindowSession"]

_META, _TONE, _REPETITION = 1, 2, 4
# WindowScan's mask bits, in DriftDetector's order of types (format collapse comes after them).
_MASKED = ((1, "meta_commentary"), (2, "tone_shift"), (4, "repetition"), (8, "entropy_spike"))
_MARKDOWN_COLLAPSE = 16


class WindowSession(DriftSession):
    """Per-stream drift state whose window detectors run in one compiled pass per check."""

    __slots__ = ("_kernel", "_settled", "_fixed")

    def _fresh(self) -> None:
        """The state of a session that has seen nothing (the core's is fresh already)."""
        self._buf = None
        self._lead = -1  # the hedging state of DriftSession._hedging
        self._pos_ws = 0
        self._hedge = False
        self._hedge_final = False
        self._hedge_scan = -1
        self._head = ""
        self._head_final = False
        cfg = self.config
        core = self._core
        flags = ((_META if cfg.detect_meta_commentary else 0) | (_TONE if cfg.detect_tone_shift else 0)
                 | (_REPETITION if cfg.detect_repetition else 0))
        self._kernel = WindowScan(cfg.sliding_window_size, cfg.repetition_threshold, flags, core.ring, core.tokens,
                                  cfg.detect_entropy_spike, float(cfg.entropy_threshold), drift_window_python)
        self._settled = False  # head and hedging decided for good
        self._fixed = False  # format collapse or hedging (reported at every check once settled)

    def get_history(self) -> dict[str, Any]:
        core = self._core
        last = ""
        buf = self._buf
        prev = self._kernel.prev_n
        if buf is not None and prev <= len(buf):
            size = self.config.sliding_window_size
            last = buf.slice(max(0, prev - size), prev) if size else ""
        return {"entropy": core.ring.values(), "tokens": list(core.tokens), "last_content": last}

    def check(self, state: Any, delta: str | None = None) -> DriftResult:
        return _result(self.scan(state, delta))

    def settled_kernel(self) -> Any:
        """The kernel's ``scan(buf, delta, fresh)`` once head and hedging are final and report nothing.

        From then on a check that returns 0 found nothing at all, so the runtime
        calls it directly and comes back here (``scanned=True``) only for a
        non-zero mask. None until then.
        """
        return self._kernel.scan if self._settled and not self._fixed else None

    def scan(self, state: Any, delta: str | None = None, fresh: bool = False, scanned: bool = False) -> list[str]:
        """:meth:`check` without the result object: the drift types found (empty if none).

        ``fresh=True``: ``delta`` is exactly the text appended since the previous
        check (the runtime's case), so it is not read from the buffer again.
        ``scanned=True``: the runtime already ran the kernel (from
        :meth:`settled_kernel`) and got a non-zero mask; it is read again from
        the kernel (``last_mask``).
        """
        buf = getattr(state, "buffer", None)
        if buf is None:
            from l0.guardrails._session import buffer_of

            buf = buffer_of(state)
        mask = self._kernel.last_mask if scanned else self._kernel.scan(buf, delta, fresh)
        if mask < 0:  # the content was replaced: start over
            self._restart()
            mask = self._kernel.scan(buf, delta)
        self._buf = buf
        if not self._settled:
            self._settle(state, buf)
        elif not mask and not self._fixed:
            return []
        types = [name for bit, name in _MASKED if mask & bit]
        if self._core.head_format:
            types.append("format_collapse")
        if mask & _MARKDOWN_COLLAPSE:
            types.append("markdown_collapse")
        if self._hedge:
            types.append("hedging")
        return types

    def _settle(self, state: Any, buf: Any) -> None:
        """Head (format collapse) and hedging, until both are final."""
        core = self._core
        if not self._head_final:
            self._head = buf.slice(0, _HEAD)
            self._head_final = len(self._head) >= _HEAD
            if self._head != core.head:
                core.head = self._head
                core.head_format = _FORMAT.search(self._head) is not None
        if not self._hedge_final:
            self._hedging(buf, len(buf), bool(getattr(state, "completed", False)))
        self._settled = self._head_final and self._hedge_final
        self._fixed = core.head_format or self._hedge
