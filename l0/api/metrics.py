"""Re-exports of the metrics names (the reference's ``l0.api.metrics`` path)."""

from __future__ import annotations

from l0.metrics import Metrics, MetricsSnapshot, create_metrics, get_global_metrics, reset_global_metrics

__all__ = [
    "Metrics", "MetricsSnapshot", "create_metrics", "get_global_metrics", "reset_global_metrics",
]
