"""``buffer_of(state)``: the content buffer of a state, or a read-only stand-in over ``state.content``.

A leaf module: the guardrail and drift sessions read text through it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TextBuffer", "buffer_of"]


class TextBuffer:
    """Read-only stand-in for ``ContentBuffer`` over a plain string."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def __len__(self) -> int:
        return len(self._text)

    @property
    def content(self) -> str:
        return self._text

    @property
    def token_count(self) -> int:
        return 1 if self._text else 0

    def since(self, pos: int) -> str:
        return self._text[pos:]

    def tail(self, k: int) -> str:
        return self._text[len(self._text) - k:] if k < len(self._text) else self._text

    def slice(self, start: int, end: int) -> str:
        return self._text[start:end]


def buffer_of(state: Any) -> Any:
    """The content buffer of *state* (a ``TextBuffer`` for objects without one)."""
    buf = getattr(state, "buffer", None)
    if buf is not None:
        return buf
    content = getattr(state, "content", None)
    if not isinstance(content, str):
        raise TypeError(f"state must be an l0 State (or have a str .content), got {type(state).__name__}")
    return TextBuffer(content)
