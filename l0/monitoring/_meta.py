"""Reading event meta written in camelCase (what the runtime emits) or snake_case (the reference's handlers)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["meta_get", "event_name", "text_of"]

_SNAKE = re.compile(r"_([a-z])")
_CACHE: dict[str, str] = {}


def _camel(key: str) -> str:
    name = _CACHE.get(key)
    if name is None:
        name = _CACHE[key] = _SNAKE.sub(lambda m: m.group(1).upper(), key)
    return name


def meta_get(meta: dict[str, Any], key: str, default: Any = None) -> Any:
    """``meta[key]`` under its snake_case name or its camelCase twin (``token_count`` / ``tokenCount``)."""
    if key in meta:
        return meta[key]
    return meta.get(_camel(key), default)


def text_of(value: Any, default: str = "unknown") -> str:
    """An enum member's value, or ``str(value)``; ``default`` for None/empty."""
    if value is None or value == "":
        return default
    return str(getattr(value, "value", value))


def event_name(event: Any) -> str:
    """The event type as a plain string (enum members and strings alike)."""
    t = getattr(event, "type", event)
    return getattr(t, "value", t)
