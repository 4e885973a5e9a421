"""Per-token cost of ``ContentBuffer.append`` from 10^3 to 10^6 tokens, both backends.

Run ``python -m l0._bench.kernel_content``. Tokens are 1-7 characters of mostly
ASCII words (a realistic LLM token stream); the time includes the Python-level
call and loop. A flat µs/token column is the O(1) amortized append; then the
pure/compiled ratio, the bare loop over the same token list (``len(tok)``),
and the compiled append into an already-allocated buffer ("warm": no growth
and no first-touch page faults, which are expensive in some sandboxes and
can account for much of the rise of the fresh-buffer column at 10^5-10^6 tokens).
"""

from __future__ import annotations

import argparse
import importlib
import random
import time
from typing import Any

__all__ = ["token_stream", "load_backend", "time_append", "time_loop", "main"]

_WORDS = (
    "the of and to in is that for it as with was on be by this are or from at which an but not "
    "have has had were can will if their more one all would there been other when about into "
    "stream token model retry guardrail content buffer latency response function value json "
    "network timeout fallback checkpoint continuation provider adapter"
).split()
_RARE = ["caf\u00e9", "na\u00efve", "\u2014", "\u201cquoted\u201d", "\u00b5s", "\u4e2d\u6587", "\U0001f680"]


def token_stream(n: int, seed: int = 0) -> list[str]:
    """``n`` tokens of 1-7 characters cut from mostly ASCII prose (about 1% non-ASCII)."""
    rng = random.Random(seed)
    out: list[str] = []
    pending = ""
    while len(out) < n:
        if not pending:
            word = rng.choice(_RARE) if rng.random() < 0.01 else rng.choice(_WORDS)
            pending = (" " if rng.random() < 0.85 else "\n") + word
            if rng.random() < 0.08:
                pending += rng.choice(",.:;!?")
        size = rng.randint(1, 7)
        out.append(pending[:size])
        pending = pending[size:]
    return out


def load_backend(name: str) -> Any:
    """The ``ContentBuffer`` class of backend ``"cython"`` or ``"python"``."""
    package = "l0._speedups" if name == "cython" else "l0._pure"
    return importlib.import_module(f"{package}.content_buffer").ContentBuffer


def time_append(cls: Any, tokens: list[str], repeat: int, warm: bool = False) -> float:
    """Best-of-``repeat`` seconds to append every token to a fresh buffer.

    ``warm``: append into one buffer that already held the stream and was
    cleared (memory allocated and touched, no growth), isolating the per-call
    cost from first-touch page faults of newly allocated memory.
    """
    best = float("inf")
    buf = cls()
    if warm:
        for tok in tokens:
            buf.append(tok)
    for _ in range(repeat):
        if warm:
            buf.clear()
        else:
            buf = cls()
        append = buf.append
        start = time.perf_counter()
        for tok in tokens:
            append(tok)
        best = min(best, time.perf_counter() - start)
        assert len(buf) == sum(map(len, tokens))
    return best


def time_loop(tokens: list[str], repeat: int) -> float:
    """Best-of-``repeat`` seconds of the bare loop (``len(tok)`` per token): the floor."""
    best = float("inf")
    for _ in range(repeat):
        size = len
        start = time.perf_counter()
        for tok in tokens:
            size(tok)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    """Print the µs/token table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="comma-separated token counts")
    parser.add_argument("--budget", type=float, default=2e6, help="tokens appended per size and backend")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    backends = []
    for name in ("cython", "python"):
        try:
            backends.append((name, load_backend(name)))
        except ImportError as exc:
            print(f"{name}: not available ({exc})")
    print("ContentBuffer.append, 1-7 char tokens, µs/token (best of repeats, incl. call + loop)")
    header = f"{'tokens':>10}" + "".join(f"{name:>12}" for name, _ in backends)
    if len(backends) == 2:
        header += f"{'pure/compiled':>15}"
    header += f"{'bare loop':>12}"
    if backends and backends[0][0] == "cython":
        header += f"{'cython warm':>13}"
    print(header)
    for n in sizes:
        tokens = token_stream(n)
        repeat = max(3, min(200, int(args.budget // n)))
        row = f"{n:>10}"
        per = []
        for _, cls in backends:
            us = time_append(cls, tokens, repeat) / n * 1e6
            per.append(us)
            row += f"{us:>12.4f}"
        if len(per) == 2:
            row += f"{per[1] / per[0]:>14.1f}x"
        row += f"{time_loop(tokens, repeat) / n * 1e6:>12.4f}"
        if backends and backends[0][0] == "cython":
            row += f"{time_append(backends[0][1], tokens, repeat, warm=True) / n * 1e6:>13.4f}"
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
