from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

__all__ = ["Handoff", "hot_iterate"]

class Handoff:
    event_type: type
    token_type: Any
    it: Any
    coerce: Any
    append: Any
    fields: Any
    n: int
    next_due: int
    watchdog: Any
    clock: Any
    aborted: bool
    done: bool
    item: Any
    due: Any
    appended: bool
    def __init__(self, event_type: type, token_type: Any) -> None: ...

def hot_iterate(drive: AsyncGenerator[Any, None]) -> AsyncIterator[Any]: ...
