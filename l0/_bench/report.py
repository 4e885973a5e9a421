"""Turns a measured run into console tables, BENCHMARKS.md and the log-log plot.

Every number in the generated files is computed here from the samples of one
run (``build/bench/last-run.json``); nothing is typed in by hand.
"""

from __future__ import annotations

import datetime as _dt
import statistics
from pathlib import Path
from typing import Any

from l0._bench.scenarios import DESCRIPTIONS

IMPL_ORDER = ("l0-cython", "l0-python", "reference")
COLORS = {"l0-cython": "#1f77b4", "l0-python": "#2ca02c", "reference": "#d62728"}

# Overhead over raw iteration at 2,000 tokens, compiled backend (issues 3 and 5).
OVERHEAD_TARGETS: dict[str, float] = {
    "core": 0.40,
    "timeouts": 0.50,
    "json": 0.45,
    "guardrails": 0.50,
    "drift": 0.60,
    "full": 0.80,
    "full_timeouts": 1.00,
}
FLAT_LIMIT = 1.25
MEMORY_LIMIT = 4.0


def _median(cell: dict[str, Any] | None) -> float | None:
    if not cell or not cell.get("samples"):
        return None
    return statistics.median(cell["samples"])


def cell(results: dict[str, Any], impl: str, scenario: str, n: int) -> dict[str, Any] | None:
    """The raw cell dict of one measurement, or ``None``."""
    return results["cells"].get(impl, {}).get(scenario, {}).get(str(n))


def stats(results: dict[str, Any], impl: str, scenario: str, n: int) -> dict[str, Any] | None:
    """Derived numbers for one cell: seconds, us/token, tokens/s, overhead, speed-up."""
    c = cell(results, impl, scenario, n)
    t = _median(c)
    if t is None:
        return None
    raw = _median(cell(results, impl, "raw", n))
    ref = _median(cell(results, "reference", scenario, n))
    return {
        "seconds": t,
        "us_per_token": t / n * 1e6,
        "tokens_per_s": n / t,
        "overhead": (t / raw - 1.0) if raw and scenario != "raw" else None,
        "vs_reference": (ref / t) if ref and impl != "reference" else None,
        "samples": len(c["samples"]) if c else 0,
    }


def impls_in(results: dict[str, Any]) -> list[str]:
    """Implementations present in the run, in display order."""
    present = set(results["cells"])
    return [i for i in IMPL_ORDER if i in present] + sorted(present - set(IMPL_ORDER))


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:+.0f}%"


def _rate(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.0f}K"
    return f"{x:.0f}"


def _num(x: float | None, fmt: str = "{:,.0f}") -> str:
    return "-" if x is None else fmt.format(x)


def _note(results: dict[str, Any], impl: str, scenario: str, n: int) -> str:
    c = cell(results, impl, scenario, n)
    if c is None:
        return "not measured"
    return c.get("note") or c.get("error") or "not measured"


def flatness(results: dict[str, Any], impl: str, scenario: str) -> float | None:
    """us/token at the longest measured length divided by us/token at the shortest."""
    pts = [(n, stats(results, impl, scenario, n)) for n in results["lengths"]]
    pts = [(n, s) for n, s in pts if s is not None]
    if len(pts) < 2:
        return None
    return pts[-1][1]["us_per_token"] / pts[0][1]["us_per_token"]


def console_table(results: dict[str, Any]) -> str:
    """A plain-text table of every cell (for the terminal)."""
    lines = []
    head = f"{'scenario':<14} {'impl':<10} {'tokens':>9} {'tokens/s':>12} {'us/token':>9} {'vs raw':>7} {'vs ref':>8}"
    for n in results["lengths"]:
        lines.append(head)
        for s in results["scenarios"]:
            for impl in impls_in(results):
                st = stats(results, impl, s, n)
                if st is None:
                    lines.append(f"{s:<14} {impl:<10} {n:>9,}  {_note(results, impl, s, n)}")
                    continue
                vs = "-" if st["vs_reference"] is None else f"{st['vs_reference']:.1f}x"
                lines.append(f"{s:<14} {impl:<10} {n:>9,} {st['tokens_per_s']:>12,.0f} "
                             f"{st['us_per_token']:>9.3f} {_pct(st['overhead']):>7} {vs:>8}")
        lines.append("")
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path, scenarios: tuple[str, ...] = ("core", "timeouts", "drift", "full")) -> Path:
    """Log-log plot of us/token vs stream length, one panel per scenario."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    scenarios = tuple(s for s in scenarios if s in results["scenarios"]) or tuple(results["scenarios"][:1])
    cols = 2 if len(scenarios) > 1 else 1
    rows = (len(scenarios) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 4.2 * rows), squeeze=False)
    lengths = results["lengths"]
    for ax, s in zip(axes.flat, scenarios):
        for impl in impls_in(results):
            xs, ys, px, py = [], [], [], []
            for n in lengths:
                st = stats(results, impl, s, n)
                c = cell(results, impl, s, n) or {}
                if st is not None:
                    xs.append(n)
                    ys.append(st["us_per_token"])
                elif c.get("projected"):
                    px.append(n)
                    py.append(c["projected"] / n * 1e6)
            if not xs:
                continue
            color = COLORS.get(impl)
            ax.plot(xs, ys, marker="o", color=color, label=impl)
            if px:
                ax.plot([xs[-1], *px], [ys[-1], *py], marker="o", markerfacecolor="none", linestyle="--",
                        color=color, alpha=0.7, label=f"{impl} (projected; not run)")
        raw = [(n, stats(results, impls_in(results)[0], "raw", n)) for n in lengths]
        raw = [(n, r["us_per_token"]) for n, r in raw if r is not None]
        if raw:
            ax.plot([p[0] for p in raw], [p[1] for p in raw], linestyle=":", color="black", alpha=0.6,
                    label="raw iteration (no l0)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(lengths)
        ax.set_xticklabels([_short_n(n) for n in lengths])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_title(f"{s}: {DESCRIPTIONS.get(s, s)}", fontsize=9)
        ax.set_xlabel("stream length (tokens)")
        ax.set_ylabel("µs per token")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(scenarios):]:
        ax.axis("off")
    fig.suptitle("l0 per-token cost vs stream length (lower is better; flat = O(1) per token)", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _targets(results: dict[str, Any], memory: list[dict[str, Any]]) -> list[str]:
    lines = ["| target | measured | met |", "|---|---|---|"]
    n0 = results["lengths"][0]
    for s, limit in OVERHEAD_TARGETS.items():
        st = stats(results, "l0-cython", s, n0)
        if s not in results["scenarios"]:
            continue
        if st is None or st["overhead"] is None:
            lines.append(f"| {s}: overhead vs raw at {n0:,} tokens (cython) <= {limit:.0%} | "
                         f"{_note(results, 'l0-cython', s, n0)} | no |")
            continue
        lines.append(f"| {s}: overhead vs raw at {n0:,} tokens (cython) <= {limit:.0%} | "
                     f"{_pct(st['overhead'])} | {'yes' if st['overhead'] <= limit else 'no'} |")
    for s in ("core", "full", "full_timeouts"):
        if s not in results["scenarios"]:
            continue
        f = flatness(results, "l0-cython", s)
        last = max((n for n in results["lengths"] if stats(results, "l0-cython", s, n)), default=None)
        ok = f is not None and f <= FLAT_LIMIT and last == results["lengths"][-1]
        lines.append(f"| {s}: us/token flat from {n0:,} to {results['lengths'][-1]:,} tokens (cython; "
                     f"ratio <= {FLAT_LIMIT}) | {_num(f, '{:.2f}')}x up to {_num(last, '{:,}')} | {'yes' if ok else 'no'} |")
    if "full" in results["scenarios"] and "reference" in results["cells"]:
        for n in results["lengths"]:
            py = stats(results, "l0-python", "full", n)
            ref = stats(results, "reference", "full", n)
            proj = (cell(results, "reference", "full", n) or {}).get("projected")
            if py and ref:
                ok = py["seconds"] < ref["seconds"]
                lines.append(f"| pure backend full stack beats the reference at {n:,} tokens | "
                             f"{ref['seconds'] / py['seconds']:.1f}x faster | {'yes' if ok else 'no'} |")
            elif py and proj:
                ok = py["seconds"] < proj
                lines.append(f"| pure backend full stack beats the reference at {n:,} tokens | "
                             f"~{proj / py['seconds']:.0f}x faster against the reference's projected time "
                             f"(not run) | {'yes' if ok else 'no'} |")
    for rec in memory:
        if rec.get("impl") == "l0-cython" and rec.get("scenario") == "core" and "growth" in rec:
            ratio = rec["growth"] / rec["text_bytes"]
            lines.append(f"| peak memory growth of a {rec['n']:,}-token stream of distinct token strings <= "
                         f"{MEMORY_LIMIT:.0f}x its UTF-8 size (cython, core) | {ratio:.2f}x | "
                         f"{'yes' if ratio <= MEMORY_LIMIT else 'no'} |")
    return lines


def markdown(results: dict[str, Any], png_rel: str, command: str) -> str:
    """The text of BENCHMARKS.md for one run."""
    m = results["machine"]
    impls = impls_in(results)
    lengths = results["lengths"]
    n0 = lengths[0]
    info = results.get("impls", {})
    out: list[str] = []
    w = out.append
    w("# Benchmarks")
    w("")
    w(f"Generated by `{command}` on {results['created']} from that run's measurements "
      "(`l0/_bench/report.py`). Do not edit by hand: re-run the command.")
    w("")
    w("## Setup")
    w("")
    w(f"- Machine: {m['cpu']}, {m['cores']} cores, {m['platform']}")
    w(f"- Python {m['python']} ({m['python_impl']}); Cython {m['versions'].get('Cython')}, "
      f"numpy {m['versions'].get('numpy')}, pydantic {m['versions'].get('pydantic')}")
    for impl in impls:
        i = info.get(impl, {})
        if impl == "reference":
            w(f"- `reference`: ai2070-l0 {i.get('l0_version', '?')} from PyPI, in its own venv")
        else:
            w(f"- `{impl}`: l0 {i.get('l0_version', '?')} at commit {m['commit']}, backend `{i.get('backend', '?')}`")
    st = results["settings"]
    w(f"- Method: every implementation runs in its own subprocess; rounds alternate them "
      f"({st['rounds']} rounds below 200K tokens, {min(st['rounds'], st['large_rounds'])} at 200K and more, "
      f"each round >= {st['min_time']} s or {st['max_reps']} runs per cell); the figure is the median of all runs. "
      "The source yields `l0.Event` TOKEN objects (distinct ~6-character word strings, no newlines) with zero "
      "delay, then COMPLETE; the timed region is `await l0.run(...)` plus the whole `async for`. "
      + ("Times are process CPU time (`time.process_time`): the zero-delay scenarios never wait, so this equals "
         "the wall time of an idle machine while ignoring other processes on a shared one. "
         if st.get("clock", "wall") == "cpu" else "Times are wall-clock (`time.perf_counter`). ")
      + f"Cells whose projected time exceeds {st['max_run_seconds']:.0f} s per run are not run (noted).")
    if m.get("load_average_start") or m.get("load_average"):
        w(f"- Load average (1/5/15 min) at the start: {m.get('load_average_start')}, after the timing runs: "
          f"{m.get('load_average')}")
    w("")
    w("Scenarios:")
    w("")
    for s in results["scenarios"]:
        w(f"- `{s}`: {DESCRIPTIONS.get(s, s)}")
    w("")
    w(f"## Summary at {n0:,} tokens (the reference's published scenario)")
    w("")
    w("Each cell: µs per token (tokens/s; overhead over raw iteration in the same process). "
      "\"vs reference\" = the reference's time divided by l0's.")
    w("")
    ours = [i for i in impls if i != "reference"]
    has_ref = "reference" in impls
    w("| scenario | " + " | ".join(impls) + (" | " + " | ".join(f"{i} vs reference" for i in ours) if has_ref else "") + " |")
    w("|---|" + "---:|" * (len(impls) + (len(ours) if has_ref else 0)))
    for s in results["scenarios"]:
        row = f"| {s} |"
        for impl in impls:
            x = stats(results, impl, s, n0)
            if x is None:
                row += f" {_short_note(_note(results, impl, s, n0))} |"
            else:
                row += f" {x['us_per_token']:.3f} ({_rate(x['tokens_per_s'])}/s, {_pct(x['overhead'])}) |"
        if has_ref:
            for impl in ours:
                x = stats(results, impl, s, n0)
                ok = x is not None and x["vs_reference"] is not None and s != "raw"
                row += f" {format(x['vs_reference'], '.1f') + 'x faster' if ok else '-'} |"
        w(row)
    w("")
    w("## Per-token cost vs stream length")
    w("")
    w(f"![µs per token vs stream length]({png_rel})")
    w("")
    w("µs/token (median); the last column is µs/token at the longest measured length divided by µs/token "
      f"at {n0:,} tokens (1.00 = perfectly flat).")
    w("")
    w("| scenario | impl | " + " | ".join(f"{n:,}" for n in lengths) + " | flatness |")
    w("|---|---|" + "---:|" * (len(lengths) + 1))
    for s in results["scenarios"]:
        for impl in impls:
            row = f"| {s} | {impl} |"
            for n in lengths:
                x = stats(results, impl, s, n)
                row += f" {x['us_per_token']:.3f} |" if x else f" {_short_note(_note(results, impl, s, n))} |"
            row += f" {_num(flatness(results, impl, s), '{:.2f}')} |"
            w(row)
    w("")
    notes = [(impl, s, n, _note(results, impl, s, n)) for impl in impls for s in results["scenarios"]
             for n in lengths if stats(results, impl, s, n) is None]
    if notes:
        w("Cells not measured:")
        w("")
        for impl, s, n, note in notes:
            w(f"- {impl} / {s} at {n:,} tokens: {note}")
        w("")
    w("## All cells")
    w("")
    w("| tokens | scenario | impl | median | tokens/s | µs/token | overhead vs raw | vs reference | runs |")
    w("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for n in lengths:
        for s in results["scenarios"]:
            for impl in impls:
                x = stats(results, impl, s, n)
                if x is None:
                    continue
                vs = "-" if x["vs_reference"] is None else f"{x['vs_reference']:.1f}x"
                w(f"| {n:,} | {s} | {impl} | {x['seconds'] * 1e3:,.1f} ms | {x['tokens_per_s']:,.0f} | "
                  f"{x['us_per_token']:.3f} | {_pct(x['overhead'])} | {vs} | {x['samples']} |")
    w("")
    mem = results.get("memory") or []
    if mem:
        w("## Peak memory of one long stream")
        w("")
        w("Peak RSS of the worker process minus its RSS before the stream started, for one stream whose tokens "
          "are distinct strings; `ratio` is that growth over the text's UTF-8 size. (A list of the token strings "
          "alone costs ~10x.)")
        w("")
        w("| impl | scenario | tokens | text | peak growth | ratio |")
        w("|---|---|---:|---:|---:|---:|")
        for rec in mem:
            if "growth" in rec:
                w(f"| {rec['impl']} | {rec['scenario']} | {rec['n']:,} | {rec['text_bytes'] / 2**20:.1f} MiB | "
                  f"{rec['growth'] / 2**20:.1f} MiB | {rec['growth'] / rec['text_bytes']:.2f}x |")
            else:
                w(f"| {rec['impl']} | {rec['scenario']} | {rec['n']:,} | | {rec.get('note')} | |")
        w("")
    conc = results.get("concurrency")
    if conc and (conc["throughput"] or conc["capacity"]):
        w("## Concurrency (one event loop, one core)")
        w("")
        if conc["throughput"]:
            w(f"N streams of {conc['tokens_per_stream']:,} tokens each, started together; every source yields to the "
              "event loop after each burst of 16 tokens, so the streams interleave. Aggregate tokens per second of "
              "process CPU time (wall-clock tokens/s in parentheses):")
            w("")
            scen = sorted({r["scenario"] for r in conc["throughput"]},
                          key=lambda x: results["scenarios"].index(x) if x in results["scenarios"] else -1)
            counts = sorted({r["streams"] for r in conc["throughput"]})
            w("| scenario | impl | " + " | ".join(f"{c:,} streams" for c in counts) + " |")
            w("|---|---|" + "---:|" * len(counts))
            for s in scen:
                for impl in impls:
                    row = f"| {s} | {impl} |"
                    any_ = False
                    for c in counts:
                        r = next((r for r in conc["throughput"] if r["impl"] == impl and r["scenario"] == s
                                  and r["streams"] == c), None)
                        any_ = any_ or r is not None
                        if r is None:
                            row += " - |"
                        else:
                            cpu_rate = r.get("tokens_per_cpu_s") or r["tokens_per_s"]
                            row += f" {cpu_rate:,.0f} ({r['tokens_per_s']:,.0f}) |"
                    if any_:
                        w(row)
            w("")
        if conc["capacity"]:
            w(f"\"Blackwell-class\" streams: how many concurrent streams, each paced at {conc['rate']:,.0f} tokens/s "
              f"(bursts scheduled with `asyncio.sleep` on absolute deadlines), one core sustains with "
              f"`{conc['capacity_scenario']}` ({DESCRIPTIONS.get(conc['capacity_scenario'], '')}) while delivering "
              ">= 95% of the aggregate target rate. Search: doubling, then bisection to ~5%.")
            w("")
            w("\"Measured\" is the search result on this machine (wall clock, so other processes on a shared "
              "machine lower it); \"CPU estimate\" is one core-second divided by the CPU time per delivered token "
              "at the largest passing load, divided by the per-stream rate: what a dedicated core would sustain.")
            w("")
            w("| impl | measured max streams | aggregate tokens/s | CPU µs per token | CPU estimate (streams) | "
              "trials (streams: delivered fraction) |")
            w("|---|---:|---:|---:|---:|---|")
            for impl in [*impls, "raw iteration (no l0)"]:
                r = next((r for r in conc["capacity"] if r["impl"] == impl), None)
                if r:
                    trials = ", ".join(f"{t[0]}: {t[1]:.0%}" for t in r["trials"])
                    more = " (search limit reached)" if r.get("capped") else ""
                    w(f"| {impl} | {r['max_streams']:,}{more} | {r['aggregate_tokens_per_s']:,.0f} | "
                      f"{_num(r.get('cpu_us_per_token'), '{:.2f}')} | {_num(r.get('cpu_estimate_streams'), '{:,}')} | {trials} |")
            w("")
    micro = results.get("micro")
    if micro:
        w("## Kernels (micro-benchmarks)")
        w("")
        w(f"Measured {micro.get('created', '')} at commit {micro.get('commit') or '?'} by "
          "`python -m l0._bench.kernel_content` and `python -m l0._bench.kernel_json` (best of repeats; "
          "the per-token/per-chunk cost at each length shows O(1) behaviour).")
        w("")
        for key in ("content_buffer", "json_state"):
            w("```text")
            w(micro.get(key, "not run"))
            w("```")
            w("")
        sdk = micro.get("sdk") or "## Through the real openai SDK\n\nnot run"
        out.extend(line for line in sdk.splitlines() if not line.startswith("# "))
        w("")
        w(f"Measured {micro.get('created', '')} against the local `l0.testing` server on 127.0.0.1.")
        w("")
    w("## Targets")
    w("")
    w("Checked automatically against this run (issues 3 and 5).")
    w("")
    out.extend(_targets(results, mem))
    w("")
    w("## Reproduce")
    w("")
    w("```sh")
    w("pip install -e '.[dev]'                       # builds the Cython kernels in place")
    w(f"{command}")
    w("python -m l0._bench.areas --report              # the wave-2 areas' section (make bench runs both)")
    w("```")
    w("")
    w("The reference is installed from PyPI into `.venv-bench-ref/` (created on first use, never into the "
      "main interpreter). `python -m l0 bench --help` lists the options (lengths, rounds, scenarios, budget). "
      "The asv suite in `asv_bench/` tracks the same scenarios across commits; see `docs/benchmarks.md`.")
    w("")
    return "\n".join(out)


def _short_n(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}K"
    return str(n)


def _short_note(note: str) -> str:
    if note.startswith("not run: time ~n^"):
        exp = note.split("~n^", 1)[1].split(";", 1)[0]
        proj = note.split("projected", 1)[1].replace("per run", "").strip()
        return f"not run (time ~n^{exp}; ~{proj}/run)"
    if note.startswith("not run: feature"):
        return "n/a"
    return "not run"


def write(results: dict[str, Any], md_path: Path, png_path: Path, command: str) -> None:
    """Write BENCHMARKS.md and the plot for ``results``."""
    plot(results, png_path)
    try:
        png_rel = png_path.resolve().relative_to(md_path.resolve().parent).as_posix()
    except ValueError:
        png_rel = png_path.as_posix()
    text = markdown(results, png_rel, command)
    # The wave-2 areas' section comes from its own run (python -m l0._bench.areas --report): keep it.
    from l0._bench.areas import END, START

    old = md_path.read_text(encoding="utf-8") if md_path.exists() else ""
    if START in old and END in old:
        text = text.rstrip("\n") + "\n\n" + START + old.split(START, 1)[1].split(END, 1)[0] + END + "\n"
    md_path.write_text(text, encoding="utf-8")


def now_utc() -> str:
    """Timestamp for the report header."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
