"""The examples of ``docs/consensus.md`` run and print what the page says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "consensus.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


def expected_lines(block: str) -> list[str]:
    """The ``# comment`` after each print call: what the page claims it prints (first token)."""
    return [m.group(1).split()[0] for m in re.finditer(r"print\(.*\)\s+# (.+)", block)]


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs one example (retry backoff skipped: the fault-server example retries a cut stream)."""
    import asyncio

    from l0.runtime import _runner

    async def no_wait(delay: float) -> None:
        await asyncio.sleep(0)

    monkeypatch.setattr(_runner, "sleep", no_wait)
    block = BLOCKS[index]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, f"docs/consensus.md[{index}]", "exec"), {"__name__": "__doc_example__"})  # noqa: S102
    printed = out.getvalue()
    for token in expected_lines(block):
        assert token.strip("'\"") in printed, (token, printed)


def test_there_are_examples() -> None:
    assert len(BLOCKS) >= 5
