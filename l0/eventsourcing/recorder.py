"""``EventRecorder``: appends events of one stream, batched, and records live ``l0.run`` streams."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any

from .fold import Folder
from .store.base import BatchEventStore, EventStore
from .types import (
    CheckpointEvent,
    CompleteEvent,
    ContinuationEvent,
    DriftEvent,
    DriftEventResult,
    ErrorEvent,
    EventEnvelope,
    EventStoreError,
    FallbackEvent,
    GuardrailEvent,
    GuardrailEventResult,
    RecordedEvent,
    RecordOptions,
    RetryEvent,
    SerializedError,
    SerializedOptions,
    StartEvent,
    TokenEvent,
    generate_stream_id,
    now_ms,
    serialize_error,
)

logger = logging.getLogger("l0.eventsourcing")

_OPTION_FIELDS = {f for f in SerializedOptions.__dataclass_fields__}


async def append_many(store: EventStore, stream_id: str, events: list[RecordedEvent]) -> list[EventEnvelope]:
    """Append ``events`` in order: one ``append_batch`` where the store has it, else one by one."""
    if isinstance(store, BatchEventStore):
        return await store.append_batch(stream_id, events)
    out = []
    for e in events:
        env = await store.append(stream_id, e)
        out.append(env if isinstance(env, EventEnvelope) else EventEnvelope(stream_id, -1, e))
    return out


class RecordingError(EventStoreError):
    """Events could not be written (the store's error is the ``__cause__``)."""


class EventRecorder:
    """Records the events of one stream into ``event_store``.

    With the defaults (``batch_size=1``, ``flush_ms=None``) every ``record_*`` call appends at
    once, as in the reference. With ``batch_size=N`` and/or ``flush_ms=M`` events are buffered and
    written per N events or every M ms, whichever comes first (one store call per batch);
    :meth:`flush` writes what is buffered and :meth:`close` also stops the timer. A failed write
    keeps the events (in order) and retries at the next flush; ``errors`` lists the failures and
    ``on_error`` (if given) is called with each. With ``options.save_snapshots`` a snapshot is
    saved every ``options.snapshot_interval`` events (stores with snapshots only).

    :meth:`run` records a live ``l0.run`` (see ``docs/eventsourcing.md``).
    """

    def __init__(self, event_store: EventStore, stream_id: str | None = None, *, batch_size: int = 1,
                 flush_ms: float | None = None, options: RecordOptions | None = None,
                 on_error: Callable[[BaseException], Any] | None = None, max_pending: int = 1_000_000) -> None:
        if not isinstance(event_store, EventStore):
            raise TypeError(f"event_store must implement the EventStore protocol, got {type(event_store).__name__}")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        if flush_ms is not None and (not isinstance(flush_ms, (int, float)) or flush_ms <= 0):
            raise ValueError(f"flush_ms must be a number of milliseconds > 0 or None, got {flush_ms!r}")
        if options is not None and options.stream_id is not None and stream_id is None:
            stream_id = options.stream_id
        if stream_id is not None and (not isinstance(stream_id, str) or not stream_id):
            raise TypeError(f"stream_id must be a non-empty str or None, got {stream_id!r}")
        self._store = event_store
        self._stream_id = stream_id or generate_stream_id()
        self.batch_size = batch_size
        self.flush_ms = flush_ms
        self.options = options or RecordOptions()
        self.on_error = on_error
        self.max_pending = max_pending
        self.errors: list[BaseException] = []
        self.dropped = 0
        self._seq = 0
        self._written = 0
        self._pending: list[RecordedEvent] = []
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._failures = 0
        self._folder = Folder() if self.options.save_snapshots else None
        self._next_snapshot = self.options.snapshot_interval
        self._live: _LiveRun | None = None

    @property
    def stream_id(self) -> str:
        return self._stream_id

    @property
    def seq(self) -> int:
        """Number of events recorded (buffered or written) by this recorder."""
        return self._seq

    @property
    def written(self) -> int:
        """Number of events the store has accepted."""
        return self._written

    @property
    def store(self) -> EventStore:
        return self._store

    # --- buffering ----------------------------------------------------------------------------

    def record_nowait(self, event: RecordedEvent) -> None:
        """Buffer ``event`` (``ts`` stamped if 0) and start a write when a batch is due. Sync:
        callable from ``on_event`` handlers and stream wrappers. Needs a running loop."""
        if not event.ts:
            event.ts = now_ms()
        self._seq += 1
        pending = self._pending
        pending.append(event)
        if len(pending) >= self.batch_size:
            if self._task is None or self._task.done():
                self._task = asyncio.get_running_loop().create_task(self._drain())
        elif self.flush_ms is not None and self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.flush_ms / 1000.0, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self._pending and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending
            self._pending = []
            try:
                await append_many(self._store, self._stream_id, batch)
            except Exception as e:
                self._pending[:0] = batch
                if len(self._pending) > self.max_pending:
                    extra = len(self._pending) - self.max_pending
                    del self._pending[:extra]
                    self.dropped += extra
                self._failures += 1
                self._report(e)
                # retry later with a growing delay, without blocking the caller
                if self._timer is None:
                    delay = min(0.05 * 2 ** min(self._failures, 6), 2.0)
                    self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)
                return
            self._failures = 0
            self._written += len(batch)
            if self._folder is not None:
                await self._snapshots(batch)

    async def _snapshots(self, batch: list[RecordedEvent]) -> None:
        folder = self._folder
        assert folder is not None
        save = getattr(self._store, "save_snapshot", None)
        for event in batch:
            folder.apply(event)
            folder.seq += 1
            if folder.seq >= self._next_snapshot and save is not None:
                self._next_snapshot = folder.seq + self.options.snapshot_interval
                try:
                    await save(folder.snapshot(self._stream_id))
                except Exception as e:
                    self._report(e)

    def _report(self, error: BaseException) -> None:
        self.errors.append(error)
        # one warning per failure streak; the retries of a store that stays down log at DEBUG
        log = logger.warning if self._failures <= 1 else logger.debug
        log("recording of stream %s: %s: %s", self._stream_id, type(error).__name__, error)
        if self.on_error is not None:
            try:
                self.on_error(error)
            except Exception:
                logger.exception("on_error handler of the recorder of stream %s failed", self._stream_id)

    async def flush(self) -> None:
        """Write everything buffered. Raises :class:`RecordingError` if the store refuses it
        (the events stay buffered for a later flush)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None and not self._task.done():
            await asyncio.shield(self._task)
        if self._pending:
            self._task = asyncio.get_running_loop().create_task(self._drain())
            await asyncio.shield(self._task)
        if self._pending:
            raise RecordingError(
                f"{len(self._pending)} event(s) of stream {self._stream_id!r} not written: "
                f"{type(self.errors[-1]).__name__}: {self.errors[-1]}") from self.errors[-1]

    async def close(self) -> None:
        """:meth:`flush` and stop the timer."""
        await self.flush()

    async def __aenter__(self) -> EventRecorder:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # --- the reference's record methods ---------------------------------------------------------

    async def record(self, event: RecordedEvent) -> None:
        """Record one event (``ts`` stamped now if it is 0)."""
        self.record_nowait(event)
        if self.batch_size == 1 and self.flush_ms is None:
            await self.flush()

    async def record_start(self, options: SerializedOptions | dict[str, Any] | None = None) -> None:
        if isinstance(options, dict):
            unknown = set(options) - _OPTION_FIELDS
            if unknown:
                raise TypeError(f"record_start: unknown option(s) {sorted(unknown)}; known: {sorted(_OPTION_FIELDS)}")
            options = SerializedOptions(**options)
        await self.record(StartEvent(ts=now_ms(), options=options or SerializedOptions()))

    async def record_token(self, value: str, index: int) -> None:
        await self.record(TokenEvent(ts=now_ms(), value=value, index=index))

    async def record_checkpoint(self, at: int, content: str) -> None:
        await self.record(CheckpointEvent(ts=now_ms(), at=at, content=content))

    async def record_guardrail(self, at: int, result: GuardrailEventResult | dict[str, Any]) -> None:
        if isinstance(result, dict):
            result = GuardrailEventResult(**result)
        await self.record(GuardrailEvent(ts=now_ms(), at=at, result=result))

    async def record_drift(self, at: int, result: DriftEventResult | dict[str, Any]) -> None:
        if isinstance(result, dict):
            result = DriftEventResult(**result)
        await self.record(DriftEvent(ts=now_ms(), at=at, result=result))

    async def record_retry(self, reason: str, attempt: int, counts_toward_limit: bool = True) -> None:
        await self.record(RetryEvent(ts=now_ms(), reason=reason, attempt=attempt,
                                     counts_toward_limit=counts_toward_limit))

    async def record_fallback(self, to: int) -> None:
        await self.record(FallbackEvent(ts=now_ms(), to=to))

    async def record_continuation(self, checkpoint: str, at: int) -> None:
        await self.record(ContinuationEvent(ts=now_ms(), checkpoint=checkpoint, at=at))

    async def record_complete(self, content: str, token_count: int) -> None:
        await self.record(CompleteEvent(ts=now_ms(), content=content, token_count=token_count))

    async def record_error(self, error: SerializedError | dict[str, Any] | BaseException, failure_type: str = "",
                           recovery_strategy: str = "", policy: str = "") -> None:
        if isinstance(error, BaseException):
            error = serialize_error(error)
        elif isinstance(error, dict):
            error = SerializedError(**error)
        await self.record(ErrorEvent(ts=now_ms(), error=error, failure_type=failure_type,
                                     recovery_strategy=recovery_strategy, policy=policy))

    # --- live runs ------------------------------------------------------------------------------

    async def run(self, stream: Any, **options: Any) -> Any:
        """``l0.run(stream, **options)`` with everything recorded into this recorder's stream.

        Records START (the serialisable options), per attempt what the provider sent (ATTEMPT,
        TOKEN with chunk boundaries and arrival times, CHUNK for other items, SOURCE_END: end,
        error or closed) and what the runtime decided (RETRY, FALLBACK, CHECKPOINT, GUARDRAIL,
        DRIFT, CONTINUATION, ERROR, COMPLETE), through ``on_event`` and a wrapper around each
        factory. Your own ``on_event`` is still called. A store failure never breaks the stream:
        it is logged, kept in ``errors`` and sent to ``on_event`` as a ``CALLBACK_ERROR`` event with
        ``callback="eventsourcing.recorder"``. Call :meth:`close` (or ``async with``) afterwards.
        """
        from .live import start_recording

        if self._live is not None:
            raise RuntimeError("an EventRecorder records one run; create another for the next run")
        self._live, stream_obj = await start_recording(self, stream, options)
        return stream_obj


def serialize_options(options: dict[str, Any]) -> SerializedOptions:
    """The serialisable summary of ``l0.run`` options stored in START."""

    def plain(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if is_dataclass(value) and not isinstance(value, type):
            out = {}
            for k, v in asdict(value).items():
                out[k] = getattr(v, "value", v) if not isinstance(v, (list, dict, int, float, str, bool, type(None))) else v
            return out
        return dict(value) if isinstance(value, dict) else {"value": str(value)}

    retry = options.get("retry")
    try:
        retry_d = plain(retry)
    except Exception:
        retry_d = {"value": repr(retry)}
    ctx = options.get("context")
    return SerializedOptions(
        retry=retry_d,
        timeout=plain(options.get("timeout")),
        check_intervals=plain(options.get("check_intervals")),
        continue_from_checkpoint=bool(options.get("continue_from_last_good_token")),
        detect_drift=options.get("drift_detector") is not None,
        fallback_count=len(options.get("fallbacks") or ()),
        guardrail_count=len(options.get("guardrails") or ()),
        metadata=dict(ctx) if isinstance(ctx, dict) else None,
    )


