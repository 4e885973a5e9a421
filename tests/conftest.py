"""Shared fixtures.

The whole suite runs once per backend (``L0_BACKEND=cython`` and
``L0_BACKEND=python``, see ``make test``). On top of that, kernel tests use the
``kernels`` fixture, parametrized over both twins in one process, and the
``twins`` fixture for differential tests. The compiled leg errors, never skips,
when the extension is missing.
"""

from __future__ import annotations

import importlib
import os
from types import SimpleNamespace

import pytest

KERNEL_MODULES = {
    "ContentBuffer": "content_buffer",
    "JsonStreamState": "json_state",
    "EntropyRing": "entropy",
    "shannon_entropy": "entropy",
    "Handoff": "hotloop",
    "hot_iterate": "hotloop",
    "WindowScan": "drift",
    "SSEDecoder": "sse",
}


def load_kernels(backend: str) -> SimpleNamespace:
    """Import every kernel of one backend (``"cython"`` or ``"python"``).

    Tests may import the twins directly (library code goes through
    ``l0._backend``). A missing compiled module raises ``ImportError``.
    """
    package = "l0._speedups" if backend == "cython" else "l0._pure"
    ns = SimpleNamespace(name=backend)
    for attr, module in KERNEL_MODULES.items():
        setattr(ns, attr, getattr(importlib.import_module(f"{package}.{module}"), attr))
    return ns


@pytest.fixture(scope="session", params=["cython", "python"], ids=["cython", "python"])
def kernels(request) -> SimpleNamespace:
    """The kernel classes of one backend; the compiled leg fails if not built."""
    return load_kernels(request.param)


@pytest.fixture(scope="session")
def twins() -> tuple[SimpleNamespace, SimpleNamespace]:
    """``(compiled, pure)`` kernel namespaces for differential tests."""
    return load_kernels("cython"), load_kernels("python")


@pytest.fixture(scope="session", autouse=True)
def _backend_matches_request() -> None:
    """A leg run with ``L0_BACKEND=cython`` must really run the compiled kernels."""
    import l0

    requested = os.environ.get("L0_BACKEND", "auto")
    if requested in ("cython", "python"):
        assert l0.__backend__ == requested
