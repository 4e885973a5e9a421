"""``DocumentWindow``: a document cut into chunks, with navigation, search and processing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

from ._chunking import chunk_document
from ._process import ProgressCallback, Processor, merge_chunks, process_chunks
from ._tokens import resolve_counter
from ._types import ChunkResult, DocumentChunk, WindowConfig, WindowStats

__all__ = ["DocumentWindow"]


class DocumentWindow:
    """A document split into :class:`DocumentChunk` windows (see :class:`WindowConfig`).

    Navigation methods return None out of range and leave the position unchanged.
    """

    def __init__(self, document: str, config: WindowConfig | None = None) -> None:
        self._document = document
        self._config = config if config is not None else WindowConfig()
        self._chunks = chunk_document(document, self._config)
        self._index = 0

    # -- properties
    @property
    def total_chunks(self) -> int:
        return len(self._chunks)

    @property
    def current_index(self) -> int:
        return self._index

    @property
    def document(self) -> str:
        return self._document

    @property
    def config(self) -> WindowConfig:
        return self._config

    # -- navigation
    def get(self, index: int) -> DocumentChunk | None:
        """Chunk ``index`` or None (negative indexes are out of range)."""
        if isinstance(index, int) and 0 <= index < len(self._chunks):
            return self._chunks[index]
        return None

    def current(self) -> DocumentChunk | None:
        return self.get(self._index)

    def get_all_chunks(self) -> list[DocumentChunk]:
        return list(self._chunks)

    def get_range(self, start: int, end: int) -> list[DocumentChunk]:
        """Chunks ``start`` (inclusive) to ``end`` (exclusive), clamped to the window."""
        return self._chunks[max(start, 0):max(min(end, len(self._chunks)), 0)]

    def next(self) -> DocumentChunk | None:
        if self._index + 1 >= len(self._chunks):
            return None
        self._index += 1
        return self._chunks[self._index]

    def prev(self) -> DocumentChunk | None:
        if self._index <= 0 or not self._chunks:
            return None
        self._index -= 1
        return self._chunks[self._index]

    def jump(self, index: int) -> DocumentChunk | None:
        chunk = self.get(index)
        if chunk is not None:
            self._index = index
        return chunk

    def reset(self) -> DocumentChunk | None:
        self._index = 0
        return self.current()

    def has_next(self) -> bool:
        return self._index + 1 < len(self._chunks)

    def has_prev(self) -> bool:
        return self._index > 0

    # -- search
    def find_chunks(self, search_text: str, case_sensitive: bool = False) -> list[DocumentChunk]:
        """Chunks whose content contains ``search_text``."""
        if case_sensitive:
            return [c for c in self._chunks if search_text in c.content]
        needle = search_text.lower()
        return [c for c in self._chunks if needle in c.content.lower()]

    def get_context(self, index: int, *, before: int = 0, after: int = 0) -> str:
        """Chunk ``index`` merged with ``before``/``after`` neighbours (overlaps removed); ``""`` out of range."""
        if self.get(index) is None:
            return ""
        return merge_chunks(self._chunks[max(index - before, 0):index + after + 1])

    def get_chunks_in_range(self, start_pos: int, end_pos: int) -> list[DocumentChunk]:
        """Chunks touching the character range ``[start_pos, end_pos]`` (both ends inclusive)."""
        return [c for c in self._chunks if c.start_pos <= end_pos and c.end_pos >= start_pos]

    def get_stats(self) -> WindowStats:
        n = len(self._chunks)
        chars = sum(c.char_count for c in self._chunks)
        tokens = sum(c.token_count for c in self._chunks)
        return WindowStats(
            total_chunks=n,
            total_chars=len(self._document),
            total_tokens=resolve_counter(self._config.estimate_tokens).count(self._document),
            avg_chunk_size=chars // n if n else 0,
            avg_chunk_tokens=tokens // n if n else 0,
            overlap_size=self._config.overlap,
            strategy=self._config.strategy,
        )

    # -- processing
    async def process_all(
        self,
        processor: Processor,
        *,
        concurrency: int = 5,
        on_progress: ProgressCallback | None = None,
        progress_bar: bool = False,
    ) -> list[ChunkResult[Any]]:
        """Run every chunk through ``l0.run`` (at most ``concurrency`` at once); results in order.

        ``processor(chunk)`` returns a :class:`ChunkProcessConfig` (or a dict of its
        fields, or an awaitable of one). ``on_progress(done, total, result)`` is
        called as each chunk finishes; ``progress_bar=True`` shows a tqdm bar.
        """
        return await process_chunks(self._chunks, processor, concurrency=concurrency,
                                    on_progress=on_progress, progress_bar=progress_bar)

    async def process_sequential(self, processor: Processor) -> list[ChunkResult[Any]]:
        """Like :meth:`process_all`, one chunk at a time."""
        return await process_chunks(self._chunks, processor, concurrency=1)

    async def retry_failed(
        self,
        results: Sequence[ChunkResult[Any]],
        processor: Processor,
        *,
        concurrency: int = 5,
        on_progress: ProgressCallback | None = None,
        progress_bar: bool = False,
    ) -> list[ChunkResult[Any]]:
        """``results`` with only the failed chunks run again (the others are kept as they are)."""
        failed = [r.chunk for r in results if r.status != "success"]
        rerun = await process_chunks(failed, processor, concurrency=concurrency, on_progress=on_progress,
                                     progress_bar=progress_bar)
        fresh = {r.chunk.index: r for r in rerun}
        return [fresh.get(r.chunk.index, r) if r.status != "success" else r for r in results]

    # -- container protocol
    def __iter__(self) -> Iterator[DocumentChunk]:
        return iter(self._chunks)

    def __len__(self) -> int:
        return len(self._chunks)

    @overload
    def __getitem__(self, index: int) -> DocumentChunk: ...

    @overload
    def __getitem__(self, index: slice) -> list[DocumentChunk]: ...

    def __getitem__(self, index: int | slice) -> DocumentChunk | list[DocumentChunk]:
        return self._chunks[index]

    def __repr__(self) -> str:
        return (f"DocumentWindow(chunks={len(self._chunks)}, chars={len(self._document)}, "
                f"strategy={self._config.strategy!r}, size={self._config.size}, overlap={self._config.overlap})")
