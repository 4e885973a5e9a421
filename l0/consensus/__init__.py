"""Multi-output consensus (``l0.consensus``, ``l0.Consensus``).

Run several tasks (model calls) concurrently and agree on one answer::

    result = await l0.consensus([ask_a, ask_b, ask_c], strategy="majority")
    result.consensus, result.confidence, result.status

The module itself is callable (``l0.consensus(tasks, ...)`` is
:func:`consensus`), so ``l0.consensus`` works as the function and as the
module whichever was imported first. See ``docs/consensus.md``.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

from ._compare import stable_repr
from ._run import consensus
from ._types import (
    CONFLICT_RESOLUTIONS,
    STRATEGIES,
    Agreement,
    AgreementType,
    ConflictResolution,
    ConsensusAnalysis,
    ConsensusOutput,
    ConsensusPreset,
    ConsensusResult,
    ConsensusTelemetry,
    Disagreement,
    DisagreementSeverity,
    DisagreementValue,
    FieldAgreement,
    FieldConsensus,
    FieldConsensusInfo,
    Strategy,
    best_consensus,
    lenient_consensus,
    standard_consensus,
    strict_consensus,
)
from ._utils import (
    calculate_field_consensus,
    calculate_output_similarity,
    calculate_similarity_matrix,
    calculate_structural_similarity,
    find_agreements,
    find_disagreements,
    get_consensus_value,
    meets_minimum_agreement,
    quick_consensus,
    resolve_best,
    resolve_majority,
    resolve_merge,
    validate_consensus,
)

__all__ = [
    "Consensus",
    "consensus",
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
    "STRATEGIES",
    "CONFLICT_RESOLUTIONS",
    "strict_consensus",
    "standard_consensus",
    "lenient_consensus",
    "best_consensus",
    "calculate_similarity_matrix",
    "calculate_output_similarity",
    "calculate_structural_similarity",
    "find_agreements",
    "find_disagreements",
    "calculate_field_consensus",
    "resolve_majority",
    "resolve_best",
    "resolve_merge",
    "meets_minimum_agreement",
    "quick_consensus",
    "get_consensus_value",
    "validate_consensus",
    "stable_repr",
]

Tasks = Sequence[Callable[[], Any]]


class Consensus:
    """Consensus entry points, presets and utilities under one name."""

    STRICT = strict_consensus
    STANDARD = standard_consensus
    LENIENT = lenient_consensus
    BEST = best_consensus

    Result = ConsensusResult
    Output = ConsensusOutput
    Analysis = ConsensusAnalysis
    Preset = ConsensusPreset

    run = staticmethod(consensus)

    @staticmethod
    async def strict(tasks: Tasks, *, schema: Any = None, on_event: Callable[..., Any] | None = None) -> ConsensusResult[Any]:
        """Every output must match the first (threshold 1.0); otherwise ``ValueError``."""
        return await consensus(tasks, strategy="unanimous", threshold=1.0, resolve_conflicts="fail",
                               minimum_agreement=1.0, schema=schema, on_event=on_event)

    @staticmethod
    async def standard(tasks: Tasks, *, schema: Any = None, on_event: Callable[..., Any] | None = None) -> ConsensusResult[Any]:
        """Majority at threshold 0.8 and minimum agreement 0.6, conflicts resolved by vote."""
        return await consensus(tasks, strategy="majority", threshold=0.8, resolve_conflicts="vote",
                               minimum_agreement=0.6, schema=schema, on_event=on_event)

    @staticmethod
    async def lenient(tasks: Tasks, *, schema: Any = None, on_event: Callable[..., Any] | None = None) -> ConsensusResult[Any]:
        """Majority at threshold 0.7 and minimum agreement 0.5, conflicts merged."""
        return await consensus(tasks, strategy="majority", threshold=0.7, resolve_conflicts="merge",
                               minimum_agreement=0.5, schema=schema, on_event=on_event)

    @staticmethod
    async def best(tasks: Tasks, *, schema: Any = None, on_event: Callable[..., Any] | None = None) -> ConsensusResult[Any]:
        """The first successful output (threshold 0.5, minimum agreement 0.0, as the reference)."""
        return await consensus(tasks, strategy="best", threshold=0.5, resolve_conflicts="best",
                               minimum_agreement=0.0, schema=schema, on_event=on_event)

    quick = staticmethod(quick_consensus)
    get_value = staticmethod(get_consensus_value)
    validate = staticmethod(validate_consensus)

    similarity_matrix = staticmethod(calculate_similarity_matrix)
    output_similarity = staticmethod(calculate_output_similarity)
    structural_similarity = staticmethod(calculate_structural_similarity)
    agreements = staticmethod(find_agreements)
    disagreements = staticmethod(find_disagreements)
    field_consensus = staticmethod(calculate_field_consensus)
    majority = staticmethod(resolve_majority)
    best_output = staticmethod(resolve_best)
    merge = staticmethod(resolve_merge)
    meets_agreement = staticmethod(meets_minimum_agreement)


class _CallableModule(types.ModuleType):
    """``l0.consensus`` is this module *and* callable as :func:`consensus`.

    Python binds the submodule to ``l0.consensus`` on import, which in the
    reference shadowed the function of the same name; a callable module makes
    both spellings work in any import order.
    """

    def __call__(self, tasks: Tasks, **options: Any) -> Any:
        return consensus(tasks, **options)


sys.modules[__name__].__class__ = _CallableModule
__wrapped__ = consensus  # inspect.signature(l0.consensus) shows consensus()'s parameters
