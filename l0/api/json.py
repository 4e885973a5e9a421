"""Re-exports of the json names (the reference's ``l0.api.json`` path)."""

from __future__ import annotations

from l0._utils import JSON, AutoCorrectResult, CorrectionType

__all__ = [
    "JSON", "AutoCorrectResult", "CorrectionType",
]
