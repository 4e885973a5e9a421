"""``LifecycleCallbacks`` and the safe way the runtime calls user callbacks.

A callback may be sync or ``async``; an awaitable result is awaited. A
callback that raises is logged (logger ``l0``) and reported with a
``CALLBACK_ERROR`` observability event; the stream goes on.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["LifecycleCallbacks", "CALLBACK_NAMES", "merge_callbacks"]

logger = logging.getLogger("l0")


@dataclass
class LifecycleCallbacks:
    """A bundle of lifecycle callbacks (every field optional; sync or async)."""

    on_start: Callable[[int, bool, bool], Any] | None = None
    on_complete: Callable[[Any], Any] | None = None
    on_error: Callable[[BaseException, bool, bool], Any] | None = None
    on_event: Callable[[Any], Any] | None = None
    on_violation: Callable[[Any], Any] | None = None
    on_retry: Callable[[int, str], Any] | None = None
    on_fallback: Callable[[int, str], Any] | None = None
    on_resume: Callable[[str, int], Any] | None = None
    on_checkpoint: Callable[[str, int], Any] | None = None
    on_timeout: Callable[[str, float], Any] | None = None
    on_abort: Callable[[int, int], Any] | None = None
    on_drift: Callable[[list[str], float | None], Any] | None = None
    on_tool_call: Callable[[str, str, dict[str, Any]], Any] | None = None
    on_token: Callable[[str], Any] | None = None


CALLBACK_NAMES: tuple[str, ...] = tuple(f.name for f in fields(LifecycleCallbacks))


def merge_callbacks(bundle: Any, overrides: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """Individual arguments win over the bundle; every value must be callable or None.

    ``overrides`` maps the run() argument name to its value (``on_stream_event``
    is the bundle's ``on_event``).
    """
    if bundle is not None and not isinstance(bundle, LifecycleCallbacks):
        raise TypeError(f"callbacks must be a LifecycleCallbacks or None, got {type(bundle).__name__}")
    merged: dict[str, Callable[..., Any]] = {}
    for name in CALLBACK_NAMES:
        arg = "on_stream_event" if name == "on_event" else name
        value = overrides.get(arg)
        where = arg
        if value is None and bundle is not None:
            value = getattr(bundle, name)
            where = f"callbacks.{name}"
        if value is None:
            continue
        if not callable(value):
            raise TypeError(f"{where} must be callable or None, got {type(value).__name__}")
        merged[name] = value
    return merged


def call_safely(report: Callable[[str, BaseException], None], name: str, cb: Callable[..., Any],
                args: tuple[Any, ...]) -> Any:
    """Call ``cb(*args)``; return an awaitable to await, or None. Exceptions go to ``report``."""
    try:
        result = cb(*args)
    except Exception as exc:  # noqa: BLE001 - a user callback never breaks the stream
        report(name, exc)
        return None
    if result is not None and inspect.isawaitable(result):
        return _await_safely(report, name, result)
    return None


async def _await_safely(report: Callable[[str, BaseException], None], name: str, awaitable: Any) -> None:
    try:
        await awaitable
    except Exception as exc:  # noqa: BLE001
        report(name, exc)
