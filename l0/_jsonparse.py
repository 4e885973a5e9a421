"""JSON parsing under the depth limit ``l0._limits.MAX_JSON_DEPTH``: never a ``RecursionError``."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

import orjson

from l0._limits import MAX_JSON_DEPTH

__all__ = ["JsonDepthError", "too_deep_at", "check_depth", "loads", "parses"]

_DEPTH_REASON = f"JSON nested deeper than {MAX_JSON_DEPTH} levels (l0's maximum JSON depth)"


class JsonDepthError(json.JSONDecodeError):
    """Text nested deeper than :data:`MAX_JSON_DEPTH` (a ``json.JSONDecodeError``, so a ``ValueError``).

    ``pos`` is the offset of the first ``[``/``{`` beyond the limit.
    """

    def __init__(self, doc: str, pos: int, msg: str = _DEPTH_REASON) -> None:
        super().__init__(msg, doc, pos)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.doc, self.pos, self.msg)


# A JSON string (possibly unclosed at the end of the text); what is left are the brackets.
_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"?')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_TOKEN = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"?|[\[{]|[\]}]')
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def too_deep_at(text: str) -> int:
    """Offset of the first ``[``/``{`` (outside strings) nested deeper than the limit, or -1.

    O(n) in C for all but the rare text that is too deep: fewer openers than the
    limit cannot nest that deep, and the running depth is an ``accumulate``.
    """
    if not isinstance(text, str) or text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return -1  # bytes and other input: json.loads decides (and raises for what it refuses)
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if max(accumulate(map(_STEP.__getitem__, brackets)), default=0) <= MAX_JSON_DEPTH:
        return -1
    depth = 0
    for m in _TOKEN.finditer(text):
        c = m.group()
        if c == "[" or c == "{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return m.start()
        elif c == "]" or c == "}":
            depth -= 1
    return -1  # pragma: no cover - the fast pass found one


def check_depth(text: str) -> None:
    """Raise :class:`JsonDepthError` if *text* nests deeper than :data:`MAX_JSON_DEPTH`."""
    at = too_deep_at(text)
    if at >= 0:
        raise JsonDepthError(text, at)


def loads(text: str) -> Any:
    """``json.loads(text)`` under the depth limit: a ``JsonDepthError`` instead of ``RecursionError``."""
    check_depth(text)
    try:
        return json.loads(text)
    except RecursionError:
        pass
    # Within the limit but deeper than this thread's Python stack allows: orjson does not recurse
    # in Python (it refuses NaN, lone surrogates and huge integers, which json would take).
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise JsonDepthError(text, 0, f"JSON nested too deeply for Python's recursion limit "
                                      f"(l0 accepts up to {MAX_JSON_DEPTH} levels)") from None


def parses(text: str) -> Any:
    """The value of JSON *text* with ``json.loads`` validity, orjson first (many times faster).

    Raises ``json.JSONDecodeError`` (a :class:`JsonDepthError` past the limit).
    orjson refuses exactly what nests deeper than :data:`MAX_JSON_DEPTH`, so
    text it accepts needs no depth check; json decides what orjson refuses but
    json accepts (NaN, lone surrogates, integers beyond 64 bits).
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return loads(text)
