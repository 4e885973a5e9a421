"""Helpers the runtime uses to update a :class:`~l0.types.State`."""

from __future__ import annotations

import time

from l0.types import State

__all__ = ["State", "create_state", "update_checkpoint", "append_token", "mark_completed"]


def create_state() -> State:
    """Return a new, empty :class:`State`."""
    return State()


def update_checkpoint(state: State) -> None:
    """Set ``state.checkpoint`` to all content so far."""
    state.checkpoint = state.buffer.content


def append_token(state: State, token: str) -> None:
    """Append one token: timestamps (``time.time()``), buffer, ``token_count``."""
    now = time.time()
    if state.first_token_at is None:
        state.first_token_at = now
    state.last_token_at = now
    state.buffer.append(token)
    if not getattr(type(state), "derived_token_count", False):  # a LiveState counted the append itself
        state.token_count += 1


def mark_completed(state: State) -> None:
    """Mark the stream completed and compute ``duration`` (first to last token)."""
    state.completed = True
    if state.first_token_at is not None:
        end = state.last_token_at if state.last_token_at is not None else time.time()
        state.duration = end - state.first_token_at
