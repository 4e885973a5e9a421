"""Models mirroring ``l0.consensus`` (the four Literal aliases become str enums)."""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import Field

from ._base import L0Model, register_enum

__all__ = [
    "StrategyModel", "ConflictResolutionModel", "AgreementTypeModel", "DisagreementSeverityModel",
    "AgreementModel", "DisagreementValueModel", "DisagreementModel", "ConsensusAnalysisModel",
    "FieldAgreementModel", "FieldConsensusModel", "ConsensusOutputModel", "ConsensusTelemetryModel",
    "ConsensusResultModel", "ConsensusPresetModel",
]


@register_enum(None)
class StrategyModel(str, Enum):
    UNANIMOUS = "unanimous"
    MAJORITY = "majority"
    WEIGHTED = "weighted"
    BEST = "best"


@register_enum(None)
class ConflictResolutionModel(str, Enum):
    VOTE = "vote"
    MERGE = "merge"
    BEST = "best"
    FAIL = "fail"


@register_enum(None)
class AgreementTypeModel(str, Enum):
    EXACT = "exact"
    SIMILAR = "similar"
    STRUCTURAL = "structural"
    SEMANTIC = "semantic"


@register_enum(None)
class DisagreementSeverityModel(str, Enum):
    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"
    CRITICAL = "critical"


class AgreementModel(L0Model):
    __l0__ = "l0.consensus:Agreement"

    content: Any
    path: str | None = None
    count: int = 0
    ratio: float = 0.0
    indices: list[int] = Field(default_factory=list)
    type: AgreementTypeModel = AgreementTypeModel.EXACT


class DisagreementValueModel(L0Model):
    __l0__ = "l0.consensus:DisagreementValue"

    value: Any
    count: int
    indices: list[int]


class DisagreementModel(L0Model):
    __l0__ = "l0.consensus:Disagreement"

    path: str | None = None
    values: list[DisagreementValueModel] = Field(default_factory=list)
    severity: DisagreementSeverityModel = DisagreementSeverityModel.MINOR
    resolution: str | None = None
    resolution_confidence: float | None = None


class ConsensusAnalysisModel(L0Model):
    __l0__ = "l0.consensus:ConsensusAnalysis"

    total_outputs: int = 0
    successful_outputs: int = 0
    failed_outputs: int = 0
    identical_outputs: int = 0
    similarity_matrix: list[list[float]] = Field(default_factory=list)
    average_similarity: float = 0.0
    min_similarity: float = 0.0
    max_similarity: float = 0.0
    total_agreements: int = 0
    total_disagreements: int = 0
    strategy: str = ""
    conflict_resolution: str = ""
    duration_ms: float = 0.0


class FieldAgreementModel(L0Model):
    __l0__ = "l0.consensus:FieldAgreement"

    path: str
    value: Any
    agreement: float
    votes: dict[str, int]
    values: list[Any]
    unanimous: bool
    confidence: float


class FieldConsensusModel(L0Model):
    __l0__ = "l0.consensus:FieldConsensus"

    fields: dict[str, FieldAgreementModel] = Field(default_factory=dict)
    overall_agreement: float = 0.0
    agreed_fields: list[str] = Field(default_factory=list)
    disagreed_fields: list[str] = Field(default_factory=list)


class ConsensusOutputModel(L0Model):
    """One task's output. ``l0_result``/``structured_result`` hold live objects
    (a stream, a StructuredResult) when converted from l0; set them to None
    before ``model_dump_json``."""

    __l0__ = "l0.consensus:ConsensusOutput"

    index: int
    text: str
    value: Any
    success: bool
    data: Any = None
    l0_result: Any = None
    structured_result: Any = None
    error: str | None = None
    duration_ms: float = 0.0
    weight: float = 1.0
    similarities: list[float] | None = None
    token_count: int = 0
    retries: int = 0
    network_errors: int = 0
    violations: int = 0
    time_to_first_token_ms: float | None = None


class ConsensusTelemetryModel(L0Model):
    """Telemetry summed over the tasks (l0's addition; not in the reference)."""

    __l0__ = "l0.consensus:ConsensusTelemetry"

    total_tokens: int = 0
    total_duration: float = 0.0
    total_retries: int = 0
    total_network_errors: int = 0
    total_violations: int = 0
    avg_tokens_per_second: float = 0.0
    avg_time_to_first_token: float = 0.0
    streams: int = 0


class ConsensusResultModel(L0Model):
    __l0__ = "l0.consensus:ConsensusResult"

    consensus: Any
    confidence: float
    outputs: list[ConsensusOutputModel]
    agreements: list[AgreementModel]
    disagreements: list[DisagreementModel]
    analysis: ConsensusAnalysisModel
    type: Literal["text", "structured"] = "text"
    field_consensus: FieldConsensusModel | None = None
    status: Literal["success", "partial", "failed"] = "success"
    telemetry: ConsensusTelemetryModel | None = None


class ConsensusPresetModel(L0Model):
    __l0__ = "l0.consensus:ConsensusPreset"

    strategy: StrategyModel
    threshold: float
    resolve_conflicts: ConflictResolutionModel
    minimum_agreement: float
