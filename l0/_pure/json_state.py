"""PLACEHOLDER (being replaced by the kernel work of issue 2)."""

from __future__ import annotations


class JsonStreamState:
    def __init__(self, max_depth: int = 1024) -> None:
        self.max_depth = max_depth

    def feed(self, delta: str) -> bool:
        raise NotImplementedError("JsonStreamState placeholder")
