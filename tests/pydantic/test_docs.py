"""The examples of ``docs/pydantic.md`` run and print what the page says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "pydantic.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


def expected(block: str) -> list[str]:
    """The ``# -> text`` after each print call: what the page claims it prints."""
    return [m.group(1).strip() for m in re.finditer(r"print\(.*\)\s+# -> (.+)", block)]


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) == 4


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index: int) -> None:
    block = BLOCKS[index]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, f"docs/pydantic.md[{index}]", "exec"), {"__name__": "__doc_example__"})  # noqa: S102
    printed = out.getvalue().splitlines()
    claims = expected(block)
    assert claims and len(printed) == len(claims), printed
    assert printed == claims
