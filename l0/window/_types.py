"""Types of document windows: chunks, configuration, per-chunk results and statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from l0.types import AwaitableStreamFactory, Retry, Timeout

__all__ = [
    "ChunkingStrategy", "TokenEstimator", "ContextRestorationStrategy", "DocumentChunk", "WindowConfig",
    "ContextRestorationOptions", "WindowStats", "ChunkProcessConfig", "ChunkResult", "ProcessingStats",
]

T = TypeVar("T")
ChunkingStrategy = Literal["token", "char", "paragraph", "sentence"]
TokenEstimator = Callable[[str], int]
ContextRestorationStrategy = Literal["adjacent", "overlap", "full"]
_STRATEGIES = ("token", "char", "paragraph", "sentence")


@dataclass
class DocumentChunk:
    """One window of a document: ``content == document[start_pos:end_pos]``."""

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


@dataclass
class WindowConfig:
    """How to cut a document into windows.

    ``size`` and ``overlap`` are tokens for the token, paragraph and sentence
    strategies and characters for ``"char"``. ``estimate_tokens`` is any
    ``str -> int`` callable, a tokenizer object (tiktoken ``Encoding``, Hugging
    Face ``Tokenizer``) or an encoding name (``"cl100k_base"``, a Hugging Face
    model id): with a tokenizer, token windows are cut at exact token
    boundaries. ``preserve_paragraphs``/``preserve_sentences`` are accepted for
    compatibility and not used (as in the reference).
    """

    size: int = 2000
    overlap: int = 200
    strategy: ChunkingStrategy = "token"
    estimate_tokens: TokenEstimator | Any | None = None
    preserve_paragraphs: bool = True
    preserve_sentences: bool = False
    metadata: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in ("size", "overlap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"WindowConfig.{name} must be an int, got {type(value).__name__}")
        if self.size < 1:
            raise ValueError(f"WindowConfig.size must be >= 1, got {self.size}")
        if not 0 <= self.overlap < self.size:
            raise ValueError(
                f"WindowConfig.overlap must be >= 0 and smaller than size ({self.size}), got {self.overlap} "
                "(the default overlap is 200: pass a smaller overlap= with a small size)"
            )
        if self.strategy not in _STRATEGIES:
            raise ValueError(f"Unknown chunking strategy: {self.strategy}")
        if self.metadata is not None and not isinstance(self.metadata, dict):
            raise TypeError(f"WindowConfig.metadata must be a dict or None, got {type(self.metadata).__name__}")


@dataclass
class ContextRestorationOptions:
    """Re-run a chunk with more context when drift is detected (see ``l0_with_window``)."""

    enabled: bool = True
    strategy: ContextRestorationStrategy = "adjacent"
    max_attempts: int = 2
    on_restore: Callable[[int, int], None] | None = None


@dataclass
class WindowStats:
    """Size statistics of a window (``avg_*`` are floored)."""

    total_chunks: int
    total_chars: int
    total_tokens: int
    avg_chunk_size: int
    avg_chunk_tokens: int
    overlap_size: int
    strategy: ChunkingStrategy


@dataclass
class ChunkProcessConfig:
    """What a processor returns for one chunk: the stream factory and its l0 options."""

    stream: AwaitableStreamFactory
    retry: Retry | None = None
    timeout: Timeout | None = None
    fallbacks: list[AwaitableStreamFactory] | None = None


@dataclass
class ChunkResult(Generic[T]):
    """The outcome of one chunk (``duration`` in milliseconds; ``result`` is the ``l0`` stream)."""

    chunk: DocumentChunk
    status: Literal["success", "error"]
    result: Any = None
    content: str = ""
    error: str | None = None
    duration: float = 0.0


@dataclass
class ProcessingStats:
    """Summary of a list of :class:`ChunkResult` (``success_rate`` in percent; durations in ms)."""

    total: int
    successful: int
    failed: int
    success_rate: float
    avg_duration: float
    total_duration: float
