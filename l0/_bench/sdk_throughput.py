"""Tokens/s through the real openai SDK over loopback, with and without l0, in one run.

``python -m l0._bench.sdk_throughput [--chunks N] [--rounds R] [--json PATH]``

The fault server runs in a subprocess (so it does not share this process's
GIL) and streams ``N`` one-word chunks. Each round measures, interleaved:

* ``sdk``: ``AsyncOpenAI`` stream, reading ``delta.content`` (the baseline);
* ``sdk+l0``: the same request through ``l0.wrap(client)`` (default options);
* ``sdk+l0+timeout``: ``l0.wrap(client, timeout=Timeout())`` (watchdog armed);
* ``replay/*``: the parsed ``ChatCompletionChunk`` objects replayed from memory,
  through a bare loop, through the adapter only, and through ``l0.run``; the
  difference is l0's own per-chunk cost, free of network and SSE parsing.

Reported: tokens/s and µs/chunk per workload (median over rounds), and l0's
share of the per-chunk cost (``(sdk+l0 - sdk) / (sdk+l0)``), next to the SDK's
own per-chunk cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from typing import Any, AsyncIterator, Awaitable, Callable

MESSAGES = [{"role": "user", "content": "Count for me."}]


def start_server() -> tuple[subprocess.Popen[str], str]:
    """Run ``python -m l0.testing`` in a subprocess; return it and its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "l0.testing", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise RuntimeError(f"fault server did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[-1].strip()


async def _replay(chunks: list[Any]) -> AsyncIterator[Any]:
    for c in chunks:
        yield c


async def run_bench(chunks: int, rounds: int) -> dict[str, Any]:
    from openai import AsyncOpenAI

    import l0
    from l0.adapters.openai import OpenAIAdapter
    from l0.types import EventType, Timeout

    proc, base_url = start_server()
    try:
        client = AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
        model = f"clean:words={chunks}"
        wrapped = l0.wrap(client)
        wrapped_timeout = l0.wrap(client, timeout=Timeout())
        token = EventType.TOKEN

        async def sdk() -> int:
            n = 0
            stream = await client.chat.completions.create(model=model, messages=MESSAGES, stream=True)
            async for ch in stream:
                if ch.choices and ch.choices[0].delta.content:
                    n += 1
            return n

        async def via_l0(w: Any) -> int:
            n = 0
            stream = await w.chat.completions.create(model=model, messages=MESSAGES, stream=True)
            async for ev in stream:
                if ev.type is token:
                    n += 1
            return n

        captured: list[Any] = []
        stream = await client.chat.completions.create(model=model, messages=MESSAGES, stream=True)
        async for ch in stream:
            captured.append(ch)

        async def replay_loop() -> int:
            n = 0
            async for ch in _replay(captured):
                if ch.choices and ch.choices[0].delta.content:
                    n += 1
            return n

        async def replay_adapter() -> int:
            n = 0
            async for ev, _ in OpenAIAdapter().iter_events(_replay(captured)):
                if ev.type is token:
                    n += 1
            return n

        async def replay_l0() -> int:
            n = 0
            s = await l0.run(lambda: _replay(captured), adapter=OpenAIAdapter())
            async for ev in s:
                if ev.type is token:
                    n += 1
            return n

        workloads: dict[str, Callable[[], Awaitable[int]]] = {
            "sdk": sdk,
            "sdk+l0": lambda: via_l0(wrapped),
            "sdk+l0+timeout": lambda: via_l0(wrapped_timeout),
            "replay/loop": replay_loop,
            "replay/adapter": replay_adapter,
            "replay/l0": replay_l0,
        }
        times: dict[str, list[float]] = {name: [] for name in workloads}
        for fn in workloads.values():
            await fn()  # warm-up: connection pool, imports, caches
        for _ in range(rounds):
            for name, fn in workloads.items():
                start = time.perf_counter()
                n = await fn()
                times[name].append(time.perf_counter() - start)
                if n != chunks:
                    raise RuntimeError(f"{name} saw {n} tokens, expected {chunks}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    med = {name: statistics.median(ts) for name, ts in times.items()}
    us = {name: t / chunks * 1e6 for name, t in med.items()}
    return {
        "chunks": chunks,
        "rounds": rounds,
        "python": sys.version.split()[0],
        "backend": l0.__backend__,
        "tokens_per_s": {name: chunks / t for name, t in med.items()},
        "us_per_chunk": us,
        "l0_share_over_network": (us["sdk+l0"] - us["sdk"]) / us["sdk+l0"],
        "l0_share_over_network_timeout": (us["sdk+l0+timeout"] - us["sdk"]) / us["sdk+l0+timeout"],
        "l0_replay_cost_us": us["replay/l0"] - us["replay/loop"],
        "sdk_cost_us": us["sdk"],
        "l0_replay_vs_sdk": (us["replay/l0"] - us["replay/loop"]) / us["sdk"],
    }


def format_report(r: dict[str, Any]) -> str:
    lines = [
        f"openai SDK over loopback: {r['chunks']} chunks x {r['rounds']} rounds "
        f"(median), Python {r['python']}, l0 backend {r['backend']}",
        "",
        f"{'workload':<18}{'tokens/s':>12}{'us/chunk':>11}",
    ]
    for name, tps in r["tokens_per_s"].items():
        lines.append(f"{name:<18}{tps:>12,.0f}{r['us_per_chunk'][name]:>11.2f}")
    lines += [
        "",
        f"l0 share of the per-chunk cost (sdk+l0 vs sdk, same run): {r['l0_share_over_network']:.1%}",
        f"  with Timeout() armed:                                  {r['l0_share_over_network_timeout']:.1%}",
        f"l0's own cost per chunk (replay, no network/parsing):     {r['l0_replay_cost_us']:.2f} us",
        f"  = {r['l0_replay_vs_sdk']:.1%} of the SDK's own {r['sdk_cost_us']:.2f} us per chunk",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m l0._bench.sdk_throughput", description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=20000, help="one-word chunks per stream (default 20000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median is reported")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    if args.chunks < 1 or args.rounds < 1:
        parser.error("--chunks and --rounds must be >= 1")
    try:
        import openai  # noqa: F401
    except ImportError:
        print("this benchmark needs the openai SDK: pip install 'l0[openai]'", file=sys.stderr)
        return 2
    result = asyncio.run(run_bench(args.chunks, args.rounds))
    print(format_report(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
