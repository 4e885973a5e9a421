"""Models mirroring ``l0.pool`` (``total_duration`` in seconds; no ``on_event``)."""

from __future__ import annotations

from typing import Any

from ._base import L0Model
from .parallel import AggregatedTelemetryModel
from .types import RetryModel, TimeoutModel

__all__ = ["PoolOptionsModel", "PoolStatsModel"]


class PoolOptionsModel(L0Model):
    __l0__ = "l0.pool:PoolOptions"
    __l0_omitted__ = frozenset({"on_event"})

    shared_retry: RetryModel | None = None
    shared_timeout: TimeoutModel | None = None
    shared_guardrails: list[Any] | None = None
    context: dict[str, Any] | None = None
    max_queue_size: int | None = None


class PoolStatsModel(L0Model):
    __l0__ = "l0.pool:PoolStats"

    total_executed: int = 0
    total_succeeded: int = 0
    total_failed: int = 0
    total_duration: float = 0.0
    total_cancelled: int = 0
    aggregated_telemetry: AggregatedTelemetryModel | None = None
