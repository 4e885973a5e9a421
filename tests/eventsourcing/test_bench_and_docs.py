"""The event-sourcing benchmark script runs (tiny sizes) and the docs' first example works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_script_prints_every_store_row():
    env = {k: v for k, v in os.environ.items() if k != "L0_TEST_POSTGRES_DSN"}
    out = subprocess.run(
        [sys.executable, "-m", "l0._bench.eventsourcing", "--stores", "memory,file,sqlite", "--sizes", "300,600",
         "--repeat", "1", "--skip-overhead"], capture_output=True, text=True, check=True, cwd=ROOT, env=env,
    ).stdout
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["memory"], ["file"], ["sqlite"])]
    assert [(r[0], r[1]) for r in rows] == [(k, n) for k in ("memory", "file", "sqlite") for n in ("300", "600")]


def test_first_docs_example_runs(tmp_path: Path):
    text = (ROOT / "docs" / "eventsourcing.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout
    assert out.splitlines() == ["Hello world"] * 3
