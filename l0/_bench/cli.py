"""``python -m l0 bench``: measure l0 (both backends) and optionally the reference.

Examples::

    python -m l0 bench                                  # l0-cython vs l0-python, all lengths
    python -m l0 bench --lengths 2000,20000             # shorter
    python -m l0 bench --compare-reference              # + ai2070-l0 in its own venv
    python -m l0 bench --compare-reference --report     # + memory, concurrency, BENCHMARKS.md, plot
    python -m l0 bench --from-results build/bench/last-run.json --report   # re-render only

Until ``l0/__main__.py`` delegates ``bench``, run ``python -m l0._bench.cli``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from l0._bench import reference as ref
from l0._bench import report
from l0._bench.scenarios import LENGTHS, SCENARIOS

RESULTS_PATH = ref.REPO_ROOT / "build" / "bench" / "last-run.json"
MD_PATH = ref.REPO_ROOT / "BENCHMARKS.md"
PNG_PATH = ref.REPO_ROOT / "docs" / "img" / "bench_us_per_token.png"
DEFAULT_COMMAND = "python -m l0 bench --compare-reference --report"


def _ints(text: str) -> list[int]:
    try:
        values = [int(float(x.replace("_", ""))) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got {text!r}") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got {text!r}")
    return values


def _names(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in names if x not in SCENARIOS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"unknown scenario(s) {bad}; expected names from {', '.join(SCENARIOS)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m l0 bench``."""
    p = argparse.ArgumentParser(prog="python -m l0 bench", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--compare-reference", action="store_true",
                   help="also run the reference (ai2070-l0 from PyPI, in its own venv)")
    p.add_argument("--report", action="store_true",
                   help="also measure memory and concurrency, then write BENCHMARKS.md and the plot")
    p.add_argument("--lengths", type=_ints, default=list(LENGTHS), help="stream lengths in tokens (default: %(default)s)")
    p.add_argument("--scenarios", type=_names, default=list(SCENARIOS), help="comma-separated scenario names")
    p.add_argument("--backends", default="cython,python", help="l0 backends to measure (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds per length below 200K tokens")
    p.add_argument("--large-rounds", type=int, default=2, help="rounds at 200K tokens and more")
    p.add_argument("--min-time", type=float, default=0.2, help="seconds of runs per cell and round")
    p.add_argument("--max-reps", type=int, default=25, help="at most this many runs per cell and round")
    p.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                   help="cpu: process CPU time (default; robust on a shared machine), wall: perf_counter")
    p.add_argument("--max-run-seconds", type=float, default=20.0,
                   help="skip a cell whose projected time per run exceeds this (default: %(default)s)")
    p.add_argument("--memory-length", type=int, default=1_000_000)
    p.add_argument("--streams", type=_ints, default=[10, 100, 1000], help="concurrent stream counts")
    p.add_argument("--stream-tokens", type=int, default=2000, help="tokens per concurrent stream")
    p.add_argument("--rate", type=float, default=1000.0, help="tokens/s per paced stream (capacity search)")
    p.add_argument("--no-concurrency", action="store_true", help="with --report: skip the concurrency runs")
    p.add_argument("--no-micro", action="store_true",
                   help="with --report: skip the kernel micro-benchmarks and the openai SDK throughput run")
    p.add_argument("--sdk-chunks", type=int, default=10000, help="chunks per stream in the SDK throughput run")
    p.add_argument("--snapshot", nargs="?", const="HEAD", default=None, metavar="REF",
                   help="measure a clean export of commit REF (default HEAD) built under build/bench/, "
                        "not the working tree")
    p.add_argument("--ref-venv", type=Path, default=ref.DEFAULT_REF_VENV, help="venv for the reference")
    p.add_argument("--results", type=Path, default=RESULTS_PATH, help="where the run's JSON is written")
    p.add_argument("--from-results", type=Path, default=None,
                   help="re-render tables/report from a saved run instead of measuring")
    p.add_argument("--markdown", type=Path, default=MD_PATH, help="report path (default: BENCHMARKS.md)")
    p.add_argument("--plot", type=Path, default=PNG_PATH, help="plot path")
    return p


def measure(args: argparse.Namespace, log: ref.Log = ref._stderr_log) -> dict[str, Any]:
    """Run everything the arguments ask for; return the results dict."""
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    source, commit = ref.snapshot(args.snapshot, log=log) if args.snapshot else (None, None)
    impls = ref.make_impls(args.compare_reference, backends, args.ref_venv, log=log, source=source)
    load_start = ref.machine_info().get("load_average")
    scenarios = list(args.scenarios)
    if "raw" not in scenarios:
        scenarios.insert(0, "raw")
    ref.probe(impls, scenarios, log=log)
    results = ref.compare(impls, scenarios, sorted(args.lengths), rounds=args.rounds,
                          large_rounds=args.large_rounds, max_run_seconds=args.max_run_seconds,
                          min_time=args.min_time, max_reps=args.max_reps, clock=args.clock, log=log)
    results["created"] = report.now_utc()
    results["machine"] = ref.machine_info(commit)
    results["machine"]["load_average_start"] = load_start
    results["impls"] = {i.name: i.info for i in impls}
    if args.report:
        mem_scen = [s for s in ("core", "full") if s in scenarios]
        results["memory"] = ref.memory(impls, mem_scen, args.memory_length, results["cells"], log=log)
        if not args.no_concurrency:
            conc_scen = [s for s in ("core", "full") if s in scenarios]
            results["concurrency"] = ref.concurrency(impls, conc_scen, args.streams, args.stream_tokens,
                                                     "full_timeouts", args.rate, log=log)
    return results


def measure_micro(sdk_chunks: int) -> dict[str, Any]:
    """Kernel micro-benchmarks and the openai-SDK throughput run, each in a fresh interpreter."""
    import subprocess
    import tempfile

    out: dict[str, Any] = {"created": report.now_utc(), "commit": ref.machine_info().get("commit")}
    for key, module in (("content_buffer", "l0._bench.kernel_content"), ("json_state", "l0._bench.kernel_json")):
        ref._stderr_log(f"micro: {module}")
        proc = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True, check=False)
        out[key] = proc.stdout.strip() if proc.returncode == 0 else f"failed: {proc.stderr.strip()[-500:]}"
    with tempfile.TemporaryDirectory() as tmp:
        md = Path(tmp) / "sdk.md"
        ref._stderr_log("micro: l0._bench.sdk_throughput")
        proc = subprocess.run([sys.executable, "-m", "l0._bench.sdk_throughput", "--chunks", str(sdk_chunks),
                               "--rounds", "5", "--paced", "--markdown", str(md)], capture_output=True, text=True, check=False)
        out["sdk"] = md.read_text(encoding="utf-8").strip() if proc.returncode == 0 and md.exists() else (
            f"failed: {proc.stderr.strip()[-500:]}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m l0 bench``; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.from_results is not None:
        results = json.loads(args.from_results.read_text(encoding="utf-8"))
    else:
        results = measure(args)
        results["command"] = "python -m l0 bench " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results, indent=1), encoding="utf-8")
        sys.stderr.write(f"results saved to {args.results}\n")
    if args.report and not args.no_micro:
        # Measured now, also with --from-results: kernels and the SDK run are cheap and
        # their section states its own time and commit.
        results["micro"] = measure_micro(args.sdk_chunks)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(report.console_table(results))
    if args.report:
        command = results.get("command") or DEFAULT_COMMAND
        report.write(results, args.markdown, args.plot, command.strip())
        sys.stderr.write(f"wrote {args.markdown} and {args.plot}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
