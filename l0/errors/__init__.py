"""Errors raised by ``l0`` and the classification of other exceptions (``l0.errors``)."""

from __future__ import annotations

from typing import Any

from l0.types import ErrorCategory, ErrorTypeDelays

from ._categorize import (
    _categorize_error,
    _is_retryable,
    categorize_error,
    error_code_value,
    get_failure_type,
    get_recovery_strategy,
    http_status,
    is_error,
    is_l0_error,
    is_retryable,
)
from ._error import (
    Error,
    ErrorCode,
    ErrorContext,
    FailureType,
    RecoveryPolicy,
    RecoveryStrategy,
    get_error_category,
)
from ._network import NetworkError, NetworkErrorAnalysis, NetworkErrorType, classify, get_error_code

for _cls in (Error, ErrorCode, ErrorContext, FailureType, RecoveryPolicy, RecoveryStrategy, NetworkError,
             NetworkErrorAnalysis, NetworkErrorType):
    _cls.__module__ = __name__
del _cls

is_connection_dropped = NetworkError.is_connection_dropped
is_fetch_error = NetworkError.is_fetch_error
is_econnreset = NetworkError.is_econnreset
is_econnrefused = NetworkError.is_econnrefused
is_sse_aborted = NetworkError.is_sse_aborted
is_no_bytes = NetworkError.is_no_bytes
is_partial_chunks = NetworkError.is_partial_chunks
is_runtime_killed = NetworkError.is_runtime_killed
is_background_throttle = NetworkError.is_background_throttle
is_dns_error = NetworkError.is_dns
is_ssl_error = NetworkError.is_ssl
is_timeout_error = NetworkError.is_timeout
is_network_error = NetworkError.check
analyze_network_error = NetworkError.analyze
describe_network_error = NetworkError.describe
create_network_error = NetworkError.create
is_stream_interrupted = NetworkError.is_stream_interrupted


def suggest_retry_delay(
    error: BaseException,
    attempt: int,
    custom_delays: dict[NetworkErrorType, float] | None = None,
    max_delay: float = 30.0,
) -> float:
    """Same as :meth:`NetworkError.suggest_delay`."""
    return NetworkError.suggest_delay(error, attempt, custom_delays, max_delay)


def truncation_error(
    reason: str,
    *,
    finish_reason: str | None = None,
    checkpoint: str | None = None,
    token_count: int | None = None,
    content_length: int | None = None,
    context: dict[str, Any] | None = None,
) -> Error:
    """The :class:`Error` (code ``STREAM_TRUNCATED``) for a stream that ended early.

    ``reason`` is ``"no_terminal_signal"`` (the source ended without a COMPLETE
    event) or ``"length"`` (``finish_reason == "length"``); it is kept in
    ``context.metadata`` with the finish reason.
    """
    if reason == "length":
        message = "Stream truncated: the model stopped at its length limit (finish_reason='length')"
    else:
        message = "Stream truncated: the source ended without a terminal signal"
    return Error(
        message,
        ErrorContext(
            code=ErrorCode.STREAM_TRUNCATED,
            checkpoint=checkpoint,
            token_count=token_count,
            content_length=content_length,
            metadata={"reason": reason, "finish_reason": finish_reason},
            context=context,
        ),
    )


__all__ = [
    "Error", "ErrorCategory", "ErrorTypeDelays", "ErrorCode", "ErrorContext", "FailureType", "RecoveryStrategy", "RecoveryPolicy",
    "NetworkError", "NetworkErrorType", "NetworkErrorAnalysis",
    "get_error_category", "categorize_error", "is_retryable", "is_error", "is_l0_error",
    "is_connection_dropped", "is_fetch_error", "is_econnreset", "is_econnrefused", "is_sse_aborted",
    "is_no_bytes", "is_partial_chunks", "is_runtime_killed", "is_background_throttle", "is_dns_error",
    "is_ssl_error", "is_timeout_error", "is_network_error", "analyze_network_error",
    "describe_network_error", "create_network_error", "is_stream_interrupted", "suggest_retry_delay",
    "error_code_value", "get_failure_type", "get_recovery_strategy", "http_status", "classify",
    "get_error_code", "truncation_error",
]
