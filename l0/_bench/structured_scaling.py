"""Scaling of JSON repair and partial-object streaming with document size.

``python -m l0._bench.structured_scaling [--sizes 1e3,1e4,1e5,1e6] [--json out.json]``

1. Repair time vs document size: a max-tokens cut (closing only, the state
   machine's fast path) and an LLM-style malformed document (single quotes,
   comments, trailing commas, prose; the token pass). Linear means a flat
   time per KB.
2. Partial-object streaming cost per token (random 1-7 character tokens):
   :class:`~l0._structured.PartialParser` (both kernel twins), compared in
   the same run with re-parsing the whole buffer per token, the way SDK
   helpers do it: ``jiter.from_json(buf, partial_mode="trailing-strings")``
   and ``json.loads`` of the repaired prefix. Where the re-parse of every
   token would take minutes, its mean per-token cost is measured on evenly
   spaced cut points (marked ``sampled``): the cost of one re-parse is linear
   in the prefix length, so the mean over evenly spaced cuts is the mean over
   all tokens.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

__all__ = ["main", "make_document", "run"]


class Item(BaseModel):
    """One list item of the benchmark document."""

    id: int
    name: str
    tags: list[str]
    price: float
    active: bool
    note: str | None = None


class Catalog(BaseModel):
    """The benchmark schema: a few scalars and one long list, the usual shape."""

    title: str
    count: int
    items: list[Item]


def make_document(size: int, seed: int = 7) -> str:
    """A realistic LLM JSON document (pretty-printed) of about ``size`` characters."""
    rng = random.Random(seed)
    words = ["alpha", "beta", "caf\u00e9", 'quo"ted', "line\nbreak", "x, y", "[b]", "{c}", "http://e.com/a//b"]
    items: list[dict[str, Any]] = []
    doc = {"title": "Catalog \u00fc", "count": 0, "items": items}
    total = 60
    i = 0
    while total < size:
        item = {
            "id": i,
            "name": " ".join(rng.choice(words) for _ in range(3)),
            "tags": [rng.choice(words) for _ in range(rng.randint(0, 3))],
            "price": round(rng.uniform(0, 1000), 2),
            "active": rng.random() < 0.5,
            "note": None if rng.random() < 0.3 else rng.choice(words) * 2,
        }
        items.append(item)
        total += len(json.dumps(item, indent=2, ensure_ascii=False)) + 8
        i += 1
    doc["count"] = len(items)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def malformed(doc: str) -> str:
    """The same content as an LLM might wrap and mangle it."""
    body = doc.replace('"active": true', "'active': True").replace('"active": false', "'active': False")
    body = body.replace('"price": ', "// price follows\n    \"price\": ", 50)
    body = body.replace("\n  ]\n}", ",\n  ]\n}")
    return "Sure! Here is the catalog:\n```json\n" + body + "\n```\nLet me know if you need more."


def chunks(text: str, seed: int = 1) -> list[str]:
    """Random 1-7 character tokens (mean 4)."""
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(text):
        k = rng.randint(1, 7)
        out.append(text[i : i + k])
        i += k
    return out


def _best(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _with_twin(twin: str) -> Callable[[], None]:
    """Point repair and partial parsing at one JsonStreamState twin; returns an undo."""
    import l0._repair
    import l0._structured._partial as partial

    package = "l0._speedups" if twin == "cython" else "l0._pure"
    cls = importlib.import_module(f"{package}.json_state").JsonStreamState
    old = (l0._repair.JsonStreamState, partial.JsonStreamState)
    l0._repair.JsonStreamState = cls
    partial.JsonStreamState = cls

    def undo() -> None:
        l0._repair.JsonStreamState, partial.JsonStreamState = old

    return undo


def _twins() -> list[str]:
    twins = ["python"]
    try:
        importlib.import_module("l0._speedups.json_state")
        twins.insert(0, "cython")
    except ImportError:
        print("note: compiled json_state not built; pure twin only", file=sys.stderr)
    return twins


def bench_repair(sizes: list[int], twins: list[str], repeat: int) -> list[dict[str, Any]]:
    from l0._repair import repair

    rows = []
    for twin in twins:
        undo = _with_twin(twin)
        try:
            for size in sizes:
                doc = make_document(size)
                cut = doc[: int(len(doc) * 0.9)]
                bad = malformed(doc)
                assert repair(cut).success and repair(bad).success
                for kind, text in (("truncated", cut), ("malformed", bad)):
                    t = _best(lambda text=text: repair(text), repeat)
                    rows.append({"twin": twin, "kind": kind, "chars": len(text), "ms": t * 1e3,
                                 "us_per_kb": t * 1e6 / (len(text) / 1024)})
        finally:
            undo()
    return rows


def _partial_run(tokens: list[str]) -> int:
    from l0._structured._partial import PartialParser
    from l0._structured._schema import make_handle

    p = PartialParser(make_handle(Catalog))
    feed = p.feed
    for t in tokens:
        feed(t)
    assert not p.active and p.snapshot.items is not None
    return p.updates


def _reparse_jiter(prefix: str) -> Any:
    import jiter

    return jiter.from_json(prefix.encode(), partial_mode="trailing-strings")


def _reparse_repair(prefix: str) -> Any:
    from l0._repair import repair

    r = repair(prefix)
    return json.loads(r.text) if r.success else None


def _reparse_cost(tokens: list[str], fn: Callable[[str], Any], budget_s: float, samples: int) -> tuple[float, bool]:
    """Mean seconds per token of ``fn(whole buffer so far)``; sampled when a full run exceeds the budget.

    Each cut point is timed as the best of 3 calls, so a busy machine's pauses do not count.
    """
    text = "".join(tokens)
    ends = []
    pos = 0
    for t in tokens:
        pos += len(t)
        ends.append(pos)
    probe = _best(lambda: fn(text), 3)
    sampled = probe * len(tokens) * 3 / 2 > budget_s
    if sampled:
        step = len(ends) / samples
        ends = [ends[min(len(ends) - 1, int((k + 0.5) * step))] for k in range(samples)]
    total = 0.0
    for e in ends:
        prefix = text[:e]
        total += _best(lambda prefix=prefix: fn(prefix), 3)
    return total / len(ends), sampled


def bench_partial(sizes: list[int], twins: list[str], budget_s: float, samples: int) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        doc = make_document(size)
        tokens = chunks(doc)
        n = len(tokens)
        row: dict[str, Any] = {"chars": len(doc), "tokens": n}
        t0 = time.perf_counter()
        for _ in tokens:
            pass
        row["loop_ns"] = (time.perf_counter() - t0) / n * 1e9
        for twin in twins:
            undo = _with_twin(twin)
            try:
                t = _best(lambda: _partial_run(tokens), 3)
            finally:
                undo()
            row[f"partial_{twin}_ns"] = t / n * 1e9
        cost, sampled = _reparse_cost(tokens, _reparse_jiter, budget_s, samples)
        row["jiter_ns"], row["jiter_sampled"] = cost * 1e9, sampled
        undo = _with_twin(twins[0])
        try:
            cost, sampled = _reparse_cost(tokens, _reparse_repair, budget_s, samples)
        finally:
            undo()
        row["repair_loads_ns"], row["repair_loads_sampled"] = cost * 1e9, sampled
        rows.append(row)
    return rows


def _fmt_size(chars: int) -> str:
    return f"{chars / 1024:.0f} KB" if chars < 1024 * 1024 else f"{chars / 1024 / 1024:.1f} MB"


def run(sizes: list[int], *, repeat: int = 5, budget_s: float = 3.0, samples: int = 60) -> dict[str, Any]:
    """Run both benchmarks; returns the rows (also printed as tables)."""
    twins = _twins()
    import l0

    print(f"# structured scaling - python {platform.python_version()}, {platform.machine()}, "
          f"l0.__backend__={l0.__backend__}, twins: {', '.join(twins)}\n")
    repair_rows = bench_repair(sizes, twins, repeat)
    print("## Repair time vs document size (best of %d)\n" % repeat)
    print("| twin | input | size | time | per KB |")
    print("|---|---|---:|---:|---:|")
    for r in repair_rows:
        print(f"| {r['twin']} | {r['kind']} | {_fmt_size(r['chars'])} | {r['ms']:.3f} ms | {r['us_per_kb']:.1f} us |")
    partial_rows = bench_partial(sizes, twins, budget_s, samples)
    print("\n## Partial-object streaming: cost per token (random 1-7 char tokens)\n")
    head = "| size | tokens | loop floor | " + " | ".join(f"PartialParser ({t})" for t in twins)
    print(head + " | jiter partial re-parse per token | repair+json.loads re-parse per token |")
    print("|---:|---:|---:|" + "---:|" * len(twins) + "---:|---:|")
    for r in partial_rows:
        cells = [f"{r[f'partial_{t}_ns'] / 1000:.2f} us" for t in twins]
        jt = f"{r['jiter_ns'] / 1000:.1f} us" + (" (sampled)" if r["jiter_sampled"] else "")
        rl = f"{r['repair_loads_ns'] / 1000:.1f} us" + (" (sampled)" if r["repair_loads_sampled"] else "")
        print(f"| {_fmt_size(r['chars'])} | {r['tokens']} | {r['loop_ns']:.0f} ns | " + " | ".join(cells)
              + f" | {jt} | {rl} |")
    return {"repair": repair_rows, "partial": partial_rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m l0._bench.structured_scaling", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6", help="document sizes in characters, comma separated")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=3.0,
                        help="seconds a full re-parse baseline may take before it is sampled")
    parser.add_argument("--samples", type=int, default=60, help="cut points for sampled re-parse baselines")
    parser.add_argument("--json", dest="json_path", help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    if not sizes or any(s < 100 for s in sizes):
        parser.error("--sizes must be comma-separated sizes of at least 100 characters")
    rows = run(sizes, repeat=args.repeat, budget_s=args.budget, samples=args.samples)
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
