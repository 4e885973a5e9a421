"""Runtime overhead over raw async iteration (the reference's published scenario).

``python -m l0._bench.runtime_overhead`` prints, for 2K/20K/200K/1M tokens,
the median time per token of: raw async iteration of the source, ``l0.run``
with no features, and ``l0.run`` with ``Timeout(...)``, the ratios measured
in the same run, and the peak memory (tracemalloc) of a 1M-token stream whose
tokens are distinct strings, relative to the text's UTF-8 size.

The source yields ``l0.Event`` TOKEN objects with zero delay, then COMPLETE.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from typing import Any

import l0
from l0 import Event, EventType

_WORDS = tuple(f"w{i % 97}" for i in range(4096))


def make_source(n: int, distinct: bool = False) -> Callable[[], AsyncIterator[Event]]:
    """A zero-argument factory of ``n`` TOKEN events (``distinct``: a new string object per token)."""
    token, complete, words = EventType.TOKEN, EventType.COMPLETE, _WORDS

    async def source() -> AsyncIterator[Event]:
        if distinct:
            for i in range(n):
                yield Event(type=token, text=f"t{i} ")
        else:
            for i in range(n):
                yield Event(type=token, text=words[i & 4095] + " ")
        yield Event(type=complete)

    return source


async def _raw(n: int) -> float:
    factory = make_source(n)
    t0 = time.perf_counter()
    async for _ev in factory():
        pass
    return time.perf_counter() - t0


async def _l0(n: int, **kw: Any) -> float:
    factory = make_source(n)
    t0 = time.perf_counter()
    stream = await l0.run(factory, **kw)
    async for _ev in stream:
        pass
    elapsed = time.perf_counter() - t0
    assert stream.state.token_count == n, stream.state.token_count
    return elapsed


async def _median(fn: Callable[..., Any], n: int, repeats: int, **kw: Any) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        times.append(await fn(n, **kw))
    return statistics.median(times)


async def measure(lengths: list[int], budget: float) -> list[dict[str, float]]:
    rows = []
    timeout = l0.Timeout(initial_token=5000, inter_token=10000)
    for n in lengths:
        repeats = max(5, min(301, int(budget / (n * 1.5e-6)) | 1))
        # Interleave the three so drift of the machine affects all alike.
        raws, cores, tos = [], [], []
        for _ in range(repeats):
            gc.collect()
            raws.append(await _raw(n))
            gc.collect()
            cores.append(await _l0(n))
            gc.collect()
            tos.append(await _l0(n, timeout=timeout))
        raw, core, to = statistics.median(raws), statistics.median(cores), statistics.median(tos)
        rows.append({"tokens": n, "repeats": repeats, "raw_ns": raw / n * 1e9, "core_ns": core / n * 1e9,
                     "timeout_ns": to / n * 1e9, "core_ratio": core / raw, "timeout_ratio": to / raw,
                     # On a loaded machine noise only adds time: best-of ratios are the steadier estimate.
                     "core_best": min(cores) / min(raws), "timeout_best": min(tos) / min(raws)})
    return rows


async def peak_memory(n: int) -> dict[str, float]:
    factory = make_source(n, distinct=True)
    text_bytes = sum(len(f"t{i} ".encode()) for i in range(n))
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    stream = await l0.run(factory)
    async for _ev in stream:
        pass
    text = await stream.read()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(text.encode()) == text_bytes
    growth = peak - base
    return {"tokens": n, "text_bytes": text_bytes, "peak_bytes": growth, "ratio": growth / text_bytes}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="2000,20000,200000,1000000")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds of source time per length and variant")
    parser.add_argument("--memory-tokens", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    lengths = [int(x) for x in args.lengths.split(",") if x]
    print(f"l0 backend: {l0.__backend__}")
    rows = asyncio.run(measure(lengths, args.budget))
    print("medians per token; ratios = l0 / raw measured in the same run (median, and best-of)")
    print(f"{'tokens':>9} {'runs':>5} {'raw ns/tok':>11} {'l0 ns/tok':>10} {'+Timeout':>10} {'l0/raw':>7} "
          f"{'Timeout/raw':>12} {'best l0/raw':>12} {'best T/raw':>11}")
    for r in rows:
        print(f"{r['tokens']:>9} {r['repeats']:>5} {r['raw_ns']:>11.0f} {r['core_ns']:>10.0f} {r['timeout_ns']:>10.0f}"
              f" {r['core_ratio']:>7.2f} {r['timeout_ratio']:>12.2f} {r['core_best']:>12.2f} {r['timeout_best']:>11.2f}")
    if args.memory_tokens:
        mem = asyncio.run(peak_memory(args.memory_tokens))
        print(f"peak memory, {mem['tokens']} distinct tokens: {mem['peak_bytes'] / 1e6:.1f} MB for "
              f"{mem['text_bytes'] / 1e6:.1f} MB of UTF-8 text = {mem['ratio']:.2f}x")


if __name__ == "__main__":
    main()
