"""Fixtures for the rate-limit coordinator tests: a fake clock driving the runtime's sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from l0.runtime import _runner


class FakeClock:
    """Monotonic seconds that only move when the runtime sleeps (``_runner.sleep`` is patched)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock; every runtime sleep (backoff, cooldown wait) advances it instead of waiting."""
    fake = FakeClock()
    monkeypatch.setattr(_runner, "sleep", fake.sleep)
    return fake


class Overloaded(Exception):
    """An SDK-like error: ``status_code`` and ``response.headers``."""

    def __init__(self, status: int = 429, headers: dict[str, str] | None = None, message: str = "rate limited",
                 code: Any = None) -> None:
        super().__init__(message)
        self.status_code = status
        self.code = code
        self.response = type("R", (), {"headers": headers or {}, "status_code": status})()


def tokens(*texts: str) -> Any:
    """A factory result: an async iterator of TOKEN events, then COMPLETE."""
    from l0.types import Event, EventType

    async def gen() -> Any:
        for t in texts:
            yield Event(type=EventType.TOKEN, text=t)
        yield Event(type=EventType.COMPLETE)

    return gen()


@pytest.fixture
def overloaded() -> type[Overloaded]:
    return Overloaded
