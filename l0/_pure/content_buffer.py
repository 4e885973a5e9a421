"""Pure-Python twin of ``l0._speedups.content_buffer``.

The accumulated text of a stream. Tokens are kept as a list of strings with a
parallel list of end offsets; the joined text is cached and, after a change,
rebuilt from the last materialized prefix plus the tokens appended since. Same
public names, results and exceptions as the compiled twin.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from operator import index as _index
from typing import Any

__all__ = ["ContentBuffer"]


def _as_int(value: Any, name: str) -> int:
    if type(value) is int:
        return value
    try:
        return _index(value)
    except TypeError:
        raise TypeError(f"{name} must be int, got {type(value).__name__}") from None


def _non_negative(value: Any, name: str) -> int:
    n = _as_int(value, name)
    if n < 0:
        raise ValueError(f"{name} must be a non-negative int, got {n}")
    return n


def _char_width(token: str) -> int:
    top = ord(max(token))
    return 1 if top < 0x100 else 2 if top < 0x10000 else 4


class ContentBuffer:
    """Accumulated text of a stream: O(1) amortized ``append``, cached ``content``.

    ``capacity`` is an initial size hint in characters. ``width`` is the number of
    bytes per character the storage needs (1, 2 or 4, as CPython strings); it only
    grows, until ``clear()``.
    """

    # Invariants: _cache is None or the whole text; _base == "".join(_parts[:_base_tokens]).
    __slots__ = ("_parts", "_ends", "_len", "_cache", "_base", "_base_tokens", "_width")

    def __init__(self, capacity: int = 256) -> None:
        _non_negative(capacity, "capacity")
        self._parts: list[str] = []
        self._ends: list[int] = []
        self._len = 0
        self._cache: str | None = ""
        self._base = ""
        self._base_tokens = 0
        self._width = 1

    def append(self, token: str) -> None:
        """Append one token (any str, including ``""``, which still counts as a token)."""
        if type(token) is not str:
            if not isinstance(token, str):
                raise TypeError(f"token must be str, got {type(token).__name__}")
            token = str.__str__(token)
        if token:
            self._len += len(token)
            self._cache = None
            if self._width != 4 and not token.isascii():
                w = _char_width(token)
                if w > self._width:
                    self._width = w
        self._parts.append(token)
        self._ends.append(self._len)

    @property
    def content(self) -> str:
        """The whole text; O(n) only when it changed since the last read."""
        cache = self._cache
        if cache is None:
            parts = self._parts
            cache = self._cache = self._base + "".join(parts[self._base_tokens :])
            self._base = cache
            self._base_tokens = len(parts)
        return cache

    def __len__(self) -> int:
        return self._len

    @property
    def token_count(self) -> int:
        """Number of tokens appended (and kept by truncation)."""
        return len(self._ends)

    @property
    def width(self) -> int:
        """Bytes per character used by the storage: 1, 2 or 4."""
        return self._width

    @property
    def last_token(self) -> str:
        """Text of the last token (``""`` if there is none)."""
        return self._parts[-1] if self._parts else ""

    def _range(self, start: int, end: int) -> str:
        # Callers guarantee 0 <= start < end <= len.
        cache = self._cache
        if cache is not None:
            return cache[start:end]
        ends = self._ends
        i = bisect_right(ends, start)
        j = bisect_left(ends, end, i)
        first = ends[i - 1] if i else 0
        if i == j:
            return self._parts[i][start - first : end - first]
        return "".join(self._parts[i : j + 1])[start - first : end - first]

    def tail(self, k: int) -> str:
        """The last ``k`` characters (everything if ``k`` exceeds the length); O(k)."""
        k = _non_negative(k, "k")
        n = self._len
        if k >= n:
            return self.content
        if k == 0:
            return ""
        return self._range(n - k, n)

    def since(self, pos: int) -> str:
        """Text from character offset ``pos`` to the end (``""`` past the end); O(len - pos)."""
        pos = _non_negative(pos, "pos")
        n = self._len
        if pos >= n:
            return ""
        if pos == 0:
            return self.content
        return self._range(pos, n)

    def slice(self, start: int, end: int) -> str:
        """``content[start:end]`` (Python slice semantics) without building the whole text."""
        start = _as_int(start, "start")
        end = _as_int(end, "end")
        start, end, _ = slice(start, end).indices(self._len)
        if start >= end:
            return ""
        return self._range(start, end)

    def token_end(self, i: int) -> int:
        """End character offset of token ``i`` (negative ``i`` counts from the last)."""
        i = _as_int(i, "i")
        n = len(self._ends)
        if i < -n or i >= n:
            raise IndexError(f"token index {i} out of range for {n} tokens")
        return self._ends[i]

    def truncate(self, length: int) -> None:
        """Keep the first ``length`` characters.

        Tokens entirely beyond are dropped, a straddling token is cut; tokens
        ending at or before ``length`` (including empty ones) are kept.
        """
        length = _non_negative(length, "length")
        if length >= self._len:
            return
        ends = self._ends
        keep = bisect_right(ends, length)
        first = ends[keep - 1] if keep else 0
        intact = keep
        if first < length:
            self._parts[keep] = self._parts[keep][: length - first]
            ends[keep] = length
            keep += 1
        del self._parts[keep:]
        del ends[keep:]
        self._len = length
        self._after_cut(length, intact)

    def truncate_tokens(self, n: int) -> None:
        """Keep the first ``n`` tokens."""
        n = _non_negative(n, "n")
        if n >= len(self._ends):
            return
        length = self._ends[n - 1] if n else 0
        del self._parts[n:]
        del self._ends[n:]
        self._len = length
        self._after_cut(length, n)

    def _after_cut(self, length: int, intact: int) -> None:
        # ``intact``: how many leading tokens are unchanged by the cut.
        if self._cache is not None:
            self._cache = self._base = self._cache[:length]
            self._base_tokens = len(self._parts)
        elif self._base_tokens > intact:
            self._base = ""
            self._base_tokens = 0

    def clear(self) -> None:
        """Drop all text and tokens; the width goes back to 1."""
        self._parts.clear()
        self._ends.clear()
        self._len = 0
        self._cache = ""
        self._base = ""
        self._base_tokens = 0
        self._width = 1

    def __reduce__(self) -> tuple:
        return (_restore, (self.content, list(self._ends), self._width))

    def __repr__(self) -> str:
        return f"ContentBuffer(len={self._len}, token_count={len(self._ends)}, width={self._width})"


def _restore(text: str, ends: list[int], width: int) -> ContentBuffer:
    """Unpickling helper: rebuild a buffer from its text, token ends and width."""
    buf = ContentBuffer(len(text))
    start = 0
    for end in ends:
        buf.append(text[start:end])
        start = end
    buf._width = max(buf._width, width)
    return buf
