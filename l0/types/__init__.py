"""Core types of ``l0``: events, state, retry/timeout configuration, stream aliases.

``Stream``, ``LazyStream`` and ``StreamContext`` are defined by the runtime
(``l0.runtime``) and load lazily from here, so ``l0.types`` never imports the
runtime at import time.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Union

from ._config import CheckIntervals, Timeout
from ._event import ContentType, DataPayload, Event, EventType, Progress
from ._retry import (
    DEFAULT_RETRY_ON,
    ERROR_TYPE_DELAY_DEFAULTS,
    EXPONENTIAL_RETRY,
    MINIMAL_RETRY,
    RECOMMENDED_RETRY,
    RETRY_DEFAULTS,
    STRICT_RETRY,
    BackoffStrategy,
    ErrorCategory,
    ErrorTypeDelayDefaults,
    ErrorTypeDelays,
    Retry,
    RetryableErrorType,
    RetryDefaults,
)
from ._state import State

RawStream = AsyncIterator[Any]
AwaitableStream = Union[AsyncIterator[Any], Coroutine[Any, Any, AsyncIterator[Any]]]
StreamFactory = Callable[[], RawStream]
AwaitableStreamFactory = Callable[[], AwaitableStream]
StreamSource = Union[RawStream, StreamFactory]
AwaitableStreamSource = Union[AwaitableStream, AwaitableStreamFactory]

for _cls in (EventType, Event, ContentType, DataPayload, Progress, State, ErrorCategory, BackoffStrategy,
             RetryableErrorType, RetryDefaults, ErrorTypeDelayDefaults, ErrorTypeDelays, Retry, Timeout,
             CheckIntervals):
    _cls.__module__ = __name__
del _cls

_FROM_RUNTIME = ("Stream", "LazyStream", "StreamContext")


def __getattr__(name: str) -> Any:
    if name in _FROM_RUNTIME:
        value = getattr(importlib.import_module("l0.runtime"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'l0.types' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM_RUNTIME))


if TYPE_CHECKING:  # pragma: no cover
    from l0.runtime import LazyStream, Stream, StreamContext

__all__ = [
    "EventType", "Event", "ContentType", "DataPayload", "Progress", "State",
    "ErrorCategory", "BackoffStrategy", "RetryableErrorType", "DEFAULT_RETRY_ON",
    "RetryDefaults", "RETRY_DEFAULTS", "ErrorTypeDelayDefaults", "ERROR_TYPE_DELAY_DEFAULTS",
    "ErrorTypeDelays", "Retry", "MINIMAL_RETRY", "RECOMMENDED_RETRY", "STRICT_RETRY",
    "EXPONENTIAL_RETRY", "Timeout", "CheckIntervals",
    "RawStream", "AwaitableStream", "StreamFactory", "AwaitableStreamFactory",
    "StreamSource", "AwaitableStreamSource",
    "Stream", "LazyStream", "StreamContext",
]
