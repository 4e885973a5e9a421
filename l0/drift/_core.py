"""Drift configuration and result types (``DriftConfig``, ``DriftResult``, ``DriftType``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Literal, cast

from l0._drift_text import CONFIDENCE, DETAIL

__all__ = ["DriftType", "DriftResult", "DriftConfig", "config_of", "result_of"]

DriftType = Literal[
    "tone_shift", "meta_commentary", "format_collapse", "repetition", "entropy_spike", "markdown_collapse", "hedging"
]


@dataclass
class DriftResult:
    detected: bool
    confidence: float
    types: list[DriftType]
    details: str | None = None


def _check_bool(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be bool, got {type(value).__name__}")


def _check_int(value: object, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")


@dataclass
class DriftConfig:
    """Switches and thresholds (format collapse, markdown collapse and hedging always run)."""

    detect_tone_shift: bool = True
    detect_meta_commentary: bool = True
    detect_repetition: bool = True
    detect_entropy_spike: bool = True
    repetition_threshold: int = 3
    entropy_threshold: float = 2.5
    entropy_window: int = 50
    sliding_window_size: int = 500

    def __post_init__(self) -> None:
        for name in ("detect_tone_shift", "detect_meta_commentary", "detect_repetition", "detect_entropy_spike"):
            _check_bool(getattr(self, name), name)
        _check_int(self.repetition_threshold, "repetition_threshold", 1)
        _check_int(self.entropy_window, "entropy_window", 1)
        _check_int(self.sliding_window_size, "sliding_window_size", 0)
        t = self.entropy_threshold
        if isinstance(t, bool) or not isinstance(t, Real):
            raise TypeError(f"entropy_threshold must be a number, got {type(t).__name__}")
        if not math.isfinite(float(t)):
            raise ValueError(f"entropy_threshold must be a finite number, got {t!r}")


def config_of(config: DriftConfig | None) -> DriftConfig:
    """``config``, or the defaults for None; TypeError for anything else."""
    if config is None:
        return DriftConfig()
    if not isinstance(config, DriftConfig):
        raise TypeError(f"config must be a DriftConfig or None, got {type(config).__name__}")
    return config


def result_of(types: list[str]) -> DriftResult:
    """The result of a check that found *types* (in ``DriftDetector``'s order)."""
    if not types:
        return DriftResult(detected=False, confidence=0.0, types=[], details=None)
    return DriftResult(
        detected=True,
        confidence=max(CONFIDENCE[t] for t in types),
        types=cast("list[DriftType]", types),
        details="; ".join(DETAIL[t] for t in types),
    )
