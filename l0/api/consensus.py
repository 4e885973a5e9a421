"""Re-exports of the consensus names (the reference's ``l0.api.consensus`` path)."""

from __future__ import annotations

from l0.consensus import (
    Agreement, Consensus, ConsensusAnalysis, ConsensusOutput, ConsensusPreset, ConsensusResult,
    Disagreement, DisagreementValue, FieldAgreement, FieldConsensus, FieldConsensusInfo, consensus,
)

__all__ = [
    "Agreement", "Consensus", "ConsensusAnalysis", "ConsensusOutput", "ConsensusPreset",
    "ConsensusResult", "Disagreement", "DisagreementValue", "FieldAgreement", "FieldConsensus",
    "FieldConsensusInfo", "consensus",
]
