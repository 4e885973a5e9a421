"""The per-stream telemetry model (Pydantic): timing, retries, guardrails, error and derived metrics."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ErrorCategory", "TimingInfo", "RetryInfo", "GuardrailInfo", "ErrorInfo", "Metrics", "Telemetry"]


class ErrorCategory(str, Enum):
    """How an error was classified (values match ``l0.ErrorCategory``)."""

    NETWORK = "network"
    TRANSIENT = "transient"
    MODEL = "model"
    CONTENT = "content"
    PROVIDER = "provider"
    FATAL = "fatal"
    INTERNAL = "internal"


class TimingInfo(BaseModel):
    """Wall-clock timing of one stream; durations in seconds."""

    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration: float | None = None
    time_to_first_token: float | None = None
    inter_token_latencies: list[float] = Field(default_factory=list)


class RetryInfo(BaseModel):
    attempt: int = 1
    max_attempts: int = 1
    model_retries: int = 0
    network_retries: int = 0
    total_retries: int = 0
    last_error: str | None = None
    last_error_category: ErrorCategory | None = None


class GuardrailInfo(BaseModel):
    rules_checked: int = 0
    violations: list[dict[str, Any]] = Field(default_factory=list)
    passed: bool = True


class ErrorInfo(BaseModel):
    occurred: bool = False
    message: str | None = None
    category: ErrorCategory | None = None
    code: str | None = None
    stack: str | None = None
    recoverable: bool = False


class Metrics(BaseModel):
    """Derived per-stream metrics (not ``l0.Metrics``, the runtime counters)."""

    token_count: int = 0
    tokens_per_second: float | None = None
    time_to_first_token: float | None = None
    avg_inter_token_latency: float | None = None
    p50_inter_token_latency: float | None = None
    p90_inter_token_latency: float | None = None
    p99_inter_token_latency: float | None = None

    @classmethod
    def calculate(cls, token_count: int, duration: float | None, time_to_first_token: float | None,
                  inter_token_latencies: list[float]) -> Metrics:
        tps = token_count / duration if token_count > 0 and duration and duration > 0 else None
        lat = sorted(inter_token_latencies)
        n = len(lat)
        return cls(
            token_count=token_count,
            tokens_per_second=tps,
            time_to_first_token=time_to_first_token,
            avg_inter_token_latency=sum(lat) / n if n else None,
            p50_inter_token_latency=lat[int(n * 0.5)] if n else None,
            p90_inter_token_latency=lat[int(n * 0.9)] if n >= 10 else None,
            p99_inter_token_latency=lat[int(n * 0.99)] if n >= 100 else None,
        )


class Telemetry(BaseModel):
    """Everything the :class:`~l0.monitoring.Monitor` collected about one stream."""

    stream_id: str
    session_id: str | None = None
    model: str | None = None
    timing: TimingInfo = Field(default_factory=TimingInfo)
    retries: RetryInfo = Field(default_factory=RetryInfo)
    guardrails: GuardrailInfo = Field(default_factory=GuardrailInfo)
    error: ErrorInfo = Field(default_factory=ErrorInfo)
    metrics: Metrics = Field(default_factory=Metrics)
    metadata: dict[str, Any] = Field(default_factory=dict)
    content_length: int = 0
    completed: bool = False
    aborted: bool = False

    def finalize(self) -> None:
        """Recompute :attr:`metrics` from the timing and token count."""
        self.metrics = Metrics.calculate(self.metrics.token_count, self.timing.duration,
                                         self.timing.time_to_first_token, self.timing.inter_token_latencies)
