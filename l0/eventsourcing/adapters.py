"""Storage adapter registry: build a store from a :class:`StorageAdapterConfig`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .store.base import EventStore


@dataclass
class StorageAdapterConfig:
    """``type`` names a registered adapter; ``connection`` is its path or DSN."""

    type: str
    connection: str | None = None
    prefix: str = "l0"
    ttl: float = 0
    options: dict[str, Any] = field(default_factory=dict)


StorageAdapterFactory = Callable[[StorageAdapterConfig], Any]

_adapters: dict[str, StorageAdapterFactory] = {}


def register_storage_adapter(type: str, factory: StorageAdapterFactory) -> None:  # noqa: A002
    """Register ``factory(config) -> store`` (or an awaitable of one) under ``type``."""
    if not isinstance(type, str) or not type:
        raise TypeError(f"type must be a non-empty str, got {type!r}")
    if not callable(factory):
        raise TypeError(f"factory must be callable, got {factory!r}")
    _adapters[type] = factory


def unregister_storage_adapter(type: str) -> bool:  # noqa: A002
    return _adapters.pop(type, None) is not None


def get_registered_adapters() -> list[str]:
    return list(_adapters)


async def create_event_store(config: StorageAdapterConfig) -> EventStore:
    if not isinstance(config, StorageAdapterConfig):
        raise TypeError(f"config must be a StorageAdapterConfig, got {type(config).__name__}")
    factory = _adapters.get(config.type)
    if factory is None:
        available = ", ".join(_adapters) or "none"
        raise ValueError(f'Unknown storage adapter type: "{config.type}". Available adapters: {available}')
    store = factory(config)
    if inspect.isawaitable(store):
        store = await store
    return store  # type: ignore[no-any-return]


def _memory(c: StorageAdapterConfig) -> Any:
    from .store.memory import InMemoryEventStore

    return InMemoryEventStore(c.prefix, c.ttl)


def _file(c: StorageAdapterConfig) -> Any:
    from .store.file import FileEventStore

    return FileEventStore(c.connection or "./l0-events", c.prefix, c.ttl, **c.options)


def _sqlite(c: StorageAdapterConfig) -> Any:
    from .store.sqlite import SQLiteEventStore

    return SQLiteEventStore(c.connection or "./l0-events.sqlite3", c.prefix, c.ttl, **c.options)


def _postgres(c: StorageAdapterConfig) -> Any:
    from .store.postgres import PostgresEventStore

    return PostgresEventStore(c.connection, c.prefix, c.ttl, **c.options)


for _name, _factory in (("memory", _memory), ("file", _file), ("sqlite", _sqlite), ("postgres", _postgres)):
    register_storage_adapter(_name, _factory)
del _name, _factory
