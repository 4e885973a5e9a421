"""l0: the reliability layer for streaming LLM output.

Public names load lazily (PEP 562), so ``import l0`` stays cheap; the kernels
backend is chosen once at import (``l0.__backend__``, see ``l0._backend``).
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from l0._backend import BACKEND as __backend__
from l0.version import __version__

_GROUPS: dict[str, tuple[str, ...]] = {
    "l0._entry": ("run", "l0", "wrap"),
    "l0.types": (
        "Stream", "LazyStream", "Event", "State", "EventType", "RawStream", "AwaitableStream",
        "StreamFactory", "AwaitableStreamFactory", "StreamSource", "AwaitableStreamSource",
        "Retry", "RetryDefaults", "RETRY_DEFAULTS", "MINIMAL_RETRY", "RECOMMENDED_RETRY",
        "STRICT_RETRY", "EXPONENTIAL_RETRY", "RetryableErrorType", "Timeout", "CheckIntervals",
        "BackoffStrategy", "ErrorCategory", "ErrorTypeDelays", "ErrorTypeDelayDefaults",
        "ERROR_TYPE_DELAY_DEFAULTS", "ContentType", "DataPayload", "Progress",
    ),
    "l0.stream": ("consume_stream", "get_text"),
    "l0.runtime": ("TimeoutError", "LifecycleCallbacks", "StreamContext", "_internal_run"),
    "l0.client": ("WrappedClient", "native_stream"),
    "l0.errors": (
        "Error", "ErrorCode", "ErrorContext", "FailureType", "RecoveryStrategy",
        "RecoveryPolicy", "NetworkError", "NetworkErrorType", "NetworkErrorAnalysis",
    ),
    "l0.events": ("ObservabilityEvent", "ObservabilityEventType", "EventBus"),
    "l0.adapters": (
        "Adapters", "Adapter", "AdaptedEvent", "OpenAIAdapter", "OpenAIAdapterOptions",
        "LiteLLMAdapter", "AnthropicAdapter",
    ),
    "l0.native": ("NativeTransportNotSupportedError",),
    "l0.continuation": ("Continuation", "ContinuationConfig", "DeduplicationOptions", "OverlapResult"),
    "l0.drift": ("Drift", "DriftDetector", "DriftConfig", "DriftResult"),
    "l0.guardrails": (
        "Guardrails", "GuardrailRule", "GuardrailViolation", "Violation", "JsonAnalysis",
        "MarkdownAnalysis", "LatexAnalysis", "pattern_rule", "custom_pattern_rule",
        "MINIMAL_GUARDRAILS", "RECOMMENDED_GUARDRAILS", "STRICT_GUARDRAILS",
        "JSON_ONLY_GUARDRAILS", "MARKDOWN_ONLY_GUARDRAILS", "LATEX_ONLY_GUARDRAILS",
    ),
    "l0._structured": (
        "structured", "structured_stream", "structured_object", "structured_array",
        "StructuredResult", "StructuredStreamResult", "StructuredState", "StructuredTelemetry",
        "StructuredConfig", "AutoCorrectInfo", "MINIMAL_STRUCTURED", "RECOMMENDED_STRUCTURED",
        "STRICT_STRUCTURED", "TruncatedOutputError",
    ),
    "l0._utils": ("JSON", "AutoCorrectResult", "CorrectionType"),
    "l0.json_schema": (
        "JSONSchema", "JSONSchemaAdapter", "JSONSchemaDefinition", "JSONSchemaValidationError",
        "JSONSchemaValidationFailure", "JSONSchemaValidationSuccess", "SimpleJSONSchemaAdapter",
        "UnifiedSchema",
    ),
    "l0.logging": ("enable_debug",),
    "l0.parallel": (
        "AggregatedTelemetry", "Parallel", "ParallelOptions", "ParallelResult", "RaceResult", "batched",
        "parallel", "race", "sequential",
    ),
    "l0.pool": ("OperationPool", "PoolOptions", "PoolStats", "create_pool"),
    "l0.ratelimit": ("RateLimit",),
    "l0.pipeline": (
        "FAST_PIPELINE", "PRODUCTION_PIPELINE", "RELIABLE_PIPELINE", "Pipeline", "PipelineOptions",
        "PipelineResult", "PipelineStep", "StepContext", "StepResult", "chain_pipelines", "create_branch_step",
        "create_pipeline", "create_step", "parallel_pipelines", "pipe",
    ),
    "l0.consensus": (
        "consensus", "Consensus", "ConsensusResult", "ConsensusOutput", "ConsensusAnalysis",
        "ConsensusPreset", "Agreement", "Disagreement", "DisagreementValue", "FieldAgreement",
        "FieldConsensus", "FieldConsensusInfo",
    ),
    "l0.state_machine": ("StateMachine", "RuntimeState", "RuntimeStates", "StateTransition",
                         "create_state_machine"),
    "l0.metrics": ("Metrics", "MetricsSnapshot", "create_metrics", "get_global_metrics",
                   "reset_global_metrics"),
    "l0.event_sourcing": (
        "EventEnvelope", "EventRecorder", "EventReplayer", "EventSourcing", "EventStore",
        "EventStoreWithSnapshots", "InMemoryEventStore", "RecordedEvent", "RecordedEventType",
        "ReplayCallbacks", "ReplayComparison", "ReplayedState", "ReplayResult", "SerializedError",
        "Snapshot", "StreamMetadata",
    ),
    "l0.format": ("Format",),
    "l0.window": (
        "Window", "DocumentWindow", "DocumentChunk", "WindowConfig", "WindowStats", "ChunkProcessConfig",
        "ChunkResult", "ChunkingStrategy", "ProcessingStats", "ContextRestorationOptions",
        "ContextRestorationStrategy",
    ),
    "l0.multimodal": ("Multimodal",),
    "l0.comparison": (
        "Compare", "Difference", "DifferenceSeverity", "DifferenceType", "StringComparisonOptions",
        "ObjectComparisonOptions",
    ),
    "l0.normalize": ("Text", "NormalizeOptions", "WhitespaceOptions"),
    "l0._backend": ("PerformanceWarning",),
    "l0.monitoring": (
        "Monitoring", "OpenTelemetry", "OpenTelemetryConfig", "OpenTelemetryExporter", "OpenTelemetryExporterConfig",
        "SemanticAttributes", "Sentry", "SentryConfig", "SentryExporter", "SentryExporterConfig",
    ),
}

_WHERE: dict[str, str] = {name: mod for mod, names in _GROUPS.items() for name in names}

__all__ = ["__backend__", "__version__", *(n for n in _WHERE if not n.startswith("_"))]

# Reachable but not listed by dir() until first used: the type wrap(client) returns (never built by hand).
_UNLISTED = frozenset({"WrappedClient"})
_MODULE_DUNDERS = ("__all__", "__doc__", "__file__", "__loader__", "__name__", "__package__", "__path__", "__spec__")


def __getattr__(name: str) -> _typing.Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'l0' has no attribute {name!r}")
    mod = _importlib.import_module(module)
    # A callable module named like its function (``l0.parallel``, ``l0.consensus``) stays the
    # module, so that ``import l0.parallel as p`` and ``l0.parallel(tasks)`` both work.
    value = mod if module == f"l0.{name}" and callable(mod) else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (loaded or not) and the public submodules imported so far."""
    names = set(__all__) - _UNLISTED
    names.update(_MODULE_DUNDERS)
    for key, value in globals().items():
        if key.startswith("_"):
            continue
        if key in _WHERE or getattr(value, "__name__", None) == f"{__name__}.{key}":
            names.add(key)
    return sorted(names)


if _typing.TYPE_CHECKING:  # pragma: no cover - static view of the lazy names
    from l0._entry import l0, run, wrap
    from l0.types import Event, EventType, Retry, State, Stream, Timeout
