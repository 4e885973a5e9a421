"""Structured output: validate streamed LLM output against a schema.

Public names: :func:`structured`, :func:`structured_stream`,
:func:`structured_object`, :func:`structured_array` and their result, info
and config types. See ``docs/structured.md``.
"""

from __future__ import annotations

from ._api import structured, structured_array, structured_object
from ._partial import PartialParser
from ._stream import StructuredStreamResult, structured_stream
from ._types import (
    MINIMAL_STRUCTURED,
    RECOMMENDED_STRUCTURED,
    STRICT_STRUCTURED,
    AutoCorrectInfo,
    StructuredConfig,
    StructuredResult,
    StructuredState,
    StructuredTelemetry,
    TruncatedOutputError,
)

structured_output = structured

__all__ = [
    "structured",
    "structured_stream",
    "structured_object",
    "structured_array",
    "structured_output",
    "StructuredResult",
    "StructuredStreamResult",
    "StructuredState",
    "StructuredTelemetry",
    "StructuredConfig",
    "AutoCorrectInfo",
    "MINIMAL_STRUCTURED",
    "RECOMMENDED_STRUCTURED",
    "STRICT_STRUCTURED",
    "TruncatedOutputError",
    "PartialParser",
]
