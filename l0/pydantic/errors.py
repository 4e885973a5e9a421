"""Models mirroring ``l0.errors`` and the JSON form of ``l0.Error`` (``SerializedErrorModel``)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import Field

from ._base import L0Model, register_enum

__all__ = [
    "ErrorCodeModel", "FailureTypeModel", "RecoveryStrategyModel", "NetworkErrorTypeModel",
    "RecoveryPolicyModel", "ErrorContextModel", "NetworkErrorAnalysisModel", "SerializedErrorModel",
]


@register_enum("l0.errors:ErrorCode")
class ErrorCodeModel(str, Enum):
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


@register_enum("l0.errors:FailureType")
class FailureTypeModel(str, Enum):
    NETWORK = "network"
    MODEL = "model"
    TOOL = "tool"
    TIMEOUT = "timeout"
    ABORT = "abort"
    ZERO_OUTPUT = "zero_output"
    UNKNOWN = "unknown"


@register_enum("l0.errors:RecoveryStrategy")
class RecoveryStrategyModel(str, Enum):
    RETRY = "retry"
    FALLBACK = "fallback"
    CONTINUE = "continue"
    HALT = "halt"


@register_enum("l0.errors:NetworkErrorType")
class NetworkErrorTypeModel(str, Enum):
    CONNECTION_DROPPED = "connection_dropped"
    FETCH_ERROR = "fetch_error"
    ECONNRESET = "econnreset"
    ECONNREFUSED = "econnrefused"
    SSE_ABORTED = "sse_aborted"
    NO_BYTES = "no_bytes"
    PARTIAL_CHUNKS = "partial_chunks"
    RUNTIME_KILLED = "runtime_killed"
    BACKGROUND_THROTTLE = "background_throttle"
    DNS_ERROR = "dns_error"
    SSL_ERROR = "ssl_error"
    TIMEOUT = "timeout"
    UNKNOWN = "unknown"


class RecoveryPolicyModel(L0Model):
    __l0__ = "l0.errors:RecoveryPolicy"

    retry_enabled: bool = True
    fallback_enabled: bool = False
    max_retries: int = 3
    max_fallbacks: int = 0
    attempt: int = 1
    fallback_index: int | None = None


class ErrorContextModel(L0Model):
    __l0__ = "l0.errors:ErrorContext"

    code: ErrorCodeModel
    checkpoint: str | None = None
    token_count: int | None = None
    content_length: int | None = None
    model_retry_count: int | None = None
    network_retry_count: int | None = None
    fallback_index: int | None = None
    metadata: dict[str, Any] | None = None
    context: dict[str, Any] | None = None


class NetworkErrorAnalysisModel(L0Model):
    __l0__ = "l0.errors:NetworkErrorAnalysis"

    type: NetworkErrorTypeModel
    retryable: bool
    counts_toward_limit: bool
    suggestion: str
    context: dict[str, Any] = Field(default_factory=dict)


class SerializedErrorModel(L0Model):
    """What ``l0.Error.to_json()`` returns (camelCase keys are the aliases).
    ``from_l0`` accepts an ``l0.Error`` or that dict."""

    name: str
    code: str
    category: str
    message: str
    timestamp: float
    has_checkpoint: bool = Field(alias="hasCheckpoint")
    checkpoint: str | None = None
    token_count: int | None = Field(default=None, alias="tokenCount")
    model_retry_count: int | None = Field(default=None, alias="modelRetryCount")
    network_retry_count: int | None = Field(default=None, alias="networkRetryCount")
    fallback_index: int | None = Field(default=None, alias="fallbackIndex")
    metadata: dict[str, Any] | None = None
    context: dict[str, Any] | None = None

    @classmethod
    def from_l0(cls, obj: Any) -> Any:
        to_json = getattr(obj, "to_json", None)
        if callable(to_json) and not isinstance(obj, cls):
            return cls.model_validate(to_json())
        return super().from_l0(obj)
