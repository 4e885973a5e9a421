"""Document windows: split long documents into chunks and process each through ``l0``.

See docs/windows.md. ``Window`` gathers the helpers as static methods.
"""

from __future__ import annotations

from typing import Any

from ._chunking import chunk_document
from ._document import DocumentWindow
from ._process import (
    Processor, ProgressCallback, get_processing_stats, l0_with_window, merge_chunks, merge_results,
)
from ._tokens import estimate_chars_for_tokens, estimate_tokens
from ._types import (
    ChunkingStrategy, ChunkProcessConfig, ChunkResult, ContextRestorationOptions, ContextRestorationStrategy,
    DocumentChunk, ProcessingStats, TokenEstimator, WindowConfig, WindowStats,
)

__all__ = [
    "Window", "DocumentWindow", "DocumentChunk", "WindowConfig", "WindowStats", "ChunkProcessConfig",
    "ChunkResult", "ChunkingStrategy", "ProcessingStats", "ContextRestorationOptions",
    "ContextRestorationStrategy", "TokenEstimator", "chunk_document", "estimate_tokens",
    "estimate_chars_for_tokens", "merge_chunks", "merge_results", "get_processing_stats",
    "process_with_window", "l0_with_window",
]


def _config(
    config: WindowConfig | None,
    size: int,
    overlap: int,
    strategy: ChunkingStrategy,
    estimate_tokens: Any = None,
    metadata: dict[str, Any] | None = None,
) -> WindowConfig:
    if config is not None:
        if not isinstance(config, WindowConfig):
            raise TypeError(f"config must be a WindowConfig or None, got {type(config).__name__}")
        return config
    return WindowConfig(size=size, overlap=overlap, strategy=strategy, estimate_tokens=estimate_tokens,
                        metadata=metadata)


async def process_with_window(
    document: str,
    processor: Processor,
    config: WindowConfig | None = None,
    *,
    size: int = 2000,
    overlap: int = 200,
    strategy: ChunkingStrategy = "token",
    concurrency: int = 5,
    on_progress: ProgressCallback | None = None,
    progress_bar: bool = False,
) -> list[ChunkResult[Any]]:
    """Chunk ``document`` and run every chunk through ``l0.run`` (see :meth:`DocumentWindow.process_all`)."""
    window = DocumentWindow(document, _config(config, size, overlap, strategy))
    return await window.process_all(processor, concurrency=concurrency, on_progress=on_progress,
                                    progress_bar=progress_bar)


class Window:
    """Document window helpers (static methods)."""

    @staticmethod
    def create(
        document: str,
        config: WindowConfig | None = None,
        *,
        size: int = 2000,
        overlap: int = 200,
        strategy: ChunkingStrategy = "token",
        estimate_tokens: Any = None,
        metadata: dict[str, Any] | None = None,
    ) -> DocumentWindow:
        return DocumentWindow(document, _config(config, size, overlap, strategy, estimate_tokens, metadata))

    @staticmethod
    def small(document: str) -> DocumentWindow:
        """1000-token windows, 100 overlap."""
        return DocumentWindow(document, WindowConfig(size=1000, overlap=100, strategy="token"))

    @staticmethod
    def medium(document: str) -> DocumentWindow:
        """2000-token windows, 200 overlap."""
        return DocumentWindow(document, WindowConfig(size=2000, overlap=200, strategy="token"))

    @staticmethod
    def large(document: str) -> DocumentWindow:
        """4000-token windows, 400 overlap."""
        return DocumentWindow(document, WindowConfig(size=4000, overlap=400, strategy="token"))

    @staticmethod
    def paragraph(document: str) -> DocumentWindow:
        """Paragraph windows of up to 2000 tokens, 200 overlap."""
        return DocumentWindow(document, WindowConfig(size=2000, overlap=200, strategy="paragraph"))

    @staticmethod
    def sentence(document: str) -> DocumentWindow:
        """Sentence windows of up to 1500 tokens, 150 overlap."""
        return DocumentWindow(document, WindowConfig(size=1500, overlap=150, strategy="sentence"))

    chunk = staticmethod(chunk_document)
    estimate_tokens = staticmethod(estimate_tokens)

    @staticmethod
    async def process(
        document: str,
        processor: Processor,
        config: WindowConfig | None = None,
        *,
        size: int = 2000,
        overlap: int = 200,
        strategy: ChunkingStrategy = "token",
        concurrency: int = 3,
        on_progress: ProgressCallback | None = None,
        progress_bar: bool = False,
    ) -> list[ChunkResult[Any]]:
        """:func:`process_with_window` with the reference's default concurrency of 3."""
        return await process_with_window(document, processor, config, size=size, overlap=overlap,
                                         strategy=strategy, concurrency=concurrency, on_progress=on_progress,
                                         progress_bar=progress_bar)

    merge_results = staticmethod(merge_results)
    merge_chunks = staticmethod(merge_chunks)
    get_stats = staticmethod(get_processing_stats)
