"""``InMemoryEventStore``: a dict of lists; ``seq`` is the list index."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from ..types import EventEnvelope, RecordedEvent, Snapshot
from .base import BaseEventStoreWithSnapshots, check_seq, check_stream_id


class InMemoryEventStore(BaseEventStoreWithSnapshots):
    """Events in memory (tests, short-lived processes). O(1) append, O(k) read after a seq."""

    def __init__(self, prefix: str = "l0", ttl: float = 0) -> None:
        super().__init__(prefix, ttl)
        self._streams: dict[str, list[EventEnvelope]] = {}
        self._snapshots: dict[str, list[Snapshot]] = {}

    async def append(self, stream_id: str, event: RecordedEvent) -> EventEnvelope:
        envs = self._streams.setdefault(check_stream_id(stream_id), [])
        env = EventEnvelope(stream_id, len(envs), event)
        envs.append(env)
        return env

    async def append_batch(self, stream_id: str, events: Iterable[RecordedEvent]) -> list[EventEnvelope]:
        envs = self._streams.setdefault(check_stream_id(stream_id), [])
        start = len(envs)
        new = [EventEnvelope(stream_id, start + i, e) for i, e in enumerate(events)]
        envs.extend(new)
        return new

    async def get_events(self, stream_id: str) -> list[EventEnvelope]:
        return self._live(list(self._streams.get(check_stream_id(stream_id), ())))

    async def exists(self, stream_id: str) -> bool:
        envs = self._streams.get(check_stream_id(stream_id))
        if not envs:
            return False
        return not self.ttl or not self.is_expired(envs[-1].event.ts)

    async def get_last_event(self, stream_id: str) -> EventEnvelope | None:
        envs = self._streams.get(check_stream_id(stream_id))
        if not envs or (self.ttl and self.is_expired(envs[-1].event.ts)):
            return None
        return envs[-1]

    async def get_events_after(self, stream_id: str, after_seq: int) -> list[EventEnvelope]:
        envs = self._streams.get(check_stream_id(stream_id), [])
        return self._live(envs[max(check_seq(after_seq) + 1, 0):])

    async def delete(self, stream_id: str) -> None:
        self._streams.pop(check_stream_id(stream_id), None)
        self._snapshots.pop(stream_id, None)

    async def list_streams(self) -> list[str]:
        return list(self._streams)

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        snaps = self._snapshots.setdefault(check_stream_id(snapshot.stream_id), [])
        _insort(snaps, snapshot)

    async def get_snapshot(self, stream_id: str) -> Snapshot | None:
        snaps = self._snapshots.get(check_stream_id(stream_id))
        return snaps[-1] if snaps else None

    async def get_snapshot_before(self, stream_id: str, seq: int) -> Snapshot | None:
        snaps = self._snapshots.get(check_stream_id(stream_id)) or []
        i = bisect.bisect_right([s.seq for s in snaps], check_seq(seq, "seq"))
        return snaps[i - 1] if i else None

    def clear(self) -> None:
        self._streams.clear()
        self._snapshots.clear()

    def get_total_event_count(self) -> int:
        return sum(len(v) for v in self._streams.values())

    def get_stream_count(self) -> int:
        return len(self._streams)


def _insort(snaps: list[Snapshot], snapshot: Snapshot) -> None:
    # Snapshots almost always arrive in seq order: then this is an append.
    if not snaps or snaps[-1].seq <= snapshot.seq:
        snaps.append(snapshot)
        return
    i = bisect.bisect_right([s.seq for s in snaps], snapshot.seq)
    snaps.insert(i, snapshot)
