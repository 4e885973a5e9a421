"""The store protocols and the shared base class."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

from ..types import EventEnvelope, RecordedEvent, Snapshot, now_ms


@runtime_checkable
class EventStore(Protocol):
    """What every store provides. ``seq`` is assigned by the store (0, 1, 2, ... per stream)."""

    async def append(self, stream_id: str, event: RecordedEvent) -> Any: ...

    async def get_events(self, stream_id: str) -> list[EventEnvelope]: ...

    async def exists(self, stream_id: str) -> bool: ...

    async def get_last_event(self, stream_id: str) -> EventEnvelope | None: ...

    async def get_events_after(self, stream_id: str, after_seq: int) -> list[EventEnvelope]: ...

    async def delete(self, stream_id: str) -> None: ...

    async def list_streams(self) -> list[str]: ...


@runtime_checkable
class EventStoreWithSnapshots(EventStore, Protocol):
    """A store that also keeps snapshots of the folded state."""

    async def save_snapshot(self, snapshot: Snapshot) -> None: ...

    async def get_snapshot(self, stream_id: str) -> Snapshot | None: ...

    async def get_snapshot_before(self, stream_id: str, seq: int) -> Snapshot | None: ...


@runtime_checkable
class BatchEventStore(Protocol):
    """A store that appends many events of one stream in one operation (every built-in store)."""

    async def append_batch(self, stream_id: str, events: list[RecordedEvent]) -> list[EventEnvelope]: ...


def check_stream_id(stream_id: Any) -> str:
    if not isinstance(stream_id, str) or not stream_id:
        raise TypeError(f"stream_id must be a non-empty str, got {stream_id!r}")
    return stream_id


def check_seq(after_seq: Any, name: str = "after_seq") -> int:
    if not isinstance(after_seq, int) or isinstance(after_seq, bool):
        raise TypeError(f"{name} must be an int, got {after_seq!r}")
    return after_seq


class BaseEventStore(ABC):
    """Base of the built-in stores: ``prefix`` for key names, ``ttl`` in ms (0: never expires)."""

    def __init__(self, prefix: str = "l0", ttl: float = 0) -> None:
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, got {prefix!r}")
        if not isinstance(ttl, (int, float)) or isinstance(ttl, bool) or ttl < 0:
            raise ValueError(f"ttl must be a number of milliseconds >= 0, got {ttl!r}")
        self.prefix = prefix
        self.ttl = ttl

    def get_stream_key(self, stream_id: str) -> str:
        return f"{self.prefix}:stream:{stream_id}"

    def get_meta_key(self, stream_id: str) -> str:
        return f"{self.prefix}:meta:{stream_id}"

    def is_expired(self, ts: float) -> bool:
        return bool(self.ttl) and now_ms() - ts > self.ttl

    def _live(self, envs: list[EventEnvelope]) -> list[EventEnvelope]:
        if not self.ttl or not envs:
            return envs
        cutoff = now_ms() - self.ttl
        return [e for e in envs if e.event.ts >= cutoff]

    @abstractmethod
    async def append(self, stream_id: str, event: RecordedEvent) -> EventEnvelope: ...

    async def append_batch(self, stream_id: str, events: Iterable[RecordedEvent]) -> list[EventEnvelope]:
        return [await self.append(stream_id, e) for e in events]

    @abstractmethod
    async def get_events(self, stream_id: str) -> list[EventEnvelope]: ...

    async def exists(self, stream_id: str) -> bool:
        return bool(await self.get_events(stream_id))

    async def get_last_event(self, stream_id: str) -> EventEnvelope | None:
        events = await self.get_events(stream_id)
        return events[-1] if events else None

    async def get_events_after(self, stream_id: str, after_seq: int) -> list[EventEnvelope]:
        check_seq(after_seq)
        return [e for e in await self.get_events(stream_id) if e.seq > after_seq]

    @abstractmethod
    async def delete(self, stream_id: str) -> None: ...

    @abstractmethod
    async def list_streams(self) -> list[str]: ...

    async def close(self) -> None:
        """Release connections and threads (a no-op for stores that hold none)."""

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


class BaseEventStoreWithSnapshots(BaseEventStore):
    """Adds snapshot keys and a default :meth:`get_snapshot_before`."""

    def get_snapshot_key(self, stream_id: str) -> str:
        return f"{self.prefix}:snapshot:{stream_id}"

    @abstractmethod
    async def save_snapshot(self, snapshot: Snapshot) -> None: ...

    @abstractmethod
    async def get_snapshot(self, stream_id: str) -> Snapshot | None: ...

    async def get_snapshot_before(self, stream_id: str, seq: int) -> Snapshot | None:
        snap = await self.get_snapshot(stream_id)
        return snap if snap is not None and snap.seq <= seq else None
