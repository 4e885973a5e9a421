"""The rate-limit coordinator end to end: the real openai SDK against the fault server.

The model answers like a provider whose limit holds for its ``Retry-After`` window
(``rate_limit:retry_after=3,window=1``): every request inside the window gets 429. One stream
meets the 429; 199 more start during the cooldown. With the coordinator they wait and the
server sees one 429 and then 200 successful requests; without it, every stream collects its own 429.

The window is 3 s rather than 1 s: starting one real SDK stream costs ~10 ms of CPU on a loaded
2-core machine (the server shares the process), so 199 starts need ~2 s and must all fall inside it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import l0
from l0.events import ObservabilityEventType as O
from l0.ratelimit import InProcessCoordinator, RateLimit
from l0.testing import FaultServer

MODEL = "rate_limit:retry_after=3,window=1"
WINDOW = 3.0
STREAMS = 200


async def _stampede(server: FaultServer, rate_limit: Any, streams: int = STREAMS,
                    events: list[Any] | None = None) -> list[str]:
    """One stream meets the 429; once it has, ``streams - 1`` more start. Returns the texts."""
    from openai import AsyncOpenAI

    hit = asyncio.Event()

    def on_event(event: Any) -> None:
        if events is not None:
            events.append(event)
        if event.type is O.RETRY_ATTEMPT or event.type is O.RATE_LIMIT_COOLDOWN_START:
            hit.set()

    client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
    wrapped = l0.wrap(client, rate_limit=rate_limit, on_event=on_event,
                      retry=l0.Retry(attempts=3, max_retries=10, base_delay=0.05, max_delay=0.1))

    async def one() -> str:
        stream = await wrapped.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}],
                                                       stream=True)
        return await stream.read()

    try:
        first = asyncio.ensure_future(one())
        await asyncio.wait_for(hit.wait(), 10)
        rest = [asyncio.ensure_future(one()) for _ in range(streams - 1)]
        return list(await asyncio.wait_for(asyncio.gather(first, *rest), 60))
    finally:
        await client.close()


async def test_200_streams_see_one_429_then_wait_the_cooldown(server: FaultServer) -> None:
    coordinator = InProcessCoordinator()
    events: list[Any] = []
    texts = await _stampede(server, RateLimit(coordinator=coordinator), events=events)
    assert texts == [server.expected_text(MODEL)] * STREAMS
    assert server.count(status=429) == 1
    assert server.count(status=200) == STREAMS
    (first,) = [r for r in server.requests if r.status == 429]
    # Every successful request was sent after the window the 429 announced (small clock slack) ...
    assert min(r.received_at for r in server.requests if r.status == 200) >= first.received_at + WINDOW - 0.05
    # ... because the streams started inside it waited (all of them but those started very late).
    waits = [e for e in events if e.type is O.RATE_LIMIT_WAIT_START]
    assert len(waits) >= STREAMS // 2
    assert all(e.meta["waitMs"] <= WINDOW * 1000 for e in waits)
    ends = [e for e in events if e.type is O.RATE_LIMIT_WAIT_END]
    assert len(ends) == len(waits) and {e.meta["outcome"] for e in ends} == {"sent"}


async def test_without_the_coordinator_every_stream_collects_its_own_429(server: FaultServer) -> None:
    """The control: the same stampede (50 streams) with ``rate_limit`` off, i.e. what the coordinator saves."""
    texts = await _stampede(server, None, streams=50)
    assert texts == [server.expected_text(MODEL)] * 50
    assert server.count(status=429) >= 40
    assert server.count(status=200) == 50


async def test_wrap_rate_limit_true_uses_the_process_wide_coordinator(server: FaultServer) -> None:
    from openai import AsyncOpenAI

    from l0.ratelimit import api_key_fingerprint, default_coordinator

    events: list[Any] = []
    client = AsyncOpenAI(base_url=server.base_url, api_key="sk-e2e-secret", max_retries=0)
    try:
        wrapped = l0.wrap(client, rate_limit=True, on_event=events.append,
                          retry=l0.Retry(base_delay=0.01, max_delay=0.02))
        model = "rate_limit:retry_after=0.05"
        stream = await wrapped.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                                       stream=True)
        assert await stream.read() == server.expected_text(model)
    finally:
        await client.close()
    (start,) = [e for e in events if e.type is O.RATE_LIMIT_COOLDOWN_START]
    key = start.meta["key"]
    assert key == f"{str(client.base_url).rstrip('/')}|{model}|{api_key_fingerprint('sk-e2e-secret')}"
    assert "sk-e2e-secret" not in key
    assert start.meta["hintMs"] == pytest.approx(50.0)
    assert default_coordinator().cooldown_remaining(key) == 0


async def test_in_band_overload_event_starts_a_cooldown(server: FaultServer) -> None:
    """An HTTP 200 stream that carries ``{"error": {"code": "overloaded"}}`` mid-way."""
    from openai import AsyncOpenAI

    coordinator = InProcessCoordinator()
    events: list[Any] = []
    client = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
    try:
        wrapped = l0.wrap(client, rate_limit=RateLimit(coordinator=coordinator, default_cooldown=0.05),
                          on_event=events.append, retry=l0.Retry(base_delay=0.01, max_delay=0.02),
                          continue_from_last_good_token=False)
        model = "error_event:after=3"
        stream = await wrapped.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                                       stream=True)
        assert await stream.read() == server.expected_text(model)
    finally:
        await client.close()
    (start,) = [e for e in events if e.type is O.RATE_LIMIT_COOLDOWN_START]
    assert start.meta["reason"] == "overloaded" and start.meta["cooldownMs"] == pytest.approx(50.0)


async def test_litellm_through_completion_factory(server: FaultServer) -> None:
    import litellm

    from l0.client import completion_factory

    coordinator = InProcessCoordinator()
    events: list[Any] = []
    model = "rate_limit:retry_after=0.05"
    stream = await l0.run(
        completion_factory(litellm.acompletion, model="openai/" + model, api_base=server.base_url, api_key="test",
                           messages=[{"role": "user", "content": "hi"}], stream=True, num_retries=0),
        rate_limit=RateLimit(key=f"{server.base_url}|{model}|-", coordinator=coordinator),
        retry=l0.Retry(base_delay=0.01, max_delay=0.02), on_event=events.append,
    )
    assert await stream.read() == server.expected_text(model)
    assert [e.meta["reason"] for e in events if e.type is O.RATE_LIMIT_COOLDOWN_START] == ["http_429"]
