"""Every ``python`` block of the content-utility docs runs as written."""

from __future__ import annotations

import os
import importlib
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["formatting.md", "windows.md", "multimodal.md", "comparison.md"]
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def need(module: str):
    """Import an optional test dependency: skipped locally if missing, a failure under CI (dev extra installs it)."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


def _blocks() -> list[tuple[str, int, str]]:
    out = []
    for page in PAGES:
        for i, code in enumerate(_BLOCK.findall((DOCS / page).read_text())):
            out.append((page, i, code))
    return out


@pytest.mark.parametrize(("page", "index", "code"), _blocks(), ids=lambda v: str(v)[:20] if isinstance(v, str) else str(v))
def test_doc_example_runs(page: str, index: int, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    if "tokenizers" in code:
        need("tokenizers")
    exec(compile(code, f"{page}[{index}]", "exec"), {"__name__": "__doc_example__"})  # noqa: S102
