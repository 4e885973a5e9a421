"""Content utilities: chunking documents by each strategy, comparing strings.

Pure Python on both backends (no kernel): the ``backend`` parameter is kept so
the cells line up with the rest of the suite. Document sizes 1 MB and 10 MB show
that chunking is linear; string sizes 2 KB and 100 KB the cost of similarity.
"""

from __future__ import annotations

from .common import BACKENDS, Tuned, use_backend

MB = 1_000_000
STRATEGIES = {"token": (2000, 200), "char": (8000, 800), "paragraph": (2000, 200), "sentence": (2000, 200)}


_DOCS: dict[int, str] = {}


def _document(size: int) -> str:
    """Prose with sentences and paragraphs (cached: the 10 MB one takes seconds to build)."""
    if size not in _DOCS:
        _DOCS[size] = _build(size)
    return _DOCS[size]


def _build(size: int) -> str:
    import random

    rng = random.Random(3)
    words = ["the", "model", "stream", "token", "retry", "window", "chunk", "output", "of", "and", "a", "text"]
    parts, total = [], 0
    while total < size:
        s = " ".join(rng.choice(words) for _ in range(rng.randint(6, 18))).capitalize() + rng.choice([". ", "! ", "? "])
        if rng.random() < 0.15:
            s += "\n\n"
        parts.append(s)
        total += len(s)
    return "".join(parts)[:size]


class TimeChunkDocument(Tuned):
    """``chunk_document`` on 1 MB and 10 MB of prose: O(n) for every strategy."""

    params = (BACKENDS, list(STRATEGIES), [1 * MB, 10 * MB])
    param_names = ["backend", "strategy", "chars"]

    def setup(self, backend: str, strategy: str, chars: int) -> None:
        use_backend(backend)
        try:
            from l0.window import WindowConfig, chunk_document
        except ImportError as exc:
            raise NotImplementedError(str(exc)) from None
        size, overlap = STRATEGIES[strategy]
        self.chunk = chunk_document
        self.config = WindowConfig(size=size, overlap=overlap, strategy=strategy)
        self.doc = _document(chars)

    def time_chunk_document(self, backend: str, strategy: str, chars: int) -> None:
        self.chunk(self.doc, self.config)


class TimeCompareStrings(Tuned):
    """``compare_strings`` on two similar texts of 2 KB and 100 KB."""

    params = (BACKENDS, ["levenshtein", "jaro-winkler", "cosine"], [2_000, 100_000])
    param_names = ["backend", "algorithm", "chars"]

    def setup(self, backend: str, algorithm: str, chars: int) -> None:
        use_backend(backend)
        try:
            from l0.comparison import compare_strings
        except ImportError as exc:
            raise NotImplementedError(str(exc)) from None
        import random

        rng = random.Random(5)
        self.a = _document(chars)
        words = self.a.split(" ")
        self.b = " ".join(w if rng.random() < 0.8 else rng.choice(words) for w in words)[:chars]
        self.compare = compare_strings
        self.algorithm = algorithm

    def time_compare_strings(self, backend: str, algorithm: str, chars: int) -> None:
        self.compare(self.a, self.b, algorithm=self.algorithm)


class TrackChunkCoverage:
    """Correctness canary: chunks of a 1 MB document must tile it (0 = all good)."""

    unit = "errors"

    def setup(self) -> None:
        try:
            from l0.window import WindowConfig, chunk_document, merge_chunks
        except ImportError as exc:
            raise NotImplementedError(str(exc)) from None
        self.doc = _document(MB)
        self.chunk, self.merge, self.config = chunk_document, merge_chunks, WindowConfig

    def track_chunks_tile_the_document(self) -> int:
        errors = 0
        for strategy, (size, overlap) in STRATEGIES.items():
            chunks = self.chunk(self.doc, self.config(size=size, overlap=overlap, strategy=strategy))
            errors += self.merge(chunks) != self.doc
        return errors
