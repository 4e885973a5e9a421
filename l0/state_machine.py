"""A small runtime state machine (``l0.state_machine``): states, history, listeners.

Standalone, as in the reference: the runtime does not drive it; wire it up
yourself, e.g. from ``on_event``. See ``docs/consensus.md`` (state machine section).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["RuntimeState", "RuntimeStates", "StateTransition", "StateMachine", "create_state_machine"]

logger = logging.getLogger("l0")


class RuntimeState(str, Enum):
    """The lifecycle states of a stream."""

    INIT = "init"
    WAITING_FOR_TOKEN = "waiting_for_token"
    STREAMING = "streaming"
    TOOL_CALL_DETECTED = "tool_call_detected"
    CONTINUATION_MATCHING = "continuation_matching"
    CHECKPOINT_VERIFYING = "checkpoint_verifying"
    RETRYING = "retrying"
    FALLBACK = "fallback"
    FINALIZING = "finalizing"
    COMPLETE = "complete"
    ERROR = "error"


RuntimeStates = RuntimeState

_TERMINAL = frozenset((RuntimeState.COMPLETE, RuntimeState.ERROR))


@dataclass(frozen=True)
class StateTransition:
    """One transition; ``timestamp`` is ``time.time()`` in seconds."""

    from_state: RuntimeState
    to_state: RuntimeState
    timestamp: float


def _coerce(state: Any) -> RuntimeState:
    try:
        return RuntimeState(state)
    except ValueError:
        names = ", ".join(s.value for s in RuntimeState)
        raise ValueError(f"state must be a RuntimeState or one of {names}; got {state!r}") from None


class StateMachine:
    """Current state, transition history and listeners.

    ``transition`` to the current state does nothing; otherwise it records a
    :class:`StateTransition` and calls every listener (in subscription order)
    with the new state. A listener that raises is logged (logger ``l0``) and
    the others still run. ``max_history`` bounds the history (oldest dropped);
    ``None`` keeps all of it, as the reference does.
    """

    __slots__ = ("_state", "_history", "_listeners", "_next_id")

    def __init__(self, max_history: int | None = None) -> None:
        if max_history is not None and (isinstance(max_history, bool) or not isinstance(max_history, int)
                                        or max_history < 0):
            raise ValueError(f"max_history must be an int >= 0 or None, got {max_history!r}")
        self._state = RuntimeState.INIT
        self._history: deque[StateTransition] = deque(maxlen=max_history)
        self._listeners: dict[int, Callable[[RuntimeState], Any]] = {}
        self._next_id = 0

    @classmethod
    def create(cls, max_history: int | None = None) -> StateMachine:
        return cls(max_history)

    def transition(self, next_state: RuntimeState | str) -> None:
        """Move to ``next_state`` (a :class:`RuntimeState` or its value); unknown states raise ``ValueError``."""
        target = _coerce(next_state)
        if target is self._state:
            return
        self._history.append(StateTransition(self._state, target, time.time()))
        self._state = target
        self._notify()

    def get(self) -> RuntimeState:
        return self._state

    @property
    def state(self) -> RuntimeState:
        return self._state

    def is_(self, *states: RuntimeState | str) -> bool:
        """True if the current state is one of ``states``."""
        return any(self._state == s for s in states)

    is_state = is_

    def is_terminal(self) -> bool:
        """True in COMPLETE or ERROR."""
        return self._state in _TERMINAL

    def reset(self) -> None:
        """Back to INIT with an empty history (listeners are told only if the state changed)."""
        changed = self._state is not RuntimeState.INIT
        self._state = RuntimeState.INIT
        self._history.clear()
        if changed:
            self._notify()

    def get_history(self) -> list[StateTransition]:
        """A copy of the transitions so far, oldest first."""
        return list(self._history)

    def subscribe(self, listener: Callable[[RuntimeState], Any]) -> Callable[[], None]:
        """Call ``listener(state)`` after every change; returns the function that unsubscribes."""
        if not callable(listener):
            raise TypeError(f"listener must be callable, got {type(listener).__name__}")
        key = self._next_id
        self._next_id += 1
        self._listeners[key] = listener

        def unsubscribe() -> None:
            self._listeners.pop(key, None)

        return unsubscribe

    def _notify(self) -> None:
        state = self._state
        for listener in list(self._listeners.values()):
            try:
                listener(state)
            except Exception:  # a failing listener never breaks the machine or the other listeners
                logger.warning("state machine listener %r raised (ignored)",
                               getattr(listener, "__qualname__", listener), exc_info=True)

    def __repr__(self) -> str:
        return f"StateMachine(state={self._state.value!r}, transitions={len(self._history)})"


def create_state_machine(max_history: int | None = None) -> StateMachine:
    """Same as :meth:`StateMachine.create` (kept for the reference's API)."""
    return StateMachine(max_history)
