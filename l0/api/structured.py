"""Re-exports of the structured names (the reference's ``l0.api.structured`` path)."""

from __future__ import annotations

from l0._structured import (
    MINIMAL_STRUCTURED, RECOMMENDED_STRUCTURED, STRICT_STRUCTURED, AutoCorrectInfo,
    StructuredConfig, StructuredResult, StructuredState, StructuredStreamResult,
    StructuredTelemetry, structured, structured_array, structured_object, structured_stream,
)

structured_output = structured

__all__ = [
    "MINIMAL_STRUCTURED", "RECOMMENDED_STRUCTURED", "STRICT_STRUCTURED", "AutoCorrectInfo",
    "StructuredConfig", "StructuredResult", "StructuredState", "StructuredStreamResult",
    "StructuredTelemetry", "structured", "structured_output", "structured_array",
    "structured_object", "structured_stream",
]
