"""The content utilities load lazily: ``import l0`` imports none of them, each name resolves."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

NAMES = {
    "l0.format": ["Format"],
    "l0.window": ["Window", "DocumentWindow", "DocumentChunk", "WindowConfig", "WindowStats", "ChunkProcessConfig",
                  "ChunkResult", "ChunkingStrategy", "ProcessingStats", "ContextRestorationOptions",
                  "ContextRestorationStrategy"],
    "l0.multimodal": ["Multimodal"],
    "l0.comparison": ["Compare", "Difference", "DifferenceSeverity", "DifferenceType", "StringComparisonOptions",
                      "ObjectComparisonOptions"],
    "l0.normalize": ["Text", "NormalizeOptions", "WhitespaceOptions"],
}
MODULES = ["l0.format", "l0.formatting", "l0.window", "l0.multimodal", "l0.comparison", "l0.normalize"]


def _run(code: str) -> str:
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout


def test_import_l0_imports_no_content_module() -> None:
    loaded = _run("import sys, l0; print(' '.join(sorted(sys.modules)))").split()
    assert [m for m in MODULES if m in loaded] == []
    assert "rapidfuzz" not in loaded and "tiktoken" not in loaded and "tokenizers" not in loaded


@pytest.mark.parametrize("module", sorted(NAMES))
def test_each_name_loads_only_its_module(module: str) -> None:
    names = NAMES[module]
    code = (f"import sys, l0; objs = [getattr(l0, n) for n in {names!r}]; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('l0.'))))")
    loaded = _run(code).split()
    assert module in loaded
    assert [m for m in MODULES if m in loaded and m != module and not (module == "l0.format" and m == "l0.formatting")] == []


def test_names_are_in_all_and_dir() -> None:
    import l0

    for names in NAMES.values():
        for name in names:
            assert name in l0.__all__ and name in dir(l0)
