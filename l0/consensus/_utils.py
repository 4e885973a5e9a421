"""Module-level consensus utilities over lists of :class:`ConsensusOutput`.

Text mode applies when the first output has no ``data``; otherwise outputs
are compared field by field over their dotted paths (``l0.consensus._compare.flatten``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._compare import (
    flatten,
    group_by_similarity,
    severity,
    similarity_matrix,
    stable_repr,
    structural_similarity,
    text_similarity,
    unflatten,
)
from ._types import (
    Agreement,
    ConsensusOutput,
    ConsensusResult,
    Disagreement,
    DisagreementValue,
    FieldAgreement,
    FieldConsensus,
)

__all__ = [
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
]


def _check_threshold(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _check_weights(weights: Sequence[float] | None, count: int, what: str) -> list[float] | None:
    if weights is None:
        return None
    weights = list(weights)
    if len(weights) != count:
        raise ValueError(f"weights must have one entry per {what}: got {len(weights)} for {count}")
    for i, w in enumerate(weights):
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not w >= 0 or w == float("inf"):
            raise ValueError(f"weights[{i}] must be a finite number >= 0, got {w!r}")
    return [float(w) for w in weights]


def _structured(outputs: Sequence[ConsensusOutput]) -> bool:
    return bool(outputs) and outputs[0].data is not None


def calculate_output_similarity(a: ConsensusOutput, b: ConsensusOutput) -> float:
    """Structural similarity of ``data`` when both outputs have it, else text similarity."""
    if a.data is not None and b.data is not None:
        return structural_similarity(a.data, b.data)
    return 1.0 if a.text == b.text else text_similarity(a.text, b.text)


def calculate_structural_similarity(a: Any, b: Any) -> float:
    """Similarity in [0, 1] of two values by structure (numbers, strings, lists, dicts)."""
    return structural_similarity(a, b)


def _output_matrix(outputs: Sequence[ConsensusOutput]) -> list[list[float]]:
    if all(o.data is not None for o in outputs):
        return similarity_matrix([o.data for o in outputs], structural_similarity)
    return similarity_matrix([o.text for o in outputs], text_similarity)


def calculate_similarity_matrix(outputs: Sequence[ConsensusOutput]) -> list[list[float]]:
    """The n x n matrix of :func:`calculate_output_similarity` (each pair computed once)."""
    return _output_matrix(list(outputs))


class _Votes:
    """Per-path vote count by stable repr, keeping first-seen order and the voters."""

    __slots__ = ("order", "values", "counts", "voters", "seen")

    def __init__(self) -> None:
        self.order: list[str] = []
        self.values: dict[str, Any] = {}
        self.counts: dict[str, float] = {}
        self.voters: dict[str, list[int]] = {}
        self.seen: list[Any] = []

    def add(self, value: Any, index: int, weight: float = 1.0) -> None:
        key = stable_repr(value)
        if key not in self.counts:
            self.order.append(key)
            self.values[key] = value
            self.counts[key] = 0.0
            self.voters[key] = []
        self.counts[key] += weight
        self.voters[key].append(index)
        self.seen.append(value)

    def winner(self) -> str:
        counts = self.counts
        return max(self.order, key=lambda k: counts[k])  # max keeps the first of equals


def _path_votes(outputs: Sequence[ConsensusOutput], leaves_only: bool = False,
                weights: Sequence[float] | None = None) -> dict[str, _Votes]:
    votes: dict[str, _Votes] = {}
    for pos, o in enumerate(outputs):
        w = 1.0 if weights is None else weights[pos]
        for path, value in flatten(o.data, leaves_only).items():
            v = votes.get(path)
            if v is None:
                v = votes[path] = _Votes()
            v.add(value, o.index, w)
    return votes


def find_agreements(outputs: Sequence[ConsensusOutput], threshold: float = 0.8) -> list[Agreement]:
    """Groups of outputs that agree (text) or per-path values most outputs share (structured)."""
    threshold = _check_threshold(threshold, "threshold")
    outputs = list(outputs)
    n = len(outputs)
    if not n:
        return []
    if not _structured(outputs):
        groups = group_by_similarity(_output_matrix(outputs), threshold)
        return [
            Agreement(content=outputs[g[0]].text, count=len(g), ratio=len(g) / n,
                      indices=[outputs[k].index for k in g], type="exact" if len(g) == n else "similar")
            for g in groups if len(g) >= 2
        ]
    found = []
    for path, v in _path_votes(outputs).items():
        key = v.winner()
        count = int(v.counts[key])
        ratio = count / n
        if ratio >= threshold:
            found.append(Agreement(content=v.values[key], path=path, count=count, ratio=ratio,
                                   indices=list(v.voters[key]), type="exact" if ratio >= 1.0 else "structural"))
    return found


def find_disagreements(outputs: Sequence[ConsensusOutput], threshold: float = 0.8) -> list[Disagreement]:
    """Competing values: one entry over the text groups, or one per disputed path."""
    threshold = _check_threshold(threshold, "threshold")
    outputs = list(outputs)
    n = len(outputs)
    if not n:
        return []
    if not _structured(outputs):
        texts = [o.text.strip() for o in outputs]
        groups = group_by_similarity(similarity_matrix(texts, text_similarity), threshold)
        if len(groups) <= 1:
            return []
        values = [DisagreementValue(value=texts[g[0]], count=len(g), indices=[outputs[k].index for k in g])
                  for g in groups]
        largest = max(len(g) for g in groups)
        return [Disagreement(values=values, severity=severity(largest / n))]  # type: ignore[arg-type]
    found = []
    for path, v in _path_votes(outputs).items():
        if len(v.order) < 2:
            continue
        ratio = v.counts[v.winner()] / n
        if ratio < threshold:
            values = [DisagreementValue(value=v.values[k], count=int(v.counts[k]), indices=list(v.voters[k]))
                      for k in v.order]
            found.append(Disagreement(path=path, values=values, severity=severity(ratio)))  # type: ignore[arg-type]
    return found


def _field_consensus(votes: dict[str, _Votes], n: int) -> FieldConsensus:
    fields: dict[str, FieldAgreement] = {}
    agreed, disagreed = [], []
    for path, v in votes.items():
        key = v.winner()
        top = int(v.counts[key])
        agreement = top / n if n else 0.0
        unanimous = top == n
        fields[path] = FieldAgreement(path=path, value=v.values[key], agreement=agreement,
                                      votes={k: int(v.counts[k]) for k in v.order}, values=list(v.seen),
                                      unanimous=unanimous, confidence=agreement)
        (agreed if unanimous else disagreed).append(path)
    overall = sum(f.agreement for f in fields.values()) / len(fields) if fields else 0.0
    return FieldConsensus(fields=fields, overall_agreement=overall, agreed_fields=agreed, disagreed_fields=disagreed)


def calculate_field_consensus(outputs: Sequence[ConsensusOutput]) -> FieldConsensus:
    """Per dotted path: the most voted value, its share of all outputs, and the votes."""
    outputs = list(outputs)
    return _field_consensus(_path_votes(outputs), len(outputs))


def _require(outputs: Sequence[ConsensusOutput]) -> list[ConsensusOutput]:
    outputs = list(outputs)
    if not outputs:
        raise ValueError("No outputs to resolve")
    return outputs


def _structured_output(index: int, data: dict[str, Any]) -> ConsensusOutput:
    return ConsensusOutput(index=index, text=stable_repr(data), value=data, success=True, data=data)


def resolve_majority(outputs: Sequence[ConsensusOutput], weights: Sequence[float] | None = None) -> ConsensusOutput:
    """Structured: the weighted per-field winners; text: the output most similar to the others.

    ``weights`` default to each output's ``weight``.
    """
    outputs = _require(outputs)
    w = _check_weights(weights, len(outputs), "output") or [o.weight for o in outputs]
    if _structured(outputs):
        votes = _path_votes(outputs, leaves_only=True, weights=w)
        return _structured_output(outputs[0].index,
                                  unflatten({p: v.values[v.winner()] for p, v in votes.items()}))
    matrix = _output_matrix(outputs)
    n = len(outputs)
    scores = [sum(matrix[i][j] * w[j] for j in range(n) if j != i) for i in range(n)]
    return outputs[max(range(n), key=scores.__getitem__)]


def resolve_best(outputs: Sequence[ConsensusOutput], weights: Sequence[float] | None = None) -> ConsensusOutput:
    """The output with the greatest weight (the first of equals); ``weights`` default to ``output.weight``."""
    outputs = _require(outputs)
    w = _check_weights(weights, len(outputs), "output") or [o.weight for o in outputs]
    return outputs[max(range(len(outputs)), key=w.__getitem__)]


def resolve_merge(outputs: Sequence[ConsensusOutput]) -> ConsensusOutput:
    """Structured: the first non-None value of every leaf path; text: the distinct texts,
    stripped, joined by blank lines. A single output is returned as it is."""
    outputs = _require(outputs)
    if len(outputs) == 1:
        return outputs[0]
    if _structured(outputs):
        leaves: dict[str, Any] = {}
        for o in outputs:
            for path, value in flatten(o.data, leaves_only=True).items():
                leaves.setdefault(path, value)
        return _structured_output(outputs[0].index, unflatten(leaves))
    texts = list(dict.fromkeys(t for t in (o.text.strip() for o in outputs) if t))
    merged = "\n\n".join(texts)
    return ConsensusOutput(index=outputs[0].index, text=merged, value=merged, success=True)


def meets_minimum_agreement(agreements: Sequence[Agreement], outputs_count: int, threshold: float) -> bool:
    """True if the largest agreement covers at least ``threshold`` of ``outputs_count`` outputs."""
    if threshold <= 0 or outputs_count <= 1:
        return True
    if not agreements:
        return False
    return max(a.count / outputs_count for a in agreements) >= threshold


def _most_common(values: Sequence[Any]) -> tuple[Any, int]:
    counts: dict[str, int] = {}
    first: dict[str, Any] = {}
    for v in values:
        key = stable_repr(v)
        if key not in counts:
            counts[key] = 0
            first[key] = v
        counts[key] += 1
    key = max(counts, key=counts.__getitem__)
    return first[key], counts[key]


def quick_consensus(outputs: Sequence[Any], threshold: float = 0.8) -> bool:
    """True if the most common value (compared exactly) makes up at least ``threshold`` of ``outputs``."""
    threshold = _check_threshold(threshold, "threshold")
    outputs = list(outputs)
    if not outputs:
        return False
    return _most_common(outputs)[1] / len(outputs) >= threshold


def get_consensus_value(outputs: Sequence[Any]) -> Any:
    """The most common value (compared exactly; the first of equals), or None for no outputs."""
    outputs = list(outputs)
    return _most_common(outputs)[0] if outputs else None


def validate_consensus(result: ConsensusResult[Any], min_confidence: float = 0.8, max_disagreements: int = 0) -> bool:
    """False if the confidence is below ``min_confidence`` or more than ``max_disagreements``
    disagreements are ``major`` or ``critical``."""
    if result.confidence < min_confidence:
        return False
    serious = sum(1 for d in result.disagreements if d.severity in ("major", "critical"))
    return serious <= max_disagreements
