"""The examples of docs/rate-limits.md run and print what they say (the Redis one needs a server)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rate-limits.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def examples() -> list[tuple[str, str]]:
    return [(f"rate-limits.md#{i}", code) for i, code in enumerate(BLOCK.findall(DOCS.read_text()))
            if "asyncio.run(" in code]


@pytest.mark.parametrize(("where", "code"), examples(), ids=[w for w, _ in examples()])
def test_example_runs_and_prints_what_it_says(where: str, code: str) -> None:
    env = dict(os.environ)
    if "RedisCoordinator(" in code:
        from .test_redis import need_redis

        env["REDIS_URL"] = need_redis()
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    expected = [m.group(1).strip() for m in re.finditer(r"print\(.*\)\s+#\s*(.*)", code)]
    assert expected
    for text in expected:
        assert text in run.stdout, (where, text, run.stdout)


def test_the_uncoordinated_program_really_collects_a_429_per_stream() -> None:
    """The doc's claim about the same program without ``rate_limit=True``."""
    code = BLOCK.findall(DOCS.read_text())[0].replace("rate_limit=True", "rate_limit=None")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "20 x 429" in run.stdout, run.stdout
