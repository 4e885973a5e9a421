"""Shared machinery of the built-in rule sessions.

A built-in rule is a :class:`GuardrailRule` whose ``check`` is a :class:`DirectCheck`:
calling it directly keeps one session per ``State`` object (weakly referenced), so
direct calls on different states never share incremental state either.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from l0._text_buffer import TextBuffer, buffer_of

from .types import GuardrailRule, GuardrailViolation

if TYPE_CHECKING:  # pragma: no cover
    from l0.types import State

__all__ = ["TextBuffer", "buffer_of", "BuiltinSession", "DirectCheck", "make_rule"]


class BuiltinSession:
    """Base of the built-in sessions: reads only the text appended since the last check.

    Subclasses implement ``reset_state()`` and ``check(state)``; they call
    :meth:`advance` to get ``(start, delta)``. A shrinking buffer, fewer tokens or
    a changed character at the last seen offset mean the content was replaced:
    the session starts over.
    """

    __slots__ = ("rule", "pos", "_tokens", "_last")

    #: True when no streaming check can report anything more while the text only grows
    #: (the runtime then stops calling it until completion). Subclasses override.
    streaming_idle = False
    #: ``check_fresh(state, delta)``: ``check`` given exactly the text appended since the
    #: previous check (the runtime passes it; sessions that read it cheaper define it).
    check_fresh: Any = None

    def __init__(self, rule: GuardrailRule) -> None:
        self.rule = rule
        self.pos = 0
        self._tokens = 0
        self._last = ""
        self.reset_state()

    def reset_state(self) -> None:  # pragma: no cover - overridden
        pass

    def advance(self, state: Any) -> tuple[int, str]:
        buf = getattr(state, "buffer", None)
        if buf is None:
            buf = buffer_of(state)
        n = len(buf)
        pos = self.pos
        tokens = buf.token_count
        if pos:
            # Read one character more than needed: it must still be the last one seen.
            text = buf.since(pos - 1) if n >= pos else ""
            if text[:1] != self._last or tokens < self._tokens:
                self.pos = pos = 0
                self._last = ""
                self.reset_state()
                delta = buf.since(0)
            else:
                delta = text[1:]
        else:
            delta = buf.since(0)
        self._tokens = tokens
        if delta:
            self.pos = pos + len(delta)
            self._last = delta[-1]
        return pos, delta

    def violation(self, message: str, **extra: Any) -> GuardrailViolation:
        rule = self.rule
        return GuardrailViolation(
            rule=rule.name, message=message, severity=rule.severity, recoverable=rule.recoverable, **extra
        )

    def check(self, state: State) -> list[GuardrailViolation]:  # pragma: no cover - overridden
        raise NotImplementedError


class DirectCheck:
    """``rule.check``: one session per ``State`` object, created on first use."""

    __slots__ = ("_session_factory", "_rule", "_sessions", "__weakref__")

    def __init__(self, session_factory: Callable[[GuardrailRule], Any]) -> None:
        self._session_factory = session_factory
        self._rule: GuardrailRule | None = None
        self._sessions: dict[int, tuple[Any, Any]] = {}

    def _rebind(self, rule: GuardrailRule) -> DirectCheck:
        if self._rule is None:
            self._rule = rule
            return self
        if self._rule is rule:
            return self
        return DirectCheck(self._session_factory)._rebind(rule)

    def __call__(self, state: State) -> list[GuardrailViolation]:
        rule = self._rule
        assert rule is not None
        key = id(state)
        entry = self._sessions.get(key)
        if entry is not None and entry[0]() is state:
            return entry[1].check(state)
        session = self._session_factory(rule)
        try:
            sessions = self._sessions
            ref = weakref.ref(state, lambda _r, key=key, sessions=sessions: sessions.pop(key, None))
        except TypeError:
            # Not weak-referenceable: every call is a fresh, stateless check.
            return session.check(state)
        self._sessions[key] = (ref, session)
        return session.check(state)

    def __repr__(self) -> str:
        name = self._rule.name if self._rule is not None else "?"
        return f"<built-in check of rule {name!r}>"


def make_rule(
    name: str,
    session_factory: Callable[[GuardrailRule], Any],
    *,
    description: str,
    streaming: bool = True,
    severity: str = "error",
    recoverable: bool = True,
) -> GuardrailRule:
    """A :class:`GuardrailRule` whose sessions come from *session_factory*."""
    return GuardrailRule(
        name=name,
        check=DirectCheck(session_factory),
        description=description,
        streaming=streaming,
        severity=severity,  # type: ignore[arg-type]
        recoverable=recoverable,
    )
