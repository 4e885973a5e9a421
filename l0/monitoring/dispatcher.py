"""``EventDispatcher``: fan observability events out to several handlers."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Union

from l0.events import ObservabilityEvent, ObservabilityEventType, _new_stream_id

__all__ = ["EventDispatcher", "EventHandler", "create_event_dispatcher"]

logger = logging.getLogger("l0.monitoring")

EventHandler = Callable[[ObservabilityEvent], Union[None, Awaitable[None]]]


class EventDispatcher:
    """Emits events with a fixed ``meta`` to every registered handler; a failing handler is logged and skipped.

    ``emit`` schedules each handler with ``loop.call_soon`` inside a running
    loop (inline without one); ``emit_sync`` always calls inline.
    """

    def __init__(self, meta: dict[str, Any] | None = None) -> None:
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f"meta must be a dict or None, got {type(meta).__name__}")
        self._meta = dict(meta or {})
        self._stream_id = _new_stream_id()
        self._handlers: list[EventHandler] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def stream_id(self) -> str:
        return self._stream_id

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self._meta)

    @property
    def handler_count(self) -> int:
        return len(self._handlers)

    def on_event(self, handler: EventHandler) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {type(handler).__name__}")
        self._handlers.append(handler)

    def off_event(self, handler: EventHandler) -> None:
        try:
            self._handlers.remove(handler)
        except ValueError:
            pass

    def _event(self, event_type: ObservabilityEventType | str, payload: dict[str, Any]) -> ObservabilityEvent:
        if isinstance(event_type, str) and not isinstance(event_type, ObservabilityEventType):
            event_type = ObservabilityEventType(event_type)
        return ObservabilityEvent(event_type, time.time() * 1000.0, self._stream_id, {}, {**self._meta, **payload})

    def _call(self, handler: EventHandler, event: ObservabilityEvent) -> None:
        try:
            result = handler(event)
        except Exception:
            logger.warning("Event handler %r failed for %s (ignored)", handler, event.type.value, exc_info=True)
            return
        if inspect.isawaitable(result):
            try:
                task = asyncio.ensure_future(result)
            except RuntimeError:
                if inspect.iscoroutine(result):
                    result.close()
                return
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("Async event handler failed (ignored): %r", task.exception())

    def emit(self, event_type: ObservabilityEventType | str, **payload: Any) -> None:
        if not self._handlers:
            return
        event = self._event(event_type, payload)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for handler in list(self._handlers):
            if loop is None:
                self._call(handler, event)
            else:
                loop.call_soon(self._call, handler, event)

    def emit_sync(self, event_type: ObservabilityEventType | str, **payload: Any) -> None:
        if not self._handlers:
            return
        event = self._event(event_type, payload)
        for handler in list(self._handlers):
            self._call(handler, event)


def create_event_dispatcher(meta: dict[str, Any] | None = None) -> EventDispatcher:
    return EventDispatcher(meta)
