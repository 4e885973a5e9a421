"""Compiled twin of ``l0._pure.json_state``.

An incremental, validating JSON (RFC 8259) state machine. Text arrives in
arbitrary chunks through :meth:`JsonStreamState.feed`; the state reports the
first syntax error (offset and reason) at the first impossible character and
can compute the text that would complete what was fed so far into a valid
document (:meth:`JsonStreamState.closing_plan`). Same public names, results
and exceptions as the pure twin.

The characters of each chunk are read in place from the str's PEP 393
storage (1, 2 or 4 bytes per character) by a ``nogil`` loop specialised per
width; the container stack lives in a numpy uint8 array.
"""

cimport cython
cimport numpy as cnp
from cpython.unicode cimport (
    Py_UCS1,
    Py_UCS2,
    PyUnicode_1BYTE_KIND,
    PyUnicode_2BYTE_KIND,
    PyUnicode_DATA,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
)
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.stdint cimport uint8_t
from libc.string cimport memcpy

from operator import index as _index

from l0._limits import MAX_JSON_DEPTH

import numpy as np

cnp.import_array()

__all__ = ["JsonStreamState"]

ctypedef fused char_t:
    Py_UCS1
    Py_UCS2
    Py_UCS4

# Modes; the pure twin uses the same numbering.
cdef enum:
    M_VALUE = 0
    M_ARRAY_FIRST = 1
    M_OBJ_FIRST = 2
    M_KEY = 3
    M_COLON = 4
    M_AFTER = 5
    M_END = 6
    M_STRING = 7
    M_ESCAPE = 8
    M_UNICODE = 9
    N_MINUS = 10
    N_ZERO = 11
    N_INT = 12
    N_DOT = 13
    N_FRAC = 14
    N_EXP = 15
    N_EXP_SIGN = 16
    N_EXP_DIG = 17
    M_LITERAL = 18

# Outcome of the scanning loop; the message is built outside the nogil loop.
cdef enum:
    E_NONE = 0
    E_GROW = 1  # the stack array is full but max_depth allows more: grow and resume
    E_CONTROL
    E_ESCAPE
    E_UNICODE
    E_MINUS
    E_LEADING_ZERO
    E_DOT
    E_EXP
    E_LITERAL
    E_VALUE
    E_AFTER
    E_KEY
    E_COLON
    E_END
    E_DEPTH

cdef enum:
    OBJ = 0x7B
    ARR = 0x5B

cdef const char* LIT_TRUE = b"true"
cdef const char* LIT_FALSE = b"false"
cdef const char* LIT_NULL = b"null"

_LITERALS = ("true", "false", "null")
_EXPECTING = (
    "value",
    "value_or_close",
    "key_or_close",
    "key",
    "colon",
    "comma_or_close",
    "end",
)
_NOTHING_TO_CLOSE = "nothing to close: no JSON value started"
_INITIAL_STACK = 32


cdef struct Core:
    int mode
    int is_key
    int hex_left
    int lit  # index into _LITERALS
    int lit_pos
    int lit_len
    int err  # E_* of the last scan
    Py_UCS4 err_char
    uint8_t* stack
    Py_ssize_t cap
    Py_ssize_t depth
    Py_ssize_t max_depth
    Py_ssize_t offset
    Py_ssize_t last_good  # end of the last complete value or container opener
    Py_ssize_t esc_start
    Py_ssize_t token_start
    Py_ssize_t error_offset
    Py_ssize_t open_braces
    Py_ssize_t close_braces
    Py_ssize_t open_brackets
    Py_ssize_t close_brackets


cdef inline bint _is_ws(Py_UCS4 c) noexcept nogil:
    return c == 0x20 or c == 0x0A or c == 0x0D or c == 0x09


cdef inline bint _is_digit(Py_UCS4 c) noexcept nogil:
    return 0x30 <= c <= 0x39


cdef inline bint _is_hex(Py_UCS4 c) noexcept nogil:
    return (0x30 <= c <= 0x39) or (0x61 <= c <= 0x66) or (0x41 <= c <= 0x46)


cdef inline int _after_value(Core* s, Py_ssize_t end) noexcept nogil:
    s.last_good = end
    return M_AFTER if s.depth else M_END


cdef inline Py_ssize_t _scan(Core* s, const char_t* data, Py_ssize_t i, Py_ssize_t n, Py_ssize_t base) noexcept nogil:
    """Run the machine over data[i:n]; return n, or the index where s.err was set."""
    cdef int mode = s.mode
    cdef Py_UCS4 c
    cdef uint8_t top
    cdef const char* lit
    while i < n:
        c = data[i]
        if mode == M_STRING:
            # Hot inner loop: ordinary string characters.
            while c != 0x22 and c != 0x5C and c >= 0x20:
                i += 1
                if i == n:
                    s.mode = mode
                    return n
                c = data[i]
            if c == 0x22:
                if s.is_key:
                    mode = M_COLON
                else:
                    mode = _after_value(s, base + i + 1)
            elif c == 0x5C:
                mode = M_ESCAPE
                s.esc_start = base + i
            else:
                s.err = E_CONTROL
                break
            i += 1
            continue
        if mode <= M_END and _is_ws(c):
            i += 1
            continue
        if mode == M_AFTER:
            top = s.stack[s.depth - 1]
            if c == 0x2C:  # ','
                mode = M_VALUE if top == ARR else M_KEY
            elif (c == 0x5D and top == ARR) or (c == 0x7D and top == OBJ):
                s.depth -= 1
                if c == 0x5D:
                    s.close_brackets += 1
                else:
                    s.close_braces += 1
                mode = _after_value(s, base + i + 1)
            else:
                s.err = E_AFTER
                break
            i += 1
        elif mode <= M_ARRAY_FIRST:
            if c == 0x22:
                mode = M_STRING
                s.is_key = 0
                s.token_start = base + i
            elif _is_digit(c):
                mode = N_ZERO if c == 0x30 else N_INT
                s.token_start = base + i
            elif c == 0x7B or c == 0x5B:
                if s.depth >= s.cap:
                    s.err = E_GROW if s.depth < s.max_depth else E_DEPTH
                    break
                if c == 0x7B:
                    s.stack[s.depth] = OBJ
                    s.open_braces += 1
                    mode = M_OBJ_FIRST
                else:
                    s.stack[s.depth] = ARR
                    s.open_brackets += 1
                    mode = M_ARRAY_FIRST
                s.depth += 1
                s.last_good = base + i + 1
            elif c == 0x2D:  # '-'
                mode = N_MINUS
                s.token_start = base + i
            elif c == 0x74 or c == 0x66 or c == 0x6E:  # t f n
                mode = M_LITERAL
                if c == 0x74:
                    s.lit = 0
                    s.lit_len = 4
                elif c == 0x66:
                    s.lit = 1
                    s.lit_len = 5
                else:
                    s.lit = 2
                    s.lit_len = 4
                s.lit_pos = 1
                s.token_start = base + i
            elif c == 0x5D and mode == M_ARRAY_FIRST:
                s.depth -= 1
                s.close_brackets += 1
                mode = _after_value(s, base + i + 1)
            else:
                s.err = E_VALUE
                break
            i += 1
        elif N_MINUS <= mode <= N_EXP_DIG:
            if mode == N_INT or mode == N_FRAC or mode == N_EXP_DIG:
                if _is_digit(c):
                    i += 1
                    while i < n and _is_digit(data[i]):
                        i += 1
                    continue
                if c == 0x2E and mode == N_INT:
                    mode = N_DOT
                elif (c == 0x65 or c == 0x45) and mode != N_EXP_DIG:
                    mode = N_EXP
                else:
                    # The number ended just before c; c is handled as a structural character.
                    mode = _after_value(s, base + i)
                    continue
            elif mode == N_ZERO:
                if c == 0x2E:
                    mode = N_DOT
                elif c == 0x65 or c == 0x45:
                    mode = N_EXP
                elif _is_digit(c):
                    s.err = E_LEADING_ZERO
                    break
                else:
                    mode = _after_value(s, base + i)
                    continue
            elif mode == N_MINUS:
                if _is_digit(c):
                    mode = N_ZERO if c == 0x30 else N_INT
                else:
                    s.err = E_MINUS
                    break
            elif mode == N_DOT:
                if _is_digit(c):
                    mode = N_FRAC
                else:
                    s.err = E_DOT
                    break
            elif mode == N_EXP:
                if _is_digit(c):
                    mode = N_EXP_DIG
                elif c == 0x2B or c == 0x2D:
                    mode = N_EXP_SIGN
                else:
                    s.err = E_EXP
                    break
            else:  # N_EXP_SIGN
                if _is_digit(c):
                    mode = N_EXP_DIG
                else:
                    s.err = E_EXP
                    break
            i += 1
        elif mode == M_ESCAPE:
            if c == 0x75:  # 'u'
                mode = M_UNICODE
                s.hex_left = 4
            elif (c == 0x22 or c == 0x5C or c == 0x2F or c == 0x62 or c == 0x66
                    or c == 0x6E or c == 0x72 or c == 0x74):
                mode = M_STRING
            else:
                s.err = E_ESCAPE
                break
            i += 1
        elif mode == M_UNICODE:
            if not _is_hex(c):
                s.err = E_UNICODE
                break
            s.hex_left -= 1
            if s.hex_left == 0:
                mode = M_STRING
            i += 1
        elif mode == M_LITERAL:
            lit = LIT_TRUE if s.lit == 0 else (LIT_FALSE if s.lit == 1 else LIT_NULL)
            if c != <Py_UCS4><uint8_t>lit[s.lit_pos]:
                s.err = E_LITERAL
                break
            s.lit_pos += 1
            if s.lit_pos == s.lit_len:
                mode = _after_value(s, base + i + 1)
            i += 1
        elif mode == M_OBJ_FIRST or mode == M_KEY:
            if c == 0x22:
                mode = M_STRING
                s.is_key = 1
                s.token_start = base + i
            elif c == 0x7D and mode == M_OBJ_FIRST:
                s.depth -= 1
                s.close_braces += 1
                mode = _after_value(s, base + i + 1)
            else:
                s.err = E_KEY
                break
            i += 1
        elif mode == M_COLON:
            if c != 0x3A:
                s.err = E_COLON
                break
            mode = M_VALUE
            i += 1
        else:  # M_END
            s.err = E_END
            break
    s.mode = mode
    if i < n:
        s.err_char = data[i]
    return i


cdef str _reason(int err, str c, int mode, Py_ssize_t depth, int top, int lit):
    if err == E_CONTROL:
        return "control character in string"
    if err == E_ESCAPE:
        return "invalid escape"
    if err == E_UNICODE:
        return "invalid \\u escape: expected 4 hex digits"
    if err == E_MINUS:
        return "invalid number: expected a digit after '-'"
    if err == E_LEADING_ZERO:
        return "invalid number: leading zero"
    if err == E_DOT:
        return "invalid number: expected a digit after '.'"
    if err == E_EXP:
        return "invalid number: expected a digit in the exponent"
    if err == E_LITERAL:
        return f"invalid literal, expected {_LITERALS[lit]!r}"
    if err == E_DEPTH:
        return "maximum depth exceeded"
    if err == E_END:
        return "unexpected character after top-level value"
    if err == E_COLON:
        return f"unexpected {c!r}, expected ':'"
    if err == E_KEY:
        if c == "]":
            return "unexpected ']' in object"
        if mode == M_KEY and c == "}":
            return "trailing comma in object"
        if mode == M_KEY:
            return f"unexpected {c!r}, expected a key string"
        return f"unexpected {c!r}, expected a key string or '}}'"
    if err == E_AFTER:
        if top == ARR:
            return "unexpected '}' in array" if c == "}" else f"unexpected {c!r}, expected ',' or ']'"
        return "unexpected ']' in object" if c == "]" else f"unexpected {c!r}, expected ',' or '}}'"
    # E_VALUE
    if c == "}" or c == "]":
        if depth == 0:
            return f"unexpected {c!r} at top level"
        if top == ARR:
            return "unexpected '}' in array" if c == "}" else "trailing comma in array"
        if c == "]":
            return "unexpected ']' in object"
    return f"unexpected {c!r}, expected a value"


cdef class JsonStreamState:
    """Incremental validating JSON state machine.

    Offsets are character offsets into the concatenation of everything fed
    since construction or the last :meth:`reset`.
    """

    cdef Core c
    cdef cnp.ndarray _arr
    cdef object _error

    def __init__(self, max_depth=MAX_JSON_DEPTH):
        if type(max_depth) is not int:
            try:
                max_depth = _index(max_depth)
            except TypeError:
                raise TypeError(f"max_depth must be int, got {type(max_depth).__name__}") from None
        if max_depth < 1:
            raise ValueError(f"max_depth must be a positive int, got {max_depth}")
        # Values beyond Py_ssize_t are unreachable depths anyway.
        self.c.max_depth = min(max_depth, PY_SSIZE_T_MAX)
        self._alloc(min(self.c.max_depth, _INITIAL_STACK))
        self.reset()

    cdef void _alloc(self, Py_ssize_t cap):
        self._arr = np.zeros(cap, dtype=np.uint8)
        self.c.stack = <uint8_t*>cnp.PyArray_DATA(self._arr)
        self.c.cap = cap

    cdef void _grow(self):
        cdef cnp.ndarray old = self._arr
        cdef Py_ssize_t depth = self.c.depth
        self._alloc(min(self.c.max_depth, max(2 * self.c.cap, 1)))
        if depth:
            memcpy(self.c.stack, cnp.PyArray_DATA(old), depth)

    def reset(self):
        """Forget everything fed so far (``max_depth`` is kept)."""
        cdef Py_ssize_t max_depth = self.c.max_depth
        cdef uint8_t* stack = self.c.stack
        cdef Py_ssize_t cap = self.c.cap
        self.c = Core(
            mode=M_VALUE, is_key=0, hex_left=0, lit=0, lit_pos=0, lit_len=0, err=E_NONE, err_char=0,
            stack=stack, cap=cap, depth=0, max_depth=max_depth, offset=0, last_good=0, esc_start=-1,
            token_start=-1, error_offset=-1, open_braces=0, close_braces=0, open_brackets=0,
            close_brackets=0,
        )
        self._error = None

    def copy(self):
        """An independent snapshot of this state."""
        cdef JsonStreamState other = JsonStreamState.__new__(JsonStreamState)
        other.c = self.c
        other._arr = self._arr.copy()
        other.c.stack = <uint8_t*>cnp.PyArray_DATA(other._arr)
        other._error = self._error
        return other

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    @cython.always_allow_keywords(False)
    def feed(self, delta):
        """Validate the next chunk of text; ``False`` once an error has been seen.

        O(len(delta)). After the first error further chunks are only counted
        in ``offset``.
        """
        if not isinstance(delta, str):
            raise TypeError(f"delta must be str, got {type(delta).__name__}")
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(delta)
        cdef Py_ssize_t base = self.c.offset
        self.c.offset = base + n
        if self._error is not None:
            return False
        if n == 0:
            return True
        cdef int kind = PyUnicode_KIND(delta)
        cdef void* data = PyUnicode_DATA(delta)
        cdef Py_ssize_t i = 0
        while True:
            # Chunks are a few characters: releasing the GIL would cost more than the scan.
            if kind == PyUnicode_1BYTE_KIND:
                i = _scan(&self.c, <const Py_UCS1*>data, i, n, base)
            elif kind == PyUnicode_2BYTE_KIND:
                i = _scan(&self.c, <const Py_UCS2*>data, i, n, base)
            else:
                i = _scan(&self.c, <const Py_UCS4*>data, i, n, base)
            if self.c.err == E_NONE:
                return True
            if self.c.err != E_GROW:
                break
            self.c.err = E_NONE
            self._grow()
        self._fail(base + i)
        return False

    cdef void _fail(self, Py_ssize_t pos):
        cdef int mode = self.c.mode
        cdef Py_UCS4 ch = self.c.err_char
        cdef int top = self.c.stack[self.c.depth - 1] if self.c.depth else 0
        self._error = _reason(self.c.err, chr(ch), mode, self.c.depth, top, self.c.lit)
        self.c.error_offset = pos
        # Like the reference counters: a bracket outside a string counts even when it is wrong.
        if not (M_STRING <= mode <= M_UNICODE):
            if ch == 0x7B:
                self.c.open_braces += 1
            elif ch == 0x7D:
                self.c.close_braces += 1
            elif ch == 0x5B:
                self.c.open_brackets += 1
            elif ch == 0x5D:
                self.c.close_brackets += 1

    def closing_plan(self):
        """``(chars_to_drop_from_end, suffix_to_append)`` that completes the document.

        Dropping the characters and appending the suffix to everything fed so
        far yields a valid JSON document. Partial numbers and literals are
        completed, open value strings are closed (a partial escape is dropped
        first), a dangling comma, key or colon is dropped, then the open
        containers are closed innermost first.
        """
        if self._error is not None:
            raise ValueError(
                f"cannot close a JSON document with an error at offset {self.c.error_offset}: {self._error}"
            )
        cdef int mode = self.c.mode
        cdef Py_ssize_t drop = 0
        cdef Py_ssize_t k
        head = ""
        if mode == M_VALUE and self.c.depth == 0:
            raise ValueError(_NOTHING_TO_CLOSE)
        if mode == M_VALUE or mode == M_KEY or mode == M_COLON or (M_STRING <= mode <= M_UNICODE and self.c.is_key):
            drop = self.c.offset - self.c.last_good
        elif mode == M_STRING:
            head = '"'
        elif mode == M_ESCAPE or mode == M_UNICODE:
            drop = self.c.offset - self.c.esc_start
            head = '"'
        elif mode == N_MINUS or mode == N_DOT or mode == N_EXP or mode == N_EXP_SIGN:
            head = "0"
        elif mode == M_LITERAL:
            head = _LITERALS[self.c.lit][self.c.lit_pos:]
        cdef bytearray closers = bytearray(self.c.depth)
        for k in range(self.c.depth):
            closers[k] = 0x7D if self.c.stack[self.c.depth - 1 - k] == OBJ else 0x5D
        return drop, head + closers.decode("ascii")

    def closing_suffix(self):
        """The suffix of :meth:`closing_plan`; exact when nothing has to be dropped."""
        return self.closing_plan()[1]

    @property
    def error(self):
        """Reason of the first error, ``None`` while the text is valid so far."""
        return self._error

    @property
    def error_offset(self):
        """Offset of the first impossible character, -1 if none."""
        return self.c.error_offset

    @property
    def offset(self):
        """Characters fed so far (including any fed after an error)."""
        return self.c.offset

    @property
    def depth(self):
        """Current container nesting depth."""
        return self.c.depth

    @property
    def max_depth(self):
        """Deepest nesting allowed."""
        return self.c.max_depth

    @property
    def complete(self):
        """A complete top-level value has been seen and there is no error."""
        return self.c.mode == M_END and self._error is None

    @property
    def complete_at_end(self):
        """The text fed so far is a whole valid document if nothing more follows.

        Like ``complete``, but a top-level number still open to more digits
        (``42``) counts too.
        """
        cdef int mode = self.c.mode
        if self._error is not None:
            return False
        return mode == M_END or (
            self.c.depth == 0 and (mode == N_ZERO or mode == N_INT or mode == N_FRAC or mode == N_EXP_DIG)
        )

    @property
    def started(self):
        """A non-whitespace character has been seen."""
        return self._error is not None or self.c.mode != M_VALUE or self.c.depth != 0

    @property
    def in_string(self):
        """Inside a string (key or value)."""
        return M_STRING <= self.c.mode <= M_UNICODE

    @property
    def escape_next(self):
        """The previous character was a backslash inside a string."""
        return self.c.mode == M_ESCAPE

    @property
    def open_braces(self):
        """``{`` seen outside strings."""
        return self.c.open_braces

    @property
    def close_braces(self):
        """``}`` seen outside strings."""
        return self.c.close_braces

    @property
    def open_brackets(self):
        """``[`` seen outside strings."""
        return self.c.open_brackets

    @property
    def close_brackets(self):
        """``]`` seen outside strings."""
        return self.c.close_brackets

    @property
    def stack(self):
        """The open containers, outermost first, as ``'{'`` / ``'['`` characters."""
        return (<char*>self.c.stack)[:self.c.depth].decode("ascii")

    @property
    def expecting(self):
        """What the machine is in or waits for (see docs/kernels-json.md)."""
        cdef int mode = self.c.mode
        if self._error is not None:
            return "error"
        if mode <= M_END:
            return _EXPECTING[mode]
        if mode <= M_UNICODE:
            return "key_string" if self.c.is_key else "string"
        if mode == M_LITERAL:
            return "literal"
        return "number"

    @property
    def token_start(self):
        """Offset where the current or last string, number or literal started, -1 if none yet."""
        return self.c.token_start

    def __repr__(self):
        return (
            f"<JsonStreamState offset={self.c.offset} depth={self.c.depth} "
            f"expecting={self.expecting!r} error={self._error!r}>"
        )

    def __reduce__(self):
        fields = (
            self.c.mode,
            self.c.is_key,
            self.c.hex_left,
            self.c.lit,
            self.c.lit_pos,
            self.c.offset,
            self.c.last_good,
            self.c.esc_start,
            self.c.token_start,
            self.c.error_offset,
            self.c.open_braces,
            self.c.close_braces,
            self.c.open_brackets,
            self.c.close_brackets,
        )
        return (_restore, (self.c.max_depth, self.stack, self._error, fields))


def _restore(max_depth, str stack, error, tuple fields):
    """Unpickling helper: rebuild a state from its stack, error and scalar fields."""
    cdef JsonStreamState state = JsonStreamState(max_depth)
    cdef Py_ssize_t k
    (
        state.c.mode,
        state.c.is_key,
        state.c.hex_left,
        state.c.lit,
        state.c.lit_pos,
        state.c.offset,
        state.c.last_good,
        state.c.esc_start,
        state.c.token_start,
        state.c.error_offset,
        state.c.open_braces,
        state.c.close_braces,
        state.c.open_brackets,
        state.c.close_brackets,
    ) = fields
    state.c.lit_len = 5 if state.c.lit == 1 else 4
    while state.c.cap < len(stack):
        state._grow()
    for k in range(len(stack)):
        state.c.stack[k] = OBJ if stack[k] == "{" else ARR
    state.c.depth = len(stack)
    state._error = error
    return state
