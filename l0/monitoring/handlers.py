"""Handler combinators for ``on_event``: combine, filter, exclude, debounce, batch, sample, tap.

Each combinator's result declares ``wants`` (see ``l0.events.SelectiveHandler``):
``combine_events`` the union of its handlers' (every event as soon as one has
no ``wants``), ``filter_events`` / ``exclude_events`` narrow the handler's, the
others pass it through.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from typing import Any

from l0.events import ObservabilityEventType, wants_of, wants_passed_checks_of

from ._meta import event_name
from .run_telemetry import delivers, union_wants

__all__ = ["combine_events", "filter_events", "exclude_events", "debounce_events", "batch_events",
           "sample_events", "tap_events"]

logger = logging.getLogger("l0.monitoring")

Handler = Callable[[Any], Any]


def _check(handler: Any, name: str = "handler") -> None:
    if not callable(handler):
        raise TypeError(f"{name} must be callable, got {type(handler).__name__}")


def _names(types: Iterable[Any]) -> frozenset[str]:
    if isinstance(types, (str, bytes)):
        types = [types]
    return frozenset(getattr(t, "value", t) for t in types)


_ALL = frozenset(ObservabilityEventType)


def _types(names: frozenset[str]) -> frozenset[ObservabilityEventType]:
    return frozenset(t for t in _ALL if t.value in names)


def _declare(wrapper: Handler, wants: frozenset[ObservabilityEventType] | None, passed: bool = True) -> Handler:
    wrapper.wants = wants  # type: ignore[attr-defined]
    wrapper.wants_passed_checks = passed  # type: ignore[attr-defined]
    return wrapper


def _like(wrapper: Handler, handler: Handler) -> Handler:
    """``wrapper`` declares what ``handler`` declares."""
    return _declare(wrapper, wants_of(handler), wants_passed_checks_of(handler))


def combine_events(*handlers: Handler | None) -> Handler:
    """One handler calling each given handler in order; a failing one is logged (naming it) and skipped."""
    hs = [h for h in handlers if h is not None]
    for i, h in enumerate(hs):
        _check(h, f"handlers[{i}]")
    if not hs:
        return _declare(lambda event: None, frozenset())
    if len(hs) == 1:
        return hs[0]
    routes = [(h, wants_of(h), wants_passed_checks_of(h)) for h in hs]

    def combined(event: Any) -> None:
        for h, w, passed in routes:
            if (w is not None or not passed) and not delivers(w, passed, event):
                continue  # each handler gets only what it declared, as if it were alone on the bus
            try:
                h(event)
            except Exception:
                logger.warning("Event handler error for %s in %r (ignored)", event_name(event), h, exc_info=True)

    return _declare(combined, union_wants(hs), any(p for _, _, p in routes))


def filter_events(types: Iterable[Any], handler: Handler) -> Handler:
    _check(handler)
    keep = _names(types)
    inner = wants_of(handler)
    want = _types(keep)
    return _declare(lambda event: handler(event) if event_name(event) in keep else None,
                    want if inner is None else want & inner, wants_passed_checks_of(handler))


def exclude_events(types: Iterable[Any], handler: Handler) -> Handler:
    _check(handler)
    drop = _names(types)
    inner = wants_of(handler)
    return _declare(lambda event: handler(event) if event_name(event) not in drop else None,
                    (_ALL if inner is None else inner) - _types(drop), wants_passed_checks_of(handler))


def _loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def debounce_events(seconds: float, handler: Handler) -> Handler:
    """Leading edge at once, then at most one delivery (the latest event) per ``seconds``."""
    _check(handler)
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds!r}")
    timer: list[Any] = [None]
    pending: list[Any] = []

    def fire() -> None:
        timer[0] = None
        if pending:
            event = pending.pop()
            pending.clear()
            handler(event)

    def debounced(event: Any) -> None:
        loop = _loop()
        if loop is None:
            handler(event)
            return
        if timer[0] is None:
            handler(event)
            timer[0] = loop.call_later(seconds, fire)
        else:
            pending[:] = [event]

    return _like(debounced, handler)


def batch_events(size: int, max_wait_seconds: float, handler: Callable[[list[Any]], Any]) -> Handler:
    """Deliver lists of events: when ``size`` are buffered or ``max_wait_seconds`` after the first."""
    _check(handler)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    buf: list[Any] = []
    timer: list[Any] = [None]

    def flush() -> None:
        if timer[0] is not None:
            timer[0].cancel()
            timer[0] = None
        if buf:
            batch = list(buf)
            buf.clear()
            handler(batch)

    def batched(event: Any) -> None:
        buf.append(event)
        loop = _loop()
        if len(buf) >= size or loop is None:
            flush()
        elif timer[0] is None:
            timer[0] = loop.call_later(max_wait_seconds, flush)

    batched.flush = flush  # type: ignore[attr-defined]
    return _like(batched, handler)


def sample_events(rate: float, handler: Handler) -> Handler:
    """Pass each event with probability ``rate`` (an independent draw per event)."""
    _check(handler)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be a number in [0, 1], got {rate!r}")
    rnd = random.random
    return _like(lambda event: handler(event) if rnd() < rate else None, handler)


def tap_events(handler: Handler) -> Handler:
    """Call ``handler`` and swallow (log) its errors, so a broken observer never breaks the chain."""
    _check(handler)

    def tapped(event: Any) -> None:
        try:
            handler(event)
        except Exception:
            logger.debug("tap handler %r failed for %s (ignored)", handler, event_name(event), exc_info=True)

    return _like(tapped, handler)
