"""Consensus cost against the streams it compares: ``python -m l0._bench.consensus``.

Two workloads from the issue: 5 text outputs of 2 KB (variants of one
answer), and 5 structured outputs with 50 fields. For each it prints the
median process CPU time of:

* ``consensus``: a full ``l0.consensus`` run over tasks that return the
  outputs at once (task start-up, similarity matrix, grouping, analysis,
  events off; with a schema for the structured case);
* ``difflib matrix``: only the similarity matrix computed the way the
  reference does (``difflib.SequenceMatcher(...).ratio()`` on every pair),
  the baseline RapidFuzz replaces;
* ``streams``: reading the same outputs through ``l0.run`` from in-memory
  sources (one token per word), i.e. l0's own cost of the model calls with
  zero network time. A real provider call costs far more.

The ratio ``consensus / streams`` must stay below 1.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import random
import statistics
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

OUTPUTS = 5
TEXT_BYTES = 2048
FIELDS = 50


def text_outputs(n: int = OUTPUTS, size: int = TEXT_BYTES, seed: int = 7) -> list[str]:
    """``n`` variants of one ~``size``-byte answer (a few words changed in each)."""
    rng = random.Random(seed)
    vocab = [f"word{i}" for i in range(300)]
    base: list[str] = []
    while len(" ".join(base)) < size:
        base.append(rng.choice(vocab))
    outs = []
    for _ in range(n):
        words = list(base)
        for _ in range(len(words) // 25):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        outs.append(" ".join(words)[:size])
    return outs


def structured_outputs(n: int = OUTPUTS, fields: int = FIELDS, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` dicts with ``fields`` fields (strings, numbers, lists, one nested dict); a few differ."""
    rng = random.Random(seed)
    base: dict[str, Any] = {}
    for i in range(fields):
        kind = i % 4
        base[f"field_{i:02d}"] = (f"value {i}" if kind == 0 else i * 1.5 if kind == 1
                                  else [i, i + 1, i + 2] if kind == 2 else {"a": i, "b": f"x{i}"})
    outs = []
    for _ in range(n):
        d = json.loads(json.dumps(base))
        for key in rng.sample(sorted(d), 5):
            d[key] = f"changed {rng.random():.3f}"
        outs.append(d)
    return outs


def _schema(fields: int) -> Any:
    from pydantic import create_model

    return create_model("Bench", **{f"field_{i:02d}": (Any, None) for i in range(fields)})


def _const(value: Any) -> Callable[[], Any]:
    async def task() -> Any:
        return value
    return task


def _source(words: list[str]) -> Callable[[], AsyncIterator[Any]]:
    import l0

    token, complete = l0.EventType.TOKEN, l0.EventType.COMPLETE

    def factory() -> AsyncIterator[Any]:
        async def gen() -> AsyncIterator[Any]:
            for w in words:
                yield l0.Event(type=token, text=w)
            yield l0.Event(type=complete)
        return gen()
    return factory


def _median_cpu(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def _difflib_matrix(texts: list[str]) -> None:
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            difflib.SequenceMatcher(None, texts[i], texts[j]).ratio()


def measure(repeat: int = 30) -> dict[str, dict[str, float]]:
    """Median CPU seconds per workload and part (see the module docstring)."""
    import l0
    from l0.consensus import stable_repr

    loop = asyncio.new_event_loop()
    texts = text_outputs()
    dicts = structured_outputs()
    schema = _schema(FIELDS)
    run = loop.run_until_complete

    async def streams(outputs: list[str]) -> None:
        async def one(words: list[str]) -> str:
            return await (await l0.run(_source(words))).read()
        await asyncio.gather(*(one(o.split(" ")) for o in outputs))

    results: dict[str, dict[str, float]] = {}
    try:
        results["text 5 x 2 KB"] = {
            "consensus": _median_cpu(lambda: run(l0.consensus([_const(t) for t in texts])), repeat),
            "difflib matrix": _median_cpu(lambda: _difflib_matrix(["'%s'" % t for t in texts]), repeat),
            "streams": _median_cpu(lambda: run(streams(texts)), repeat),
        }
        reprs = [stable_repr(d) for d in dicts]
        results["structured 5 x 50 fields"] = {
            "consensus": _median_cpu(lambda: run(l0.consensus([_const(d) for d in dicts], schema=schema)), repeat),
            "difflib matrix": _median_cpu(lambda: _difflib_matrix(reprs), repeat),
            "streams": _median_cpu(lambda: run(streams([json.dumps(d) for d in dicts])), repeat),
        }
    finally:
        loop.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m l0._bench.consensus", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per figure (median reported)")
    args = parser.parse_args(argv)
    import l0

    print(f"l0 backend: {l0.__backend__}; median process CPU time of {args.repeat} runs")
    print(f"{'workload':26} {'consensus':>11} {'difflib matrix':>15} {'streams':>11} {'consensus/streams':>18}")
    for name, r in measure(args.repeat).items():
        print(f"{name:26} {r['consensus'] * 1e3:9.3f}ms {r['difflib matrix'] * 1e3:13.3f}ms "
              f"{r['streams'] * 1e3:9.3f}ms {r['consensus'] / r['streams']:18.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
