"""Comparing outputs: stable reprs, similarity (RapidFuzz), greedy grouping, field paths.

Text similarity is the normalised Indel similarity ``2 * LCS(a, b) / (len(a) +
len(b))`` (1.0 for two empty strings), computed by RapidFuzz in C with a
bit-parallel LCS: O(len(a) * len(b) / 64) instead of difflib's quadratic
Python loop. Every comparison of a run is computed once, into the similarity
matrix, and grouping reads that matrix.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from rapidfuzz.distance import Indel

__all__ = [
    "model_dump",
    "normalise",
    "stable_repr",
    "comparison_text",
    "text_similarity",
    "structural_similarity",
    "similarity_matrix",
    "group_by_similarity",
    "flatten",
    "unflatten",
    "severity",
]

text_similarity: Callable[[str, str], float] = Indel.normalized_similarity


def model_dump(value: Any) -> Any:
    # A value can only be a pydantic model if pydantic is imported: no import cost otherwise.
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump()
    return value


_SCALARS = (str, int, float, bool, type(None))


def normalise(value: Any) -> Any:
    """A copy with pydantic models dumped and dict keys sorted (recursively)."""
    t = type(value)
    if t in _SCALARS:
        return value
    if t is not dict and t is not list and t is not tuple:
        value = model_dump(value)
    if isinstance(value, dict):
        try:
            keys = sorted(value)
        except TypeError:  # keys of mixed types
            keys = sorted(value, key=repr)
        return {k: normalise(value[k]) for k in keys}
    if isinstance(value, list):
        return [v if type(v) in _SCALARS else normalise(v) for v in value]
    if isinstance(value, tuple):
        return tuple(normalise(v) for v in value)
    return value


def stable_repr(value: Any) -> str:
    """``repr`` of :func:`normalise`: equal for values that are equal up to key order."""
    if type(value) in _SCALARS:
        return repr(value)
    return repr(normalise(value))


def comparison_text(value: Any) -> str:
    """What text similarity compares: a string itself, anything else by its stable repr."""
    return value if isinstance(value, str) else stable_repr(value)


def _number_similarity(a: float, b: float) -> float:
    if a == b:
        return 1.0
    if math.isnan(a) or math.isnan(b):
        return 0.0
    scale = max(abs(a), abs(b))
    if math.isinf(scale):
        return 0.0
    return max(0.0, 1.0 - abs(a - b) / scale)


def structural_similarity(a: Any, b: Any) -> float:
    """Similarity in [0, 1] of two values, compared by structure (see ``docs/consensus.md``)."""
    if a is b:
        return 1.0
    if a is None or b is None:
        return 0.0
    a, b = model_dump(a), model_dump(b)
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return _number_similarity(a, b)
    if type(a) is not type(b):
        return 0.0
    if isinstance(a, str):
        return 1.0 if a == b else text_similarity(a, b)
    if isinstance(a, list):
        longest = max(len(a), len(b))
        if longest == 0:
            return 1.0
        return sum(structural_similarity(x, y) for x, y in zip(a, b)) / longest
    if isinstance(a, dict):
        keys = a.keys() | b.keys()
        if not keys:
            return 1.0
        return sum(structural_similarity(a[k], b[k]) for k in a.keys() & b.keys()) / len(keys)
    return 1.0 if stable_repr(a) == stable_repr(b) else 0.0


def similarity_matrix(items: Sequence[Any], pair: Callable[[Any, Any], float]) -> list[list[float]]:
    """The symmetric n x n matrix of ``pair`` over ``items``; the diagonal is 1.0.

    Each unordered pair is compared once; equal items are not compared at all.
    """
    n = len(items)
    matrix = [[1.0] * n for _ in range(n)]
    for i in range(n):
        row, a = matrix[i], items[i]
        for j in range(i + 1, n):
            b = items[j]
            s = 1.0 if a == b else float(pair(a, b))
            row[j] = s
            matrix[j][i] = s
    return matrix


def group_by_similarity(matrix: list[list[float]], threshold: float) -> list[list[int]]:
    """Greedy groups: each ungrouped position seeds a group and takes every later
    ungrouped position whose similarity to the seed is at least ``threshold``."""
    n = len(matrix)
    grouped = [False] * n
    groups: list[list[int]] = []
    for i in range(n):
        if grouped[i]:
            continue
        grouped[i] = True
        group, row = [i], matrix[i]
        for j in range(i + 1, n):
            if not grouped[j] and row[j] >= threshold:
                grouped[j] = True
                group.append(j)
        groups.append(group)
    return groups


def _walk(data: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any, bool]]:
    for key, value in data.items():
        if value is None:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        nested = isinstance(value, dict) and bool(value)
        yield path, value, not nested
        if nested:
            yield from _walk(value, path)


def flatten(data: Any, leaves_only: bool = False) -> dict[str, Any]:
    """Dotted paths of a (nested) dict in depth-first order, parents before children.

    ``None`` values are skipped, lists and empty dicts are leaves. With
    ``leaves_only`` the intermediate dicts are left out.
    """
    data = model_dump(data)
    if not isinstance(data, dict):
        return {}
    return {p: v for p, v, leaf in _walk(data, "") if leaf or not leaves_only}


def unflatten(leaves: dict[str, Any]) -> dict[str, Any]:
    """Rebuild a nested dict from dotted leaf paths (the inverse of ``flatten(leaves_only=True)``)."""
    out: dict[str, Any] = {}
    for path, value in leaves.items():
        *parents, last = path.split(".")
        node = out
        for key in parents:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[last] = value
    return out


def severity(ratio: float) -> str:
    """Disagreement severity from the winning share: minor, moderate, major or critical."""
    if ratio >= 0.8:
        return "minor"
    if ratio >= 0.6:
        return "moderate"
    if ratio >= 0.4:
        return "major"
    return "critical"
