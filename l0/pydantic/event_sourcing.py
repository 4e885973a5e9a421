"""Models mirroring the legacy ``l0.event_sourcing`` (what ``from l0 import EventSourcing`` gives)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import Field

from ._base import DataDict, L0Model, register_enum

__all__ = [
    "RecordedEventTypeModel", "RecordedEventModel", "EventEnvelopeModel", "SnapshotModel",
    "EventSourcingSerializedErrorModel", "ReplayedStateModel", "StreamMetadataModel", "ReplayComparisonModel",
]


@register_enum("l0.event_sourcing:RecordedEventType")
class RecordedEventTypeModel(str, Enum):
    START = "START"
    TOKEN = "TOKEN"
    CHECKPOINT = "CHECKPOINT"
    GUARDRAIL = "GUARDRAIL"
    DRIFT = "DRIFT"
    RETRY = "RETRY"
    FALLBACK = "FALLBACK"
    CONTINUATION = "CONTINUATION"
    COMPLETE = "COMPLETE"
    ERROR = "ERROR"
    ATTEMPT = "ATTEMPT"
    CHUNK = "CHUNK"
    SOURCE_END = "SOURCE_END"


class RecordedEventModel(L0Model):
    """``ts`` in epoch ms; ``data`` is the type's payload dict."""

    __l0__ = "l0.event_sourcing:RecordedEvent"

    type: RecordedEventTypeModel
    ts: float
    data: dict[str, Any] = Field(default_factory=dict)


class EventEnvelopeModel(L0Model):
    __l0__ = "l0.event_sourcing:EventEnvelope"

    stream_id: str
    seq: int
    event: RecordedEventModel


class SnapshotModel(L0Model):
    __l0__ = "l0.event_sourcing:Snapshot"

    stream_id: str
    seq: int
    state: dict[str, Any]
    ts: float


class EventSourcingSerializedErrorModel(L0Model):
    __l0__ = "l0.event_sourcing:SerializedError"

    name: str
    message: str
    stack: str | None = None
    code: str | None = None


class ReplayedStateModel(L0Model):
    __l0__ = "l0.event_sourcing:ReplayedState"

    content: str = ""
    token_count: int = 0
    checkpoint: str = ""
    violations: list[Any] = Field(default_factory=list)
    drift_detected: bool = False
    retry_attempts: int = 0
    network_retry_count: int = 0
    fallback_index: int = 0
    completed: bool = False
    error: EventSourcingSerializedErrorModel | None = None
    start_ts: float = 0.0
    end_ts: float = 0.0


class StreamMetadataModel(L0Model):
    """``options`` is the START options as a dict (a dataclass is converted)."""

    __l0__ = "l0.event_sourcing:StreamMetadata"

    stream_id: str
    event_count: int
    token_count: int
    start_ts: float
    end_ts: float
    completed: bool
    has_error: bool
    options: DataDict | None = None


class ReplayComparisonModel(L0Model):
    __l0__ = "l0.event_sourcing:ReplayComparison"

    identical: bool
    differences: list[str] = Field(default_factory=list)
    first_difference: int | None = None
