"""Re-exports of the parallel names (the reference's ``l0.api.parallel`` path)."""

from __future__ import annotations

from l0.parallel import (
    AggregatedTelemetry, Parallel, ParallelOptions, ParallelResult, RaceResult, batched, parallel,
    race, sequential,
)

__all__ = [
    "AggregatedTelemetry", "Parallel", "ParallelOptions", "ParallelResult", "RaceResult",
    "batched", "parallel", "race", "sequential",
]
