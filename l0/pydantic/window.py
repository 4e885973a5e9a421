"""Models mirroring ``l0.window`` (sizes in tokens; ``ChunkResult.duration`` in ms)."""

from __future__ import annotations

from typing import Any, Literal

from ._base import L0Model

__all__ = [
    "DocumentChunkModel", "WindowConfigModel", "ContextRestorationOptionsModel", "WindowStatsModel",
    "ChunkResultModel", "ProcessingStatsModel",
]

ChunkingStrategyLiteral = Literal["token", "char", "paragraph", "sentence"]


class DocumentChunkModel(L0Model):
    __l0__ = "l0.window:DocumentChunk"

    index: int
    content: str
    start_pos: int
    end_pos: int
    token_count: int
    char_count: int
    is_first: bool
    is_last: bool
    total_chunks: int
    metadata: dict[str, Any] | None = None


class WindowConfigModel(L0Model):
    __l0__ = "l0.window:WindowConfig"
    __l0_omitted__ = frozenset({"estimate_tokens"})

    size: int = 2000
    overlap: int = 200
    strategy: ChunkingStrategyLiteral = "token"
    preserve_paragraphs: bool = True
    preserve_sentences: bool = False
    metadata: dict[str, Any] | None = None


class ContextRestorationOptionsModel(L0Model):
    __l0__ = "l0.window:ContextRestorationOptions"
    __l0_omitted__ = frozenset({"on_restore"})

    enabled: bool = True
    strategy: Literal["adjacent", "overlap", "full"] = "adjacent"
    max_attempts: int = 2


class WindowStatsModel(L0Model):
    __l0__ = "l0.window:WindowStats"

    total_chunks: int
    total_chars: int
    total_tokens: int
    avg_chunk_size: int
    avg_chunk_tokens: int
    overlap_size: int
    strategy: ChunkingStrategyLiteral


class ChunkResultModel(L0Model):
    """No ``result`` (the chunk's live stream); its text is ``content``."""

    __l0__ = "l0.window:ChunkResult"
    __l0_omitted__ = frozenset({"result"})

    chunk: DocumentChunkModel
    status: Literal["success", "error"]
    content: str = ""
    error: str | None = None
    duration: float = 0.0


class ProcessingStatsModel(L0Model):
    __l0__ = "l0.window:ProcessingStats"

    total: int
    successful: int
    failed: int
    success_rate: float
    avg_duration: float
    total_duration: float
