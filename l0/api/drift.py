"""Re-exports of the drift names (the reference's ``l0.api.drift`` path)."""

from __future__ import annotations

from l0.drift import Drift, DriftConfig, DriftDetector, DriftResult

__all__ = [
    "Drift", "DriftConfig", "DriftDetector", "DriftResult",
]
