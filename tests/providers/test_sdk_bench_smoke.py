"""Smoke run of the SDK throughput benchmark (correctness only; no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

from l0._bench import sdk_throughput


def test_sdk_throughput_runs_and_reports(tmp_path: Path, capsys) -> None:
    out_json = tmp_path / "r.json"
    out_md = tmp_path / "r.md"
    rc = sdk_throughput.main(["--chunks", "300", "--rounds", "1", "--json", str(out_json), "--markdown", str(out_md)])
    assert rc == 0
    data = json.loads(out_json.read_text())
    assert data["chunks"] == 300
    assert set(data["tokens_per_s"]) == {"sdk", "sdk+l0", "sdk+l0+timeout", "native+l0", "floor", "replay/loop",
                                         "replay/adapter", "replay/l0"}
    assert "l0 share of the per-chunk cost" in capsys.readouterr().out
    assert "| sdk+l0 |" in out_md.read_text()


def test_paced_regime_runs_and_reports(tmp_path: Path, capsys) -> None:
    out_json = tmp_path / "r.json"
    out_md = tmp_path / "r.md"
    rc = sdk_throughput.main(["--chunks", "200", "--rounds", "1", "--paced", "--paced-chunks", "20",
                              "--json", str(out_json), "--markdown", str(out_md)])
    assert rc == 0
    paced = json.loads(out_json.read_text())["paced"]
    assert paced["rate"] == 1000 and paced["chunks"] == 20
    seen = {(row["workload"], row["streams"]) for row in paced["rows"]}
    assert {("native+l0", 10), ("native+l0", 50), ("floor", 50), ("sdk+l0", 10)} <= seen
    assert all(row["cpu_us"] > 0 and row["streams_per_core"] > 0 for row in paced["rows"])
    assert "streams/core" in capsys.readouterr().out
    assert "| native+l0 | 50 |" in out_md.read_text()
