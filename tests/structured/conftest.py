"""Fixtures for the structured-output tests."""

from __future__ import annotations

import importlib
import os
import sys

import pytest

# test modules import the shared corpus (structured_corpus.py) by name
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(params=["cython", "python"], ids=["cython", "python"])
def twin(request, monkeypatch):
    """Point repair and partial parsing at one JsonStreamState twin.

    The suite also runs once per ``L0_BACKEND``; this fixture makes each run
    exercise both twins. The compiled leg errors when the extension is missing.
    """
    package = "l0._speedups" if request.param == "cython" else "l0._pure"
    cls = importlib.import_module(f"{package}.json_state").JsonStreamState
    import l0._repair
    import l0._structured._partial

    monkeypatch.setattr(l0._repair, "JsonStreamState", cls)
    monkeypatch.setattr(l0._structured._partial, "JsonStreamState", cls)
    return cls
