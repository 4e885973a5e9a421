"""Re-running a recording through ``l0.run``: the recorded provider streams are played back
(chunk by chunk, at the recorded pace times ``1/speed``) so the runtime makes the same decisions:
same events, state, callbacks, retries, fallbacks and, at ``speed > 0``, the same timeouts."""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .live import l0_event_from_dict
from .recorder import EventRecorder
from .replayer import ReplayComparison, compare_events
from .store.base import EventStore, check_stream_id
from .types import (
    CorruptEventError,
    EventEnvelope,
    EventStoreError,
    RecordedEvent,
    RecordedEventType,
    SerializedError,
    SourceEndEvent,
    StreamNotFoundError,
    deserialize_error,
    envelope_from_dict,
    envelope_to_dict,
)

E = RecordedEventType


class ReplayDivergedError(EventStoreError):
    """The re-run asked for something the recording does not have (another attempt, another
    fallback, more of a stream the recorded run had stopped reading): the code under test no
    longer behaves as the recorded run did."""

    l0_retryable = False  # the runtime must not retry a diverged replay


@dataclass
class _Attempt:
    seq: int
    ts: float
    fallback: int
    checkpoint: str
    items: list[RecordedEvent] = field(default_factory=list)
    end: SourceEndEvent | None = None
    timeout_error: SerializedError | None = None


def _attempts(envs: Sequence[EventEnvelope]) -> list[_Attempt]:
    out: list[_Attempt] = []
    cur: _Attempt | None = None
    for env in envs:
        ev = env.event
        t = ev.type
        if t is E.ATTEMPT:
            cur = _Attempt(env.seq, ev.ts, ev.fallback, ev.checkpoint)  # type: ignore[union-attr]
            out.append(cur)
        elif cur is None:
            continue
        elif t is E.TOKEN or t is E.CHUNK:
            if cur.end is None:
                cur.items.append(ev)
        elif t is E.SOURCE_END:
            cur.end = ev  # type: ignore[assignment]
        elif t is E.ERROR and cur.end is not None and cur.end.outcome == "closed" and cur.timeout_error is None:
            chain = ((ev.error.metadata or {}).get("mro") or [[""]])  # type: ignore[union-attr]
            if chain and chain[0][-1] == "TimeoutError" and str(chain[0][0]).startswith("l0"):
                cur.timeout_error = ev.error  # type: ignore[union-attr]
    return out


def _l0_event(ev: RecordedEvent) -> Any:
    from l0.types import Event, EventType

    if ev.type is E.TOKEN:
        return Event(EventType.TOKEN, ev.value)  # type: ignore[union-attr]
    return l0_event_from_dict(ev.event)  # type: ignore[union-attr]


async def _play(att: _Attempt, speed: float) -> Any:
    prev = att.ts
    for ev in att.items:
        if speed > 0:
            gap = (ev.ts - prev) / 1000.0 / speed
            if gap > 0:
                await asyncio.sleep(gap)
            prev = ev.ts
        yield _l0_event(ev)
    end = att.end
    if end is None or end.outcome == "end":
        return
    if end.outcome in ("error", "open_error"):
        if speed > 0 and end.waited_ms > 0:
            await asyncio.sleep(end.waited_ms / 1000.0 / speed)
        raise deserialize_error(end.error or SerializedError("Exception", "recorded error"))
    # "closed": the recorded run stopped reading here (a timeout, or the consumer left)
    if speed > 0:
        await asyncio.sleep(end.waited_ms / 1000.0 / speed)
        await asyncio.get_running_loop().create_future()  # like the stalled provider: until cancelled
    if att.timeout_error is not None:
        raise deserialize_error(att.timeout_error)
    raise ReplayDivergedError(
        f"the recorded run stopped reading attempt at seq {att.seq} after {len(att.items)} item(s); "
        "the re-run read on")


def _check_path(recording: Any) -> Path | None:
    if isinstance(recording, os.PathLike):
        return Path(recording)
    if isinstance(recording, str) and (recording.endswith(".jsonl") or os.sep in recording):
        return Path(recording)
    return None


def load_recording(path: str | os.PathLike[str]) -> list[EventEnvelope]:
    """Read a recording exported by :func:`export_recording` (JSON lines, one envelope per line).
    A torn last line is ignored; any other bad line raises :class:`CorruptEventError`."""
    data = Path(path).read_bytes()
    lines = data.split(b"\n")
    lines.pop()
    out = []
    for n, line in enumerate(lines, 1):
        try:
            out.append(envelope_from_dict(orjson.loads(line)))
        except (ValueError, TypeError) as e:
            raise CorruptEventError(f"{path}:{n}", f"{type(e).__name__}: {e}") from None
    return out


async def export_recording(store: EventStore, stream_id: str, path: str | os.PathLike[str]) -> int:
    """Write a stored stream to ``path`` as JSON lines (a replay fixture to commit with a test).
    Returns the number of events."""
    envs = await store.get_events(check_stream_id(stream_id))
    if not envs:
        raise StreamNotFoundError(stream_id, type(store).__name__)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(b"".join(orjson.dumps(envelope_to_dict(e)) + b"\n" for e in envs))
    return len(envs)


async def _load(recording: Any, store: EventStore | None) -> list[EventEnvelope]:
    if isinstance(recording, list):
        return recording
    if store is None:
        path = _check_path(recording)
        if path is None:
            raise TypeError("recording must be a stream id with store=..., a path to an exported .jsonl "
                            f"recording, or a list of envelopes; got {recording!r} without a store")
        return load_recording(path)
    envs = await store.get_events(check_stream_id(recording))
    if not envs:
        raise StreamNotFoundError(recording, type(store).__name__)
    return envs


async def replay_run(recording: Any, store: EventStore | None = None, *, speed: float = 0.0,
                     record_to: EventRecorder | None = None, **run_options: Any) -> Any:
    """``l0.run`` over the recorded provider streams of ``recording`` and return its ``Stream``.

    ``recording`` is a stream id in ``store``, a path to an exported ``.jsonl`` recording, or a
    list of envelopes. Pass the options of the recorded run (``retry``, ``timeout``,
    ``guardrails``, callbacks, ``continue_from_last_good_token``, ...): the runtime then makes the
    same decisions. ``speed`` scales the recorded gaps between chunks (``1.0`` real time, ``0``
    none): at ``speed > 0`` a recorded stall makes the replayed provider stall too, so the
    runtime's own timeout fires again; at ``0`` the recorded timeout error is raised in its
    place. ``record_to`` records the re-run as well (for :func:`compare_events`).
    A re-run that asks for an attempt the recording lacks raises :class:`ReplayDivergedError`.
    """
    import l0

    if not isinstance(speed, (int, float)) or isinstance(speed, bool) or speed < 0:
        raise ValueError(f"speed must be a number >= 0 (0: no waits, 1: real time), got {speed!r}")
    if "fallbacks" in run_options:
        raise TypeError("replay_run builds the fallbacks from the recording; do not pass fallbacks=")
    run_options.pop("adapter", None)
    envs = await _load(recording, store)
    attempts = _attempts(envs)
    if not attempts:
        raise EventStoreError("the recording has no provider streams (ATTEMPT events): record it with "
                              "EventRecorder.run() to re-run it")
    queue = deque(attempts)
    n_factories = max(a.fallback for a in attempts) + 1
    opened = [0]

    def factory_for(index: int) -> Any:
        async def replayed_factory(ctx: Any) -> Any:
            opened[0] += 1
            if not queue:
                raise ReplayDivergedError(f"the re-run opened provider stream {opened[0]} but the recording "
                                          f"has {len(attempts)}")
            att = queue.popleft()
            if att.fallback != index:
                raise ReplayDivergedError(f"the re-run opened factory {index} for provider stream {opened[0]}, "
                                          f"the recording used factory {att.fallback} (seq {att.seq})")
            if att.end is not None and att.end.outcome == "open_error":
                raise deserialize_error(att.end.error or SerializedError("Exception", "recorded error"))
            return _play(att, speed)

        return replayed_factory

    primary = factory_for(0)
    fallbacks = [factory_for(i) for i in range(1, n_factories)] or None
    if record_to is not None:
        return await record_to.run(primary, fallbacks=fallbacks, **run_options)
    return await l0.run(primary, fallbacks=fallbacks, **run_options)


async def check_replay(recording: Any, store: EventStore | None = None, *, speed: float = 0.0,
                       **run_options: Any) -> ReplayComparison:
    """Re-run ``recording`` (as :func:`replay_run`), record the re-run, and compare the two
    recordings event by event. Raises ``AssertionError`` naming the first differing event, else
    returns the (identical) comparison: a recorded failure becomes a regression test in one call."""
    from .store.memory import InMemoryEventStore

    original = await _load(recording, store)
    scratch = InMemoryEventStore()
    rec = EventRecorder(scratch, batch_size=1 << 30)
    stream = await replay_run(original, speed=speed, record_to=rec, **run_options)
    try:
        async for _ in stream:
            pass
    except Exception:
        pass  # the recorded run may have failed too: the comparison says whether it failed alike
    await rec.close()
    result = compare_events(original, await scratch.get_events(rec.stream_id))
    if not result.identical:
        raise AssertionError("replay differs from the recording: " + "; ".join(result.differences))
    return result
