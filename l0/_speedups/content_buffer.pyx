"""Compiled ContentBuffer: the accumulated text of a stream.

Characters live in one growing numpy buffer whose element width follows
CPython's own string kinds (uint8 while the text is Latin-1, widened to uint16
or uint32 only when a wider character arrives); per-token end offsets live in
a numpy int64 array. Pure twin: ``l0._pure.content_buffer``.
"""

from cpython.unicode cimport PyUnicode_DATA, PyUnicode_FromKindAndData, PyUnicode_KIND
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t
from libc.string cimport memcpy

cimport numpy as cnp
import numpy as np
from operator import index as _index

cnp.import_array()

__all__ = ["ContentBuffer"]

cdef Py_ssize_t _MIN_CAP = 64
# An absurd capacity hint must not allocate gigabytes up front.
cdef Py_ssize_t _MAX_HINT = 1 << 24
cdef Py_ssize_t _SSIZE_MAX = <Py_ssize_t>((<size_t>-1) >> 1)

# numpy type numbers by bytes per element; allocation goes through the C API
# (PyArray_EMPTY), several times cheaper than np.empty for a fresh buffer.
cdef int[5] _TYPENUMS = [0, cnp.NPY_UINT8, cnp.NPY_UINT16, 0, cnp.NPY_UINT32]


cdef object _empty(Py_ssize_t n, int typenum):
    cdef cnp.npy_intp dims = n
    return cnp.PyArray_EMPTY(1, &dims, typenum, 0)


cdef object _as_int(object value, str name):
    if type(value) is int:
        return value
    try:
        return _index(value)
    except TypeError:
        raise TypeError(f"{name} must be int, got {type(value).__name__}") from None


cdef Py_ssize_t _non_negative(object value, str name) except -1:
    cdef object n = _as_int(value, name)
    if n < 0:
        raise ValueError(f"{name} must be a non-negative int, got {n}")
    if n > _SSIZE_MAX:
        return _SSIZE_MAX
    return n


cdef Py_ssize_t _clamp(object value, Py_ssize_t n) except? -1:
    # Python slice semantics for one bound, step 1.
    if value < 0:
        value = value + n
        if value < 0:
            return 0
        return value
    if value > n:
        return n
    return value


cdef inline Py_ssize_t _bisect_right(const int64_t* a, Py_ssize_t n, int64_t x) noexcept nogil:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


cdef class ContentBuffer:
    """Accumulated text of a stream: O(1) amortized ``append``, cached ``content``.

    ``capacity`` is an initial size hint in characters. ``width`` is the number of
    bytes per character the storage needs (1, 2 or 4, as CPython strings); it only
    grows, until ``clear()``.
    """

    # Invariants: _data points into _buf (width bytes per element, _cap elements);
    # _ends[0:_ntok] is non-decreasing with _ends[_ntok-1] == _len; _cache is
    # either None or exactly the text of _data[0:_len].
    cdef object _buf
    cdef char* _data
    cdef Py_ssize_t _len
    cdef Py_ssize_t _cap
    cdef int _width
    cdef object _ends_arr
    cdef int64_t* _ends
    cdef Py_ssize_t _ntok
    cdef Py_ssize_t _ends_cap
    cdef object _cache

    def __cinit__(self, capacity=256):
        cdef Py_ssize_t cap = _non_negative(capacity, "capacity")
        if cap > _MAX_HINT:
            cap = _MAX_HINT
        if cap < _MIN_CAP:
            cap = _MIN_CAP
        self._width = 1
        self._set_buffer(_empty(cap, cnp.NPY_UINT8))
        self._len = 0
        self._set_ends(_empty(cap // 4 + 16, cnp.NPY_INT64))
        self._ntok = 0
        self._cache = ""

    cdef void _set_buffer(self, object arr) noexcept:
        self._buf = arr
        self._data = <char*>cnp.PyArray_DATA(<cnp.ndarray>arr)
        self._cap = cnp.PyArray_DIM(<cnp.ndarray>arr, 0)

    cdef void _set_ends(self, object arr) noexcept:
        self._ends_arr = arr
        self._ends = <int64_t*>cnp.PyArray_DATA(<cnp.ndarray>arr)
        self._ends_cap = cnp.PyArray_DIM(<cnp.ndarray>arr, 0)

    cdef Py_ssize_t _grown(self, Py_ssize_t need) noexcept:
        cdef Py_ssize_t cap = self._cap + (self._cap >> 1) + _MIN_CAP
        return need if need > cap else cap

    cdef int _grow(self, Py_ssize_t need) except -1:
        arr = _empty(self._grown(need), _TYPENUMS[self._width])
        memcpy(cnp.PyArray_DATA(<cnp.ndarray>arr), self._data, self._len * self._width)
        self._set_buffer(arr)
        return 0

    cdef int _widen(self, int width, Py_ssize_t need) except -1:
        cdef Py_ssize_t cap = self._grown(need) if need > self._cap else self._cap
        arr = _empty(cap, _TYPENUMS[width])
        arr[: self._len] = self._buf[: self._len]
        self._width = width
        self._set_buffer(arr)
        return 0

    cdef int _push_end(self) except -1:
        if self._ntok == self._ends_cap:
            arr = _empty(self._ends_cap * 2, cnp.NPY_INT64)
            memcpy(cnp.PyArray_DATA(<cnp.ndarray>arr), self._ends, self._ntok * sizeof(int64_t))
            self._set_ends(arr)
        self._ends[self._ntok] = self._len
        self._ntok += 1
        return 0

    def append(self, token):
        """Append one token (any str, including ``""``, which still counts as a token)."""
        if not isinstance(token, str):
            raise TypeError(f"token must be str, got {type(token).__name__}")
        cdef Py_ssize_t m = len(<str>token)
        cdef Py_ssize_t i, need
        cdef int kind, width
        cdef const uint8_t* s1
        cdef const uint16_t* s2
        cdef uint16_t* d2
        cdef uint32_t* d4
        if m:
            kind = PyUnicode_KIND(token)
            need = self._len + m
            if kind > self._width:
                self._widen(kind, need)
            elif need > self._cap:
                self._grow(need)
            width = self._width
            if kind == width:
                memcpy(self._data + self._len * width, PyUnicode_DATA(token), m * width)
            elif width == 2:
                s1 = <const uint8_t*>PyUnicode_DATA(token)
                d2 = (<uint16_t*>self._data) + self._len
                for i in range(m):
                    d2[i] = s1[i]
            elif kind == 1:
                s1 = <const uint8_t*>PyUnicode_DATA(token)
                d4 = (<uint32_t*>self._data) + self._len
                for i in range(m):
                    d4[i] = s1[i]
            else:
                s2 = <const uint16_t*>PyUnicode_DATA(token)
                d4 = (<uint32_t*>self._data) + self._len
                for i in range(m):
                    d4[i] = s2[i]
            self._len = need
            self._cache = None
        self._push_end()

    cdef str _range(self, Py_ssize_t start, Py_ssize_t end):
        # Callers guarantee 0 <= start <= end <= _len.
        if self._cache is not None:
            return (<str>self._cache)[start:end]
        return PyUnicode_FromKindAndData(self._width, self._data + start * self._width, end - start)

    @property
    def content(self):
        """The whole text; O(n) only when it changed since the last read."""
        if self._cache is None:
            self._cache = PyUnicode_FromKindAndData(self._width, self._data, self._len)
        return self._cache

    def __len__(self):
        return self._len

    @property
    def token_count(self):
        """Number of tokens appended (and kept by truncation)."""
        return self._ntok

    @property
    def width(self):
        """Bytes per character used by the storage: 1, 2 or 4."""
        return self._width

    @property
    def last_token(self):
        """Text of the last token (``""`` if there is none)."""
        cdef Py_ssize_t n = self._ntok
        if n == 0:
            return ""
        return self._range(self._ends[n - 2] if n > 1 else 0, self._ends[n - 1])

    def tail(self, k):
        """The last ``k`` characters (everything if ``k`` exceeds the length); O(k)."""
        cdef Py_ssize_t kk = _non_negative(k, "k")
        cdef Py_ssize_t n = self._len
        if kk >= n:
            return self.content
        return self._range(n - kk, n)

    def since(self, pos):
        """Text from character offset ``pos`` to the end (``""`` past the end); O(len - pos)."""
        cdef Py_ssize_t p = _non_negative(pos, "pos")
        cdef Py_ssize_t n = self._len
        if p >= n:
            return ""
        if p == 0:
            return self.content
        return self._range(p, n)

    def slice(self, start, end):
        """``content[start:end]`` (Python slice semantics) without building the whole text."""
        cdef object a = _as_int(start, "start")
        cdef object b = _as_int(end, "end")
        cdef Py_ssize_t lo = _clamp(a, self._len)
        cdef Py_ssize_t hi = _clamp(b, self._len)
        if lo >= hi:
            return ""
        return self._range(lo, hi)

    def token_end(self, i):
        """End character offset of token ``i`` (negative ``i`` counts from the last)."""
        cdef object idx = _as_int(i, "i")
        cdef Py_ssize_t n = self._ntok
        if idx < -n or idx >= n:
            raise IndexError(f"token index {idx} out of range for {n} tokens")
        cdef Py_ssize_t j = idx
        if j < 0:
            j += n
        return self._ends[j]

    def truncate(self, length):
        """Keep the first ``length`` characters.

        Tokens entirely beyond are dropped, a straddling token is cut; tokens
        ending at or before ``length`` (including empty ones) are kept.
        """
        cdef Py_ssize_t cut = _non_negative(length, "length")
        if cut >= self._len:
            return
        cdef Py_ssize_t keep = _bisect_right(self._ends, self._ntok, cut)
        cdef Py_ssize_t first = self._ends[keep - 1] if keep else 0
        if first < cut:
            self._ends[keep] = cut
            keep += 1
        self._ntok = keep
        if self._cache is not None:
            self._cache = (<str>self._cache)[:cut]
        self._len = cut

    def truncate_tokens(self, n):
        """Keep the first ``n`` tokens."""
        cdef Py_ssize_t keep = _non_negative(n, "n")
        if keep >= self._ntok:
            return
        cdef Py_ssize_t cut = self._ends[keep - 1] if keep else 0
        self._ntok = keep
        if cut != self._len:
            if self._cache is not None:
                self._cache = (<str>self._cache)[:cut]
            self._len = cut

    def clear(self):
        """Drop all text and tokens; the width goes back to 1."""
        if self._width != 1:
            self._width = 1
            self._set_buffer(_empty(self._cap, cnp.NPY_UINT8))
        self._len = 0
        self._ntok = 0
        self._cache = ""

    def __reduce__(self):
        return (_restore, (self.content, self._ends_arr[: self._ntok].tolist(), self._width))

    def __repr__(self):
        return f"ContentBuffer(len={self._len}, token_count={self._ntok}, width={self._width})"


def _restore(text, ends, width):
    """Unpickling helper: rebuild a buffer from its text, token ends and width."""
    cdef ContentBuffer buf = ContentBuffer(len(text))
    cdef Py_ssize_t start = 0
    for end in ends:
        buf.append(text[start:end])
        start = end
    if width > buf._width:
        buf._widen(width, buf._len)
    return buf
