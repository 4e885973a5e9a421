"""Re-exports of the json schema names (the reference's ``l0.api.json_schema`` path)."""

from __future__ import annotations

from l0.json_schema import (
    JSONSchema, JSONSchemaAdapter, JSONSchemaDefinition, JSONSchemaValidationError,
    JSONSchemaValidationFailure, JSONSchemaValidationSuccess, SimpleJSONSchemaAdapter,
    UnifiedSchema,
)

__all__ = [
    "JSONSchema", "JSONSchemaAdapter", "JSONSchemaDefinition", "JSONSchemaValidationError",
    "JSONSchemaValidationFailure", "JSONSchemaValidationSuccess", "SimpleJSONSchemaAdapter",
    "UnifiedSchema",
]
