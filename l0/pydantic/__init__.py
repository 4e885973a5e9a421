"""Pydantic models mirroring l0's dataclasses and enums (``from l0.pydantic import …``).

Every model validates input, exports a JSON schema (``Model.model_json_schema()``)
and converts both ways: ``Model.from_l0(obj)`` builds it from the l0 dataclass
instance, ``model.to_l0()`` builds the dataclass back. Callables are left out and
errors are carried as their message. ``import l0`` does not import this package.
"""

from __future__ import annotations

from ._base import L0Model
from .consensus import (
    AgreementModel, AgreementTypeModel, ConflictResolutionModel, ConsensusAnalysisModel,
    ConsensusOutputModel, ConsensusPresetModel, ConsensusResultModel, ConsensusTelemetryModel,
    DisagreementModel, DisagreementSeverityModel, DisagreementValueModel, FieldAgreementModel,
    FieldConsensusModel, StrategyModel,
)
from .drift import DriftConfigModel, DriftResultModel
from .errors import (
    ErrorCodeModel, ErrorContextModel, FailureTypeModel, NetworkErrorAnalysisModel, NetworkErrorTypeModel,
    RecoveryPolicyModel, RecoveryStrategyModel, SerializedErrorModel,
)
from .event_sourcing import (
    EventEnvelopeModel, EventSourcingSerializedErrorModel, RecordedEventModel, RecordedEventTypeModel,
    ReplayComparisonModel, ReplayedStateModel, SnapshotModel, StreamMetadataModel,
)
from .events import (
    CompleteEventModel, ErrorEventModel, ObservabilityEventModel, ObservabilityEventTypeModel,
    RetryAttemptEventModel, SessionEndEventModel, SessionStartEventModel,
)
from .guardrails import (
    GuardrailConfigModel, GuardrailContextModel, GuardrailResultModel, GuardrailResultSummaryModel,
    GuardrailStateModel, GuardrailViolationModel, JsonAnalysisModel, LatexAnalysisModel, MarkdownAnalysisModel,
)
from .metrics import MetricsSnapshotModel
from .parallel import AggregatedTelemetryModel, ParallelOptionsModel, ParallelResultModel, RaceResultModel
from .pipeline import PipelineOptionsModel, PipelineResultModel, PipelineStepModel, StepContextModel, StepResultModel
from .pool import PoolOptionsModel, PoolStatsModel
from .state_machine import RuntimeStateModel, StateTransitionModel
from .types import (
    BackoffStrategyModel, CheckIntervalsModel, ContentTypeModel, DataPayloadModel, ErrorCategoryModel,
    ErrorTypeDelaysModel, EventModel, EventTypeModel, ProgressModel, RetryableErrorTypeModel, RetryModel,
    StateModel, TelemetryContinuationModel, TelemetryDriftModel, TelemetryGuardrailsModel, TelemetryMetricsModel,
    TelemetryModel, TelemetryNetworkModel, TimeoutModel,
)
from .window import (
    ChunkResultModel, ContextRestorationOptionsModel, DocumentChunkModel, ProcessingStatsModel, WindowConfigModel,
    WindowStatsModel,
)

__all__ = [
    # types
    "EventTypeModel", "ContentTypeModel", "ErrorCategoryModel", "BackoffStrategyModel", "RetryableErrorTypeModel",
    "DataPayloadModel", "ProgressModel", "EventModel", "ErrorTypeDelaysModel", "RetryModel", "TimeoutModel",
    "CheckIntervalsModel", "StateModel", "TelemetryModel", "TelemetryMetricsModel", "TelemetryNetworkModel",
    "TelemetryGuardrailsModel", "TelemetryDriftModel", "TelemetryContinuationModel",
    # errors
    "ErrorCodeModel", "FailureTypeModel", "RecoveryStrategyModel", "NetworkErrorTypeModel", "RecoveryPolicyModel",
    "ErrorContextModel", "NetworkErrorAnalysisModel", "SerializedErrorModel",
    # guardrails
    "GuardrailViolationModel", "GuardrailContextModel", "GuardrailResultSummaryModel", "GuardrailResultModel",
    "GuardrailStateModel", "GuardrailConfigModel", "JsonAnalysisModel", "MarkdownAnalysisModel", "LatexAnalysisModel",
    # events
    "ObservabilityEventTypeModel", "ObservabilityEventModel", "SessionStartEventModel", "SessionEndEventModel",
    "RetryAttemptEventModel", "CompleteEventModel", "ErrorEventModel",
    # consensus
    "StrategyModel", "ConflictResolutionModel", "AgreementTypeModel", "DisagreementSeverityModel", "AgreementModel",
    "DisagreementValueModel", "DisagreementModel", "ConsensusAnalysisModel", "FieldAgreementModel",
    "FieldConsensusModel", "ConsensusOutputModel", "ConsensusResultModel", "ConsensusPresetModel",
    # parallel, pipeline, pool
    "AggregatedTelemetryModel", "RaceResultModel", "ParallelResultModel", "ParallelOptionsModel",
    "StepContextModel", "StepResultModel", "PipelineStepModel", "PipelineOptionsModel", "PipelineResultModel",
    "PoolOptionsModel", "PoolStatsModel",
    # window
    "DocumentChunkModel", "WindowConfigModel", "ContextRestorationOptionsModel", "WindowStatsModel",
    "ChunkResultModel", "ProcessingStatsModel",
    # drift, state machine
    "DriftResultModel", "DriftConfigModel", "RuntimeStateModel", "StateTransitionModel",
    # legacy event sourcing
    "RecordedEventTypeModel", "RecordedEventModel", "EventEnvelopeModel", "SnapshotModel",
    "EventSourcingSerializedErrorModel", "ReplayedStateModel", "StreamMetadataModel", "ReplayComparisonModel",
    # metrics
    "MetricsSnapshotModel",
    # additions (not in the reference)
    "L0Model", "ConsensusTelemetryModel",
]
