"""Result, analysis and preset types of consensus (``l0.consensus``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

__all__ = [
    "Strategy",
    "ConflictResolution",
    "AgreementType",
    "DisagreementSeverity",
    "ConsensusOutput",
    "Agreement",
    "DisagreementValue",
    "Disagreement",
    "ConsensusAnalysis",
    "FieldAgreement",
    "FieldConsensusInfo",
    "FieldConsensus",
    "ConsensusTelemetry",
    "ConsensusResult",
    "ConsensusPreset",
    "strict_consensus",
    "standard_consensus",
    "lenient_consensus",
    "best_consensus",
    "STRATEGIES",
    "CONFLICT_RESOLUTIONS",
]

Strategy = Literal["unanimous", "majority", "weighted", "best"]
ConflictResolution = Literal["vote", "merge", "best", "fail"]
AgreementType = Literal["exact", "similar", "structural", "semantic"]
DisagreementSeverity = Literal["minor", "moderate", "major", "critical"]

STRATEGIES: tuple[str, ...] = ("unanimous", "majority", "weighted", "best")
CONFLICT_RESOLUTIONS: tuple[str, ...] = ("vote", "merge", "best", "fail")


@dataclass
class ConsensusOutput:
    """One task's output.

    ``text`` is what text similarity compares (the stream's text, ``str(value)``,
    or the stable repr of structured data); ``data`` is the dict form of
    structured values. ``l0_result`` is the ``l0`` stream the task returned
    (if any) and ``structured_result`` its ``StructuredResult``. Additions:
    ``token_count``, ``retries`` (model + network), ``network_errors``,
    ``violations`` and ``time_to_first_token_ms``, read from that stream's state.
    """

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


@dataclass
class Agreement:
    """Outputs (``indices``) that agree on ``content`` (at ``path`` for structured data)."""

    content: Any
    path: str | None = None
    count: int = 0
    ratio: float = 0.0
    indices: list[int] = field(default_factory=list)
    type: AgreementType = "exact"


@dataclass
class DisagreementValue:
    """One of the competing values of a :class:`Disagreement` and who gave it."""

    value: Any
    count: int
    indices: list[int]


@dataclass
class Disagreement:
    """Competing values (at ``path`` for structured data) and how serious the split is."""

    path: str | None = None
    values: list[DisagreementValue] = field(default_factory=list)
    severity: DisagreementSeverity = "minor"
    resolution: str | None = None
    resolution_confidence: float | None = None


@dataclass
class ConsensusAnalysis:
    """Statistics of one consensus run (similarities over successful outputs)."""

    total_outputs: int = 0
    successful_outputs: int = 0
    failed_outputs: int = 0
    identical_outputs: int = 0
    similarity_matrix: list[list[float]] = field(default_factory=list)
    average_similarity: float = 0.0
    min_similarity: float = 0.0
    max_similarity: float = 0.0
    total_agreements: int = 0
    total_disagreements: int = 0
    strategy: str = ""
    conflict_resolution: str = ""
    duration_ms: float = 0.0


@dataclass
class FieldAgreement:
    """Agreement on one field: the winning ``value``, its share, and the vote per value."""

    path: str
    value: Any
    agreement: float
    votes: dict[str, int]
    values: list[Any]
    unanimous: bool
    confidence: float


FieldConsensusInfo = FieldAgreement


@dataclass
class FieldConsensus:
    """Field-level agreement of structured outputs."""

    fields: dict[str, FieldAgreement] = field(default_factory=dict)
    overall_agreement: float = 0.0
    agreed_fields: list[str] = field(default_factory=list)
    disagreed_fields: list[str] = field(default_factory=list)


@dataclass
class ConsensusTelemetry:
    """Telemetry summed over the tasks (an addition; the reference has none).

    Stream figures come from the ``l0`` streams (or structured results) the
    tasks returned and stay 0 for tasks that return plain values.
    ``total_duration`` is the consensus wall time in ms; the averages are over
    the streams that produced a first token.
    """

    total_tokens: int = 0
    total_duration: float = 0.0
    total_retries: int = 0
    total_network_errors: int = 0
    total_violations: int = 0
    avg_tokens_per_second: float = 0.0
    avg_time_to_first_token: float = 0.0
    streams: int = 0


@dataclass
class ConsensusResult(Generic[T]):
    """The agreed value with its confidence, the outputs and the analysis.

    ``status`` is ``"success"`` when the strategy reached agreement and
    ``"partial"`` when a conflict resolution picked the value. ``telemetry``
    is an addition (see :class:`ConsensusTelemetry`).
    """

    consensus: T
    confidence: float
    outputs: list[ConsensusOutput]
    agreements: list[Agreement]
    disagreements: list[Disagreement]
    analysis: ConsensusAnalysis
    type: Literal["text", "structured"] = "text"
    field_consensus: FieldConsensus | None = None
    status: Literal["success", "partial", "failed"] = "success"
    telemetry: ConsensusTelemetry | None = None


@dataclass
class ConsensusPreset:
    """A named combination of consensus settings (pass its fields to ``consensus``)."""

    strategy: Strategy
    threshold: float
    resolve_conflicts: ConflictResolution
    minimum_agreement: float


strict_consensus = ConsensusPreset("unanimous", 1.0, "fail", 1.0)
standard_consensus = ConsensusPreset("majority", 0.8, "vote", 0.6)
lenient_consensus = ConsensusPreset("majority", 0.7, "merge", 0.5)
best_consensus = ConsensusPreset("best", 0.8, "best", 0.5)
