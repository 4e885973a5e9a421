"""The top-level namespace: every public name resolves, lazily, on both backends."""

from __future__ import annotations

import subprocess
import sys

import pytest

import l0


@pytest.mark.parametrize("name", [n for n in l0.__all__])
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(l0, name) is not None


def test_run_alias_is_the_same_object() -> None:
    assert l0.l0 is l0.run


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        l0.no_such_name  # noqa: B018


def test_import_is_lazy() -> None:
    """``import l0`` must not import the runtime or pydantic-heavy modules."""
    code = "import sys, l0; print(sorted(m for m in sys.modules if m.startswith('l0.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)  # noqa: S307 - our own subprocess output
    assert "l0.runtime" not in loaded
    assert "l0._structured" not in loaded


def test_run_forwards_every_parameter_of_the_runtime() -> None:
    """``l0.run`` spells out ``_internal_run``'s parameters; they must not drift apart."""
    import inspect

    from l0.runtime import _internal_run

    outer = inspect.signature(l0.run).parameters
    inner = inspect.signature(_internal_run).parameters
    assert list(outer) == list(inner)
    assert {k: p.default for k, p in outer.items()} == {k: p.default for k, p in inner.items()}
