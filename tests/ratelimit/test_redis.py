"""The Redis coordinator against a real ``redis-server`` (``.ci/services/redis.sh`` starts one and
exports ``L0_TEST_REDIS_URL``). Without it these tests skip loudly, except under ``CI=true``, where
they fail. The degradation tests need no server.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import l0
from l0.events import ObservabilityEventType as O
from l0.ratelimit import Coordinator, Limit, RateLimit

redis_asyncio = pytest.importorskip("redis.asyncio", reason="pip install 'l0[redis]'")

from l0.ratelimit import RedisCoordinator  # noqa: E402

from .conftest import Overloaded, tokens  # noqa: E402

REDIS_URL = os.environ.get("L0_TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_redis() -> str:
    """The URL of the test server; skip loudly (fail in CI) when there is none."""
    if not REDIS_URL:
        msg = ("L0_TEST_REDIS_URL is not set: the Redis coordinator tests did NOT run "
               "(source .ci/services/redis.sh to start a server)")
        if IN_CI:
            pytest.fail(msg)
        warnings.warn(msg, stacklevel=2)
        print(f"\n*** {msg} ***", file=sys.stderr)
        pytest.skip(msg)
    return REDIS_URL


@pytest.fixture
async def coordinator() -> AsyncIterator[RedisCoordinator]:
    """A coordinator on the test server under a fresh key prefix (deleted afterwards)."""
    coord = RedisCoordinator(need_redis(), prefix=f"l0test:{uuid.uuid4().hex[:8]}", timeout=1.0)
    try:
        yield coord
    finally:
        await coord.clear()
        await coord.aclose()


def test_it_is_a_coordinator() -> None:
    assert isinstance(RedisCoordinator("redis://127.0.0.1:1/0"), Coordinator)


async def test_cooldown_is_shared_between_coordinators(coordinator: RedisCoordinator) -> None:
    other = RedisCoordinator(need_redis(), prefix=coordinator.prefix, timeout=1.0)
    try:
        assert await coordinator.reserve("k", 0) == 0
        left = await coordinator.report("k", 0.5)
        assert 0.45 <= left <= 0.5
        assert await coordinator.report("k", 0.1) >= 0.4  # never shortened
        seen = await other.reserve("k", 0)  # another "process": same cooldown, server time
        assert 0.3 < seen <= 0.5
        assert await other.reserve("other-key", 0) == 0
        ttl = await coordinator.redis.pttl(f"{coordinator.prefix}:cd:k")
        assert 0 < ttl <= 1500  # the key expires by itself
    finally:
        await other.aclose()


async def test_buckets_are_atomic_across_concurrent_callers(coordinator: RedisCoordinator) -> None:
    coordinator.local.default_limit = Limit(requests_per_minute=30, tokens_per_minute=6000)
    got = await asyncio.gather(*(coordinator.reserve("b", 100) for _ in range(50)))
    assert sum(1 for g in got if g == 0) == 30  # exactly the bucket's capacity, no double spending
    assert all(g > 0 for g in got if g != 0)
    waits = [g for g in got if g != 0]
    assert max(waits) <= 2.0  # one request refills in 2 s at 30/min


async def test_token_bucket_waits_for_the_tokens(coordinator: RedisCoordinator) -> None:
    coordinator.local.limits["m"] = Limit(tokens_per_minute=600)
    key = "http://x/v1|m|-"
    assert await coordinator.reserve(key, 600) == 0
    wait = await coordinator.reserve(key, 60)
    assert 5.5 <= wait <= 6.0  # 60 tokens at 10 per second


async def test_a_run_reports_and_another_waits(coordinator: RedisCoordinator, monkeypatch: pytest.MonkeyPatch) -> None:
    from l0.runtime import _runner

    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(seconds)

    monkeypatch.setattr(_runner, "sleep", fake_sleep)
    events: list[Any] = []
    script: list[Any] = [Overloaded(429, {"retry-after-ms": "200"}), ["a"]]

    def factory() -> Any:
        item = script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return tokens(*item)

    rl = RateLimit(key="shared", coordinator=coordinator)
    a = await l0.run(factory, rate_limit=rl, retry=l0.Retry(base_delay=0.0, max_delay=0.0), on_event=events.append)
    b = await l0.run(lambda: tokens("b"), rate_limit=rl, on_event=events.append)
    a_task = asyncio.ensure_future(a.read())
    while not any(e.type is O.RATE_LIMIT_COOLDOWN_START for e in events):
        await asyncio.sleep(0.005)
    assert await b.read() == "b"
    assert await a_task == "a"
    waits = [e for e in events if e.type is O.RATE_LIMIT_WAIT_START]
    assert len(waits) >= 1 and all(0 < e.meta["waitMs"] <= 200 for e in waits)


async def test_unreachable_redis_degrades_to_in_process_and_says_so() -> None:
    # A port nothing listens on: connection refused at once; nothing hangs.
    coord = RedisCoordinator("redis://127.0.0.1:9/0", timeout=0.2, retry_interval=60)
    events: list[Any] = []
    t0 = time.monotonic()
    try:
        assert await coord.reserve("k", 0, lambda t, **m: events.append((t, m))) == 0
        assert await coord.report("k", 5.0, lambda t, **m: events.append((t, m))) == pytest.approx(5.0, abs=0.01)
        assert await coord.reserve("k", 0) == pytest.approx(5.0, abs=0.05)  # the local cooldown holds
    finally:
        await coord.aclose()
    assert time.monotonic() - t0 < 2.0
    assert [t for t, _ in events] == [O.RATE_LIMIT_DEGRADED]  # once, then the local coordinator answers
    assert events[0][1]["backend"] == "redis" and events[0][1]["error"]


async def test_a_silent_redis_times_out_quickly() -> None:
    """A server that accepts the connection and never answers: the call gives up after ``timeout``."""
    accepted: list[Any] = []

    async def silent(reader: Any, writer: Any) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    coord = RedisCoordinator(f"redis://127.0.0.1:{port}/0", timeout=0.1)
    events: list[Any] = []
    t0 = time.monotonic()
    try:
        stream = await l0.run(lambda: tokens("x"), rate_limit=RateLimit(key="k", coordinator=coord),
                              on_event=events.append)
        assert await stream.read() == "x"
    finally:
        await coord.aclose()
        for w in accepted:
            w.close()
        server.close()
        await server.wait_closed()
    assert time.monotonic() - t0 < 2.0
    assert [e.type for e in events].count(O.RATE_LIMIT_DEGRADED) == 1


async def test_restored_when_redis_answers_again(coordinator: RedisCoordinator) -> None:
    coordinator.degraded = True
    coordinator.degraded_until = 0.0
    events: list[Any] = []
    assert await coordinator.reserve("k", 0, lambda t, **m: events.append(t)) == 0
    assert events == [O.RATE_LIMIT_RESTORED] and not coordinator.degraded


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="redis must be a URL"):
        RedisCoordinator(42)
    with pytest.raises(ValueError, match="timeout"):
        RedisCoordinator("redis://127.0.0.1:1/0", timeout=0)
    with pytest.raises(ValueError, match="prefix"):
        RedisCoordinator("redis://127.0.0.1:1/0", prefix="")


async def test_four_processes_share_one_cooldown() -> None:
    """200 streams in 4 processes, one model whose 429 holds for its Retry-After window: one 429 in all."""
    url = need_redis()
    from l0.testing import FaultServer

    model = "rate_limit:retry_after=3,window=1"
    prefix = f"l0test:{uuid.uuid4().hex[:8]}"
    worker = Path(__file__).with_name("_fleet_worker.py")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(l0.__file__).parent.parent),
                                                         os.environ.get("PYTHONPATH", "")])}
    coord = RedisCoordinator(url, prefix=prefix, timeout=1.0)
    with FaultServer() as server:
        procs = [subprocess.Popen([sys.executable, str(worker), url, prefix, server.base_url, model, "50"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
                 for _ in range(4)]
        try:
            loop = asyncio.get_running_loop()
            for p in procs:
                assert (await loop.run_in_executor(None, p.stdout.readline)).strip() == "ready"  # type: ignore[union-attr]
            # This process meets the 429 first and records the cooldown in Redis ...
            from openai import AsyncOpenAI

            hit = asyncio.Event()
            client = AsyncOpenAI(base_url=server.base_url, api_key="fleet", max_retries=0)
            wrapped = l0.wrap(client, rate_limit=RateLimit(coordinator=coord),
                              on_event=lambda e: hit.set() if e.type is O.RATE_LIMIT_COOLDOWN_START else None,
                              retry=l0.Retry(base_delay=0.05, max_delay=0.1))
            stream = await wrapped.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                                           stream=True)
            first = asyncio.ensure_future(stream.read())
            await asyncio.wait_for(hit.wait(), 10)
            # ... then the 4 processes start their 50 streams each, inside the cooldown.
            for p in procs:
                p.stdin.write("go\n")  # type: ignore[union-attr]
                p.stdin.flush()  # type: ignore[union-attr]
            assert await first == server.expected_text(model)
            await client.close()
            results = []
            for p in procs:
                out, _ = await loop.run_in_executor(None, p.communicate)
                assert p.returncode == 0
                results.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            await coord.clear()
            await coord.aclose()
        assert all(r["texts"] == [server.expected_text(model)] * 50 for r in results)
        assert all(r["degraded"] == [] for r in results)
        assert sum(len(r["waits"]) for r in results) >= 150  # the streams waited for the shared cooldown
        assert server.count(status=429) == 1
        assert server.count(status=200) == 201
