"""Models mirroring ``l0.events``: the event type enum, the generic event, and
typed models of the main events' payloads (``meta`` keys in snake_case)."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from ._base import ErrorStr, L0Model, register_enum

__all__ = [
    "ObservabilityEventTypeModel", "ObservabilityEventModel", "SessionStartEventModel",
    "SessionEndEventModel", "RetryAttemptEventModel", "CompleteEventModel", "ErrorEventModel",
]


@register_enum("l0.events:ObservabilityEventType")
class ObservabilityEventTypeModel(str, Enum):
    """Every ``ObservabilityEventType`` value, plus DRIFT_CHECK_START/END (reference models' values)."""

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
    DRIFT_CHECK_START = "DRIFT_CHECK_START"
    DRIFT_CHECK_RESULT = "DRIFT_CHECK_RESULT"
    DRIFT_CHECK_END = "DRIFT_CHECK_END"
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


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(key: str) -> str:
    """``isRetry`` -> ``is_retry`` (snake_case keys are returned unchanged)."""
    return _CAMEL.sub("_", key).lower()


class ObservabilityEventModel(L0Model):
    """Any observability event. ``ts`` (epoch ms) also accepts the name ``timestamp``.

    The convenience fields (``attempt``, ``is_retry``, …) are filled from ``meta``
    when not given, reading the runtime's camelCase keys as well as snake_case ones.
    Unknown top-level keys are kept (``extra="allow"``).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    __l0__ = "l0.events:ObservabilityEvent"
    # Required in the dataclass; ``{}`` here, as the reference documents (the reference model uses meta=None).
    __l0_defaults__ = frozenset({"context", "meta"})
    _FROM_META: ClassVar[tuple[str, ...]] = (
        "attempt", "is_retry", "is_fallback", "duration_ms", "success", "token_count", "error", "reason",
    )

    type: ObservabilityEventTypeModel
    ts: float = Field(alias="timestamp")
    stream_id: str
    context: dict[str, Any] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict)
    attempt: int | None = None
    is_retry: bool | None = None
    is_fallback: bool | None = None
    duration_ms: float | None = None
    success: bool | None = None
    token_count: int | None = None
    error: ErrorStr | None = None
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _lift_meta(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, **{k: {} for k in ("meta", "context") if k in data and data[k] is None}}
            meta = data.get("meta")
            if isinstance(meta, dict) and meta:
                lifted = {snake_case(k): v for k, v in meta.items()}
                data = dict(data)
                for name in cls._FROM_META:
                    if data.get(name) is None and lifted.get(name) is not None:
                        data[name] = lifted[name]
        return data

    @classmethod
    def from_l0(cls, obj: Any) -> Any:
        if isinstance(obj, cls):
            return obj
        if hasattr(obj, "meta") and hasattr(obj, "stream_id"):
            obj = {"type": obj.type, "ts": obj.ts, "stream_id": obj.stream_id,
                   "context": dict(obj.context or {}), "meta": dict(obj.meta or {})}
        return super().from_l0(obj)


class _TypedEventModel(L0Model):
    """Common envelope of the typed event models; ``from_l0`` flattens ``meta``
    into fields (camelCase keys converted), dropping keys the model does not name."""

    ts: float = Field(alias="timestamp")
    stream_id: str
    context: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_l0(cls, obj: Any) -> Any:
        if isinstance(obj, cls):
            return obj
        if hasattr(obj, "meta") and hasattr(obj, "stream_id"):
            data: dict[str, Any] = {"type": obj.type, "ts": obj.ts, "stream_id": obj.stream_id,
                                    "context": dict(obj.context or {})}
            for key, value in (obj.meta or {}).items():
                name = snake_case(key)
                if name in cls.model_fields and name not in data:
                    data[name] = value
            return cls.model_validate(data)
        return super().from_l0(obj)


class SessionStartEventModel(_TypedEventModel):
    type: Literal[ObservabilityEventTypeModel.SESSION_START] = ObservabilityEventTypeModel.SESSION_START
    attempt: int
    is_retry: bool
    is_fallback: bool


class SessionEndEventModel(_TypedEventModel):
    """``duration_ms``/``token_count`` are optional: l0's runtime sends success, aborted, totalAttempts."""

    type: Literal[ObservabilityEventTypeModel.SESSION_END] = ObservabilityEventTypeModel.SESSION_END
    duration_ms: float | None = None
    success: bool
    token_count: int | None = None
    aborted: bool | None = None
    total_attempts: int | None = None


class RetryAttemptEventModel(_TypedEventModel):
    """``max_attempts``/``delay_ms`` are optional: l0's runtime sends attempt, reason, isNetwork."""

    type: Literal[ObservabilityEventTypeModel.RETRY_ATTEMPT] = ObservabilityEventTypeModel.RETRY_ATTEMPT
    index: int | None = None
    attempt: int
    max_attempts: int | None = None
    reason: str
    delay_ms: float | None = None
    counts_toward_limit: bool | None = None
    is_network: bool | None = None
    is_model_issue: bool | None = None


class CompleteEventModel(_TypedEventModel):
    """``duration_ms`` is optional: l0's runtime sends tokenCount and contentLength."""

    type: Literal[ObservabilityEventTypeModel.COMPLETE] = ObservabilityEventTypeModel.COMPLETE
    token_count: int
    content_length: int
    duration_ms: float | None = None
    state: dict[str, Any] | None = None


class ErrorEventModel(_TypedEventModel):
    type: Literal[ObservabilityEventTypeModel.ERROR] = ObservabilityEventTypeModel.ERROR
    error: ErrorStr
    error_code: str | None = None
    failure_type: str
    recovery_strategy: str
    policy: dict[str, Any]
