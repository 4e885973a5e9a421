"""Fixtures for the orchestration tests: controllable sources and a task-leak check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from l0 import Event, EventType, Retry

NO_RETRY = Retry(attempts=0, max_retries=0, base_delay=0.0, max_delay=0.0)
FAST_RETRY = Retry(attempts=3, max_retries=3, base_delay=0.0, max_delay=0.0)


class Source:
    """A stream factory whose streams are driven by events, recording what they did.

    ``tokens`` are yielded as TOKEN events; ``before_first`` (if given) is
    awaited before the first token, ``after_first`` after it. ``fail_first``
    makes the first N calls raise ``error`` (after ``tokens_before_error``
    tokens). ``opened``/``closed`` count streams started and closed (a
    ``finally`` ran: the source was closed, like an HTTP connection);
    ``first_sent`` is set when the first token has been yielded.
    """

    def __init__(self, tokens: tuple[str, ...] = ("a", "b", "c"), *, before_first: asyncio.Event | None = None,
                 after_first: asyncio.Event | None = None, error: Exception | None = None, fail_first: int = 0,
                 tokens_before_error: int = 0) -> None:
        self.tokens = tokens
        self.before_first = before_first
        self.after_first = after_first
        self.error = error
        self.fail_first = fail_first
        self.tokens_before_error = tokens_before_error
        self.calls = self.opened = self.closed = 0
        self.first_sent = asyncio.Event()

    def __call__(self) -> AsyncIterator[Event]:
        self.calls += 1
        return self._stream(self.calls)

    async def _stream(self, call: int) -> AsyncIterator[Event]:
        self.opened += 1
        try:
            if self.error is not None and (self.fail_first == 0 or call <= self.fail_first):
                for t in self.tokens[: self.tokens_before_error]:
                    yield Event(type=EventType.TOKEN, text=t)
                raise self.error
            if self.before_first is not None:
                await self.before_first.wait()
            for i, t in enumerate(self.tokens):
                yield Event(type=EventType.TOKEN, text=t)
                if i == 0:
                    self.first_sent.set()
                    if self.after_first is not None:
                        await self.after_first.wait()
            yield Event(type=EventType.COMPLETE)
        finally:
            self.closed += 1

    @property
    def text(self) -> str:
        return "".join(self.tokens)


def stalled() -> Source:
    """A source that never sends its first token."""
    return Source(before_first=asyncio.Event())


class LeakCheck:
    """Snapshot of the running tasks; ``assert_clean()`` fails if a task started since is still alive."""

    def __init__(self) -> None:
        self.before = set(asyncio.all_tasks())

    async def assert_clean(self) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        alive = [t for t in asyncio.all_tasks() - self.before if not t.done() and t is not asyncio.current_task()]
        assert not alive, f"leaked tasks: {alive}"


@pytest.fixture
async def leaks() -> LeakCheck:
    """A :class:`LeakCheck` taken at the start of the test."""
    return LeakCheck()


@pytest.fixture
def h() -> SimpleNamespace:
    """The helpers: ``Source``, ``stalled()``, ``NO_RETRY``, ``FAST_RETRY``."""
    return SimpleNamespace(Source=Source, stalled=stalled, NO_RETRY=NO_RETRY, FAST_RETRY=FAST_RETRY)
