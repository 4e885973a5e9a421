"""Pure-Python twin of ``l0._speedups.json_state``.

An incremental, validating JSON (RFC 8259) state machine. Text arrives in
arbitrary chunks through :meth:`JsonStreamState.feed`; the state reports the
first syntax error (offset and reason) at the first impossible character and
can compute the text that would complete what was fed so far into a valid
document (:meth:`JsonStreamState.closing_plan`). Same public names, results
and exceptions as the compiled twin.
"""

from __future__ import annotations

import re
from operator import index as _index

from l0._limits import MAX_JSON_DEPTH

__all__ = ["JsonStreamState"]

# Modes of the machine. The compiled twin uses the same numbering.
M_VALUE = 0  # a value is expected (top level start, after ',' in an array, after ':')
M_ARRAY_FIRST = 1  # after '[': a value or ']'
M_OBJ_FIRST = 2  # after '{': a key or '}'
M_KEY = 3  # after ',' in an object: a key
M_COLON = 4  # after a key: ':'
M_AFTER = 5  # after a value inside a container: ',' or the closer
M_END = 6  # after the top-level value: only whitespace
M_STRING = 7
M_ESCAPE = 8  # after a backslash in a string
M_UNICODE = 9  # inside the 4 hex digits of \uXXXX
N_MINUS = 10  # after '-'
N_ZERO = 11  # after a leading '0'
N_INT = 12  # integer digits
N_DOT = 13  # after '.'
N_FRAC = 14  # fraction digits
N_EXP = 15  # after 'e' / 'E'
N_EXP_SIGN = 16  # after the exponent sign
N_EXP_DIG = 17  # exponent digits
M_LITERAL = 18  # inside true / false / null

OBJ = 0x7B  # '{' on the container stack
ARR = 0x5B  # '[' on the container stack

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

_WS = " \t\n\r"
_DIGITS = "0123456789"
_HEX = "0123456789abcdefABCDEF"
_SIMPLE_ESCAPES = '"\\/bfnrt'
# A run of ordinary string characters (no quote, backslash or control character).
_STRING_RUN = re.compile(r'[^"\\\x00-\x1f]+')
_WS_RUN = re.compile(r"[ \t\n\r]+")
_DIGIT_RUN = re.compile(r"[0-9]+")

_NOTHING_TO_CLOSE = "nothing to close: no JSON value started"


def _value_error(c: str, depth: int, top: int) -> str:
    if c == "}" or c == "]":
        if depth == 0:
            return f"unexpected {c!r} at top level"
        if top == ARR:
            return "unexpected '}' in array" if c == "}" else "trailing comma in array"
        if c == "]":
            return "unexpected ']' in object"
    return f"unexpected {c!r}, expected a value"


class JsonStreamState:
    """Incremental validating JSON state machine.

    Offsets are character offsets into the concatenation of everything fed
    since construction or the last :meth:`reset`.
    """

    __slots__ = (
        "_max_depth",
        "_stack",
        "_depth",
        "_mode",
        "_is_key",
        "_hex_left",
        "_lit",
        "_lit_pos",
        "_offset",
        "_last_good",
        "_esc_start",
        "_token_start",
        "_error",
        "_error_offset",
        "_open_braces",
        "_close_braces",
        "_open_brackets",
        "_close_brackets",
    )

    def __init__(self, max_depth: int = MAX_JSON_DEPTH) -> None:
        if type(max_depth) is not int:
            try:
                max_depth = _index(max_depth)
            except TypeError:
                raise TypeError(f"max_depth must be int, got {type(max_depth).__name__}") from None
        if max_depth < 1:
            raise ValueError(f"max_depth must be a positive int, got {max_depth}")
        self._max_depth = max_depth
        self._stack = bytearray()
        self.reset()

    def reset(self) -> None:
        """Forget everything fed so far (``max_depth`` is kept)."""
        self._stack.clear()
        self._depth = 0
        self._mode = M_VALUE
        self._is_key = False
        self._hex_left = 0
        self._lit = ""
        self._lit_pos = 0
        self._offset = 0
        self._last_good = 0
        self._esc_start = -1
        self._token_start = -1
        self._error: str | None = None
        self._error_offset = -1
        self._open_braces = 0
        self._close_braces = 0
        self._open_brackets = 0
        self._close_brackets = 0

    def copy(self) -> JsonStreamState:
        """An independent snapshot of this state."""
        other = JsonStreamState.__new__(JsonStreamState)
        for name in JsonStreamState.__slots__:
            setattr(other, name, getattr(self, name))
        other._stack = bytearray(self._stack)
        return other

    def __copy__(self) -> JsonStreamState:
        return self.copy()

    def __deepcopy__(self, memo: object) -> JsonStreamState:
        return self.copy()

    def feed(self, delta: str, /) -> bool:
        """Validate the next chunk of text; ``False`` once an error has been seen.

        O(len(delta)). After the first error further chunks are only counted
        in ``offset``.
        """
        if not isinstance(delta, str):
            raise TypeError(f"delta must be str, got {type(delta).__name__}")
        n = len(delta)
        base = self._offset
        self._offset = base + n
        if self._error is not None:
            return False
        mode = self._mode
        stack = self._stack
        i = 0
        while i < n:
            c = delta[i]
            if mode == M_STRING:
                if c == '"':
                    if self._is_key:
                        mode = M_COLON
                    else:
                        mode = M_AFTER if self._depth else M_END
                        self._last_good = base + i + 1
                    i += 1
                elif c == "\\":
                    mode = M_ESCAPE
                    self._esc_start = base + i
                    i += 1
                elif c < " ":
                    return self._fail(mode, "control character in string", base + i, c)
                else:
                    i = _STRING_RUN.match(delta, i).end()  # type: ignore[union-attr]
                continue
            if c in _WS and mode <= M_END:
                i = _WS_RUN.match(delta, i).end()  # type: ignore[union-attr]
                continue
            if mode == M_AFTER:
                top = stack[-1]
                if c == ",":
                    mode = M_VALUE if top == ARR else M_KEY
                elif c == "]" and top == ARR:
                    mode = self._pop(base + i)
                    self._close_brackets += 1
                elif c == "}" and top == OBJ:
                    mode = self._pop(base + i)
                    self._close_braces += 1
                elif top == ARR:
                    reason = "unexpected '}' in array" if c == "}" else f"unexpected {c!r}, expected ',' or ']'"
                    return self._fail(mode, reason, base + i, c)
                else:
                    reason = "unexpected ']' in object" if c == "]" else f"unexpected {c!r}, expected ',' or '}}'"
                    return self._fail(mode, reason, base + i, c)
                i += 1
            elif mode <= M_ARRAY_FIRST:
                pos = base + i
                if c == '"':
                    mode = M_STRING
                    self._is_key = False
                    self._token_start = pos
                elif c == "{" or c == "[":
                    if self._depth >= self._max_depth:
                        return self._fail(mode, "maximum depth exceeded", pos, c)
                    if c == "{":
                        stack.append(OBJ)
                        self._open_braces += 1
                        mode = M_OBJ_FIRST
                    else:
                        stack.append(ARR)
                        self._open_brackets += 1
                        mode = M_ARRAY_FIRST
                    self._depth += 1
                    self._last_good = pos + 1
                elif c in _DIGITS:
                    mode = N_ZERO if c == "0" else N_INT
                    self._token_start = pos
                elif c == "-":
                    mode = N_MINUS
                    self._token_start = pos
                elif c == "t" or c == "f" or c == "n":
                    mode = M_LITERAL
                    self._lit = "true" if c == "t" else ("false" if c == "f" else "null")
                    self._lit_pos = 1
                    self._token_start = pos
                elif c == "]" and mode == M_ARRAY_FIRST:
                    mode = self._pop(pos)
                    self._close_brackets += 1
                else:
                    top = stack[-1] if self._depth else 0
                    return self._fail(mode, _value_error(c, self._depth, top), pos, c)
                i += 1
            elif mode >= N_MINUS and mode <= N_EXP_DIG:
                if mode == N_INT or mode == N_FRAC or mode == N_EXP_DIG:
                    if c in _DIGITS:
                        i = _DIGIT_RUN.match(delta, i).end()  # type: ignore[union-attr]
                        continue
                    if c == "." and mode == N_INT:
                        mode = N_DOT
                    elif (c == "e" or c == "E") and mode != N_EXP_DIG:
                        mode = N_EXP
                    else:
                        # The number ended just before c; c is handled as a structural character.
                        mode = M_AFTER if self._depth else M_END
                        self._last_good = base + i
                        continue
                elif mode == N_ZERO:
                    if c == ".":
                        mode = N_DOT
                    elif c == "e" or c == "E":
                        mode = N_EXP
                    elif c in _DIGITS:
                        return self._fail(mode, "invalid number: leading zero", base + i, c)
                    else:
                        mode = M_AFTER if self._depth else M_END
                        self._last_good = base + i
                        continue
                elif mode == N_MINUS:
                    if c in _DIGITS:
                        mode = N_ZERO if c == "0" else N_INT
                    else:
                        return self._fail(mode, "invalid number: expected a digit after '-'", base + i, c)
                elif mode == N_DOT:
                    if c in _DIGITS:
                        mode = N_FRAC
                    else:
                        return self._fail(mode, "invalid number: expected a digit after '.'", base + i, c)
                elif mode == N_EXP:
                    if c in _DIGITS:
                        mode = N_EXP_DIG
                    elif c == "+" or c == "-":
                        mode = N_EXP_SIGN
                    else:
                        return self._fail(mode, "invalid number: expected a digit in the exponent", base + i, c)
                else:  # N_EXP_SIGN
                    if c in _DIGITS:
                        mode = N_EXP_DIG
                    else:
                        return self._fail(mode, "invalid number: expected a digit in the exponent", base + i, c)
                i += 1
            elif mode == M_ESCAPE:
                if c == "u":
                    mode = M_UNICODE
                    self._hex_left = 4
                elif c in _SIMPLE_ESCAPES:
                    mode = M_STRING
                else:
                    return self._fail(mode, "invalid escape", base + i, c)
                i += 1
            elif mode == M_UNICODE:
                if c not in _HEX:
                    return self._fail(mode, "invalid \\u escape: expected 4 hex digits", base + i, c)
                self._hex_left -= 1
                if self._hex_left == 0:
                    mode = M_STRING
                i += 1
            elif mode == M_LITERAL:
                lit = self._lit
                if c != lit[self._lit_pos]:
                    return self._fail(mode, f"invalid literal, expected {lit!r}", base + i, c)
                self._lit_pos += 1
                if self._lit_pos == len(lit):
                    mode = M_AFTER if self._depth else M_END
                    self._last_good = base + i + 1
                i += 1
            elif mode == M_OBJ_FIRST or mode == M_KEY:
                if c == '"':
                    mode = M_STRING
                    self._is_key = True
                    self._token_start = base + i
                elif c == "}" and mode == M_OBJ_FIRST:
                    mode = self._pop(base + i)
                    self._close_braces += 1
                else:
                    if c == "]":
                        reason = "unexpected ']' in object"
                    elif mode == M_KEY and c == "}":
                        reason = "trailing comma in object"
                    elif mode == M_KEY:
                        reason = f"unexpected {c!r}, expected a key string"
                    else:
                        reason = f"unexpected {c!r}, expected a key string or '}}'"
                    return self._fail(mode, reason, base + i, c)
                i += 1
            elif mode == M_COLON:
                if c != ":":
                    return self._fail(mode, f"unexpected {c!r}, expected ':'", base + i, c)
                mode = M_VALUE
                i += 1
            else:  # M_END
                return self._fail(mode, "unexpected character after top-level value", base + i, c)
        self._mode = mode
        return True

    def _pop(self, pos: int) -> int:
        self._stack.pop()
        self._depth -= 1
        self._last_good = pos + 1
        return M_AFTER if self._depth else M_END

    def _fail(self, mode: int, reason: str, pos: int, c: str) -> bool:
        self._mode = mode
        self._error = reason
        self._error_offset = pos
        # Like the reference counters: a bracket outside a string counts even when it is wrong.
        if not (M_STRING <= mode <= M_UNICODE):
            if c == "{":
                self._open_braces += 1
            elif c == "}":
                self._close_braces += 1
            elif c == "[":
                self._open_brackets += 1
            elif c == "]":
                self._close_brackets += 1
        return False

    def closing_plan(self) -> tuple[int, str]:
        """``(chars_to_drop_from_end, suffix_to_append)`` that completes the document.

        Dropping the characters and appending the suffix to everything fed so
        far yields a valid JSON document. Partial numbers and literals are
        completed, open value strings are closed (a partial escape is dropped
        first), a dangling comma, key or colon is dropped, then the open
        containers are closed innermost first.
        """
        if self._error is not None:
            raise ValueError(
                f"cannot close a JSON document with an error at offset {self._error_offset}: {self._error}"
            )
        mode = self._mode
        drop = 0
        head = ""
        if mode == M_VALUE and self._depth == 0:
            raise ValueError(_NOTHING_TO_CLOSE)
        if mode == M_VALUE or mode == M_KEY or mode == M_COLON or (M_STRING <= mode <= M_UNICODE and self._is_key):
            drop = self._offset - self._last_good
        elif mode == M_STRING:
            head = '"'
        elif mode == M_ESCAPE or mode == M_UNICODE:
            drop = self._offset - self._esc_start
            head = '"'
        elif mode == N_MINUS or mode == N_DOT or mode == N_EXP or mode == N_EXP_SIGN:
            head = "0"
        elif mode == M_LITERAL:
            head = self._lit[self._lit_pos :]
        closers = "".join("}" if b == OBJ else "]" for b in reversed(self._stack))
        return drop, head + closers

    def closing_suffix(self) -> str:
        """The suffix of :meth:`closing_plan`; exact when nothing has to be dropped."""
        return self.closing_plan()[1]

    @property
    def error(self) -> str | None:
        """Reason of the first error, ``None`` while the text is valid so far."""
        return self._error

    @property
    def error_offset(self) -> int:
        """Offset of the first impossible character, -1 if none."""
        return self._error_offset

    @property
    def offset(self) -> int:
        """Characters fed so far (including any fed after an error)."""
        return self._offset

    @property
    def depth(self) -> int:
        """Current container nesting depth."""
        return self._depth

    @property
    def max_depth(self) -> int:
        """Deepest nesting allowed."""
        return self._max_depth

    @property
    def complete(self) -> bool:
        """A complete top-level value has been seen and there is no error."""
        return self._mode == M_END and self._error is None

    @property
    def complete_at_end(self) -> bool:
        """The text fed so far is a whole valid document if nothing more follows.

        Like ``complete``, but a top-level number still open to more digits
        (``42``) counts too.
        """
        mode = self._mode
        if self._error is not None:
            return False
        return mode == M_END or (
            self._depth == 0 and (mode == N_ZERO or mode == N_INT or mode == N_FRAC or mode == N_EXP_DIG)
        )

    @property
    def started(self) -> bool:
        """A non-whitespace character has been seen."""
        return self._error is not None or self._mode != M_VALUE or self._depth != 0

    @property
    def in_string(self) -> bool:
        """Inside a string (key or value)."""
        return M_STRING <= self._mode <= M_UNICODE

    @property
    def escape_next(self) -> bool:
        """The previous character was a backslash inside a string."""
        return self._mode == M_ESCAPE

    @property
    def open_braces(self) -> int:
        """``{`` seen outside strings."""
        return self._open_braces

    @property
    def close_braces(self) -> int:
        """``}`` seen outside strings."""
        return self._close_braces

    @property
    def open_brackets(self) -> int:
        """``[`` seen outside strings."""
        return self._open_brackets

    @property
    def close_brackets(self) -> int:
        """``]`` seen outside strings."""
        return self._close_brackets

    @property
    def stack(self) -> str:
        """The open containers, outermost first, as ``'{'`` / ``'['`` characters."""
        return self._stack.decode("ascii")

    @property
    def expecting(self) -> str:
        """What the machine is in or waits for (see docs/kernels-json.md)."""
        mode = self._mode
        if self._error is not None:
            return "error"
        if mode <= M_END:
            return _EXPECTING[mode]
        if mode <= M_UNICODE:
            return "key_string" if self._is_key else "string"
        if mode == M_LITERAL:
            return "literal"
        return "number"

    @property
    def token_start(self) -> int:
        """Offset where the current or last string, number or literal started, -1 if none yet."""
        return self._token_start

    def __repr__(self) -> str:
        return (
            f"<JsonStreamState offset={self._offset} depth={self._depth} "
            f"expecting={self.expecting!r} error={self._error!r}>"
        )

    def __reduce__(self) -> tuple:
        lit = _LITERALS.index(self._lit) if self._lit else 0
        fields = (
            self._mode,
            int(self._is_key),
            self._hex_left,
            lit,
            self._lit_pos,
            self._offset,
            self._last_good,
            self._esc_start,
            self._token_start,
            self._error_offset,
            self._open_braces,
            self._close_braces,
            self._open_brackets,
            self._close_brackets,
        )
        return (_restore, (self._max_depth, self.stack, self._error, fields))


def _restore(max_depth: int, stack: str, error: str | None, fields: tuple) -> JsonStreamState:
    """Unpickling helper: rebuild a state from its stack, error and scalar fields."""
    state = JsonStreamState(max_depth)
    (
        state._mode,
        is_key,
        state._hex_left,
        lit,
        state._lit_pos,
        state._offset,
        state._last_good,
        state._esc_start,
        state._token_start,
        state._error_offset,
        state._open_braces,
        state._close_braces,
        state._open_brackets,
        state._close_brackets,
    ) = fields
    state._is_key = bool(is_key)
    state._lit = _LITERALS[lit] if state._mode == M_LITERAL else ""
    state._stack = bytearray(stack.encode("ascii"))
    state._depth = len(stack)
    state._error = error
    return state
