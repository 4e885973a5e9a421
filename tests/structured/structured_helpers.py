"""Stream factories for structured-output tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from l0.types import Event, EventType


async def token_stream(text: str, *, chunk: int = 5, finish: str | None = "stop") -> AsyncIterator[Event]:
    """``text`` as TOKEN events of ``chunk`` characters, then COMPLETE with ``finish``."""
    for k in range(0, len(text), chunk):
        yield Event(type=EventType.TOKEN, text=text[k : k + chunk])
    yield Event(type=EventType.COMPLETE, finish_reason=finish)


class Outputs:
    """A zero-argument factory returning the n-th scripted output on the n-th call.

    ``calls`` counts the calls; the last output repeats once the script is used up.
    """

    def __init__(self, *texts: str, chunk: int = 5, finish: str | None = "stop") -> None:
        self.texts = texts
        self.chunk = chunk
        self.finish = finish
        self.calls = 0

    def __call__(self) -> AsyncIterator[Event]:
        text = self.texts[min(self.calls, len(self.texts) - 1)]
        self.calls += 1
        return token_stream(text, chunk=self.chunk, finish=self.finish)


class ReAsk:
    """A one-argument factory recording the ``StreamContext`` of every call."""

    def __init__(self, *texts: str) -> None:
        self.texts = texts
        self.contexts: list[Any] = []

    def __call__(self, ctx: Any) -> AsyncIterator[Event]:
        self.contexts.append(ctx)
        text = self.texts[min(len(self.contexts) - 1, len(self.texts) - 1)]
        return token_stream(text)
