"""Reading recordings back: ``EventReplayer``, ``replay``, metadata and comparison."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from .fold import Folder
from .store.base import EventStore, check_seq, check_stream_id
from .types import (
    EventEnvelope,
    RecordedEventType,
    ReplayedState,
    StreamMetadata,
    StreamNotFoundError,
    event_to_dict,
)

E = RecordedEventType


def _check_range(speed: Any, from_seq: Any, to_seq: Any) -> None:
    if not isinstance(speed, (int, float)) or isinstance(speed, bool) or speed < 0:
        raise ValueError(f"speed must be a number >= 0 (0: instant, 1: real time), got {speed!r}")
    check_seq(from_seq, "from_seq")
    if to_seq is not None:
        check_seq(to_seq, "to_seq")


async def _timed(envs: list[EventEnvelope], speed: float) -> AsyncIterator[EventEnvelope]:
    prev: float | None = None
    for env in envs:
        if speed > 0 and prev is not None:
            gap = (env.event.ts - prev) / 1000.0 / speed
            if gap > 0:
                await asyncio.sleep(gap)
        prev = env.event.ts
        yield env


class EventReplayer:
    """Reads one store. ``replay`` yields envelopes (``speed`` 0 = instant, 1 = the recorded pace)."""

    def __init__(self, event_store: EventStore) -> None:
        if not isinstance(event_store, EventStore):
            raise TypeError(f"event_store must implement the EventStore protocol, got {type(event_store).__name__}")
        self.store = event_store

    async def _events(self, stream_id: str, from_seq: int = 0, to_seq: int | None = None) -> list[EventEnvelope]:
        check_stream_id(stream_id)
        envs = await self.store.get_events_after(stream_id, from_seq - 1) if from_seq > 0 else \
            await self.store.get_events(stream_id)
        if to_seq is not None:
            envs = [e for e in envs if e.seq <= to_seq]
        return envs

    async def replay(self, stream_id: str, *, speed: float = 0, from_seq: int = 0,
                     to_seq: int | None = None) -> AsyncIterator[EventEnvelope]:
        _check_range(speed, from_seq, to_seq)
        async for env in _timed(await self._events(stream_id, from_seq, to_seq), speed):
            yield env

    async def replay_to_state(self, stream_id: str, *, use_snapshots: bool = True) -> ReplayedState:
        """The folded state of the whole stream. With a snapshot store, starts from the latest
        snapshot and reads only the events after it."""
        check_stream_id(stream_id)
        snap = None
        if use_snapshots and hasattr(self.store, "get_snapshot"):
            snap = await self.store.get_snapshot(stream_id)  # type: ignore[attr-defined]
        folder = Folder(snap)
        envs = await self.store.get_events_after(stream_id, snap.seq) if snap else await self.store.get_events(stream_id)
        if not envs and snap is None:
            raise StreamNotFoundError(stream_id, type(self.store).__name__)
        for env in envs:
            folder.apply(env.event)
        return folder.state()

    async def replay_tokens(self, stream_id: str, *, speed: float = 0) -> AsyncIterator[str]:
        async for env in self.replay(stream_id, speed=speed):
            if env.event.type is E.TOKEN:
                yield env.event.value  # type: ignore[union-attr]


class ReplayResult:
    """An async iterable of envelopes (re-iterable; each pass refolds ``state``) with callbacks."""

    def __init__(self, envelopes: list[EventEnvelope], speed: float, fire_callbacks: bool) -> None:
        self._envs = envelopes
        self.speed = speed
        self.fire_callbacks = fire_callbacks
        self.state = ReplayedState()
        self._on_token: Callable[[str], Any] | None = None
        self._on_violation: Callable[[Any], Any] | None = None
        self._on_retry: Callable[[int, str], Any] | None = None
        self._on_event: Callable[[EventEnvelope], Any] | None = None

    def set_callbacks(self, *, on_token: Callable[[str], Any] | None = None,
                      on_violation: Callable[[Any], Any] | None = None,
                      on_retry: Callable[[int, str], Any] | None = None,
                      on_event: Callable[[EventEnvelope], Any] | None = None) -> None:
        if on_token is not None:
            self._on_token = on_token
        if on_violation is not None:
            self._on_violation = on_violation
        if on_retry is not None:
            self._on_retry = on_retry
        if on_event is not None:
            self._on_event = on_event

    @property
    def events(self) -> list[EventEnvelope]:
        return list(self._envs)

    async def __aiter__(self) -> AsyncIterator[EventEnvelope]:
        folder = Folder()
        self.state = folder.state()
        fire = self.fire_callbacks
        async for env in _timed(self._envs, self.speed):
            ev = env.event
            folder.apply(ev)
            if fire:
                if ev.type is E.TOKEN and self._on_token is not None:
                    await _call(self._on_token, ev.value)  # type: ignore[union-attr]
                elif ev.type is E.GUARDRAIL and self._on_violation is not None:
                    for v in ev.result.violations:  # type: ignore[union-attr]
                        await _call(self._on_violation, v)
                elif ev.type is E.RETRY and self._on_retry is not None:
                    await _call(self._on_retry, ev.attempt, ev.reason)  # type: ignore[union-attr]
                if self._on_event is not None:
                    await _call(self._on_event, env)
            yield env
        self.state = folder.state()

    async def collect(self) -> ReplayedState:
        """Iterate to the end and return the state."""
        async for _ in self:
            pass
        return self.state


async def _call(fn: Callable[..., Any], *args: Any) -> None:
    result = fn(*args)
    if asyncio.iscoroutine(result):
        await result


async def replay(stream_id: str, event_store: EventStore, *, speed: float = 0, fire_callbacks: bool = False,
                 from_seq: int = 0, to_seq: int | None = None) -> ReplayResult:
    """Load a recorded stream for replay. Unknown streams raise :class:`StreamNotFoundError`
    (the reference yielded nothing)."""
    _check_range(speed, from_seq, to_seq)
    replayer = EventReplayer(event_store)
    envs = await replayer._events(stream_id, from_seq, to_seq)
    if not envs and not await event_store.exists(stream_id):
        raise StreamNotFoundError(stream_id, type(event_store).__name__)
    result = ReplayResult(envs, speed, fire_callbacks)
    folder = Folder()
    for env in envs:
        folder.apply(env.event)
    result.state = folder.state()
    return result


async def get_stream_metadata(event_store: EventStore, stream_id: str) -> StreamMetadata | None:
    """Summary of a stream, or None if it is missing or empty."""
    envs = await event_store.get_events(check_stream_id(stream_id))
    if not envs:
        return None
    token_count = 0
    start_ts = end_ts = 0.0
    completed = has_error = False
    options = None
    for env in envs:
        ev = env.event
        if ev.type is E.START:
            start_ts = ev.ts
            options = ev.options  # type: ignore[union-attr]
        elif ev.type is E.TOKEN:
            token_count = ev.index + 1  # type: ignore[union-attr]
        elif ev.type is E.COMPLETE:
            completed = True
            token_count = ev.token_count  # type: ignore[union-attr]
            end_ts = ev.ts
        elif ev.type is E.ERROR:
            has_error = True
            end_ts = ev.ts
    return StreamMetadata(stream_id, len(envs), token_count, start_ts, end_ts, completed, has_error, options)


@dataclass
class ReplayComparison:
    """``identical`` and a list of human-readable ``differences``. When built from two
    recordings, ``first_difference`` is the seq of the first event that differs (else None)."""

    identical: bool
    differences: list[str] = field(default_factory=list)
    first_difference: int | None = None


def _short(text: str) -> str:
    return repr(text[:50]) + ("..." if len(text) > 50 else "")


def compare_replays(state1: ReplayedState, state2: ReplayedState, *, timestamps: bool = True) -> ReplayComparison:
    """Compare two replayed states field by field. ``timestamps=False`` ignores ``start_ts`` and
    ``end_ts`` (the reference always compared them, so two recordings never matched)."""
    diffs: list[str] = []
    if state1.content != state2.content:
        i = next((k for k, (a, b) in enumerate(zip(state1.content, state2.content)) if a != b),
                 min(len(state1.content), len(state2.content)))
        diffs.append(f"content differs at character {i}: {_short(state1.content[i:])} vs {_short(state2.content[i:])}")
    for name in ("token_count", "checkpoint", "completed", "drift_detected", "retry_attempts",
                 "network_retry_count", "fallback_index", "violations"):
        a, b = getattr(state1, name), getattr(state2, name)
        if a != b:
            diffs.append(f"{name}: {_short(a) if isinstance(a, str) else a!r} vs {_short(b) if isinstance(b, str) else b!r}")
    e1, e2 = state1.error, state2.error
    if (e1 is None) != (e2 is None):
        diffs.append(f"error: {e1 and e1.name!r} vs {e2 and e2.name!r}")
    elif e1 is not None and e2 is not None and (e1.name, e1.message) != (e2.name, e2.message):
        diffs.append(f"error: {e1.name}: {e1.message} vs {e2.name}: {e2.message}")
    if timestamps:
        for name in ("start_ts", "end_ts"):
            if getattr(state1, name) != getattr(state2, name):
                diffs.append(f"{name}: {getattr(state1, name)} vs {getattr(state2, name)}")
    return ReplayComparison(not diffs, diffs)


_TIMING = ("ts", "waited_ms")


def _comparable(env: EventEnvelope, timing: bool) -> dict[str, Any]:
    d = event_to_dict(env.event)
    if not timing:
        for k in _TIMING:
            d.pop(k, None)
        if d.get("type") == "ERROR" or d.get("type") == "SOURCE_END":
            err = d.get("error")
            if isinstance(err, dict):
                d["error"] = {"name": err.get("name"), "message": err.get("message"), "code": err.get("code")}
        if d.get("type") == "START":
            d.pop("options", None)
    return d


def compare_events(events1: list[EventEnvelope], events2: list[EventEnvelope], *,
                   timing: bool = False) -> ReplayComparison:
    """Compare two recordings event by event and name the first that differs (its seq, type and
    the differing fields). Timestamps, waits, stack traces and START options are ignored unless
    ``timing=True``."""
    for i, (a, b) in enumerate(zip(events1, events2)):
        da, db = _comparable(a, timing), _comparable(b, timing)
        if da != db:
            keys = sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k))
            detail = ", ".join(f"{k}: {da.get(k)!r} vs {db.get(k)!r}" for k in keys)
            return ReplayComparison(False, [f"event {i} differs ({da.get('type')} vs {db.get('type')}): {detail}"], i)
    if len(events1) != len(events2):
        i = min(len(events1), len(events2))
        longer = events1 if len(events1) > len(events2) else events2
        which = "first" if longer is events1 else "second"
        return ReplayComparison(False, [f"event {i}: only the {which} recording has it "
                                        f"({longer[i].event.type.value}); lengths {len(events1)} vs {len(events2)}"], i)
    return ReplayComparison(True, [])


async def compare_recordings(store1: EventStore, stream_id1: str, store2: EventStore | None = None,
                             stream_id2: str | None = None, *, timing: bool = False) -> ReplayComparison:
    """:func:`compare_events` of two stored streams (``store2`` defaults to ``store1``)."""
    store2 = store1 if store2 is None else store2
    if stream_id2 is None:
        raise TypeError("compare_recordings needs stream_id2")
    out = []
    for store, sid in ((store1, stream_id1), (store2, stream_id2)):
        envs = await store.get_events(check_stream_id(sid))
        if not envs:
            raise StreamNotFoundError(sid, type(store).__name__)
        out.append(envs)
    return compare_events(out[0], out[1], timing=timing)

