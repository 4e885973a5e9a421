"""``Model.from_l0`` / ``model.to_l0()`` round trips, JSON round trips and JSON schemas."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import l0.pydantic as P
from l0.pydantic._base import resolve

from pydantic_support import MIRRORS, MODELS, SAMPLES, mirrored


def norm(value: Any) -> Any:
    """A comparable form: exceptions by type-less message, enums by (class name, value)."""
    if isinstance(value, BaseException):
        return ("exception", str(value))
    if isinstance(value, Enum):
        return (type(value).__name__, value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {f.name: norm(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    return value


def test_every_mirrored_dataclass_has_a_sample() -> None:
    assert {path for path, _ in MIRRORS} == set(SAMPLES)


# PipelineStep needs its callables: test_pipeline_step_needs_fn.
ROUND_TRIP = [(path, model) for path, model in MIRRORS if SAMPLES[path] is not None]


@pytest.mark.parametrize(("path", "model"), ROUND_TRIP, ids=[m.__name__ for _, m in ROUND_TRIP])
def test_round_trip_through_the_model(path: str, model: type) -> None:
    cls = mirrored(path)
    obj = SAMPLES[path](resolve)
    m = model.from_l0(obj)
    back = m.to_l0()
    assert type(back) is cls
    assert norm(back) == norm(obj)
    if "exception" not in repr(norm(obj)):  # exceptions come back as Exception(message)
        assert back == obj
    # JSON round trip of the model (aliases on the wire).
    again = model.model_validate_json(m.model_dump_json(by_alias=True))
    assert again == m
    assert model.model_validate(m.model_dump()) == m


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_json_schema(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    json.dumps(schema)
    assert schema["type"] == "object"
    props = schema["properties"]
    keys = {info.alias or name for name, info in model.model_fields.items()}
    assert set(props) == keys
    required = {info.alias or name for name, info in model.model_fields.items() if info.is_required()}
    assert set(schema.get("required", [])) == required
    if model.model_config.get("extra") == "forbid":
        assert schema.get("additionalProperties") is False


def test_schema_shows_enums_and_nested_models() -> None:
    schema = P.StateModel.model_json_schema()
    assert schema["properties"]["violations"]["items"] == {"$ref": "#/$defs/GuardrailViolationModel"}
    severity = schema["$defs"]["GuardrailViolationModel"]["properties"]["severity"]
    assert severity["enum"] == ["warning", "error", "fatal"]
    retry = P.RetryModel.model_json_schema()
    assert set(retry["$defs"]["BackoffStrategyModel"]["enum"]) == {
        "exponential", "linear", "fixed", "full-jitter", "fixed-jitter"}


def test_unknown_and_bad_fields_are_rejected_with_their_names() -> None:
    with pytest.raises(ValidationError) as info:
        P.TimeoutModel(initial_token=100, inital_token=5)
    assert "inital_token" in str(info.value)
    with pytest.raises(ValidationError) as info:
        P.GuardrailViolationModel(rule="r", message="m", severity="critical")
    assert "severity" in str(info.value)
    with pytest.raises(ValidationError) as info:
        P.RetryModel(strategy="sideways")
    assert "strategy" in str(info.value)


def test_error_fields_carry_the_message() -> None:
    from l0.types import Event, EventType

    m = P.EventModel.from_l0(Event(type=EventType.ERROR, error=KeyError("k")))
    assert m.error == str(KeyError("k"))
    back = m.to_l0()
    assert isinstance(back.error, Exception) and str(back.error) == m.error


def test_omitted_callables_are_dropped_and_can_be_supplied_back() -> None:
    from l0.types import Retry

    def should_retry(*args: Any) -> bool:
        return False

    m = P.RetryModel.from_l0(Retry(attempts=2, should_retry=should_retry))
    assert "should_retry" not in m.model_dump()
    assert m.to_l0().should_retry is None
    assert m.to_l0(should_retry=should_retry).should_retry is should_retry


def test_guardrail_config_keeps_rule_objects() -> None:
    from l0.guardrails import GuardrailConfig, json_rule

    rule = json_rule()
    m = P.GuardrailConfigModel.from_l0(GuardrailConfig(rules=[rule], on_violation=print))
    assert m.rules == [rule]
    back = m.to_l0()
    assert back.rules[0] is rule and back.on_violation is None


def test_pipeline_step_needs_fn() -> None:
    cls = mirrored("l0.pipeline:PipelineStep")

    def fn(value: Any, ctx: Any) -> Any:
        return value

    m = P.PipelineStepModel(name="s", metadata={"a": 1})
    step = m.to_l0(fn=fn)
    assert type(step) is cls and step.fn is fn and step.metadata == {"a": 1}
    assert P.PipelineStepModel.from_l0(step) == m


def test_serialized_error_matches_error_to_json() -> None:
    from l0.errors import Error, ErrorCode, ErrorContext

    err = Error("stalled", ErrorContext(code=ErrorCode.INTER_TOKEN_TIMEOUT, checkpoint="abc", token_count=3,
                                        model_retry_count=1))
    m = P.SerializedErrorModel.from_l0(err)
    assert m.token_count == 3 and m.has_checkpoint is True and m.code == "INTER_TOKEN_TIMEOUT"
    assert m.model_dump(by_alias=True) == err.to_json()
    assert P.SerializedErrorModel.model_validate(err.to_json()) == m
    with pytest.raises(TypeError, match="mirrors no l0 dataclass"):
        m.to_l0()


def test_to_l0_of_an_absent_area_names_the_module() -> None:
    with pytest.raises(ImportError, match="l0.no_such_area"):
        resolve("l0.no_such_area:Thing")
    with pytest.raises(ImportError, match="has no attribute 'Nope'"):
        resolve("l0.types:Nope")


def test_from_l0_accepts_mappings_and_models() -> None:
    m = P.CheckIntervalsModel.from_l0({"guardrails": 2})
    assert m.guardrails == 2 and m.drift == 25
    assert P.CheckIntervalsModel.from_l0(m) is m


def test_data_payload_json_alias() -> None:
    m = P.DataPayloadModel(content_type="json", json={"x": 1})
    assert m.json_data == {"x": 1}
    assert m.model_dump(by_alias=True)["json"] == {"x": 1}
    assert m.to_l0().json == {"x": 1}


# The fields of l0.monitoring.RunTelemetry (built on the monitoring branch) that TelemetryModel reads.
RUN_TELEMETRY_FIELDS = {
    "stream_id", "started_at", "ended_at", "duration", "time_to_first_token", "avg_inter_token_time",
    "tokens_per_second", "token_count", "total_retries", "model_retries", "network_retries", "network_errors",
    "network_errors_by_type", "violations", "violations_by_rule", "violations_by_severity", "violation_kinds",
    "drift_detected", "drift_types", "continuations", "continuation_used", "metadata",
}


def test_telemetry_model_from_a_run_telemetry_record() -> None:
    from types import SimpleNamespace

    record = SimpleNamespace(
        stream_id="s1", started_at=100.0, ended_at=101.5, duration=1.5, time_to_first_token=0.2,
        avg_inter_token_time=0.01, tokens_per_second=40.0, token_count=60, total_retries=2, model_retries=1,
        network_retries=1, network_errors=1, network_errors_by_type={"econnreset": 1}, violations=2,
        violations_by_rule={"json": 2}, violations_by_severity={"error": 1, "warning": 1},
        violation_kinds={("json", "error"): 1, ("json", "warning"): 1}, drift_detected=True,
        drift_types=["repetition"], continuations=1, continuation_used=True, metadata={"model": "m"})
    m = P.TelemetryModel.from_l0(record)
    assert (m.session_id, m.start_time, m.end_time, m.duration) == ("s1", 100.0, 101.5, 1.5)
    assert m.metrics.total_tokens == 60 and m.metrics.network_retry_count == 1 and m.metrics.time_to_first_token == 0.2
    assert m.network.errors_by_type == {"econnreset": 1}
    assert m.guardrails.violations_by_rule_and_severity == {"json": {"error": 1, "warning": 1}}
    assert m.drift.types == ["repetition"] and m.continuation.used and m.continuation.continuation_count == 1
    assert P.TelemetryModel.model_validate_json(m.model_dump_json()) == m


def test_run_telemetry_still_has_the_fields_the_model_reads() -> None:
    cls = mirrored("l0.monitoring:RunTelemetry")
    missing = RUN_TELEMETRY_FIELDS - {f.name for f in dataclasses.fields(cls)}
    assert not missing, f"RunTelemetry lost {sorted(missing)}; update TelemetryModel.from_l0"
