"""Partial objects while streaming, driven incrementally by the JSON state machine.

Each token is fed once to a :class:`~l0._backend.JsonStreamState`, split only
at the structural characters ``{ } [ ] ,`` it contains, so the state machine
can tell (outside strings, by depth) where a value ends:

* depth 1 - a top-level member (object schema) or item (array schema) is
  complete at the ``,`` after it, at the close of its own container, or at
  the close of the top-level container;
* depth 2 - for a member whose schema type is a list, each item of that list
  is complete likewise, so long arrays fill in item by item; for a member
  whose type is a model (or a nested JSON Schema object), each of its fields.

Only the text of a completed value is parsed (once) and validated (once) on
its own: field constraints and field validators see complete values only;
model validators never see a partial object (they run in the final
validation). Per token the work is O(len(token)); per completed value
O(len(value)). The whole buffer is never re-parsed.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

from pydantic_core import from_json

from l0._backend import JsonStreamState
from l0._jsonparse import loads

from ._schema import SchemaHandle

__all__ = ["PartialParser"]

logger = logging.getLogger("l0")

_STRUCT = re.compile(r"[{}\[\],]")

_PREAMBLE, _JSON, _DONE, _OFF = 0, 1, 2, 3


def _loads(text: str) -> Any:
    # jiter (through pydantic-core): fast, and exact for integers beyond 64 bits (orjson
    # gives floats); json decides what it refuses (lone surrogate escapes)
    try:
        return from_json(text)
    except ValueError:
        return loads(text)


class PartialParser:
    """Builds typed partial snapshots of the value being streamed.

    ``feed(delta)`` with every token; ``snapshot`` is the latest snapshot,
    ``on_snapshot`` is called with each new one. A snapshot is a partial
    model (all fields optional, completed fields validated) for a Pydantic
    model, a dict for object schemas, a list for array schemas. Lists inside
    snapshots grow in place (copy a snapshot to keep it unchanged).

    Parsing stops (``active`` False) at the end of the top-level value, or at
    the first syntax error (comments, single quotes, ...): final validation
    with repair still handles such output.
    """

    __slots__ = (
        "_handle", "_shape", "_opener", "_st", "_phase", "_pieces", "_ends", "_end",
        "_seg1", "_done1", "_seg2", "_done2", "_arr_key", "_arr_items", "_arr_check", "_arr_errors", "_sub",
        "_items_final",
        "_on_snapshot", "snapshot", "updates", "errors",
    )

    def __init__(self, handle: SchemaHandle, on_snapshot: Callable[[Any], None] | None = None) -> None:
        self._handle = handle
        self._shape = handle.partial_shape
        self._opener = "[" if self._shape == "array" else "{"
        self._st = JsonStreamState()
        self._phase = _PREAMBLE if self._shape is not None else _OFF
        self._pieces: list[str] = []
        self._ends: list[int] = []
        self._end = 0
        self._seg1 = 0
        self._done1 = False
        self._seg2 = 0
        self._done2 = False
        # the depth-2 container being streamed: the member's key, its live value (a list of
        # items, or a nested partial snapshot), the item validator, the error count at its start
        self._arr_key: str | None = None
        self._arr_items: Any = None
        self._arr_check: Callable[[Any], Any] | None = None
        self._arr_errors = 0
        self._sub: SchemaHandle | None = None  # the handle of a nested object being streamed
        self._items_final = False  # the streamed list member needs no whole-list validation
        self._on_snapshot = on_snapshot
        self.snapshot: Any = None
        self.updates = 0
        self.errors: list[Exception] = []

    @property
    def active(self) -> bool:
        """Still waiting for or inside the top-level value."""
        return self._phase <= _JSON

    def feed(self, delta: str) -> None:
        """Consume the next token. O(len(delta)) plus O(len(v)) per value v it completes."""
        phase = self._phase
        if phase == _PREAMBLE:
            i = delta.find(self._opener)
            if i < 0:
                return
            delta = delta[i:]
            try:
                self.snapshot = self._handle.new_snapshot()
            except Exception as exc:  # e.g. a model whose partial form cannot be built
                logger.warning("partial objects disabled for this schema: %s", exc)
                self.errors.append(exc)
                self._phase = _OFF
                return
            self._phase = phase = _JSON
        if phase != _JSON or not delta:
            return
        st = self._st
        base = self._end
        self._pieces.append(delta)
        self._end = base + len(delta)
        self._ends.append(self._end)
        prev = 0
        for m in _STRUCT.finditer(delta):
            i = m.end()
            st.feed(delta[prev:i])
            prev = i
            if st.error is not None:
                self._phase = _OFF
                return
            if st.in_string:
                continue
            c = m.group()
            d = st.depth
            off = base + i
            if c == ",":
                if d == 1:
                    self._end_segment1(off - 1)
                    self._seg1 = off
                elif d == 2 and self._arr_key is not None:
                    self._end_item(off - 1)
                    self._seg2 = off
            elif c == "{" or c == "[":
                if d == 1:
                    self._seg1 = off
                elif d == 2 and self._shape == "object":
                    self._start_member(off, c)
            elif d == 0:
                self._end_segment1(off - 1)
                self._phase = _DONE
                self._release()
                return
            elif d == 1:
                if self._arr_key is not None:
                    self._end_item(off - 1)
                    if self._items_final:
                        self._finish_streamed_list(off)
                        continue
                    streamed, self._arr_key = self._arr_key, None
                else:
                    streamed = None
                self._end_segment1(off, streamed)
                self._done1 = True
            elif d == 2 and self._arr_key is not None:
                self._end_item(off)
                self._done2 = True
        if prev < len(delta):
            st.feed(delta[prev:])
            if st.error is not None:
                self._phase = _OFF

    # text of completed values ------------------------------------------------------------------
    def _slice(self, a: int, b: int) -> str:
        ends = self._ends
        pieces = self._pieces
        i = bisect_right(ends, a)
        j = bisect_left(ends, b)
        if i >= len(pieces) or a >= b:
            return ""
        start_i = ends[i] - len(pieces[i])
        if i == j:
            return pieces[i][a - start_i : b - start_i]
        start_j = ends[j] - len(pieces[j])
        return "".join([pieces[i][a - start_i :], *pieces[i + 1 : j], pieces[j][: b - start_j]])

    def _drop_before(self, a: int) -> None:
        i = bisect_right(self._ends, a)
        if i:
            del self._pieces[:i]
            del self._ends[:i]

    def _release(self) -> None:
        self._pieces.clear()
        self._ends.clear()

    def _emit(self) -> None:
        self.updates += 1
        if self._on_snapshot is not None:
            try:
                self._on_snapshot(self.snapshot)
            except Exception:
                logger.warning("on_partial callback raised (ignored)", exc_info=True)

    def _end_segment1(self, end: int, streamed: str | None = None) -> None:
        if self._done1:
            self._done1 = False
            self._drop_before(end)
            return
        text = self._slice(self._seg1, end).strip()
        self._drop_before(end)
        if not text:
            return
        h = self._handle
        try:
            if self._shape == "object":
                changed = False
                for key, value in _loads("{" + text + "}").items():
                    snap = h.add_member(self.snapshot, key, value)
                    if snap is not None:
                        self.snapshot = snap
                        changed = True
                if not changed:
                    return
            else:
                self.snapshot.append(h.validate_item(_loads(text)))
        except Exception as exc:  # an invalid value is left out; final validation reports it
            self.errors.append(exc)
            if streamed is not None:
                # shown in parts while streaming (items or fields), but invalid as a whole
                self.snapshot = h.set_member_items(self.snapshot, streamed, None)
                self._emit()
            return
        self._emit()

    def _start_member(self, off: int, opener: str) -> None:
        """A top-level member's value opens a container: stream its items (a list
        field) or its members (a nested model / object) when the schema says how."""
        head = self._slice(self._seg1, off - 1).strip()
        self._arr_key = None
        if not head.endswith(":"):
            return
        try:
            key = _loads(head[:-1].strip())
        except ValueError:
            return
        if not isinstance(key, str):
            return
        h = self._handle
        self._items_final = False
        if opener == "[":
            check = h.member_item_validator(key)
            if check is None:
                return
            self._sub = None
            self._arr_items = []
            self._arr_check = check
            self._items_final = h.items_are_final(key)
        else:
            sub = h.member_object_handle(key)
            if sub is None:
                return
            try:
                self._arr_items = sub.new_snapshot()
            except Exception as exc:
                self.errors.append(exc)
                return
            self._sub = sub
        self._arr_key = key
        self._arr_errors = len(self.errors)
        self._seg2 = off
        self._done2 = False

    def _finish_streamed_list(self, off: int) -> None:
        # nothing to check on the list as a whole (no constraints, no field validators): the
        # items validated while streaming are its value, or, if one failed, the list is invalid
        key = self._arr_key
        assert key is not None
        self._arr_key = None
        self._items_final = False
        self._drop_before(off)
        self._done1 = True
        if len(self.errors) == self._arr_errors:
            self.snapshot = self._handle.set_member_items(self.snapshot, key, self._arr_items)
        else:
            self.snapshot = self._handle.set_member_items(self.snapshot, key, None)
        self._emit()

    def _end_item(self, end: int) -> None:
        if self._done2:
            self._done2 = False
            return
        text = self._slice(self._seg2, end).strip()
        if not text:
            return
        if self._sub is not None:
            self._end_nested_member(text)
            return
        try:
            item = self._arr_check(_loads(text))  # type: ignore[misc]
        except Exception as exc:
            self.errors.append(exc)
            return
        items = self._arr_items
        assert items is not None and self._arr_key is not None
        items.append(item)
        if len(items) == 1:
            # the snapshot holds the live list from now on: later items cost O(1)
            self.snapshot = self._handle.set_member_items(self.snapshot, self._arr_key, items)
        if self._items_final:
            # the list will never be parsed as a whole: keep only the text of the next item
            self._drop_before(end)
        self._emit()

    def _end_nested_member(self, text: str) -> None:
        sub = self._sub
        assert sub is not None and self._arr_key is not None
        changed = False
        try:
            for key, value in _loads("{" + text + "}").items():
                snap = sub.add_member(self._arr_items, key, value)
                if snap is not None:
                    self._arr_items = snap
                    changed = True
        except Exception as exc:
            self.errors.append(exc)
        if changed:
            self.snapshot = self._handle.set_member_items(self.snapshot, self._arr_key, self._arr_items)
            self._emit()
