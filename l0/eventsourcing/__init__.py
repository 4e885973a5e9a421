"""Event sourcing: record every stream, replay it deterministically, reproduce failures in tests.

See ``docs/eventsourcing.md``. Stores share one protocol (:class:`EventStore`): memory, JSON-lines
files, SQLite (the embedded durable default), PostgreSQL (``l0[postgres]``), composite and TTL.
``l0.event_sourcing`` (the names ``from l0 import ...`` gives) is a facade over this package.
"""

from __future__ import annotations

from typing import Any

from .adapters import (
    StorageAdapterConfig,
    StorageAdapterFactory,
    create_event_store,
    get_registered_adapters,
    register_storage_adapter,
    unregister_storage_adapter,
)
from .fold import Folder
from .live import l0_event_from_dict, l0_event_to_dict
from .recorder import EventRecorder, RecordingError, append_many, serialize_options
from .replayer import (
    EventReplayer,
    ReplayComparison,
    ReplayResult,
    compare_events,
    compare_recordings,
    compare_replays,
    get_stream_metadata,
    replay,
)
from .rerun import ReplayDivergedError, check_replay, export_recording, load_recording, replay_run
from .sourcing import EventSourcing
from .store import (
    BaseEventStore,
    BaseEventStoreWithSnapshots,
    BatchEventStore,
    CompositeEventStore,
    CompositeStoreError,
    EventStore,
    EventStoreWithSnapshots,
    FileEventStore,
    InMemoryEventStore,
    SQLiteEventStore,
    TTLEventStore,
)
from .types import (
    AttemptEvent,
    CheckpointEvent,
    ChunkEvent,
    CompleteEvent,
    ContinuationEvent,
    CorruptEventError,
    DriftEvent,
    DriftEventResult,
    ErrorEvent,
    EventEnvelope,
    EventStoreError,
    FallbackEvent,
    GuardrailEvent,
    GuardrailEventResult,
    InvalidStreamIdError,
    RecordedEvent,
    RecordedEventType,
    RecordOptions,
    ReplayedState,
    ReplayOptions,
    RetryEvent,
    SerializedError,
    SerializedOptions,
    Snapshot,
    SourceEndEvent,
    StartEvent,
    StoreUnavailableError,
    StreamMetadata,
    StreamNotFoundError,
    TokenEvent,
    deserialize_error,
    envelope_from_dict,
    envelope_to_dict,
    event_from_dict,
    event_to_dict,
    generate_stream_id,
    now_ms,
    serialize_error,
    validate_stream_id,
)

__all__ = [
    "AttemptEvent", "BaseEventStore", "BaseEventStoreWithSnapshots", "BatchEventStore", "CheckpointEvent",
    "ChunkEvent", "CompleteEvent", "CompositeEventStore", "CompositeStoreError", "ContinuationEvent",
    "CorruptEventError", "DriftEvent", "DriftEventResult", "ErrorEvent", "EventEnvelope", "EventRecorder",
    "EventReplayer", "EventSourcing", "EventStore", "EventStoreError", "EventStoreWithSnapshots",
    "FallbackEvent", "FileEventStore", "Folder", "GuardrailEvent", "GuardrailEventResult", "InMemoryEventStore",
    "InvalidStreamIdError", "PostgresEventStore", "RecordOptions", "RecordedEvent", "RecordedEventType",
    "RecordingError", "ReplayComparison", "ReplayDivergedError", "ReplayOptions", "ReplayResult",
    "ReplayedState", "RetryEvent", "SQLiteEventStore", "SerializedError", "SerializedOptions", "Snapshot",
    "SourceEndEvent", "StartEvent", "StorageAdapterConfig", "StorageAdapterFactory", "StoreUnavailableError",
    "StreamMetadata", "StreamNotFoundError", "TTLEventStore", "TokenEvent", "append_many", "check_replay",
    "compare_events", "compare_recordings", "compare_replays", "create_event_store", "deserialize_error",
    "envelope_from_dict", "envelope_to_dict", "event_from_dict", "event_to_dict", "export_recording",
    "generate_stream_id", "get_registered_adapters", "get_stream_metadata", "l0_event_from_dict",
    "l0_event_to_dict", "load_recording", "now_ms", "register_storage_adapter", "replay", "replay_run",
    "serialize_error", "serialize_options", "unregister_storage_adapter", "validate_stream_id",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresEventStore":  # asyncpg is imported only when asked for
        from .store.postgres import PostgresEventStore

        return PostgresEventStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
