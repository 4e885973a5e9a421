"""Re-exports of the continuation names (the reference's ``l0.api.continuation`` path)."""

from __future__ import annotations

from l0.continuation import Continuation, ContinuationConfig, DeduplicationOptions, OverlapResult

__all__ = [
    "Continuation", "ContinuationConfig", "DeduplicationOptions", "OverlapResult",
]
