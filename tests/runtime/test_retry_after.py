"""Retry-After from the server is honoured (measured with an injected sleep)."""

from __future__ import annotations

import l0
from l0 import Retry
from l0.runtime import _runner


class RateLimited(Exception):
    """A 429 with headers, as SDK errors carry them."""

    def __init__(self, headers):
        super().__init__("rate limited")
        self.status_code = 429
        self.response = type("R", (), {"headers": headers, "status_code": 429})()


async def test_retry_after_seconds_is_waited(monkeypatch, scripted):
    slept = []

    async def fake_sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr(_runner, "sleep", fake_sleep)
    stream = await l0.run(scripted([RateLimited({"retry-after": "7"})], ["ok"]), retry=Retry(base_delay=0.01, max_delay=0.02))
    assert await stream.read() == "ok"
    assert slept == [7.0]


async def test_retry_after_ms_wins_over_smaller_backoff(monkeypatch, scripted):
    slept = []

    async def fake_sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr(_runner, "sleep", fake_sleep)
    stream = await l0.run(scripted([RateLimited({"retry-after-ms": "1500"})], ["ok"]),
                          retry=Retry(base_delay=0.1, max_delay=0.2))
    await stream.read()
    assert slept == [1.5]


async def test_backoff_used_without_hint(monkeypatch, scripted):
    slept = []

    async def fake_sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr(_runner, "sleep", fake_sleep)
    stream = await l0.run(scripted([ValueError("x")], ["ok"]),
                          retry=Retry(base_delay=1.0, max_delay=10.0, strategy=l0.BackoffStrategy.EXPONENTIAL))
    await stream.read()
    assert slept == [2.0]
