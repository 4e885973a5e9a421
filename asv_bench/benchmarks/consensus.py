"""Consensus over N outputs (``l0/_bench/consensus.py`` builds the workloads).

``TimeConsensusText``: ``l0.consensus`` over N text outputs of L bytes (variants
of one answer); the pairwise similarity (RapidFuzz, C) dominates.
``TimeConsensusStructured``: N dicts with F fields, with a schema (field-level
agreement). ``TimeSimilarityMatrix``: the matrix alone, RapidFuzz against the
reference's ``difflib`` algorithm. Consensus does not use the kernels, so the
backend parameter only checks that both builds import it.
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .common import BACKENDS, LoopMixin, use_backend

_FILE = Path(__file__).resolve().parents[2] / "l0" / "_bench" / "consensus.py"


def _bench() -> ModuleType:
    name = "_l0_asv_consensus"
    mod = sys.modules.get(name)
    if mod is None:
        if not _FILE.exists():
            raise NotImplementedError(f"{_FILE} not found")
        spec = importlib.util.spec_from_file_location(name, _FILE)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


def _consensus(backend: str) -> ModuleType:
    l0 = use_backend(backend)
    try:
        import l0.consensus as consensus
    except ImportError as exc:
        raise NotImplementedError(f"l0.consensus not available: {exc}") from None
    del l0
    return consensus


class TimeConsensusText(LoopMixin):
    """``consensus`` over N text outputs of L bytes."""

    params = (BACKENDS, [5, 20], [2_048, 20_480])
    param_names = ["backend", "outputs", "bytes"]

    def setup(self, backend: str, outputs: int, size: int) -> None:
        self.mod = _consensus(backend)
        self.tasks = [_bench()._const(t) for t in _bench().text_outputs(outputs, size)]
        self._open_loop()

    def time_consensus(self, backend: str, outputs: int, size: int) -> None:
        self.loop.run_until_complete(self.mod.consensus(self.tasks))


class TimeConsensusStructured(LoopMixin):
    """``consensus`` with a schema over N dicts of F fields."""

    params = (BACKENDS, [5, 20], [50, 500])
    param_names = ["backend", "outputs", "fields"]

    def setup(self, backend: str, outputs: int, fields: int) -> None:
        self.mod = _consensus(backend)
        b = _bench()
        self.tasks = [b._const(d) for d in b.structured_outputs(outputs, fields)]
        self.schema = b._schema(fields)
        self._open_loop()

    def time_consensus(self, backend: str, outputs: int, fields: int) -> None:
        self.loop.run_until_complete(self.mod.consensus(self.tasks, schema=self.schema))


class TimeSimilarityMatrix:
    """The similarity matrix of 5 outputs of L bytes: RapidFuzz vs difflib (the reference's algorithm)."""

    params = (["rapidfuzz", "difflib"], [2_048, 20_480])
    param_names = ["library", "bytes"]

    def setup(self, library: str, size: int) -> None:
        self.texts = _bench().text_outputs(5, size)
        if library == "rapidfuzz":
            try:
                from l0.consensus._compare import similarity_matrix, text_similarity
            except ImportError as exc:
                raise NotImplementedError(str(exc)) from None
            self.run = lambda: similarity_matrix(self.texts, text_similarity)
        else:
            self.run = lambda: [difflib.SequenceMatcher(None, a, b).ratio()
                                for i, a in enumerate(self.texts) for b in self.texts[i + 1:]]

    def time_matrix(self, library: str, size: int) -> None:
        self.run()
