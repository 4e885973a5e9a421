"""One interface over the schema kinds structured output accepts.

* a Pydantic v2 ``BaseModel`` subclass;
* any other type Pydantic can validate (``list[Item]``, ``dict[str, int]``,
  a ``TypedDict``, ...) through a ``TypeAdapter``;
* a JSON Schema ``dict`` (validated by the registered JSON Schema adapter, or
  the built-in one);
* a :class:`~l0.json_schema.UnifiedSchema` (from ``wrap_json_schema``).

Every validation failure surfaces as a ``pydantic.ValidationError`` so retry
and reporting treat all kinds alike. The handle also validates single
members and items for partial-object streaming: values there are complete,
and only field-level checks run (model validators wait for the final object).
"""

from __future__ import annotations

import typing
import weakref
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError, create_model, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from l0._jsonparse import loads
from l0.json_schema import (
    SimpleJSONSchemaAdapter,
    UnifiedSchema,
    get_json_schema_adapter,
    has_json_schema_adapter,
    is_json_schema,
)

__all__ = ["SchemaHandle", "make_handle", "json_invalid_error"]

_SIMPLE = SimpleJSONSchemaAdapter()


def _custom_error(title: str, kind: str, message: str, loc: tuple[Any, ...], value: Any) -> ValidationError:
    return ValidationError.from_exception_data(
        title, [{"type": PydanticCustomError(kind, message), "loc": loc, "input": value}]
    )


def json_invalid_error(title: str, exc: Exception, text: str) -> ValidationError:
    """A ``ValidationError`` of type ``json_invalid`` for unparseable text."""
    return ValidationError.from_exception_data(
        title, [{"type": "json_invalid", "loc": (), "input": text, "ctx": {"error": str(exc)}}]
    )


def _list_item_type(annotation: Any) -> Any | None:
    """``X`` for ``list[X]``, ``Sequence[X]``, ``Optional[list[X]]``...; else None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or str(origin) == "types.UnionType":
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _list_item_type(inner[0]) if len(inner) == 1 else None
    if origin is typing.Annotated:
        return _list_item_type(typing.get_args(annotation)[0])
    if origin in (list, Sequence, typing.Sequence, set, frozenset, tuple):
        args = typing.get_args(annotation)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return None
        return args[0] if args else Any
    return None


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or str(origin) == "types.UnionType":
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return inner[0]
    return annotation


@lru_cache(maxsize=256)
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


_PARTIALS: weakref.WeakKeyDictionary[type[BaseModel], type[BaseModel]] = weakref.WeakKeyDictionary()


def _partial_model(model: type[BaseModel]) -> type[BaseModel]:
    """A model with every field optional (default None) and the field validators
    of ``model`` but none of its model validators: partial values must never
    reach a validator that expects the whole object."""
    cached = _PARTIALS.get(model)
    if cached is not None:
        return cached
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        optional = typing.Optional[info.annotation]  # type: ignore[name-defined]  # noqa: UP007
        copy = FieldInfo.merge_field_infos(info)
        copy.default = None
        copy.default_factory = None
        copy.annotation = optional
        fields[name] = (optional, copy)
    validators: dict[str, Any] = {}
    for key, dec in model.__pydantic_decorators__.field_validators.items():
        func = getattr(dec.func, "__func__", dec.func)
        validators[key] = field_validator(*dec.info.fields, mode=dec.info.mode, check_fields=False)(func)
    config = dict(model.model_config)
    config.pop("extra", None)
    partial = create_model(  # type: ignore[call-overload]
        f"Partial{model.__name__}", __config__=config, __validators__=validators, **fields
    )
    _PARTIALS[model] = partial
    return partial  # type: ignore[no-any-return]


class SchemaHandle:
    """Validation and partial-validation entry points for one schema."""

    kind: str = "pydantic"
    name: str = "schema"
    #: "object" (members complete one by one), "array" (items), or None
    partial_shape: str | None = None

    def validate_text(self, text: str, strict: bool) -> Any:
        raise NotImplementedError

    def validate_value(self, value: Any, strict: bool) -> Any:
        raise NotImplementedError

    # partial streaming ---------------------------------------------------------------------
    def new_snapshot(self) -> Any:
        return {} if self.partial_shape == "object" else []

    def add_member(self, snapshot: Any, key: str, value: Any) -> Any:
        """Validate one complete member; the new snapshot, or None if nothing changed
        (raises ValidationError)."""
        raise NotImplementedError

    def member_item_validator(self, key: str) -> Any | None:
        """A callable validating one item of list-typed member ``key``, or None."""
        return None

    def set_member_items(self, snapshot: Any, key: str, items: list[Any] | None) -> Any:
        """Attach the live list of streamed items to the snapshot (None removes it)."""
        return snapshot

    def items_are_final(self, key: str) -> bool:
        """True when a list member needs no check beyond its items' (so the
        items validated while streaming are its final value)."""
        return False

    def member_object_handle(self, key: str) -> SchemaHandle | None:
        """The handle of member ``key`` when it is a nested object whose fields can stream."""
        return None

    def validate_item(self, value: Any) -> Any:
        """Validate one complete item of an array schema."""
        raise NotImplementedError

    def _loads(self, text: str) -> Any:
        try:
            return loads(text)
        except ValueError as exc:
            raise json_invalid_error(self.name, exc, text) from None


class ModelHandle(SchemaHandle):
    """A Pydantic ``BaseModel`` subclass."""

    partial_shape = "object"

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.name = model.__name__
        self._partial: type[BaseModel] | None = None
        self._keys: set[str] | None = None
        self._fields_by_key: dict[str, tuple[str, FieldInfo] | None] = {}
        self._final_items: dict[str, bool] = {}
        self._nested: dict[str, SchemaHandle | None] = {}

    def _known_keys(self) -> set[str]:
        if self._keys is None:
            keys = set(self.model.model_fields)
            for info in self.model.model_fields.values():
                for alias in (info.alias, info.validation_alias):
                    if isinstance(alias, str):
                        keys.add(alias)
            self._keys = keys
        return self._keys

    def validate_text(self, text: str, strict: bool) -> Any:
        if not strict:
            return self.model.model_validate_json(text)
        return self.validate_value(self._loads(text), strict)

    def validate_value(self, value: Any, strict: bool) -> Any:
        if strict and isinstance(value, dict):
            extra = [k for k in value if k not in self._known_keys()]
            if extra:
                raise ValidationError.from_exception_data(
                    f"Extra fields not allowed: {set(extra)}",
                    [{"type": "extra_forbidden", "loc": (k,), "input": value[k]} for k in extra],
                )
        return self.model.model_validate(value)

    def partial_model(self) -> type[BaseModel]:
        if self._partial is None:
            self._partial = _partial_model(self.model)
        return self._partial

    def new_snapshot(self) -> Any:
        return self.partial_model().model_construct()

    def add_member(self, snapshot: Any, key: str, value: Any) -> Any:
        checked = self.partial_model().model_validate({key: value})
        names = checked.model_fields_set
        if not names:
            return None  # a key the model does not know
        update = {n: getattr(checked, n) for n in names}
        return snapshot.model_copy(update=update)

    def _field_for(self, key: str) -> tuple[str, FieldInfo] | None:
        cache = self._fields_by_key
        if key in cache:
            return cache[key]
        found: tuple[str, FieldInfo] | None = None
        fields = self.model.model_fields
        if key in fields:
            found = key, fields[key]
        else:
            for name, info in fields.items():
                if key in (info.alias, info.validation_alias):
                    found = name, info
                    break
        if len(cache) < 1024:
            cache[key] = found
        return found

    def member_item_validator(self, key: str) -> Any | None:
        found = self._field_for(key)
        if found is None:
            return None
        item = _list_item_type(found[1].annotation)
        if item is None:
            return None
        return _adapter(item).validate_python

    def set_member_items(self, snapshot: Any, key: str, items: list[Any] | None) -> Any:
        found = self._field_for(key)
        if found is None:
            return snapshot
        copy = snapshot.model_copy(update={found[0]: items})
        if items is None:
            copy.__pydantic_fields_set__.discard(found[0])
        return copy

    def member_object_handle(self, key: str) -> SchemaHandle | None:
        if key in self._nested:
            return self._nested[key]
        found = self._field_for(key)
        handle: SchemaHandle | None = None
        if found is not None:
            tp = _strip_optional(found[1].annotation)
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                handle = ModelHandle(tp)
        if len(self._nested) < 1024:
            self._nested[key] = handle
        return handle

    def items_are_final(self, key: str) -> bool:
        cached = self._final_items.get(key)
        if cached is None:
            cached = self._final_items[key] = self._check_items_final(key)
        return cached

    def _check_items_final(self, key: str) -> bool:
        found = self._field_for(key)
        if found is None:
            return False
        name, info = found
        if self.model.model_config.get("strict") or info.metadata or typing.get_origin(_strip_optional(info.annotation)) is not list:
            return False
        for dec in self.model.__pydantic_decorators__.field_validators.values():
            if name in dec.info.fields or "*" in dec.info.fields:
                return False
        return True


class AdapterHandle(SchemaHandle):
    """Any other type validated through ``pydantic.TypeAdapter``."""

    def __init__(self, tp: Any) -> None:
        self.tp = tp
        self.adapter = _adapter(tp) if _hashable(tp) else TypeAdapter(tp)
        self.name = getattr(tp, "__name__", None) or repr(tp)
        if typing.get_origin(tp) is not None:
            self.name = repr(tp).replace("typing.", "")
        self._item = _list_item_type(tp)
        origin = typing.get_origin(tp)
        self._value_type: Any = None
        if self._item is not None:
            self.partial_shape = "array"
        elif origin is dict:
            args = typing.get_args(tp)
            self._value_type = args[1] if len(args) == 2 else Any
            self.partial_shape = "object"

    def validate_text(self, text: str, strict: bool) -> Any:
        return self.adapter.validate_json(text)

    def validate_value(self, value: Any, strict: bool) -> Any:
        return self.adapter.validate_python(value)

    def validate_item(self, value: Any) -> Any:
        return _adapter(self._item).validate_python(value)

    def add_member(self, snapshot: Any, key: str, value: Any) -> Any:
        snapshot[key] = _adapter(self._value_type).validate_python(value)
        return snapshot


def _hashable(tp: Any) -> bool:
    try:
        hash(tp)
    except TypeError:
        return False
    return True


class JsonSchemaHandle(SchemaHandle):
    """A JSON Schema ``dict``: registered adapter, else the built-in validator."""

    kind = "jsonschema"

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.name = str(schema.get("title") or "JSONSchema")
        kind = schema.get("type")
        if kind == "object" or (kind is None and "properties" in schema):
            self.partial_shape = "object"
        elif kind == "array":
            self.partial_shape = "array"

    def _validator(self) -> Any:
        return get_json_schema_adapter() if has_json_schema_adapter() else _SIMPLE

    def _check(self, schema: Any, value: Any, loc: tuple[Any, ...] = ()) -> Any:
        adapter = self._validator()
        result = adapter.validate(schema, value)
        if getattr(result, "valid", False):
            data = getattr(result, "data", None)
            return value if data is None else data
        errors = getattr(result, "errors", None) or []
        lines = []
        for err in errors:
            path = tuple(p for p in str(getattr(err, "path", "")).split("/") if p)
            lines.append(
                {
                    "type": PydanticCustomError("json_schema", "{message}", {"message": err.message}),
                    "loc": loc + tuple(int(p) if p.isdigit() else p for p in path),
                    "input": value,
                }
            )
        if not lines:
            lines.append({"type": PydanticCustomError("json_schema", "Validation failed"), "loc": loc, "input": value})
        raise ValidationError.from_exception_data(self.name, lines)

    def validate_text(self, text: str, strict: bool) -> Any:
        return self.validate_value(self._loads(text), strict)

    def validate_value(self, value: Any, strict: bool) -> Any:
        schema = self.schema
        if strict and isinstance(value, dict) and "additionalProperties" not in schema:
            schema = {**schema, "additionalProperties": False}
        return self._check(schema, value)

    def _resolve(self, sub: Any) -> Any:
        seen = 0
        while isinstance(sub, dict) and "$ref" in sub and seen < 32:
            node: Any = self.schema
            for part in str(sub["$ref"]).lstrip("#").split("/"):
                if part:
                    node = node[part]
            sub = node
            seen += 1
        return sub

    def _member_schema(self, key: str) -> Any:
        props = self.schema.get("properties", {})
        if key in props:
            return self._resolve(props[key])
        extra = self.schema.get("additionalProperties", True)
        return self._resolve(extra) if isinstance(extra, dict) else True

    def _wrap(self, sub: Any) -> Any:
        # keep $defs reachable when checking a sub-schema on its own
        if isinstance(sub, dict) and ("$defs" in self.schema or "definitions" in self.schema):
            return {**sub, **{k: self.schema[k] for k in ("$defs", "definitions") if k in self.schema}}
        return sub

    def add_member(self, snapshot: Any, key: str, value: Any) -> Any:
        sub = self._member_schema(key)
        if sub is False:
            return None
        snapshot[key] = self._check(self._wrap(sub), value, (key,))
        return snapshot

    def member_item_validator(self, key: str) -> Any | None:
        sub = self._member_schema(key)
        if not isinstance(sub, dict) or sub.get("type") != "array":
            return None
        items = self._wrap(self._resolve(sub.get("items", True)))
        return lambda v: self._check(items, v, (key,))

    def set_member_items(self, snapshot: Any, key: str, items: list[Any] | None) -> Any:
        if items is None:
            snapshot.pop(key, None)
        else:
            snapshot[key] = items
        return snapshot

    def items_are_final(self, key: str) -> bool:
        sub = self._member_schema(key)
        return isinstance(sub, dict) and set(sub) <= {"type", "items", "title", "description"}

    def member_object_handle(self, key: str) -> SchemaHandle | None:
        sub = self._member_schema(key)
        if isinstance(sub, dict) and (sub.get("type") == "object" or "properties" in sub):
            return JsonSchemaHandle(self._wrap(sub))
        return None

    def validate_item(self, value: Any) -> Any:
        items = self._wrap(self._resolve(self.schema.get("items", True)))
        return self._check(items, value)


class UnifiedHandle(SchemaHandle):
    """A :class:`~l0.json_schema.UnifiedSchema`."""

    def __init__(self, schema: UnifiedSchema[Any]) -> None:
        self.unified = schema
        self.kind = "jsonschema" if schema.tag == "jsonschema" else schema.tag
        inner = getattr(schema, "schema", None)
        self.name = str(inner.get("title")) if isinstance(inner, dict) and inner.get("title") else schema.tag

    def validate_text(self, text: str, strict: bool) -> Any:
        return self.validate_value(self._loads(text), strict)

    def validate_value(self, value: Any, strict: bool) -> Any:
        ok, data, err = self.unified.safe_parse(value)
        if ok:
            return data
        raise _custom_error(self.name, "json_schema", str(err) if err else "Validation failed", (), value)


def make_handle(schema: Any, parameter: str = "schema") -> SchemaHandle:
    """Pick the handle for ``schema``; ``TypeError`` naming ``parameter`` otherwise."""
    if isinstance(schema, SchemaHandle):
        return schema
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return ModelHandle(schema)
    if isinstance(schema, UnifiedSchema):
        return UnifiedHandle(schema)
    if isinstance(schema, dict):
        if not is_json_schema(schema) and schema:
            raise TypeError(
                f"{parameter} must be a Pydantic model, a type Pydantic can validate, or a JSON Schema dict "
                f"(with 'type', 'properties', '$ref', ...); got a dict with keys {sorted(schema)[:5]}"
            )
        return JsonSchemaHandle(schema)
    try:
        return AdapterHandle(schema)
    except Exception as exc:  # pydantic raises various errors for non-types
        raise TypeError(
            f"{parameter} must be a Pydantic model, a type Pydantic can validate, or a JSON Schema dict; "
            f"got {schema!r} ({exc.__class__.__name__}: {exc})"
        ) from None
