"""Timeouts (milliseconds) and check intervals (tokens)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ._validate import check_int

# Larger limits are refused (None disables a timeout): beyond it the seconds overflow a float
# (10**400 failed every attempt with OverflowError) or mean no limit at all (~292 million years).
MAX_TIMEOUT_MS = 2**63 - 1
# Floats below this many "milliseconds" are almost surely seconds (the
# reference's own docs show ``Timeout(initial_token=5.0)``).
_SECONDS_LOOKALIKE = 100.0


def _check_ms(name: str, value: Any) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"Timeout.{name} must be an int number of milliseconds (or None to disable), "
            f"got {type(value).__name__} ({value!r})"
        )
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise ValueError(f"Timeout.{name} must be a finite number of milliseconds, got {value}")
    if value <= 0:
        # The reference times out at once on 0 (every attempt fails); None is how to disable one.
        raise ValueError(f"Timeout.{name} must be > 0 milliseconds (None disables it), got {value}")
    if value > MAX_TIMEOUT_MS:
        got = f"{value:g}" if isinstance(value, float) else f"an int of {value.bit_length()} bits"
        raise ValueError(f"Timeout.{name} must be at most {MAX_TIMEOUT_MS} milliseconds (None disables it), got {got}")
    if isinstance(value, float) and 0 < value < _SECONDS_LOOKALIKE:
        raise ValueError(
            f"Timeout.{name}={value} looks like seconds; Timeout fields are milliseconds "
            f"(use {round(value * 1000)})"
        )
    return value


@dataclass
class Timeout:
    """Stream timeouts in **milliseconds**.

    ``initial_token`` limits the wait for the first token, ``inter_token`` the
    gap between events after it. ``None`` disables that one timeout (an
    addition; the reference failed inside the attempt). A float below 100 is
    refused because it is almost surely a number of seconds; so are 0 (the
    reference timed out at once) and values above ``MAX_TIMEOUT_MS``.
    """

    initial_token: int | None = 5000
    inter_token: int | None = 10000

    def __setattr__(self, name: str, value: Any) -> None:
        # Checked in __init__ and on later assignment alike.
        if name in ("initial_token", "inter_token"):
            value = _check_ms(name, value)
        object.__setattr__(self, name, value)

    @property
    def initial_token_seconds(self) -> float | None:
        """``initial_token`` in seconds (``None`` if disabled)."""
        return None if self.initial_token is None else self.initial_token / 1000.0

    @property
    def inter_token_seconds(self) -> float | None:
        """``inter_token`` in seconds (``None`` if disabled)."""
        return None if self.inter_token is None else self.inter_token / 1000.0


@dataclass
class CheckIntervals:
    """How often (every N counted tokens) the periodic checks run."""

    guardrails: int = 15
    drift: int = 25
    checkpoint: int = 20

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("guardrails", "drift", "checkpoint"):
            check_int("CheckIntervals", name, value, minimum=1)
        object.__setattr__(self, name, value)
