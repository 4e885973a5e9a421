"""Scaling of the guardrail sessions and the drift session with stream length.

Drives every built-in rule (``Guardrails.strict()`` plus a custom pattern rule)
and a drift session directly, the way the runtime does: one session per rule,
streaming checks every 15 tokens, drift every 25 tokens with the text since the
previous drift check, and one completion check. Prints the cost per token and
per check at 2K, 20K, 200K and 1M tokens; flat columns mean O(delta) checks.

    python -m l0._bench.guardrails_scaling [--sizes 2000,20000,200000,1000000] [--scenario prose|json|both]
"""

from __future__ import annotations

import argparse
import json
import random
import time

from l0._backend import BACKEND
from l0.drift import DriftDetector
from l0.guardrails import Guardrails, custom_pattern_rule
from l0.types import State

GUARD_EVERY = 15
DRIFT_EVERY = 25

_COMMON = ("the a of and to in is it that for on with as was be this by are or at from".split())


def _vocabulary(size: int = 3000, seed: int = 11) -> list[str]:
    # Pseudo-words from syllables: a realistic vocabulary size for the window-based detectors.
    rng = random.Random(seed)
    syllables = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"] + ["ing", "tion", "er", "al", "ly"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(size)]


_WORDS = _vocabulary()


def prose_tokens(n: int, seed: int = 7) -> list[str]:
    """Tokens of varied prose: sentences, newlines, an occasional heading, list item or inline math."""
    rng = random.Random(seed)
    out: list[str] = []
    since_sentence = 0
    while len(out) < n:
        r = rng.random()
        if since_sentence > 8 and r < 0.12:
            out.append(rng.choice([". ", ".\n", "! ", "? "]))
            since_sentence = 0
            continue
        if r < 0.01:
            out.append("\n## Section ")
        elif r < 0.015:
            out.append("\n- item ")
        elif r < 0.018:
            out.append(" $x_%d$ " % rng.randrange(100))
        else:
            word = rng.choice(_COMMON) if r < 0.3 else rng.choice(_WORDS)
            out.append(" " + word + (str(rng.randrange(1000)) if r > 0.97 else ""))
        since_sentence += 1
    return out[:n]


def json_tokens(n: int, seed: int = 7) -> list[str]:
    """Tokens of one large, valid JSON array of small objects."""
    rng = random.Random(seed)
    out = ["["]
    i = 0
    while len(out) < n - 1:
        if i:
            out.append(",")
        obj = json.dumps({"id": i, "name": rng.choice(_WORDS), "score": rng.random(), "tags": [rng.choice(_WORDS)]},
                         separators=(",", ":"))
        out.extend(obj[k:k + 5] for k in range(0, len(obj), 5))
        i += 1
    out.append("]")
    return out


def _rules() -> list:
    return Guardrails.strict() + [custom_pattern_rule([r"\bforbidden\b", r"TODO:\s+\w+"])]


def run(tokens: list[str]) -> dict[str, float]:
    """One stream through all sessions; returns timings (seconds) and counts."""
    rules = _rules()
    completion = [r.new_session() for r in rules]
    # Mid-stream the runtime calls only the sessions of streaming rules.
    streaming = [s for r, s in zip(rules, completion) if r.streaming]
    drift = DriftDetector().new_session()
    state = State()
    buf = state.buffer
    perf = time.perf_counter
    t_guard = t_drift = 0.0
    n_guard = n_drift = 0
    drift_pos = 0
    violations = 0
    t0 = perf()
    for tok in tokens:
        buf.append(tok)
        state.token_count += 1
        tc = state.token_count
        if tc % GUARD_EVERY == 0:
            a = perf()
            for s in streaming:
                violations += len(s.check(state))
            t_guard += perf() - a
            n_guard += 1
        if tc % DRIFT_EVERY == 0:
            a = perf()
            delta = buf.since(drift_pos)
            drift_pos = len(buf)
            drift.check(state, delta)
            t_drift += perf() - a
            n_drift += 1
    t_total = perf() - t0
    state.completed = True
    a = perf()
    for s in completion:
        violations += len(s.check(state))
    t_complete = perf() - a
    # Baseline: the same appends without any checks.
    base_state = State()
    b = base_state.buffer
    a = perf()
    for tok in tokens:
        b.append(tok)
        base_state.token_count += 1
    t_base = perf() - a
    return {"total": t_total, "base": t_base, "guard": t_guard, "drift": t_drift, "n_guard": n_guard,
            "n_drift": n_drift, "complete": t_complete, "violations": violations, "chars": len(buf)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,20000,200000,1000000")
    ap.add_argument("--scenario", choices=["prose", "json", "both"], default="both")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    run(prose_tokens(2000))  # warm-up: compiled regexes, caches
    scenarios = ["prose", "json"] if args.scenario == "both" else [args.scenario]
    print(f"backend: {BACKEND}; rules: {', '.join(r.name for r in _rules())} + drift; "
          f"guardrail checks every {GUARD_EVERY} tokens, drift every {DRIFT_EVERY}")
    header = (f"{'scenario':8} {'tokens':>9} {'chars':>10} {'guard us/tok':>12} {'drift us/tok':>12} "
              f"{'all us/tok':>10} {'us/guard chk':>12} {'us/drift chk':>12} {'completion ms':>13}")
    print(header)
    print("-" * len(header))
    for scenario in scenarios:
        for n in sizes:
            tokens = prose_tokens(n) if scenario == "prose" else json_tokens(n)
            # Best of a few runs (fewer for long streams): timings on a shared machine are noisy.
            runs = [run(tokens) for _ in range(max(1, min(5, 400_000 // n)))]
            r = min(runs, key=lambda x: x["guard"] + x["drift"])
            overhead = r["total"] - r["base"]
            print(f"{scenario:8} {n:>9,} {r['chars']:>10,} {r['guard'] / n * 1e6:>12.3f} "
                  f"{r['drift'] / n * 1e6:>12.3f} {overhead / n * 1e6:>10.3f} "
                  f"{r['guard'] / max(1, r['n_guard']) * 1e6:>12.2f} {r['drift'] / max(1, r['n_drift']) * 1e6:>12.2f} "
                  f"{r['complete'] * 1e3:>13.2f}")


if __name__ == "__main__":
    main()
