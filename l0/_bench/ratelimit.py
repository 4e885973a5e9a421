"""What the rate-limit coordinator costs per attempt, and what it saves.

``python -m l0._bench.ratelimit [--redis URL] [--streams 200] [--no-scenario]`` prints:

1. the process CPU time of one ``reserve()`` (no cooldown, no limit) of the in-process
   coordinator, with a request bucket, and (with ``--redis`` or ``L0_TEST_REDIS_URL``) of the
   Redis coordinator (wall time too: one round trip);
2. the CPU time of a whole ``l0.run`` of a 20-token stream with and without ``rate_limit``
   (the difference is the per-attempt overhead as the runtime sees it);
3. the stampede of ``tests/providers/test_ratelimit_e2e.py`` through the real openai SDK and
   the fault server: requests the server saw, with and without the coordinator.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import l0
from l0 import Event, EventType
from l0.ratelimit import InProcessCoordinator, Limit, RateLimit


def _source(n: int) -> Callable[[], Any]:
    async def source() -> Any:
        for _ in range(n):
            yield Event(type=EventType.TOKEN, text="w ")
        yield Event(type=EventType.COMPLETE)

    return source


async def _per_call(fn: Callable[[], Awaitable[Any]], calls: int, repeats: int = 7) -> tuple[float, float]:
    """Median (CPU seconds, wall seconds) per call over ``repeats`` batches."""
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(calls):
            await fn()
        cpu.append((time.process_time() - c0) / calls)
        wall.append((time.perf_counter() - w0) / calls)
    return statistics.median(cpu), statistics.median(wall)


async def overhead(redis_url: str | None) -> list[tuple[str, float, float]]:
    rows: list[tuple[str, float, float]] = []
    key = "http://bench/v1|model|-"
    plain = InProcessCoordinator()
    rows.append(("in-process reserve()",) + await _per_call(lambda: plain.reserve(key, 0), 20_000))
    bucket = InProcessCoordinator(default_limit=Limit(requests_per_minute=1e12, tokens_per_minute=1e15))
    rows.append(("in-process reserve(), rpm+tpm buckets",) + await _per_call(lambda: bucket.reserve(key, 100), 20_000))
    if redis_url:
        from l0.ratelimit import RedisCoordinator

        redis = RedisCoordinator(redis_url, prefix="l0bench", timeout=1.0)
        try:
            await redis.reserve(key, 0)
            rows.append(("redis reserve() (one Lua call)",) + await _per_call(lambda: redis.reserve(key, 0), 500))
            redis.local.default_limit = Limit(requests_per_minute=1e12, tokens_per_minute=1e15)
            rows.append(("redis reserve(), rpm+tpm buckets",) + await _per_call(lambda: redis.reserve(key, 100), 500))
        finally:
            await redis.clear()
            await redis.aclose()
    source = _source(20)

    async def run(**kw: Any) -> None:
        stream = await l0.run(source, **kw)
        await stream.read()

    rl = RateLimit(key=key, coordinator=plain)
    base = await _per_call(run, 3000)
    with_rl = await _per_call(lambda: run(rate_limit=rl), 3000)
    rows.append(("l0.run, 20 tokens", *base))
    rows.append(("l0.run, 20 tokens, rate_limit (in-process)", *with_rl))
    rows.append(("  = overhead per attempt", with_rl[0] - base[0], with_rl[1] - base[1]))
    return rows


async def stampede(streams: int) -> list[tuple[str, int, int]]:
    """(mode, 429s, 200s) for the e2e scenario with and without the coordinator."""
    from openai import AsyncOpenAI

    from l0.events import ObservabilityEventType as O
    from l0.testing import FaultServer

    model = "rate_limit:retry_after=3,window=1"
    out = []
    with FaultServer() as server:
        for mode in ("without coordinator", "with coordinator"):
            server.reset()
            hit = asyncio.Event()

            def on_event(event: Any) -> None:
                if event.type is O.RETRY_ATTEMPT:
                    hit.set()

            client = AsyncOpenAI(base_url=server.base_url, api_key="bench", max_retries=0)
            rate_limit = RateLimit(coordinator=InProcessCoordinator()) if mode == "with coordinator" else None
            wrapped = l0.wrap(client, rate_limit=rate_limit, on_event=on_event,
                              retry=l0.Retry(attempts=3, max_retries=10, base_delay=0.05, max_delay=0.1))

            async def one() -> str:
                s = await wrapped.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}],
                                                          stream=True)
                return await s.read()

            first = asyncio.ensure_future(one())
            await hit.wait()
            await asyncio.gather(first, *(one() for _ in range(streams - 1)))
            await client.close()
            out.append((mode, server.count(status=429), server.count(status=200)))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default=os.environ.get("L0_TEST_REDIS_URL"), help="Redis URL (optional)")
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--no-scenario", action="store_true", help="skip the fault-server stampede")
    args = parser.parse_args(argv)
    print(f"l0 {l0.__version__} backend={l0.__backend__}")
    print(f"{'what':48} {'CPU us/call':>12} {'wall us/call':>13}")
    for name, cpu, wall in asyncio.run(overhead(args.redis)):
        print(f"{name:48} {cpu * 1e6:12.2f} {wall * 1e6:13.2f}")
    if not args.redis:
        print("(no --redis / L0_TEST_REDIS_URL: Redis coordinator not measured)")
    if not args.no_scenario:
        print(f"\nstampede: 1 stream meets a 429 (Retry-After 3 s, held for the window), then "
              f"{args.streams - 1} more start")
        for mode, limited, ok in asyncio.run(stampede(args.streams)):
            print(f"  {mode:22} 429s={limited:4d}  200s={ok:4d}  requests={limited + ok}")


if __name__ == "__main__":
    main()
