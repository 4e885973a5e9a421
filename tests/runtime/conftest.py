"""Fixtures for the runtime tests: scripted sources and an order recorder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from dataclasses import dataclass

import l0
from l0 import Event, EventType

NO_COMPLETE = object()


class Boom(Exception):
    """A model-category error (not network, not transient)."""


def scripted(*attempts: list[Any]) -> Any:
    """A zero-argument factory; call k returns a source playing ``attempts[k]``.

    Items: ``str`` -> TOKEN, ``Event`` -> as is, an exception instance -> raised,
    ``NO_COMPLETE`` -> end without the COMPLETE event (otherwise it is added).
    The factory records how often it was called in ``factory.calls``.
    """

    def factory() -> AsyncIterator[Event]:
        index = factory.calls
        factory.calls += 1
        script = attempts[min(index, len(attempts) - 1)]

        async def source() -> AsyncIterator[Event]:
            complete = True
            for item in script:
                if item is NO_COMPLETE:
                    complete = False
                elif isinstance(item, BaseException):
                    raise item
                elif isinstance(item, Event):
                    yield item
                else:
                    yield Event(type=EventType.TOKEN, text=item)
            if complete:
                yield Event(type=EventType.COMPLETE)

        return source()

    factory.calls = 0
    return factory


@dataclass
class Violation:
    """A minimal guardrail violation (the runtime reads severity/recoverable/message)."""

    rule: str
    message: str
    severity: str = "error"
    recoverable: bool = True
    position: int | None = None


class Rule:
    """A tiny guardrail rule with per-stream sessions.

    ``verdict(text, completed) -> list[Violation]``; every session records the
    states it saw in ``rule.seen`` as ``(session_id, completed, len)``.
    """

    def __init__(self, name: str, verdict: Any, *, streaming: bool = True) -> None:
        self.name = name
        self.streaming = streaming
        self.verdict = verdict
        self.seen: list[tuple[int, bool, int]] = []
        self.sessions = 0

    def check(self, state: Any) -> list[Violation]:
        return list(self.verdict(state.content, state.completed))

    def new_session(self) -> Any:
        rule = self
        rule.sessions += 1
        sid = rule.sessions

        class Session:
            def check(self, state: Any) -> list[Violation]:
                rule.seen.append((sid, state.completed, len(state.buffer)))
                return list(rule.verdict(state.buffer.content, state.completed))

        return Session()


class Recorder:
    """Records observability events (``O:``), callbacks (``C:``) and yielded events (``Y:``) in order."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, Any]] = []

    def on_event(self, event: Any) -> None:
        self.log.append(("O", event.type.value, event.meta))

    def _cb(self, name: str) -> Any:
        def callback(*args: Any) -> None:
            self.log.append(("C", name, args))

        return callback

    def kwargs(self, *, tokens: bool = True) -> dict[str, Any]:
        names = ["on_start", "on_complete", "on_error", "on_violation", "on_retry", "on_fallback", "on_resume",
                 "on_checkpoint", "on_timeout", "on_abort", "on_drift", "on_tool_call"]
        kw = {name: self._cb(name) for name in names}
        if tokens:
            kw["on_stream_event"] = self._cb("on_stream_event")
        kw["on_event"] = self.on_event
        return kw

    async def consume(self, stream: Any) -> None:
        async for ev in stream:
            self.log.append(("Y", ev.type.value, ev.text))

    def names(self, *, skip: tuple[str, ...] = ("SESSION_SUMMARY", "SESSION_END", "FINALIZATION_START",
                                                 "FINALIZATION_END")) -> list[str]:
        return [f"{kind}:{name}" for kind, name, _ in self.log if name not in skip]

    def meta(self, name: str) -> list[Any]:
        return [m for kind, n, m in self.log if kind == "O" and n == name]

    def calls(self, name: str) -> list[Any]:
        return [a for kind, n, a in self.log if kind == "C" and n == name]


@pytest.fixture(name="scripted")
def scripted_fixture() -> Any:
    """The :func:`scripted` source factory builder."""
    return scripted


@pytest.fixture(name="no_complete")
def no_complete_fixture() -> object:
    """Marker for :func:`scripted`: end the attempt without a COMPLETE event."""
    return NO_COMPLETE


@pytest.fixture(name="Rule")
def rule_fixture() -> type:
    """The :class:`Rule` test guardrail class."""
    return Rule


@pytest.fixture(name="Violation")
def violation_fixture() -> type:
    """The :class:`Violation` test violation class."""
    return Violation


@pytest.fixture
def rec() -> Recorder:
    """A fresh order recorder."""
    return Recorder()


@pytest.fixture
def fast_retry() -> Any:
    """A ``Retry`` with zero delays (so tests never sleep)."""
    return l0.Retry(base_delay=0.0, max_delay=0.0)


class _VirtualSelector:
    """Wraps the loop's selector: never sleeps, advances the loop's virtual clock by the timeout instead."""

    def __init__(self, selector: Any, loop: Any) -> None:
        self._selector = selector
        self._loop = loop

    def select(self, timeout: float | None = None) -> Any:
        ready = self._selector.select(0)
        if not ready and timeout:
            self._loop.now += timeout
        elif not ready and timeout is None:
            raise RuntimeError("virtual clock: nothing scheduled and nothing ready (the test would hang)")
        return ready

    def __getattr__(self, name: str) -> Any:
        return getattr(self._selector, name)


def virtual_loop() -> Any:
    """An event loop whose ``time()`` is virtual: waits take no real time, timers fire in exact order.

    Timers less than 1 µs apart run in the same loop iteration (in deadline
    order), so tests can make two events land in one iteration on purpose.
    """
    import asyncio
    import selectors

    class VirtualClockLoop(asyncio.SelectorEventLoop):
        def __init__(self) -> None:
            self.now = 0.0
            super().__init__(selectors.DefaultSelector())
            self._selector = _VirtualSelector(self._selector, self)
            self._clock_resolution = 1e-6

        def time(self) -> float:
            return self.now

    return VirtualClockLoop()


@pytest.fixture
def vrun() -> Any:
    """``vrun(coro)``: run a coroutine to completion on a fresh :func:`virtual_loop`."""
    import asyncio

    loops = []

    def run(coro: Any) -> Any:
        loop = virtual_loop()
        loops.append(loop)
        try:
            return loop.run_until_complete(coro)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    yield run
    asyncio.set_event_loop(None)
