"""Running chunks through ``l0``: bounded concurrency, progress, results in order.

Each chunk is one ``l0.run`` (with its own retry, timeout and fallbacks), so a
failure is retried for that chunk alone; ``DocumentWindow.retry_failed`` re-runs
only the chunks whose result is an error.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

from ._types import ChunkProcessConfig, ChunkResult, ContextRestorationOptions, DocumentChunk, ProcessingStats

if TYPE_CHECKING:
    from ._document import DocumentWindow

__all__ = [
    "Processor", "ProgressCallback", "process_chunks", "run_chunk", "l0_with_window", "merge_chunks",
    "merge_results", "get_processing_stats",
]

log = logging.getLogger("l0.window")

Processor = Callable[[DocumentChunk], Union[ChunkProcessConfig, Mapping[str, Any], Awaitable[ChunkProcessConfig]]]
ProgressCallback = Callable[[int, int, ChunkResult[Any]], Any]


def _check_concurrency(concurrency: object) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency!r}")
    return concurrency


async def _config(processor: Processor, chunk: DocumentChunk) -> ChunkProcessConfig:
    cfg: Any = processor(chunk)
    if inspect.isawaitable(cfg):
        cfg = await cfg
    if isinstance(cfg, Mapping):
        cfg = ChunkProcessConfig(**cfg)
    if not isinstance(cfg, ChunkProcessConfig):
        raise TypeError(
            f"processor must return a ChunkProcessConfig (or a dict of its fields), got {type(cfg).__name__}"
        )
    return cfg


async def _run_stream(cfg: ChunkProcessConfig, drift_detector: Any = None) -> tuple[Any, str]:
    run = importlib.import_module("l0._entry").run
    stream = await run(cfg.stream, retry=cfg.retry, timeout=cfg.timeout, fallbacks=cfg.fallbacks,
                       drift_detector=drift_detector)
    return stream, await stream.read()


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


async def run_chunk(chunk: DocumentChunk, processor: Processor) -> ChunkResult[Any]:
    """One chunk through ``l0.run``; any failure becomes an ``"error"`` result."""
    start = time.perf_counter()
    try:
        cfg = await _config(processor, chunk)
        stream, text = await _run_stream(cfg)
    except Exception as exc:  # noqa: BLE001 - a failed chunk is a result, never an exception
        return ChunkResult(chunk=chunk, status="error", error=str(exc) or type(exc).__name__, duration=_ms(start))
    return ChunkResult(chunk=chunk, status="success", result=stream, content=text, duration=_ms(start))


class _Progress:
    """Fans one finished chunk out to the callback and the optional progress bar."""

    def __init__(self, total: int, callback: ProgressCallback | None, bar: bool) -> None:
        if callback is not None and not callable(callback):
            raise TypeError(f"on_progress must be callable, got {type(callback).__name__}")
        self.total = total
        self.done = 0
        self.callback = callback
        self.bar = _tqdm(total) if bar else None

    async def step(self, result: ChunkResult[Any]) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        if self.callback is None:
            return
        try:
            out = self.callback(self.done, self.total, result)
            if inspect.isawaitable(out):
                await out
        except Exception as exc:  # noqa: BLE001 - a failing callback never stops the other chunks
            log.warning("on_progress callback %r failed: %r", self.callback, exc)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _tqdm(total: int) -> Any:
    try:
        tqdm = importlib.import_module("tqdm")
    except ImportError:
        raise ImportError("progress_bar=True needs tqdm: pip install 'l0[progress]'") from None
    return tqdm.tqdm(total=total, unit="chunk", desc="l0 window")


async def process_chunks(
    chunks: Sequence[DocumentChunk],
    processor: Processor,
    *,
    concurrency: int = 5,
    on_progress: ProgressCallback | None = None,
    progress_bar: bool = False,
) -> list[ChunkResult[Any]]:
    """Run ``chunks`` with at most ``concurrency`` at a time; results in chunk order.

    ``concurrency`` workers pull the next chunk as they finish, so memory stays
    bounded by the workers, not by the number of chunks.
    """
    concurrency = _check_concurrency(concurrency)
    if not callable(processor):
        raise TypeError(f"processor must be callable, got {type(processor).__name__}")
    results: list[ChunkResult[Any] | None] = [None] * len(chunks)
    progress = _Progress(len(chunks), on_progress, progress_bar)
    pending = iter(range(len(chunks)))

    async def worker() -> None:
        for i in pending:
            result = await run_chunk(chunks[i], processor)
            results[i] = result
            await progress.step(result)

    tasks = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(chunks)))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        progress.close()
    return results  # type: ignore[return-value]


def _restoration_index(window: DocumentWindow, index: int, strategy: str) -> int | None:
    if index + 1 < window.total_chunks:
        return index + 1
    if strategy != "overlap" and index > 0:
        return index - 1
    return None


async def l0_with_window(
    window: DocumentWindow,
    chunk_index: int,
    stream: Callable[[], Any],
    *,
    context_restoration: ContextRestorationOptions | None = None,
    retry: Any = None,
    timeout: Any = None,
    fallbacks: list[Callable[[], Any]] | None = None,
    drift_detector: Any = None,
) -> ChunkResult[Any]:
    """Run ``stream`` for chunk ``chunk_index``; on drift, re-run with a neighbouring chunk.

    The window is positioned on the chunk (``window.current()``) before each run,
    so a factory that reads ``window.current()`` gets the restoration chunk on a
    re-run. Drift is read from ``result.state.drift_detected`` (pass a
    ``drift_detector``); ``on_restore(from_index, to_index)`` is called first.
    An exception is retried up to ``max_attempts`` times when restoration is enabled.
    """
    chunk = window.get(chunk_index)
    if chunk is None:
        raise IndexError(f"chunk_index {chunk_index!r} out of range for a window of {window.total_chunks} chunks")
    opts = context_restoration or ContextRestorationOptions()
    cfg = ChunkProcessConfig(stream=stream, retry=retry, timeout=timeout, fallbacks=fallbacks)
    start = time.perf_counter()
    window.jump(chunk_index)
    current = chunk_index
    tries = 0
    while True:
        try:
            result, text = await _run_stream(cfg, drift_detector)
        except Exception as exc:  # noqa: BLE001 - returned as an error result
            tries += 1
            if opts.enabled and tries <= opts.max_attempts:
                continue
            return ChunkResult(chunk=chunk, status="error", error=str(exc) or type(exc).__name__, duration=_ms(start))
        drifted = bool(getattr(getattr(result, "state", None), "drift_detected", False))
        if not (opts.enabled and drifted and tries < opts.max_attempts):
            return ChunkResult(chunk=chunk, status="success", result=result, content=text, duration=_ms(start))
        target = _restoration_index(window, current, opts.strategy)
        if target is None:
            return ChunkResult(chunk=chunk, status="success", result=result, content=text, duration=_ms(start))
        tries += 1
        if opts.on_restore is not None:
            try:
                opts.on_restore(current, target)
            except Exception as exc:  # noqa: BLE001
                log.warning("on_restore callback %r failed: %r", opts.on_restore, exc)
        window.jump(target)
        current = target


def merge_chunks(chunks: Sequence[DocumentChunk], preserve_overlap: bool = False) -> str:
    """The text of ``chunks`` in document order, overlaps removed (kept with ``preserve_overlap``)."""
    ordered = sorted(chunks, key=lambda c: c.start_pos)
    if preserve_overlap:
        return "".join(c.content for c in ordered)
    parts = []
    reached = None
    for c in ordered:
        if reached is None or c.start_pos >= reached:
            parts.append(c.content)
        elif c.end_pos > reached:
            parts.append(c.content[reached - c.start_pos:])
        else:
            continue
        reached = c.end_pos if reached is None else max(reached, c.end_pos)
    return "".join(parts)


def merge_results(results: Sequence[ChunkResult[Any]], separator: str = "\n\n") -> str:
    """The content of the successful, non-empty results, joined by ``separator``."""
    return separator.join(r.content for r in results if r.status == "success" and r.content)


def get_processing_stats(results: Sequence[ChunkResult[Any]]) -> ProcessingStats:
    """Counts, success rate (percent, 2 decimals) and durations (ms, 2 decimals)."""
    total = len(results)
    if total == 0:
        return ProcessingStats(total=0, successful=0, failed=0, success_rate=0.0, avg_duration=0.0, total_duration=0)
    ok = sum(1 for r in results if r.status == "success")
    duration = sum(r.duration for r in results)
    return ProcessingStats(
        total=total,
        successful=ok,
        failed=total - ok,
        success_rate=round(ok / total * 100, 2),
        avg_duration=round(duration / total, 2),
        total_duration=round(duration, 2),
    )
