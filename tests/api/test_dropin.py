"""Drop-in names and signatures the reference's users rely on (issue 11, "drop-in gaps")."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest

import l0
from l0.adapters import OpenAIAdapter
from l0.client import ClientConfig, WrappedCompletions, wrap_client
from l0.events import ObservabilityEvent, ObservabilityEventType
from l0.types import EventType, RetryableErrorType

# The names each reference ``l0.api.<area>`` module lists in ``__all__`` (areas l0 has today).
API_MODULES: dict[str, list[str]] = {
    "adapters": ["AdaptedEvent", "Adapter", "Adapters", "LiteLLMAdapter", "OpenAIAdapter", "OpenAIAdapterOptions"],
    "continuation": ["Continuation", "ContinuationConfig", "DeduplicationOptions", "OverlapResult"],
    "core": [
        "__version__", "WrappedClient", "wrap_client", "LifecycleCallbacks", "TimeoutError", "_internal_run",
        "consume_stream", "get_text", "ERROR_TYPE_DELAY_DEFAULTS", "EXPONENTIAL_RETRY", "MINIMAL_RETRY",
        "RECOMMENDED_RETRY", "RETRY_DEFAULTS", "STRICT_RETRY", "AwaitableStream", "AwaitableStreamFactory",
        "AwaitableStreamSource", "BackoffStrategy", "CheckIntervals", "ContentType", "DataPayload",
        "ErrorCategory", "ErrorTypeDelayDefaults", "ErrorTypeDelays", "Event", "EventType", "LazyStream",
        "Progress", "RawStream", "Retry", "RetryableErrorType", "RetryDefaults", "State", "Stream",
        "StreamFactory", "StreamSource", "Timeout",
    ],
    "drift": ["Drift", "DriftConfig", "DriftDetector", "DriftResult"],
    "errors": [
        "Error", "ErrorCode", "ErrorContext", "FailureType", "NetworkError", "NetworkErrorAnalysis",
        "NetworkErrorType", "RecoveryPolicy", "RecoveryStrategy",
    ],
    "events": ["EventBus", "ObservabilityEvent", "ObservabilityEventType"],
    "guardrails": [
        "JSON_ONLY_GUARDRAILS", "LATEX_ONLY_GUARDRAILS", "MARKDOWN_ONLY_GUARDRAILS", "MINIMAL_GUARDRAILS",
        "RECOMMENDED_GUARDRAILS", "STRICT_GUARDRAILS", "GuardrailRule", "Guardrails", "GuardrailViolation",
        "Violation", "JsonAnalysis", "LatexAnalysis", "MarkdownAnalysis", "custom_pattern_rule", "pattern_rule",
    ],
    "json": ["JSON", "AutoCorrectResult", "CorrectionType"],
    "json_schema": [
        "JSONSchema", "JSONSchemaAdapter", "JSONSchemaDefinition", "JSONSchemaValidationError",
        "JSONSchemaValidationFailure", "JSONSchemaValidationSuccess", "SimpleJSONSchemaAdapter", "UnifiedSchema",
    ],
    "logging": ["enable_debug"],
    "parallel": [
        "AggregatedTelemetry", "Parallel", "ParallelOptions", "ParallelResult", "RaceResult", "batched",
        "parallel", "race", "sequential",
    ],
    "pool": [
        "OperationPool", "PoolOptions", "PoolStats", "create_pool",
    ],
    "pipeline": [
        "FAST_PIPELINE", "PRODUCTION_PIPELINE", "RELIABLE_PIPELINE", "Pipeline", "PipelineOptions",
        "PipelineResult", "PipelineStep", "StepContext", "StepResult", "chain_pipelines", "create_branch_step",
        "create_pipeline", "create_step", "parallel_pipelines", "pipe",
    ],
    "consensus": [
        "Agreement", "Consensus", "ConsensusAnalysis", "ConsensusOutput", "ConsensusPreset", "ConsensusResult",
        "Disagreement", "DisagreementValue", "FieldAgreement", "FieldConsensus", "FieldConsensusInfo", "consensus",
    ],
    "state_machine": [
        "RuntimeState", "RuntimeStates", "StateMachine", "StateTransition", "create_state_machine",
    ],
    "metrics": [
        "Metrics", "MetricsSnapshot", "create_metrics", "get_global_metrics", "reset_global_metrics",
    ],
    "event_sourcing": [
        "EventEnvelope", "EventRecorder", "EventReplayer", "EventSourcing", "EventStore",
        "EventStoreWithSnapshots", "InMemoryEventStore", "RecordedEvent", "RecordedEventType", "ReplayCallbacks",
        "ReplayComparison", "ReplayedState", "ReplayResult", "SerializedError", "Snapshot", "StreamMetadata",
    ],
    "structured": [
        "MINIMAL_STRUCTURED", "RECOMMENDED_STRUCTURED", "STRICT_STRUCTURED", "AutoCorrectInfo", "StructuredConfig",
        "StructuredResult", "StructuredState", "StructuredStreamResult", "StructuredTelemetry", "structured",
        "structured_output", "structured_array", "structured_object", "structured_stream",
    ],
}

# Every public name of the reference's ``l0.errors`` (module-level, not only ``__all__``).
ERRORS_NAMES = [
    "Error", "ErrorCategory", "ErrorCode", "ErrorContext", "ErrorTypeDelays", "FailureType", "NetworkError",
    "NetworkErrorAnalysis", "NetworkErrorType", "RecoveryPolicy", "RecoveryStrategy", "_categorize_error",
    "_is_retryable", "analyze_network_error", "categorize_error", "create_network_error", "describe_network_error",
    "get_error_category", "is_background_throttle", "is_connection_dropped", "is_dns_error", "is_econnrefused",
    "is_econnreset", "is_error", "is_fetch_error", "is_l0_error", "is_network_error", "is_no_bytes",
    "is_partial_chunks", "is_retryable", "is_runtime_killed", "is_sse_aborted", "is_ssl_error",
    "is_stream_interrupted", "is_timeout_error", "suggest_retry_delay",
]


# --- l0.errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ERRORS_NAMES)
def test_errors_module_has_every_reference_name(name: str) -> None:
    import l0.errors

    assert getattr(l0.errors, name) is not None


def test_errors_error_category_is_the_types_enum() -> None:
    import l0.errors
    import l0.types

    assert l0.errors.ErrorCategory is l0.types.ErrorCategory is l0.ErrorCategory
    assert l0.errors.ErrorTypeDelays is l0.types.ErrorTypeDelays
    assert [m.value for m in l0.errors.ErrorCategory] == [
        "network", "transient", "model", "content", "provider", "fatal", "internal"]


def test_errors_private_aliases_behave_like_the_public_ones() -> None:
    from l0.errors import Error, ErrorCode, ErrorContext, _categorize_error, _is_retryable

    fatal = Error("stop", ErrorContext(code=ErrorCode.FATAL_GUARDRAIL_VIOLATION))
    assert _is_retryable(ValueError("x")) is True
    assert _is_retryable(fatal) is False
    assert _categorize_error(fatal) is l0.ErrorCategory.FATAL


# --- l0.api ------------------------------------------------------------------------------------


@pytest.mark.parametrize("area", sorted(API_MODULES))
def test_api_module_lists_the_reference_names(area: str) -> None:
    module = importlib.import_module(f"l0.api.{area}")
    assert module.__all__ == API_MODULES[area]
    for name in module.__all__:
        value = getattr(module, name)
        if name in l0.__all__ or name == "_internal_run":
            top = getattr(l0, name)
            if isinstance(top, types.ModuleType):
                # l0.parallel / l0.consensus: a callable module standing for the function of that name.
                top = getattr(top, name)
            assert value is top, name


def test_api_extra_names_resolve_to_our_modules() -> None:
    from l0.api.core import _internal_run, wrap_client as api_wrap_client
    from l0.api.structured import structured, structured_output
    from l0.runtime import _internal_run as runtime_internal_run

    assert api_wrap_client is wrap_client
    assert _internal_run is runtime_internal_run
    assert structured_output is structured is l0.structured


def test_import_l0_does_not_import_l0_api() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys, l0; print(any(m.startswith('l0.api') for m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "False"


# --- ObservabilityEvent ------------------------------------------------------------------------


def test_observability_event_context_and_meta_default_to_fresh_dicts() -> None:
    a = ObservabilityEvent(ObservabilityEventType.COMPLETE, 1.0, "s")
    b = ObservabilityEvent(type=ObservabilityEventType.ERROR, ts=2.0, stream_id="s")
    assert a.context == {} and a.meta == {}
    a.context["k"] = 1
    a.meta["m"] = 2
    assert b.context == {} and b.meta == {}
    assert a.context is not a.meta
    full = ObservabilityEvent(ObservabilityEventType.TOKEN, 3.0, "s", {"c": 1}, {"m": 2})
    assert (full.context, full.meta) == ({"c": 1}, {"m": 2})


# --- client and wrap ---------------------------------------------------------------------------


class _Completions:
    """Records calls; a non-streaming ``create`` returns its kwargs."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def create(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return kwargs


class _Client:
    """The smallest OpenAI-shaped client: ``client.chat.completions.create``."""

    def __init__(self) -> None:
        self.chat = SimpleNamespace(completions=_Completions())


def test_client_config_continuation_is_off_by_default() -> None:
    assert ClientConfig().continue_from_last_good_token is False
    # wrap_client keeps the reference's own default (True); l0.wrap passes False.
    assert wrap_client(_Client()).config.continue_from_last_good_token is True
    assert l0.wrap(_Client()).config.continue_from_last_good_token is False
    assert l0.wrap(_Client(), continue_from_last_good_token=True).config.continue_from_last_good_token is True


async def test_wrapped_completions_takes_client_completions_config() -> None:
    client = _Client()
    params = inspect.signature(WrappedCompletions).parameters.values()
    # The reference's positional parameters; additions are keyword-only.
    assert [p.name for p in params if p.kind is not p.KEYWORD_ONLY] == ["client", "completions", "config"]
    wrapped = WrappedCompletions(client, client.chat.completions, ClientConfig())
    assert await wrapped.create(model="m", stream=False) == {"model": "m", "stream": False}
    assert l0.wrap(client).chat.completions._client is client


REFERENCE_WRAP_DEFAULTS = {
    "guardrails": None, "retry": None, "timeout": None, "adapter": None, "on_event": None, "on_token": None,
    "on_tool_call": None, "on_violation": None, "context": None, "buffer_tool_calls": False,
    "continue_from_last_good_token": False, "build_continuation_prompt": None,
}


def test_wrap_has_the_reference_keyword_only_parameters() -> None:
    params = inspect.signature(l0.wrap).parameters
    named = {k: p for k, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    # l0's additions come after the reference's parameters (transport: docs/providers.md).
    assert named.pop("transport").default == "sdk"
    assert list(named) == list(REFERENCE_WRAP_DEFAULTS)
    assert {k: p.default for k, p in named.items()} == REFERENCE_WRAP_DEFAULTS
    assert next(iter(params)) == "client_or_stream"


async def _chunks() -> Any:
    yield l0.Event(EventType.TOKEN, text="x")
    yield l0.Event(EventType.COMPLETE)


@pytest.mark.parametrize("target", ["client", "stream"])
def test_wrap_rejects_an_unknown_keyword_naming_it(target: str) -> None:
    obj: Any = _Client() if target == "client" else _chunks()
    with pytest.raises(TypeError, match=r"wrap\(\) got an unexpected keyword argument 'on_tokens'"):
        l0.wrap(obj, on_tokens=print)
    with pytest.raises(TypeError, match="'stream'"):
        l0.wrap(obj, stream=_chunks)
    if target == "stream":
        obj.aclose().close()


async def test_wrap_passes_further_run_options_through() -> None:
    seen: list[int] = []
    stream = l0.wrap(_chunks(), check_intervals=l0.CheckIntervals(guardrails=1),
                     callbacks=l0.LifecycleCallbacks(on_start=lambda a, r, f: seen.append(a)))
    assert await stream.read() == "x"
    assert seen == [1]
    client = l0.wrap(_Client(), fallbacks=["backup-model"], check_intervals=l0.CheckIntervals())
    assert client.config.fallbacks == ["backup-model"]


# --- l0.retry._error_to_retryable_type ---------------------------------------------------------


@pytest.mark.parametrize(("error", "expected"), [
    (ConnectionResetError("ECONNRESET: connection reset by peer"), RetryableErrorType.NETWORK_ERROR),
    (type("E", (Exception,), {"status_code": 429})("slow down"), RetryableErrorType.RATE_LIMIT),
    (type("E", (Exception,), {"status_code": 503})("unavailable"), RetryableErrorType.SERVER_ERROR),
    (ValueError("empty response"), RetryableErrorType.NETWORK_ERROR),  # a no-bytes network pattern
    (ValueError("model returned zero tokens"), RetryableErrorType.ZERO_OUTPUT),
    (ValueError("bad"), RetryableErrorType.GUARDRAIL_VIOLATION),
    (type("E", (Exception,), {"status_code": 401})("no"), None),
])
def test_error_to_retryable_type(error: BaseException, expected: RetryableErrorType | None) -> None:
    from l0.retry import _error_to_retryable_type, map_error_type

    assert _error_to_retryable_type(error) is expected
    assert _error_to_retryable_type(error) is map_error_type(error)


def test_error_to_retryable_type_maps_l0_timeouts() -> None:
    from l0.retry import _error_to_retryable_type
    from l0.runtime import TimeoutError as L0Timeout

    err = L0Timeout("Inter-token timeout", "inter", 0.3)
    assert _error_to_retryable_type(err) is RetryableErrorType.TIMEOUT


# --- the OpenAI adapter reads optional chunk attributes defensively ------------------------------


def _ns(**fields: Any) -> SimpleNamespace:
    return SimpleNamespace(**fields)


def _full_chunks() -> list[SimpleNamespace]:
    """An SDK-shaped stream: two text chunks, one tool-call chunk, a finish chunk, a usage chunk."""
    def tool() -> SimpleNamespace:
        return _ns(index=0, id="call_1", function=_ns(name="f", arguments='{"a":1}'), type="function")

    return [
        _ns(id="c", model="m", choices=[_ns(index=0, delta=_ns(content="Hel", tool_calls=None, role="assistant"),
                                            finish_reason=None)], usage=None),
        _ns(id="c", model="m", choices=[_ns(index=0, delta=_ns(content="lo", tool_calls=None), finish_reason=None)],
            usage=None),
        _ns(id="c", model="m", choices=[_ns(index=0, delta=_ns(content=None, tool_calls=[tool()]),
                                            finish_reason=None)], usage=None),
        _ns(id="c", model="m", choices=[_ns(index=0, delta=_ns(content=None, tool_calls=None),
                                            finish_reason="stop")], usage=None),
        _ns(id="c", model="m", choices=[], usage=_ns(prompt_tokens=3, completion_tokens=2, total_tokens=5)),
    ]


# (what to strip, from which chunks' which object) -> what must still come out
STRIPS = {
    "chunk.usage": ("chunk", "usage"),
    "chunk.choices": ("chunk", "choices"),
    "chunk.id/model": ("chunk", "id"),
    "choice.finish_reason": ("choice", "finish_reason"),
    "choice.delta": ("choice", "delta"),
    "delta.content": ("delta", "content"),
    "delta.tool_calls": ("delta", "tool_calls"),
    "delta.role": ("delta", "role"),
    "tool.function": ("tool", "function"),
    "tool.id": ("tool", "id"),
}


def _strip(chunks: list[SimpleNamespace], where: str, attr: str) -> list[SimpleNamespace]:
    for chunk in chunks:
        targets: list[Any] = []
        if where == "chunk":
            targets = [chunk]
        for choice in getattr(chunk, "choices", None) or ():
            if where == "choice":
                targets.append(choice)
            delta = getattr(choice, "delta", None)
            if delta is None:
                continue
            if where == "delta":
                targets.append(delta)
            if where == "tool":
                targets.extend(getattr(delta, "tool_calls", None) or ())
        for obj in targets:
            if hasattr(obj, attr):
                delattr(obj, attr)
    return chunks


async def _adapt(chunks: list[Any], **adapter_options: Any) -> list[l0.Event]:
    async def source() -> Any:
        for c in chunks:
            yield c

    opts = l0.OpenAIAdapterOptions(**adapter_options) if adapter_options else None
    return [e async for e in OpenAIAdapter(opts, raw_chunks=False).wrap(source())]


async def test_adapter_reads_a_complete_sdk_shaped_stream() -> None:
    events = await _adapt(_full_chunks())
    assert [e.type for e in events] == [EventType.TOKEN, EventType.TOKEN, EventType.TOOL_CALL, EventType.COMPLETE]
    assert events[2].data == {"index": 0, "id": "call_1", "name": "f", "arguments": '{"a":1}'}
    assert events[-1].usage == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    assert events[-1].finish_reason == "stop"


@pytest.mark.parametrize("case", sorted(STRIPS))
async def test_adapter_tolerates_a_missing_attribute(case: str) -> None:
    where, attr = STRIPS[case]
    events = await _adapt(_strip(_full_chunks(), where, attr), require_finish_reason=False)
    text = "".join(e.text or "" for e in events if e.type is EventType.TOKEN)
    tools = [e.data for e in events if e.type is EventType.TOOL_CALL]
    complete = [e for e in events if e.type is EventType.COMPLETE]
    assert len(complete) == 1 and events[-1] is complete[0]
    lost_text = case in ("chunk.choices", "choice.delta", "delta.content")
    lost_tools = case in ("chunk.choices", "choice.delta", "delta.tool_calls")
    assert text == ("" if lost_text else "Hello")
    assert len(tools) == (0 if lost_tools else 1)
    if case == "tool.function":
        assert tools[0] == {"index": 0, "id": "call_1", "name": None, "arguments": None}
    if case == "tool.id":
        assert tools[0]["id"] is None and tools[0]["name"] == "f"
    expected_usage = None if case == "chunk.usage" else {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    assert complete[0].usage == expected_usage
    assert complete[0].finish_reason == (None if case in ("chunk.choices", "choice.finish_reason") else "stop")


async def test_run_streams_sdk_shaped_chunks_lacking_optional_attributes() -> None:
    chunks = _strip(_strip(_full_chunks(), "chunk", "usage"), "delta", "tool_calls")

    async def source() -> Any:
        for c in chunks:
            yield c

    stream = await l0.run(source, adapter=OpenAIAdapter())
    assert await stream.read() == "Hello"
    assert stream.state.completed


# --- the top-level namespace: clean dir(), no optional imports ----------------------------------

_OPTIONAL = ("openai", "litellm", "aiohttp", "opentelemetry", "sentry_sdk", "httpx", "jiter", "matplotlib",
             "hypothesis", "pytest")
_PROBE = """
import json, sys
import l0
out = {"dir": dir(l0), "after_import": sorted(m for m in sys.modules if m.split(".")[0] in OPTIONAL)}
l0.run, l0.wrap, l0.Guardrails.recommended(), l0.JSON, l0.Stream, l0.Error
out["after_use"] = sorted(m for m in sys.modules if m.split(".")[0] in OPTIONAL)
out["dir_after_use"] = dir(l0)
l0.WrappedClient
out["dir_after_wrapped_client"] = dir(l0)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    """What a fresh interpreter sees after ``import l0`` (and after using a few names)."""
    code = f"OPTIONAL = {_OPTIONAL!r}\n{_PROBE}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_import_l0_loads_no_optional_module(probe: dict[str, Any]) -> None:
    assert probe["after_import"] == []
    assert probe["after_use"] == []


def test_dir_l0_lists_the_public_names_only(probe: dict[str, Any]) -> None:
    listed = set(probe["dir"])
    for helper in ("Any", "TYPE_CHECKING", "importlib", "annotations", "typing", "_typing", "_importlib",
                   "_GROUPS", "_WHERE", "_internal_run", "WrappedClient"):
        assert helper not in listed, helper
    assert set(l0.__all__) - {"WrappedClient"} <= listed
    assert {"__version__", "__backend__", "__all__"} <= listed
    assert not {n for n in listed if n.startswith("_") and not n.startswith("__")}
    assert "WrappedClient" in probe["dir_after_wrapped_client"]
    assert l0._internal_run is importlib.import_module("l0.runtime")._internal_run
