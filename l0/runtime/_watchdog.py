"""``l0.TimeoutError``, the per-attempt watchdog that enforces :class:`~l0.types.Timeout`,
and :func:`interrupt`, the way the watchdog and ``abort()`` stop a wait for the provider.

One timer per attempt (``loop.call_at``). The hot path only stores the time at
which the runtime starts waiting for the next event (:attr:`Watchdog.mark`).
When the timer fires it looks at that mark: if the runtime is not waiting for
the provider (the consumer holds the event) or the wait is younger than the
limit, it re-arms itself for the exact deadline; otherwise it interrupts the
wait and the engine turns the resulting cancellation into :class:`TimeoutError`.
The timer dies with its attempt (:meth:`close`).

An interrupt cancels the future the wait is blocked on, found by walking the
await chain down from the runtime's iterator, not a task: whichever task awaits
the stream (a new one per read under ``asyncio.wait_for``, another task the
stream was handed to) is the one woken, and no task's cancel count changes,
so nothing needs ``Task.uncancel`` (absent on 3.10). A cancellation requested
by anyone else before the woken task runs is noticed and wins.
"""

from __future__ import annotations

import asyncio
import gc
import math
import weakref
from typing import Any

__all__ = ["TimeoutError", "Watchdog", "Interrupt", "interrupt"]

_HAS_CANCELLING = hasattr(asyncio.Task, "cancelling")  # 3.11+
_TASK_TYPES: tuple[type, ...] = tuple(
    t for t in (asyncio.Task, getattr(asyncio.tasks, "_PyTask", None)) if isinstance(t, type))
_MISSING = object()
_MAX_DEPTH = 256


def _is_future(obj: Any) -> bool:
    return getattr(type(obj), "_asyncio_future_blocking", _MISSING) is not _MISSING and \
        obj._asyncio_future_blocking is not None


def _step_down(obj: Any) -> Any:
    """What ``obj`` (an awaitable in flight) awaits in turn, or None."""
    for name in ("cr_await", "ag_await", "gi_yieldfrom"):
        nxt = getattr(obj, name, _MISSING)
        if nxt is not _MISSING:
            if nxt is None and name == "gi_yieldfrom":
                # A pure-Python future's ``__await__`` generator, suspended at ``yield self``.
                frame = getattr(obj, "gi_frame", None)
                owner = frame.f_locals.get("self") if frame is not None else None
                return owner if _is_future(owner) else None
            return nxt
    # C wrappers without introspection (async-generator asend/athrow, FutureIter, coroutine
    # wrappers) hold the object they drive as their one awaitable referent.
    for ref in gc.get_referents(obj):
        if isinstance(ref, type):
            continue
        if _is_future(ref) or any(hasattr(ref, n) for n in ("cr_await", "ag_await", "gi_yieldfrom")):
            return ref
    return None


def _leaf_future(awaiting: Any) -> Any:
    """The future at the bottom of an await chain (what some task is blocked on), or None."""
    obj = awaiting
    for _ in range(_MAX_DEPTH):
        if obj is None or _is_future(obj):
            return obj
        obj = _step_down(obj)
    return None


def _reaches(task: Any, gen: Any) -> bool:
    """True if ``task``'s await chain passes through ``gen``: the task is reading this stream."""
    obj = task.get_coro()
    for _ in range(_MAX_DEPTH):
        if obj is gen:
            return True
        if obj is None or _is_future(obj):
            return False
        obj = _step_down(obj)
    return False


def _owner(fut: Any, gen: Any) -> Any:
    """The task blocked on ``fut`` while reading ``gen`` (found through ``fut``'s wake-up callback), or None.

    Checking that the task really awaits ``gen`` keeps a future shared with
    other tasks, or a misread C wrapper, from ever interrupting someone else.
    """
    for cb, *_ in getattr(fut, "_callbacks", None) or ():
        task = getattr(cb, "__self__", None)
        if (isinstance(task, _TASK_TYPES) and getattr(task, "_fut_waiter", None) is fut
                and _reaches(task, gen)):
            return task
    return None


def _reader(gen: Any, loop: asyncio.AbstractEventLoop) -> Any:
    """The task whose await chain passes through ``gen``, or None (only when a timer fires)."""
    for task in asyncio.all_tasks(loop):
        if not task.done() and _reaches(task, gen):
            return task
    return None


class Interrupt:
    """One interrupted wait: the woken ``task``, the cancelled ``future``.

    ``foreign`` becomes True when someone else asked to cancel the task before it
    woke up; then the cancellation is theirs and must propagate.
    """

    __slots__ = ("task", "future", "baseline", "foreign")

    def __init__(self, task: Any, future: Any) -> None:
        self.task = task
        self.future = future
        self.baseline = task.cancelling() if _HAS_CANCELLING else 0
        self.foreign = False

    def _before_wakeup(self) -> None:
        # Scheduled before the future's callbacks, so it runs right before the task wakes: a
        # Task.cancel() that landed in between (even in the same loop iteration) shows here.
        task = self.task
        if getattr(task, "_must_cancel", False) or (_HAS_CANCELLING and task.cancelling() != self.baseline):
            self.foreign = True

    def claim(self) -> bool:
        """True if the ``CancelledError`` being handled now is this interrupt's (and nobody else's)."""
        task = self.task
        if self.foreign or not self.future.cancelled():
            return False
        try:
            if asyncio.current_task() is not task:
                return False
        except RuntimeError:
            return False
        return not (_HAS_CANCELLING and task.cancelling() != self.baseline)


def interrupt(gen: Any, loop: asyncio.AbstractEventLoop) -> Interrupt | None:
    """Wake the task waiting on ``gen`` (the runtime's iterator) with a ``CancelledError``.

    None when nothing can be interrupted: ``gen`` awaits nothing, the wait is
    not on a pending future, its task is the running one, or the future was
    cancelled already (by someone else's ``Task.cancel()``).
    """
    awaiting = getattr(gen, "ag_await", None)
    if awaiting is None:
        return None
    fut = _leaf_future(awaiting)
    if fut is None:
        # An opaque link in the chain (the builtin ``anext()``'s awaitable keeps no reference to
        # what it drives, as in the anthropic SDK's byte stream): find the reading task from the
        # top instead, and the future it is blocked on.
        task = _reader(gen, loop)
        fut = getattr(task, "_fut_waiter", None) if task is not None else None
        if fut is None or not _is_future(fut):
            return None
    if fut.done():
        return None
    task = _owner(fut, gen)
    if task is None or task.done():
        return None
    try:
        if asyncio.current_task() is task:
            return None
    except RuntimeError:
        pass
    intr = Interrupt(task, fut)
    loop.call_soon(intr._before_wakeup)
    if not fut.cancel():
        return None
    return intr


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
    """Interrupts the wait for the provider when an attempt waits too long.

    ``initial``/``inter`` are limits in seconds (``None``: no limit in that
    phase). The initial phase lasts until the first event of the attempt has
    been handed out. ``gen`` is the runtime's iterator: while it awaits nothing
    (``ag_await is None``) the consumer, not the provider, is holding things
    up, so no timeout applies. When it fires, :attr:`interrupt` records the
    wait it interrupted (see :func:`interrupt`).
    """

    __slots__ = ("mark", "_start", "_loop", "_handle", "_initial", "_inter", "_gen",
                 "fired", "elapsed", "interrupt", "_closed", "paused")

    def __init__(self, loop: asyncio.AbstractEventLoop, initial: float | None, inter: float | None,
                 gen: Any) -> None:
        self._loop = loop
        self._initial = initial
        self._inter = inter
        # Weak: a consumer that walks away must not keep the generator (and this timer) alive forever.
        self._gen = weakref.ref(gen) if gen is not None else None
        self.fired: str | None = None
        self.elapsed = 0.0
        self.interrupt: Interrupt | None = None
        self._closed = False
        self.paused = False  # True while the runtime awaits user code (an async callback)
        now = loop.time()
        # The phase is "no mark stored yet": start just below now, a value no later clock read (>= now)
        # can equal, even with a coarse or virtual clock that has not moved since.
        self.mark = self._start = math.nextafter(now, -math.inf)
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
        if self.paused or gen is None or gen.ag_await is None:
            when = now + limit
        else:
            elapsed = now - self.mark
            if elapsed >= limit:
                intr = interrupt(gen, loop)
                if intr is not None:
                    self.fired = "initial" if initial_phase else "inter"
                    self.elapsed = elapsed
                    self.interrupt = intr
                    return
                # Nothing to interrupt right now (the awaited future just completed, or is being
                # cancelled by someone else): look again after one more period.
                when = now + limit
            else:
                when = self.mark + limit
        if horizon is not None and horizon < when:
            when = horizon
        self._handle = loop.call_at(when, self._fire)

    def claim(self) -> bool:
        """True if the ``CancelledError`` being handled now is this watchdog's doing."""
        intr = self.interrupt
        if intr is None:
            return False
        self.interrupt = None
        if intr.claim():
            return True
        self.fired = None
        return False

    def limit_for(self, kind: str) -> float:
        value = self._initial if kind == "initial" else self._inter
        return 0.0 if value is None else value

    def close(self) -> None:
        self._closed = True
        handle = self._handle
        if handle is not None:
            handle.cancel()
            self._handle = None
