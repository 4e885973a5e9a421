"""Observability events and the per-stream :class:`EventBus` (``l0.events``)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional, Protocol, runtime_checkable

import l0.logging  # noqa: F401  (attaches the NullHandler to the "l0" logger)

__all__ = ["ObservabilityEvent", "ObservabilityEventType", "EventBus", "SelectiveHandler", "wants_of",
           "wants_passed_checks_of"]

logger = logging.getLogger("l0.events")


class ObservabilityEventType(str, Enum):
    """Every observability event type (value equals name).

    The 73 reference members in the reference's order, then the additions
    ``STREAM_TRUNCATED`` (a stream ended without a terminal signal or with
    ``finish_reason="length"``), ``CALLBACK_ERROR`` (a user callback raised;
    the stream went on) and the ``RATE_LIMIT_*`` events of ``l0.ratelimit``
    (cooldown started, wait started/ended, Redis unreachable/back).
    """

    SESSION_START = "SESSION_START"
    ATTEMPT_START = "ATTEMPT_START"
    SESSION_END = "SESSION_END"
    SESSION_SUMMARY = "SESSION_SUMMARY"
    STREAM_INIT = "STREAM_INIT"
    STREAM_READY = "STREAM_READY"
    TOKEN = "TOKEN"
    ADAPTER_DETECTED = "ADAPTER_DETECTED"
    ADAPTER_WRAP_START = "ADAPTER_WRAP_START"
    ADAPTER_WRAP_END = "ADAPTER_WRAP_END"
    TIMEOUT_START = "TIMEOUT_START"
    TIMEOUT_RESET = "TIMEOUT_RESET"
    TIMEOUT_TRIGGERED = "TIMEOUT_TRIGGERED"
    NETWORK_ERROR = "NETWORK_ERROR"
    NETWORK_RECOVERY = "NETWORK_RECOVERY"
    CONNECTION_DROPPED = "CONNECTION_DROPPED"
    CONNECTION_RESTORED = "CONNECTION_RESTORED"
    ABORT_REQUESTED = "ABORT_REQUESTED"
    ABORT_COMPLETED = "ABORT_COMPLETED"
    TOOL_REQUESTED = "TOOL_REQUESTED"
    TOOL_START = "TOOL_START"
    TOOL_RESULT = "TOOL_RESULT"
    TOOL_ERROR = "TOOL_ERROR"
    TOOL_COMPLETED = "TOOL_COMPLETED"
    GUARDRAIL_PHASE_START = "GUARDRAIL_PHASE_START"
    GUARDRAIL_PHASE_END = "GUARDRAIL_PHASE_END"
    GUARDRAIL_RULE_START = "GUARDRAIL_RULE_START"
    GUARDRAIL_RULE_RESULT = "GUARDRAIL_RULE_RESULT"
    GUARDRAIL_RULE_END = "GUARDRAIL_RULE_END"
    GUARDRAIL_CALLBACK_START = "GUARDRAIL_CALLBACK_START"
    GUARDRAIL_CALLBACK_END = "GUARDRAIL_CALLBACK_END"
    DRIFT_CHECK_RESULT = "DRIFT_CHECK_RESULT"
    DRIFT_CHECK_SKIPPED = "DRIFT_CHECK_SKIPPED"
    CHECKPOINT_SAVED = "CHECKPOINT_SAVED"
    RESUME_START = "RESUME_START"
    RETRY_START = "RETRY_START"
    RETRY_ATTEMPT = "RETRY_ATTEMPT"
    RETRY_END = "RETRY_END"
    RETRY_GIVE_UP = "RETRY_GIVE_UP"
    RETRY_FN_START = "RETRY_FN_START"
    RETRY_FN_RESULT = "RETRY_FN_RESULT"
    RETRY_FN_ERROR = "RETRY_FN_ERROR"
    FALLBACK_START = "FALLBACK_START"
    FALLBACK_MODEL_SELECTED = "FALLBACK_MODEL_SELECTED"
    FALLBACK_END = "FALLBACK_END"
    FINALIZATION_START = "FINALIZATION_START"
    FINALIZATION_END = "FINALIZATION_END"
    COMPLETE = "COMPLETE"
    ERROR = "ERROR"
    CONSENSUS_START = "CONSENSUS_START"
    CONSENSUS_STREAM_START = "CONSENSUS_STREAM_START"
    CONSENSUS_STREAM_END = "CONSENSUS_STREAM_END"
    CONSENSUS_OUTPUT_COLLECTED = "CONSENSUS_OUTPUT_COLLECTED"
    CONSENSUS_ANALYSIS = "CONSENSUS_ANALYSIS"
    CONSENSUS_RESOLUTION = "CONSENSUS_RESOLUTION"
    CONSENSUS_END = "CONSENSUS_END"
    PARSE_START = "PARSE_START"
    PARSE_END = "PARSE_END"
    PARSE_ERROR = "PARSE_ERROR"
    SCHEMA_VALIDATION_START = "SCHEMA_VALIDATION_START"
    SCHEMA_VALIDATION_END = "SCHEMA_VALIDATION_END"
    SCHEMA_VALIDATION_ERROR = "SCHEMA_VALIDATION_ERROR"
    AUTO_CORRECT_START = "AUTO_CORRECT_START"
    AUTO_CORRECT_END = "AUTO_CORRECT_END"
    STRUCTURED_PARSE_START = "STRUCTURED_PARSE_START"
    STRUCTURED_PARSE_END = "STRUCTURED_PARSE_END"
    STRUCTURED_PARSE_ERROR = "STRUCTURED_PARSE_ERROR"
    STRUCTURED_VALIDATION_START = "STRUCTURED_VALIDATION_START"
    STRUCTURED_VALIDATION_END = "STRUCTURED_VALIDATION_END"
    STRUCTURED_VALIDATION_ERROR = "STRUCTURED_VALIDATION_ERROR"
    STRUCTURED_AUTO_CORRECT_START = "STRUCTURED_AUTO_CORRECT_START"
    STRUCTURED_AUTO_CORRECT_END = "STRUCTURED_AUTO_CORRECT_END"
    CONTINUATION_START = "CONTINUATION_START"
    STREAM_TRUNCATED = "STREAM_TRUNCATED"
    CALLBACK_ERROR = "CALLBACK_ERROR"
    RATE_LIMIT_COOLDOWN_START = "RATE_LIMIT_COOLDOWN_START"
    RATE_LIMIT_WAIT_START = "RATE_LIMIT_WAIT_START"
    RATE_LIMIT_WAIT_END = "RATE_LIMIT_WAIT_END"
    RATE_LIMIT_DEGRADED = "RATE_LIMIT_DEGRADED"
    RATE_LIMIT_RESTORED = "RATE_LIMIT_RESTORED"


@dataclass(slots=True)
class ObservabilityEvent:
    """One observability event: ``ts`` in epoch milliseconds, camelCase ``meta`` keys.

    ``context`` and ``meta`` default to a new empty dict each.
    """

    type: ObservabilityEventType
    ts: float
    stream_id: str
    context: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class SelectiveHandler(Protocol):
    """An ``on_event`` handler that may declare the event types it reads.

    ``wants`` is a frozenset of :class:`ObservabilityEventType` (only those are
    delivered, and the runtime skips building the high-volume per-check events
    nobody wants); ``None`` or no attribute at all means every event, as for a
    plain function.

    ``wants_passed_checks`` (optional, default True) set to False asks, of
    GUARDRAIL_RULE_RESULT and DRIFT_CHECK_RESULT, for the findings only (a
    rule that failed, ``passed=False``; drift found, ``detected=True``): the
    runtime then skips the check-by-check events of the checks that found
    nothing, which are most of them.
    """

    wants: Optional[frozenset[ObservabilityEventType]]
    wants_passed_checks: bool

    def __call__(self, event: ObservabilityEvent) -> Any: ...


def _mock(value: Any) -> bool:
    # A unittest.mock handler answers every attribute: it declared nothing.
    return type(value).__module__ == "unittest.mock"


def wants_of(handler: Any) -> frozenset[ObservabilityEventType] | None:
    """A handler's declared event types (``handler.wants``): None for every event.

    Strings are accepted and converted; anything else raises ``TypeError``
    naming ``wants``. No handler wants nothing (an empty set).
    """
    if handler is None:
        return frozenset()
    if getattr(handler, "_l0_wants_of_self", False):
        # A built-in handler's bound ``handle_event`` (``on_event=monitor.handle_event``): its object's wants.
        handler = getattr(handler, "__self__", handler)
    w = getattr(handler, "wants", None)
    if w is None or _mock(w):
        return None
    if isinstance(w, (str, bytes)) or not isinstance(w, (set, frozenset, list, tuple)):
        raise TypeError(f"{type(handler).__name__}.wants must be a frozenset of ObservabilityEventType or None, "
                        f"got {type(w).__name__}")
    try:
        return frozenset(t if isinstance(t, ObservabilityEventType) else ObservabilityEventType(t) for t in w)
    except ValueError as exc:
        raise TypeError(f"{type(handler).__name__}.wants must hold ObservabilityEventType members: {exc}") from None


def wants_passed_checks_of(handler: Any) -> bool:
    """A handler's ``wants_passed_checks`` (True when absent): does it read the checks that found nothing?"""
    if getattr(handler, "_l0_wants_of_self", False):
        handler = getattr(handler, "__self__", handler)
    value = getattr(handler, "wants_passed_checks", True)
    if _mock(value):
        return True
    if not isinstance(value, bool):
        raise TypeError(f"{type(handler).__name__}.wants_passed_checks must be a bool, got {type(value).__name__}")
    return value


def _wants_of_self(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a handler class's ``handle_event``: bound, it declares its object's ``wants``."""
    method._l0_wants_of_self = True  # type: ignore[attr-defined]
    return method


def _new_stream_id() -> str:
    from uuid6 import uuid7

    return str(uuid7())


class EventBus:
    """Delivers a stream's observability events to one handler.

    ``emit`` returns at once when there is no handler; callers on a hot path
    can also test :attr:`enabled` (a handler exists) or :meth:`wants` (it
    reads this type) before building the meta. A handler declaring ``wants``
    (see :class:`SelectiveHandler`) gets only those types. A handler that
    raises is logged (logger ``l0.events``) and never breaks the caller. A
    handler that returns an awaitable has it scheduled on the running loop
    (await :meth:`flush` to wait for those).
    """

    __slots__ = ("_handler", "_context", "_stream_id", "_pending", "_failures", "enabled", "_wants",
                 "passed_checks")

    def __init__(
        self,
        handler: Callable[[ObservabilityEvent], Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        if handler is not None and not callable(handler):
            raise TypeError(f"EventBus handler must be callable or None, got {type(handler).__name__}")
        if context is not None and not isinstance(context, dict):
            raise TypeError(f"EventBus context must be a dict or None, got {type(context).__name__}")
        self._handler = handler
        self._context = context
        self._stream_id: str | None = None
        self._pending: set[asyncio.Future[Any]] | None = None
        self._failures = 0
        self.enabled: bool = handler is not None
        self._wants = wants_of(handler)
        #: False when the handler reads only the findings of GUARDRAIL_RULE_RESULT / DRIFT_CHECK_RESULT.
        self.passed_checks: bool = wants_passed_checks_of(handler)

    def wants(self, event_type: ObservabilityEventType) -> bool:
        """True when the handler receives ``event_type`` (False without a handler)."""
        w = self._wants
        return w is None or event_type in w

    @property
    def stream_id(self) -> str:
        """A UUIDv7 string, the same for every event of this bus."""
        if self._stream_id is None:
            self._stream_id = _new_stream_id()
        return self._stream_id

    @property
    def handler(self) -> Callable[[ObservabilityEvent], Any] | None:
        return self._handler

    def emit(self, event_type: ObservabilityEventType, **meta: Any) -> None:
        """Build an event and hand it to the handler (nothing happens without one)."""
        handler = self._handler
        if handler is None:
            return
        w = self._wants
        if w is not None and event_type not in w:
            return
        context = self._context
        event = ObservabilityEvent(
            event_type, time.time() * 1000.0, self.stream_id, dict(context) if context else {}, meta
        )
        try:
            result = handler(event)
        except Exception:
            self._report(event_type)
            return
        if result is not None and inspect.isawaitable(result):
            self._schedule(result, event_type)

    def _report(self, event_type: Any) -> None:
        self._failures += 1
        # First failure loud, the rest quiet: a broken handler would otherwise flood the log.
        level = logging.WARNING if self._failures == 1 else logging.DEBUG
        logger.log(level, "Event handler error for %s (ignored)", getattr(event_type, "value", event_type),
                   exc_info=True)

    def _schedule(self, awaitable: Any, event_type: Any) -> None:
        try:
            future = asyncio.ensure_future(awaitable)
        except RuntimeError:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            logger.warning("Async event handler for %s needs a running event loop; dropped",
                           getattr(event_type, "value", event_type))
            return
        if self._pending is None:
            self._pending = set()
        self._pending.add(future)

        def _done(fut: asyncio.Future[Any]) -> None:
            self._pending.discard(fut)  # type: ignore[union-attr]
            if not fut.cancelled() and fut.exception() is not None:
                try:
                    raise fut.exception()  # type: ignore[misc]
                except Exception:
                    self._report(event_type)

        future.add_done_callback(_done)

    async def flush(self) -> None:
        """Wait until every awaitable returned by the handler has finished."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
