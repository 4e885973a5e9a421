"""Orchestration costs: pool throughput, ``parallel`` over many streams, ``race`` overhead.

Run ``python -m l0._bench.orchestration`` (add ``--quick`` for fewer repeats).
Every figure is the median process CPU time of a few repeats (nothing here
waits on a clock, and CPU time ignores the other processes of a shared
machine), with a baseline measured in the same run:

* pool: 10,000 short operations (8-token streams) through ``create_pool(w)``
  for w in 1/10/100, against the same 10,000 ``l0.run(...).read()`` awaited
  one after another (the per-operation cost of the runtime alone);
* parallel: 1,000 streams of 32 tokens through ``parallel`` (concurrency 10
  and 1,000), against ``asyncio.gather`` of the same 1,000 reads;
* race: 1,000 races between two 8-token streams, against reading one stream.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

POOL_OPS = 10_000
POOL_WORKERS: tuple[int, ...] = (1, 10, 100)
PARALLEL_STREAMS = 1_000
PARALLEL_CONCURRENCY: tuple[int, ...] = (10, 1_000)


def factory(n: int) -> Callable[[], AsyncIterator[Any]]:
    """A stream factory of ``n`` tokens that hands control to the loop once, as a socket read would."""
    import l0

    event, token, complete = l0.Event, l0.EventType.TOKEN, l0.EventType.COMPLETE

    async def source() -> AsyncIterator[Any]:
        await asyncio.sleep(0)
        for i in range(n):
            yield event(type=token, text="w ")
        yield event(type=complete)

    return source


async def sequential_reads(ops: int, tokens: int = 8) -> None:
    import l0

    f = factory(tokens)
    for _ in range(ops):
        await (await l0.run(f)).read()


async def pool_throughput(ops: int = POOL_OPS, workers: int = 10, tokens: int = 8) -> None:
    import l0

    f = factory(tokens)
    async with l0.create_pool(workers) as pool:
        futures = [pool.execute(f) for _ in range(ops)]
        for fut in futures:
            await fut


async def gather_reads(streams: int = PARALLEL_STREAMS, tokens: int = 32) -> None:
    import l0

    f = factory(tokens)

    async def one() -> str:
        return await (await l0.run(f)).read()

    await asyncio.gather(*(one() for _ in range(streams)))


async def parallel_streams(streams: int = PARALLEL_STREAMS, concurrency: int = 1_000, tokens: int = 32) -> None:
    import l0

    f = factory(tokens)
    result = await l0.parallel([{"stream": f}] * streams, concurrency=concurrency)
    assert result.success_count == streams and result.aggregated_telemetry is not None


async def races(count: int = 1_000, tokens: int = 8) -> None:
    import l0

    f = factory(tokens)
    for _ in range(count):
        await l0.race([{"stream": f}, {"stream": f}])


async def single_reads(count: int = 1_000, tokens: int = 8) -> None:
    await sequential_reads(count, tokens)


def measure(make: Callable[[], Coroutine[Any, Any, None]], repeats: int) -> float:
    """Median process CPU seconds of ``repeats`` runs, each on a fresh event loop."""
    times = []
    for _ in range(repeats):
        loop = asyncio.new_event_loop()
        try:
            gc.collect()
            t0 = time.process_time()
            loop.run_until_complete(make())
            times.append(time.process_time() - t0)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repeat per figure")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    import l0

    measure(lambda: sequential_reads(200), 1)  # warm up imports and caches
    print(f"l0 {l0.__version__}, backend {l0.__backend__}; median process CPU time of {repeats} run(s)")
    base = measure(lambda: sequential_reads(POOL_OPS), repeats)
    print(f"\npool, {POOL_OPS:,} operations of 8 tokens")
    print(f"  baseline: l0.run(...).read() one after another  {base:7.3f} s  {POOL_OPS / base:9,.0f} ops/s")
    for w in POOL_WORKERS:
        t = measure(lambda w=w: pool_throughput(POOL_OPS, w), repeats)
        print(f"  create_pool({w:>3})                               {t:7.3f} s  {POOL_OPS / t:9,.0f} ops/s"
              f"  x{t / base:.2f} of baseline")
    base = measure(lambda: gather_reads(PARALLEL_STREAMS), repeats)
    print(f"\nparallel, {PARALLEL_STREAMS:,} streams of 32 tokens")
    print(f"  baseline: asyncio.gather of the reads  {base:7.3f} s  {PARALLEL_STREAMS / base:9,.0f} streams/s")
    for c in PARALLEL_CONCURRENCY:
        t = measure(lambda c=c: parallel_streams(PARALLEL_STREAMS, c), repeats)
        print(f"  parallel(concurrency={c:>5})          {t:7.3f} s  {PARALLEL_STREAMS / t:9,.0f} streams/s"
              f"  x{t / base:.2f} of baseline")
    base = measure(lambda: single_reads(1_000), repeats)
    t = measure(lambda: races(1_000), repeats)
    print("\nrace, 1,000 races of two 8-token streams")
    print(f"  baseline: one stream read        {base:7.3f} s  ({base * 1000:.0f} us per read)")
    print(f"  race of two                      {t:7.3f} s  ({t * 1000:.0f} us per race)  x{t / base:.2f} of baseline")


if __name__ == "__main__":
    main()
