"""Runtime counters (``l0.metrics``): ``Metrics``, ``MetricsSnapshot`` and a global instance.

Standalone, as in the reference: the runtime does not increment them; count
what you need (e.g. from ``on_event``). Not to be confused with
``l0.monitoring``'s per-stream telemetry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = ["Metrics", "MetricsSnapshot", "create_metrics", "get_global_metrics", "reset_global_metrics"]

_FIELDS = ("requests", "tokens", "retries", "network_retry_count", "errors", "violations",
           "drift_detections", "fallbacks", "completions", "timeouts")


@dataclass(frozen=True)
class MetricsSnapshot:
    """The counters at one moment (all ints)."""

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


class Metrics:
    """Ten integer counters, all starting at 0; assign or ``+=`` them freely."""

    __slots__ = _FIELDS
    _global: ClassVar[Metrics | None] = None

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

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Set every counter back to 0."""
        for name in _FIELDS:
            setattr(self, name, 0)

    def snapshot(self) -> MetricsSnapshot:
        """An immutable copy of the counters."""
        return MetricsSnapshot(*(getattr(self, name) for name in _FIELDS))

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _FIELDS}

    def __repr__(self) -> str:
        return (f"Metrics(requests={self.requests}, tokens={self.tokens}, retries={self.retries}, "
                f"errors={self.errors}, completions={self.completions})")

    @classmethod
    def create(cls) -> Metrics:
        return cls()

    @classmethod
    def get_global(cls) -> Metrics:
        """The process-wide instance (created on first use)."""
        if Metrics._global is None:
            Metrics._global = Metrics()
        return Metrics._global

    @classmethod
    def reset_global(cls) -> None:
        """Reset the process-wide instance's counters (the same object stays global)."""
        cls.get_global().reset()


def create_metrics() -> Metrics:
    return Metrics.create()


def get_global_metrics() -> Metrics:
    return Metrics.get_global()


def reset_global_metrics() -> None:
    Metrics.reset_global()


