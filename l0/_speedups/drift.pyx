"""Compiled twin of the drift window scan (``WindowScan``): one drift check in O(new text).

Same class, arguments and masks as the pure twin (``l0._pure.drift``, whose
docstring describes them); both give the results of
``l0._drift_text.window_bits`` on the window, compared with the previous
check's. This twin reads only the text appended since the previous check: it
keeps the lower-cased code points and character classes (whitespace as
``str.split``/``str.strip`` and ``\\s`` see it, word characters as ``\\w``)
of the current window and, as content offsets, the complete words (with their
hashes), sentence marks, tone words, the latest meta phrase and Markdown
character; phrases and sentences are counted through hashes, every hash match
confirmed character by character.

A window holding U+0130 or U+03A3 (whose ``str.lower()`` is not a
per-character mapping) or a non-ASCII character that ``re.IGNORECASE``
equates with an ASCII letter (U+0131, U+017F, U+212A, U+212B) is evaluated
by ``window_bits`` itself.

One file above the ~600-line guideline on purpose: the character tables, the
repetition helpers and ``WindowScan`` share ``cdef`` structs and inline
functions that Cython can only inline within one module.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.string cimport memmove, memset

from l0._drift_text import FORMAL_WORDS, INFORMAL_WORDS, META_PHRASES, window_bits
from l0._speedups.entropy cimport EntropyRing, counts_entropy, text_entropy

__all__ = ["TAIL", "META", "TONE", "REPETITION", "META_COMMENTARY", "TONE_SHIFT", "REPETITION_FOUND",
           "ENTROPY_SPIKE", "MARKDOWN_COLLAPSE", "WindowScan"]

cdef extern from *:
    int __builtin_ctzll(unsigned long long x) nogil

cdef enum:
    C_TAIL = 200
    C_META = 1
    C_TONE = 2
    C_REPETITION = 4
    # Bits of WindowScan.scan()'s mask, in the order DriftDetector lists the types.
    M_META = 1
    M_TONE = 2
    M_REPETITION = 4
    M_ENTROPY = 8
    M_MARKDOWN = 16

TAIL = C_TAIL
META = C_META
TONE = C_TONE
REPETITION = C_REPETITION
META_COMMENTARY = M_META
TONE_SHIFT = M_TONE
REPETITION_FOUND = M_REPETITION
ENTROPY_SPIKE = M_ENTROPY
MARKDOWN_COLLAPSE = M_MARKDOWN

cdef extern from "Python.h":
    uint32_t PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil
    bint Py_UNICODE_ISSPACE(uint32_t ch) nogil
    bint Py_UNICODE_ISALNUM(uint32_t ch) nogil
    uint32_t Py_UNICODE_TOLOWER(uint32_t ch) nogil

cdef enum:
    SPACE = 1
    WORD = 2
    MAX_PHRASE = 32
    N_META = 10
    N_TONE = 13

# Class and lower case of the Latin-1 range (str.lower() maps each of these to one character).
cdef uint8_t _CLASS[256]
cdef uint32_t _LOWER[256]
cdef int _c
for _c in range(256):
    _CLASS[_c] = (SPACE if chr(_c).isspace() else 0) | (WORD if chr(_c).isalnum() or _c == 95 else 0)
    _LOWER[_c] = ord(chr(_c).lower())

# Meta phrases (lower case, ASCII) and tone words, as code point arrays.
cdef uint32_t _meta[N_META][MAX_PHRASE]
cdef Py_ssize_t _meta_len[N_META]
cdef uint32_t _tone[N_TONE][MAX_PHRASE]
cdef Py_ssize_t _tone_len[N_TONE]
cdef int _k, _j
for _k, _p in enumerate(META_PHRASES):
    _meta_len[_k] = len(_p)
    for _j, _ch in enumerate(_p):
        _meta[_k][_j] = ord(_ch)
for _k, _p in enumerate(FORMAL_WORDS + INFORMAL_WORDS):
    _tone_len[_k] = len(_p)
    for _j, _ch in enumerate(_p):
        _tone[_k][_j] = ord(_ch)


cdef inline bint _special(uint32_t ch) nogil:
    return ch == 0x130 or ch == 0x3A3 or ch == 0x131 or ch == 0x17F or ch == 0x212A or ch == 0x212B


cdef struct Scan:
    uint32_t* low     # lower-cased code points
    uint8_t* cls     # SPACE / WORD bits
    Py_ssize_t n


cdef bint _same(Scan* s, Py_ssize_t a, Py_ssize_t b, Py_ssize_t length) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(length):
        if s.low[a + k] != s.low[b + k]:
            return False
    return True


cdef inline uint32_t _key(const uint32_t* t, Py_ssize_t p, Py_ssize_t n) noexcept nogil:
    """Up to four characters from ``p`` packed 7 bits each (0 past the end; verified on a hit)."""
    cdef uint32_t k = t[p] & 0x7F
    if p + 1 < n:
        k |= (t[p + 1] & 0x7F) << 7
    if p + 2 < n:
        k |= (t[p + 2] & 0x7F) << 14
    if p + 3 < n:
        k |= (t[p + 3] & 0x7F) << 21
    return k


cdef inline uint32_t _slot(uint32_t key) noexcept nogil:
    return (key * 2654435761U) >> 20  # 12 bits


cdef int _markdown(Scan* s, Py_ssize_t start) nogil:
    """``l0._drift_text.markdown_count``: fences, headings at line starts, **bold** and [links](...) in the tail."""
    cdef Py_ssize_t n = s.n, p, q, r, run
    cdef uint32_t* t = s.low
    cdef int count = 0
    # ``` (non-overlapping)
    p = start
    while p + 2 < n:
        if t[p] == 96 and t[p + 1] == 96 and t[p + 2] == 96:
            count += 1
            p += 3
        else:
            p += 1
    # ^#{1,6}\s with MULTILINE
    p = start
    while p < n:
        if t[p] == 35 and (p == start or t[p - 1] == 10):
            run = 0
            while p + run < n and t[p + run] == 35:
                run += 1
            if run <= 6 and p + run < n and (s.cls[p + run] & SPACE):
                count += 1
            p += run
        else:
            p += 1
    # \*\*.*?\*\*
    p = start
    while p + 1 < n:
        if t[p] == 42 and t[p + 1] == 42:
            q = p + 2
            while q + 1 < n and t[q] != 10 and not (t[q] == 42 and t[q + 1] == 42):
                q += 1
            if q + 1 < n and t[q] == 42 and t[q + 1] == 42:
                count += 1
                p = q + 2
                continue
        p += 1
    # \[.*?\]\(.*?\)
    p = start
    while p < n:
        if t[p] == 91:
            q = p + 1
            while q + 1 < n and t[q] != 10 and not (t[q] == 93 and t[q + 1] == 40):
                q += 1
            if q + 1 < n and t[q] == 93 and t[q + 1] == 40:
                r = q + 2
                while r < n and t[r] != 10 and t[r] != 41:
                    r += 1
                if r < n and t[r] == 41:
                    count += 1
                    p = r + 1
                    continue
        p += 1
    return count


cdef inline uint64_t _word_hash(const uint32_t* t, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef uint64_t h = 0
    cdef Py_ssize_t k
    for k in range(a, b):
        h = ((h << 7) | (h >> 57)) ^ t[k]
    return h * 0x9E3779B97F4A7C15ULL


cdef Py_ssize_t _table_size(Py_ssize_t words) noexcept nogil:
    cdef Py_ssize_t size = 16
    while size < 2 * words:
        size *= 2
    return size


cdef bint _sentences_repeat(Scan* s, const Py_ssize_t* first, const Py_ssize_t* length, Py_ssize_t count,
                            int threshold) noexcept nogil:
    """Whether one of the ``count`` sentences (offsets into ``s``) occurs ``threshold`` times (lower-cased)."""
    cdef Py_ssize_t i, j, best
    for i in range(count):
        best = 1
        for j in range(i + 1, count):
            if length[j] == length[i] and _same(s, first[i], first[j], length[i]):
                best += 1
        if best >= threshold:
            return True
    return False


cdef bint _phrases_repeat(Scan* s, const Py_ssize_t* first, const Py_ssize_t* length, uint64_t* hashes,
                          Py_ssize_t nw, int threshold, Py_ssize_t* table, Py_ssize_t* tcount) noexcept nogil:
    """Whether a 5-word phrase of the ``nw`` words occurs ``threshold`` times.

    ``hashes`` (the words' hashes) is overwritten; ``table``/``tcount`` hold
    ``_table_size(nw)`` entries.
    """
    cdef Py_ssize_t ng = nw - 4, size, i, j, slot
    cdef uint64_t h
    if ng < 1:
        return False
    if threshold <= 1:
        return True
    size = _table_size(nw)
    memset(table, 0xFF, size * sizeof(Py_ssize_t))
    for i in range(ng):
        # In place: hashes[i] becomes the phrase's hash (words i..i+4; i+1.. are still word hashes).
        # Word hashes are mixed already: independent multiplies (no serial chain), collisions are checked.
        h = (hashes[i] * 0x9E3779B97F4A7C15ULL + hashes[i + 1] * 0xC2B2AE3D27D4EB4FULL
             + hashes[i + 2] * 0x165667B19E3779F9ULL + hashes[i + 3] * 0xD6E8FEB86659FD93ULL
             + hashes[i + 4] * 0xFF51AFD7ED558CCDULL)
        h ^= h >> 29
        hashes[i] = h
        slot = <Py_ssize_t>(h & <uint64_t>(size - 1))
        while True:
            j = table[slot]
            if j < 0:
                table[slot] = i
                tcount[slot] = 1
                break
            if hashes[j] == h and _same_phrase(s, first, length, i, j):
                tcount[slot] += 1
                if tcount[slot] >= threshold:
                    return True
                break
            slot = (slot + 1) & (size - 1)
    return False


cdef Py_ssize_t _sentence(Scan* s, Py_ssize_t a, Py_ssize_t b, Py_ssize_t* first, Py_ssize_t* length,
                          Py_ssize_t count) noexcept nogil:
    """Add the piece ``[a, b)`` stripped if it is longer than 20 characters; the new count."""
    while a < b and (s.cls[a] & SPACE):
        a += 1
    while b > a and (s.cls[b - 1] & SPACE):
        b -= 1
    if b - a > 20:
        first[count] = a
        length[count] = b - a
        count += 1
    return count


cdef bint _same_phrase(Scan* s, const Py_ssize_t* wstart, const Py_ssize_t* wlen, Py_ssize_t i,
                       Py_ssize_t j) noexcept nogil:
    cdef int k
    for k in range(5):
        if wlen[i + k] != wlen[j + k] or not _same(s, wstart[i + k], wstart[j + k], wlen[i + k]):
            return False
    return True


cdef struct Word:
    Py_ssize_t start   # content offset
    Py_ssize_t length
    uint64_t hash


cdef struct Tone:
    Py_ssize_t start
    int formal


# Bit ``c`` of _TONE_FIRST[length] (c < 64, i.e. lower-case letters a-z as 97 - 64): a tone word of
# that length starts with that letter.
cdef uint64_t _TONE_FIRST[13]


cdef void _tone_filter() noexcept:
    cdef int m
    for m in range(13):
        _TONE_FIRST[m] = 0
    for m in range(N_TONE):
        _TONE_FIRST[_tone_len[m]] |= (<uint64_t>1) << (_tone[m][0] - 64)


_tone_filter()


cdef inline bint _tone_kind(const uint32_t* t, Py_ssize_t a, Py_ssize_t b, int* formal) noexcept nogil:
    """Whether ``t[a:b]`` is a tone word (``formal[0]``: 1 formal, 0 informal)."""
    cdef Py_ssize_t length = b - a, k
    cdef uint32_t first = t[a]
    cdef int m
    if length < 2 or length > 12 or first < 64 or first >= 128 or not (_TONE_FIRST[length] >> (first - 64)) & 1:
        return False
    for m in range(N_TONE):
        if _tone_len[m] != length:
            continue
        k = 0
        while k < length and t[a + k] == _tone[m][k]:
            k += 1
        if k == length:
            formal[0] = m < 6
            return True
    return False


# One bit per 12-bit hash of the packed last four characters of a meta phrase.
cdef uint8_t _META_END_BITS[512]
# What an ASCII character is to the trackers: a sentence mark or a Markdown character.
cdef enum:
    EV_MARK = 1
    EV_MD = 2
cdef uint8_t _EVENT[128]


cdef void _end_filter() noexcept:
    cdef int m
    cdef uint32_t slot
    for m in range(512):
        _META_END_BITS[m] = 0
    for m in range(N_META):
        slot = _slot(_key(_meta[m], _meta_len[m] - 4, _meta_len[m]))
        _META_END_BITS[slot >> 3] |= 1 << (slot & 7)
    for m in range(128):
        _EVENT[m] = 0
    for m in (46, 33, 63):  # . ! ?
        _EVENT[m] = EV_MARK
    for m in (96, 35, 42, 91):  # ` # * [
        _EVENT[m] = EV_MD


_end_filter()


cdef class WindowScan:
    """Per-stream state of the window drift detectors; ``scan(buf, delta)`` is one check.

    ``size``: the window (``sliding_window_size``); ``threshold``: the
    repetition threshold; ``flags``: ``META | TONE | REPETITION``, the
    detectors switched on; ``ring``: an ``EntropyRing`` and ``tokens`` a
    bounded ``deque`` (the entropy samples and the deltas, kept for the
    history); ``entropy``: whether entropy spikes are detected, above
    ``entropy_threshold`` standard deviations.

    ``buf`` is the stream's content buffer (``len``, ``token_count``,
    ``slice``, ``since``, ``tail``) and ``delta`` the text appended since the
    previous check (one entropy sample; appended to ``tokens``);
    ``fresh=True`` says it is exactly the text appended since the previous
    scan. The result is a mask of ``META_COMMENTARY | TONE_SHIFT |
    REPETITION_FOUND | ENTROPY_SPIKE | MARKDOWN_COLLAPSE``, or -1 when the
    content was replaced since the previous check (nothing is recorded: call
    ``reset()`` and scan again); ``last_mask`` keeps it.
    """

    cdef Py_ssize_t size, keep, pos, tokens_seen, prev_n
    cdef int threshold, flags, prev_f, prev_i, prev_md
    cdef bint entropy
    cdef double entropy_threshold
    cdef object last
    cdef public object ring, tokens
    cdef public int last_mask  # what the latest scan() returned
    # lower-cased characters and classes of the content offsets [cbase, pos)
    cdef uint32_t* low
    cdef uint8_t* cls
    cdef Py_ssize_t cbase, cap
    # trackers (content offsets; -1: none)
    cdef Py_ssize_t word_start, run_start, last_meta, last_md, last_special
    cdef uint64_t word_hash
    cdef uint32_t roll  # the last four characters read, packed as _key does
    # character counts of the text being read (its entropy sample), zero between reads
    cdef Py_ssize_t hist[256]
    cdef uint64_t hist_seen[4]
    cdef Word* words
    cdef Py_ssize_t words_head, words_len, words_cap
    cdef Py_ssize_t* marks
    cdef Py_ssize_t marks_head, marks_len, marks_cap
    cdef Tone* tones
    cdef Py_ssize_t tones_head, tones_len, tones_cap
    # scratch for a check: sentence / word offsets, lengths, hashes, phrase table
    cdef Py_ssize_t* first
    cdef Py_ssize_t* length
    cdef uint64_t* hashes
    cdef Py_ssize_t* table
    cdef Py_ssize_t* tcount
    cdef Py_ssize_t scratch

    def __cinit__(self, *args, **kwargs):
        memset(self.hist, 0, sizeof(self.hist))
        memset(self.hist_seen, 0, sizeof(self.hist_seen))
        self.low = NULL
        self.cls = NULL
        self.words = NULL
        self.marks = NULL
        self.tones = NULL
        self.first = self.length = self.table = self.tcount = NULL
        self.hashes = NULL

    def __dealloc__(self):
        PyMem_Free(self.low)
        PyMem_Free(self.cls)
        PyMem_Free(self.words)
        PyMem_Free(self.marks)
        PyMem_Free(self.tones)
        PyMem_Free(self.first)
        PyMem_Free(self.length)
        PyMem_Free(self.hashes)
        PyMem_Free(self.table)
        PyMem_Free(self.tcount)

    def __init__(self, Py_ssize_t size, int threshold, int flags, ring, tokens, bint entropy,
                 double entropy_threshold):
        cdef Py_ssize_t words
        if size < 0:
            raise ValueError(f"size must be an int >= 0, got {size}")
        if threshold < 1:
            raise ValueError(f"threshold must be a positive int, got {threshold}")
        self.size = size
        self.threshold = threshold
        self.flags = flags
        self.ring = ring
        self.tokens = tokens
        self.entropy = entropy
        self.entropy_threshold = entropy_threshold
        self.keep = size + 32  # characters kept behind the end (the window and a meta phrase before it)
        self.cap = 2 * self.keep + 256
        words = size // 2 + 4
        self.scratch = words
        self.low = <uint32_t*>PyMem_Malloc(self.cap * sizeof(uint32_t))
        self.cls = <uint8_t*>PyMem_Malloc(self.cap)
        self.words_cap = self.marks_cap = self.tones_cap = words + 16
        self.words = <Word*>PyMem_Malloc(self.words_cap * sizeof(Word))
        self.marks = <Py_ssize_t*>PyMem_Malloc(self.marks_cap * sizeof(Py_ssize_t))
        self.tones = <Tone*>PyMem_Malloc(self.tones_cap * sizeof(Tone))
        self.first = <Py_ssize_t*>PyMem_Malloc(words * sizeof(Py_ssize_t))
        self.length = <Py_ssize_t*>PyMem_Malloc(words * sizeof(Py_ssize_t))
        self.hashes = <uint64_t*>PyMem_Malloc(words * sizeof(uint64_t))
        self.table = <Py_ssize_t*>PyMem_Malloc(_table_size(words) * sizeof(Py_ssize_t))
        self.tcount = <Py_ssize_t*>PyMem_Malloc(_table_size(words) * sizeof(Py_ssize_t))
        if (self.low == NULL or self.cls == NULL or self.words == NULL or self.marks == NULL or self.tones == NULL
                or self.first == NULL or self.length == NULL or self.hashes == NULL or self.table == NULL
                or self.tcount == NULL):
            raise MemoryError()
        self.reset()

    def reset(self):
        """Forget the stream: positions, previous window counts, entropy samples."""
        self.pos = self.tokens_seen = self.prev_n = 0
        self.prev_f = self.prev_i = self.prev_md = 0
        self.last_mask = 0
        self.last = ""
        self._forget(0)
        self.ring.clear()
        self.tokens.clear()

    cdef void _forget(self, Py_ssize_t base) noexcept:
        """Start the character cache and the trackers afresh at content offset ``base``."""
        self.cbase = base
        self.word_start = self.run_start = -1
        self.last_meta = self.last_md = self.last_special = -1
        self.word_hash = 0
        self.roll = 0
        self.words_head = self.words_len = 0
        self.marks_head = self.marks_len = 0
        self.tones_head = self.tones_len = 0

    @property
    def prev_n(self):
        """Content length at the previous check."""
        return self.prev_n

    cdef void _compact(self, Py_ssize_t end) noexcept:
        """Keep the last ``keep`` cached characters before ``end`` at the start of the cache."""
        cdef Py_ssize_t start = end - self.keep
        if start <= self.cbase:
            return
        memmove(self.low, self.low + (start - self.cbase), (end - start) * sizeof(uint32_t))
        memmove(self.cls, self.cls + (start - self.cbase), end - start)
        self.cbase = start

    cdef int _read(self, str text, Py_ssize_t at, bint count=False) except -1:
        """Fold ``text`` (content offsets ``at``...) into the cache and the trackers.

        ``count``: a Latin-1 text's characters are also counted into ``hist``
        (see ``_sample``); returns 1 then, 0 if they were not counted.
        """
        cdef Py_ssize_t n = len(text), i, p, idx, k, m, length
        cdef int kind = PyUnicode_KIND(text), formal
        cdef void* data = PyUnicode_DATA(text)
        cdef const uint8_t* latin
        cdef uint32_t ch, c, slot
        cdef uint8_t cl, event
        cdef uint32_t* low
        cdef uint8_t* cls
        cdef const uint32_t* t
        # Trackers in locals: stores into the cache may alias ``self`` for the C compiler.
        cdef Py_ssize_t word_start = self.word_start, run_start = self.run_start
        cdef Py_ssize_t last_meta = self.last_meta, last_md = self.last_md, base
        cdef uint64_t word_hash = self.word_hash
        cdef uint32_t roll = self.roll
        if at + n - self.cbase > self.cap:
            self._compact(at)
        base = self.cbase
        low = self.low + (at - base)
        cls = self.cls + (at - base)
        t = self.low - base  # indexed by content offset
        if kind == 1:
            latin = <const uint8_t*>data
            if count:
                for i in range(n):
                    ch = latin[i]
                    cls[i] = _CLASS[ch]
                    low[i] = _LOWER[ch]
                    self.hist[ch] += 1
                    self.hist_seen[ch >> 6] |= (<uint64_t>1) << (ch & 63)
            else:
                for i in range(n):
                    ch = latin[i]
                    cls[i] = _CLASS[ch]
                    low[i] = _LOWER[ch]
        else:
            count = False
            for i in range(n):
                ch = PyUnicode_READ(kind, data, i)
                if ch < 256:
                    cls[i] = _CLASS[ch]
                    low[i] = _LOWER[ch]
                else:
                    if _special(ch):
                        self.last_special = at + i
                    cls[i] = (SPACE if Py_UNICODE_ISSPACE(ch) else 0) | (WORD if Py_UNICODE_ISALNUM(ch) else 0)
                    low[i] = Py_UNICODE_TOLOWER(ch)
        for i in range(n):
            p = at + i
            cl = cls[i]
            c = low[i]
            # words (runs without whitespace)
            if cl & SPACE:
                if word_start >= 0:
                    self._push_word(word_start, p - word_start, word_hash * 0x9E3779B97F4A7C15ULL)
                    word_start = -1
            else:
                if word_start < 0:
                    word_start = p
                    word_hash = 0
                word_hash = ((word_hash << 7) | (word_hash >> 57)) ^ c
            # \w runs (tone words)
            if cl & WORD:
                if run_start < 0:
                    run_start = p
            elif run_start >= 0:
                if run_start >= base and _tone_kind(t, run_start, p, &formal):
                    self._push_tone(run_start, formal)
                run_start = -1
            # the last four characters, 7 bits each (as _key packs them): a meta phrase may end here
            roll = (roll >> 7) | ((c & 0x7F) << 21)
            slot = _slot(roll)
            if c < 128 and _EVENT[c]:
                if _EVENT[c] & EV_MARK:
                    self._push_mark(p)
                else:
                    last_md = p
            elif _META_END_BITS[slot >> 3] & (1 << (slot & 7)):
                if p - base >= 7:
                    for m in range(N_META):
                        length = _meta_len[m]
                        if p + 1 - length < base:
                            continue
                        k = 0
                        while k < length and t[p + 1 - length + k] == _meta[m][k]:
                            k += 1
                        if k == length and p + 1 - length > last_meta:
                            last_meta = p + 1 - length
        self.roll = roll
        self.word_start = word_start
        self.word_hash = word_hash
        self.run_start = run_start
        self.last_meta = last_meta
        self.last_md = last_md
        return count

    cdef double _counted_entropy(self, Py_ssize_t n) noexcept:
        """The entropy of the ``n`` characters counted by ``_read``; the counts are zeroed again."""
        cdef double value = counts_entropy(self.hist, self.hist_seen, n)
        cdef uint64_t bits
        cdef int w
        for w in range(4):
            bits = self.hist_seen[w]
            while bits:
                self.hist[(w << 6) + __builtin_ctzll(bits)] = 0
                bits &= bits - 1
            self.hist_seen[w] = 0
        return value

    cdef int _push_word(self, Py_ssize_t start, Py_ssize_t length, uint64_t h) except -1:
        cdef Py_ssize_t old = start - self.keep  # entries before this can never be in a window again
        cdef Word* grown
        if self.words_len == self.words_cap:
            while self.words_head < self.words_len and self.words[self.words_head].start < old:
                self.words_head += 1
            memmove(self.words, self.words + self.words_head, (self.words_len - self.words_head) * sizeof(Word))
            self.words_len -= self.words_head
            self.words_head = 0
            if self.words_len == self.words_cap:
                grown = <Word*>PyMem_Realloc(self.words, 2 * self.words_cap * sizeof(Word))
                if grown == NULL:
                    raise MemoryError()
                self.words = grown
                self.words_cap *= 2
        self.words[self.words_len].start = start
        self.words[self.words_len].length = length
        self.words[self.words_len].hash = h
        self.words_len += 1
        return 0

    cdef int _push_mark(self, Py_ssize_t p) except -1:
        cdef Py_ssize_t old = p - self.keep
        cdef Py_ssize_t* grown
        if self.marks_len == self.marks_cap:
            while self.marks_head < self.marks_len and self.marks[self.marks_head] < old:
                self.marks_head += 1
            memmove(self.marks, self.marks + self.marks_head, (self.marks_len - self.marks_head) * sizeof(Py_ssize_t))
            self.marks_len -= self.marks_head
            self.marks_head = 0
            if self.marks_len == self.marks_cap:
                grown = <Py_ssize_t*>PyMem_Realloc(self.marks, 2 * self.marks_cap * sizeof(Py_ssize_t))
                if grown == NULL:
                    raise MemoryError()
                self.marks = grown
                self.marks_cap *= 2
        self.marks[self.marks_len] = p
        self.marks_len += 1
        return 0

    cdef int _push_tone(self, Py_ssize_t p, int formal) except -1:
        cdef Py_ssize_t old = p - self.keep
        cdef Tone* grown
        if self.tones_len == self.tones_cap:
            while self.tones_head < self.tones_len and self.tones[self.tones_head].start < old:
                self.tones_head += 1
            memmove(self.tones, self.tones + self.tones_head, (self.tones_len - self.tones_head) * sizeof(Tone))
            self.tones_len -= self.tones_head
            self.tones_head = 0
            if self.tones_len == self.tones_cap:
                grown = <Tone*>PyMem_Realloc(self.tones, 2 * self.tones_cap * sizeof(Tone))
                if grown == NULL:
                    raise MemoryError()
                self.tones = grown
                self.tones_cap *= 2
        self.tones[self.tones_len].start = p
        self.tones[self.tones_len].formal = formal
        self.tones_len += 1
        return 0

    cdef long long _bits(self, Py_ssize_t n) except -2:
        """``window_bits`` of the window ending at ``n`` from the kept state."""
        cdef Py_ssize_t ws = n - self.size if n > self.size else 0
        cdef Py_ssize_t tl = C_TAIL if self.size > C_TAIL else self.size
        cdef Py_ssize_t t0 = n - tl if n > tl else 0, e, i, count, nw, a, m
        cdef long long bits = 0
        cdef int f = 0, inf = 0, md = 0, formal
        cdef const uint32_t* t = self.low - self.cbase  # indexed by content offset
        cdef const uint8_t* cl = self.cls - self.cbase
        cdef Scan s
        cdef Word* w
        if self.flags & C_META and tl and self.last_meta >= t0:
            bits |= 1
        if self.flags & C_TONE and tl:
            while self.tones_head < self.tones_len and self.tones[self.tones_head].start < t0:
                self.tones_head += 1
            for i in range(self.tones_head, self.tones_len):
                if self.tones[i].formal:
                    f += 1
                else:
                    inf += 1
            if t0 > 0 and t0 < n and (cl[t0] & WORD) and (cl[t0 - 1] & WORD):
                # the tail cuts a word: its remainder is a word of its own
                e = t0
                while e < n and (cl[e] & WORD):
                    e += 1
                if _tone_kind(t, t0, e, &formal):
                    if formal:
                        f += 1
                    else:
                        inf += 1
            if self.run_start >= t0 and _tone_kind(t, self.run_start, n, &formal):  # the unfinished last run
                if formal:
                    f += 1
                else:
                    inf += 1
        if tl and self.last_md >= t0:
            s.low = <uint32_t*>(t + t0)
            s.cls = <uint8_t*>(cl + t0)
            s.n = n - t0
            md = _markdown(&s, 0)
        if self.flags & C_REPETITION and self.size:
            while self.marks_head < self.marks_len and self.marks[self.marks_head] < ws:
                self.marks_head += 1
            if self.marks_head < self.marks_len:
                s.low = <uint32_t*>(t + ws)
                s.cls = <uint8_t*>(cl + ws)
                s.n = n - ws
                count = 0
                a = 0
                for i in range(self.marks_head, self.marks_len):
                    m = self.marks[i] - ws
                    count = _sentence(&s, a, m, self.first, self.length, count)
                    a = m + 1
                count = _sentence(&s, a, n - ws, self.first, self.length, count)
                if count >= 3:
                    if _sentences_repeat(&s, self.first, self.length, count, self.threshold):
                        bits |= 2
                    else:
                        nw = 0
                        i = self.words_head
                        while i < self.words_len and self.words[i].start < ws:
                            i += 1
                        self.words_head = i
                        if ws > 0 and ws < n and not (cl[ws] & SPACE) and not (cl[ws - 1] & SPACE):
                            # the window cuts a word: its remainder is a word of its own
                            e = ws
                            while e < n and not (cl[e] & SPACE):
                                e += 1
                            self.first[nw] = 0
                            self.length[nw] = e - ws
                            self.hashes[nw] = _word_hash(t, ws, e)
                            nw += 1
                        for i in range(self.words_head, self.words_len):
                            w = &self.words[i]
                            self.first[nw] = w.start - ws
                            self.length[nw] = w.length
                            self.hashes[nw] = w.hash
                            nw += 1
                        if self.word_start >= ws:  # the unfinished last word
                            self.first[nw] = self.word_start - ws
                            self.length[nw] = n - self.word_start
                            self.hashes[nw] = self.word_hash * 0x9E3779B97F4A7C15ULL
                            nw += 1
                        if _phrases_repeat(&s, self.first, self.length, self.hashes, nw, self.threshold,
                                           self.table, self.tcount):
                            bits |= 2
        return bits | (<long long>f << 8) | (<long long>inf << 20) | (<long long>md << 32)

    def scan(self, buf, delta, bint fresh=False):
        """One check: the mask of drift types the window detectors and the entropy sample found, or -1."""
        cdef Py_ssize_t n = len(buf), pos = self.pos, tokens
        cdef long long packed
        cdef int mask = 0, f, i, md
        cdef double value, std
        cdef EntropyRing cring
        cdef bint prev_full, counted
        # The caller vouches that delta is buf[pos:n]: the content was not replaced.
        cdef bint exact = fresh and type(delta) is str and len(<str>delta) == n - pos
        if not exact:
            tokens = buf.token_count
            if pos and (n < pos or tokens < self.tokens_seen or buf.slice(pos - 1, pos) != self.last):
                self.last_mask = -1
                return -1
            self.tokens_seen = tokens
        counted = False
        if n != pos:
            if n - pos > self.keep:
                # Only the last ``keep`` characters can matter: start the trackers there.
                self._forget(n - self.keep)
                self._read(buf.tail(self.keep), n - self.keep)
            elif exact:
                # The text read is the entropy sample: count its characters on the way.
                counted = self._read(<str>delta, pos, self.entropy) == 1
            else:
                self._read(buf.since(pos), pos)
            self.last = (<str>delta)[n - pos - 1:] if exact else buf.slice(n - 1, n)
            self.pos = n
        if delta:
            self.tokens.append(delta)
            if self.entropy:
                if not isinstance(delta, str):
                    raise TypeError(f"delta must be str or None, got {type(delta).__name__}")
                value = self._counted_entropy(n - pos) if counted else text_entropy(<str>delta)
                if type(self.ring) is EntropyRing:
                    cring = <EntropyRing>self.ring
                    cring.add(value)
                    if cring._n >= 10:
                        std = cring.spread()
                        if std > 1e-12 and value > cring._mean + self.entropy_threshold * std:
                            mask |= M_ENTROPY
                else:
                    ring = self.ring
                    ring.push(value)
                    if ring.count >= 10:
                        std = ring.std()
                        if std > 1e-12 and value > ring.mean() + self.entropy_threshold * std:
                            mask |= M_ENTROPY
        if self.last_special >= (n - self.size if n > self.size else 0):
            window = buf.tail(self.size) if self.size else ""
            packed = window_bits(window, self.threshold, self.flags)
        else:
            packed = self._bits(n)
        if packed & 1:
            mask |= M_META
        prev_full = (self.prev_n if self.prev_n < self.size else self.size) >= 100
        if self.flags & C_TONE:
            f = (packed >> 8) & 0xFFF
            i = (packed >> 20) & 0xFFF
            if prev_full and (abs(f - self.prev_f) > 2 or abs(i - self.prev_i) > 2):
                mask |= M_TONE
            self.prev_f = f
            self.prev_i = i
        if packed & 2:
            mask |= M_REPETITION
        md = <int>(packed >> 32)
        if prev_full and self.prev_md > 3 and md == 0:
            mask |= M_MARKDOWN
        self.prev_md = md
        self.prev_n = n
        self.last_mask = mask
        return mask
