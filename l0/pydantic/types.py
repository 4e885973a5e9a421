"""Models mirroring ``l0.types``, plus the per-run telemetry shape (``Telemetry*Model``)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import Field

from ._base import ErrorStr, L0Model, register_enum
from .guardrails import GuardrailViolationModel

__all__ = [
    "EventTypeModel", "ContentTypeModel", "ErrorCategoryModel", "BackoffStrategyModel",
    "RetryableErrorTypeModel", "DataPayloadModel", "ProgressModel", "EventModel",
    "ErrorTypeDelaysModel", "RetryModel", "TimeoutModel", "CheckIntervalsModel", "StateModel",
    "TelemetryModel", "TelemetryMetricsModel", "TelemetryNetworkModel", "TelemetryGuardrailsModel",
    "TelemetryDriftModel", "TelemetryContinuationModel",
]


@register_enum("l0.types:EventType")
class EventTypeModel(str, Enum):
    TOKEN = "token"
    MESSAGE = "message"
    DATA = "data"
    PROGRESS = "progress"
    TOOL_CALL = "tool_call"
    ERROR = "error"
    COMPLETE = "complete"
    RESET = "reset"


@register_enum("l0.types:ContentType")
class ContentTypeModel(str, Enum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    FILE = "file"
    JSON = "json"
    BINARY = "binary"


@register_enum("l0.types:ErrorCategory")
class ErrorCategoryModel(str, Enum):
    NETWORK = "network"
    TRANSIENT = "transient"
    MODEL = "model"
    CONTENT = "content"
    PROVIDER = "provider"
    FATAL = "fatal"
    INTERNAL = "internal"


@register_enum("l0.types:BackoffStrategy")
class BackoffStrategyModel(str, Enum):
    EXPONENTIAL = "exponential"
    LINEAR = "linear"
    FIXED = "fixed"
    FULL_JITTER = "full-jitter"
    FIXED_JITTER = "fixed-jitter"


@register_enum("l0.types:RetryableErrorType")
class RetryableErrorTypeModel(str, Enum):
    ZERO_OUTPUT = "zero_output"
    GUARDRAIL_VIOLATION = "guardrail_violation"
    DRIFT = "drift"
    INCOMPLETE = "incomplete"
    NETWORK_ERROR = "network_error"
    TIMEOUT = "timeout"
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    TRUNCATED = "truncated"


class DataPayloadModel(L0Model):
    """Multimodal payload; ``json`` is the alias of ``json_data`` (``json`` shadows a BaseModel method)."""

    __l0__ = "l0.types:DataPayload"

    content_type: ContentTypeModel
    mime_type: str | None = None
    base64: str | None = None
    url: str | None = None
    data: bytes | None = None
    json_data: Any = Field(default=None, alias="json")
    metadata: dict[str, Any] | None = None


class ProgressModel(L0Model):
    __l0__ = "l0.types:Progress"

    percent: float | None = None
    step: int | None = None
    total_steps: int | None = None
    message: str | None = None
    eta: float | None = None


class EventModel(L0Model):
    """A stream event; ``error`` is the exception's message."""

    __l0__ = "l0.types:Event"
    __l0_errors__ = frozenset({"error"})

    type: EventTypeModel
    text: str | None = None
    data: dict[str, Any] | None = None
    payload: DataPayloadModel | None = None
    progress: ProgressModel | None = None
    error: ErrorStr | None = None
    usage: dict[str, int] | None = None
    timestamp: float | None = None
    finish_reason: str | None = None
    metadata: dict[str, Any] | None = None


class ErrorTypeDelaysModel(L0Model):
    """Per-network-error retry delays in seconds. The defaults are the concrete
    values the retry manager uses; the dataclass leaves them None (= use these)."""

    __l0__ = "l0.types:ErrorTypeDelays"
    __l0_defaults__ = frozenset({
        "connection_dropped", "fetch_error", "econnreset", "econnrefused", "sse_aborted",
        "no_bytes", "partial_chunks", "runtime_killed", "background_throttle", "dns_error",
        "ssl_error", "timeout", "unknown",
    })

    connection_dropped: float | None = 1.0
    fetch_error: float | None = 0.5
    econnreset: float | None = 1.0
    econnrefused: float | None = 2.0
    sse_aborted: float | None = 0.5
    no_bytes: float | None = 0.5
    partial_chunks: float | None = 0.5
    runtime_killed: float | None = 2.0
    background_throttle: float | None = 5.0
    dns_error: float | None = 3.0
    ssl_error: float | None = 0.0
    timeout: float | None = 1.0
    unknown: float | None = 1.0


class RetryModel(L0Model):
    """Retry configuration (delays in seconds). Defaults are the effective ones
    (``RetryDefaults``); the dataclass leaves them None. No callables."""

    __l0__ = "l0.types:Retry"
    __l0_omitted__ = frozenset({"should_retry", "calculate_delay"})
    __l0_defaults__ = frozenset({"attempts", "max_retries", "base_delay", "max_delay", "strategy"})

    attempts: int | None = 3
    max_retries: int | None = 6
    base_delay: float | None = 1.0
    max_delay: float | None = 10.0
    strategy: BackoffStrategyModel | None = BackoffStrategyModel.FIXED_JITTER
    error_type_delays: ErrorTypeDelaysModel | None = None
    retry_on: list[RetryableErrorTypeModel] | None = None
    honor_retry_after: bool = True
    max_retry_after: float = 300.0


class TimeoutModel(L0Model):
    """Timeouts in milliseconds."""

    __l0__ = "l0.types:Timeout"

    initial_token: int | None = 5000
    inter_token: int | None = 10000


class CheckIntervalsModel(L0Model):
    __l0__ = "l0.types:CheckIntervals"

    guardrails: int = 15
    drift: int = 25
    checkpoint: int = 20


class StateModel(L0Model):
    """The runtime state (public fields only)."""

    __l0__ = "l0.types:State"

    content: str = ""
    checkpoint: str = ""
    token_count: int = 0
    model_retry_count: int = 0
    network_retry_count: int = 0
    fallback_index: int = 0
    violations: list[GuardrailViolationModel] = Field(default_factory=list)
    drift_detected: bool = False
    completed: bool = False
    aborted: bool = False
    first_token_at: float | None = None
    last_token_at: float | None = None
    duration: float | None = None
    resumed: bool = False
    network_errors: list[Any] = Field(default_factory=list)
    data_outputs: list[DataPayloadModel] = Field(default_factory=list)
    last_progress: ProgressModel | None = None
    resume_point: str | None = None
    resume_from: int | None = None
    continuation_used: bool = False
    deduplication_applied: bool = False
    overlap_removed: str | None = None
    truncated: bool = False
    finish_reason: str | None = None


# Per-run telemetry (the TypeScript sibling's L0Telemetry shape). ``TelemetryModel.from_l0``
# reads l0's flat per-run record (``l0.monitoring.RunTelemetry``: times in seconds).


class TelemetryMetricsModel(L0Model):
    time_to_first_token: float | None = None
    avg_inter_token_time: float | None = None
    tokens_per_second: float | None = None
    total_tokens: int = 0
    total_retries: int = 0
    network_retry_count: int = 0
    model_retry_count: int = 0


class TelemetryNetworkModel(L0Model):
    error_count: int = 0
    errors_by_type: dict[str, int] = Field(default_factory=dict)
    errors: list[dict[str, Any]] | None = None


class TelemetryGuardrailsModel(L0Model):
    violation_count: int = 0
    violations_by_rule: dict[str, int] = Field(default_factory=dict)
    violations_by_rule_and_severity: dict[str, dict[str, int]] = Field(default_factory=dict)
    violations_by_severity: dict[str, int] = Field(default_factory=dict)


class TelemetryDriftModel(L0Model):
    detected: bool = False
    types: list[str] = Field(default_factory=list)


class TelemetryContinuationModel(L0Model):
    enabled: bool = False
    used: bool = False
    checkpoint_content: str | None = None
    checkpoint_length: int | None = None
    continuation_count: int | None = None


class TelemetryModel(L0Model):
    """Per-run telemetry. ``from_l0`` also accepts ``stream.telemetry`` (a
    ``RunTelemetry``; times in seconds), regrouping its flat fields."""

    session_id: str
    start_time: float
    end_time: float | None = None
    duration: float | None = None
    metrics: TelemetryMetricsModel
    network: TelemetryNetworkModel
    guardrails: TelemetryGuardrailsModel | None = None
    drift: TelemetryDriftModel | None = None
    continuation: TelemetryContinuationModel | None = None
    metadata: dict[str, Any] | None = None

    @classmethod
    def from_l0(cls, obj: Any) -> Any:
        if isinstance(obj, cls) or not (hasattr(obj, "stream_id") and hasattr(obj, "started_at")):
            return super().from_l0(obj)
        by_rule_and_severity: dict[str, dict[str, int]] = {}
        for (rule, severity), count in (getattr(obj, "violation_kinds", None) or {}).items():
            by_rule_and_severity.setdefault(rule, {})[severity] = count
        continuations = getattr(obj, "continuations", 0)
        return cls(
            session_id=obj.stream_id,
            start_time=obj.started_at,
            end_time=obj.ended_at,
            duration=obj.duration,
            metrics=TelemetryMetricsModel(
                time_to_first_token=obj.time_to_first_token, avg_inter_token_time=obj.avg_inter_token_time,
                tokens_per_second=obj.tokens_per_second, total_tokens=obj.token_count,
                total_retries=obj.total_retries, network_retry_count=obj.network_retries,
                model_retry_count=obj.model_retries),
            network=TelemetryNetworkModel(error_count=obj.network_errors,
                                          errors_by_type=dict(obj.network_errors_by_type)),
            guardrails=TelemetryGuardrailsModel(
                violation_count=obj.violations, violations_by_rule=dict(obj.violations_by_rule),
                violations_by_rule_and_severity=by_rule_and_severity,
                violations_by_severity=dict(obj.violations_by_severity)),
            drift=TelemetryDriftModel(detected=obj.drift_detected, types=list(obj.drift_types)),
            continuation=TelemetryContinuationModel(
                enabled=bool(continuations or obj.continuation_used), used=obj.continuation_used,
                continuation_count=continuations),
            metadata=dict(obj.metadata) if obj.metadata else None,
        )
