"""The benchmark harness itself: scenarios, growth projection, report rendering, CLI parsing."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from l0._bench import cli, concurrency, reference, report
from l0._bench import scenarios as sc


def _results(times: dict[str, dict[str, dict[int, list[float]]]], lengths: list[int],
             notes: dict[tuple[str, str, int], dict] | None = None) -> dict:
    """A results dict shaped like ``reference.compare`` output, from given samples."""
    cells: dict = {}
    for impl, by_s in times.items():
        for s, by_n in by_s.items():
            for n in lengths:
                cell = {"samples": by_n.get(n, []), "note": None, "error": None, "projected": None}
                cell.update((notes or {}).get((impl, s, n), {}))
                cells.setdefault(impl, {}).setdefault(s, {})[str(n)] = cell
    return {
        "lengths": lengths,
        "scenarios": sorted({s for by_s in times.values() for s in by_s}, key=sc.SCENARIOS.index),
        "cells": cells,
        "settings": {"rounds": 3, "large_rounds": 1, "max_run_seconds": 20.0, "min_time": 0.2,
                     "max_reps": 25, "clock": "cpu"},
        "created": "2026-01-01 00:00 UTC",
        "machine": {"cpu": "test cpu", "cores": 2, "platform": "test", "python": "3.11", "python_impl": "CPython",
                    "commit": "abc1234", "versions": {}, "load_average": [0.1, 0.1, 0.1]},
        "impls": {},
    }


def test_expected_chars_matches_the_token_texts():
    """The verification length equals the text the source really yields, across the word-table wrap."""
    for n in (0, 1, 7, len(sc.WORDS), len(sc.WORDS) * 2 + 5):
        assert sc.expected_chars(n) == len("".join(sc.token_text(i) for i in range(n)))


def test_check_result_names_what_is_wrong():
    """A consumer that missed an event is reported with the counts."""
    assert sc.check_result("raw", 10, 11, None) is None
    assert "saw 10 events, expected 11" in sc.check_result("raw", 10, 10, None)


def test_stats_overhead_and_speedup():
    """Overhead is relative to raw in the same implementation; speed-up divides the reference's time."""
    res = _results({"l0-cython": {"raw": {2000: [1.0]}, "core": {2000: [1.5, 1.4, 1.6]}},
                    "reference": {"raw": {2000: [1.1]}, "core": {2000: [6.0]}}}, [2000])
    st = report.stats(res, "l0-cython", "core", 2000)
    assert st["overhead"] == pytest.approx(0.5)
    assert st["vs_reference"] == pytest.approx(4.0)
    assert st["us_per_token"] == pytest.approx(1.5 / 2000 * 1e6)
    assert report.stats(res, "reference", "core", 2000)["vs_reference"] is None


def test_flatness_uses_first_and_last_measured_length():
    """Flatness compares per-token cost at the longest and shortest measured lengths."""
    res = _results({"l0-cython": {"raw": {}, "core": {1000: [1.0], 10000: [10.0], 100000: [200.0]}}},
                   [1000, 10000, 100000])
    assert report.flatness(res, "l0-cython", "core") == pytest.approx(2.0)


def test_projection_fits_the_growth_exponent():
    """A quadratic cell projects quadratically and is reported with its exponent."""
    cells = {n: reference._Cell(samples=[(n / 1000) ** 2]) for n in (1000, 2000)}
    cells[4000] = reference._Cell()
    proj, exp = reference._project(cells, [1000, 2000, 4000], 1, 4000)
    assert exp == pytest.approx(2.0)
    assert proj == pytest.approx(16.0)


def test_projection_exponent_is_clamped_to_linear_at_least():
    """Noise that makes a cell look sub-linear never projects below linear growth."""
    cells = {1000: reference._Cell(samples=[2.0]), 2000: reference._Cell(samples=[2.1])}
    _, exp = reference._project(cells, [1000, 2000], 1, 4000)
    assert exp == 1.0


def test_markdown_and_plot_render_notes_and_projections(tmp_path):
    """The report shows measured cells, 'not run' projections and the target table; the plot is a PNG."""
    lengths = [2000, 20000]
    res = _results(
        {"l0-cython": {"raw": {2000: [0.001], 20000: [0.01]}, "full": {2000: [0.002], 20000: [0.02]}},
         "l0-python": {"raw": {2000: [0.001], 20000: [0.01]}, "full": {2000: [0.004], 20000: [0.04]}},
         "reference": {"raw": {2000: [0.001], 20000: [0.01]}, "full": {2000: [0.02]}}},
        lengths,
        {("reference", "full", 20000): {"note": "not run: time ~n^2.0; projected 2.0 s per run", "projected": 2.0}},
    )
    md, png = tmp_path / "B.md", tmp_path / "img" / "p.png"
    report.write(res, md, png, "python -m l0 bench --report")
    text = md.read_text(encoding="utf-8")
    assert "![µs per token vs stream length](img/p.png)" in text
    assert "not run (time ~n^2.0; ~2.0 s/run)" in text
    assert "| full: overhead vs raw at 2,000 tokens (cython) <= 80% | +100% | no |" in text
    assert "~50x faster against the reference's projected time" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_rejects_bad_lengths_and_scenarios():
    """Bad option values fail with the expected form named."""
    parser = cli.build_parser()
    assert parser.parse_args(["--lengths", "2000,20_000"]).lengths == [2000, 20000]
    with pytest.raises(argparse.ArgumentTypeError, match="positive integers"):
        cli._ints("2000,-5")
    with pytest.raises(argparse.ArgumentTypeError, match="expected names from raw, core"):
        cli._names("core,everything")


def test_concurrent_streams_interleave_and_complete():
    """Bursty sources yield to the loop, so many streams finish with every event delivered."""
    rec = asyncio.run(concurrency.throughput("core", 20, 100, burst=8))
    assert rec["error"] is None
    assert rec["streams"] == 20 and rec["tokens_per_s"] > 0
