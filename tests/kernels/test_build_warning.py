"""A build that meant to compile the kernels but whose kernels do not load warns at ``import l0``.

pip hides the build's output, so this warning is where a user learns that the
compile failed. Each case runs a copy of the package (without any compiled
module) in a fresh interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import l0

ROOT = Path(l0.__file__).resolve().parent.parent
_NOT_SOURCE = shutil.ignore_patterns("*.so", "*.pyd", "*.c", "__pycache__", "_build_info.py")


@pytest.fixture(scope="module")
def pure_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source tree (``setup.py``, ``pyproject.toml``, ``l0/``) with no compiled kernels."""
    root = tmp_path_factory.mktemp("tree")
    shutil.copytree(ROOT / "l0", root / "l0", ignore=_NOT_SOURCE)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, root / name)
    return root


def _marker(tree: Path, expected: bool | None) -> None:
    path = tree / "l0" / "_build_info.py"
    if expected is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(f"EXTENSIONS_EXPECTED = {expected!r}\n")


def _import_l0(tree: Path, backend: str | None) -> subprocess.CompletedProcess[str]:
    """``import l0`` from ``tree`` in a fresh interpreter, warnings shown as by default."""
    env = {k: v for k, v in os.environ.items() if k not in ("L0_BACKEND", "PYTHONWARNINGS")}
    env["PYTHONPATH"] = str(tree)
    if backend is not None:
        env["L0_BACKEND"] = backend
    # Drop the editable install's import hook: only the copy may be imported.
    code = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in repr(f)]; "
            "import l0; print(l0.__backend__, l0.__file__)")
    return subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_missing_kernels_of_a_compiling_build_warn_once(pure_tree: Path) -> None:
    _marker(pure_tree, True)
    proc = _import_l0(pure_tree, None)
    assert proc.returncode == 0, proc.stderr
    backend, where = proc.stdout.split()
    assert backend == "python"
    assert Path(where).resolve().is_relative_to(pure_tree.resolve())
    lines = [line for line in proc.stderr.splitlines() if "PerformanceWarning" in line]
    assert len(lines) == 1, proc.stderr
    for needle in ("compiled kernels", "pure-Python backend", "L0_REQUIRE_EXTENSIONS=1", "L0_BACKEND=python"):
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize(("expected", "backend"), [
    (True, "python"),   # the documented way to silence it
    (False, None),      # L0_NO_EXTENSIONS=1 build: pure on purpose
    (None, None),       # a source checkout that was never built
])
def test_no_warning_when_pure_is_intended(pure_tree: Path, expected: bool | None, backend: str | None) -> None:
    _marker(pure_tree, expected)
    proc = _import_l0(pure_tree, backend)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "python"
    assert "Warning" not in proc.stderr, proc.stderr


def test_warning_category_is_public() -> None:
    assert issubclass(l0.PerformanceWarning, RuntimeWarning)
    assert "PerformanceWarning" in l0.__all__


def test_this_install_loads_without_warning() -> None:
    """The suite's own install compiled the kernels: importing it is silent in auto mode."""
    env = {k: v for k, v in os.environ.items() if k not in ("L0_BACKEND", "PYTHONWARNINGS")}
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", "import l0; print(l0.__backend__)"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "cython"


@pytest.mark.parametrize(("env", "expected"), [({"L0_NO_EXTENSIONS": "1"}, False), ({}, True)],
                         ids=["no-extensions", "default"])
def test_setup_records_whether_it_compiles(pure_tree: Path, env: dict[str, str], expected: bool) -> None:
    """``setup.py`` writes the marker on every build (``L0_EXTENSIONS`` limits it to no kernel: fast)."""
    _marker(pure_tree, None)
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("L0_")}
    run_env.update(env, L0_EXTENSIONS="no-such-kernel")
    proc = subprocess.run([sys.executable, "setup.py", "-q", "--name"], cwd=pure_tree, env=run_env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    marker = (pure_tree / "l0" / "_build_info.py").read_text()
    assert f"EXTENSIONS_EXPECTED = {expected!r}" in marker
