"""l0.window processing: bounded concurrency, order, progress, per-chunk retry, retry_failed,
navigation, stats, merging and l0_with_window."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

import l0
from l0.types import Event, EventType, Retry
from l0.window import (
    ChunkProcessConfig, ChunkResult, ContextRestorationOptions, DocumentChunk, DocumentWindow, ProcessingStats,
    Window, WindowConfig, WindowStats, get_processing_stats, l0_with_window, merge_chunks, merge_results,
    process_with_window,
)
from l0.window import _process

DOC = " ".join(f"w{i:03d}" for i in range(100))
FAST = Retry(attempts=3, max_retries=3, base_delay=0.0, max_delay=0.0)


def need(module: str):
    """Import an optional test dependency: skipped locally if missing, a failure under CI (dev extra installs it)."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


async def words(text: str, fail: Exception | None = None) -> AsyncIterator[Event]:
    """A stream of one TOKEN per word (failing after the first when ``fail`` is given)."""
    for i, word in enumerate(text.split(" ")):
        if fail is not None and i == 1:
            raise fail
        yield Event(type=EventType.TOKEN, text=word if i == 0 else " " + word)
    yield Event(type=EventType.COMPLETE)


def echo(chunk: DocumentChunk) -> ChunkProcessConfig:
    return ChunkProcessConfig(stream=lambda: words(chunk.content.strip()))


@pytest.fixture
def window() -> DocumentWindow:
    """A 100-word document in 8 windows of 20 estimated tokens, 5 overlapping."""
    return DocumentWindow(DOC, WindowConfig(size=20, overlap=5))


def test_navigation(window: DocumentWindow) -> None:
    assert (len(window), window.total_chunks, window.current_index) == (8, 8, 0)
    assert [(c.start_pos, c.end_pos) for c in window][:3] == [(0, 80), (60, 140), (120, 200)]
    assert window.current().index == 0 and window.next().index == 1 and window.next().index == 2
    assert window.prev().index == 1
    assert window.jump(99) is None and window.current_index == 1
    assert window.jump(4).index == 4 and window.next().index == 5 and window.has_next() and window.has_prev()
    assert window.reset().index == 0 and window.prev() is None and not window.has_prev()
    window.jump(7)
    assert window.next() is None and not window.has_next()
    assert [c.index for c in window.get_range(-5, 2)] == [0, 1] and [c.index for c in window.get_range(6, 100)] == [6, 7]
    assert window.get(-1) is None and window.get(8) is None and window[0].index == 0 and window[-1].index == 7
    assert window.document == DOC and window.config.size == 20 and len(window.get_all_chunks()) == 8
    assert "chunks=8" in repr(window)


def test_search_context_and_stats(window: DocumentWindow) -> None:
    assert [c.index for c in window.find_chunks("W050")] == [3, 4]
    assert window.find_chunks("W050", case_sensitive=True) == []
    assert window.get_context(1, before=1, after=1) == DOC[:200]
    assert window.get_context(0) == DOC[:80] and window.get_context(99) == ""
    assert [c.index for c in window.get_chunks_in_range(70, 90)] == [0, 1]
    assert [c.index for c in window.get_chunks_in_range(0, 0)] == [0]
    assert [c.index for c in window.get_chunks_in_range(80, 80)] == [0, 1]
    assert window.get_stats() == WindowStats(8, 499, 124, 79, 19, 5, "token")


def test_merging_and_stats(window: DocumentWindow) -> None:
    assert merge_chunks(window.get_all_chunks()) == DOC
    assert merge_chunks([window[2], window[0]]) == DOC[:80] + DOC[120:200]  # sorted; the gap stays a gap
    assert merge_chunks(window.get_all_chunks(), preserve_overlap=True) == "".join(c.content for c in window)
    assert merge_chunks([]) == ""
    results = [ChunkResult(window[0], "success", content="a", duration=10.0),
               ChunkResult(window[1], "error", error="x", duration=5.5),
               ChunkResult(window[2], "success", content="", duration=1.234)]
    assert merge_results(results) == "a" and Window.merge_results(results, "|") == "a"
    assert get_processing_stats(results) == ProcessingStats(3, 2, 1, 66.67, 5.58, 16.73)
    assert Window.get_stats([]) == ProcessingStats(0, 0, 0, 0.0, 0.0, 0)
    assert Window.merge_chunks([window[0]]) == window[0].content


async def test_process_all_in_order_with_bounded_concurrency(window: DocumentWindow) -> None:
    running = 0
    peak = 0

    async def slow(chunk: DocumentChunk) -> AsyncIterator[Event]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            await asyncio.sleep(0.002 * (8 - chunk.index))  # later chunks finish first
            yield Event(type=EventType.TOKEN, text=f"chunk {chunk.index}")
            yield Event(type=EventType.COMPLETE)
        finally:
            running -= 1

    results = await window.process_all(lambda c: ChunkProcessConfig(stream=lambda: slow(c)), concurrency=3)
    assert [r.content for r in results] == [f"chunk {i}" for i in range(8)]
    assert peak == 3
    assert all(r.status == "success" and r.duration > 0 and r.result.state.completed for r in results)


async def test_process_with_window_and_sequential() -> None:
    results = await process_with_window(DOC, echo, size=20, overlap=5)
    assert [r.content for r in results] == [c.content.strip() for c in DocumentWindow(DOC, WindowConfig(20, 5))]
    seq = await DocumentWindow(DOC, WindowConfig(20, 5)).process_sequential(echo)
    assert [r.content for r in seq] == [r.content for r in results]
    via_window = await Window.process(DOC, echo, WindowConfig(size=50, overlap=0, strategy="char"))
    assert len(via_window) == 10 and via_window[0].content == DOC[:50].strip()


async def test_processor_forms(window: DocumentWindow) -> None:
    async def async_processor(chunk: DocumentChunk) -> ChunkProcessConfig:
        return echo(chunk)

    assert all(r.status == "success" for r in await window.process_all(async_processor))
    as_dict = await window.process_all(lambda c: {"stream": lambda: words("x")})
    assert {r.content for r in as_dict} == {"x"}
    bad = await window.process_all(lambda c: "not a config")
    assert bad[0].status == "error" and "ChunkProcessConfig" in bad[0].error
    raising = await window.process_all(lambda c: 1 / 0)
    assert raising[0].status == "error" and raising[0].error == "division by zero"


async def test_argument_errors(window: DocumentWindow) -> None:
    with pytest.raises(ValueError, match="concurrency must be >= 1"):
        await window.process_all(echo, concurrency=0)
    with pytest.raises(TypeError, match="processor must be callable"):
        await window.process_all("echo")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="on_progress must be callable"):
        await window.process_all(echo, on_progress="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config must be a WindowConfig"):
        await process_with_window(DOC, echo, {"size": 10})  # type: ignore[arg-type]


async def test_a_failed_chunk_is_retried_alone(window: DocumentWindow) -> None:
    calls: dict[int, int] = {}

    def flaky(chunk: DocumentChunk) -> ChunkProcessConfig:
        def factory() -> AsyncIterator[Event]:
            calls[chunk.index] = calls.get(chunk.index, 0) + 1
            fail = ConnectionResetError("reset") if chunk.index % 3 == 0 and calls[chunk.index] == 1 else None
            return words(chunk.content.strip(), fail)
        return ChunkProcessConfig(stream=factory, retry=FAST)

    results = await window.process_all(flaky, concurrency=4)
    assert [r.content for r in results] == [c.content.strip() for c in window]
    assert calls == {i: 2 if i % 3 == 0 else 1 for i in range(8)}


async def test_fallbacks_are_used_per_chunk(window: DocumentWindow) -> None:
    def with_fallback(chunk: DocumentChunk) -> ChunkProcessConfig:
        broken = lambda: words("a b", ConnectionResetError("down"))  # noqa: E731
        return ChunkProcessConfig(stream=broken, retry=Retry(attempts=0, max_retries=0, base_delay=0.0, max_delay=0.0),
                                  fallbacks=[lambda: words(f"fallback {chunk.index}")])

    results = await window.process_all(with_fallback)
    assert [r.content for r in results] == [f"fallback {i}" for i in range(8)]


async def test_retry_failed_reruns_only_failed_chunks(window: DocumentWindow) -> None:
    def failing(chunk: DocumentChunk) -> ChunkProcessConfig:
        if chunk.index in (2, 5):
            return ChunkProcessConfig(stream=lambda: words("a b", ValueError("model refused")), retry=FAST)
        return echo(chunk)

    first = await window.process_all(failing)
    assert [r.status for r in first].count("error") == 2 and first[2].error == "model refused"
    seen: list[int] = []

    def fixed(chunk: DocumentChunk) -> ChunkProcessConfig:
        seen.append(chunk.index)
        return echo(chunk)

    second = await window.retry_failed(first, fixed)
    assert sorted(seen) == [2, 5]
    assert all(r.status == "success" for r in second)
    assert [r.content for r in second] == [c.content.strip() for c in window]
    assert second[0] is first[0]


async def test_progress_callback(window: DocumentWindow, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[int, int, int]] = []

    async def on_progress(done: int, total: int, result: ChunkResult[Any]) -> None:
        seen.append((done, total, result.chunk.index))

    await window.process_all(echo, on_progress=on_progress, concurrency=2)
    assert [d for d, _, _ in seen] == list(range(1, 9)) and {t for _, t, _ in seen} == {8}
    assert sorted(i for _, _, i in seen) == list(range(8))

    def broken(done: int, total: int, result: ChunkResult[Any]) -> None:
        raise RuntimeError("callback bug")

    with caplog.at_level(logging.WARNING, logger="l0.window"):
        results = await window.process_all(echo, on_progress=broken)
    assert all(r.status == "success" for r in results)
    assert "on_progress callback" in caplog.text and "callback bug" in caplog.text


async def test_progress_bar(window: DocumentWindow, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    need("tqdm")
    await window.process_all(echo, progress_bar=True)
    assert "8/8" in capsys.readouterr().err
    real = importlib.import_module
    monkeypatch.setattr(_process.importlib, "import_module",
                        lambda name, *a: (_ for _ in ()).throw(ImportError(name)) if name == "tqdm" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install 'l0\[progress\]'"):
        await window.process_all(echo, progress_bar=True)


async def test_cancellation_stops_every_worker(window: DocumentWindow) -> None:
    started = asyncio.Event()
    gate = asyncio.Event()

    async def blocked() -> AsyncIterator[Event]:
        started.set()
        await gate.wait()
        yield Event(type=EventType.TOKEN, text="never")  # pragma: no cover - never reached

    task = asyncio.ensure_future(window.process_all(lambda c: ChunkProcessConfig(stream=blocked), concurrency=3))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_l0_with_window_restores_context_on_drift(window: DocumentWindow) -> None:
    restored: list[tuple[int, int]] = []

    def factory() -> AsyncIterator[Event]:
        chunk = window.current()
        if chunk.index == 3:
            return words("As an AI language model, I cannot help. " * 5)
        return words(f"summary of {chunk.index}")

    opts = ContextRestorationOptions(on_restore=lambda a, b: restored.append((a, b)))
    result = await l0_with_window(window, 3, factory, context_restoration=opts, drift_detector=l0.DriftDetector())
    assert restored == [(3, 4)]
    assert result.status == "success" and result.content == "summary of 4" and result.chunk.index == 3

    plain = await l0_with_window(window, 3, factory, context_restoration=ContextRestorationOptions(enabled=False),
                                 drift_detector=l0.DriftDetector())
    assert plain.content.startswith("As an AI")
    last = await l0_with_window(window, 7, factory)
    assert last.content == "summary of 7"


async def test_l0_with_window_errors(window: DocumentWindow) -> None:
    calls = 0

    def broken() -> AsyncIterator[Event]:
        nonlocal calls
        calls += 1
        return words("a b", ValueError("bad request"))

    no_retry = Retry(attempts=0, max_retries=0, base_delay=0.0, max_delay=0.0)
    result = await l0_with_window(window, 0, broken, context_restoration=ContextRestorationOptions(max_attempts=2),
                                  retry=no_retry)
    assert result.status == "error" and result.error == "bad request" and calls == 3
    with pytest.raises(IndexError, match="out of range"):
        await l0_with_window(window, 42, broken)


def test_top_level_names() -> None:
    for name in ("Window", "DocumentWindow", "DocumentChunk", "WindowConfig", "WindowStats", "ChunkProcessConfig",
                 "ChunkResult", "ChunkingStrategy", "ProcessingStats", "ContextRestorationOptions",
                 "ContextRestorationStrategy"):
        assert getattr(l0, name) is getattr(importlib.import_module("l0.window"), name)
    assert ContextRestorationOptions() == ContextRestorationOptions(True, "adjacent", 2, None)
    assert ChunkProcessConfig(stream=echo) == ChunkProcessConfig(echo, None, None, None)
