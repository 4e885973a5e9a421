"""``l0.Error``, its codes and context, and the small enums used in ERROR events."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from l0._safe import safe_str
from l0.types import ErrorCategory


class ErrorCode(str, Enum):
    """Codes of :class:`Error` (value equals name).

    ``STREAM_TRUNCATED`` is an addition: the stream ended without a terminal
    signal or with ``finish_reason="length"``. It is a NETWORK-category error,
    retried like a dropped connection.
    """

    STREAM_ABORTED = "STREAM_ABORTED"
    INITIAL_TOKEN_TIMEOUT = "INITIAL_TOKEN_TIMEOUT"
    INTER_TOKEN_TIMEOUT = "INTER_TOKEN_TIMEOUT"
    ZERO_OUTPUT = "ZERO_OUTPUT"
    GUARDRAIL_VIOLATION = "GUARDRAIL_VIOLATION"
    FATAL_GUARDRAIL_VIOLATION = "FATAL_GUARDRAIL_VIOLATION"
    DRIFT_DETECTED = "DRIFT_DETECTED"
    INVALID_STREAM = "INVALID_STREAM"
    ADAPTER_NOT_FOUND = "ADAPTER_NOT_FOUND"
    FEATURE_NOT_ENABLED = "FEATURE_NOT_ENABLED"
    ALL_STREAMS_EXHAUSTED = "ALL_STREAMS_EXHAUSTED"
    NETWORK_ERROR = "NETWORK_ERROR"
    STREAM_TRUNCATED = "STREAM_TRUNCATED"


_CODE_CATEGORY: dict[ErrorCode, ErrorCategory] = {
    ErrorCode.STREAM_ABORTED: ErrorCategory.PROVIDER,
    ErrorCode.INITIAL_TOKEN_TIMEOUT: ErrorCategory.TRANSIENT,
    ErrorCode.INTER_TOKEN_TIMEOUT: ErrorCategory.TRANSIENT,
    ErrorCode.ZERO_OUTPUT: ErrorCategory.CONTENT,
    ErrorCode.GUARDRAIL_VIOLATION: ErrorCategory.CONTENT,
    ErrorCode.FATAL_GUARDRAIL_VIOLATION: ErrorCategory.CONTENT,
    ErrorCode.DRIFT_DETECTED: ErrorCategory.CONTENT,
    ErrorCode.INVALID_STREAM: ErrorCategory.INTERNAL,
    ErrorCode.ADAPTER_NOT_FOUND: ErrorCategory.INTERNAL,
    ErrorCode.FEATURE_NOT_ENABLED: ErrorCategory.INTERNAL,
    ErrorCode.ALL_STREAMS_EXHAUSTED: ErrorCategory.PROVIDER,
    ErrorCode.NETWORK_ERROR: ErrorCategory.NETWORK,
    ErrorCode.STREAM_TRUNCATED: ErrorCategory.NETWORK,
}


def get_error_category(code: ErrorCode | str) -> ErrorCategory:
    """The category a code belongs to (:attr:`Error.category`); unknown codes give MODEL."""
    try:
        return _CODE_CATEGORY[ErrorCode(code)]
    except (ValueError, KeyError):
        return ErrorCategory.MODEL


@dataclass
class ErrorContext:
    """What was known when an :class:`Error` was raised."""

    code: ErrorCode
    checkpoint: str | None = None
    token_count: int | None = None
    content_length: int | None = None
    model_retry_count: int | None = None
    network_retry_count: int | None = None
    fallback_index: int | None = None
    metadata: dict[str, Any] | None = None
    context: dict[str, Any] | None = None


class Error(Exception):
    """The exception ``l0`` raises itself (guardrail violations, truncation, ...).

    ``Error(message, ErrorContext(code=...))`` as in the reference; as a
    convenience the second argument may be a bare :class:`ErrorCode`, or the
    code may be given as ``code=``.
    """

    def __init__(
        self,
        message: str,
        context: ErrorContext | ErrorCode | str | None = None,
        *,
        code: ErrorCode | str | None = None,
    ) -> None:
        if context is None:
            if code is None:
                raise TypeError("Error() needs a context (ErrorContext(code=...)) or code=ErrorCode.X")
            context = ErrorContext(code=ErrorCode(code))
        elif not isinstance(context, ErrorContext):
            if isinstance(context, str):
                context = ErrorContext(code=ErrorCode(context))
            else:
                raise TypeError(f"Error context must be an ErrorContext or an ErrorCode, got {type(context).__name__}")
        super().__init__(message)
        self.message = message
        self.context = context
        self.code = context.code
        self.timestamp = time.time()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.context), {"timestamp": self.timestamp})

    @property
    def category(self) -> ErrorCategory:
        return get_error_category(self.code)

    @property
    def has_checkpoint(self) -> bool:
        return bool(self.context.checkpoint)

    @property
    def is_recoverable(self) -> bool:
        """Deprecated alias of :attr:`has_checkpoint`."""
        return self.has_checkpoint

    def get_checkpoint(self) -> str | None:
        return self.context.checkpoint

    def to_detailed_string(self) -> str:
        ctx = self.context
        parts = [self.message]
        if ctx.token_count:
            parts.append(f"Tokens: {ctx.token_count}")
        if ctx.model_retry_count:
            parts.append(f"Retries: {ctx.model_retry_count}")
        if ctx.fallback_index is not None and ctx.fallback_index > 0:
            parts.append(f"Fallback: {ctx.fallback_index}")
        if ctx.checkpoint:
            parts.append(f"Checkpoint: {len(ctx.checkpoint)} chars")
        return " | ".join(parts)

    def to_json(self) -> dict[str, Any]:
        ctx = self.context
        return {
            "name": "Error",
            "code": _code_str(self.code),
            "category": self.category.value,
            "message": self.message,
            "timestamp": self.timestamp,
            "hasCheckpoint": self.has_checkpoint,
            "checkpoint": ctx.checkpoint,
            "tokenCount": ctx.token_count,
            "modelRetryCount": ctx.model_retry_count,
            "networkRetryCount": ctx.network_retry_count,
            "fallbackIndex": ctx.fallback_index,
            "metadata": ctx.metadata,
            "context": ctx.context,
        }

    def __repr__(self) -> str:
        return f"Error(code={_code_str(self.code)!r}, message={self.message!r})"

    @staticmethod
    def categorize(error: BaseException) -> ErrorCategory:
        from ._categorize import categorize_error

        return categorize_error(error)

    @staticmethod
    def is_retryable(error: BaseException) -> bool:
        from ._categorize import is_retryable

        return is_retryable(error)

    @staticmethod
    def is_error(error: object) -> bool:
        return isinstance(error, Error)

    is_l0_error = is_error

    @staticmethod
    def get_category(code: ErrorCode | str) -> ErrorCategory:
        return get_error_category(code)


def _code_str(code: Any) -> str | None:
    if code is None:
        return None
    value = getattr(code, "value", code)
    return value if isinstance(value, str) else safe_str(value)


class FailureType(str, Enum):
    """What kind of failure an ERROR event reports."""

    NETWORK = "network"
    MODEL = "model"
    TOOL = "tool"
    TIMEOUT = "timeout"
    ABORT = "abort"
    ZERO_OUTPUT = "zero_output"
    UNKNOWN = "unknown"


class RecoveryStrategy(str, Enum):
    """What the runtime does after an error."""

    RETRY = "retry"
    FALLBACK = "fallback"
    CONTINUE = "continue"
    HALT = "halt"


@dataclass
class RecoveryPolicy:
    """The recovery options in effect when an error happened."""

    retry_enabled: bool = True
    fallback_enabled: bool = False
    max_retries: int = 3
    max_fallbacks: int = 0
    attempt: int = 1
    fallback_index: int | None = None
