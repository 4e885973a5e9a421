"""Pure-Python twin of ``l0._speedups.sse``.

``SSEDecoder`` turns the bytes of a ``text/event-stream`` body, fed in chunks
split anywhere (inside a line, between ``\\r`` and ``\\n``, inside a UTF-8
sequence), into complete events, following the WHATWG event-stream rules:
lines end with ``\\n``, ``\\r\\n`` or ``\\r``; a blank line dispatches the event
being built if it has at least one ``data:`` line; several ``data:`` lines are
joined with ``\\n``; lines starting with ``:`` are comments; one space after the
colon is dropped; ``event:`` names the event, ``id:`` (without NUL) sets
``last_event_id``, ``retry:`` (ASCII digits only) sets ``retry``; unknown fields
are ignored; a UTF-8 byte-order mark before the first line is dropped; an event
not ended by a blank line when the body ends is not dispatched. Data stays
bytes (what a JSON parser takes), event names and ids are decoded as UTF-8.
Same results and exceptions as the compiled twin.
"""

from __future__ import annotations

import re

__all__ = ["SSEDecoder"]

_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"


def _as_bytes(chunk: object) -> bytes:
    if type(chunk) is bytes:
        return chunk  # type: ignore[return-value]
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"chunk must be bytes, bytearray or memoryview, got {type(chunk).__name__}")


class SSEDecoder:
    """Incremental ``text/event-stream`` decoder: bytes in, ``(event, data)`` tuples out.

    ``event`` is the ``event:`` name (``str``) or None when the event had none;
    ``data`` is the event's ``data:`` lines joined with ``\\n``, as ``bytes``.
    """

    __slots__ = ("_pending", "_skip_lf", "_first", "_data", "_event", "_last_event_id", "_retry")

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        self._skip_lf = False
        self._first = True
        self._data: list[bytes] = []
        self._event: str | None = None
        self._last_event_id = ""
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[tuple[str | None, bytes]]:
        """Decode the next piece of the body; return the events it completes, in order."""
        chunk = _as_bytes(chunk)
        out: list[tuple[str | None, bytes]] = []
        if not chunk:
            return out
        if self._skip_lf:
            # A "\r" ended the previous chunk: a "\n" starting this one belongs to it.
            self._skip_lf = False
            if chunk[0] == 10:
                chunk = chunk[1:]
                if not chunk:
                    return out
        parts = _LINE_END.split(chunk) if 13 in chunk else chunk.split(b"\n")
        last = len(parts) - 1
        if last == 0:
            self._pending.append(chunk)
            return out
        pending = self._pending
        for i in range(last):
            line = parts[i]
            if i == 0 and pending:
                pending.append(line)
                line = b"".join(pending)
                pending.clear()
            self._line(line, out)
        rest = parts[last]
        if rest:
            pending.append(rest)
        self._skip_lf = chunk[-1] == 13
        return out

    @property
    def last_event_id(self) -> str:
        """The last ``id:`` value seen (``""`` before any); it survives dispatch, as the spec says."""
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The last valid ``retry:`` value in milliseconds, or None."""
        return self._retry

    @property
    def pending(self) -> int:
        """Bytes of an unterminated line held for the next chunk."""
        return sum(len(p) for p in self._pending)

    def _line(self, line: bytes, out: list[tuple[str | None, bytes]]) -> None:
        if self._first:
            self._first = False
            if line.startswith(_BOM):
                line = line[3:]
        if not line:
            data = self._data
            if data:
                out.append((self._event, data[0] if len(data) == 1 else b"\n".join(data)))
                self._data = []
            self._event = None
            return
        if line[0] == 58:  # ":" starts a comment
            return
        colon = line.find(b":")
        if colon < 0:
            field, value = line, b""
        else:
            field = line[:colon]
            value = line[colon + 2:] if line[colon + 1:colon + 2] == b" " else line[colon + 1:]
        if field == b"data":
            self._data.append(value)
        elif field == b"event":
            self._event = value.decode("utf-8") or None
        elif field == b"id":
            if 0 not in value:
                self._last_event_id = value.decode("utf-8")
        elif field == b"retry":
            if value.isdigit():
                self._retry = int(value)
