"""``StreamContext``: what a stream factory that takes an argument is told about its attempt."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StreamContext"]


@dataclass
class StreamContext:
    """Passed to a stream factory that accepts one positional argument.

    ``attempt`` is the 0-based overall attempt number, ``retry_count`` the
    retries so far, ``fallback_index`` 0 for the primary stream. When the
    attempt resumes from a checkpoint, ``is_continuation`` is True,
    ``checkpoint`` holds the text already delivered and
    ``continuation_prompt`` the result of ``build_continuation_prompt`` (if
    given): send it (or the checkpoint as an assistant prefill) so the model
    continues instead of starting over.
    """

    attempt: int = 0
    retry_count: int = 0
    fallback_index: int = 0
    checkpoint: str = ""
    continuation_prompt: str | None = None
    is_continuation: bool = False
    previous_error: BaseException | None = None
    validation_error: str | None = None
