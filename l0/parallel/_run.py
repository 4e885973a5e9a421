"""``parallel``, ``race``, ``sequential``, ``batched`` and the ``Parallel`` namespace."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from l0.types import EventType, State

from ._support import (
    call_back, cancel_and_wait, check_callable, close_stream, close_structured, has_valid_field, is_l0_stream,
    structured_holder,
)
from ._tasks import check_tasks, settle_task, start_task
from ._types import (
    AggregatedTelemetry, BatchedResult, ParallelOptions, ParallelResult, RaceResult, TaskSkippedError,
    TelemetryCollector, _check_concurrency,
)

__all__ = ["parallel", "race", "sequential", "batched", "Parallel"]

T = TypeVar("T")
_TOKEN = EventType.TOKEN


async def parallel(
    tasks: list[Any],
    options: ParallelOptions | None = None,
    *,
    concurrency: int | None = None,
    fail_fast: bool = False,
    on_progress: Callable[[int, int], Any] | None = None,
    on_complete: Callable[[Any, int], Any] | None = None,
    on_error: Callable[[Exception, int], Any] | None = None,
) -> ParallelResult[Any]:
    """Run ``tasks`` with at most ``concurrency`` at a time; results and errors in input order.

    ``options`` (a :class:`ParallelOptions`) replaces every keyword. With
    ``fail_fast`` the first failure cancels the running tasks (awaited) and
    skips the rest. Only ``concurrency`` worker tasks exist at any time.
    """
    if options is not None:
        if not isinstance(options, ParallelOptions):
            raise TypeError(f"options must be a ParallelOptions or None, got {type(options).__name__}")
    else:
        options = ParallelOptions(concurrency=5 if concurrency is None else _check_concurrency(concurrency),
                                  fail_fast=fail_fast, on_progress=on_progress, on_complete=on_complete,
                                  on_error=on_error)
    items = check_tasks(tasks)
    n = len(items)
    if n == 0:
        return ParallelResult(results=[], errors=[], duration=0.0)
    t0 = time.perf_counter()
    results: list[Any] = [None] * n
    errors: list[Exception | None] = [None] * n
    done = [False] * n
    collector = TelemetryCollector()
    counts = [0, 0]  # successes, failures
    stop: list[int] = []  # index of the task whose failure stopped the run (fail_fast)
    workers: list[asyncio.Task[None]] = []
    indices = iter(range(n))
    opts = options

    async def worker() -> None:
        try:
            await work()
        except asyncio.CancelledError:
            if not stop:  # cancelled by our caller, not by fail_fast
                raise

    async def work() -> None:
        for i in indices:  # shared iterator: each index is taken by one worker
            if stop:
                return
            try:
                value = await settle_task(items[i], collector)
            except Exception as exc:  # noqa: BLE001 - the task's own failure is the result
                errors[i] = exc
                done[i] = True
                counts[1] += 1
                if opts.fail_fast and not stop:
                    stop.append(i)
                    me = asyncio.current_task()
                    for w in workers:
                        if w is not me:
                            w.cancel()
                await call_back(opts.on_error, "parallel on_error", exc, i)
            else:
                results[i] = value
                done[i] = True
                counts[0] += 1
                await call_back(opts.on_complete, "parallel on_complete", value, i)
            await call_back(opts.on_progress, "parallel on_progress", counts[0] + counts[1], n)

    workers.extend(asyncio.ensure_future(worker()) for _ in range(min(opts.concurrency, n)))
    try:
        await asyncio.wait(workers)
    except BaseException:
        await cancel_and_wait(workers)
        raise
    for w in workers:  # a worker cancelled by fail_fast before its first step ends cancelled: fine
        if not w.cancelled() and w.exception() is not None:
            raise w.exception()  # type: ignore[misc]
    skipped = 0
    if stop:
        for i in range(n):
            if not done[i]:
                errors[i] = TaskSkippedError(f"task {i} was skipped or cancelled: fail_fast after task {stop[0]} failed")
                skipped += 1
    return ParallelResult(results=results, errors=errors, success_count=counts[0], failure_count=counts[1],
                          duration=time.perf_counter() - t0, aggregated_telemetry=collector.result(),
                          skipped_count=skipped)


def _check_hedge(hedge_after: Any) -> float | None:
    if hedge_after is None:
        return None
    if isinstance(hedge_after, bool) or not isinstance(hedge_after, (int, float)) or not (
            hedge_after >= 0 and math.isfinite(hedge_after)):
        raise ValueError(f"hedge_after must be a number of milliseconds >= 0 or None, got {hedge_after!r}")
    return hedge_after / 1000.0


async def race(
    tasks: list[Any],
    *,
    on_error: Callable[[Exception, int], Any] | None = None,
    hedge_after: float | None = None,
) -> RaceResult[Any]:
    """The first task to succeed wins; the others are cancelled and awaited.

    A task whose value is an l0 stream (run options, ``l0.run``, a wrapped
    client) is useful at its first token: that stream wins, the others are
    cancelled (their connections closed) and the winner is read to its end;
    ``value`` is the winner's (read) stream. A task whose value is a
    ``structured_stream`` (``lambda: l0.structured_stream(schema, factory)``)
    is useful at its first complete, validated field: the winner is read to
    its end and validated, and ``value`` is its ``StructuredStreamResult``
    (``(await value.validate()).data`` is the data, at no extra cost). A
    stream that completes without any token (a structured one without any
    valid field, but valid as a whole) wins only if no candidate does better.
    Plain tasks win when they finish.
    ``hedge_after`` (ms) starts the candidates one by one: the next starts
    only when no candidate has won ``hedge_after`` ms after the previous
    start, or at once when every running candidate has failed.
    """
    items = check_tasks(tasks)
    check_callable(on_error, "on_error")
    hedge = _check_hedge(hedge_after)
    n = len(items)
    if n == 0:
        raise RuntimeError("No tasks provided")
    collector = TelemetryCollector()
    streams: dict[int, tuple[Any, float]] = {}
    ended: dict[int, float] = {}
    empty: set[int] = set()

    async def candidate(i: int) -> Any:
        started = time.time()
        try:
            value = await start_task(items[i])
            if isinstance(value, State):
                collector.add(value, started)
            holder = structured_holder(value)
            if holder is not None:
                return await structured_candidate(i, value, holder, started)
            if not is_l0_stream(value):
                return value
            streams[i] = (value, started)
            try:
                async for ev in value:
                    if ev.type == _TOKEN and ev.text:
                        return value
            except BaseException:
                await close_stream(value)
                raise
            empty.add(i)  # finished without a token: wins only if nothing useful comes
            return value
        finally:
            ended[i] = time.time()

    async def structured_candidate(i: int, value: Any, holder: Any, started: float) -> Any:
        streams[i] = (holder, started)
        # the (events, result) pair's events, or the result's own: the same generator, which
        # the winner's validate() drains from where this loop stops
        events = value[0] if isinstance(value, tuple) else holder._events
        try:
            if has_valid_field(holder.partial):
                return holder
            if events is not None:
                async for _ in events:
                    if has_valid_field(holder.partial):
                        return holder
            await holder.validate()  # no valid field: only a valid whole can be a fallback
        except BaseException:
            await close_structured(holder)
            raise
        empty.add(i)
        return holder

    async def close_loser(value: Any) -> None:
        holder = structured_holder(value)
        if holder is not None:
            await close_structured(holder)
        elif is_l0_stream(value):
            await close_stream(value)

    running: dict[asyncio.Task[Any], int] = {}
    started_count = 0

    def launch() -> None:
        nonlocal started_count
        i = started_count
        started_count += 1
        running[asyncio.ensure_future(candidate(i))] = i

    last_error: Exception | None = None
    winner: tuple[int, Any] | None = None
    fallback: tuple[int, Any] | None = None
    try:
        for _ in range(1 if hedge is not None else n):
            launch()
        while winner is None:
            wait_for = hedge if hedge is not None and started_count < n else None
            finished, _ = await asyncio.wait(running, timeout=wait_for, return_when=asyncio.FIRST_COMPLETED)
            if not finished:
                launch()  # hedge: nobody useful yet
                continue
            for t in sorted(finished, key=running.__getitem__):  # index order: deterministic
                i = running.pop(t)
                exc = t.exception()
                if exc is None:
                    if i in empty:
                        if fallback is None:
                            fallback = (i, t.result())
                    elif winner is None:
                        winner = (i, t.result())
                    else:  # useful in the same step, but not first
                        await close_loser(t.result())
                    continue
                if not isinstance(exc, Exception):
                    raise exc
                last_error = exc
                await call_back(on_error, "race on_error", exc, i)
            if winner is None and not running:
                if started_count < n:
                    launch()
                    continue
                if fallback is not None:
                    winner = fallback
                    break
                if last_error is not None:
                    raise last_error
                raise RuntimeError("All tasks failed")
        await cancel_and_wait(list(running))
        index, value = winner
        holder = structured_holder(value)
        if holder is not None:
            value = holder
            try:
                await holder.validate()
            except Exception as exc:
                await call_back(on_error, "race on_error", exc, index)
                raise
            finally:
                await close_structured(holder)
                ended[index] = time.time()
        elif is_l0_stream(value):
            try:
                async with value:
                    await value.read()
            except Exception as exc:
                await call_back(on_error, "race on_error", exc, index)
                raise
            finally:
                ended[index] = time.time()
    finally:
        await cancel_and_wait(list(running))
        for i, (stream, started) in sorted(streams.items()):
            collector.add(stream.state, started, ended.get(i))
    return RaceResult(value=value, winner_index=index, aggregated_telemetry=collector.result())


async def sequential(tasks: list[Any]) -> BatchedResult:
    """Run ``tasks`` one after another; the first exception propagates.

    Returns a list (a :class:`BatchedResult`, with ``aggregated_telemetry``).
    """
    items = check_tasks(tasks)
    collector = TelemetryCollector()
    out = BatchedResult()
    for task in items:
        out.append(await settle_task(task, collector))
    out.aggregated_telemetry = collector.result()
    return out


async def batched(
    items: list[Any],
    handler: Callable[[Any], Awaitable[Any]],
    batch_size: int = 10,
    *,
    on_progress: Callable[[int, int], Any] | None = None,
) -> BatchedResult:
    """Apply ``handler`` to ``items`` in batches of ``batch_size`` (all of a batch at once).

    Results in input order, as a list (a :class:`BatchedResult` with
    ``aggregated_telemetry``). A failure cancels the rest of its batch
    (awaited) and propagates. ``on_progress(completed, total)`` after each batch.
    """
    if not callable(handler):
        raise TypeError(f"handler must be an async callable taking one item, got {type(handler).__name__}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    check_callable(on_progress, "on_progress")
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise TypeError(f"items must be a list, got {type(items).__name__}")
    items = list(items)
    total = len(items)
    collector = TelemetryCollector()
    out = BatchedResult()
    for start in range(0, total, batch_size):
        chunk = items[start:start + batch_size]
        batch = [asyncio.ensure_future(settle_task(lambda item=item: handler(item), collector)) for item in chunk]
        try:
            done, pending = await asyncio.wait(batch, return_when=asyncio.FIRST_EXCEPTION)
            if pending:
                await cancel_and_wait(pending)
        except BaseException:
            await cancel_and_wait(batch)
            raise
        failed = [t for t in batch if t.done() and not t.cancelled() and t.exception() is not None]
        if failed:
            raise failed[0].exception()  # type: ignore[misc]
        out.extend(t.result() for t in batch)
        await call_back(on_progress, "batched on_progress", len(out), total)
    out.aggregated_telemetry = collector.result()
    return out


class Parallel:
    """Namespace of the parallel helpers (``Parallel.run`` is :func:`parallel`)."""

    Result = ParallelResult
    RaceResult = RaceResult
    Options = ParallelOptions
    Telemetry = AggregatedTelemetry

    run = staticmethod(parallel)
    race = staticmethod(race)
    sequential = staticmethod(sequential)
    batched = staticmethod(batched)
