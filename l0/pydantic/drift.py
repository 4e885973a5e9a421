"""Models mirroring ``l0.drift``."""

from __future__ import annotations

from typing import Literal

from ._base import L0Model

__all__ = ["DriftResultModel", "DriftConfigModel"]

DriftTypeLiteral = Literal[
    "tone_shift", "meta_commentary", "format_collapse", "repetition", "entropy_spike", "markdown_collapse", "hedging"
]


class DriftResultModel(L0Model):
    __l0__ = "l0.drift:DriftResult"

    detected: bool
    confidence: float
    types: list[DriftTypeLiteral]
    details: str | None = None


class DriftConfigModel(L0Model):
    __l0__ = "l0.drift:DriftConfig"

    detect_tone_shift: bool = True
    detect_meta_commentary: bool = True
    detect_repetition: bool = True
    detect_entropy_spike: bool = True
    repetition_threshold: int = 3
    entropy_threshold: float = 2.5
    entropy_window: int = 50
    sliding_window_size: int = 500
