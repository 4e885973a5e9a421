"""Import contract of the backend selector, checked in fresh subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, l0, l0._backend as b
names = {n: getattr(getattr(b, n), "__module__", None) for n in b.__all__}
print(json.dumps({"backend": l0.__backend__, "selector": b.BACKEND, "names": names}))
"""

KERNEL_NAMES = ("ContentBuffer", "JsonStreamState", "EntropyRing", "shannon_entropy", "Handoff", "hot_iterate",
                "SSEDecoder")


def run_probe(backend: str | None, code: str = PROBE) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with ``L0_BACKEND`` set (or unset when None)."""
    env = {k: v for k, v in os.environ.items() if k != "L0_BACKEND"}
    if backend is not None:
        env["L0_BACKEND"] = backend
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def probe(backend: str | None) -> dict:
    """The backend and kernel modules a fresh ``import l0`` reports."""
    proc = run_probe(backend)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    ("env", "expected"),
    [(None, "cython"), ("auto", "cython"), ("cython", "cython"), ("python", "python"), (" Python ", "python")],
    ids=["unset", "auto", "cython", "python", "python-mixed-case"],
)
def test_backend_selection_exposes_every_public_name(env, expected):
    report = probe(env)
    assert report["backend"] == report["selector"] == expected
    package = "l0._speedups" if expected == "cython" else "l0._pure"
    names = report["names"]
    assert set(KERNEL_NAMES) <= set(names)
    for name in KERNEL_NAMES:
        assert names[name].startswith(package + "."), (name, names[name])


@pytest.mark.parametrize("bogus", ["bogus", "cpython", "pure"])
def test_bad_backend_value_names_the_variable_and_choices(bogus):
    proc = run_probe(bogus, "import l0")
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ValueError:"), proc.stderr
    for needle in ("L0_BACKEND", repr(bogus), "auto", "cython", "python"):
        assert needle in last, (needle, last)



def _params(obj: object) -> list[tuple[str, object]]:
    """Parameter names and defaults of a callable (annotations ignored)."""
    import inspect

    return [(p.name, p.default) for p in inspect.signature(obj).parameters.values()]


def _doc(obj: object) -> str:
    """Docstring without Cython's embedded signature line, dedented."""
    import inspect

    doc = obj.__doc__ or ""
    head, sep, rest = doc.partition("\n\n")
    if sep and "(" in head and head.split("(")[0].split(".")[-1] == getattr(obj, "__name__", None):
        doc = rest
    return inspect.cleandoc(doc)


@pytest.mark.parametrize("name", ["ContentBuffer", "EntropyRing", "shannon_entropy", "SSEDecoder"])
def test_twins_share_public_names_and_docstrings(twins, name):
    compiled, pure = getattr(twins[0], name), getattr(twins[1], name)
    assert _doc(compiled) == _doc(pure) != ""
    if not isinstance(pure, type):
        assert _params(compiled) == _params(pure)
        return
    public_c = {n for n in dir(compiled) if not n.startswith("_")}
    public_p = {n for n in dir(pure) if not n.startswith("_")}
    assert public_c == public_p
    for attr in sorted(public_c):
        c_attr, p_attr = getattr(compiled, attr), getattr(pure, attr)
        assert _doc(c_attr) == _doc(p_attr) != "", attr
        if callable(p_attr):
            assert _params(c_attr) == _params(p_attr), attr
