"""The examples of docs/parallel.md, docs/pool.md and docs/pipeline.md run and print what they say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def examples() -> list[tuple[str, str]]:
    out = []
    for name in ("parallel.md", "pool.md", "pipeline.md"):
        for i, code in enumerate(BLOCK.findall((DOCS / name).read_text())):
            if "asyncio.run(" in code:
                out.append((f"{name}#{i}", code))
    return out


@pytest.mark.parametrize(("where", "code"), examples(), ids=[w for w, _ in examples()])
def test_example_runs_and_prints_what_it_says(where: str, code: str) -> None:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    expected = [m.group(1).strip() for m in re.finditer(r"print\(.*\)\s+#\s*(.*)", code)]
    for text in expected:
        assert text in run.stdout, (where, text, run.stdout)
