"""Drift cost: µs per ``DriftSession.check`` and the end-to-end overhead of ``l0.run(drift_detector=...)``.

Not a test (pytest does not collect it). Run ``python tests/drift/bench_drift_overhead.py``
(``L0_BACKEND=python`` for the pure kernels). Prints:

* µs per session check on the benchmark token stream (distinct ~6-character
  words, no newlines), 25 tokens per check as in the runtime, per detector
  switched on alone and all together; with ``--old REV`` also the drift module
  of git revision REV (e.g. ``3530774~1``, the last single-file ``l0/drift.py``).
* µs per token of raw async iteration, ``l0.run`` without features and
  ``l0.run`` with ``DriftDetector()`` at 2K and 200K tokens (medians of
  interleaved rounds, process CPU time), and the overhead over raw iteration.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import l0
from l0._backend import BACKEND
from l0._bench.scenarios import token_factory, token_text
from l0.types import State


def per_check(module: Any, config: Any = None, tokens: int = 20000, every: int = 25) -> float:
    """Mean µs per ``DriftSession.check`` over a stream of *tokens* benchmark tokens."""
    sess = module.DriftDetector(config).new_session()
    state = State()
    buf = state.buffer
    pos = 0
    spent = 0.0
    checks = 0
    for i in range(tokens):
        buf.append(token_text(i))
        if (i + 1) % every == 0:
            delta = buf.since(pos)
            pos = len(buf)
            t0 = time.perf_counter()
            sess.check(state, delta)
            spent += time.perf_counter() - t0
            checks += 1
    return spent / checks * 1e6


def load_old(rev: str) -> Any:
    """The single-file drift module of git revision *rev*, imported under another name."""
    text = subprocess.run(["git", "show", f"{rev}:l0/drift.py"], capture_output=True, text=True, check=True).stdout
    path = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
    path.write(text)
    path.close()
    spec = importlib.util.spec_from_file_location("l0_drift_old", path.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["l0_drift_old"] = module
    spec.loader.exec_module(module)
    return module


async def _raw(n: int) -> float:
    factory = token_factory(n)
    t0 = time.process_time()
    async for _ev in factory():
        pass
    return time.process_time() - t0


async def _run(n: int, **kw: Any) -> float:
    factory = token_factory(n)
    t0 = time.process_time()
    stream = await l0.run(factory, **kw)
    async for _ev in stream:
        pass
    return time.process_time() - t0


def end_to_end(n: int, rounds: int, old: Any = None) -> dict[str, float]:
    """Median µs per token of raw iteration, l0.run and l0.run + drift (interleaved rounds)."""
    from l0.drift import DriftDetector

    names = ["raw", "core", "drift"] + (["drift_old"] if old is not None else [])
    times: dict[str, list[float]] = {name: [] for name in names}
    runs = max(1, 20000 // n)
    for _ in range(rounds):
        for name in times:
            for _ in range(runs):
                if name == "raw":
                    t = asyncio.run(_raw(n))
                elif name == "core":
                    t = asyncio.run(_run(n))
                elif name == "drift":
                    t = asyncio.run(_run(n, drift_detector=DriftDetector()))
                else:
                    t = asyncio.run(_run(n, drift_detector=old.DriftDetector()))
                times[name].append(t / n * 1e6)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", metavar="REV", help="also time l0/drift.py of this git revision")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    import l0.drift as new

    print(f"backend {BACKEND}")
    modules = [("new", new)] + ([("old", load_old(args.old))] if args.old else [])
    off = dict(detect_tone_shift=False, detect_meta_commentary=False, detect_repetition=False,
               detect_entropy_spike=False)
    configs: list[tuple[str, dict[str, bool]]] = [("all", {}), ("none", off)]
    configs += [(f"only {k[7:]}", {**off, k: True}) for k in off]
    for label, kw in configs:
        cells = []
        for name, module in modules:
            samples = [per_check(module, module.DriftConfig(**kw)) for _ in range(args.rounds)]
            cells.append(f"{name} {statistics.median(samples):6.2f}")
        print(f"µs/check {label:22s} " + "   ".join(cells))
    if args.skip_e2e:
        return
    old = modules[1][1] if args.old else None
    for n in (2000, 200_000):
        r = end_to_end(n, args.rounds if n < 100_000 else 2, old)
        raw = r["raw"]
        line = (f"{n:>7} tokens: raw {raw:.3f} µs/token, core {r['core']:.3f} (+{r['core'] / raw - 1:.0%}), "
                f"drift {r['drift']:.3f} (+{r['drift'] / raw - 1:.0%}, adds {r['drift'] - r['core']:.3f})")
        if old is not None:
            line += f", old drift {r['drift_old']:.3f} (+{r['drift_old'] / raw - 1:.0%}, adds " \
                    f"{r['drift_old'] - r['core']:.3f})"
        print(line)


if __name__ == "__main__":
    main()
