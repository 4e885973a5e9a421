"""Model mirroring ``l0.metrics``."""

from __future__ import annotations

from ._base import L0Model

__all__ = ["MetricsSnapshotModel"]


class MetricsSnapshotModel(L0Model):
    __l0__ = "l0.metrics:MetricsSnapshot"

    requests: int
    tokens: int
    retries: int
    network_retry_count: int
    errors: int
    violations: int
    drift_detections: int
    fallbacks: int
    completions: int
    timeouts: int
