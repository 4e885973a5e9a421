"""Helpers for the guardrail tests: drive rule sessions over chunked streams."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from l0.types import State


def run_stream(rule, chunks: Iterable[str], every: int = 1, *, session=None):
    """Append *chunks* to a fresh State, checking the session every *every* chunks.

    Returns ``(streaming_violations, completion_violations, state)``.
    """
    sess = session if session is not None else rule.new_session()
    state = State()
    streamed = []
    for i, chunk in enumerate(chunks, 1):
        state.buffer.append(chunk)
        state.token_count += 1
        if i % every == 0 and rule.streaming:
            streamed.extend(sess.check(state))
    state.completed = True
    final = sess.check(state)
    return streamed, final, state


def messages(violations) -> list[str]:
    """The messages of *violations*, in order."""
    return [v.message for v in violations]


def chunked(text: str, size: int) -> list[str]:
    """*text* cut into pieces of *size* characters."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


@pytest.fixture(scope="session")
def gr():
    """The stream helpers: ``gr.run_stream``, ``gr.messages``, ``gr.chunked``."""
    from types import SimpleNamespace

    return SimpleNamespace(run_stream=run_stream, messages=messages, chunked=chunked)


@pytest.fixture
def completed_state():
    """Factory: a completed State holding the given text."""
    return lambda text: State(content=text, completed=True)
