"""Event stores: the protocol and the built-in memory, file, SQLite, PostgreSQL, composite and TTL stores."""

from __future__ import annotations

from typing import Any

from .base import BaseEventStore, BaseEventStoreWithSnapshots, BatchEventStore, EventStore, EventStoreWithSnapshots
from .file import FileEventStore
from .memory import InMemoryEventStore
from .sqlite import SQLiteEventStore
from .wrappers import CompositeEventStore, CompositeStoreError, TTLEventStore

__all__ = [
    "BaseEventStore", "BaseEventStoreWithSnapshots", "BatchEventStore", "CompositeEventStore",
    "CompositeStoreError", "EventStore", "EventStoreWithSnapshots", "FileEventStore", "InMemoryEventStore",
    "PostgresEventStore", "SQLiteEventStore", "TTLEventStore",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresEventStore":  # imports asyncpg only when asked for
        from .postgres import PostgresEventStore

        return PostgresEventStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
