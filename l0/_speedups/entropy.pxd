# C-level interface of the compiled EntropyRing, for other kernels (``cimport``).

from libc.stdint cimport uint64_t

cdef class EntropyRing:
    cdef object _arr
    cdef double* _buf
    cdef Py_ssize_t _cap
    cdef Py_ssize_t _alloc
    cdef Py_ssize_t _head
    cdef Py_ssize_t _n
    cdef Py_ssize_t _replaced
    cdef double _mean
    cdef double _m2
    cdef double _peak

    cdef void _set_array(self, object arr) noexcept
    cdef int _grow(self) except -1
    cdef int add(self, double x) except -1
    cdef double spread(self) noexcept


cdef double text_entropy(str text) except -1.0

cdef double counts_entropy(const Py_ssize_t* counts, const uint64_t* seen, Py_ssize_t n) noexcept nogil
