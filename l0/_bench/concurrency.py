"""Many streams in one event loop: aggregate throughput and paced capacity.

Like ``scenarios.py`` this is a worker that uses only the public ``l0`` API, so
the same file measures this package and the reference. Run as a script::

    python -P l0/_bench/concurrency.py throughput --streams 10,100,1000
    python -P l0/_bench/concurrency.py capacity --rate 1000

* ``throughput``: N streams of T tokens start together; each source hands
  control back to the loop after every burst of tokens (as a socket read
  would), so the streams really interleave. Reports aggregate tokens/s.
* ``capacity`` (the "Blackwell-class" figure): every stream is paced at
  ``rate`` tokens/s in bursts scheduled with ``asyncio.sleep`` on absolute
  deadlines. A load of N streams is sustained when the loop delivers at least
  95% of N x rate; the search doubles N until that fails, then bisects.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

STREAM_COUNTS: tuple[int, ...] = (10, 100, 1000)
SUSTAIN_FRACTION = 0.95


def _scenarios() -> ModuleType:
    """The sibling ``scenarios.py``, loaded by path (works outside this package too)."""
    name = "_l0_bench_scenarios"
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("scenarios.py"))
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


def bursty_factory(n: int, burst: int) -> Callable[[], AsyncIterator[Any]]:
    """``n`` tokens; control returns to the event loop after every ``burst`` tokens."""
    import l0

    sc = _scenarios()
    event, token, complete = l0.Event, l0.EventType.TOKEN, l0.EventType.COMPLETE
    words, mask = sc.WORDS, len(sc.WORDS) - 1

    async def source() -> AsyncIterator[Any]:
        for i in range(n):
            if i % burst == 0:
                await asyncio.sleep(0)
            yield event(type=token, text=words[i & mask] + " ")
        yield event(type=complete)

    return source


def paced_factory(n: int, rate: float, burst: int, start_at: float) -> Callable[[], AsyncIterator[Any]]:
    """``n`` tokens at ``rate`` tokens/s in bursts due at absolute loop times.

    A source that falls behind schedule does not sleep until it has caught
    up, so a late loop shows up as a longer wall time, not as lost tokens.
    """
    import l0

    sc = _scenarios()
    event, token, complete = l0.Event, l0.EventType.TOKEN, l0.EventType.COMPLETE
    words, mask = sc.WORDS, len(sc.WORDS) - 1
    period = burst / rate

    async def source() -> AsyncIterator[Any]:
        loop = asyncio.get_running_loop()
        due = start_at
        for i in range(n):
            if i % burst == 0:
                delay = due - loop.time()
                await asyncio.sleep(delay if delay > 0 else 0)
                due += period
            yield event(type=token, text=words[i & mask] + " ")
        yield event(type=complete)

    return source


async def _consume(name: str, factory: Callable[[], AsyncIterator[Any]]) -> int:
    seen = 0
    if name == "raw":
        async for _ev in factory():
            seen += 1
        return seen
    import l0

    stream = await l0.run(stream=factory, **_scenarios().scenario_kwargs(name))
    async for _ev in stream:
        seen += 1
    return seen


async def throughput(name: str, streams: int, tokens: int, burst: int = 16) -> dict[str, Any]:
    """Run ``streams`` streams of ``tokens`` tokens together; aggregate rate."""
    factories = [bursty_factory(tokens, burst) for _ in range(streams)]
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    seen = await asyncio.gather(*(_consume(name, f) for f in factories))
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    bad = sum(1 for s in seen if s != tokens + 1)
    return {
        "kind": "throughput",
        "scenario": name,
        "streams": streams,
        "tokens_per_stream": tokens,
        "seconds": dt,
        "cpu_seconds": cpu,
        "tokens_per_s": streams * tokens / dt,
        "tokens_per_cpu_s": streams * tokens / cpu if cpu > 0 else None,
        "error": f"{bad} streams lost events" if bad else None,
    }


async def paced_trial(name: str, streams: int, rate: float, seconds: float, burst: int) -> tuple[float, float]:
    """``(delivered fraction of the target rate, CPU seconds per token)`` for ``streams`` paced streams."""
    loop = asyncio.get_running_loop()
    tokens = int(rate * seconds)
    period = burst / rate
    t0 = loop.time() + 0.05
    # Stagger the schedules over one burst period, as independent requests would be.
    factories = [paced_factory(tokens, rate, burst, t0 + period * k / streams) for k in range(streams)]
    gc.collect()
    c0 = time.process_time()
    await asyncio.gather(*(_consume(name, f) for f in factories))
    cpu = time.process_time() - c0
    wall = loop.time() - t0
    ideal = tokens / rate
    return (ideal / wall if wall > 0 else 0.0), cpu / (streams * tokens)


def capacity(name: str, rate: float, seconds: float, burst: int, start: int, limit: int,
             emit: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Largest N whose paced streams all keep >= 95% of ``rate`` on one core.

    Besides the measured N, the record carries a CPU-time estimate: one core
    second divided by the CPU cost of a delivered token (at the largest load
    that passed) and by ``rate``; it does not depend on other processes
    competing for the core.
    """
    trials: list[tuple[int, float, float]] = []

    def ok(n: int) -> bool:
        frac, cpu_per_token = asyncio.run(paced_trial(name, n, rate, seconds, burst))
        trials.append((n, frac, cpu_per_token))
        if emit is not None:
            emit({"kind": "progress", "message": f"capacity {name}: {n} streams -> {frac:.1%} of target "
                                                 f"({cpu_per_token * 1e6:.2f} CPU us/token)"})
        return frac >= SUSTAIN_FRACTION

    lo, hi, n = 0, None, start
    while hi is None:
        if n > limit:
            break
        if ok(n):
            lo, n = n, n * 2
        else:
            hi = n
    if hi is not None:
        while hi - lo > max(1, lo // 20):
            mid = (lo + hi) // 2
            if ok(mid):
                lo = mid
            else:
                hi = mid
    passed = [t for t in trials if t[1] >= SUSTAIN_FRACTION]
    basis = max(passed) if passed else min(trials)
    estimate = int(1.0 / (basis[2] * rate)) if basis[2] > 0 else None
    return {
        "kind": "capacity",
        "cpu_estimate_streams": estimate,
        "cpu_us_per_token": basis[2] * 1e6,
        "scenario": name,
        "rate": rate,
        "seconds": seconds,
        "burst": burst,
        "max_streams": lo,
        "aggregate_tokens_per_s": lo * rate,
        "capped": hi is None,
        "trials": trials,
    }


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: ``throughput`` or ``capacity``."""
    parser = argparse.ArgumentParser(prog="concurrency.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    tp = sub.add_parser("throughput")
    tp.add_argument("--scenarios", default="core,full")
    tp.add_argument("--streams", default=",".join(map(str, STREAM_COUNTS)))
    tp.add_argument("--tokens", type=int, default=2000)
    tp.add_argument("--burst", type=int, default=16)
    cap = sub.add_parser("capacity")
    cap.add_argument("--scenario", default="full_timeouts")
    cap.add_argument("--rate", type=float, default=1000.0)
    cap.add_argument("--seconds", type=float, default=2.0)
    cap.add_argument("--burst", type=int, default=10)
    cap.add_argument("--start", type=int, default=16)
    cap.add_argument("--limit", type=int, default=20000)
    args = parser.parse_args(argv)

    _emit({"kind": "meta", **_scenarios().implementation_info()})
    if args.cmd == "throughput":
        for name in [s for s in args.scenarios.split(",") if s]:
            for n in [int(x) for x in args.streams.split(",") if x]:
                asyncio.run(throughput(name, 2, min(args.tokens, 200), args.burst))  # warm-up
                _emit(asyncio.run(throughput(name, n, args.tokens, args.burst)))
    else:
        _emit(capacity(args.scenario, args.rate, args.seconds, args.burst, args.start, args.limit, _emit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
