"""End to end: ``race``/``parallel``/pool/pipeline through the real openai SDK against the fault server.

The race test is the headline: one model stalls before its first token, the
other streams; ``race`` returns the streaming one's text long before the
stall budget and has closed the stalled HTTP response by then.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

import l0
from l0.pipeline import PipelineStep, pipe
from l0.testing import FaultServer

pytestmark = pytest.mark.e2e

USER = [{"role": "user", "content": "Count from one, one word per token."}]
STALL_BUDGET = 20.0


class TrackingTransport(httpx.AsyncHTTPTransport):
    """An httpx transport that records which model's requests were closed (and when).

    A request is closed when its response body is closed, or when the request
    is cancelled before the response arrived (httpcore then drops the connection).
    """

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []
        self.closed: dict[str, float] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        model = json.loads(request.content)["model"]
        self.opened.append(model)
        try:
            response = await super().handle_async_request(request)
        except BaseException:
            self.closed.setdefault(model, time.monotonic())
            raise
        inner, closed = response.stream, self.closed

        class Body(httpx.AsyncByteStream):
            async def __aiter__(self) -> Any:
                async for chunk in inner:  # type: ignore[union-attr]
                    yield chunk

            async def aclose(self) -> None:
                closed.setdefault(model, time.monotonic())
                await inner.aclose()  # type: ignore[union-attr]

        response.stream = Body()
        return response


@pytest.fixture
def tracked(server: FaultServer) -> Any:
    """``(wrapped_client, raw_client, transport)`` over one tracking transport."""
    from openai import AsyncOpenAI

    transport = TrackingTransport()
    raw = AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0,
                      http_client=httpx.AsyncClient(transport=transport))
    return l0.wrap(raw), raw, transport


async def test_race_first_token_beats_a_stalled_model_and_closes_it(server: FaultServer, tracked: Any) -> None:
    client, _, transport = tracked
    stalled_model = f"stall:after=0,stall={STALL_BUDGET:g}"

    def call(model: str) -> Any:
        return lambda: client.chat.completions.create(model=model, messages=USER, stream=True)

    t0 = time.monotonic()
    result = await l0.race([call(stalled_model), call("gpt-4o-mini")])
    returned = time.monotonic()
    assert result.winner_index == 1
    assert result.value.state.content == server.expected_text("clean")
    assert returned - t0 < STALL_BUDGET / 2  # it did not wait for the stall
    assert sorted(transport.opened) == sorted([stalled_model, "gpt-4o-mini"])
    assert stalled_model in transport.closed and transport.closed[stalled_model] <= returned
    assert result.aggregated_telemetry.stream_count == 2
    assert result.aggregated_telemetry.total_tokens == 30


async def test_race_with_run_options_and_slow_first(server: FaultServer, tracked: Any) -> None:
    _, raw, transport = tracked
    slow = "slow_first:first_delay=5"

    def options(model: str) -> dict[str, Any]:
        return {"stream": lambda: raw.chat.completions.create(model=model, messages=USER, stream=True),
                "retry": l0.Retry(attempts=0, max_retries=0)}

    t0 = time.monotonic()
    result = await l0.race([options(slow), options("fast")])
    assert time.monotonic() - t0 < 5.0
    assert result.winner_index == 1 and result.value.state.content == server.expected_text("clean")
    assert slow in transport.closed


async def test_race_hedged_fast_primary_sends_one_request(server: FaultServer, tracked: Any) -> None:
    client, _, _ = tracked

    def call(model: str) -> Any:
        return lambda: client.chat.completions.create(model=model, messages=USER, stream=True)

    result = await l0.race([call("primary"), call("backup")], hedge_after=10_000)
    assert result.winner_index == 0
    assert [r.model for r in server.requests] == ["primary"]


async def test_parallel_pool_and_pipeline_through_the_sdk(server: FaultServer, tracked: Any) -> None:
    _, raw, _ = tracked
    retry = l0.Retry(attempts=3, max_retries=3, base_delay=0.01, max_delay=0.02)
    client = l0.wrap(raw, retry=retry)

    def call(model: str) -> Any:
        return lambda: client.chat.completions.create(model=model, messages=USER, stream=True)

    result = await l0.parallel([call("a"), call("cut:after=5"), call("b")], concurrency=2)
    assert result.success_count == 3
    assert all(s.state.content == server.expected_text("clean") for s in result.results)
    assert result.aggregated_telemetry.total_retries == 1 and result.aggregated_telemetry.total_network_errors == 1

    async with l0.create_pool(2, shared_retry=retry) as pool:
        futures = [pool.execute(lambda m=m: raw.chat.completions.create(model=m, messages=USER, stream=True))
                   for m in ("p1", "cut:after=3,id=pool")]
        states = [await f for f in futures]
    assert all(s.content == server.expected_text("clean") for s in states)

    step = PipelineStep("count", lambda x, ctx: {
        "stream": lambda: raw.chat.completions.create(model="cut:after=4,id=pipe", messages=USER, stream=True),
        "retry": retry})
    out = await pipe([step], "go")
    assert out.status == "success" and out.output == server.expected_text("clean")
