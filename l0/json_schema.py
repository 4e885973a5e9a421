"""JSON Schema support: a pluggable adapter registry and a built-in validator.

``structured()`` accepts a JSON Schema ``dict`` as its schema: the data is
validated with the registered adapter (:func:`register_json_schema_adapter`,
e.g. one wrapping the ``jsonschema`` package) or, when none is registered, the
built-in :class:`SimpleJSONSchemaAdapter`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, Union, runtime_checkable

__all__ = [
    "JSONSchemaDefinition",
    "JSONSchemaValidationError",
    "JSONSchemaValidationSuccess",
    "JSONSchemaValidationFailure",
    "JSONSchemaValidationResult",
    "JSONSchemaAdapter",
    "register_json_schema_adapter",
    "unregister_json_schema_adapter",
    "has_json_schema_adapter",
    "get_json_schema_adapter",
    "is_json_schema",
    "validate_json_schema",
    "UnifiedSchema",
    "wrap_json_schema",
    "SimpleJSONSchemaAdapter",
    "create_simple_json_schema_adapter",
    "JSONSchema",
]

T = TypeVar("T")

JSONSchemaDefinition = dict[str, Any]


@dataclass
class JSONSchemaValidationError:
    """One validation error: JSON-pointer-like ``path`` ("" is the root) and message."""

    path: str
    message: str
    keyword: str | None = None
    params: dict[str, Any] | None = None


@dataclass
class JSONSchemaValidationSuccess(Generic[T]):
    """A successful validation."""

    valid: bool = True
    data: T | None = None


@dataclass
class JSONSchemaValidationFailure:
    """A failed validation with its errors."""

    valid: bool = False
    errors: list[JSONSchemaValidationError] | None = None


JSONSchemaValidationResult = Union[JSONSchemaValidationSuccess[Any], JSONSchemaValidationFailure]


@runtime_checkable
class JSONSchemaAdapter(Protocol):
    """What a JSON Schema validator must provide to be registered."""

    def validate(self, schema: JSONSchemaDefinition, data: Any) -> JSONSchemaValidationResult: ...

    def format_errors(self, errors: list[JSONSchemaValidationError]) -> str: ...


_adapter: JSONSchemaAdapter | None = None


def register_json_schema_adapter(adapter: JSONSchemaAdapter) -> None:
    """Register the process-wide JSON Schema adapter."""
    if not callable(getattr(adapter, "validate", None)) or not callable(getattr(adapter, "format_errors", None)):
        raise TypeError("adapter must have validate(schema, data) and format_errors(errors) methods")
    global _adapter
    _adapter = adapter


def unregister_json_schema_adapter() -> None:
    """Remove the registered adapter."""
    global _adapter
    _adapter = None


def has_json_schema_adapter() -> bool:
    """True if an adapter is registered."""
    return _adapter is not None


def get_json_schema_adapter() -> JSONSchemaAdapter:
    """The registered adapter; ``RuntimeError`` if there is none."""
    if _adapter is None:
        raise RuntimeError("JSON Schema adapter not registered. Call register_json_schema_adapter() first.")
    return _adapter


_SCHEMA_KEYS = ("$schema", "type", "properties", "$ref", "allOf", "anyOf", "oneOf")


def is_json_schema(value: Any) -> bool:
    """True for a dict holding any of ``$schema, type, properties, $ref, allOf, anyOf, oneOf``."""
    return isinstance(value, dict) and any(k in value for k in _SCHEMA_KEYS)


def validate_json_schema(schema: JSONSchemaDefinition, data: Any) -> tuple[bool, Any | None, Exception | None]:
    """Validate with the registered adapter: ``(ok, data, error)``."""
    adapter = get_json_schema_adapter()
    result = adapter.validate(schema, data)
    if isinstance(result, JSONSchemaValidationSuccess) or getattr(result, "valid", None) is True:
        return True, getattr(result, "data", data), None
    if isinstance(result, JSONSchemaValidationFailure) or getattr(result, "valid", None) is False:
        return False, None, ValueError(adapter.format_errors(getattr(result, "errors", None) or []))
    return False, None, ValueError("Unknown validation result")


class UnifiedSchema(Generic[T]):
    """A schema seen through ``parse`` (raises) and ``safe_parse`` (returns a tuple)."""

    def __init__(
        self,
        tag: str,
        parse_fn: Callable[[Any], T],
        safe_parse_fn: Callable[[Any], tuple[bool, T | None, Exception | None]],
    ) -> None:
        self._tag = tag
        self._parse = parse_fn
        self._safe_parse = safe_parse_fn

    @property
    def tag(self) -> str:
        """Which kind of schema this wraps (``"jsonschema"``)."""
        return self._tag

    def parse(self, data: Any) -> T:
        """Validate and return the data; raises on failure."""
        return self._parse(data)

    def safe_parse(self, data: Any) -> tuple[bool, T | None, Exception | None]:
        """Validate without raising: ``(ok, data, error)``."""
        return self._safe_parse(data)


def wrap_json_schema(schema: JSONSchemaDefinition) -> UnifiedSchema[Any]:
    """Wrap a JSON Schema as a :class:`UnifiedSchema` (tag ``"jsonschema"``)."""

    def parse(data: Any) -> Any:
        ok, value, err = validate_json_schema(schema, data)
        if not ok:
            raise err if err is not None else ValueError("Validation failed")
        return value

    def safe_parse(data: Any) -> tuple[bool, Any | None, Exception | None]:
        return validate_json_schema(schema, data)

    wrapped: UnifiedSchema[Any] = UnifiedSchema("jsonschema", parse, safe_parse)
    wrapped.schema = schema  # type: ignore[attr-defined]
    return wrapped


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def _type_ok(value: Any, actual: str, expected: str) -> bool:
    if actual == expected:
        return True
    if expected == "number" and actual == "integer":
        return True
    if expected == "integer" and actual == "number":
        return math.isfinite(value) and float(value).is_integer()
    return False


def _equal(a: Any, b: Any) -> bool:
    # JSON equality: 1 == 1.0 but True != 1
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _ptr(path: str, key: Any) -> str:
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"


class SimpleJSONSchemaAdapter:
    """Built-in validator for the common JSON Schema keywords.

    Supports ``type``, ``enum``, ``const``, ``properties``, ``required``,
    ``additionalProperties``, ``patternProperties``, ``minProperties``,
    ``maxProperties``, ``items`` (schema or tuple list), ``prefixItems``,
    ``minItems``, ``maxItems``, ``uniqueItems``, ``minLength``, ``maxLength``,
    ``pattern``, ``minimum``, ``maximum``, ``exclusiveMinimum``,
    ``exclusiveMaximum``, ``multipleOf``, ``allOf``, ``anyOf``, ``oneOf``,
    ``not`` and local ``$ref`` (``#/$defs/…``, ``#/definitions/…``), which
    covers the schemas Pydantic's ``model_json_schema()`` produces. Formats
    are not checked.
    """

    def validate(self, schema: JSONSchemaDefinition, data: Any) -> JSONSchemaValidationResult:
        errors: list[JSONSchemaValidationError] = []
        self._check(schema, data, "", errors, schema, 0)
        if errors:
            return JSONSchemaValidationFailure(errors=errors)
        return JSONSchemaValidationSuccess(data=data)

    def format_errors(self, errors: list[JSONSchemaValidationError]) -> str:
        return "; ".join(f"{e.path or '/'}: {e.message}" for e in errors)

    def _resolve(self, ref: str, root: JSONSchemaDefinition) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        node: Any = root
        for part in ref[1:].split("/"):
            if part:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def _check(
        self,
        schema: Any,
        value: Any,
        path: str,
        errors: list[JSONSchemaValidationError],
        root: JSONSchemaDefinition,
        depth: int,
    ) -> None:
        if schema is True or schema is None:
            return
        if schema is False:
            errors.append(JSONSchemaValidationError(path, "No value is allowed here", "false"))
            return
        if depth > 200:
            errors.append(JSONSchemaValidationError(path, "Schema nesting too deep", "$ref"))
            return
        if "$ref" in schema:
            self._check(self._resolve(schema["$ref"], root), value, path, errors, root, depth + 1)
        actual = _json_type(value)
        expected = schema.get("type")
        if expected is not None:
            types = expected if isinstance(expected, list) else [expected]
            if not any(_type_ok(value, actual, t) for t in types):
                errors.append(
                    JSONSchemaValidationError(
                        path, f"Expected {' or '.join(types)}, got {actual}", "type", {"type": expected}
                    )
                )
                return
        if "enum" in schema and not any(_equal(value, e) for e in schema["enum"]):
            errors.append(
                JSONSchemaValidationError(
                    path,
                    f"Value must be one of: {', '.join(str(e) for e in schema['enum'])}",
                    "enum",
                    {"allowedValues": schema["enum"]},
                )
            )
        if "const" in schema and not _equal(value, schema["const"]):
            errors.append(
                JSONSchemaValidationError(path, f"Value must be {schema['const']!r}", "const", {"const": schema["const"]})
            )
        for sub in schema.get("allOf", ()):
            self._check(sub, value, path, errors, root, depth + 1)
        if "anyOf" in schema:
            if not any(self._passes(sub, value, path, root, depth) for sub in schema["anyOf"]):
                errors.append(JSONSchemaValidationError(path, "Value must match at least one schema", "anyOf"))
        if "oneOf" in schema:
            hits = sum(1 for sub in schema["oneOf"] if self._passes(sub, value, path, root, depth))
            if hits != 1:
                errors.append(
                    JSONSchemaValidationError(path, f"Value must match exactly one schema, matched {hits}", "oneOf")
                )
        if "not" in schema and self._passes(schema["not"], value, path, root, depth):
            errors.append(JSONSchemaValidationError(path, "Value must not match the schema", "not"))
        if actual == "object":
            self._check_object(schema, value, path, errors, root, depth)
        elif actual == "array":
            self._check_array(schema, value, path, errors, root, depth)
        elif actual == "string":
            self._check_string(schema, value, path, errors)
        elif actual in ("integer", "number"):
            self._check_number(schema, value, path, errors)

    def _passes(self, schema: Any, value: Any, path: str, root: JSONSchemaDefinition, depth: int) -> bool:
        errs: list[JSONSchemaValidationError] = []
        self._check(schema, value, path, errs, root, depth + 1)
        return not errs

    def _check_object(self, schema: Any, value: dict[str, Any], path: str, errors: list[JSONSchemaValidationError],
                      root: JSONSchemaDefinition, depth: int) -> None:
        for key in schema.get("required", ()):
            if key not in value:
                errors.append(
                    JSONSchemaValidationError(
                        _ptr(path, key), f"Missing required property: {key}", "required", {"missingProperty": key}
                    )
                )
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        additional = schema.get("additionalProperties", True)
        for key, item in value.items():
            matched = False
            if key in props:
                matched = True
                self._check(props[key], item, _ptr(path, key), errors, root, depth + 1)
            for pattern, sub in patterns.items():
                if re.search(pattern, key):
                    matched = True
                    self._check(sub, item, _ptr(path, key), errors, root, depth + 1)
            if not matched:
                if additional is False:
                    errors.append(
                        JSONSchemaValidationError(
                            _ptr(path, key), f"Unknown property: {key}", "additionalProperties",
                            {"additionalProperty": key},
                        )
                    )
                elif isinstance(additional, dict):
                    self._check(additional, item, _ptr(path, key), errors, root, depth + 1)
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            errors.append(JSONSchemaValidationError(path, f"Must have at least {schema['minProperties']} properties",
                                                    "minProperties"))
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            errors.append(JSONSchemaValidationError(path, f"Must have at most {schema['maxProperties']} properties",
                                                    "maxProperties"))

    def _check_array(self, schema: Any, value: list[Any], path: str, errors: list[JSONSchemaValidationError],
                     root: JSONSchemaDefinition, depth: int) -> None:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(items, list):
            prefix, items = items, schema.get("additionalItems", True)
        start = 0
        if prefix is not None:
            for i, sub in enumerate(prefix[: len(value)]):
                self._check(sub, value[i], _ptr(path, i), errors, root, depth + 1)
            start = len(prefix)
        if items is not None and items is not True:
            for i in range(start, len(value)):
                self._check(items, value[i], _ptr(path, i), errors, root, depth + 1)
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(JSONSchemaValidationError(path, f"Must have at least {schema['minItems']} items", "minItems"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(JSONSchemaValidationError(path, f"Must have at most {schema['maxItems']} items", "maxItems"))
        if schema.get("uniqueItems"):
            for i in range(len(value)):
                if any(_equal(value[i], value[j]) for j in range(i)):
                    errors.append(JSONSchemaValidationError(path, "Items must be unique", "uniqueItems"))
                    break

    def _check_string(self, schema: Any, value: str, path: str, errors: list[JSONSchemaValidationError]) -> None:
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(JSONSchemaValidationError(path, f"String must be at least {schema['minLength']} characters",
                                                    "minLength"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(JSONSchemaValidationError(path, f"String must be at most {schema['maxLength']} characters",
                                                    "maxLength"))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(JSONSchemaValidationError(path, f"String must match pattern: {schema['pattern']}", "pattern"))

    def _check_number(self, schema: Any, value: float, path: str, errors: list[JSONSchemaValidationError]) -> None:
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(JSONSchemaValidationError(path, f"Value must be >= {schema['minimum']}", "minimum"))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(JSONSchemaValidationError(path, f"Value must be <= {schema['maximum']}", "maximum"))
        xmin = schema.get("exclusiveMinimum")
        if isinstance(xmin, (int, float)) and not isinstance(xmin, bool) and value <= xmin:
            errors.append(JSONSchemaValidationError(path, f"Value must be > {xmin}", "exclusiveMinimum"))
        xmax = schema.get("exclusiveMaximum")
        if isinstance(xmax, (int, float)) and not isinstance(xmax, bool) and value >= xmax:
            errors.append(JSONSchemaValidationError(path, f"Value must be < {xmax}", "exclusiveMaximum"))
        step = schema.get("multipleOf")
        if step:
            q = value / step
            if not math.isclose(q, round(q), rel_tol=0, abs_tol=1e-9):
                errors.append(JSONSchemaValidationError(path, f"Value must be a multiple of {step}", "multipleOf"))


def create_simple_json_schema_adapter() -> SimpleJSONSchemaAdapter:
    """A new :class:`SimpleJSONSchemaAdapter`."""
    return SimpleJSONSchemaAdapter()


class JSONSchema:
    """Namespace of the JSON Schema helpers."""

    Definition = JSONSchemaDefinition
    ValidationError = JSONSchemaValidationError
    ValidationSuccess = JSONSchemaValidationSuccess
    ValidationFailure = JSONSchemaValidationFailure
    Adapter = JSONSchemaAdapter
    SimpleAdapter = SimpleJSONSchemaAdapter
    Unified = UnifiedSchema

    register = staticmethod(register_json_schema_adapter)
    unregister = staticmethod(unregister_json_schema_adapter)
    has_adapter = staticmethod(has_json_schema_adapter)
    get_adapter = staticmethod(get_json_schema_adapter)
    is_schema = staticmethod(is_json_schema)
    validate = staticmethod(validate_json_schema)
    wrap = staticmethod(wrap_json_schema)
    create_simple_adapter = staticmethod(create_simple_json_schema_adapter)
