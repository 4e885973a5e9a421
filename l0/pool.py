"""``OperationPool``: a fixed number of workers running l0 streams from a queue.

``execute()`` queues a stream factory and returns a future of its final
:class:`~l0.types.State`. Each operation runs through the public ``l0.run``
with the pool's shared retry/timeout/guardrails/``on_event``/``context``
(per-operation values win). The queue may be bounded (``max_queue_size``:
``execute`` raises :class:`PoolFullError`, ``await submit(...)`` waits for
room). Cancelling an operation's future cancels the operation; ``shutdown``
drains (or, with ``cancel=True``, cancels) and awaits every worker. The pool
holds no finished result: a state lives as long as the caller's future.
See ``docs/pool.md``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from l0.parallel._support import cancel_and_wait
from l0.parallel._types import AggregatedTelemetry, TelemetryCollector
from l0.types import Retry, State, Timeout

if TYPE_CHECKING:  # pragma: no cover
    from l0.events import ObservabilityEvent
    from l0.guardrails import GuardrailRule

__all__ = ["OperationPool", "PoolOptions", "PoolStats", "PooledOperation", "PoolFullError", "create_pool"]

T = TypeVar("T")


class PoolFullError(asyncio.QueueFull, RuntimeError):
    """``execute()`` on a pool whose bounded queue is full (``await pool.submit(...)`` waits instead)."""


def _check_bound(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_queue_size must be an int >= 1 or None, got {value!r}")
    return value


@dataclass
class PoolOptions:
    """Shared settings of a pool's operations; ``max_queue_size`` (an addition) bounds the queue."""

    shared_retry: Retry | None = None
    shared_timeout: Timeout | None = None
    shared_guardrails: list[GuardrailRule] | None = None
    on_event: Callable[[ObservabilityEvent], Any] | None = None
    context: dict[str, Any] | None = None
    max_queue_size: int | None = None

    def __post_init__(self) -> None:
        if self.shared_retry is not None and not isinstance(self.shared_retry, Retry):
            raise TypeError(f"shared_retry must be a l0.Retry or None, got {type(self.shared_retry).__name__}")
        if self.shared_timeout is not None and not isinstance(self.shared_timeout, Timeout):
            raise TypeError(f"shared_timeout must be a l0.Timeout or None, got {type(self.shared_timeout).__name__}")
        if self.on_event is not None and not callable(self.on_event):
            raise TypeError(f"on_event must be callable or None, got {type(self.on_event).__name__}")
        if self.context is not None and not isinstance(self.context, dict):
            raise TypeError(f"context must be a dict or None, got {type(self.context).__name__}")
        _check_bound(self.max_queue_size)


@dataclass
class PoolStats:
    """Counters of a pool; ``total_duration`` is in seconds, summed over successes.

    Additions: ``total_cancelled`` (operations whose future was cancelled) and
    ``aggregated_telemetry`` over every operation that ran.
    """

    total_executed: int = 0
    total_succeeded: int = 0
    total_failed: int = 0
    total_duration: float = 0.0
    total_cancelled: int = 0
    aggregated_telemetry: AggregatedTelemetry | None = None


@dataclass
class PooledOperation:
    """One queued operation (internal; the future resolves to the final ``State``)."""

    stream: Any
    fallbacks: list[Any] | None = None
    guardrails: list[Any] | None = None
    retry: Retry | None = None
    timeout: Timeout | None = None
    future: asyncio.Future[State] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def _cancel_op(task: asyncio.Task[None], future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        task.cancel()


class OperationPool(Generic[T]):
    """``worker_count`` workers taking operations from one queue (started by the first ``execute``)."""

    def __init__(self, worker_count: int = 3, options: PoolOptions | None = None) -> None:
        if isinstance(worker_count, bool) or not isinstance(worker_count, int):
            raise TypeError(f"worker_count must be an int, got {type(worker_count).__name__}")
        if worker_count < 1:
            raise ValueError("worker_count must be at least 1")
        if options is not None and not isinstance(options, PoolOptions):
            raise TypeError(f"options must be a PoolOptions or None, got {type(options).__name__}")
        self._worker_count = worker_count
        self._options = options or PoolOptions()
        self._queue: asyncio.Queue[PooledOperation | None] = asyncio.Queue(self._options.max_queue_size or 0)
        self._workers: list[asyncio.Task[None]] = []
        self._draining = False
        self._stopping = False
        self._active = 0
        self._stats = PoolStats()
        self._telemetry = TelemetryCollector()

    @property
    def worker_count(self) -> int:
        return self._worker_count

    def _operation(self, stream: Any, fallbacks: Any, guardrails: Any, retry: Any, timeout: Any) -> PooledOperation:
        if self._draining:
            raise RuntimeError("Cannot execute operations while pool is draining")
        if not callable(stream) and not hasattr(stream, "__aiter__"):
            raise TypeError(f"stream must be a stream factory (a callable) or an async iterable, "
                            f"got {type(stream).__name__}")
        if retry is not None and not isinstance(retry, Retry):
            raise TypeError(f"retry must be a l0.Retry or None, got {type(retry).__name__}")
        if timeout is not None and not isinstance(timeout, Timeout):
            raise TypeError(f"timeout must be a l0.Timeout or None, got {type(timeout).__name__}")
        if not self._workers:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError("OperationPool.execute() needs a running event loop (call it from async code)"
                                   ) from None
            self._workers = [loop.create_task(self._worker()) for _ in range(self._worker_count)]
        return PooledOperation(stream, fallbacks, guardrails, retry, timeout)

    def execute(self, stream: Any, *, fallbacks: list[Any] | None = None, guardrails: list[Any] | None = None,
                retry: Retry | None = None, timeout: Timeout | None = None) -> asyncio.Future[State]:
        """Queue an operation; returns a future of its final ``State`` (needs a running loop).

        Raises ``RuntimeError`` while draining and :class:`PoolFullError` when
        a bounded queue is full. Cancelling the future cancels the operation.
        """
        op = self._operation(stream, fallbacks, guardrails, retry, timeout)
        try:
            self._queue.put_nowait(op)
        except asyncio.QueueFull:
            raise PoolFullError(f"the pool's queue is full (max_queue_size={self._options.max_queue_size}); "
                                f"use 'await pool.submit(...)' to wait for room") from None
        return op.future

    async def submit(self, stream: Any, *, fallbacks: list[Any] | None = None, guardrails: list[Any] | None = None,
                     retry: Retry | None = None, timeout: Timeout | None = None) -> asyncio.Future[State]:
        """Like :meth:`execute`, but waits for room in a bounded queue (backpressure)."""
        op = self._operation(stream, fallbacks, guardrails, retry, timeout)
        await self._queue.put(op)
        return op.future

    async def _worker(self) -> None:
        queue = self._queue
        loop = asyncio.get_running_loop()
        while True:
            op = await queue.get()
            try:
                if op is None:
                    return
                future = op.future
                if future.done():  # cancelled by the caller while queued
                    self._stats.total_cancelled += 1
                    continue
                task = loop.create_task(self._run(op))
                future.add_done_callback(lambda f, t=task: _cancel_op(t, f))
                try:
                    await task  # _run raises nothing but its own cancellation
                except asyncio.CancelledError:
                    if self._stopping or not task.done():  # the worker itself is being cancelled
                        await cancel_and_wait((task,))
                        raise
            finally:
                # Drop the references before waiting for the next one: a finished
                # operation's state must live only as long as the caller's future.
                op = future = task = None  # type: ignore[assignment]
                queue.task_done()

    async def _run(self, op: PooledOperation) -> None:
        import l0

        shared = self._options
        future = op.future
        self._active += 1
        started = time.time()
        t0 = time.perf_counter()
        stream = None
        try:
            stream = await l0.run(op.stream, fallbacks=op.fallbacks,
                                  guardrails=op.guardrails or shared.shared_guardrails or None,
                                  retry=op.retry or shared.shared_retry, timeout=op.timeout or shared.shared_timeout,
                                  on_event=shared.on_event, context=shared.context)
            async with stream:
                await stream.read()
        except asyncio.CancelledError:
            self._stats.total_cancelled += 1
            if not future.done():
                future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - delivered through the future
            self._stats.total_executed += 1
            self._stats.total_failed += 1
            if not future.done():
                future.set_exception(exc)
        else:
            self._stats.total_executed += 1
            self._stats.total_succeeded += 1
            self._stats.total_duration += time.perf_counter() - t0
            if not future.done():
                future.set_result(stream.state)
        finally:
            self._active -= 1
            if stream is not None:
                self._telemetry.add(stream.state, started)

    async def drain(self) -> None:
        """Refuse new operations and wait until every queued one has finished; the pool stays usable."""
        self._draining = True
        try:
            await self._queue.join()
        finally:
            self._draining = False

    async def shutdown(self, *, cancel: bool = False) -> None:
        """Stop the workers: drain first, or with ``cancel=True`` cancel queued and running operations.

        Every worker is awaited. If the shutdown itself is cancelled it
        cancels everything (awaited) and re-raises. A later ``execute``
        starts new workers.
        """
        if not self._workers:
            return
        try:
            if cancel:
                await self._abort()
                return
            await self.drain()
            for _ in self._workers:
                await self._queue.put(None)
            await asyncio.gather(*self._workers)
        except BaseException:
            await self._abort()
            raise
        finally:
            self._workers = []

    async def _abort(self) -> None:
        queue = self._queue
        while not queue.empty():
            op = queue.get_nowait()
            if op is not None and not op.future.done():
                op.future.cancel()
                self._stats.total_cancelled += 1
            queue.task_done()
        self._stopping = True
        try:
            await cancel_and_wait(self._workers)
        finally:
            self._stopping = False
        # A worker cancelled while waiting leaves no item behind; one cancelled mid-run
        # has marked its item done in its finally clause.

    async def __aenter__(self) -> OperationPool[T]:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.shutdown(cancel=exc_type is not None)

    def get_queue_length(self) -> int:
        """Operations queued but not yet picked up by a worker."""
        return self._queue.qsize()

    def get_active_workers(self) -> int:
        """Workers running an operation right now."""
        return self._active

    def get_stats(self) -> PoolStats:
        """A copy of the counters, with the aggregated telemetry of the operations so far."""
        s = self._stats
        return PoolStats(total_executed=s.total_executed, total_succeeded=s.total_succeeded,
                         total_failed=s.total_failed, total_duration=s.total_duration,
                         total_cancelled=s.total_cancelled, aggregated_telemetry=self._telemetry.result())


def create_pool(
    worker_count: int = 3,
    *,
    shared_retry: Retry | None = None,
    shared_timeout: Timeout | None = None,
    shared_guardrails: list[GuardrailRule] | None = None,
    on_event: Callable[[ObservabilityEvent], Any] | None = None,
    context: dict[str, Any] | None = None,
    max_queue_size: int | None = None,
) -> OperationPool[Any]:
    """An :class:`OperationPool` with these shared options."""
    return OperationPool(worker_count, PoolOptions(shared_retry=shared_retry, shared_timeout=shared_timeout,
                                                   shared_guardrails=shared_guardrails, on_event=on_event,
                                                   context=context, max_queue_size=max_queue_size))
