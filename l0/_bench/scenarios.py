"""Streaming benchmark scenarios, written against l0's public API only.

The scenarios follow the reference's published benchmark (a source that yields
``l0.Event`` TOKEN objects with zero delay, consumed with ``async for``) and
add the configurations whose cost matters in production (timeouts, full stack).

This one file drives this package (either backend) and the reference
implementation (``ai2070-l0``) alike. It therefore imports nothing from ``l0``
at module level and nothing else from ``l0._bench``: run as a script inside any
interpreter where *some* ``l0`` is importable, it measures and prints one JSON
object per line::

    python -P l0/_bench/scenarios.py run --lengths 2000,20000 --scenarios core,full
    python -P l0/_bench/scenarios.py memory --scenario full --length 1000000

``-P`` keeps the script's directory off ``sys.path``; run it from a directory
that does not contain an ``l0`` package so that ``import l0`` picks the
installed implementation.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

SCENARIOS: tuple[str, ...] = (
    "raw",
    "core",
    "timeouts",
    "json",
    "guardrails",
    "drift",
    "full",
    "full_timeouts",
)

DESCRIPTIONS: dict[str, str] = {
    "raw": "raw async iteration of the source (no l0)",
    "core": "l0.run, no features",
    "timeouts": "l0.run + Timeout(initial_token=5000, inter_token=10000)",
    "json": "l0.run + json_rule()",
    "guardrails": "l0.run + json_rule, markdown_rule, zero_output_rule",
    "drift": "l0.run + DriftDetector()",
    "full": "guardrails + drift + checkpoints (continue_from_last_good_token=True)",
    "full_timeouts": "full + Timeout(initial_token=5000, inter_token=10000)",
}

LENGTHS: tuple[int, ...] = (2_000, 20_000, 200_000, 1_000_000)

_VOCAB: tuple[str, ...] = (
    "the", "model", "returns", "a", "stream", "of", "tokens", "and", "each", "one",
    "is", "checked", "before", "it", "reaches", "user", "when", "provider", "stalls",
    "we", "retry", "with", "backoff", "or", "fall", "back", "to", "another", "that",
    "answers", "quickly", "text", "flows", "through", "buffer", "into", "state",
    "guardrails", "look", "at", "new", "characters", "only", "drift", "detector",
    "samples", "entropy", "window", "checkpoint", "keeps", "last", "good", "prefix",
    "so", "resume", "continues", "without", "duplicates", "latency", "matters",
    "every", "microsecond", "counts", "in", "hot", "path", "for", "long", "outputs",
    "numbers", "like", "42", "or", "3.14", "appear", "sometimes", "along", "commas,",
    "periods.", "questions?", "answer", "clear", "simple", "useful", "fast", "data",
    "network", "chunk", "arrives", "late", "early", "while", "loop", "runs", "many",
    "streams", "concurrently", "under", "load", "memory", "stays", "flat", "because",
    "tokens", "are", "stored", "compactly", "not", "as", "objects", "list", "python",
    "async", "iterator", "yields", "events", "consumer", "reads", "them", "writes",
    "output", "done", "then", "next", "request", "starts", "again", "here",
)


def _word_table(size: int = 4096, seed: int = 0x2545F4914F6CDD1D) -> tuple[str, ...]:
    """A fixed pseudo-random word sequence (LCG, so every interpreter agrees)."""
    x = seed
    out = []
    for _ in range(size):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out.append(_VOCAB[(x >> 33) % len(_VOCAB)])
    return tuple(out)


WORDS: tuple[str, ...] = _word_table()
_MASK = len(WORDS) - 1
_WORD_CHARS = tuple(len(w) + 1 for w in WORDS)


def expected_chars(n: int) -> int:
    """Number of characters the source yields for ``n`` tokens."""
    full, rest = divmod(n, len(WORDS))
    return full * sum(_WORD_CHARS) + sum(_WORD_CHARS[:rest])


def token_text(i: int) -> str:
    """Text of token ``i``; a new string object per call, as from a network."""
    return WORDS[i & _MASK] + " "


def token_factory(n: int) -> Callable[[], AsyncIterator[Any]]:
    """A zero-argument stream factory yielding ``n`` TOKEN events then COMPLETE.

    Tokens are ~6-character words plus a space, no newlines (the shape the
    reference's own measurements used), and each text is a distinct string.
    """
    import l0

    event = l0.Event
    token = l0.EventType.TOKEN
    complete = l0.EventType.COMPLETE
    words = WORDS
    mask = _MASK

    async def source() -> AsyncIterator[Any]:
        for i in range(n):
            yield event(type=token, text=words[i & mask] + " ")
        yield event(type=complete)

    return source


def scenario_kwargs(name: str) -> dict[str, Any]:
    """Keyword arguments of ``l0.run`` for a scenario (fresh rule objects)."""
    if name not in SCENARIOS or name == "raw":
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS[1:])}, got {name!r}")
    import l0

    kw: dict[str, Any] = {}
    if name in ("timeouts", "full_timeouts"):
        kw["timeout"] = l0.Timeout(initial_token=5000, inter_token=10000)
    if name == "json":
        from l0.guardrails import json_rule

        kw["guardrails"] = [json_rule()]
    if name in ("guardrails", "full", "full_timeouts"):
        from l0.guardrails import json_rule, markdown_rule, zero_output_rule

        kw["guardrails"] = [json_rule(), markdown_rule(), zero_output_rule()]
    if name in ("drift", "full", "full_timeouts"):
        from l0.drift import DriftDetector

        kw["drift_detector"] = DriftDetector()
    if name in ("full", "full_timeouts"):
        kw["continue_from_last_good_token"] = True
    return kw


def feature_available(name: str) -> bool:
    """Whether the imported ``l0`` has what scenario ``name`` needs."""
    try:
        import l0

        if name == "raw":
            return hasattr(l0, "Event") and hasattr(l0, "EventType")
        if not hasattr(l0, "run"):
            return False
        scenario_kwargs(name)
    except (ImportError, AttributeError):
        return False
    return True


CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


async def run_stream(name: str, n: int, collect: bool = True,
                     clock: Callable[[], float] = time.perf_counter) -> tuple[float, int, Any]:
    """Run scenario ``name`` over ``n`` tokens once.

    Returns ``(seconds, events_seen, stream_or_None)``. The timed region is
    the consumer's view: ``await l0.run(...)`` plus the whole ``async for``.
    ``collect`` runs a full garbage collection first (outside the timing).
    ``clock`` is wall time by default; ``time.process_time`` (CPU time of
    this process) is steadier on a shared machine, and equivalent here since
    the zero-delay scenarios never wait.
    """
    factory = token_factory(n)
    if name == "raw":
        if collect:
            gc.collect()
        t0 = clock()
        seen = 0
        async for _ev in factory():
            seen += 1
        return clock() - t0, seen, None
    import l0

    kw = scenario_kwargs(name)
    if collect:
        gc.collect()
    t0 = clock()
    stream = await l0.run(stream=factory, **kw)
    seen = 0
    async for _ev in stream:
        seen += 1
    return clock() - t0, seen, stream


def check_result(name: str, n: int, seen: int, stream: Any) -> str | None:
    """A reason why a run's output is wrong, or ``None`` if it is right."""
    if seen != n + 1:
        return f"consumer saw {seen} events, expected {n + 1}"
    if stream is None:
        return None
    state = stream.state
    if state.token_count != n:
        return f"state.token_count={state.token_count}, expected {n}"
    chars = len(state.content)
    if chars != expected_chars(n):
        return f"len(state.content)={chars}, expected {expected_chars(n)}"
    return None


def implementation_info() -> dict[str, Any]:
    """Which ``l0`` this interpreter runs, and on what."""
    import l0

    backend = getattr(l0, "__backend__", None)
    return {
        "l0_version": getattr(l0, "__version__", "?"),
        "l0_file": getattr(l0, "__file__", "?"),
        "backend": backend if backend is not None else "reference",
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "executable": sys.executable,
    }


async def _measure(scenarios: list[str], lengths: list[int], min_time: float, max_reps: int,
                   emit: Callable[[dict[str, Any]], None], clock: Callable[[], float] = time.perf_counter) -> None:
    for n in lengths:
        # Untimed warm-up: lazy imports, first-call caches, allocator growth.
        for name in scenarios:
            _, seen, stream = await run_stream(name, min(n, 2_000))
        times: dict[str, list[float]] = {name: [] for name in scenarios}
        notes: dict[str, str | None] = {}
        active = list(scenarios)
        while active:
            for name in list(active):
                dt, seen, stream = await run_stream(name, n, clock=clock)
                if name not in notes:
                    notes[name] = check_result(name, n, seen, stream)
                del stream
                times[name].append(dt)
                if sum(times[name]) >= min_time or len(times[name]) >= max_reps:
                    active.remove(name)
        for name in scenarios:
            emit({"kind": "sample", "scenario": name, "n": n, "times": times[name], "error": notes[name]})


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


async def _memory(name: str, n: int, emit: Callable[[dict[str, Any]], None]) -> None:
    await run_stream(name, 2_000)
    gc.collect()
    before = _rss_bytes()
    dt, seen, stream = await run_stream(name, n)
    peak = _peak_rss_bytes()
    emit({
        "kind": "memory",
        "scenario": name,
        "n": n,
        "seconds": dt,
        "rss_before": before,
        "peak_rss": peak,
        "growth": max(0, peak - before),
        "text_bytes": expected_chars(n),
        "error": check_result(name, n, seen, stream),
    })


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _csv_ints(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    """Worker entry point: ``run`` (timings) or ``memory`` (peak RSS growth)."""
    parser = argparse.ArgumentParser(prog="scenarios.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="time scenarios; one JSON line per (scenario, length)")
    run.add_argument("--scenarios", default=",".join(SCENARIOS))
    run.add_argument("--lengths", default=",".join(map(str, LENGTHS)))
    run.add_argument("--min-time", type=float, default=0.2, help="seconds of samples per cell")
    run.add_argument("--max-reps", type=int, default=25)
    run.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                     help="wall: perf_counter; cpu: process_time (steadier on a busy machine)")
    mem = sub.add_parser("memory", help="peak RSS growth of one stream")
    mem.add_argument("--scenario", default="full")
    mem.add_argument("--length", type=int, default=1_000_000)
    info = sub.add_parser("info", help="print which l0 is imported")
    info.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args(argv)

    meta = implementation_info()
    if args.cmd == "info":
        names = [s for s in args.scenarios.split(",") if s]
        meta["available"] = {s: feature_available(s) for s in names}
        _emit({"kind": "meta", **meta})
        return 0
    _emit({"kind": "meta", **meta})
    if args.cmd == "run":
        names = [s for s in args.scenarios.split(",") if s]
        unknown = [s for s in names if s not in SCENARIOS]
        if unknown:
            parser.error(f"--scenarios: unknown {unknown}; expected names from {', '.join(SCENARIOS)}")
        asyncio.run(_measure(names, _csv_ints(args.lengths), args.min_time, args.max_reps, _emit,
                             CLOCKS[args.clock]))
    else:
        asyncio.run(_memory(args.scenario, args.length, _emit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
