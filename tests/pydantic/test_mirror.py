"""The models and the l0 dataclasses cannot drift apart.

Every model names the dataclass it mirrors (``Model.__l0__``); these tests walk
that table; a mirrored module that is missing fails.
"""

from __future__ import annotations

import dataclasses
import typing
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel

import l0.pydantic as P
from l0.pydantic._base import l0_enum_of
from pydantic_support import ENUM_EXTRAS, ENUMS, LITERALS, MIRRORS, MODELS, NO_DATACLASS, mirrored

def test_the_86_reference_names_are_exported() -> None:
    reference = [n for n in P.__all__ if n not in ("L0Model", "ConsensusTelemetryModel")]
    assert len(reference) == len(set(reference)) == 86
    assert sum(1 for n in reference if issubclass(getattr(P, n), Enum)) == 16
    assert sum(1 for n in reference if issubclass(getattr(P, n), BaseModel)) == 70


def test_every_model_mirrors_a_dataclass_or_is_known_not_to() -> None:
    assert {m.__name__ for m in MODELS if not m.__l0__} == NO_DATACLASS
    assert len(MIRRORS) == len(MODELS) - len(NO_DATACLASS) == 59


def _key(info: Any, name: str) -> set[str]:
    return {name, info.alias} if info.alias else {name}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


@pytest.mark.parametrize(("path", "model"), MIRRORS, ids=[m.__name__ for _, m in MIRRORS])
def test_no_dataclass_field_is_missing_from_its_model(path: str, model: type) -> None:
    cls = mirrored(path)
    assert dataclasses.is_dataclass(cls), f"{path} is not a dataclass"
    names = {f.name for f in dataclasses.fields(cls)}
    model_keys = set().union(*(_key(i, n) for n, i in model.model_fields.items()))
    missing = names - model_keys - model.__l0_omitted__
    assert not missing, f"{model.__name__} lacks {sorted(missing)} of {path}"
    stale = model.__l0_omitted__ - names
    assert not stale, f"{model.__name__}.__l0_omitted__ names fields {path} does not have: {sorted(stale)}"


@pytest.mark.parametrize(("path", "model"), MIRRORS, ids=[m.__name__ for _, m in MIRRORS])
def test_defaults_match_the_dataclass(path: str, model: type) -> None:
    cls = mirrored(path)
    by_key = {k: (n, i) for n, i in model.model_fields.items() for k in _key(i, n)}
    for f in dataclasses.fields(cls):
        if f.name not in by_key or by_key[f.name][0] in model.__l0_defaults__:
            continue
        name, info = by_key[f.name]
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            assert info.is_required(), f"{model.__name__}.{name} has a default; {path}.{f.name} is required"
            continue
        assert not info.is_required(), f"{model.__name__}.{name} is required; {path}.{f.name} has a default"
        expected = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        actual = info.get_default(call_default_factory=True)
        assert _plain(actual) == _plain(expected), f"{model.__name__}.{name}: {actual!r} != {expected!r}"
    for name in model.__l0_defaults__:
        assert name in model.model_fields, f"{model.__name__}.__l0_defaults__ names unknown field {name}"


def test_documented_default_differences_are_the_effective_values() -> None:
    from l0.types import ERROR_TYPE_DELAY_DEFAULTS, RETRY_DEFAULTS

    delays = P.ErrorTypeDelaysModel()
    for f in dataclasses.fields(ERROR_TYPE_DELAY_DEFAULTS):
        assert getattr(delays, f.name) == getattr(ERROR_TYPE_DELAY_DEFAULTS, f.name), f.name
    retry = P.RetryModel()
    assert (retry.attempts, retry.max_retries, retry.base_delay, retry.max_delay) == (
        RETRY_DEFAULTS.attempts, RETRY_DEFAULTS.max_retries, RETRY_DEFAULTS.base_delay, RETRY_DEFAULTS.max_delay)
    assert retry.strategy.value == RETRY_DEFAULTS.backoff.value


@pytest.mark.parametrize("enum", ENUMS, ids=[e.__name__ for e in ENUMS])
def test_enum_values_match_l0(enum: type[Enum]) -> None:
    values = {e.value for e in enum}
    if enum.__name__ in LITERALS:
        assert l0_enum_of(enum) is None
        assert values == set(typing.get_args(mirrored(LITERALS[enum.__name__])))
        return
    path = l0_enum_of(enum)
    assert path, f"{enum.__name__} is not registered with the l0 enum it mirrors"
    theirs = {e.value for e in mirrored(path)}
    assert theirs - values == set(), f"{enum.__name__} lacks {sorted(theirs - values)}"
    assert values - theirs == ENUM_EXTRAS.get(enum.__name__, set())
    for member in mirrored(path):  # same member names, so Model[l0member.name] works
        assert enum[member.name].value == member.value


def test_literal_fields_match_l0_literals() -> None:
    from l0.drift._core import DriftType
    from l0.guardrails.types import Severity

    assert set(typing.get_args(P.DriftResultModel.model_fields["types"].annotation.__args__[0])) == set(
        typing.get_args(DriftType))
    assert set(typing.get_args(P.GuardrailViolationModel.model_fields["severity"].annotation)) == set(
        typing.get_args(Severity))
