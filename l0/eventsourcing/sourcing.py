"""``EventSourcing``: the scoped namespace of the package."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from . import adapters as _adapters
from .recorder import EventRecorder
from .replayer import EventReplayer, ReplayComparison, ReplayResult, compare_replays, get_stream_metadata, replay
from .rerun import check_replay, replay_run
from .store import (
    CompositeEventStore,
    FileEventStore,
    InMemoryEventStore,
    SQLiteEventStore,
    TTLEventStore,
)
from .store.base import EventStore
from .types import (
    EventEnvelope,
    RecordedEvent,
    RecordedEventType,
    ReplayedState,
    Snapshot,
    StreamMetadata,
    generate_stream_id,
)


class EventSourcing:
    """Factories and helpers in one place: ``EventSourcing.memory()``, ``.sqlite(path)``, ..."""

    Event = RecordedEvent
    EventType = RecordedEventType
    Envelope = EventEnvelope
    State = ReplayedState
    Snapshot = Snapshot
    Metadata = StreamMetadata
    Comparison = ReplayComparison
    Config = _adapters.StorageAdapterConfig

    @staticmethod
    def memory(prefix: str = "l0", ttl: float = 0) -> InMemoryEventStore:
        return InMemoryEventStore(prefix, ttl)

    @staticmethod
    def file(base_path: str | os.PathLike[str] = "./l0-events", prefix: str = "l0", ttl: float = 0,
             **options: Any) -> FileEventStore:
        return FileEventStore(base_path, prefix, ttl, **options)

    @staticmethod
    def sqlite(path: str | os.PathLike[str] = "./l0-events.sqlite3", prefix: str = "l0", ttl: float = 0,
               **options: Any) -> SQLiteEventStore:
        return SQLiteEventStore(path, prefix, ttl, **options)

    @staticmethod
    def postgres(dsn: str | None = None, prefix: str = "l0", ttl: float = 0, **options: Any) -> Any:
        from .store.postgres import PostgresEventStore

        return PostgresEventStore(dsn, prefix, ttl, **options)

    @staticmethod
    def composite(stores: Sequence[EventStore], primary_index: int = 0) -> CompositeEventStore:
        return CompositeEventStore(stores, primary_index)

    @staticmethod
    def with_ttl(store: EventStore, ttl_ms: float) -> TTLEventStore:
        return TTLEventStore(store, ttl_ms)

    @staticmethod
    async def create(config: _adapters.StorageAdapterConfig) -> EventStore:
        return await _adapters.create_event_store(config)

    @staticmethod
    def recorder(store: EventStore, stream_id: str | None = None, **options: Any) -> EventRecorder:
        return EventRecorder(store, stream_id, **options)

    @staticmethod
    def replayer(store: EventStore) -> EventReplayer:
        return EventReplayer(store)

    @staticmethod
    async def replay(stream_id: str, store: EventStore, *, speed: float = 0, fire_callbacks: bool = False,
                     from_seq: int = 0, to_seq: int | None = None) -> ReplayResult:
        return await replay(stream_id, store, speed=speed, fire_callbacks=fire_callbacks, from_seq=from_seq,
                            to_seq=to_seq)

    replay_run = staticmethod(replay_run)
    check_replay = staticmethod(check_replay)

    @staticmethod
    async def metadata(stream_id: str, store: EventStore) -> StreamMetadata | None:
        return await get_stream_metadata(store, stream_id)

    @staticmethod
    def compare(s1: ReplayedState, s2: ReplayedState) -> ReplayComparison:
        return compare_replays(s1, s2)

    @staticmethod
    def generate_id() -> str:
        return generate_stream_id()

    register_adapter = staticmethod(_adapters.register_storage_adapter)
    unregister_adapter = staticmethod(_adapters.unregister_storage_adapter)
    list_adapters = staticmethod(_adapters.get_registered_adapters)
