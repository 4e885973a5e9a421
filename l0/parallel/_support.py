"""Shared pieces of the orchestration modules (parallel, race, pool, pipeline).

They sit on the public API only: ``l0.run`` for run options, a returned
``l0.Stream`` read through ``read()``/``async with``, and ``stream.state``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Iterable
from typing import Any

from l0.types import LazyStream, Stream

__all__ = [
    "call_back", "cancel_and_wait", "is_l0_stream", "close_stream", "check_callable", "RUN_OPTION_NAMES",
    "structured_holder", "has_valid_field", "close_structured",
]

logger = logging.getLogger("l0")

# The keyword parameters of ``l0.run`` (kept in sync by a test).
RUN_OPTION_NAMES: frozenset[str] = frozenset((
    "fallbacks", "guardrails", "drift_detector", "retry", "timeout", "check_intervals", "adapter", "on_event",
    "context", "buffer_tool_calls", "continue_from_last_good_token", "build_continuation_prompt", "callbacks",
    "on_start", "on_complete", "on_error", "on_stream_event", "on_violation", "on_retry", "on_fallback",
    "on_resume", "on_checkpoint", "on_timeout", "on_abort", "on_drift", "on_tool_call", "on_token", "truncation",
    "keep_raw_chunks", "token_events", "monitoring", "rate_limit",
))


def is_l0_stream(obj: Any) -> bool:
    """Whether ``obj`` is what ``l0.run`` / a wrapped client returns."""
    return isinstance(obj, (Stream, LazyStream))


def structured_holder(obj: Any) -> Any:
    """The ``StructuredStreamResult`` of a ``structured_stream`` value, or None.

    Accepts what ``await l0.structured_stream(...)`` returns (the
    ``(events, result)`` pair) or the result alone. ``l0._structured`` is
    imported only if it is already loaded: a value cannot be one otherwise.
    """
    import sys

    mod = sys.modules.get("l0._structured._stream")
    if mod is None:
        return None
    cls = mod.StructuredStreamResult
    if isinstance(obj, cls):
        return obj
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[1], cls):
        return obj[1]
    return None


def has_valid_field(snapshot: Any) -> bool:
    """A partial snapshot holds at least one complete, validated field (or item).

    The partial parser leaves invalid values out (a Pydantic snapshot drops
    them from ``model_fields_set``, a dict pops them), so presence is validity.
    """
    if snapshot is None:
        return False
    fields_set = getattr(snapshot, "model_fields_set", None)
    if fields_set is not None:
        return bool(fields_set)
    if isinstance(snapshot, (dict, list)):
        return len(snapshot) > 0
    return True


async def close_structured(holder: Any) -> None:
    """Abort a structured stream's runtime stream and close its source."""
    # the runtime stream is held privately by the result; it is l0's own object
    stream = getattr(holder, "_stream", None)
    if stream is not None and is_l0_stream(stream):
        await close_stream(stream)


def check_callable(value: Any, name: str) -> None:
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be callable or None, got {type(value).__name__}")


async def call_back(fn: Callable[..., Any] | None, name: str, *args: Any) -> None:
    """Call a user callback (sync or async); a failure is logged, never raised.

    A callback must not break the operation it observes; the log line names it.
    """
    if fn is None:
        return
    try:
        result = fn(*args)
        if inspect.isawaitable(result):
            await result
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - user code
        logger.warning("l0: %s callback %r failed: %s: %s", name, fn, type(exc).__name__, exc)


async def close_stream(stream: Any) -> None:
    """Abort an l0 stream that has not finished and close its source (its HTTP connection)."""
    await stream.__aexit__(None, None, None)


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has finished, even if we are cancelled meanwhile.

    A child that outlives its parent keeps a connection open and leaks a task;
    a second cancellation of the caller is re-raised after the wait.
    """
    tasks = list(tasks)
    pending = [t for t in tasks if not t.done()]
    for t in pending:
        t.cancel()
    interrupted: BaseException | None = None
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError as exc:
            interrupted = exc
            for t in pending:
                t.cancel()
        pending = [t for t in pending if not t.done()]
    for t in tasks:
        if t.done() and not t.cancelled():
            t.exception()  # retrieved: a cancelled sibling's error is not "never retrieved"
    if interrupted is not None:
        raise interrupted
