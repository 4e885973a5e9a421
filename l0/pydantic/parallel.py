"""Models mirroring ``l0.parallel`` (durations in seconds; errors as messages; no callbacks)."""

from __future__ import annotations

from typing import Any

from ._base import ErrorStr, L0Model

__all__ = ["AggregatedTelemetryModel", "RaceResultModel", "ParallelResultModel", "ParallelOptionsModel"]


class AggregatedTelemetryModel(L0Model):
    __l0__ = "l0.parallel:AggregatedTelemetry"

    total_tokens: int = 0
    total_duration: float = 0.0
    total_retries: int = 0
    total_network_errors: int = 0
    total_violations: int = 0
    avg_tokens_per_second: float = 0.0
    avg_time_to_first_token: float = 0.0
    stream_count: int = 0


class RaceResultModel(L0Model):
    __l0__ = "l0.parallel:RaceResult"

    value: Any
    winner_index: int
    aggregated_telemetry: AggregatedTelemetryModel | None = None


class ParallelResultModel(L0Model):
    __l0__ = "l0.parallel:ParallelResult"
    __l0_errors__ = frozenset({"errors"})

    results: list[Any | None]
    errors: list[ErrorStr | None]
    success_count: int = 0
    failure_count: int = 0
    duration: float = 0.0
    aggregated_telemetry: AggregatedTelemetryModel | None = None
    skipped_count: int = 0


class ParallelOptionsModel(L0Model):
    __l0__ = "l0.parallel:ParallelOptions"
    __l0_omitted__ = frozenset({"on_progress", "on_complete", "on_error"})

    concurrency: int = 5
    fail_fast: bool = False
