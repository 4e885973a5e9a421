"""Re-exports of the events names (the reference's ``l0.api.events`` path)."""

from __future__ import annotations

from l0.events import EventBus, ObservabilityEvent, ObservabilityEventType

__all__ = [
    "EventBus", "ObservabilityEvent", "ObservabilityEventType",
]
