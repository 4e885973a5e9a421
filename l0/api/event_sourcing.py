"""Re-exports of the event sourcing names (the reference's ``l0.api.event_sourcing`` path)."""

from __future__ import annotations

from l0.event_sourcing import (
    EventEnvelope, EventRecorder, EventReplayer, EventSourcing, EventStore,
    EventStoreWithSnapshots, InMemoryEventStore, RecordedEvent, RecordedEventType, ReplayCallbacks,
    ReplayComparison, ReplayedState, ReplayResult, SerializedError, Snapshot, StreamMetadata,
)

__all__ = [
    "EventEnvelope", "EventRecorder", "EventReplayer", "EventSourcing", "EventStore",
    "EventStoreWithSnapshots", "InMemoryEventStore", "RecordedEvent", "RecordedEventType",
    "ReplayCallbacks", "ReplayComparison", "ReplayedState", "ReplayResult", "SerializedError",
    "Snapshot", "StreamMetadata",
]
