"""Compare model outputs: string similarity and structural differences (``Compare``).

The Levenshtein distance runs in RapidFuzz (C++, bit-parallel). Jaro matching is
done here in O(len(a) + len(b)) (one cursor per character; RapidFuzz's Jaro
halves transpositions with integer division, the documented formula does not).
Results equal the classic formulas (see docs/comparison.md).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from rapidfuzz.distance import Levenshtein as _Levenshtein

__all__ = [
    "DifferenceSeverity", "DifferenceType", "Difference", "StringComparisonOptions", "ObjectComparisonOptions",
    "compare_strings", "levenshtein_distance", "levenshtein_similarity", "jaro_winkler_similarity",
    "cosine_similarity", "compare_numbers", "get_type", "deep_equal", "compare_values", "compare_arrays",
    "compare_objects", "calculate_similarity_score", "count_fields", "Compare",
]

StringAlgorithm = Literal["levenshtein", "jaro-winkler", "cosine"]


class DifferenceSeverity(str, Enum):
    """How much a :class:`Difference` matters."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class DifferenceType(str, Enum):
    """What kind of :class:`Difference` was found."""

    MISSING = "missing"
    EXTRA = "extra"
    DIFFERENT = "different"
    TYPE_MISMATCH = "type-mismatch"


@dataclass
class Difference:
    """One difference between an expected and an actual value, at ``path`` (``a.b[0]``)."""

    path: str
    expected: Any
    actual: Any
    type: DifferenceType
    severity: DifferenceSeverity
    message: str
    similarity: float | None = None


@dataclass
class StringComparisonOptions:
    """Options of :func:`compare_strings`."""

    case_sensitive: bool = True
    normalize_whitespace: bool = True
    algorithm: StringAlgorithm = "levenshtein"


@dataclass
class ObjectComparisonOptions:
    """Options of :func:`compare_values`.

    ``custom_comparisons`` maps a path (``"user.name"``, ``"items[0]"``) to
    ``fn(expected, actual)`` returning a bool (False: an error) or a score
    (below 0.8: a warning).
    """

    style: Literal["strict", "lenient"] = "strict"
    ignore_extra_fields: bool = False
    ignore_array_order: bool = False
    numeric_tolerance: float = 0.001
    custom_comparisons: dict[str, Callable[[Any, Any], bool | float]] = field(default_factory=dict)


_WS = re.compile(r"\s+")


def _check_str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


# --- strings ------------------------------------------------------------------------------

def levenshtein_distance(a: str, b: str) -> int:
    """Edit distance with unit costs for insert, delete and substitute."""
    return _Levenshtein.distance(_check_str(a, "a"), _check_str(b, "b"))


def levenshtein_similarity(a: str, b: str) -> float:
    """``1 - distance / max(len(a), len(b))``; 1.0 for equal strings, 0.0 if one is empty."""
    _check_str(a, "a")
    _check_str(b, "b")
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return 1 - _Levenshtein.distance(a, b) / max(len(a), len(b))


def _common_prefix(a: str, b: str, limit: int = 4) -> int:
    n = 0
    for x, y in zip(a[:limit], b[:limit]):
        if x != y:
            break
        n += 1
    return n


def _jaro(a: str, b: str) -> float:
    """Jaro similarity with greedy matching in a window of ``max(len)//2 - 1``.

    Each character of ``a`` takes the first unmatched equal character of ``b``
    inside its window. The window's start only moves right, so the candidates of
    one character are consumed in order: a cursor per character replaces the
    O(window) scan of the textbook loop, with identical matches.
    """
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    positions: dict[str, list[int]] = {}
    for j, ch in enumerate(b):
        positions.setdefault(ch, []).append(j)
    cursor = dict.fromkeys(positions, 0)
    matched_b = bytearray(len(b))
    matched_a: list[str] = []
    last = len(b) - 1
    for i, ch in enumerate(a):
        where = positions.get(ch)
        if where is None:
            continue
        k = cursor[ch]
        low = i - window
        while k < len(where) and where[k] < low:
            k += 1
        if k < len(where) and where[k] <= i + window and where[k] <= last:
            matched_b[where[k]] = 1
            matched_a.append(ch)
            k += 1
        cursor[ch] = k
    m = len(matched_a)
    if m == 0:
        return 0.0
    in_b = [ch for ch, hit in zip(b, matched_b) if hit]
    half_t = sum(x != y for x, y in zip(matched_a, in_b)) / 2
    return (m / len(a) + m / len(b) + (m - half_t) / m) / 3


def jaro_winkler_similarity(a: str, b: str) -> float:
    """Jaro similarity plus ``prefix * 0.1 * (1 - jaro)`` for a common prefix of up to
    4 characters (applied at every Jaro value, as the reference does)."""
    _check_str(a, "a")
    _check_str(b, "b")
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    jaro = _jaro(a, b)
    if jaro == 0.0:
        return 0.0
    return jaro + _common_prefix(a, b) * 0.1 * (1 - jaro)


def cosine_similarity(a: str, b: str) -> float:
    """Cosine of the word-count vectors (lower-cased, split on whitespace)."""
    _check_str(a, "a")
    _check_str(b, "b")
    if a == b:
        return 1.0
    ca, cb = Counter(a.lower().split()), Counter(b.lower().split())
    if not ca or not cb:
        return 0.0
    dot = sum(n * cb[w] for w, n in ca.items() if w in cb)
    norm_a = math.sqrt(sum(n * n for n in ca.values()))
    norm_b = math.sqrt(sum(n * n for n in cb.values()))
    return dot / (norm_a * norm_b)


_ALGORITHMS: dict[str, Callable[[str, str], float]] = {
    "levenshtein": levenshtein_similarity,
    "jaro-winkler": jaro_winkler_similarity,
    "cosine": cosine_similarity,
}


def compare_strings(
    a: str,
    b: str,
    *,
    case_sensitive: bool = True,
    normalize_whitespace: bool = True,
    algorithm: StringAlgorithm = "levenshtein",
) -> float:
    """Similarity of ``a`` and ``b`` in [0, 1] (an unknown algorithm means levenshtein)."""
    _check_str(a, "a")
    _check_str(b, "b")
    if not case_sensitive:
        a, b = a.lower(), b.lower()
    if normalize_whitespace:
        a, b = _WS.sub(" ", a).strip(), _WS.sub(" ", b).strip()
    if a == b:
        return 1.0
    return _ALGORITHMS.get(algorithm, levenshtein_similarity)(a, b)


def compare_numbers(a: float, b: float, tolerance: float = 0.001) -> bool:
    """``abs(a - b) <= tolerance``."""
    return abs(a - b) <= tolerance


# --- structures ---------------------------------------------------------------------------

def get_type(value: Any) -> str:
    """JSON type name: null, boolean, number, string, array, object (else unknown)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def deep_equal(a: Any, b: Any) -> bool:
    """Structural equality of JSON-like values (``1 == 1.0``; lists by index, dicts by keys)."""
    if a is b:
        return True
    if a is None or b is None:
        return False
    if type(a) is not type(b):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a == b
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(deep_equal(v, b[k]) for k, v in a.items())
    return bool(a == b)


def _options(options: ObjectComparisonOptions | Mapping[str, Any] | None) -> ObjectComparisonOptions:
    if options is None:
        return ObjectComparisonOptions()
    if isinstance(options, ObjectComparisonOptions):
        return options
    if isinstance(options, Mapping):
        return ObjectComparisonOptions(**options)
    raise TypeError(f"options must be ObjectComparisonOptions, dict or None, got {type(options).__name__}")


_E, _W, _I = DifferenceSeverity.ERROR, DifferenceSeverity.WARNING, DifferenceSeverity.INFO
_DIFF = DifferenceType.DIFFERENT


def _custom(fn: Callable[[Any, Any], Any], expected: Any, actual: Any, path: str) -> list[Difference]:
    result = fn(expected, actual)
    if isinstance(result, bool):
        return [] if result else [Difference(path, expected, actual, _DIFF, _E, f"Custom comparison failed for {path}")]
    score = float(result)
    if score >= 0.8:
        return []
    return [Difference(path, expected, actual, _DIFF, _W, f"Custom comparison score too low: {score:.2f}", score)]


def compare_values(
    expected: Any, actual: Any, options: ObjectComparisonOptions | None = None, path: str = ""
) -> list[Difference]:
    """Differences between ``expected`` and ``actual`` (empty when they are equal)."""
    opts = _options(options)
    if deep_equal(expected, actual):
        return []
    custom = opts.custom_comparisons.get(path)
    if custom is not None:
        return _custom(custom, expected, actual, path)
    te, ta = get_type(expected), get_type(actual)
    if te != ta:
        return [Difference(path, expected, actual, DifferenceType.TYPE_MISMATCH, _E,
                           f"Type mismatch: expected {te}, got {ta}")]
    if te == "number":
        if compare_numbers(expected, actual, opts.numeric_tolerance):
            return []
        return [Difference(path, expected, actual, _DIFF, _E, f"Numbers differ: {expected} vs {actual}")]
    if te == "string":
        sim = compare_strings(expected, actual)
        if opts.style == "lenient" and sim >= 0.8:
            return [Difference(path, expected, actual, _DIFF, _W, f"Strings differ but similar ({sim:.0%})", sim)]
        return [Difference(path, expected, actual, _DIFF, _E, "Strings differ", sim)]
    if te == "boolean":
        return [Difference(path, expected, actual, _DIFF, _E, f"Boolean mismatch: {expected} vs {actual}")]
    if te == "array":
        return compare_arrays(expected, actual, opts, path)
    if te == "object":
        return compare_objects(expected, actual, opts, path)
    return [Difference(path, expected, actual, _DIFF, _E, "Values differ")]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def compare_arrays(
    a: list[Any], b: list[Any], options: ObjectComparisonOptions | None = None, path: str = ""
) -> list[Difference]:
    """Differences between two lists: by index, or as multisets with ``ignore_array_order``."""
    opts = _options(options)
    diffs: list[Difference] = []
    extra = _I if opts.ignore_extra_fields else _W
    if opts.ignore_array_order:
        # Multisets: a value expected twice and present once is still missing once.
        have = Counter(_key(x) for x in b)
        want = Counter(_key(x) for x in a)
        for item in a:
            k = _key(item)
            if have[k] > 0:
                have[k] -= 1
            else:
                diffs.append(Difference(f"{path}[]", item, None, DifferenceType.MISSING, _E,
                                        "Item missing in actual array"))
        for item in b:
            k = _key(item)
            if want[k] > 0:
                want[k] -= 1
            else:
                diffs.append(Difference(f"{path}[]", None, item, DifferenceType.EXTRA, extra,
                                        "Extra item in actual array"))
        return diffs
    for i in range(max(len(a), len(b))):
        item_path = f"{path}[{i}]"
        if i >= len(b):
            diffs.append(Difference(item_path, a[i], None, DifferenceType.MISSING, _E, f"Missing item at index {i}"))
        elif i >= len(a):
            diffs.append(Difference(item_path, None, b[i], DifferenceType.EXTRA, extra, f"Extra item at index {i}"))
        else:
            diffs.extend(compare_values(a[i], b[i], opts, item_path))
    return diffs


def compare_objects(
    expected: dict[str, Any], actual: dict[str, Any], options: ObjectComparisonOptions | None = None, path: str = ""
) -> list[Difference]:
    """Differences between two dicts: expected keys in order, then extra keys in order."""
    opts = _options(options)
    diffs: list[Difference] = []
    for key, value in expected.items():
        field_path = f"{path}.{key}" if path else str(key)
        if key not in actual:
            diffs.append(Difference(field_path, value, None, DifferenceType.MISSING, _E, f"Missing field: {key}"))
        else:
            diffs.extend(compare_values(value, actual[key], opts, field_path))
    if not opts.ignore_extra_fields:
        severity = _I if opts.style == "lenient" else _E
        for key, value in actual.items():
            if key not in expected:
                field_path = f"{path}.{key}" if path else str(key)
                diffs.append(Difference(field_path, None, value, DifferenceType.EXTRA, severity, f"Extra field: {key}"))
    return diffs


_WEIGHTS = {DifferenceSeverity.ERROR: 1.0, DifferenceSeverity.WARNING: 0.5, DifferenceSeverity.INFO: 0.1}


def calculate_similarity_score(differences: list[Difference], total_fields: int) -> float:
    """``max(0, 1 - weighted differences / total_fields)`` (error 1, warning 0.5, info 0.1)."""
    if total_fields == 0:
        return 1.0
    penalty = sum(_WEIGHTS.get(d.severity, 1.0) for d in differences)
    return max(0.0, 1 - penalty / total_fields)


def count_fields(value: Any) -> int:
    """Leaf-weighted size of a value: each object key counts 1 plus its value, list items
    count as themselves, scalars 1."""
    if isinstance(value, dict):
        return sum(1 + count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 1


class Compare:
    """Output comparison helpers (static methods)."""

    Difference = Difference
    DifferenceSeverity = DifferenceSeverity
    DifferenceType = DifferenceType
    StringComparisonOptions = StringComparisonOptions
    ObjectComparisonOptions = ObjectComparisonOptions

    strings = staticmethod(compare_strings)
    levenshtein_distance = staticmethod(levenshtein_distance)
    levenshtein = staticmethod(levenshtein_similarity)
    jaro_winkler = staticmethod(jaro_winkler_similarity)
    cosine = staticmethod(cosine_similarity)
    numbers = staticmethod(compare_numbers)
    deep_equal = staticmethod(deep_equal)
    values = staticmethod(compare_values)
    arrays = staticmethod(compare_arrays)
    objects = staticmethod(compare_objects)
    similarity_score = staticmethod(calculate_similarity_score)
    count_fields = staticmethod(count_fields)
    get_type = staticmethod(get_type)
