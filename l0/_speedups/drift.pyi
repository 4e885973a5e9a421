from __future__ import annotations

from collections import deque
from typing import Any

from l0._speedups.entropy import EntropyRing

__all__ = ["TAIL", "META", "TONE", "REPETITION", "META_COMMENTARY", "TONE_SHIFT", "REPETITION_FOUND",
           "ENTROPY_SPIKE", "MARKDOWN_COLLAPSE", "WindowScan"]

TAIL: int
META: int
TONE: int
REPETITION: int
META_COMMENTARY: int
TONE_SHIFT: int
REPETITION_FOUND: int
ENTROPY_SPIKE: int
MARKDOWN_COLLAPSE: int

class WindowScan:
    ring: Any
    tokens: Any
    last_mask: int
    def __init__(self, size: int, threshold: int, flags: int, ring: EntropyRing, tokens: deque[str], entropy: bool,
                 entropy_threshold: float) -> None: ...
    def reset(self) -> None: ...
    @property
    def prev_n(self) -> int: ...
    def scan(self, buf: Any, delta: str | None, fresh: bool = False) -> int: ...
