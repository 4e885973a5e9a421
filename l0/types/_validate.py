"""Argument checks shared by the configuration dataclasses (clear messages naming the field)."""

from __future__ import annotations

import math
from typing import Any


def check_int(owner: str, name: str, value: Any, *, minimum: int) -> int:
    """Return ``value`` if it is an int ``>= minimum`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}.{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < minimum:
        if minimum == 0:
            raise ValueError(f"{owner}.{name} must be >= 0, got {value}")
        raise ValueError(f"{owner}.{name} must be a positive int (>= {minimum}), got {value}")
    return value


def check_seconds(owner: str, name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite, non-negative number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{owner}.{name} must be a number of seconds (int or float), got {type(value).__name__} ({value!r})"
        )
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{owner}.{name} must be a finite number of seconds, got {value}")
    if value < 0:
        raise ValueError(f"{owner}.{name} must be >= 0 seconds, got {value}")
    return value


def check_callable(owner: str, name: str, value: Any) -> Any:
    """Return ``value`` if it is ``None`` or callable."""
    if value is not None and not callable(value):
        raise TypeError(f"{owner}.{name} must be callable or None, got {type(value).__name__}")
    return value
