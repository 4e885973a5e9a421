"""``categorize_error`` and the helpers the runtime uses to describe an error in events."""

from __future__ import annotations

import re
from typing import Any

from l0.types import ErrorCategory

from ._error import Error, ErrorCode, FailureType, RecoveryStrategy, get_error_category
from ._network import NetworkErrorType, classify, is_l0_timeout

_CODE_OVERRIDES: dict[ErrorCode, ErrorCategory] = {
    ErrorCode.GUARDRAIL_VIOLATION: ErrorCategory.CONTENT,
    ErrorCode.FATAL_GUARDRAIL_VIOLATION: ErrorCategory.FATAL,
    ErrorCode.DRIFT_DETECTED: ErrorCategory.CONTENT,
    ErrorCode.ZERO_OUTPUT: ErrorCategory.CONTENT,
    ErrorCode.INITIAL_TOKEN_TIMEOUT: ErrorCategory.TRANSIENT,
    ErrorCode.INTER_TOKEN_TIMEOUT: ErrorCategory.TRANSIENT,
    ErrorCode.STREAM_ABORTED: ErrorCategory.FATAL,
    ErrorCode.NETWORK_ERROR: ErrorCategory.NETWORK,
    ErrorCode.STREAM_TRUNCATED: ErrorCategory.NETWORK,
    # Configuration mistakes: retrying cannot fix them.
    ErrorCode.INVALID_STREAM: ErrorCategory.INTERNAL,
    ErrorCode.ADAPTER_NOT_FOUND: ErrorCategory.INTERNAL,
    ErrorCode.FEATURE_NOT_ENABLED: ErrorCategory.INTERNAL,
}

_RATE_LIMIT = re.compile(r"(?<![a-z0-9])rate[ _-]?limit|(?<![a-z0-9])too many requests(?![a-z0-9])")


def http_status(error: BaseException) -> int | None:
    """HTTP status of an exception (``status_code``, ``status`` or ``response.status_code``), if an int."""
    for holder in (error, getattr(error, "response", None)):
        if holder is None:
            continue
        for attr in ("status_code", "status"):
            try:
                value = getattr(holder, attr, None)
            except Exception:  # properties of half-built SDK errors may raise
                value = None
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def _message(error: BaseException) -> str:
    try:
        return str(error).lower()
    except Exception:
        return ""


def categorize_error(error: BaseException) -> ErrorCategory:
    """The category that drives the retry decision; the first matching rule wins.

    0. an exception marked ``l0_retryable = False`` (configuration mistakes
    such as an unknown adapter) -> INTERNAL; 1. ``l0.Error`` codes; 2. ``l0.TimeoutError`` -> TRANSIENT; 3. an HTTP
    status (429/408/5xx -> TRANSIENT, 401/403 -> FATAL, any other status skips
    the network checks: an HTTP response is not a transport failure);
    4. network classification (SSL -> FATAL, else NETWORK); 5. "rate limit"
    or "too many requests" in the message -> TRANSIENT; 6. MODEL.
    """
    if getattr(error, "l0_retryable", None) is False:
        return ErrorCategory.INTERNAL
    if isinstance(error, Error):
        category = _CODE_OVERRIDES.get(error.code)  # type: ignore[call-overload]
        if category is not None:
            return category
    if is_l0_timeout(error):
        return ErrorCategory.TRANSIENT
    status = http_status(error)
    if status is not None:
        if status in (429, 408) or 500 <= status <= 599:
            return ErrorCategory.TRANSIENT
        if status in (401, 403):
            return ErrorCategory.FATAL
    else:
        kind = classify(error)
        if kind is not None:
            return ErrorCategory.FATAL if kind is NetworkErrorType.SSL_ERROR else ErrorCategory.NETWORK
    if _RATE_LIMIT.search(_message(error)):
        return ErrorCategory.TRANSIENT
    return ErrorCategory.MODEL


_categorize_error = categorize_error


def is_retryable(error: BaseException) -> bool:
    """True unless the error is FATAL or INTERNAL."""
    return categorize_error(error) not in (ErrorCategory.FATAL, ErrorCategory.INTERNAL)


_is_retryable = is_retryable


def is_error(error: object) -> bool:
    """True for an ``l0.Error``."""
    return isinstance(error, Error)


is_l0_error = is_error


def error_code_value(error: BaseException) -> str | None:
    """The ``errorCode`` of an ERROR event: ``l0.Error`` code value, else a str/int ``.code``, else None.

    Never raises, whatever ``.code`` holds (the reference crashed on str codes).
    """
    code: Any = getattr(error, "code", None)
    if code is None or isinstance(code, bool):
        return None
    value = getattr(code, "value", code)
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return None


def get_failure_type(error: BaseException) -> FailureType:
    """The ``failureType`` of an ERROR event."""
    if isinstance(error, Error):
        code = error.code
        if code in (ErrorCode.INITIAL_TOKEN_TIMEOUT, ErrorCode.INTER_TOKEN_TIMEOUT):
            return FailureType.TIMEOUT
        if code is ErrorCode.ZERO_OUTPUT:
            return FailureType.ZERO_OUTPUT
        if code in (ErrorCode.NETWORK_ERROR, ErrorCode.STREAM_TRUNCATED):
            return FailureType.NETWORK
        if code is ErrorCode.STREAM_ABORTED:
            return FailureType.ABORT
    if is_l0_timeout(error):
        return FailureType.TIMEOUT
    if classify(error) is not None:
        return FailureType.NETWORK
    return FailureType.UNKNOWN


def get_recovery_strategy(will_retry: bool, will_fallback: bool) -> RecoveryStrategy:
    """RETRY if retrying, else FALLBACK if a fallback follows, else HALT."""
    if will_retry:
        return RecoveryStrategy.RETRY
    if will_fallback:
        return RecoveryStrategy.FALLBACK
    return RecoveryStrategy.HALT


__all__ = [
    "categorize_error", "_categorize_error", "is_retryable", "is_error", "is_l0_error", "http_status",
    "error_code_value", "get_failure_type", "get_recovery_strategy", "get_error_category",
]
