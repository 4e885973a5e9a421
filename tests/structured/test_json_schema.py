"""l0.json_schema: registry, UnifiedSchema, the built-in validator."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from l0.json_schema import (
    JSONSchema,
    JSONSchemaValidationFailure,
    JSONSchemaValidationSuccess,
    SimpleJSONSchemaAdapter,
    create_simple_json_schema_adapter,
    get_json_schema_adapter,
    has_json_schema_adapter,
    is_json_schema,
    register_json_schema_adapter,
    unregister_json_schema_adapter,
    validate_json_schema,
    wrap_json_schema,
)


@pytest.fixture
def registered():
    """The built-in adapter registered for one test."""
    register_json_schema_adapter(SimpleJSONSchemaAdapter())
    yield
    unregister_json_schema_adapter()


def _errors(schema, value):
    r = SimpleJSONSchemaAdapter().validate(schema, value)
    return [] if r.valid else [(e.path, e.message) for e in r.errors]


def test_registry():
    unregister_json_schema_adapter()
    assert not has_json_schema_adapter()
    with pytest.raises(RuntimeError, match="JSON Schema adapter not registered"):
        get_json_schema_adapter()
    adapter = create_simple_json_schema_adapter()
    register_json_schema_adapter(adapter)
    try:
        assert has_json_schema_adapter() and get_json_schema_adapter() is adapter
    finally:
        unregister_json_schema_adapter()
    with pytest.raises(TypeError, match="validate"):
        register_json_schema_adapter(object())  # type: ignore[arg-type]


def test_is_json_schema():
    assert is_json_schema({"type": "string"}) and is_json_schema({"$ref": "#/x"})
    assert not is_json_schema({"foo": 1}) and not is_json_schema("type")


def test_validate_and_wrap(registered):
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
    assert validate_json_schema(schema, {"a": 1}) == (True, {"a": 1}, None)
    ok, data, err = validate_json_schema(schema, {})
    assert not ok and data is None and str(err) == "/a: Missing required property: a"
    unified = wrap_json_schema(schema)
    assert unified.tag == "jsonschema"
    assert unified.parse({"a": 2}) == {"a": 2}
    with pytest.raises(ValueError, match="Expected integer, got string"):
        unified.parse({"a": "x"})
    assert unified.safe_parse({"a": "x"})[0] is False


def test_simple_adapter_keywords():
    assert _errors({"type": ["string", "null"]}, None) == []
    assert _errors({"type": "integer"}, 2.0) == []
    assert _errors({"type": "integer"}, 2.5) == [("", "Expected integer, got number")]
    assert _errors({"type": "number"}, True) == [("", "Expected number, got boolean")]
    assert _errors({"enum": ["a", "b"]}, "c") == [("", "Value must be one of: a, b")]
    assert _errors({"const": 1}, True) == [("", "Value must be 1")]
    assert _errors({"type": "string", "minLength": 2, "pattern": "^a"}, "b") == [
        ("", "String must be at least 2 characters"), ("", "String must match pattern: ^a")]
    assert _errors({"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5}, 0) == [("", "Value must be > 0")]
    assert _errors({"type": "array", "items": {"type": "integer"}, "maxItems": 1, "uniqueItems": True},
                   [1, 1]) == [("", "Must have at most 1 items"), ("", "Items must be unique")]
    assert _errors({"type": "object", "additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b/c": 2}) \
        == [("/b~1c", "Unknown property: b/c")]
    assert _errors({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1.5) == [
        ("", "Value must match at least one schema")]
    assert _errors({"oneOf": [{"type": "number"}, {"type": "integer"}]}, 1) == [
        ("", "Value must match exactly one schema, matched 2")]
    assert _errors({"not": {"type": "null"}}, None) == [("", "Value must not match the schema")]


def test_pydantic_generated_schema_with_refs():
    class Item(BaseModel):
        n: int

    class Box(BaseModel):
        items: list[Item]

    schema = Box.model_json_schema()
    assert _errors(schema, {"items": [{"n": 1}, {"n": "x"}]}) == [("/items/1/n", "Expected integer, got string")]
    assert _errors(schema, {"items": [{"n": 1}]}) == []


def test_namespace_and_result_types():
    assert JSONSchema.SimpleAdapter is SimpleJSONSchemaAdapter
    assert JSONSchema.is_schema({"type": "object"})
    assert JSONSchemaValidationSuccess(data=1).valid and not JSONSchemaValidationFailure().valid
    adapter = JSONSchema.create_simple_adapter()
    assert adapter.format_errors(adapter.validate({"type": "string"}, 1).errors) == "/: Expected string, got integer"
