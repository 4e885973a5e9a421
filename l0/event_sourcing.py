"""The reference's first event-sourcing module, kept for ``from l0 import EventSourcing, ...``.

A thin facade over :mod:`l0.eventsourcing` (one implementation): the stores, recorder and replayer
are the package's; this module adds the legacy shapes (``RecordedEvent(type, ts, data)``,
``Snapshot(stream_id, seq, state, ts)``, ``SerializedError(name, message, stack, code)``), the
legacy recorder signatures and the legacy ``replay``, which yields ``l0.Event``s into an
``l0.State``. Typed events read through this module still have ``.data`` (a dict).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from l0.eventsourcing import (
    EventEnvelope,
    EventReplayer,
    EventStore,
    EventStoreWithSnapshots,
    InMemoryEventStore,
    RecordedEventType,
    ReplayComparison,
    ReplayedState,
    StreamMetadata,
    StreamNotFoundError,
)
from l0.eventsourcing import EventRecorder as _Recorder
from l0.eventsourcing import SerializedError as _TypedError
from l0.eventsourcing.types import event_from_dict

__all__ = [
    "EventEnvelope", "EventRecorder", "EventReplayer", "EventSourcing", "EventStore", "EventStoreWithSnapshots",
    "InMemoryEventStore", "RecordedEvent", "RecordedEventType", "ReplayCallbacks", "ReplayComparison",
    "ReplayOptions", "ReplayResult", "ReplayedState", "SerializedError", "Snapshot", "StreamMetadata",
    "compare_replays", "create_event_recorder", "create_event_replayer", "create_in_memory_event_store",
    "generate_stream_id", "get_stream_metadata", "replay",
]


@dataclass
class RecordedEvent:
    """A recorded event in the legacy shape: its fields in ``data``. Stores keep it as the typed
    event of :mod:`l0.eventsourcing` (which has the same ``type``, ``ts`` and ``data``)."""

    type: RecordedEventType
    ts: float
    data: dict[str, Any] = field(default_factory=dict)

    def typed(self) -> Any:
        return event_from_dict({"type": getattr(self.type, "value", self.type), "ts": self.ts, **self.data})


@dataclass
class SerializedError:
    name: str
    message: str
    stack: str | None = None
    code: str | None = None


@dataclass
class Snapshot:
    stream_id: str
    seq: int
    state: dict[str, Any]
    ts: float


@dataclass
class ReplayCallbacks:
    on_token: Callable[[str], Any] | None = None
    on_violation: Callable[[Any], Any] | None = None
    on_retry: Callable[[int, str], Any] | None = None
    on_event: Callable[[EventEnvelope], Any] | None = None


@dataclass
class ReplayOptions:
    stream_id: str
    event_store: EventStore
    speed: float = 0
    fire_callbacks: bool = True
    from_seq: int = 0
    to_seq: int | None = None


def generate_stream_id() -> str:
    """``"l0-"`` and 12 hex digits (the legacy id form)."""
    return "l0-" + uuid.uuid4().hex[:12]


class EventRecorder(_Recorder):
    """The package's recorder with the legacy signatures (required arguments, legacy errors)."""

    def __init__(self, event_store: EventStore, stream_id: str | None = None, **options: Any) -> None:
        super().__init__(event_store, stream_id or generate_stream_id(), **options)

    async def record_start(self, options: dict[str, Any]) -> None:  # type: ignore[override]
        if not isinstance(options, dict):
            raise TypeError(f"record_start(options) takes a dict, got {type(options).__name__}")
        await super().record_start(options)

    async def record_retry(self, reason: str, attempt: int, counts_toward_limit: bool) -> None:  # type: ignore[override]
        await super().record_retry(reason, attempt, counts_toward_limit)

    async def record_error(self, error: Any, failure_type: str, recovery_strategy: str,  # type: ignore[override]
                           policy: dict[str, Any] | None = None) -> None:
        if isinstance(error, SerializedError):
            error = _TypedError(error.name, error.message, error.code, error.stack)
        await super().record_error(error, failure_type, recovery_strategy,
                                   "" if policy is None else json.dumps(policy))


class ReplayResult:
    """A legacy replay: ``stream`` yields ``l0.Event``s while ``state`` (an ``l0.State``) follows."""

    def __init__(self, stream_id: str, envelopes: list[EventEnvelope], speed: float, fire_callbacks: bool) -> None:
        from l0.types import State

        self.stream_id = stream_id
        self.is_replay = True
        self.state = State()
        self.errors: list[Exception] = []
        self.original_options: dict[str, Any] | None = None
        for env in envelopes[:1]:
            if env.event.type is RecordedEventType.START:
                self.original_options = env.event.data.get("options")
        self._envs = envelopes
        self._speed = speed
        self._fire = fire_callbacks
        self._callbacks = ReplayCallbacks()
        self._aborted = False
        self.stream: AsyncIterator[Any] = self._run()

    def abort(self) -> None:
        self._aborted = True

    def set_callbacks(self, callbacks: ReplayCallbacks) -> None:
        self._callbacks = callbacks

    def __aiter__(self) -> AsyncIterator[Any]:
        return self.stream

    async def _run(self) -> AsyncIterator[Any]:
        from l0.types import Event, EventType

        state = self.state
        cbs = self._callbacks
        prev: float | None = None
        E = RecordedEventType
        for env in self._envs:
            if self._aborted:
                state.aborted = True
                return
            ev = env.event
            if self._speed > 0 and prev is not None and ev.ts > prev:
                await asyncio.sleep((ev.ts - prev) / 1000.0 / self._speed)
            prev = ev.ts
            d = ev.data
            t = ev.type
            out = None
            if t is E.TOKEN:
                state.buffer.append(d["value"])
                state.token_count += 1
                out = Event(EventType.TOKEN, d["value"], timestamp=ev.ts)
                if self._fire and cbs.on_token is not None:
                    await _call(cbs.on_token, d["value"])
            elif t is E.CHECKPOINT:
                state.checkpoint = d.get("content") or state.content
            elif t is E.GUARDRAIL:
                violations = (d.get("result") or {}).get("violations") or []
                state.violations.extend(violations)
                if self._fire and cbs.on_violation is not None:
                    for v in violations:
                        await _call(cbs.on_violation, v)
            elif t is E.DRIFT:
                if (d.get("result") or {}).get("detected"):
                    state.drift_detected = True
            elif t is E.RETRY:
                if d.get("counts_toward_limit", True):
                    state.model_retry_count += 1
                else:
                    state.network_retry_count += 1
                if self._fire and cbs.on_retry is not None:
                    await _call(cbs.on_retry, d.get("attempt"), d.get("reason"))
            elif t is E.FALLBACK:
                state.fallback_index = d.get("to", 0)
            elif t is E.CONTINUATION:
                state.resumed = True
                state.resume_point = d.get("checkpoint")
                state.content = d.get("checkpoint") or ""
            elif t is E.COMPLETE:
                state.completed = True
                state.content = d.get("content", "")
                state.token_count = d.get("token_count", 0)
                out = Event(EventType.COMPLETE, timestamp=ev.ts)
            elif t is E.ERROR:
                err = Exception((d.get("error") or {}).get("message", ""))
                self.errors.append(err)
                out = Event(EventType.ERROR, error=err, timestamp=ev.ts)
            if self._fire and cbs.on_event is not None:
                await _call(cbs.on_event, env)
            if out is not None:
                yield out


async def _call(fn: Callable[..., Any], *args: Any) -> None:
    result = fn(*args)
    if asyncio.iscoroutine(result):
        await result


async def replay(stream_id: str, event_store: EventStore, *, speed: float = 0, fire_callbacks: bool = True,
                 from_seq: int = 0, to_seq: int | None = None) -> ReplayResult:
    """Legacy replay into ``l0.Event``s and an ``l0.State``. A missing stream raises
    ``ValueError("Stream not found: ...")``, an empty one ``ValueError("Stream has no events: ...")``."""
    if not await event_store.exists(stream_id):
        raise StreamNotFoundError(stream_id)
    envs = await event_store.get_events(stream_id)
    if not envs:
        raise ValueError(f"Stream has no events: {stream_id}")
    envs = [e for e in envs if e.seq >= from_seq and (to_seq is None or e.seq <= to_seq)]
    return ReplayResult(stream_id, envs, speed, fire_callbacks)


async def get_stream_metadata(event_store: EventStore, stream_id: str) -> StreamMetadata | None:
    """Legacy metadata: ``token_count`` counts TOKEN events; the timestamps fall back to the first
    and last event."""
    envs = await event_store.get_events(stream_id)
    if not envs:
        return None
    E = RecordedEventType
    tokens = sum(1 for e in envs if e.event.type is E.TOKEN)
    start = next((e.event.ts for e in envs if e.event.type is E.START), envs[0].event.ts)
    end = next((e.event.ts for e in reversed(envs) if e.event.type in (E.COMPLETE, E.ERROR)), envs[-1].event.ts)
    options = next((e.event.data.get("options") for e in envs if e.event.type is E.START), None)
    return StreamMetadata(stream_id, len(envs), tokens, start, end,
                          any(e.event.type is E.COMPLETE for e in envs),
                          any(e.event.type is E.ERROR for e in envs), options)


def compare_replays(a: Any, b: Any) -> ReplayComparison:
    """Compare two ``l0.State``s (content, token_count, completed, model_retry_count,
    fallback_index, violation count, drift_detected)."""
    diffs = []
    for name in ("content", "token_count", "completed", "model_retry_count", "fallback_index", "drift_detected"):
        if getattr(a, name) != getattr(b, name):
            diffs.append(f"{name}: {getattr(a, name)!r} vs {getattr(b, name)!r}")
    if len(a.violations) != len(b.violations):
        diffs.append(f"violations: {len(a.violations)} vs {len(b.violations)}")
    return ReplayComparison(not diffs, diffs)


def create_in_memory_event_store() -> InMemoryEventStore:
    return InMemoryEventStore()


def create_event_recorder(store: EventStore, stream_id: str | None = None) -> EventRecorder:
    return EventRecorder(store, stream_id)


def create_event_replayer(store: EventStore) -> EventReplayer:
    return EventReplayer(store)


class EventSourcing:
    """The legacy scoped namespace (``l0.EventSourcing``). ``memory()``/``file()``/``sqlite()``
    are here too (the reference's legacy class lacked them)."""

    Store = EventStore
    StoreWithSnapshots = EventStoreWithSnapshots
    InMemoryStore = InMemoryEventStore
    Recorder = EventRecorder
    Replayer = EventReplayer
    RecordedEvent = RecordedEvent
    RecordedEventType = RecordedEventType
    EventEnvelope = EventEnvelope
    Snapshot = Snapshot
    SerializedError = SerializedError
    ReplayedState = ReplayedState
    ReplayResult = ReplayResult
    ReplayCallbacks = ReplayCallbacks
    ReplayComparison = ReplayComparison
    StreamMetadata = StreamMetadata

    generate_stream_id = staticmethod(generate_stream_id)
    replay = staticmethod(replay)
    compare = staticmethod(compare_replays)

    @staticmethod
    async def get_metadata(store: EventStore, stream_id: str) -> StreamMetadata | None:
        return await get_stream_metadata(store, stream_id)

    @staticmethod
    def create_store() -> InMemoryEventStore:
        return InMemoryEventStore()

    @staticmethod
    def create_recorder(store: EventStore, stream_id: str | None = None) -> EventRecorder:
        return EventRecorder(store, stream_id)

    @staticmethod
    def create_replayer(store: EventStore) -> EventReplayer:
        return EventReplayer(store)

    @staticmethod
    def memory(prefix: str = "l0", ttl: float = 0) -> InMemoryEventStore:
        return InMemoryEventStore(prefix, ttl)

    @staticmethod
    def file(base_path: str = "./l0-events", prefix: str = "l0", ttl: float = 0, **options: Any) -> Any:
        from l0.eventsourcing import FileEventStore

        return FileEventStore(base_path, prefix, ttl, **options)

    @staticmethod
    def sqlite(path: str = "./l0-events.sqlite3", prefix: str = "l0", ttl: float = 0, **options: Any) -> Any:
        from l0.eventsourcing import SQLiteEventStore

        return SQLiteEventStore(path, prefix, ttl, **options)
