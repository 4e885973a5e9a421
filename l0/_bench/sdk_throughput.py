"""Tokens/s through the real openai SDK over loopback, with and without l0, in one run.

``python -m l0._bench.sdk_throughput [--chunks N] [--rounds R] [--paced] [--json PATH]``

The fault server runs in a subprocess (so it does not share this process's
GIL) and streams ``N`` one-word chunks. Each round measures, interleaved:

* ``sdk``: ``AsyncOpenAI`` stream, reading ``delta.content`` (the baseline);
* ``sdk+l0``: the same request through ``l0.wrap(client)`` (default options);
* ``sdk+l0+timeout``: ``l0.wrap(client, timeout=Timeout())`` (watchdog armed);
* ``native+l0``: ``l0.wrap(client, transport="native")`` (l0's SSE kernel and
  orjson instead of the SDK's chunk models; same client, same request);
* ``floor``: ``httpx`` + ``orjson`` with no l0 and no SDK (a bare SSE split and
  ``delta.content`` read): what reading the bytes costs at least;
* ``replay/*``: the parsed ``ChatCompletionChunk`` objects replayed from memory,
  through a bare loop, through the adapter only, and through ``l0.run`` (with
  the adapter as ``l0.wrap(client)`` configures it); the difference is l0's own
  per-chunk cost, free of network and SSE parsing.

``--paced`` adds the paced regime: the server writes every stream at 1,000
chunks/s (one chunk per write), 10 and 50 streams at once, and the client CPU
per chunk of ``sdk``, ``sdk+l0``, ``native+l0`` and ``floor`` gives the
streams of 1,000 tokens/s one core carries (``1e6 / (1000 * cpu_us)``).

Reported: tokens/s (wall, median), client-process CPU µs per chunk (min and
median over rounds; the server runs in another process, so this is the SDK's
and l0's cost only), l0's share of the per-chunk cost
(``(sdk+l0 - sdk) / (sdk+l0)`` on CPU time), and l0's own replay cost next to
the SDK's per-chunk cost.
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
        native = l0.wrap(client, transport="native")
        token = EventType.TOKEN
        floor = _floor_reader(base_url)

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
            async for ev in OpenAIAdapter(raw_chunks=False).wrap(_replay(captured)):
                if ev.type is token:
                    n += 1
            return n

        async def replay_l0() -> int:
            n = 0
            s = await l0.run(lambda: _replay(captured), adapter=OpenAIAdapter(raw_chunks=False))
            async for ev in s:
                if ev.type is token:
                    n += 1
            return n

        workloads: dict[str, Callable[[], Awaitable[int]]] = {
            "sdk": sdk,
            "sdk+l0": lambda: via_l0(wrapped),
            "sdk+l0+timeout": lambda: via_l0(wrapped_timeout),
            "native+l0": lambda: via_l0(native),
            "floor": lambda: floor(model),
            "replay/loop": replay_loop,
            "replay/adapter": replay_adapter,
            "replay/l0": replay_l0,
        }
        wall: dict[str, list[float]] = {name: [] for name in workloads}
        cpu: dict[str, list[float]] = {name: [] for name in workloads}
        for fn in workloads.values():
            await fn()  # warm-up: connection pool, imports, caches
        order = list(workloads)
        for r in range(rounds):
            # Alternate the order so slow drifts of the machine load hit every workload alike.
            for name in order if r % 2 == 0 else order[::-1]:
                c0, w0 = time.process_time(), time.perf_counter()
                n = await workloads[name]()
                wall[name].append(time.perf_counter() - w0)
                cpu[name].append(time.process_time() - c0)
                if n != chunks:
                    raise RuntimeError(f"{name} saw {n} tokens, expected {chunks}")
        await floor.aclose()
        await client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    def per_chunk(samples: dict[str, list[float]], pick: Callable[[list[float]], float]) -> dict[str, float]:
        return {name: pick(ts) / chunks * 1e6 for name, ts in samples.items()}

    cpu_min = per_chunk(cpu, min)
    cpu_med = per_chunk(cpu, statistics.median)
    wall_med = per_chunk(wall, statistics.median)
    own = cpu_min["replay/l0"] - cpu_min["replay/loop"]
    return {
        "chunks": chunks,
        "rounds": rounds,
        "python": sys.version.split()[0],
        "backend": l0.__backend__,
        "tokens_per_s": {name: 1e6 / us for name, us in wall_med.items()},
        "wall_us_per_chunk_median": wall_med,
        "cpu_us_per_chunk_min": cpu_min,
        "cpu_us_per_chunk_median": cpu_med,
        "l0_share": (cpu_min["sdk+l0"] - cpu_min["sdk"]) / cpu_min["sdk+l0"],
        "l0_share_timeout": (cpu_min["sdk+l0+timeout"] - cpu_min["sdk"]) / cpu_min["sdk+l0+timeout"],
        "l0_own_cpu_us": own,
        "sdk_cpu_us": cpu_min["sdk"],
        "l0_own_vs_sdk": own / cpu_min["sdk"],
        "native_vs_sdk_l0": cpu_min["sdk+l0"] / cpu_min["native+l0"],
    }


def format_report(r: dict[str, Any]) -> str:
    lines = [
        f"openai SDK over loopback: {r['chunks']} one-word chunks x {r['rounds']} rounds, "
        f"Python {r['python']}, l0 backend {r['backend']}",
        "client-process CPU time per chunk (min and median over rounds); tokens/s from wall time (median)",
        "",
        f"{'workload':<18}{'tokens/s':>12}{'cpu us (min)':>14}{'cpu us (med)':>14}",
    ]
    for name, tps in r["tokens_per_s"].items():
        lines.append(f"{name:<18}{tps:>12,.0f}{r['cpu_us_per_chunk_min'][name]:>14.2f}"
                     f"{r['cpu_us_per_chunk_median'][name]:>14.2f}")
    lines += [
        "",
        f"l0 share of the per-chunk cost (sdk+l0 vs sdk, CPU, same run): {r['l0_share']:.1%}",
        f"  with Timeout() armed:                                        {r['l0_share_timeout']:.1%}",
        f"l0's own CPU per chunk (replay: no network, no SSE/JSON parsing): {r['l0_own_cpu_us']:.2f} us",
        f"  = {r['l0_own_vs_sdk']:.1%} of the SDK's own {r['sdk_cpu_us']:.2f} us per chunk",
        f"native+l0 vs sdk+l0 (CPU per chunk, min): {r['native_vs_sdk_l0']:.1f}x cheaper",
    ]
    paced = r.get("paced")
    if paced:
        lines += ["", f"paced: every stream at {paced['rate']:,} chunks/s, one chunk per write; "
                      f"{paced['chunks']} chunks per stream",
                  f"{'workload':<14}{'streams':>8}{'cpu us/chunk':>14}{'chunks/s':>12}{'streams/core':>14}"]
        for row in paced["rows"]:
            lines.append(f"{row['workload']:<14}{row['streams']:>8}{row['cpu_us']:>14.2f}"
                         f"{row['chunks_per_s']:>12,.0f}{row['streams_per_core']:>14.0f}")
    return "\n".join(lines)


def format_markdown(r: dict[str, Any]) -> str:
    """A BENCHMARKS.md section for one run."""
    rows = "\n".join(
        f"| {name} | {tps:,.0f} | {r['cpu_us_per_chunk_min'][name]:.2f} | {r['cpu_us_per_chunk_median'][name]:.2f} |"
        for name, tps in r["tokens_per_s"].items()
    )
    return f"""## Through the real openai SDK over loopback

`python -m l0._bench.sdk_throughput --chunks {r['chunks']} --rounds {r['rounds']}{_paced_flags(r)}` (Python {r['python']},
l0 backend `{r['backend']}`). The fault server runs in a subprocess; CPU time is the client process only.

| workload | tokens/s (wall, median) | CPU µs/chunk (min) | CPU µs/chunk (median) |
|---|---:|---:|---:|
{rows}

- l0's share of the per-chunk cost (`sdk+l0` vs `sdk`, same run): **{r['l0_share']:.1%}**
  ({r['l0_share_timeout']:.1%} with `Timeout()` armed).
- l0's own cost per chunk, replaying the parsed chunks from memory: **{r['l0_own_cpu_us']:.2f} µs**,
  {r['l0_own_vs_sdk']:.1%} of the SDK's own {r['sdk_cpu_us']:.2f} µs per chunk (SSE decoding and model construction).
- The native transport (`native+l0`, full l0 stack) costs **{r['cpu_us_per_chunk_min']['native+l0']:.2f} µs** per chunk,
  {r['native_vs_sdk_l0']:.1f}x less than `sdk+l0`; the floor (`httpx` + `orjson`, no l0) is
  {r['cpu_us_per_chunk_min']['floor']:.2f} µs.
{_paced_markdown(r.get("paced"))}"""


def _paced_flags(r: dict[str, Any]) -> str:
    paced = r.get("paced")
    return f" --paced --paced-chunks {paced['chunks']}" if paced else ""


def _paced_markdown(paced: dict[str, Any] | None) -> str:
    if not paced:
        return ""
    rows = "\n".join(
        f"| {row['workload']} | {row['streams']} | {row['cpu_us']:.2f} | {row['chunks_per_s']:,.0f} | "
        f"{row['streams_per_core']:.0f} |"
        for row in paced["rows"]
    )
    return f"""
Paced: the server writes every stream at {paced['rate']:,} chunks/s, one chunk per write
({paced['chunks']} chunks per stream); client CPU per chunk and the streams of 1,000 tokens/s one core
carries at that cost (`1e6 / (1000 x CPU µs)`).

| workload | concurrent streams | CPU µs/chunk | chunks/s (wall, all streams) | streams/core |
|---|---:|---:|---:|---:|
{rows}
"""


def _floor_reader(base_url: str) -> Any:
    """``floor(model)``: the raw floor, ``httpx`` + ``orjson``, no SDK and no l0."""
    import httpx
    import orjson

    client = httpx.AsyncClient(timeout=60)
    loads = orjson.loads
    url = base_url + "/chat/completions"

    async def floor(model: str) -> int:
        n = 0
        rest = b""
        body = {"model": model, "messages": MESSAGES, "stream": True}
        async with client.stream("POST", url, json=body, headers={"Authorization": "Bearer bench"}) as resp:
            async for raw in resp.aiter_bytes():
                *events, rest = (rest + raw).split(b"\n\n")
                for ev in events:
                    if ev[6:7] == b"{":
                        choices = loads(ev[6:])["choices"]
                        if choices and choices[0]["delta"].get("content"):
                            n += 1
        return n

    floor.aclose = client.aclose  # type: ignore[attr-defined]
    return floor


PACED_RATE = 1000


async def run_paced(chunks: int, concurrency: tuple[int, ...] = (10, 50), rounds: int = 1) -> dict[str, Any]:
    """Client CPU per chunk with every stream paced at 1,000 chunks/s, ``concurrency`` streams at once."""
    from openai import AsyncOpenAI

    import l0
    from l0.types import EventType

    proc, base_url = start_server()
    token = EventType.TOKEN
    rows: list[dict[str, Any]] = []
    try:
        limits = __import__("httpx2" if _sdk_uses_httpx2() else "httpx").Limits(max_connections=max(concurrency) + 10)
        client = AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0,
                             http_client=_sdk_http_client(limits))
        wrapped = l0.wrap(client)
        native = l0.wrap(client, transport="native")
        aio_client = _aiohttp_client(base_url, max(concurrency) + 10)
        floor = _floor_reader(base_url)
        model = f"clean:words={chunks},delay={1 / PACED_RATE}"

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

        workloads: dict[str, Callable[[], Awaitable[int]]] = {
            "sdk": sdk, "sdk+l0": lambda: via_l0(wrapped), "native+l0": lambda: via_l0(native),
            "floor": lambda: floor(model),
        }
        if aio_client is not None:
            # The same client with the SDK's own aiohttp pool (openai.DefaultAioHttpClient).
            workloads["native+l0/aiohttp"] = lambda: via_l0(l0.wrap(aio_client, transport="native"))
        for conc in concurrency:
            for name, fn in workloads.items():
                await asyncio.gather(*(fn() for _ in range(min(conc, 4))))  # warm the pool
                samples: list[tuple[float, float]] = []
                for _ in range(rounds):
                    c0, w0 = time.process_time(), time.perf_counter()
                    counts = await asyncio.gather(*(fn() for _ in range(conc)))
                    samples.append((time.process_time() - c0, time.perf_counter() - w0))
                    if any(c != chunks for c in counts):
                        raise RuntimeError(f"{name} saw {counts}, expected {chunks} per stream")
                cpu, wall = min(samples)
                total = chunks * conc
                cpu_us = cpu / total * 1e6
                rows.append({"workload": name, "streams": conc, "cpu_us": cpu_us, "chunks_per_s": total / wall,
                             "streams_per_core": 1e6 / (PACED_RATE * cpu_us)})
        await floor.aclose()
        await client.close()
        if aio_client is not None:
            await aio_client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"rate": PACED_RATE, "chunks": chunks, "rows": rows}


def _aiohttp_client(base_url: str, connections: int) -> Any:
    """``AsyncOpenAI`` on the SDK's aiohttp pool (``openai.DefaultAioHttpClient``), or None if unavailable."""
    import openai

    try:
        limits = __import__("httpx2" if _sdk_uses_httpx2() else "httpx").Limits(max_connections=connections)
        http = openai.DefaultAioHttpClient(limits=limits)
    except (AttributeError, RuntimeError, ImportError):
        return None
    return openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0, http_client=http)


def _sdk_uses_httpx2() -> bool:
    import openai._base_client as base

    return "httpx2" in getattr(base, "__dict__", {})


def _sdk_http_client(limits: Any) -> Any:
    """The SDK's default async HTTP client with a larger pool (50 concurrent streams)."""
    import openai

    return openai.DefaultAsyncHttpxClient(limits=limits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m l0._bench.sdk_throughput", description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=20000, help="one-word chunks per stream (default 20000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median is reported")
    parser.add_argument("--paced", action="store_true", help="also run the paced regime (1,000 chunks/s per stream)")
    parser.add_argument("--paced-chunks", type=int, default=1000, help="chunks per paced stream (default 1000)")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    parser.add_argument("--markdown", metavar="PATH", help="also write a BENCHMARKS.md section")
    args = parser.parse_args(argv)
    if args.chunks < 1 or args.rounds < 1:
        parser.error("--chunks and --rounds must be >= 1")
    try:
        import openai  # noqa: F401
    except ImportError:
        print("this benchmark needs the openai SDK: pip install 'l0[openai]'", file=sys.stderr)
        return 2
    result = asyncio.run(run_bench(args.chunks, args.rounds))
    if args.paced:
        result["paced"] = asyncio.run(run_paced(args.paced_chunks))
    print(format_report(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(format_markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
