"""``json_rule`` on a stream that really is JSON (the reference scenario streams prose).

On prose the JSON rule decides "not JSON" at its first check and is idle from
then on, so the reference scenario measures almost nothing of it. This script
streams a ~2,000-token JSON document (7-character tokens) and prints µs per
token for raw iteration, ``l0.run`` without features and with ``json_rule()``
(process CPU time, medians, runs alternating, ``gc.collect()`` before each)::

    python -m l0._bench.json_content [--runs 300] [--items 195]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any


def _tokens(items: int) -> list[str]:
    doc = json.dumps({"items": [{"id": i, "name": f"item number {i}", "tags": ["a", "b", "c"], "ok": True}
                                for i in range(items)]})
    return [doc[i:i + 7] for i in range(0, len(doc), 7)]


async def _measure(runs: int, items: int) -> dict[str, float]:
    import l0
    from l0.guardrails import json_rule

    tokens = _tokens(items)
    event, token, complete = l0.Event, l0.EventType.TOKEN, l0.EventType.COMPLETE

    def factory() -> AsyncIterator[Any]:
        async def source() -> AsyncIterator[Any]:
            for text in tokens:
                yield event(type=token, text=text + "")  # a new string per token, as from a network
            yield event(type=complete)

        return source()

    async def one(name: str) -> float:
        gc.collect()
        t0 = time.process_time()
        if name == "raw":
            async for _ in factory():
                pass
        else:
            kw = {"guardrails": [json_rule()]} if name == "json" else {}
            stream = await l0.run(stream=factory, **kw)
            async for _ in stream:
                pass
            if stream.state.violations:
                raise AssertionError(f"unexpected violations: {stream.state.violations}")
        return time.process_time() - t0

    names = ("raw", "core", "json")
    samples: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(runs):
        for name in names:
            samples[name].append(await one(name))
    return {n: statistics.median(v) / len(tokens) * 1e6 for n, v in samples.items()} | {"tokens": len(tokens)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m l0._bench.json_content", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--items", type=int, default=195, help="objects in the document (195: ~2,100 tokens)")
    args = parser.parse_args(argv)
    result = asyncio.run(_measure(args.runs, args.items))
    raw = result["raw"]
    print(f"{int(result['tokens'])} tokens of JSON, 7 characters each")
    for name in ("raw", "core", "json"):
        print(f"{name:5s} {result[name]:.3f} us/token  {100 * (result[name] / raw - 1):+.0f}% vs raw")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
