"""Cost of ``JsonStreamState.feed`` on 1-7 character chunks, both backends.

Run ``python -m l0._bench.kernel_json``. Prints

* ns per chunk, compiled and pure, on a ~100 KB realistic JSON document
  (nested objects and arrays, strings with escapes and non-ASCII text,
  numbers, literals) cut into 1-7 character chunks, and their ratio;
* ns per chunk for streams of 10^3 .. 10^6 chunks of one growing array of
  such documents (a flat column is O(1) per chunk, i.e. O(len(delta)) per
  feed).

Times include the Python-level call of ``feed`` and the loop around it
(best of several repeats).
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import time
from typing import Any

__all__ = ["realistic_document", "chunk_text", "long_stream", "load_backend", "time_feed", "main"]

_WORDS = [
    "alpha",
    "stream",
    "retry",
    "token",
    "caf\u00e9",
    "na\u00efve",
    "\u4e2d\u6587",
    "\U0001f680 launch",
    'say "hi"',
    "tab\tand\nnewline",
    "C:\\path\\to",
    "\u201cquoted\u201d",
]


def _record(rng: random.Random, i: int) -> dict:
    return {
        "id": i,
        "name": f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}",
        "score": round(rng.uniform(-1000, 1000), rng.randint(0, 6)),
        "ratio": rng.random() * 10 ** rng.randint(-8, 8),
        "count": rng.randint(-(10**9), 10**9),
        "active": rng.random() < 0.5,
        "parent": None if rng.random() < 0.3 else rng.randint(0, i + 1),
        "tags": [rng.choice(_WORDS) for _ in range(rng.randint(0, 4))],
        "meta": {"created": "2026-11-24T23:00:00Z", "version": rng.randint(1, 9), "flags": [True, False, None]},
    }


def realistic_document(size: int = 100_000, seed: int = 0) -> str:
    """A valid JSON document of about ``size`` characters (pretty-printed, non-ASCII kept)."""
    rng = random.Random(seed)
    records: list[dict] = []
    per_record = 0
    while True:
        # Grow in batches: re-serializing after every record would be quadratic.
        target = 1 if not per_record else max(1, (size - per_record * len(records)) // per_record)
        records.extend(_record(rng, len(records) + k) for k in range(target))
        text = json.dumps({"items": records, "total": len(records)}, indent=2, ensure_ascii=False)
        per_record = max(1, len(text) // len(records))
        if len(text) >= size:
            return text


def chunk_text(text: str, seed: int = 0) -> list[str]:
    """``text`` cut into chunks of 1-7 characters."""
    rng = random.Random(seed)
    out = []
    i = 0
    while i < len(text):
        k = rng.randint(1, 7)
        out.append(text[i : i + k])
        i += k
    return out


def long_stream(doc: str, n: int, seed: int = 0) -> list[str]:
    """``n`` chunks of the (unfinished) array ``[doc, doc, doc, ...``.

    The chunks of ``doc + ","`` are reused cyclically: a live stream's tokens
    are cache-hot when fed, while a list of 10^6 distinct str objects would
    add the memory traffic of reading the input list to the larger sizes.
    """
    cycle = chunk_text(doc + ",\n", seed)
    out = ["["]
    while len(out) < n:
        out.extend(cycle[: n - len(out)])
    return out


def load_backend(name: str) -> Any:
    """The ``JsonStreamState`` class of backend ``"cython"`` or ``"python"``."""
    package = "l0._speedups" if name == "cython" else "l0._pure"
    return importlib.import_module(f"{package}.json_state").JsonStreamState


def time_feed(cls: Any, chunks: list[str], repeat: int) -> float:
    """Best-of-``repeat`` seconds to feed every chunk to a fresh state."""
    best = float("inf")
    for _ in range(repeat):
        state = cls()
        feed = state.feed
        start = time.perf_counter()
        for chunk in chunks:
            feed(chunk)
        best = min(best, time.perf_counter() - start)
        if state.error is not None:
            raise AssertionError(f"benchmark document rejected: {state.error} at {state.error_offset}")
    return best


def main(argv: list[str] | None = None) -> int:
    """Print the document table and the flatness table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="characters in the realistic document")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="comma-separated chunk counts")
    parser.add_argument("--budget", type=float, default=2e6, help="chunks fed per size and backend")
    args = parser.parse_args(argv)
    backends = []
    for name in ("cython", "python"):
        try:
            backends.append((name, load_backend(name)))
        except ImportError as exc:
            print(f"{name}: not available ({exc})")

    doc = realistic_document(args.size)
    chunks = chunk_text(doc)
    print(f"JsonStreamState.feed, {len(doc)} character document in {len(chunks)} chunks of 1-7 characters")
    per = {}
    for name, cls in backends:
        repeat = 20 if name == "cython" else 5
        per[name] = time_feed(cls, chunks, repeat) / len(chunks) * 1e9
        print(f"  {name:>7}: {per[name]:8.1f} ns/chunk  ({per[name] * len(chunks) / len(doc):.2f} ns/char)")
    if len(per) == 2:
        print(f"  pure/compiled: {per['python'] / per['cython']:.1f}x")

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    small = realistic_document(8_000, seed=1)
    print("\nns/chunk by stream length (flat = O(1) per chunk)")
    header = f"{'chunks':>10}" + "".join(f"{name:>12}" for name, _ in backends)
    if len(backends) == 2:
        header += f"{'pure/compiled':>15}"
    print(header)
    for n in sizes:
        part = long_stream(small, n)
        repeat = max(3, min(200, int(args.budget // n)))
        row = f"{n:>10}"
        cost = []
        for name, cls in backends:
            ns = time_feed(cls, part, repeat if name == "cython" else max(2, repeat // 10)) / n * 1e9
            cost.append(ns)
            row += f"{ns:>12.1f}"
        if len(cost) == 2:
            row += f"{cost[1] / cost[0]:>14.1f}x"
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
