"""Compiled ``SSEDecoder``.

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
Pure twin: ``l0._pure.sse`` (same results and exceptions).
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.string cimport memchr, memcmp

__all__ = ["SSEDecoder"]


cdef bytes _as_bytes(object chunk):
    if type(chunk) is bytes:
        return <bytes>chunk
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"chunk must be bytes, bytearray or memoryview, got {type(chunk).__name__}")


cdef class SSEDecoder:
    """Incremental ``text/event-stream`` decoder: bytes in, ``(event, data)`` tuples out.

    ``event`` is the ``event:`` name (``str``) or None when the event had none;
    ``data`` is the event's ``data:`` lines joined with ``\\n``, as ``bytes``.
    """

    cdef list _pending
    cdef bint _skip_lf
    cdef bint _first
    cdef list _data
    cdef object _event
    cdef str _last_event_id
    cdef object _retry

    def __init__(self):
        self._pending = []
        self._skip_lf = False
        self._first = True
        self._data = []
        self._event = None
        self._last_event_id = ""
        self._retry = None

    def feed(self, chunk):
        """Decode the next piece of the body; return the events it completes, in order."""
        cdef bytes buf = _as_bytes(chunk)
        cdef const char* p = PyBytes_AS_STRING(buf)
        cdef Py_ssize_t n = PyBytes_GET_SIZE(buf)
        cdef Py_ssize_t i = 0, start
        cdef char c
        cdef bytes line
        cdef list out = []
        if n == 0:
            return out
        if self._skip_lf:
            # A "\r" ended the previous chunk: a "\n" starting this one belongs to it.
            self._skip_lf = False
            if p[0] == b'\n':
                i = 1
        start = i
        while i < n:
            c = p[i]
            if c != b'\n' and c != b'\r':
                i += 1
                continue
            if self._pending:
                self._pending.append(PyBytes_FromStringAndSize(p + start, i - start))
                line = b"".join(self._pending)
                self._pending = []
                self._line(PyBytes_AS_STRING(line), PyBytes_GET_SIZE(line), out)
            else:
                self._line(p + start, i - start, out)
            if c == b'\r':
                if i + 1 < n:
                    if p[i + 1] == b'\n':
                        i += 1
                else:
                    self._skip_lf = True
            i += 1
            start = i
        if start < n:
            self._pending.append(PyBytes_FromStringAndSize(p + start, n - start))
        return out

    @property
    def last_event_id(self):
        """The last ``id:`` value seen (``""`` before any); it survives dispatch, as the spec says."""
        return self._last_event_id

    @property
    def retry(self):
        """The last valid ``retry:`` value in milliseconds, or None."""
        return self._retry

    @property
    def pending(self):
        """Bytes of an unterminated line held for the next chunk."""
        cdef Py_ssize_t total = 0
        for piece in self._pending:
            total += len(piece)
        return total

    cdef int _line(self, const char* s, Py_ssize_t m, list out) except -1:
        cdef const char* colon
        cdef Py_ssize_t flen, vstart, k
        cdef bytes value
        cdef list data
        if self._first:
            self._first = False
            if m >= 3 and memcmp(s, b"\xef\xbb\xbf", 3) == 0:
                s += 3
                m -= 3
        if m == 0:
            data = self._data
            if data:
                out.append((self._event, data[0] if len(data) == 1 else b"\n".join(data)))
                self._data = []
            self._event = None
            return 0
        if s[0] == b':':  # a comment
            return 0
        colon = <const char*>memchr(s, b':', m)
        if colon == NULL:
            flen = m
            vstart = m
        else:
            flen = colon - s
            vstart = flen + 1
            if vstart < m and s[vstart] == b' ':
                vstart += 1
        if flen == 4 and memcmp(s, b"data", 4) == 0:
            self._data.append(PyBytes_FromStringAndSize(s + vstart, m - vstart))
        elif flen == 5 and memcmp(s, b"event", 5) == 0:
            self._event = PyBytes_FromStringAndSize(s + vstart, m - vstart).decode("utf-8") or None
        elif flen == 2 and memcmp(s, b"id", 2) == 0:
            if memchr(s + vstart, 0, m - vstart) == NULL:
                self._last_event_id = PyBytes_FromStringAndSize(s + vstart, m - vstart).decode("utf-8")
        elif flen == 5 and memcmp(s, b"retry", 5) == 0:
            if vstart == m:
                return 0
            for k in range(vstart, m):
                if s[k] < b'0' or s[k] > b'9':
                    return 0
            self._retry = int(PyBytes_FromStringAndSize(s + vstart, m - vstart))
        return 0
