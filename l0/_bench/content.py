"""Content utilities: chunking 1 MB / 10 MB documents and comparing 2 KB / 100 KB strings.

Prints the median process CPU time of each cell. With ``--reference PYTHON`` the
same cells also run in that interpreter (a venv with ``ai2070-l0`` installed),
side by side; reference cells whose projected time exceeds ``--budget`` seconds
are measured on smaller inputs and projected (the reference's string similarity
is O(n*m) Python).

    python -m l0._bench.content [--repeat 5] [--sizes 1,10] [--reference /path/to/ref/bin/python]

This file also runs as a worker script (``python content.py --worker SPEC``) so
that it can import whichever ``l0`` the interpreter has, using the public API only.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

STRATEGIES = {"token": (2000, 200), "char": (8000, 800), "paragraph": (2000, 200), "sentence": (2000, 200)}
ALGORITHMS = ["levenshtein", "jaro-winkler", "cosine"]
MB = 1_000_000


def document(size: int, seed: int = 3) -> str:
    """Prose of ``size`` characters: words, sentences, paragraphs."""
    rng = random.Random(seed)
    words = ["the", "model", "stream", "token", "retry", "window", "chunk", "output", "reliable", "layer",
             "of", "and", "a", "to", "in", "is", "for", "with", "text", "document"]
    parts: list[str] = []
    total = 0
    while total < size:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 18))).capitalize()
        sentence += rng.choice([". ", ". ", "! ", "? "])
        if rng.random() < 0.15:
            sentence += "\n\n"
        parts.append(sentence)
        total += len(sentence)
    return "".join(parts)[:size]


def string_pair(size: int, seed: int = 5) -> tuple[str, str]:
    """Two texts of ``size`` characters sharing about 80% of their words."""
    rng = random.Random(seed)
    a = document(size, seed)
    words = a.split(" ")
    b_words = [w if rng.random() < 0.8 else rng.choice(words) for w in words]
    return a, " ".join(b_words)[:size]


def _median_cpu(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def run_cells(cells: list[dict[str, Any]], repeat: int) -> list[dict[str, Any]]:
    """Time each cell with this interpreter's ``l0``; returns the cells with ``seconds``."""
    from l0.comparison import compare_strings
    from l0.window import WindowConfig, chunk_document

    docs: dict[int, str] = {}
    pairs: dict[int, tuple[str, str]] = {}
    out = []
    for cell in cells:
        if cell["op"] == "chunk":
            doc = docs.setdefault(cell["size"], document(cell["size"]))
            size, overlap = STRATEGIES[cell["strategy"]]
            config = WindowConfig(size=size, overlap=overlap, strategy=cell["strategy"])
            count = len(chunk_document(doc, config))
            seconds = _median_cpu(lambda: chunk_document(doc, config), cell.get("repeat", repeat))
            out.append({**cell, "seconds": seconds, "chunks": count})
        else:
            a, b = pairs.setdefault(cell["size"], string_pair(cell["size"]))
            value = compare_strings(a, b, algorithm=cell["algorithm"])
            seconds = _median_cpu(lambda: compare_strings(a, b, algorithm=cell["algorithm"]), cell.get("repeat", repeat))
            out.append({**cell, "seconds": seconds, "value": value})
    return out


def _worker(python: str, cells: list[dict[str, Any]], repeat: int, timeout: float) -> list[dict[str, Any]] | None:
    spec = json.dumps({"cells": cells, "repeat": repeat})
    try:
        proc = subprocess.run([python, str(Path(__file__).resolve()), "--worker", spec], capture_output=True,
                              text=True, timeout=timeout, check=False, cwd="/")
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed in {python}: {proc.stderr.strip()[-400:]}")
    return json.loads(proc.stdout)


def _cells(sizes_mb: list[int]) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = []
    for mb in sizes_mb:
        for strategy in STRATEGIES:
            cells.append({"op": "chunk", "strategy": strategy, "size": mb * MB})
    for size in (2_000, 100_000):
        for algorithm in ALGORITHMS:
            cells.append({"op": "compare", "algorithm": algorithm, "size": size})
    return cells


def _label(cell: dict[str, Any]) -> str:
    if cell["op"] == "chunk":
        return f"chunk {cell['size'] // MB:>3} MB  {cell['strategy']:<10}"
    return f"compare {cell['size'] // 1000:>4} KB {cell['algorithm']:<12}"


def _reference(python: str, cells: list[dict[str, Any]], repeat: int, budget: float) -> dict[str, str]:
    """Reference timings as strings; quadratic cells beyond the budget are projected from smaller runs."""
    shown: dict[str, str] = {}
    for cell in cells:
        label = _label(cell)
        if cell["op"] == "compare" and cell["algorithm"] != "cosine" and cell["size"] > 10_000:
            small = [{**cell, "size": s, "repeat": 1} for s in (1_000, 3_000)]
            got = _worker(python, small, 1, budget)
            if got is None:
                shown[label] = "n/a (timeout)"
                continue
            exponent = max(1.0, min(2.5, _slope(got)))
            projected = got[-1]["seconds"] * (cell["size"] / got[-1]["size"]) ** exponent
            shown[label] = f"~{projected:,.0f} s (projected, n^{exponent:.2f})"
            continue
        got = _worker(python, [cell], repeat if cell.get("size", 0) < 5 * MB else 1, budget)
        shown[label] = "> budget" if got is None else f"{got[0]['seconds'] * 1000:,.1f} ms"
    return shown


def _slope(points: list[dict[str, Any]]) -> float:
    import math

    (a, b) = points[0], points[-1]
    if a["seconds"] <= 0 or b["seconds"] <= 0:
        return 2.0
    return math.log(b["seconds"] / a["seconds"]) / math.log(b["size"] / a["size"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="1,10", help="document sizes in MB, comma-separated")
    parser.add_argument("--reference", help="python of a venv with ai2070-l0 installed")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per reference cell")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        print(json.dumps(run_cells(spec["cells"], spec["repeat"])))
        return
    import l0

    cells = _cells([int(s) for s in args.sizes.split(",") if s])
    mine = run_cells(cells, args.repeat)
    ref = _reference(args.reference, cells, args.repeat, args.budget) if args.reference else {}
    print(f"l0 {l0.__version__} (backend {l0.__backend__}), median process CPU time of {args.repeat} runs")
    header = f"{'cell':<28} {'l0':>12}" + (f"   {'reference':<28}" if ref else "")
    print(header)
    print("-" * len(header))
    for cell in mine:
        label = _label(cell)
        extra = f"   {ref.get(label, ''):<28}" if ref else ""
        info = f"{cell['chunks']} chunks" if cell["op"] == "chunk" else f"sim {cell['value']:.4f}"
        print(f"{label:<28} {cell['seconds'] * 1000:>9.2f} ms{extra}  {info}")


if __name__ == "__main__":
    main(sys.argv[1:])
