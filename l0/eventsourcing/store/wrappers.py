"""``CompositeEventStore`` (write to several) and ``TTLEventStore`` (expire on read)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from ..types import EventEnvelope, EventStoreError, RecordedEvent, now_ms
from .base import EventStore, check_seq


class CompositeStoreError(EventStoreError):
    """Some stores of a :class:`CompositeEventStore` failed (the others have the write)."""

    def __init__(self, message: str, succeeded_indices: list[int], failed_indices: list[int],
                 errors: list[BaseException]) -> None:
        super().__init__(message)
        self.succeeded_indices = succeeded_indices
        self.failed_indices = failed_indices
        self.errors = errors


class CompositeEventStore:
    """Writes go to every store concurrently; reads come from ``stores[primary_index]``."""

    def __init__(self, stores: Sequence[EventStore], primary_index: int = 0) -> None:
        stores = list(stores)
        if not stores:
            raise ValueError("CompositeEventStore needs at least one store")
        if not 0 <= primary_index < len(stores):
            raise ValueError(f"primary_index must be in 0..{len(stores) - 1}, got {primary_index!r}")
        self.stores = stores
        self.primary_index = primary_index
        self.primary = stores[primary_index]

    async def _all(self, what: str, calls: list[Any]) -> list[Any]:
        results = await asyncio.gather(*calls, return_exceptions=True)
        failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
        if failed:
            errors = [results[i] for i in failed]
            ok = [i for i in range(len(results)) if i not in failed]
            detail = "; ".join(f"store {i}: {type(e).__name__}: {e}" for i, e in zip(failed, errors))
            raise CompositeStoreError(f"{what} failed on {len(failed)} of {len(results)} stores ({detail})",
                                      ok, failed, errors)
        return results

    async def append(self, stream_id: str, event: RecordedEvent) -> EventEnvelope:
        results = await self._all("append", [s.append(stream_id, event) for s in self.stores])
        return results[self.primary_index]  # type: ignore[no-any-return]

    async def append_batch(self, stream_id: str, events: Iterable[RecordedEvent]) -> list[EventEnvelope]:
        from ..recorder import append_many

        events = list(events)
        results = await self._all("append", [append_many(s, stream_id, events) for s in self.stores])
        return results[self.primary_index]  # type: ignore[no-any-return]

    async def get_events(self, stream_id: str) -> list[EventEnvelope]:
        return await self.primary.get_events(stream_id)

    async def exists(self, stream_id: str) -> bool:
        return await self.primary.exists(stream_id)

    async def get_last_event(self, stream_id: str) -> EventEnvelope | None:
        return await self.primary.get_last_event(stream_id)

    async def get_events_after(self, stream_id: str, after_seq: int) -> list[EventEnvelope]:
        return await self.primary.get_events_after(stream_id, after_seq)

    async def delete(self, stream_id: str) -> None:
        await self._all("delete", [s.delete(stream_id) for s in self.stores])

    async def list_streams(self) -> list[str]:
        return await self.primary.list_streams()

    async def close(self) -> None:
        for s in self.stores:
            close = getattr(s, "close", None)
            if close is not None:
                await close()


class TTLEventStore:
    """Wraps a store; events older than ``ttl_ms`` are left out of every read."""

    def __init__(self, store: EventStore, ttl_ms: float) -> None:
        if not isinstance(ttl_ms, (int, float)) or isinstance(ttl_ms, bool) or ttl_ms <= 0:
            raise ValueError(f"ttl_ms must be a number of milliseconds > 0, got {ttl_ms!r}")
        self.store = store
        self.ttl_ms = ttl_ms

    def _live(self, envs: list[EventEnvelope]) -> list[EventEnvelope]:
        cutoff = now_ms() - self.ttl_ms
        return [e for e in envs if e.event.ts >= cutoff]

    async def append(self, stream_id: str, event: RecordedEvent) -> Any:
        return await self.store.append(stream_id, event)

    async def append_batch(self, stream_id: str, events: Iterable[RecordedEvent]) -> list[EventEnvelope]:
        from ..recorder import append_many

        return await append_many(self.store, stream_id, list(events))

    async def get_events(self, stream_id: str) -> list[EventEnvelope]:
        return self._live(await self.store.get_events(stream_id))

    async def exists(self, stream_id: str) -> bool:
        return await self.get_last_event(stream_id) is not None

    async def get_last_event(self, stream_id: str) -> EventEnvelope | None:
        last = await self.store.get_last_event(stream_id)
        return last if last is not None and self._live([last]) else None

    async def get_events_after(self, stream_id: str, after_seq: int) -> list[EventEnvelope]:
        return self._live(await self.store.get_events_after(stream_id, check_seq(after_seq)))

    async def delete(self, stream_id: str) -> None:
        await self.store.delete(stream_id)

    async def list_streams(self) -> list[str]:
        return await self.store.list_streams()

    async def close(self) -> None:
        close = getattr(self.store, "close", None)
        if close is not None:
            await close()
