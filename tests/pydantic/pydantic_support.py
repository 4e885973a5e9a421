"""Shared tables of the l0.pydantic tests: the models, what they mirror, samples.

``SAMPLES`` holds a builder per mirrored l0 dataclass, keyed by ``"module:Class"``;
each builder gets ``g`` (resolve ``"module:Name"``) so samples of areas this build
lacks are only constructed when their module exists.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel

import l0.pydantic as P
from l0.pydantic._base import resolve

MODELS = [getattr(P, n) for n in P.__all__
          if isinstance(getattr(P, n), type) and issubclass(getattr(P, n), BaseModel) and n != "L0Model"]
ENUMS = [getattr(P, n) for n in P.__all__ if isinstance(getattr(P, n), type) and issubclass(getattr(P, n), Enum)]
MIRRORS = sorted((m.__l0__, m) for m in MODELS if m.__l0__)

# Models with no l0 dataclass: the TS telemetry shape, Error.to_json()'s dict, typed event payloads.
NO_DATACLASS = {
    "TelemetryModel", "TelemetryMetricsModel", "TelemetryNetworkModel", "TelemetryGuardrailsModel",
    "TelemetryDriftModel", "TelemetryContinuationModel", "SerializedErrorModel", "SessionStartEventModel",
    "SessionEndEventModel", "RetryAttemptEventModel", "CompleteEventModel", "ErrorEventModel",
}
# The consensus enums mirror Literal aliases.
LITERALS = {
    "StrategyModel": "l0.consensus:Strategy",
    "ConflictResolutionModel": "l0.consensus:ConflictResolution",
    "AgreementTypeModel": "l0.consensus:AgreementType",
    "DisagreementSeverityModel": "l0.consensus:DisagreementSeverity",
}
# Values our enums keep beyond l0's (the reference models' DRIFT_CHECK_START/END).
ENUM_EXTRAS = {"ObservabilityEventTypeModel": {"DRIFT_CHECK_START", "DRIFT_CHECK_END"}}


def mirrored(path: str) -> Any:
    """Resolve ``module:Class``; every mirrored module is part of l0, so a missing one fails."""
    module = path.partition(":")[0]
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module.startswith(exc.name):
            raise
        pytest.fail(f"{path}: module {module} is missing, so its model mirrors nothing")
    return resolve(path)  # a present module without the class fails here



Get = Callable[[str], Any]


def _violation(g: Get, rule: str = "json", severity: str = "error") -> Any:
    return g("l0.guardrails:GuardrailViolation")(rule=rule, message="unbalanced", severity=severity,
                                                 position=3, context={"k": 1}, suggestion="close it")


def _chunk(g: Get) -> Any:
    return g("l0.window:DocumentChunk")(index=0, content="abc", start_pos=0, end_pos=3, token_count=1, char_count=3,
                                        is_first=True, is_last=True, total_chunks=1, metadata={"doc": "a"})


def _step(g: Get, status: str = "success", error: Any = None) -> Any:
    return g("l0.pipeline:StepResult")(step_name="s", step_index=0, input="in", output="out", raw_content="out",
                                       status=status, error=error, duration=5, startTime=1, endTime=6, token_count=2)


def _telemetry(g: Get) -> Any:
    return g("l0.parallel:AggregatedTelemetry")(total_tokens=10, total_duration=1.5, total_retries=1,
                                                avg_tokens_per_second=6.5)


SAMPLES: dict[str, Callable[[Get], Any]] = {
    # l0.types
    "l0.types:DataPayload": lambda g: g("l0.types:DataPayload")(
        content_type=g("l0.types:ContentType").JSON, mime_type="application/json", json={"a": [1, 2]},
        metadata={"m": True}),
    "l0.types:Progress": lambda g: g("l0.types:Progress")(percent=50.0, step=1, total_steps=2, message="half", eta=1.5),
    "l0.types:Event": lambda g: g("l0.types:Event")(
        type=g("l0.types:EventType").ERROR, text="t", error=ValueError("boom"), usage={"prompt_tokens": 3},
        timestamp=1.0, progress=g("l0.types:Progress")(percent=1.0), finish_reason="stop", metadata={"x": 1}),
    "l0.types:ErrorTypeDelays": lambda g: g("l0.types:ErrorTypeDelays")(connection_dropped=2.0, unknown=0.25),
    "l0.types:Retry": lambda g: g("l0.types:Retry")(
        attempts=2, max_retries=4, base_delay=0.5, max_delay=3.0, strategy=g("l0.types:BackoffStrategy").LINEAR,
        error_type_delays=g("l0.types:ErrorTypeDelays")(dns_error=1.0),
        retry_on=[g("l0.types:RetryableErrorType").NETWORK_ERROR], honor_retry_after=False, max_retry_after=9.0),
    "l0.types:Timeout": lambda g: g("l0.types:Timeout")(initial_token=100, inter_token=None),
    "l0.types:CheckIntervals": lambda g: g("l0.types:CheckIntervals")(guardrails=1, drift=2, checkpoint=3),
    "l0.types:State": lambda g: g("l0.types:State")(
        content="hello", checkpoint="he", token_count=2, model_retry_count=1, violations=[_violation(g)],
        completed=True, first_token_at=1.0, duration=2.0, network_errors=["econnreset"],
        data_outputs=[g("l0.types:DataPayload")(content_type=g("l0.types:ContentType").TEXT, url="u")],
        last_progress=g("l0.types:Progress")(step=1), resume_point="he", truncated=True, finish_reason="length"),
    # l0.errors
    "l0.errors:RecoveryPolicy": lambda g: g("l0.errors:RecoveryPolicy")(
        retry_enabled=False, fallback_enabled=True, max_retries=1, max_fallbacks=2, attempt=3, fallback_index=1),
    "l0.errors:ErrorContext": lambda g: g("l0.errors:ErrorContext")(
        code=g("l0.errors:ErrorCode").ZERO_OUTPUT, checkpoint="c", token_count=0, metadata={"a": 1}),
    "l0.errors:NetworkErrorAnalysis": lambda g: g("l0.errors:NetworkErrorAnalysis")(
        type=g("l0.errors:NetworkErrorType").ECONNRESET, retryable=True, counts_toward_limit=False,
        suggestion="retry", context={"host": "x"}),
    # l0.guardrails
    "l0.guardrails:GuardrailViolation": _violation,
    "l0.guardrails:GuardrailContext": lambda g: g("l0.guardrails:GuardrailContext")(
        content="abc", completed=True, delta="c", token_count=3, previous_violations=[_violation(g)]),
    "l0.guardrails:GuardrailResultSummary": lambda g: g("l0.guardrails:GuardrailResultSummary")(
        total=2, fatal=0, errors=1, warnings=1),
    "l0.guardrails:GuardrailResult": lambda g: g("l0.guardrails:GuardrailResult")(
        passed=False, violations=[_violation(g), _violation(g, "x", "warning")], should_retry=True,
        should_halt=False, summary=g("l0.guardrails:GuardrailResultSummary")(total=2, fatal=0, errors=1, warnings=1)),
    "l0.guardrails:GuardrailState": lambda g: g("l0.guardrails:GuardrailState")(
        violations=[_violation(g)], violations_by_rule={"json": [_violation(g)]}, has_error_violations=True,
        violation_count=1, last_check_time=5.0),
    "l0.guardrails:GuardrailConfig": lambda g: g("l0.guardrails:GuardrailConfig")(
        rules=[], stop_on_fatal=False, enable_streaming=False, check_interval=7),
    "l0.guardrails:JsonAnalysis": lambda g: g("l0.guardrails:JsonAnalysis")(
        is_balanced=False, open_braces=2, close_braces=1, open_brackets=0, close_brackets=0, in_string=True,
        unclosed_string=True, issues=["unclosed"]),
    "l0.guardrails:MarkdownAnalysis": lambda g: g("l0.guardrails:MarkdownAnalysis")(
        is_balanced=False, in_fence=True, open_fences=1, close_fences=0, fence_languages=["py"], table_rows=2,
        inconsistent_columns=False),
    "l0.guardrails:LatexAnalysis": lambda g: g("l0.guardrails:LatexAnalysis")(
        is_balanced=False, open_environments=["align"], display_math_balanced=True, inline_math_balanced=False,
        bracket_math_balanced=True, issues=["$"]),
    # l0.events
    "l0.events:ObservabilityEvent": lambda g: g("l0.events:ObservabilityEvent")(
        type=g("l0.events:ObservabilityEventType").SESSION_START, ts=1700000000000.0, stream_id="sid",
        context={"user": "u"}, meta={"attempt": 1, "isRetry": False, "isFallback": False}),
    # l0.consensus
    "l0.consensus:Agreement": lambda g: g("l0.consensus:Agreement")(
        content="yes", path="a.b", count=2, ratio=0.66, indices=[0, 2], type="similar"),
    "l0.consensus:DisagreementValue": lambda g: g("l0.consensus:DisagreementValue")(value=3, count=1, indices=[1]),
    "l0.consensus:Disagreement": lambda g: g("l0.consensus:Disagreement")(
        path="x", values=[g("l0.consensus:DisagreementValue")(value="a", count=2, indices=[0, 1])],
        severity="major", resolution="vote", resolution_confidence=0.5),
    "l0.consensus:ConsensusAnalysis": lambda g: g("l0.consensus:ConsensusAnalysis")(
        total_outputs=2, successful_outputs=2, similarity_matrix=[[1.0, 0.5], [0.5, 1.0]], average_similarity=0.5,
        strategy="majority", conflict_resolution="vote", duration_ms=3.0),
    "l0.consensus:FieldAgreement": lambda g: g("l0.consensus:FieldAgreement")(
        path="a", value=1, agreement=1.0, votes={"1": 2}, values=[1, 1], unanimous=True, confidence=1.0),
    "l0.consensus:FieldConsensus": lambda g: g("l0.consensus:FieldConsensus")(
        fields={"a": g("l0.consensus:FieldAgreement")(path="a", value=1, agreement=1.0, votes={"1": 2},
                                                      values=[1, 1], unanimous=True, confidence=1.0)},
        overall_agreement=1.0, agreed_fields=["a"]),
    "l0.consensus:ConsensusOutput": lambda g: g("l0.consensus:ConsensusOutput")(
        index=1, text="t", value="t", success=False, error="boom", duration_ms=2.0, weight=0.5,
        similarities=[1.0, 0.2], token_count=4, retries=1, time_to_first_token_ms=12.0),
    "l0.consensus:ConsensusTelemetry": lambda g: g("l0.consensus:ConsensusTelemetry")(
        total_tokens=8, total_duration=5.0, streams=2),
    "l0.consensus:ConsensusResult": lambda g: g("l0.consensus:ConsensusResult")(
        consensus={"a": 1}, confidence=0.9,
        outputs=[g("l0.consensus:ConsensusOutput")(index=0, text="t", value={"a": 1}, success=True)],
        agreements=[g("l0.consensus:Agreement")(content={"a": 1}, count=1)], disagreements=[],
        analysis=g("l0.consensus:ConsensusAnalysis")(total_outputs=1), type="structured",
        field_consensus=g("l0.consensus:FieldConsensus")(overall_agreement=1.0), status="partial",
        telemetry=g("l0.consensus:ConsensusTelemetry")(streams=1)),
    "l0.consensus:ConsensusPreset": lambda g: g("l0.consensus:ConsensusPreset")(
        strategy="weighted", threshold=0.7, resolve_conflicts="merge", minimum_agreement=0.5),
    # l0.drift, l0.state_machine, l0.metrics
    "l0.drift:DriftResult": lambda g: g("l0.drift:DriftResult")(
        detected=True, confidence=0.8, types=["repetition", "hedging"], details="looping"),
    "l0.drift:DriftConfig": lambda g: g("l0.drift:DriftConfig")(
        detect_tone_shift=False, repetition_threshold=5, entropy_threshold=3.0, entropy_window=20,
        sliding_window_size=100),
    "l0.state_machine:StateTransition": lambda g: g("l0.state_machine:StateTransition")(
        from_state=g("l0.state_machine:RuntimeState").INIT, to_state=g("l0.state_machine:RuntimeState").STREAMING,
        timestamp=1.5),
    "l0.metrics:MetricsSnapshot": lambda g: g("l0.metrics:MetricsSnapshot")(
        requests=1, tokens=2, retries=3, network_retry_count=4, errors=5, violations=6, drift_detections=7,
        fallbacks=8, completions=9, timeouts=10),
    # l0.parallel, l0.pool, l0.pipeline (built on another branch)
    "l0.parallel:AggregatedTelemetry": _telemetry,
    "l0.parallel:RaceResult": lambda g: g("l0.parallel:RaceResult")(value="v", winner_index=2),
    "l0.parallel:ParallelResult": lambda g: g("l0.parallel:ParallelResult")(
        results=["a", None], errors=[None, RuntimeError("x")], success_count=1, failure_count=1, duration=0.5,
        aggregated_telemetry=_telemetry(g)),
    "l0.parallel:ParallelOptions": lambda g: g("l0.parallel:ParallelOptions")(concurrency=2, fail_fast=True),
    "l0.pool:PoolOptions": lambda g: g("l0.pool:PoolOptions")(
        shared_retry=g("l0.types:Retry")(attempts=1), shared_timeout=g("l0.types:Timeout")(initial_token=10),
        context={"tenant": "t"}),
    "l0.pool:PoolStats": lambda g: g("l0.pool:PoolStats")(
        total_executed=3, total_succeeded=2, total_failed=1, total_duration=1.25),
    "l0.pipeline:StepContext": lambda g: g("l0.pipeline:StepContext")(
        step_index=1, total_steps=2, previous_results=[_step(g)], metadata={"m": 1}),
    "l0.pipeline:StepResult": lambda g: _step(g, "error", RuntimeError("failed step")),
    "l0.pipeline:PipelineStep": None,  # needs its ``fn``: checked in test_pipeline_step_needs_fn
    "l0.pipeline:PipelineOptions": lambda g: g("l0.pipeline:PipelineOptions")(
        name="p", stop_on_error=False, timeout=30.0, metadata={"a": 1}),
    "l0.pipeline:PipelineResult": lambda g: g("l0.pipeline:PipelineResult")(
        name="p", output="out", steps=[_step(g)], status="partial", error=RuntimeError("e"), duration=9,
        startTime=1, endTime=10, metadata={"a": 1}),
    # l0.window (built on another branch)
    "l0.window:DocumentChunk": _chunk,
    "l0.window:WindowConfig": lambda g: g("l0.window:WindowConfig")(
        size=100, overlap=10, strategy="paragraph", preserve_sentences=True, metadata={"d": 1}),
    "l0.window:ContextRestorationOptions": lambda g: g("l0.window:ContextRestorationOptions")(
        enabled=False, strategy="full", max_attempts=4),
    "l0.window:WindowStats": lambda g: g("l0.window:WindowStats")(
        total_chunks=2, total_chars=10, total_tokens=3, avg_chunk_size=5, avg_chunk_tokens=1, overlap_size=1,
        strategy="char"),
    "l0.window:ChunkResult": lambda g: g("l0.window:ChunkResult")(
        chunk=_chunk(g), status="error", content="", error="boom", duration=3.5),
    "l0.window:ProcessingStats": lambda g: g("l0.window:ProcessingStats")(
        total=2, successful=1, failed=1, success_rate=50.0, avg_duration=1.5, total_duration=3.0),
    # legacy l0.event_sourcing (built on another branch)
    "l0.event_sourcing:RecordedEvent": lambda g: g("l0.event_sourcing:RecordedEvent")(
        type=g("l0.event_sourcing:RecordedEventType")("TOKEN"), ts=1.0, data={"value": "a", "index": 0}),
    "l0.event_sourcing:EventEnvelope": lambda g: g("l0.event_sourcing:EventEnvelope")(
        stream_id="s", seq=0, event=SAMPLES["l0.event_sourcing:RecordedEvent"](g)),
    "l0.event_sourcing:Snapshot": lambda g: g("l0.event_sourcing:Snapshot")(
        stream_id="s", seq=3, state={"content": "abc"}, ts=2.0),
    "l0.event_sourcing:SerializedError": lambda g: g("l0.event_sourcing:SerializedError")(
        name="ValueError", message="m", stack="tb", code="E1"),
    "l0.event_sourcing:ReplayedState": lambda g: g("l0.event_sourcing:ReplayedState")(
        content="ab", token_count=2, completed=True,
        error=g("l0.event_sourcing:SerializedError")(name="E", message="m"), start_ts=1.0, end_ts=2.0),
    "l0.event_sourcing:StreamMetadata": lambda g: g("l0.event_sourcing:StreamMetadata")(
        stream_id="s", event_count=3, token_count=1, start_ts=1.0, end_ts=2.0, completed=True, has_error=False),
    "l0.event_sourcing:ReplayComparison": lambda g: g("l0.event_sourcing:ReplayComparison")(
        identical=False, differences=["content"]),
}
