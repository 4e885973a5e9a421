"""``l0.TimeoutError`` and the per-attempt watchdog that enforces :class:`~l0.types.Timeout`.

One timer per attempt (``loop.call_at``). The hot path only stores the time at
which the runtime starts waiting for the next event (:attr:`Watchdog.mark`).
When the timer fires it looks at that mark: if the runtime is not waiting for
the provider (the consumer holds the event) or the wait is younger than the
limit, it re-arms itself for the exact deadline; otherwise it interrupts the
wait by cancelling the consuming task, and the engine turns that cancellation
into :class:`TimeoutError`. The timer dies with its attempt (:meth:`close`).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

__all__ = ["TimeoutError", "Watchdog"]


class TimeoutError(Exception):  # noqa: A001 - the reference's public name
    """The provider sent nothing for too long.

    ``timeout_type`` is ``"initial_token"`` or ``"inter_token"``,
    ``timeout_seconds`` the configured limit, ``elapsed_seconds`` the measured
    wait. Not a subclass of the builtin ``TimeoutError`` (as in the reference).
    """

    def __init__(self, message: str, timeout_type: str, timeout_seconds: float,
                 elapsed_seconds: float | None = None) -> None:
        super().__init__(message)
        self.timeout_type = timeout_type
        self.timeout_seconds = timeout_seconds
        self.elapsed_seconds = timeout_seconds if elapsed_seconds is None else elapsed_seconds


class Watchdog:
    """Interrupts the consuming task when an attempt waits too long for its provider.

    ``initial``/``inter`` are limits in seconds (``None``: no limit in that
    phase). The initial phase lasts until the first event of the attempt has
    been handed out. ``gen`` is the runtime's async generator: while it is
    suspended at a ``yield`` (``ag_await is None``) the consumer, not the
    provider, is holding things up, so no timeout applies.
    """

    __slots__ = ("mark", "_start", "_loop", "_handle", "_initial", "_inter", "_gen", "_task",
                 "fired", "elapsed", "cancelling", "_closed", "paused")

    def __init__(self, loop: asyncio.AbstractEventLoop, initial: float | None, inter: float | None,
                 gen: Any, task: asyncio.Task[Any] | None) -> None:
        self._loop = loop
        self._initial = initial
        self._inter = inter
        # Weak: a consumer that walks away must not keep the generator (and this timer) alive forever.
        self._gen = weakref.ref(gen) if gen is not None else None
        self._task = task
        self.fired: str | None = None
        self.elapsed = 0.0
        self.cancelling = 0
        self._closed = False
        self.paused = False  # True while the runtime awaits user code (an async callback)
        now = loop.time()
        self.mark = self._start = now
        self._handle: asyncio.TimerHandle | None = None
        limits = [x for x in (initial, inter) if x is not None]
        self._handle = loop.call_at(now + min(limits), self._fire)

    def in_initial_phase(self) -> bool:
        return self.mark == self._start

    def _fire(self) -> None:
        self._handle = None
        if self._closed or self.fired is not None:
            return
        loop = self._loop
        now = loop.time()
        initial_phase = self.mark == self._start
        inter = self._inter
        if initial_phase:
            limit = self._initial
            # The phase may switch at any event: poll at the inter period so its deadline is never missed.
            horizon = now + inter if inter is not None else None
        else:
            limit = inter
            horizon = None
        if limit is None:
            if horizon is not None:
                self._handle = loop.call_at(horizon, self._fire)
            return
        gen = self._gen() if self._gen is not None else None
        if gen is None and self._gen is not None:
            self._closed = True  # the stream was abandoned and collected
            return
        if self.paused or (gen is not None and gen.ag_await is None):
            when = now + limit
        else:
            elapsed = now - self.mark
            if elapsed >= limit:
                task = self._task
                if task is None or task.done():
                    return
                self.fired = "initial" if initial_phase else "inter"
                self.elapsed = elapsed
                self.cancelling = task.cancelling()
                task.cancel()
                return
            when = self.mark + limit
        if horizon is not None and horizon < when:
            when = horizon
        self._handle = loop.call_at(when, self._fire)

    def claim(self, task: asyncio.Task[Any] | None) -> bool:
        """True if a ``CancelledError`` seen by ``task`` was this watchdog's doing (and absorb it)."""
        if self.fired is None or task is None:
            return False
        return task.uncancel() <= self.cancelling

    def limit_for(self, kind: str) -> float:
        value = self._initial if kind == "initial" else self._inter
        return 0.0 if value is None else value

    def close(self) -> None:
        self._closed = True
        handle = self._handle
        if handle is not None:
            handle.cancel()
            self._handle = None
