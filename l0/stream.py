"""Stream utilities: ``consume_stream`` and ``get_text``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from l0.types import EventType

__all__ = ["consume_stream", "get_text"]


async def consume_stream(stream: AsyncIterator[Any]) -> str:
    """Join the text of every TOKEN event the stream yields (including failed attempts' tokens)."""
    parts: list[str] = []
    append = parts.append
    token = EventType.TOKEN
    async for event in stream:
        text = event.text
        if text and (event.type is token or event.type == "token"):
            append(text)
    return "".join(parts)


async def get_text(result: Any) -> str:
    """The final text of a stream (``await result.read()``)."""
    return await result.read()
