"""Re-exports of the core names (the reference's ``l0.api.core`` path)."""

from __future__ import annotations

from l0.version import __version__
from l0.client import WrappedClient, wrap_client
from l0.runtime import LifecycleCallbacks, TimeoutError, _internal_run
from l0.stream import consume_stream, get_text
from l0.types import (
    ERROR_TYPE_DELAY_DEFAULTS, EXPONENTIAL_RETRY, MINIMAL_RETRY, RECOMMENDED_RETRY, RETRY_DEFAULTS,
    STRICT_RETRY, AwaitableStream, AwaitableStreamFactory, AwaitableStreamSource, BackoffStrategy,
    CheckIntervals, ContentType, DataPayload, ErrorCategory, ErrorTypeDelayDefaults,
    ErrorTypeDelays, Event, EventType, LazyStream, Progress, RawStream, Retry, RetryableErrorType,
    RetryDefaults, State, Stream, StreamFactory, StreamSource, Timeout,
)

__all__ = [
    "__version__", "WrappedClient", "wrap_client", "LifecycleCallbacks", "TimeoutError",
    "_internal_run", "consume_stream", "get_text", "ERROR_TYPE_DELAY_DEFAULTS",
    "EXPONENTIAL_RETRY", "MINIMAL_RETRY", "RECOMMENDED_RETRY", "RETRY_DEFAULTS", "STRICT_RETRY",
    "AwaitableStream", "AwaitableStreamFactory", "AwaitableStreamSource", "BackoffStrategy",
    "CheckIntervals", "ContentType", "DataPayload", "ErrorCategory", "ErrorTypeDelayDefaults",
    "ErrorTypeDelays", "Event", "EventType", "LazyStream", "Progress", "RawStream", "Retry",
    "RetryableErrorType", "RetryDefaults", "State", "Stream", "StreamFactory", "StreamSource",
    "Timeout",
]
