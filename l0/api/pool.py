"""Re-exports of the pool names (the reference's ``l0.api.pool`` path)."""

from __future__ import annotations

from l0.pool import OperationPool, PoolOptions, PoolStats, create_pool

__all__ = [
    "OperationPool", "PoolOptions", "PoolStats", "create_pool",
]
