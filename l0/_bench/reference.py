"""Side-by-side runs of the same scenarios through this package and the reference.

Every implementation runs in its own subprocess (a worker script from this
directory, which uses the public ``l0`` API only):

* ``reference``: ``ai2070-l0`` from PyPI, installed into a separate venv
  (default ``.venv-bench-ref/`` at the repository root, gitignored), never into
  this interpreter;
* ``l0-cython`` / ``l0-python``: this package with ``L0_BACKEND=cython`` /
  ``python``.

Rounds alternate the implementations (rotating the order every round) so that
slow drifts of the machine hit all of them alike. Cells whose projected time
per run exceeds a budget (the reference's O(n^2) drift check at 1M tokens) are
not run; the note records the fitted exponent and the projection.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCENARIOS_SCRIPT = HERE / "scenarios.py"
CONCURRENCY_SCRIPT = HERE / "concurrency.py"
REPO_ROOT = HERE.parent.parent
DEFAULT_REF_VENV = REPO_ROOT / ".venv-bench-ref"
REFERENCE_SPEC = "ai2070-l0"

Log = Callable[[str], None]


def _stderr_log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


@dataclass
class Impl:
    """One implementation under test: an interpreter plus environment overrides."""

    name: str
    python: str
    env: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    available: dict[str, bool] = field(default_factory=dict)
    error: str | None = None


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_reference_venv(venv: Path = DEFAULT_REF_VENV, spec: str = REFERENCE_SPEC,
                          log: Log = _stderr_log) -> Path:
    """Create ``venv`` with the reference installed (once); return its python."""
    python = _venv_python(venv)
    if not python.exists():
        log(f"creating reference venv {venv} ...")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-P", "-c", "import l0"], cwd=tempfile.gettempdir(),
                           env=_clean_env({}), capture_output=True, text=True)
    if probe.returncode != 0:
        log(f"installing {spec} into {venv} ...")
        subprocess.run([str(python), "-m", "pip", "install", "-q", spec], check=True)
    return python


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "L0_BACKEND", "PYTHONHOME")}
    env.update(extra)
    return env


def snapshot(ref: str = "HEAD", log: Log = _stderr_log) -> tuple[Path, str]:
    """Export commit ``ref`` of this repository and build its extensions in place.

    Returns ``(directory, short_commit)``. Measuring a snapshot keeps a long
    run stable while the working tree changes, and ties the numbers to one
    commit. Snapshots live under ``build/bench/`` (gitignored) and are reused.
    """
    import shutil
    import tarfile

    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    dest = REPO_ROOT / "build" / "bench" / f"snapshot-{commit}"
    if (dest / "l0" / "__init__.py").exists():
        return dest, commit
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    log(f"exporting {ref} ({commit}) to {dest} and building its extensions ...")
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=REPO_ROOT, capture_output=True,
                             check=True).stdout
    import io

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp, filter="data")
    subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=tmp, check=True,
                   env={**os.environ, "L0_REQUIRE_EXTENSIONS": "1"}, stdout=subprocess.DEVNULL)
    tmp.rename(dest)
    return dest, commit


def make_impls(compare_reference: bool, backends: Iterable[str] = ("cython", "python"),
               ref_venv: Path = DEFAULT_REF_VENV, log: Log = _stderr_log,
               source: Path | None = None) -> list[Impl]:
    """The implementations to measure, in their default order.

    ``source``: a directory holding the ``l0`` package to measure instead of
    the one this interpreter imports (see :func:`snapshot`).
    """
    extra = {"PYTHONPATH": str(source)} if source is not None else {}
    impls = [Impl(f"l0-{b}", sys.executable, {"L0_BACKEND": b, **extra}) for b in backends]
    if compare_reference:
        impls.append(Impl("reference", str(ensure_reference_venv(ref_venv, log=log))))
    return impls


def run_worker(impl: Impl, script: Path, args: list[str], timeout: float | None = None,
               on_record: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Run a worker script under ``impl``; return its JSON records.

    Raises ``RuntimeError`` (with the worker's last stderr lines) on failure.
    """
    cmd = [impl.python, "-P", str(script), *args]
    with tempfile.TemporaryDirectory(prefix="l0-bench-") as cwd:
        proc = subprocess.Popen(cmd, cwd=cwd, env=_clean_env(impl.env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        records: list[dict[str, Any]] = []
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                rec = json.loads(line)
                records.append(rec)
                if on_record is not None:
                    on_record(rec)
                if deadline is not None and time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(cmd, timeout or 0)
            remaining = None if deadline is None else max(1.0, deadline - time.monotonic())
            proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"{impl.name}: worker timed out after {timeout:.0f} s") from None
        stderr = proc.stderr.read() if proc.stderr is not None else ""
        if proc.returncode != 0:
            tail = " | ".join(stderr.strip().splitlines()[-3:])
            raise RuntimeError(f"{impl.name}: worker exited with {proc.returncode}: {tail}")
    return records


def probe(impls: list[Impl], scenarios: list[str], log: Log = _stderr_log) -> None:
    """Fill ``impl.info`` / ``impl.available``; mark broken implementations."""
    for impl in impls:
        try:
            recs = run_worker(impl, SCENARIOS_SCRIPT, ["info", "--scenarios", ",".join(scenarios)], timeout=120)
            meta = recs[0]
            impl.available = meta.pop("available")
            impl.info = meta
            missing = [s for s, ok in impl.available.items() if not ok]
            log(f"{impl.name}: l0 {meta['l0_version']} backend={meta['backend']}"
                + (f"; not available: {', '.join(missing)}" if missing else ""))
        except (RuntimeError, IndexError, KeyError) as exc:
            impl.error = str(exc)
            impl.available = {s: False for s in scenarios}
            log(f"{impl.name}: unavailable ({exc})")


def _fmt_secs(s: float) -> str:
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


@dataclass
class _Cell:
    samples: list[float] = field(default_factory=list)
    note: str | None = None
    error: str | None = None
    projected: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "note": self.note, "error": self.error, "projected": self.projected}


def compare(impls: list[Impl], scenarios: list[str], lengths: list[int], rounds: int = 5,
            large_rounds: int = 2, max_run_seconds: float = 20.0, min_time: float = 0.2,
            max_reps: int = 25, clock: str = "cpu", log: Log = _stderr_log) -> dict[str, Any]:
    """Time every (implementation, scenario, length) cell; see the module docstring."""
    lengths = sorted(lengths)
    cells = {i.name: {s: {n: _Cell() for n in lengths} for s in scenarios} for i in impls}
    skip: dict[tuple[str, str], str] = {}
    for impl in impls:
        for s in scenarios:
            if impl.error:
                skip[(impl.name, s)] = f"not run: {impl.name} unavailable"
            elif not impl.available.get(s, False):
                skip[(impl.name, s)] = "not run: feature not available in this build"
    t_start = time.monotonic()
    for li, n in enumerate(lengths):
        n_rounds = rounds if n < 200_000 else max(1, min(rounds, large_rounds))
        for r in range(n_rounds):
            order = impls[r % len(impls):] + impls[: r % len(impls)]
            for impl in order:
                todo = [s for s in scenarios if (impl.name, s) not in skip]
                if not todo:
                    continue
                per_run = [_projection(cells[impl.name][s], lengths, li) for s in todo]
                budget = 120.0 + sum(3 * (p or max_run_seconds) * 2 for p in per_run)
                args = ["run", "--scenarios", ",".join(todo), "--lengths", str(n),
                        "--min-time", str(min_time), "--max-reps", str(max_reps), "--clock", clock]
                try:
                    recs = run_worker(impl, SCENARIOS_SCRIPT, args, timeout=budget)
                except RuntimeError as exc:
                    for s in todo:
                        cells[impl.name][s][n].error = str(exc)
                        skip[(impl.name, s)] = f"not run: {exc}"
                    log(f"  {exc}")
                    continue
                summary = []
                for rec in recs:
                    if rec.get("kind") != "sample":
                        continue
                    cell = cells[impl.name][rec["scenario"]][n]
                    cell.samples.extend(rec["times"])
                    if rec.get("error") and not cell.error:
                        cell.error = rec["error"]
                    summary.append(f"{rec['scenario']} {statistics.median(rec['times']) / n * 1e6:.2f}")
                elapsed = time.monotonic() - t_start
                log(f"[{_fmt_secs(elapsed):>8}] n={n:,} round {r + 1}/{n_rounds} {impl.name}: "
                    + ", ".join(summary) + " us/token")
        if li + 1 < len(lengths):
            nxt = lengths[li + 1]
            for impl in impls:
                for s in scenarios:
                    if (impl.name, s) in skip:
                        continue
                    proj, exp = _project(cells[impl.name][s], lengths, li, nxt)
                    if proj is not None and proj > max_run_seconds:
                        skip[(impl.name, s)] = (f"not run: per-token cost grows ~n^{exp - 1:.1f} "
                                                f"(time ~n^{exp:.1f}); projected {_fmt_secs(proj)} per run at {nxt:,} tokens")
                        log(f"  {impl.name} {s}: {skip[(impl.name, s)]}")
    for impl in impls:
        for s in scenarios:
            for li, n in enumerate(lengths):
                cell = cells[impl.name][s][n]
                if not cell.samples and cell.note is None and (impl.name, s) in skip:
                    note = skip[(impl.name, s)]
                    if "projected" in note:
                        proj, exp = _project_from_last(cells[impl.name][s], lengths, n)
                        if proj is not None:
                            note = (f"not run: time ~n^{exp:.1f}; projected {_fmt_secs(proj)} per run")
                            cell.projected = proj
                    cell.note = note
    return {
        "lengths": lengths,
        "scenarios": scenarios,
        "cells": {i: {s: {str(n): c.as_dict() for n, c in by_n.items()} for s, by_n in by_s.items()}
                  for i, by_s in cells.items()},
        "settings": {"rounds": rounds, "large_rounds": large_rounds, "max_run_seconds": max_run_seconds,
                     "min_time": min_time, "max_reps": max_reps, "clock": clock},
    }


def _median(cell: _Cell) -> float | None:
    return statistics.median(cell.samples) if cell.samples else None


def _fit(by_n: dict[int, _Cell], lengths: list[int], upto: int) -> tuple[int, float, float] | None:
    """(n, time at n, exponent) from the last two measured lengths at or below index ``upto``."""
    measured = [(n, _median(by_n[n])) for n in lengths[: upto + 1] if by_n[n].samples]
    if not measured:
        return None
    n1, t1 = measured[-1]
    assert t1 is not None
    exp = 1.0
    if len(measured) >= 2:
        n0, t0 = measured[-2]
        if t0 and t1 > 0 and n1 > n0:
            exp = min(3.0, max(1.0, math.log(t1 / t0) / math.log(n1 / n0)))
    return n1, t1, exp


def _projection(by_n: dict[int, _Cell], lengths: list[int], li: int) -> float | None:
    fit = _fit(by_n, lengths, li - 1) if li > 0 else None
    if fit is None:
        return None
    n1, t1, exp = fit
    return t1 * (lengths[li] / n1) ** exp


def _project(by_n: dict[int, _Cell], lengths: list[int], li: int, n_next: int) -> tuple[float | None, float]:
    fit = _fit(by_n, lengths, li)
    if fit is None:
        return None, 1.0
    n1, t1, exp = fit
    return t1 * (n_next / n1) ** exp, exp


def _project_from_last(by_n: dict[int, _Cell], lengths: list[int], n: int) -> tuple[float | None, float]:
    li = lengths.index(n)
    fit = _fit(by_n, lengths, li)
    if fit is None:
        return None, 1.0
    n1, t1, exp = fit
    return t1 * (n / n1) ** exp, exp


def memory(impls: list[Impl], scenarios: list[str], n: int, skip_cells: dict[str, dict[str, Any]] | None = None,
           log: Log = _stderr_log) -> list[dict[str, Any]]:
    """Peak RSS growth of one ``n``-token stream per (implementation, scenario)."""
    out = []
    for impl in impls:
        for s in scenarios:
            if impl.error or not impl.available.get(s, False):
                continue
            cell = (skip_cells or {}).get(impl.name, {}).get(s, {}).get(str(n))
            if cell is not None and not cell["samples"]:
                out.append({"impl": impl.name, "scenario": s, "n": n, "note": cell.get("note")})
                continue
            log(f"memory: {impl.name} {s} at {n:,} tokens ...")
            try:
                recs = run_worker(impl, SCENARIOS_SCRIPT, ["memory", "--scenario", s, "--length", str(n)],
                                  timeout=1800)
                rec = next(r for r in recs if r.get("kind") == "memory")
                rec["impl"] = impl.name
                out.append(rec)
                log(f"  growth {rec['growth'] / 2**20:.1f} MiB = {rec['growth'] / rec['text_bytes']:.2f}x text")
            except (RuntimeError, StopIteration) as exc:
                out.append({"impl": impl.name, "scenario": s, "n": n, "note": f"failed: {exc}"})
    return out


def concurrency(impls: list[Impl], scenarios: list[str], streams: list[int], tokens: int,
                capacity_scenario: str, rate: float, log: Log = _stderr_log) -> dict[str, Any]:
    """Aggregate throughput of N concurrent streams, and paced capacity."""
    tp: list[dict[str, Any]] = []
    cap: list[dict[str, Any]] = []

    def progress(rec: dict[str, Any]) -> None:
        if rec.get("kind") == "progress":
            log(f"  {rec['message']}")
        elif rec.get("kind") == "throughput":
            log(f"  {rec['scenario']} x{rec['streams']}: {rec['tokens_per_s']:,.0f} tokens/s")

    for k, impl in enumerate(impls):
        todo = [s for s in scenarios if impl.available.get(s, False)]
        if k == 0 and impl.available.get("raw", False):
            todo.insert(0, "raw")  # the event loop's own ceiling, once
        if todo and not impl.error:
            log(f"concurrency throughput: {impl.name} ...")
            try:
                recs = run_worker(impl, CONCURRENCY_SCRIPT,
                                  ["throughput", "--scenarios", ",".join(todo), "--streams",
                                   ",".join(map(str, streams)), "--tokens", str(tokens)],
                                  timeout=1800, on_record=progress)
                tp.extend({**r, "impl": impl.name} for r in recs if r.get("kind") == "throughput")
            except RuntimeError as exc:
                log(f"  {exc}")
        if impl.available.get(capacity_scenario, False) and not impl.error:
            log(f"concurrency capacity ({capacity_scenario} at {rate:,.0f} tokens/s per stream): {impl.name} ...")
            try:
                recs = run_worker(impl, CONCURRENCY_SCRIPT,
                                  ["capacity", "--scenario", capacity_scenario, "--rate", str(rate)],
                                  timeout=1800, on_record=progress)
                cap.extend({**r, "impl": impl.name} for r in recs if r.get("kind") == "capacity")
            except RuntimeError as exc:
                log(f"  {exc}")
    base = next((i for i in impls if not i.error and i.available.get("raw", False)), None)
    if base is not None:
        log(f"concurrency capacity ceiling (raw iteration, no l0) with {base.name}'s events ...")
        try:
            recs = run_worker(base, CONCURRENCY_SCRIPT, ["capacity", "--scenario", "raw", "--rate", str(rate)],
                              timeout=1800, on_record=progress)
            cap.extend({**r, "impl": "raw iteration (no l0)"} for r in recs if r.get("kind") == "capacity")
        except RuntimeError as exc:
            log(f"  {exc}")
    return {"throughput": tp, "capacity": cap, "tokens_per_stream": tokens, "rate": rate,
            "capacity_scenario": capacity_scenario}


def _working_tree_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "l0"],
                               cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return commit + ("+dirty" if dirty else "")


def machine_info(commit: str | None = None) -> dict[str, Any]:
    """Machine, interpreter and tool versions for the report header."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for mod in ("Cython", "numpy", "pydantic"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = None
    if commit is None:
        commit = _working_tree_commit()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": load,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "commit": commit,
        "versions": versions,
    }
