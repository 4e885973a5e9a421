"""Compiled EntropyRing and shannon_entropy.

``EntropyRing`` keeps the last ``capacity`` float64 values in a numpy array with
O(1) push, mean and population std: Welford updates for adding and replacing a
value, plus an exact (compensated two-pass) recompute every ``capacity``
replacements (so the rounding error of the running update never accumulates
past one window) and whenever the running sum of squares collapses far below
its recent peak (a regime change whose cancellation would otherwise swamp the
small variance). ``shannon_entropy`` is the entropy in bits of a string's
code-point distribution. Pure twin: ``l0._pure.entropy`` (same operation order).
"""

from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND
from libc.math cimport fabs, isfinite, log2, sqrt
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport qsort
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np
from numbers import Real
from operator import index as _index

cnp.import_array()

__all__ = ["MAX_CAPACITY", "EntropyRing", "shannon_entropy"]

cdef extern from *:
    int __builtin_ctzll(unsigned long long x) nogil

cdef double _COLLAPSE = 1e-9
MAX_CAPACITY = 2**31 - 1


cdef Py_ssize_t _capacity(object value) except -1:
    if type(value) is not int:
        try:
            value = _index(value)
        except TypeError:
            raise TypeError(f"capacity must be int, got {type(value).__name__}") from None
    if value < 1:
        raise ValueError(f"capacity must be a positive int, got {value}")
    if value > MAX_CAPACITY:
        raise ValueError(f"capacity must be at most {MAX_CAPACITY}, got {value}")
    return value


cdef double _as_float(object value) except? -1.0:
    cdef double x
    if type(value) is float:
        x = PyFloat_AS_DOUBLE(value)
    elif isinstance(value, (int, float)) or isinstance(value, Real):
        try:
            x = float(value)
        except OverflowError:
            raise ValueError("value must be finite, got a number too large for float64") from None
    else:
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    if not isfinite(x):
        raise ValueError(f"value must be finite, got {x!r}")
    return x


cdef double _compensated_sum(const double* v, Py_ssize_t n) noexcept nogil:
    cdef double s = 0.0, c = 0.0, t, x
    cdef Py_ssize_t i
    for i in range(n):
        x = v[i]
        t = s + x
        if fabs(s) >= fabs(x):
            c += (s - t) + x
        else:
            c += (x - t) + s
        s = t
    return s + c


cdef double _compensated_sq_dev(const double* v, Py_ssize_t n, double mean) noexcept nogil:
    cdef double s = 0.0, c = 0.0, t, x, d
    cdef Py_ssize_t i
    for i in range(n):
        d = v[i] - mean
        x = d * d
        t = s + x
        if s >= x:
            c += (s - t) + x
        else:
            c += (x - t) + s
        s = t
    return s + c


cdef class EntropyRing:
    """Fixed-capacity ring of float64 values with O(1) ``push``/``mean``/``std``."""

    # Attributes in entropy.pxd. Invariants: _buf[0:_n] holds the values when not
    # full; when full, the oldest value is at _head. _arr (len _alloc) grows while
    # filling, so memory follows count rather than capacity. _mean/_m2 are the Welford
    # state of the held values; _replaced counts running replacements since the last
    # exact recompute.

    def __cinit__(self, capacity):
        self._cap = _capacity(capacity)
        self._set_array(np.zeros(min(self._cap, 64), dtype=np.float64))
        self._head = 0
        self._n = 0
        self._replaced = 0
        self._mean = 0.0
        self._m2 = 0.0
        self._peak = 0.0

    cdef void _set_array(self, object arr) noexcept:
        self._arr = arr
        self._buf = <double*>cnp.PyArray_DATA(<cnp.ndarray>arr)
        self._alloc = cnp.PyArray_DIM(<cnp.ndarray>arr, 0)

    cdef int _grow(self) except -1:
        cdef Py_ssize_t size = self._alloc * 2
        arr = np.zeros(size if size < self._cap else self._cap, dtype=np.float64)
        memcpy(cnp.PyArray_DATA(<cnp.ndarray>arr), self._buf, self._n * sizeof(double))
        self._set_array(arr)
        return 0

    def push(self, value):
        """Add a finite number, evicting the oldest one when the ring is full."""
        self.add(_as_float(value))

    cdef double spread(self) noexcept:
        """``std()`` for C callers."""
        if self._n == 0 or not self._m2 > 0.0:
            return 0.0
        return sqrt(self._m2 / self._n)

    cdef int add(self, double x) except -1:
        """``push()`` of a finite float, for C callers."""
        cdef double old, d, mean, new_mean, m2
        cdef Py_ssize_t n = self._n
        if n < self._cap:
            if self._head == self._alloc:
                self._grow()
            self._buf[self._head] = x
            n += 1
            self._n = n
            d = x - self._mean
            self._mean += d / n
            self._m2 += d * (x - self._mean)
            self._peak = self._m2
        else:
            old = self._buf[self._head]
            self._buf[self._head] = x
            d = x - old
            mean = self._mean
            new_mean = mean + d / n
            m2 = self._m2 + d * ((x - new_mean) + (old - mean))
            self._m2 = m2
            self._mean = new_mean
            self._replaced += 1
            if m2 > self._peak:
                self._peak = m2
            # A collapse of m2 far below its recent peak means the running update
            # lost its digits to cancellation: recompute exactly.
            if self._replaced >= n or m2 < self._peak * _COLLAPSE:
                self._mean = _compensated_sum(self._buf, n) / n
                self._m2 = self._peak = _compensated_sq_dev(self._buf, n, self._mean)
                self._replaced = 0
        self._head += 1
        if self._head == self._cap:
            self._head = 0
        return 0

    @property
    def count(self):
        """Number of values held (at most ``capacity``)."""
        return self._n

    @property
    def capacity(self):
        """Maximum number of values held."""
        return self._cap

    def mean(self):
        """Mean of the held values (0.0 when empty)."""
        return self._mean if self._n else 0.0

    def std(self):
        """Population standard deviation of the held values (0.0 when empty)."""
        return self.spread()

    def last(self):
        """The most recently pushed value; IndexError when empty."""
        if self._n == 0:
            raise IndexError("last() on an empty EntropyRing")
        return self._buf[(self._head if self._head else self._cap) - 1]

    def values(self):
        """The held values, oldest first."""
        if self._n < self._cap:
            return self._arr[: self._n].tolist()
        return np.concatenate((self._arr[self._head :], self._arr[: self._head])).tolist()

    def clear(self):
        """Remove every value."""
        self._head = 0
        self._n = 0
        self._replaced = 0
        self._mean = 0.0
        self._m2 = 0.0
        self._peak = 0.0

    def __len__(self):
        return self._n

    def __reduce__(self):
        state = (self._arr[: self._n].tolist(), self._head, self._n, self._mean, self._m2, self._peak, self._replaced)
        return (_restore, (self._cap, state))

    def __repr__(self):
        return f"EntropyRing(capacity={self._cap}, count={self._n})"


def _restore(capacity, state):
    """Unpickling helper: a ring with exactly the saved internal state."""
    cdef EntropyRing ring = EntropyRing(capacity)
    buf, ring._head, ring._n, ring._mean, ring._m2, ring._peak, ring._replaced = state
    if len(buf) > ring._alloc:
        ring._set_array(np.zeros(len(buf), dtype=np.float64))
    ring._arr[: len(buf)] = buf
    return ring


cdef struct _Slot:
    uint32_t key
    Py_ssize_t count


cdef int _cmp_slot(const void* a, const void* b) noexcept nogil:
    cdef uint32_t x = (<const _Slot*>a).key, y = (<const _Slot*>b).key
    return (x > y) - (x < y)


cdef enum:
    LOG2_TABLE = 4096

cdef double _LOG2[LOG2_TABLE]  # log2(c) for the counts of short texts (c >= 1)
cdef int _t
for _t in range(1, LOG2_TABLE):
    _LOG2[_t] = log2(<double>_t)


cdef inline double _term(Py_ssize_t c, double n, double log2n) noexcept nogil:
    """``-p * log2(p)`` for ``p = c / n``, as ``(c / n) * (log2(n) - log2(c))`` (a table lookup, no log)."""
    return (c / n) * (log2n - (_LOG2[c] if c < LOG2_TABLE else log2(<double>c)))


cdef inline Py_ssize_t _slot(uint32_t cp, Py_ssize_t mask) noexcept nogil:
    # Multiplicative hash folded so the low bits depend on every bit of the code point.
    cdef uint32_t h = cp * <uint32_t>0x9E3779B1u
    return (h ^ (h >> 15)) & mask


cdef double _wide_entropy(const void* data, int kind, Py_ssize_t n, Py_ssize_t* low) except? -1.0:
    # Code points >= 256 go to a small open-addressing table (linear probing,
    # load <= 1/2, key 0 never occurs there so 0 marks an empty slot).
    cdef Py_ssize_t size = 64, used = 0, i, j, k, mask
    cdef _Slot* table = <_Slot*>PyMem_Malloc(size * sizeof(_Slot))
    cdef _Slot* bigger
    cdef uint32_t cp
    cdef double h = 0.0, dn = <double>n, log2n = log2(dn)
    if table == NULL:
        raise MemoryError()
    try:
        memset(table, 0, size * sizeof(_Slot))
        for i in range(n):
            cp = (<const uint16_t*>data)[i] if kind == 2 else (<const uint32_t*>data)[i]
            if cp < 256:
                low[cp] += 1
                continue
            mask = size - 1
            j = _slot(cp, mask)
            while table[j].key != 0 and table[j].key != cp:
                j = (j + 1) & mask
            if table[j].key == cp:
                table[j].count += 1
                continue
            table[j].key = cp
            table[j].count = 1
            used += 1
            if used * 2 > size:
                bigger = <_Slot*>PyMem_Malloc(size * 2 * sizeof(_Slot))
                if bigger == NULL:
                    raise MemoryError()
                memset(bigger, 0, size * 2 * sizeof(_Slot))
                mask = size * 2 - 1
                for j in range(size):
                    if table[j].key != 0:
                        cp = table[j].key
                        k = _slot(cp, mask)
                        while bigger[k].key != 0:
                            k = (k + 1) & mask
                        bigger[k] = table[j]
                PyMem_Free(table)
                table = bigger
                size *= 2
        for i in range(256):
            if low[i]:
                h += _term(low[i], dn, log2n)
        # Compact the used slots, then add their terms in code-point order, as the pure twin does.
        j = 0
        for i in range(size):
            if table[i].key != 0:
                table[j] = table[i]
                j += 1
        qsort(table, j, sizeof(_Slot), _cmp_slot)
        for i in range(j):
            h += _term(table[i].count, dn, log2n)
        return h
    finally:
        PyMem_Free(table)


def shannon_entropy(text):
    """Shannon entropy in bits of the distribution of code points in ``text`` ("" -> 0.0)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    return text_entropy(<str>text)


cdef double text_entropy(str text) except -1.0:
    """``shannon_entropy`` for C callers."""
    cdef Py_ssize_t n = len(text)
    if n == 0:
        return 0.0
    cdef Py_ssize_t low[256]
    cdef Py_ssize_t i
    cdef uint64_t seen[4]
    cdef uint8_t ch
    cdef int kind = PyUnicode_KIND(text)
    cdef const uint8_t* s1
    memset(low, 0, sizeof(low))
    if kind != 1:
        return _wide_entropy(PyUnicode_DATA(text), kind, n, low)
    s1 = <const uint8_t*>PyUnicode_DATA(text)
    seen[0] = seen[1] = seen[2] = seen[3] = 0
    for i in range(n):
        ch = s1[i]
        low[ch] += 1
        seen[ch >> 6] |= (<uint64_t>1) << (ch & 63)
    return counts_entropy(low, seen, n)


cdef double counts_entropy(const Py_ssize_t* counts, const uint64_t* seen, Py_ssize_t n) noexcept nogil:
    """``shannon_entropy`` of a Latin-1 text of ``n`` characters from its counts (``seen``: 256 bits)."""
    cdef double h = 0.0, dn = <double>n, log2n = log2(dn)
    cdef uint64_t bits
    cdef Py_ssize_t i
    cdef int w
    for w in range(4):  # the characters seen, in code-point order
        bits = seen[w]
        while bits:
            i = (w << 6) + __builtin_ctzll(bits)
            bits &= bits - 1
            h += _term(counts[i], dn, log2n)
    return h
