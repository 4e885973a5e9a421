"""Monitoring configuration (Pydantic) and its presets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["SamplingConfig", "MetricsConfig", "MonitoringConfig"]


class SamplingConfig(BaseModel):
    """Which streams the :class:`~l0.monitoring.Monitor` keeps; ``slow_threshold`` in seconds."""

    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    min_duration: float = 0.0
    sample_errors: bool = True
    sample_slow: bool = True
    slow_threshold: float = 5.0


class MetricsConfig(BaseModel):
    collect_tokens: bool = True
    collect_timing: bool = True
    collect_retries: bool = True
    collect_guardrails: bool = True
    collect_errors: bool = True
    inter_token_latency: bool = False
    percentiles: list[float] = Field(default_factory=lambda: [0.5, 0.9, 0.95, 0.99])


class MonitoringConfig(BaseModel):
    enabled: bool = True
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    buffer_size: int = Field(default=100, ge=1)
    flush_interval: float = 0.0
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @classmethod
    def default(cls) -> MonitoringConfig:
        return cls()

    @classmethod
    def production(cls) -> MonitoringConfig:
        return cls(sampling=SamplingConfig(rate=0.1, sample_errors=True, sample_slow=True, slow_threshold=5.0),
                   metrics=MetricsConfig(inter_token_latency=False), buffer_size=1000, flush_interval=30.0)

    @classmethod
    def development(cls) -> MonitoringConfig:
        return cls(sampling=SamplingConfig(rate=1.0), metrics=MetricsConfig(inter_token_latency=True),
                   log_level="debug")

    @classmethod
    def minimal(cls) -> MonitoringConfig:
        return cls(sampling=SamplingConfig(rate=0.0, sample_errors=True, sample_slow=False),
                   metrics=MetricsConfig(collect_tokens=False, collect_timing=False, collect_retries=False,
                                         collect_guardrails=False, collect_errors=True))
