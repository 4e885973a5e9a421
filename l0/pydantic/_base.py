"""The base of every model in ``l0.pydantic``: configuration and the two converters.

A model names the dataclass it mirrors as ``"module:Class"`` in ``__l0__``; the
module is imported only when a converter needs it, so ``l0.pydantic`` loads for
areas this build does not have yet (the models still validate and export schemas).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

__all__ = ["L0Model", "ErrorStr", "DataDict", "register_enum", "resolve", "l0_enum_of"]

# model enum -> "module:Enum" of the l0 enum it mirrors (None: the l0 side is a Literal of str).
_ENUMS: dict[type[Enum], str | None] = {}


def register_enum(path: str | None) -> Any:
    """Class decorator recording which l0 enum a model enum mirrors."""

    def deco(cls: type[Enum]) -> type[Enum]:
        _ENUMS[cls] = path
        return cls

    return deco


def l0_enum_of(model_enum: type[Enum]) -> str | None:
    """The ``"module:Enum"`` path a model enum mirrors (None when l0 uses a Literal)."""
    return _ENUMS.get(model_enum)


def resolve(path: str) -> Any:
    """Import ``"module:Name"``; an absent module or name raises ImportError naming both."""
    module, _, name = path.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            raise ImportError(f"{path} is not available: this l0 build has no module {module!r}") from exc
        raise
    try:
        return getattr(mod, name)
    except AttributeError:
        raise ImportError(f"{path} is not available: {module!r} has no attribute {name!r}") from None


def _error_to_str(value: Any) -> Any:
    return str(value) if isinstance(value, BaseException) else value


# Errors are carried as their message: exceptions are neither JSON nor comparable.
ErrorStr = Annotated[str, BeforeValidator(_error_to_str)]


def _to_l0_value(value: Any) -> Any:
    if isinstance(value, L0Model):
        return value.to_l0() if value.__l0__ else value.model_dump(by_alias=True)
    if isinstance(value, Enum) and type(value) in _ENUMS:
        path = _ENUMS[type(value)]
        return resolve(path)(value.value) if path else value.value
    if isinstance(value, list):
        return [_to_l0_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_l0_value(v) for k, v in value.items()}
    return value


def _as_errors(value: Any) -> Any:
    if isinstance(value, str):
        return Exception(value)
    if isinstance(value, list):
        return [_as_errors(v) for v in value]
    return value


def _asdict_if_dataclass(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


# A dict field that also accepts a dataclass instance (converted with ``asdict``).
DataDict = Annotated[dict[str, Any], BeforeValidator(_asdict_if_dataclass)]


class L0Model(BaseModel):
    """A Pydantic mirror of an l0 dataclass, with ``from_l0`` / ``to_l0`` converters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    #: ``"module:Class"`` of the mirrored l0 dataclass, or None when there is none.
    __l0__: ClassVar[str | None] = None
    #: Dataclass fields deliberately left out of the model (callables, private state).
    __l0_omitted__: ClassVar[frozenset[str]] = frozenset()
    #: Fields whose model default deliberately differs from the dataclass default.
    __l0_defaults__: ClassVar[frozenset[str]] = frozenset()
    #: Fields the dataclass holds as exceptions; ``to_l0`` rebuilds ``Exception(message)``.
    __l0_errors__: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_l0(cls, obj: Any) -> Any:
        """Build the model from an l0 dataclass instance (or any object with the
        same attributes, or a mapping). Nested dataclasses convert too; callables
        the model omits are ignored; exceptions become their message."""
        if isinstance(obj, cls):
            return obj
        if isinstance(obj, Mapping):
            return cls.model_validate(dict(obj))
        return cls.model_validate(obj, from_attributes=True)

    @classmethod
    def l0_class(cls) -> type:
        """The mirrored l0 dataclass (ImportError when this l0 build lacks it)."""
        if cls.__l0__ is None:
            raise TypeError(f"{cls.__name__} mirrors no l0 dataclass; use model_dump() instead")
        return resolve(cls.__l0__)  # type: ignore[no-any-return]

    def to_l0(self, **extra: Any) -> Any:
        """Build the mirrored l0 dataclass from this model (nested models and enums
        convert back to their l0 types; error messages become ``Exception``s).
        Omitted fields (callables) take their defaults unless given in ``extra``."""
        target = self.l0_class()
        by_key = {}
        for name, info in type(self).model_fields.items():
            by_key[name] = name
            if info.alias:
                by_key[info.alias] = name
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(target):
            name = by_key.get(f.name)
            if not f.init or name is None:
                continue
            value = getattr(self, name)
            kwargs[f.name] = _as_errors(value) if name in self.__l0_errors__ else _to_l0_value(value)
        kwargs.update(extra)
        return target(**kwargs)
